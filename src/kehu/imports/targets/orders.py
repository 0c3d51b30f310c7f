"""Orders, one row per order line: rows with the same order number are one order (they must be
next to each other in the file). Orders are history: an order number already in Kehu is skipped,
never changed, so running the same file twice imports it once.

Planned and written as frames: the P series is the largest thing a CRM imports (tens of
millions of lines), and a Python object per line would be most of the time.
"""

from __future__ import annotations

import polars as pl
from django.utils.translation import gettext as _

from kehu.imports import writing
from kehu.imports.targets.base import (
    CREATE,
    PLAN_SCHEMA,
    SKIP,
    Handler,
    Plan,
    ReferenceCache,
    resolve_customer_column,
)
from kehu.imports.validate import ROW, RowError
from kehu.orders.models import Order, OrderLine, Product

HEAD = ("ordered_at", "channel", "store", "status", "currency")  # an order's fields: its first line's


class OrderImport(Handler):
    group_key = "order_external_id"  # the engine keeps an order's lines in one chunk
    grows = ("orders_order", "orders_orderline")

    def __init__(self, job, actor):
        super().__init__(job, actor)
        self.products: dict[str, int] = {}
        self.customers = ReferenceCache()

    def plan(self, chunk) -> Plan:
        frame = chunk.frame
        customer_ids, errors = resolve_customer_column(frame, self.customers)
        frame = frame.with_columns(customer_ids.alias("customer_id"), self._product_ids(frame).alias("product_id"))
        problems = {
            "sku": (pl.col("product_id").is_null() & pl.col("sku").is_not_null(), _("no product with this SKU")),
            "quantity": (pl.col("quantity") < 1, _("must be at least 1")),
            "unit_price": (_negative("unit_price"), _("must not be negative")),
            "discount": (_negative("discount"), _("must not be negative")),
        }
        bad = pl.col("customer_id").is_null()
        for column, (condition, reason) in problems.items():
            if column not in frame.columns:
                continue
            hits = frame.filter(condition.fill_null(False))
            errors += [RowError(n, column, str(v), reason) for n, v in hits.select(ROW, column).iter_rows()]
            bad = bad | condition.fill_null(False)
        frame = frame.with_columns(bad.alias("_bad"))
        number = pl.col(self.group_key) if self.group_key in frame.columns else pl.lit(None, dtype=pl.Utf8)
        # an order with an invalid line is invalid as a whole: never half an order
        broken = frame.filter(pl.col("_bad") & number.is_not_null()).select(number.alias("n"))["n"]
        if len(broken):
            orphans = frame.filter(~pl.col("_bad") & number.is_in(broken.implode()))
            errors += [RowError(n, self.group_key, v, _("another line of this order is invalid"))
                       for n, v in orphans.select(ROW, self.group_key).iter_rows()]
            frame = frame.filter(~number.is_in(broken.implode()).fill_null(False))
        frame = frame.filter(~pl.col("_bad")).drop("_bad")
        existing = self._existing(frame)
        already = number.is_in(pl.Series(existing, dtype=pl.Utf8).implode()).fill_null(False)
        planned = frame.with_columns(
            pl.when(already).then(pl.lit(SKIP)).otherwise(pl.lit(CREATE)).alias("action"),
            pl.lit(None, dtype=pl.Int64).alias("target_id"), pl.lit(0.0).alias("probability"),
            pl.when(already).then(pl.lit(str(_("order already imported")))).alias("reason"),
            pl.lit(None, dtype=pl.Utf8).alias("name"))
        return Plan(planned.select(*PLAN_SCHEMA, *[c for c in planned.columns if c not in PLAN_SCHEMA]), errors)

    def _product_ids(self, frame: pl.DataFrame) -> pl.Series:
        skus = frame["sku"].drop_nulls().unique().to_list()
        missing = sorted(set(skus) - self.products.keys())
        if missing:
            self.products.update(Product.objects.filter(sku__any=missing).values_list("sku", "id"))
        known = pl.DataFrame({"sku": list(self.products), "product_id": list(self.products.values())},
                             schema={"sku": pl.Utf8, "product_id": pl.Int64})
        return frame.select("sku").join(known, on="sku", how="left", maintain_order="left")["product_id"]

    def _existing(self, frame: pl.DataFrame) -> list[str]:
        if self.group_key not in frame.columns:
            return []
        numbers = frame[self.group_key].drop_nulls().unique()
        return list(Order.objects.filter(external_id__any=numbers).values_list("external_id", flat=True)) if len(numbers) else []

    def apply(self, plan: Plan, changes) -> dict:
        frame = plan.frame
        skipped = int((frame["action"] == SKIP).sum())
        lines = frame.filter(pl.col("action") == CREATE)
        if not lines.height:
            return {"created": 0, "lines": 0, "skipped": skipped}
        number = pl.col(self.group_key) if self.group_key in lines.columns else pl.lit(None, dtype=pl.Utf8)
        lines = lines.with_columns(
            pl.coalesce(number, pl.lit("row:") + pl.col(ROW).cast(pl.Utf8)).alias("_order"),
            number.alias("external_id"),
            *[pl.lit(None, dtype=pl.Utf8).alias(c) for c in ("discount", *HEAD) if c not in lines.columns])
        lines = lines.with_columns(
            (pl.col("quantity") * cents(pl.col("unit_price")) - cents(pl.col("discount").fill_null("0"))).alias("_cents"))
        orders = (lines.group_by("_order", maintain_order=True)
                  .agg(pl.col("customer_id", "external_id", *HEAD).first(), pl.col("_cents").sum().alias("total")))
        order_ids = pl.Series("id", writing.allocate_ids(Order, orders.height))
        orders = orders.with_columns(order_ids)
        lines = lines.join(orders.select("_order", pl.col("id").alias("order_id")), on="_order", how="left",
                           maintain_order="left")
        writing.write_frame(Order, orders.select(
            "id", "customer_id", writing.stamps(pl.col("ordered_at")).alias("ordered_at"),
            pl.col("channel").fill_null(Order.Channel.STORE.value), pl.col("store").fill_null(""),
            pl.col("status").fill_null(Order.Status.COMPLETED.value), money(pl.col("total")).alias("total"),
            pl.col("currency").fill_null("CNY").str.to_uppercase().str.slice(0, 3), "external_id"))
        writing.write_frame(OrderLine, lines.select(  # ids from the table: nothing refers to a line yet
            "order_id", "product_id", "quantity", "unit_price", pl.col("discount").fill_null("0")), fresh=("order_id",))
        changes.created(Order, order_ids.to_list())
        return {"created": orders.height, "lines": lines.height, "skipped": skipped}


def _negative(column: str) -> pl.Expr:
    return pl.col(column).str.starts_with("-") & pl.col(column).str.contains("[1-9]")


def cents(text: pl.Expr) -> pl.Expr:
    """Exact decimal text (as the parser gives it) → whole cents, half away from zero: what a
    DECIMAL(…, 2) column stores, so an order's total is the sum of its stored lines."""
    parts = text.str.extract_groups(r"^(-?)([0-9]+)(?:\.([0-9]*))?$")
    frac = parts.struct.field("3").fill_null("").str.pad_end(3, "0")
    whole = parts.struct.field("2").cast(pl.Int64) * 100 + frac.str.slice(0, 2).cast(pl.Int64)
    up = (frac.str.slice(2, 1).cast(pl.Int64) >= 5).cast(pl.Int64)
    return pl.when(parts.struct.field("1") == "-").then(-(whole + up)).otherwise(whole + up)


def money(total_cents: pl.Expr) -> pl.Expr:
    """Whole cents → decimal text ("-12.05")."""
    magnitude = total_cents.abs()
    return (pl.when(total_cents < 0).then(pl.lit("-")).otherwise(pl.lit(""))
            + (magnitude // 100).cast(pl.Utf8) + "." + (magnitude % 100).cast(pl.Utf8).str.zfill(2))

