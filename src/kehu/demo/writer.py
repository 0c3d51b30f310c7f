"""Bulk writers: columns in, rows in the database, no ORM objects in between.

SQLite gets ``executemany`` on the raw DB-API cursor; PostgreSQL gets ``COPY … FROM STDIN``
(psycopg 3). Both run inside the caller's transaction. Times are epoch seconds in, stored UTC.
"""

from contextlib import contextmanager

import numpy as np
from django.db import connection


def _is_time(name: str) -> bool:
    return name.endswith("_at")


def _epoch_to_text(values: np.ndarray, *, pg: bool) -> list[str]:
    text = np.datetime_as_string(values.astype("datetime64[s]"), unit="s")
    if pg:
        return np.char.add(text, "Z").tolist()  # PostgreSQL reads ISO 8601 with a zone
    # Django's SQLite format has a space where ISO has "T" (a "T" would compare wrongly):
    # patch that byte in place instead of a per-string replace.
    raw = text.astype("S19")
    raw.view(np.uint8).reshape(-1, 19)[:, 10] = ord(" ")
    return raw.astype("U19").tolist()


def _to_text(values: np.ndarray) -> list[str]:
    if values.dtype.kind in "iu":
        return list(map(str, values.tolist()))  # far faster than numpy's astype(str) for ints
    if values.dtype.kind == "f":
        return list(map("{:.2f}".format, values.tolist()))
    if values.dtype == object:  # None is NULL
        return ["\\N" if v is None else str(v) for v in values.tolist()]
    return values.astype(str).tolist()


def insert_rows(table: str, names: list[str], rows) -> None:
    """SQLite: ``executemany`` on the raw DB-API cursor (no per-row Django wrapping)."""
    sql = f"INSERT INTO {table} ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})"  # noqa: S608
    connection.ensure_connection()
    raw = connection.connection.cursor()
    try:
        raw.executemany(sql, rows)
    finally:
        raw.close()


def copy_in(table: str, names: list[str], payload: str | bytes) -> None:
    """PostgreSQL: ``COPY … FROM STDIN`` of a text-format payload (tab-separated, ``\\N`` = NULL)."""
    connection.ensure_connection()
    with connection.connection.cursor() as cursor:
        with cursor.copy(f"COPY {table} ({', '.join(names)}) FROM STDIN") as copy:
            copy.write(payload)


def write_frame(table: str, frame, *, fresh: tuple[str, ...] = ()) -> None:
    """Append a polars frame's rows (columns named as the table's): COPY on PostgreSQL,
    ``executemany`` on SQLite. Backslashes, tabs and newlines in text become spaces: COPY's text
    format would read them as escapes and separators. ``fresh``: see ``kehu.bulk_references``."""
    import polars as pl

    if not frame.height:
        return
    names = frame.columns
    if connection.vendor == "postgresql":
        from kehu.bulk_references import without_row_triggers

        text = frame.with_columns(pl.col(pl.Utf8).str.replace_all(r"[\\\t\r\n]", " "))
        payload = text.write_csv(separator="\t", include_header=False, null_value="\\N", quote_style="never")
        with without_row_triggers(table, frame, fresh=fresh):
            copy_in(table, names, payload)
    else:
        insert_rows(table, names, frame.iter_rows())


class BulkWriter:
    def __init__(self):
        self.pg = connection.vendor == "postgresql"

    def next_id(self, table: str) -> int:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT COALESCE(MAX(id), 0) + 1 FROM {table}")  # noqa: S608 - our table names
            return int(cursor.fetchone()[0])

    def write(self, table: str, columns: dict[str, np.ndarray]) -> int:
        names = list(columns)
        if not names or len(columns[names[0]]) == 0:
            return 0
        if self.pg:
            self._copy(table, names, columns)
        else:
            self._executemany(table, names, columns)
        return len(columns[names[0]])

    def _executemany(self, table, names, columns):
        cols = []
        for name in names:
            values = columns[name]
            if _is_time(name):
                cols.append(_epoch_to_text(values, pg=False))
            elif values.dtype == bool:
                cols.append(values.astype(np.int64).tolist())
            else:
                cols.append(values.tolist())
        insert_rows(table, names, zip(*cols, strict=True))

    def _copy(self, table, names, columns):
        cols = []
        for name in names:
            values = columns[name]
            if _is_time(name):
                cols.append(_epoch_to_text(values, pg=True))
            elif values.dtype == bool:
                cols.append(np.where(values, "t", "f").tolist())
            else:
                cols.append(_to_text(values))
        # Generated text never holds tabs, newlines or backslashes, so the text format needs no escaping.
        copy_in(table, names, "\n".join(map("\t".join, zip(*cols, strict=True))) + "\n")

    def reset_sequences(self, tables: list[str]) -> None:
        if not self.pg:
            return
        with connection.cursor() as cursor:
            for table in tables:
                cursor.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608
                    f"COALESCE((SELECT MAX(id) FROM {table}), 1))"
                )

    @contextmanager
    def indexes_built_after(self, models, *, enabled: bool, progress=print):
        """Drop the models' secondary (non-unique) indexes, yield, and build them again.

        Unique constraints and primary keys stay, so the data is still checked while it loads.
        The indexes come back in ``finally``, also when the load fails half-way.
        """
        if not enabled:
            yield
            return
        trigram = self._trigram_index_sql()
        # Plain statements rather than a schema_editor() block, which SQLite refuses inside a
        # transaction (the caller's, or a test's).
        editor = connection.schema_editor()
        editor.deferred_sql = []  # normally set on entering the context; SQL generation reads it
        drops = [str(index.remove_sql(model, editor)) for model in models for index in model._meta.indexes]
        creates = [str(index.create_sql(model, editor)) for model in models for index in model._meta.indexes]
        if trigram:
            drops.append("DROP INDEX IF EXISTS customer_name_trgm")
            creates.append(trigram)
        with connection.cursor() as cursor:
            for sql in drops:
                cursor.execute(sql)
        try:
            yield
        finally:
            progress("  building indexes …")
            with connection.cursor() as cursor:
                for sql in creates:
                    cursor.execute(sql)

    def _trigram_index_sql(self) -> str | None:
        """The CREATE INDEX of migration customers.0002, when it exists on this database."""
        if not self.pg:
            return None
        with connection.cursor() as cursor:
            cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'customer_name_trgm'")
            row = cursor.fetchone()
        return row[0] if row else None
