"""Bringing data in: files (CSV, XLSX) → mapped, validated rows → customers, orders … in bulk,
as an undoable job. See docs/imports.md."""
