"""Write a run's scores back in chunks of customers: COPY on PostgreSQL, executemany on SQLite.

Each chunk is one short transaction (replace the chunk's score rows, append its history rows, copy
changed tiers onto the customer, advance the run's progress), so readers and other writers wait
at most a chunk, the UI sees progress, and a crash leaves every row consistent with one run.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import polars as pl
from django.db import connection, transaction

from kehu.customers.models import Customer
from kehu.demo.writer import write_frame
from kehu.scoring.compute import Laps
from kehu.scoring.models import CustomerScore, ScoreHistory, ScoreRun

CHUNK = 50_000
SCORE_COLUMNS = [
    # (column, kind) — kind: i int, f float (NaN → NULL), t text, s epoch seconds (<0 → NULL), m money
    ("customer_id", "i"), ("run_id", "i"), ("purchases", "i"), ("frequency", "i"), ("recency", "f"),
    ("age", "f"), ("monetary_value", "m"), ("total_spend", "m"), ("first_purchase_at", "s"),
    ("last_purchase_at", "s"), ("r_score", "n"), ("f_score", "n"), ("m_score", "n"), ("rfm_code", "t"),
    ("segment", "t"), ("clv", "m"), ("p_alive", "f"), ("expected_purchases", "f"), ("tier", "t"),
    ("loyalty", "t"), ("behaviour", "f"), ("attitude", "f"),
]
# Django's text form of a UTC datetime on SQLite; PostgreSQL reads it as UTC (the connection's zone)
DJANGO_DATETIME = "%Y-%m-%d %H:%M:%S"
HISTORY_COLUMNS = [("run_id", "i"), ("customer_id", "i"), ("tier", "t"), ("segment", "t"), ("clv", "f"),
                   ("p_alive", "f")]


def write_scores(run: ScoreRun, columns: dict[str, np.ndarray], *, update_tier: bool,
                 on_chunk: Callable[[int], None] = lambda done: None, timings: dict | None = None) -> int:
    """Replace the scores of every customer in ``columns`` (sorted by customer_id).

    Returns how many customers' tier changed on the customer record.
    """
    ids = columns["customer_id"]
    n = len(ids)
    data = dict(columns)
    data["run_id"] = np.full(n, run.pk, dtype=np.int64)
    changed = 0
    clock = Laps(timings)
    if connection.vendor == "sqlite":
        # Replacing a million rows touches every index B-tree at random; SQLite's default 2 MB
        # page cache makes that disk-bound. 256 MB for this (worker or CLI) connection.
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA cache_size = -262144")
    for start in range(0, n, CHUNK):
        part = slice(start, min(start + CHUNK, n))
        low, high = int(ids[part][0]), int(ids[part][-1])
        with transaction.atomic():
            # customers deleted since the run read them are skipped, not an IntegrityError
            exists = np.array(Customer.objects.filter(id__gte=low, id__lte=high).values_list("id", flat=True),
                              dtype=np.int64)
            keep = np.isin(ids[part], exists)
            chunk = {k: v[part][keep] for k, v in data.items()}
            with connection.cursor() as cursor:
                cursor.execute(f"DELETE FROM {CustomerScore._meta.db_table} "  # noqa: S608
                               "WHERE customer_id >= %s AND customer_id <= %s", [low, high])
            clock("delete")
            _insert(CustomerScore._meta.db_table, SCORE_COLUMNS, chunk)
            clock("scores")
            _insert(ScoreHistory._meta.db_table, HISTORY_COLUMNS, chunk)
            clock("history")
            if update_tier:
                changed += _copy_tiers(low, high)
                clock("tiers")
            done = min(start + CHUNK, n)
            ScoreRun.objects.filter(pk=run.pk).update(done=done)
        on_chunk(done)
    return changed


def _copy_tiers(low: int, high: int) -> int:
    customer, score = Customer._meta.db_table, CustomerScore._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {customer} SET tier = s.tier FROM {score} s "  # noqa: S608
            f"WHERE s.customer_id = {customer}.id AND {customer}.id >= %s AND {customer}.id <= %s "
            f"AND {customer}.tier <> s.tier", [low, high])
        return cursor.rowcount


def _frame(spec, chunk) -> pl.DataFrame:
    """The chunk as typed columns with NULLs where a value is missing (see SCORE_COLUMNS' kinds)."""
    series = []
    for name, kind in spec:
        values = chunk[name]
        if kind == "i":
            s = pl.Series(name, values.astype(np.int64))
        elif kind == "n":  # 0 means "no score"
            s = pl.Series(name, values.astype(np.int64)).replace(0, None)
        elif kind == "m":
            s = pl.Series(name, np.round(values.astype(float), 2))
        elif kind == "f":
            s = pl.Series(name, values.astype(float)).fill_nan(None)
        elif kind == "s":  # epoch seconds in UTC, as Django stores (and reads) them on both backends
            seconds = pl.Series(name, values.astype(np.int64)).scatter(np.flatnonzero(values < 0), None)
            s = pl.from_epoch(seconds, time_unit="s").dt.to_string(DJANGO_DATETIME)
        else:
            s = pl.Series(name, values.astype(str))
        series.append(s)
    return pl.DataFrame(series)


def _insert(table: str, spec: list[tuple[str, str]], chunk: dict[str, np.ndarray]) -> None:
    """Append the chunk's rows; the text/rows are produced by polars, not a Python loop per value."""
    if not len(chunk["customer_id"]):
        return
    write_frame(table, _frame(spec, chunk))
