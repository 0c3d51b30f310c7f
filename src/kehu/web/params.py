"""Reading optional query-string and form values: a bad one reads as absent, never a 500."""

import datetime as dt


def int_or_none(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def date_or_none(value) -> dt.date | None:
    """An ISO date (``2026-12-07``), else None."""
    try:
        return dt.date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None
