"""Database helpers every app shares.

``field__any=[…]`` is ``field IN (…)`` with the whole list as one parameter: an array literal on
PostgreSQL, a JSON array read by ``json_each`` on SQLite. Django's ``__in`` writes one placeholder per value, and building
and binding a query of 900 placeholders cost imports more than running it; psycopg's own list
adapter quotes each value in Python (1.3 s of a 20,000-customer import). One parameter also lifts
SQLite's limit on variables, so no batching is needed.
"""

from __future__ import annotations

import datetime as dt
import json

from django.db.models import Field, ForeignObject, Lookup


class AnyOf(Lookup):
    lookup_name = "any"
    prepare_rhs = False

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        sql, params = any_of_sql(lhs, self.rhs, connection.vendor)
        return sql, [*lhs_params, *params]


def any_of_sql(column: str, values, vendor: str) -> tuple[str, list]:
    """The same condition for raw SQL: (``"column = ANY(…)"``, [one parameter]). ``values``: a list,
    or a numpy array or polars Series (which Django does not walk value by value as it does a list:
    0.85 s of a million-line import)."""
    if hasattr(values, "to_list"):  # polars
        values = values.to_list()
    elif hasattr(values, "tolist"):  # numpy
        values = values.tolist()
    values = [v if isinstance(v, (int, str)) else str(v) for v in values]
    if not values:
        return "1 = 0", []  # an empty array has no element type to compare with
    if vendor == "postgresql":
        # An array literal: the planner sees its size (and hashes it for rechecks); an array built
        # by a subquery it cannot see into, and a lossy bitmap scan then compared every row of the
        # table with 170,000 keys one by one (minutes for one chunk of an import).
        if values and all(type(v) is int for v in values):
            return f"{column} = ANY(%s::bigint[])", ["{" + ",".join(map(str, values)) + "}"]
        return f"{column} = ANY(%s::text[])", [text_array(values)]
    sql = f"{column} IN (SELECT value FROM json_each(%s))"  # noqa: S608
    return sql, [json.dumps(values, ensure_ascii=False)]


def text_array(values) -> str:
    """A PostgreSQL text[] literal ("{"a","b\\"c"}"), built at C speed per value."""
    return "{" + ",".join('"' + str(v).replace("\\", "\\\\").replace('"', '\\"') + '"' for v in values) + "}"


def id_ranges(ids) -> list[list[int]]:
    """Sorted distinct ids as [first, last] runs of consecutive ids (ids come from sequences in
    blocks, so a million ids are a handful of ranges)."""
    import numpy as np

    ids = np.asarray(ids, dtype=np.int64)
    if not len(ids):
        return []
    breaks = np.flatnonzero(np.diff(ids) != 1)
    firsts = np.concatenate([ids[:1], ids[breaks + 1]])
    lasts = np.concatenate([ids[breaks], ids[-1:]])
    return [[int(a), int(b)] for a, b in zip(firsts, lasts, strict=True)]


def outside_ranges_sql(column: str, ranges: list[list[int]]) -> tuple[str, list]:
    """``column`` in none of the ranges: (SQL, params); ``TRUE`` for none."""
    if not ranges:
        return "TRUE", []
    sql = " AND ".join(f"NOT ({column} BETWEEN %s AND %s)" for _r in ranges)
    return sql, [v for r in ranges for v in r]


def aware_datetime(value):
    """A datetime from raw SQL: SQLite hands them back as text (naive means UTC, as Django stores
    them), PostgreSQL as aware datetimes. None stays None."""
    if value is None or isinstance(value, dt.datetime):
        return value
    parsed = dt.datetime.fromisoformat(str(value))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def register() -> None:
    Field.register_lookup(AnyOf)
    ForeignObject.register_lookup(AnyOf)  # related fields keep their own lookup table
