"""Database helpers every app shares.

``field__any=[…]`` is ``field IN (…)`` with the whole list as one parameter: ``= ANY(%s)`` on
PostgreSQL, ``IN (SELECT value FROM json_each(%s))`` on SQLite. Django's ``__in`` writes one
placeholder per value, and building and binding a query of 900 placeholders cost imports more
than running it; one parameter also lifts SQLite's limit on variables, so no batching is needed.
"""

from __future__ import annotations

import json

from django.db.models import Field, ForeignObject, Lookup


class AnyOf(Lookup):
    lookup_name = "any"
    prepare_rhs = False

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        values = [str(v) if not isinstance(v, (int, str)) else v for v in self.rhs]
        if connection.vendor == "postgresql":
            return f"{lhs} = ANY(%s)", [*lhs_params, values]
        sql = f"{lhs} IN (SELECT value FROM json_each(%s))"  # noqa: S608
        return sql, [*lhs_params, json.dumps(values, ensure_ascii=False)]


def any_of_sql(column: str, values: list, vendor: str) -> tuple[str, list]:
    """The same condition for raw SQL: (``"column = ANY(%s)"``, [values]) or its SQLite form."""
    values = list(values)
    if vendor == "postgresql":
        return f"{column} = ANY(%s)", [values]
    sql = f"{column} IN (SELECT value FROM json_each(%s))"  # noqa: S608
    return sql, [json.dumps(values, ensure_ascii=False)]


def register() -> None:
    Field.register_lookup(AnyOf)
    ForeignObject.register_lookup(AnyOf)  # related fields keep their own lookup table
