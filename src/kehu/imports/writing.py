"""Bulk writes for imports: ids handed out in one statement, rows written as frames.

The ORM's bulk_create builds a model object per row; at a million rows that is most of the time.
Here a chunk's ids come from the sequence (PostgreSQL) or from MAX(id) under SQLite's write lock
(an import writes inside an IMMEDIATE transaction), so children can point at their parents before
anything is written, and every table of the chunk goes in as one COPY / executemany.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import numpy as np
import polars as pl
from django.db import connection

from kehu.demo.writer import write_frame as _write_frame


def batches(values, size: int = 900):
    """Slices of ``values`` short enough for one ``IN (…)`` list on every backend."""
    values = list(values)
    for start in range(0, len(values), size):
        yield values[start:start + size]


def allocate_ids(model, n: int) -> np.ndarray:
    table = model._meta.db_table
    if n <= 0:
        return np.empty(0, dtype=np.int64)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # the sequence named once (pg_get_serial_sequence per row cost 6 µs an id), and one
            # text value back, not n rows
            cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
            sequence = cursor.fetchone()[0]
            cursor.execute("SELECT string_agg(nextval(%s::regclass)::text, ',') FROM generate_series(1, %s)",
                           [sequence, n])
            return np.array(cursor.fetchone()[0].split(","), dtype=np.int64)
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}")  # noqa: S608
        top = int(cursor.fetchone()[0])
        cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
        row = cursor.fetchone()
        top = max(top, int(row[0]) if row else 0)  # AUTOINCREMENT never reuses a deleted id
        return np.arange(top + 1, top + 1 + n, dtype=np.int64)


def analyze(tables) -> None:
    """Refresh the planner's statistics of tables a bulk write grew (where autovacuum is off or
    has not caught up, a million new rows leave it planning for an empty table)."""
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(table)}")


def stamp(moment: datetime) -> str:
    """A timestamp as each backend stores it (Django's SQLite format has a space, no zone)."""
    utc = moment.astimezone(UTC)
    if connection.vendor == "postgresql":
        return utc.isoformat()
    return utc.replace(tzinfo=None).isoformat(sep=" ")


def stamps(moments: pl.Expr) -> pl.Expr:
    """UTC datetimes as each backend stores them (Django's SQLite text has no fraction when the
    microseconds are zero, and string order is what SQLite compares)."""
    if connection.vendor == "postgresql":
        return moments.dt.strftime("%Y-%m-%dT%H:%M:%S%.6f+00:00")
    whole = moments.dt.strftime("%Y-%m-%d %H:%M:%S")
    return pl.when(moments.dt.microsecond() == 0).then(whole).otherwise(moments.dt.strftime("%Y-%m-%d %H:%M:%S%.6f"))


def write_frame(model, frame: pl.DataFrame, *, fresh: tuple[str, ...] = ()) -> None:
    """Append a frame's rows to ``model``'s table (columns named as the table's). ``fresh``: key
    columns that refer to rows this transaction created (no lock needed to keep them)."""
    if frame.height:
        _write_frame(model._meta.db_table, frame, fresh=fresh)


def as_json(values) -> list[str]:
    return [json.dumps(v, ensure_ascii=False) for v in values]


def write(model, columns: dict[str, list], *, fresh: tuple[str, ...] = ()) -> None:
    """Append rows to ``model``'s table; ``columns`` are named as the table's columns."""
    if not columns or not len(next(iter(columns.values()))):
        return
    frame = pl.DataFrame({k: pl.Series(k, v, dtype=_dtype(v), strict=False) for k, v in columns.items()})
    _write_frame(model._meta.db_table, frame, fresh=fresh)


def _dtype(values):
    sample = next((v for v in values if v is not None), None)
    if isinstance(sample, bool):
        return pl.Boolean
    if isinstance(sample, (int, np.integer)):
        return pl.Int64
    return pl.Utf8
