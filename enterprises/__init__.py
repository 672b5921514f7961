"""Enterprises (企业) in the zone: registry, unified social credit codes, CSV/XLSX import."""
