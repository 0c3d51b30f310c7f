"""What every import handler shares: the chunk it is given, the plan it makes, and the checks over
customer references.

A handler sees a chunk as a typed polars frame (``Chunk.frame``: ``row`` plus one column per mapped
field) and plans it as a frame (``Plan.frame``: ``row``, ``action``, ``target_id``, ``probability``,
``reason``, ``name``), so a million rows are never a million Python objects. Handlers of small
files may work on ``Chunk.rows()`` and ``PlannedRow`` lists instead; ``Plan.of`` turns those into the
same frame.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import polars as pl
from django.utils.translation import gettext as _

from kehu.imports.fields import Field
from kehu.imports.validate import ROW, Row, RowError, to_rows

CREATE, UPDATE, DUPLICATE, SKIP = "create", "update", "duplicate", "skip"

PLAN_SCHEMA = {ROW: pl.Int64, "action": pl.Utf8, "target_id": pl.Int64, "probability": pl.Float64,
               "reason": pl.Utf8, "name": pl.Utf8}


@dataclass
class Chunk:
    frame: pl.DataFrame  # the valid rows of the chunk
    fields: dict[str, Field]
    features: pl.DataFrame | None = None  # set by a handler's ``prepare``

    @cached_property
    def rows(self) -> list[Row]:
        return to_rows(self.frame, self.fields)

    def __len__(self) -> int:
        return self.frame.height


@dataclass
class PlannedRow:
    row: Row
    action: str  # create, update, duplicate, skip
    target_id: int | None = None  # the record to update, or the possible duplicate
    probability: float = 0.0
    reason: str = ""


@dataclass
class Plan:
    frame: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=PLAN_SCHEMA))
    errors: list[RowError] = field(default_factory=list)
    planned: list[PlannedRow] | None = None  # row handlers keep their rows for ``apply``
    features: pl.DataFrame | None = None  # customers: the matcher's features of the new rows

    @classmethod
    def of(cls, planned: list[PlannedRow], errors: list[RowError]) -> Plan:
        frame = pl.DataFrame({
            ROW: [p.row.number for p in planned], "action": [p.action for p in planned],
            "target_id": [p.target_id for p in planned], "probability": [p.probability for p in planned],
            "reason": [str(p.reason) for p in planned],
            "name": [str(p.row.data.get("display_name") or p.row.data.get("legal_name") or "") for p in planned],
        }, schema=PLAN_SCHEMA)
        return cls(frame, errors, planned)

    def count(self, action: str) -> int:
        return int((self.frame["action"] == action).sum())


class Handler:
    """Subclasses set ``unique_in_file`` and implement ``plan`` and ``apply``."""

    unique_in_file: tuple[str, ...] = ()
    group_key: str | None = None  # rows with the same value are one record (an order's lines)
    grows: tuple[str, ...] = ()  # tables a big import grows: their statistics are refreshed after
    sqlite_chunk = 20_000  # rows a chunk writes on SQLite: about a second holding the write lock

    def __init__(self, job, actor):
        self.job = job
        self.actor = actor

    def prepare(self, chunk: Chunk) -> None:
        """Work on a chunk that needs no database (run ahead, in another thread, while the
        previous chunk is written): keep the results on the chunk for ``plan``."""

    def plan(self, chunk: Chunk) -> Plan:
        raise NotImplementedError

    def apply(self, plan: Plan, changes) -> dict:
        raise NotImplementedError


# --- customer references --------------------------------------------------------------------------

REFERENCE_KEYS = ("customer_external_id", "customer_registration_number", "customer_phone", "customer_email")


def _reference_lookup(key: str, values: list[str]) -> list[tuple[str, int]]:
    from kehu.customers.models import ChannelIdentity, Customer

    if key == "customer_external_id":
        return list(Customer.objects.filter(external_id__any=values).values_list("external_id", "id"))
    if key == "customer_registration_number":
        return list(Customer.objects.filter(registration_number__any=values).values_list("registration_number", "id"))
    channel = key.removeprefix("customer_")
    return list(ChannelIdentity.objects.filter(channel=channel, normalized__any=values)
                .values_list("normalized", "customer_id"))


class ReferenceCache:
    """Customer references already looked up in this import (a file of orders names the same
    customers again and again): value → id per reference key, bounded."""

    LIMIT = 2_000_000

    def __init__(self):
        self.known: dict[str, pl.DataFrame] = {}

    def lookup(self, key: str, wanted: pl.Series) -> pl.DataFrame:
        known = self.known.get(key, pl.DataFrame(schema={"v": pl.Utf8, "id": pl.Int64}))
        missing = wanted.to_frame("v").join(known, on="v", how="anti")["v"]
        if len(missing):
            found = pl.DataFrame(_reference_lookup(key, missing), schema={"v": pl.Utf8, "id": pl.Int64},
                                 orient="row").unique("v")
            known = found if known.height + found.height > self.LIMIT else pl.concat([known, found])
            self.known[key] = known
        return known


def resolve_customer_column(frame: pl.DataFrame, cache: ReferenceCache | None = None
                            ) -> tuple[pl.Series, list[RowError]]:
    """The customer id of each row from its customer reference (external id, phone, email,
    registration number: the first one given), and an error for each row whose reference is
    unknown or missing (its id is null)."""
    cache = cache or ReferenceCache()
    keys = [k for k in REFERENCE_KEYS if k in frame.columns]
    used = pl.Series([None] * frame.height, dtype=pl.Utf8)
    ids = pl.Series([None] * frame.height, dtype=pl.Int64)
    for key in keys:
        take = used.is_null() & frame[key].is_not_null()
        if not take.any():
            continue
        found = cache.lookup(key, frame[key].filter(take).unique())
        looked = frame.select(pl.col(key).alias("v")).join(found, on="v", how="left", maintain_order="left")["id"]
        ids = pl.select(pl.when(take).then(looked).otherwise(ids)).to_series()
        used = pl.select(pl.when(take).then(pl.lit(key)).otherwise(used)).to_series()
    errors = []
    missing = ids.is_null().to_numpy()
    if missing.any():
        rows, used_keys = frame[ROW].to_numpy(), used.to_list()
        for i in np.flatnonzero(missing).tolist():
            key = used_keys[i]
            if key is None:
                errors.append(RowError(int(rows[i]), "", "", _("the row names no customer")))
            else:
                errors.append(RowError(int(rows[i]), key, str(frame[key][i]), _("no customer with this %(what)s")
                                       % {"what": key.removeprefix("customer_").replace("_", " ")}))
    return ids, errors


def resolve_customers(rows: list[Row], errors: list[RowError]) -> dict[int, int]:
    """Row number → customer id, for row handlers (see ``resolve_customer_column``)."""
    if not rows:
        return {}
    columns = {ROW: [r.number for r in rows]}
    for key in REFERENCE_KEYS:
        if any(key in r.data for r in rows):
            columns[key] = [None if r.data.get(key) in (None, "") else str(r.data[key]) for r in rows]
    frame = pl.DataFrame(columns, schema={k: (pl.Int64 if k == ROW else pl.Utf8) for k in columns})
    ids, problems = resolve_customer_column(frame)
    errors.extend(problems)
    return {n: int(c) for n, c in zip(columns[ROW], ids.to_list(), strict=True) if c is not None}
