"""Registers in and out of spreadsheets: import (.xlsx, .csv) as a job with a dry run and
per-row errors, export to .xlsx."""
