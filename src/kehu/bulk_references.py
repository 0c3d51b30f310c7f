"""Foreign keys checked once per bulk write instead of once per row (PostgreSQL).

PostgreSQL checks each inserted row's foreign keys with a trigger per row and key (a
``SELECT … FOR KEY SHARE`` of the referenced row, queued to the commit since Django's keys are
deferred): 300,000 checks for 100,000 order lines, a third of what the database does in an import.
Inside ``checked_in_bulk()`` a bulk write does the same in one statement per key column instead:
it locks the distinct referenced rows ``FOR KEY SHARE`` (so nobody can delete them before the
commit, exactly as the trigger's lock does), fails if any is missing, and writes its rows with
``session_replication_role = replica`` (per-row triggers off) for that statement only.

Used only where the role may set that parameter (a superuser, or ``GRANT SET ON PARAMETER
session_replication_role TO kehu`` on PostgreSQL 15+) and only for tables without triggers of
their own (a DBA's audit trigger is never skipped); otherwise the writes keep the per-row checks.
SQLite checks nothing per row at commit (Django enforces its keys with one check per table).
"""

from __future__ import annotations

import contextvars
from contextlib import contextmanager

import numpy as np
import polars as pl
from django.apps import apps
from django.db import IntegrityError, connection

_active = contextvars.ContextVar("bulk_references", default=False)
_allowed: dict[int, bool] = {}  # per database connection
_own_triggers: dict[str, bool] = {}


@contextmanager
def checked_in_bulk():
    """Bulk writes (``demo.writer.write_frame``) in this block check references in bulk."""
    token = _active.set(True)
    try:
        yield
    finally:
        _active.reset(token)


def active() -> bool:
    return _active.get() and connection.vendor == "postgresql" and _may_skip_triggers()


def _may_skip_triggers() -> bool:
    key = id(connection.connection)
    if key not in _allowed:
        with connection.cursor() as cursor:
            if connection.pg_version >= 150000:
                cursor.execute("SELECT has_parameter_privilege('session_replication_role', 'SET') "
                               "OR (SELECT rolsuper FROM pg_roles WHERE rolname = current_user)")
            else:
                cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
            _allowed[key] = bool(cursor.fetchone()[0])
    return _allowed[key]


def _has_own_triggers(table: str) -> bool:
    if table not in _own_triggers:
        with connection.cursor() as cursor:
            cursor.execute("SELECT EXISTS (SELECT 1 FROM pg_trigger WHERE tgrelid = %s::regclass "
                           "AND NOT tgisinternal)", [table])
            _own_triggers[table] = bool(cursor.fetchone()[0])
    return _own_triggers[table]


def _model_of(table: str):
    return next((m for m in apps.get_models(include_auto_created=True) if m._meta.db_table == table), None)


def references(table: str) -> list[tuple[str, str, str]]:
    """(column, referenced table, referenced column) of the table's foreign-key constraints."""
    model = _model_of(table)
    if model is None:
        return []
    out = []
    for field in model._meta.concrete_fields:
        if field.remote_field is not None and getattr(field, "db_constraint", False):
            target = field.target_field
            out.append((field.column, target.model._meta.db_table, target.column))
    return out


def lock_referenced(table: str, frame: pl.DataFrame, fresh: tuple[str, ...] = ()) -> None:
    """Lock every row the frame's key columns refer to, FOR KEY SHARE; IntegrityError if one is
    missing (what the per-row trigger would have raised at the commit). ``fresh`` columns refer
    to rows the writer's own transaction created: nobody else can see them, let alone delete
    them, so they are not looked up (locking a row writes to it: ~10 µs each)."""
    for column, target, target_column in references(table):
        if column not in frame.columns or column in fresh:
            continue
        wanted = frame[column].drop_nulls().unique()
        if not len(wanted):
            continue
        ids = np.sort(wanted.cast(pl.Int64).to_numpy())
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT count(*) FROM (SELECT 1 FROM {target} WHERE {target_column} = ANY(%s::bigint[]) "  # noqa: S608
                f"ORDER BY {target_column} FOR KEY SHARE) AS locked", ["{" + ",".join(map(str, ids.tolist())) + "}"])
            found = cursor.fetchone()[0]
        if found != len(ids):
            raise IntegrityError(f"{table}.{column}: {len(ids) - found} of the referenced rows in {target} "
                                 "do not exist (deleted meanwhile?)")


@contextmanager
def without_row_triggers(table: str, frame: pl.DataFrame, *, fresh: tuple[str, ...] = ()):
    """Around one bulk insert: its references locked in bulk, per-row checks off (when allowed)."""
    if not active() or _has_own_triggers(table) or not references(table):
        yield
        return
    lock_referenced(table, frame, fresh)
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL session_replication_role = origin")
