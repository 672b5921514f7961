"""Shared infrastructure: configuration, database, API plumbing, errors, time."""
