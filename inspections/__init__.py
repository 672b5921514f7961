"""Inspections (检查) and the hidden dangers they find (隐患), with the rectification workflow."""
