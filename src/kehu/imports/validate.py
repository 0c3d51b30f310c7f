"""File rows → typed values per field, and every problem with its row, column, value and reason.

A batch of rows is parsed a column at a time. ``values.parse`` is the definition of every field
type; here the common shapes of a column (ISO dates, plain numbers, Chinese mobiles, ordinary
e-mail addresses, text) are read by polars expressions that give the same values for them, and
every other distinct cell text goes through ``values.parse`` once. The tests hold the two ways
to the same answer on every cell.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

import numpy as np
import polars as pl
from django.conf import settings
from django.utils import timezone as dj_timezone
from django.utils.translation import gettext as _

from kehu.identity.normalize import cn_mobile_pattern
from kehu.imports import fields as f
from kehu.imports import values
from kehu.imports.fields import Field, Target
from kehu.imports.readers import Batch

CUSTOM = "custom:"
CACHE_LIMIT = 100_000  # distinct cell texts remembered per column for the slow path
ROW = "row"  # the file row number column of a parsed frame
# What Python's str.strip() removes (Rust's trim() leaves \x1c-\x1f): cells must strip alike.
WHITESPACE = "".join(c for c in map(chr, range(sys.maxunicode + 1)) if c.isspace())

DTYPES = {
    f.DATE: pl.Date, f.DATETIME: pl.Datetime("us", "UTC"), f.INTEGER: pl.Int64, f.BOOLEAN: pl.Boolean,
    f.LIST: pl.List(pl.Utf8),
}  # everything else is text; DECIMAL is its exact decimal text (as format(Decimal, "f"))


@dataclass(frozen=True)
class RowError:
    row: int
    column: str
    value: str
    reason: str


@dataclass
class Row:
    """One parsed row as Python values, for handlers that work row by row (small files)."""

    number: int  # as the spreadsheet shows it (header = 1)
    data: dict  # field key → parsed value (None: empty)


def custom_field(definition) -> Field:
    kinds = {"text": f.TEXT, "integer": f.INTEGER, "decimal": f.DECIMAL, "date": f.DATE,
             "boolean": f.BOOLEAN, "choice": f.CHOICE, "multi_choice": f.LIST}
    return Field(CUSTOM + definition.key, definition.label_en, kinds.get(definition.type, f.TEXT),
                 required=False, choices=tuple(definition.choices or ()))


def dtype_of(field: Field) -> pl.DataType:
    return DTYPES.get(field.type, pl.Utf8)


def to_rows(frame: pl.DataFrame, fields_by_key: dict[str, Field]) -> list[Row]:
    """A parsed frame as Rows (decimal text back to Decimal, times in the current time zone)."""
    out = []
    decimals = [k for k in frame.columns if k in fields_by_key and fields_by_key[k].type == f.DECIMAL]
    for record in frame.iter_rows(named=True):
        number = record.pop(ROW)
        for key in decimals:
            if record[key] is not None:
                record[key] = Decimal(record[key])
        out.append(Row(number, record))
    return out


class BatchParser:
    """Parses the batches of one file with one mapping ({header: field key})."""

    def __init__(self, target: Target, headers: list[str], mapping: dict, *, extra_fields=()):
        known = {fd.key: fd for fd in (*target.fields, *extra_fields)}
        self.fields = known
        self.width = len(headers)
        self.columns = []  # (position, header, field)
        for pos, header in enumerate(headers):
            key = mapping.get(header)
            if key and key in known:
                self.columns.append((pos, header, known[key]))
        self.mapped = {fd.key for _p, _h, fd in self.columns}
        self.missing = [fd for fd in known.values() if fd.required and fd.key not in self.mapped]
        self.caches: list[dict] = [{} for _ in self.columns]  # slow-path results per column

    def schema(self) -> dict[str, pl.DataType]:
        return {ROW: pl.Int64, **{fd.key: dtype_of(fd) for _p, _h, fd in self.columns}}

    def parse(self, batch: Batch) -> tuple[pl.DataFrame, list[RowError]]:
        """Every row of the batch (a problem cell is null) and the problems, in row order."""
        numbers = batch.numbers
        problems: list[tuple[int, int, RowError]] = []  # (row, order within the row, error)
        for number, cells in batch.long_rows.items():
            problems.append((number, -1, RowError(number, "", "", _("the row has %(n)d cells, the header has %(m)d")
                                                  % {"n": len(cells), "m": self.width})))
        out = {ROW: pl.Series(ROW, numbers, dtype=pl.Int64)}
        for order, ((pos, header, field), cache) in enumerate(zip(self.columns, self.caches, strict=True)):
            raw = batch.frame.get_column(f"c{pos}")
            parsed, reasons = _parse_column(field, raw, cache)
            out[field.key] = parsed.alias(field.key)
            bad = reasons.is_not_null().to_numpy()
            if bad.any():
                where = np.flatnonzero(bad)
                raw_values = raw.gather(where).to_list()
                for i, text, reason in zip(where.tolist(), raw_values, reasons.gather(where).to_list(), strict=True):
                    problems.append((int(numbers[i]), order, RowError(int(numbers[i]), header, _short(text), reason)))
            if field.required:
                empty = (parsed.is_null().to_numpy() & ~bad)
                if empty.any():
                    message = _("%(field)s is required") % {"field": field.label}
                    for i in np.flatnonzero(empty).tolist():
                        problems.append((int(numbers[i]), order, RowError(int(numbers[i]), header, "", message)))
        for k, field in enumerate(self.missing):
            message = _("%(field)s is required") % {"field": field.label}
            problems.extend((int(n), len(self.columns) + k, RowError(int(n), "", "", message)) for n in numbers)
        problems.sort(key=lambda p: (p[0], p[1]))
        return pl.DataFrame(out), [p[2] for p in problems]


def _short(raw) -> str:
    text = "" if raw is None else str(raw)
    return text if len(text) <= 200 else text[:200] + "…"


# --- one column ---------------------------------------------------------------------------------

def _parse_column(field: Field, raw: pl.Series, cache: dict) -> tuple[pl.Series, pl.Series]:
    """Parsed values (null where empty or invalid) and the reason of each invalid cell."""
    text = raw.str.strip_chars(WHITESPACE).replace("", None)
    fast, done = _fast(field, text)
    dtype = pl.Datetime("us") if field.type == f.DATETIME else dtype_of(field)
    if done is None:  # nothing fast for this type: every distinct text the slow way
        done = pl.Series([False] * len(text), dtype=pl.Boolean)
        fast = pl.Series([None] * len(text), dtype=dtype)
    slow = text.is_not_null() & ~done
    reasons = pl.Series([None] * len(text), dtype=pl.Utf8)
    if slow.any():
        todo = text.filter(slow).unique().to_list()
        results = [_slow(field, value, cache) for value in todo]
        mapping = pl.DataFrame({
            "k": pl.Series(todo, dtype=pl.Utf8),
            "v": pl.Series([None if isinstance(r, values.ValueProblem) else _to_column(field, r) for r in results],
                           dtype=dtype),
            "why": pl.Series([r.reason if isinstance(r, values.ValueProblem) else None for r in results],
                             dtype=pl.Utf8)})
        joined = (text.to_frame("k").with_columns(slow.alias("slow"))
                  .join(mapping, on="k", how="left", maintain_order="left"))
        fast = joined.select(pl.when(pl.col("slow")).then(pl.col("v")).otherwise(fast)).to_series()
        reasons = joined.select(pl.when(pl.col("slow")).then(pl.col("why"))).to_series()
    if field.type == f.DATETIME:
        return fast.dt.replace_time_zone("UTC"), reasons
    return fast.cast(dtype), reasons


def _slow(field: Field, text: str, cache: dict):
    hit = cache.get(text)
    if hit is None:
        try:
            hit = values.parse(field, text)
        except values.ValueProblem as exc:
            hit = exc
        if len(cache) >= CACHE_LIMIT:
            cache.clear()
        cache[text] = hit
    return hit


def _to_column(field: Field, value):
    """A value of ``values.parse`` as its column stores it."""
    if field.type == f.DECIMAL and value is not None:
        return format(value, "f")
    if field.type == f.DATETIME and isinstance(value, datetime):
        return value.astimezone(UTC).replace(tzinfo=None)  # the column is naive UTC until the end
    return value


# ASCII digits only ([0-9], not \d: Rust's \d is any Unicode digit, as Python's is)
_PLAIN_DECIMAL = r"^-?(?:0|[1-9][0-9]{0,14})(?:\.[0-9]{1,10})?$"  # format(Decimal(x), "f") == x
_PLAIN_INTEGER = r"^-?(?:0|[1-9][0-9]{0,14})$"
_ISO_DATE = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
_ISO_DATETIME = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}[ Tt][0-9]{2}:[0-9]{2}(?::[0-9]{2})?$"
_ASCII = r"^[\x20-\x7e]+$"
_PHONE_NOISE = r"[\s\-.()\[\]/]"
# A subset of what both normalize_email and Django's EmailValidator accept, as they give it back.
_PLAIN_EMAIL = (r"^[a-z0-9_+-]+(?:\.[a-z0-9_+-]+)*@(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+"
                r"[a-z]{2,63}$")


def _fast(field: Field, text: pl.Series) -> tuple[pl.Series | None, pl.Series | None]:
    """(values, done): the cells this type's vectorised path read; None when it has none."""
    kind = field.type
    if kind == f.TEXT:
        if field.max_length is None:
            return text, text.is_not_null()
        return text, text.is_not_null() & (text.str.len_chars() <= field.max_length)
    if kind == f.INTEGER:
        ok = text.str.contains(_PLAIN_INTEGER)
        value = text.cast(pl.Int64, strict=False)
        if field.max_abs is not None:
            ok &= value.abs() <= int(field.max_abs)
        return value, ok.fill_null(False)
    if kind == f.DECIMAL:
        ok = text.str.contains(_PLAIN_DECIMAL)
        if field.max_abs is not None:
            ok &= text.cast(pl.Float64, strict=False).abs() < float(field.max_abs)  # the edge: slow path
        return text, ok.fill_null(False)
    if kind == f.DATE:
        iso = text.str.contains(_ISO_DATE).fill_null(False)
        value = text.str.to_date("%Y-%m-%d", strict=False)
        ok = iso & value.dt.year().is_between(1900, 2100).fill_null(False)
        return value, ok
    if kind == f.DATETIME:
        iso = text.str.contains(_ISO_DATETIME).fill_null(False)
        clean = pl.col("t").str.replace(r"[Tt]", " ")
        local = pl.coalesce(clean.str.strptime(pl.Datetime("us"), "%Y-%m-%d %H:%M:%S", strict=False),
                            clean.str.strptime(pl.Datetime("us"), "%Y-%m-%d %H:%M", strict=False))
        zone = str(dj_timezone.get_default_timezone())
        read = text.to_frame("t").select(
            local.alias("local"),
            local.dt.replace_time_zone(zone, ambiguous="null", non_existent="null").dt.convert_time_zone("UTC")
            .dt.replace_time_zone(None).alias("utc"))
        ok = iso & read["local"].dt.year().is_between(1900, 2100).fill_null(False) & read["utc"].is_not_null()
        return read["utc"], ok
    if kind == f.PHONE and getattr(settings, "KEHU_DEFAULT_PHONE_REGION", "CN") == "CN":
        compact = text.str.replace_all(_PHONE_NOISE, "")
        mobile = compact.str.extract(rf"^(?:\+?86|0086)?({cn_mobile_pattern()})$", 1)
        ok = text.str.contains(_ASCII).fill_null(False) & mobile.is_not_null()
        return ("+86" + mobile), ok
    if kind == f.EMAIL:
        lower = text.str.to_lowercase()
        ok = text.str.contains(_ASCII).fill_null(False) & lower.str.contains(_PLAIN_EMAIL).fill_null(False)
        ok &= lower.str.len_bytes() <= 254
        return lower, ok
    return None, None
