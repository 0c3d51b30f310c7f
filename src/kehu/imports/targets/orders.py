"""Orders, one row per order line: rows with the same order number are one order (they must be
next to each other in the file). Orders are history: an order number already in Kehu is skipped,
never changed, so running the same file twice imports it once."""

from __future__ import annotations

from collections import OrderedDict
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _

from kehu.imports import writing
from kehu.imports.targets.base import CREATE, SKIP, Handler, Plan, PlannedRow, resolve_customers
from kehu.imports.validate import RowError
from kehu.orders.models import Order, OrderLine, Product

ZERO = Decimal("0")


class OrderImport(Handler):
    group_key = "order_external_id"  # the engine keeps an order's lines in one chunk

    def __init__(self, job, actor):
        super().__init__(job, actor)
        self.products = {}

    def plan(self, rows) -> Plan:
        plan = Plan()
        customers = resolve_customers(rows, plan.errors)
        bad = {e.row for e in plan.errors}
        skus = sorted({str(r.data["sku"]) for r in rows if r.data.get("sku")} - set(self.products))
        self.products.update(Product.objects.filter(sku__any=skus).values_list("sku", "id"))
        numbers = sorted({str(r.data[self.group_key]) for r in rows if r.data.get(self.group_key)})
        existing = set(Order.objects.filter(external_id__any=numbers).values_list("external_id", flat=True))
        for row in rows:
            d = row.data
            if d.get("sku") and str(d["sku"]) not in self.products:
                plan.errors.append(RowError(row.number, "sku", str(d["sku"]), _("no product with this SKU")))
                bad.add(row.number)
            if d.get("quantity") is not None and d["quantity"] < 1:
                plan.errors.append(RowError(row.number, "quantity", str(d["quantity"]), _("must be at least 1")))
                bad.add(row.number)
            for key in ("unit_price", "discount"):
                if d.get(key) is not None and d[key] < 0:
                    plan.errors.append(RowError(row.number, key, str(d[key]), _("must not be negative")))
                    bad.add(row.number)
        for row in rows:
            if row.number in bad:
                continue
            row.data["customer_id"] = customers[row.number]
            number = row.data.get(self.group_key)
            if number and str(number) in existing:
                plan.rows.append(PlannedRow(row, SKIP, reason=_("order already imported")))
            else:
                plan.rows.append(PlannedRow(row, CREATE))
        # an order with an invalid line is invalid as a whole: never half an order
        broken = {str(r.data.get(self.group_key)) for r in rows if r.number in bad and r.data.get(self.group_key)}
        if broken:
            keep = []
            for p in plan.rows:
                number = p.row.data.get(self.group_key)
                if number and str(number) in broken:
                    plan.errors.append(RowError(p.row.number, self.group_key, str(number),
                                                _("another line of this order is invalid")))
                else:
                    keep.append(p)
            plan.rows = keep
        return plan

    def apply(self, plan: Plan, changes) -> dict:
        orders: OrderedDict = OrderedDict()
        for p in plan.rows:
            if p.action != CREATE:
                continue
            number = p.row.data.get(self.group_key)
            orders.setdefault(str(number) if number else f"row:{p.row.number}", []).append(p.row.data)
        if not orders:
            return {"created": 0, "lines": 0, "skipped": len(plan.rows)}
        order_ids = writing.allocate_ids(Order, len(orders)).tolist()
        n_lines = sum(len(v) for v in orders.values())
        line_ids = writing.allocate_ids(OrderLine, n_lines).tolist()
        o = {c: [] for c in ("id", "customer_id", "ordered_at", "channel", "store", "status", "total",
                             "currency", "external_id")}
        lines = {c: [] for c in ("id", "order_id", "product_id", "quantity", "unit_price", "discount")}
        k = 0
        for oid, (number, group) in zip(order_ids, orders.items(), strict=True):
            head = group[0]
            total = ZERO
            for d in group:
                lines["id"].append(line_ids[k])
                k += 1
                lines["order_id"].append(oid)
                lines["product_id"].append(self.products[str(d["sku"])])
                lines["quantity"].append(d["quantity"])
                lines["unit_price"].append(str(d["unit_price"]))
                discount = d.get("discount") or ZERO
                lines["discount"].append(str(discount))
                total += d["quantity"] * d["unit_price"] - discount
            o["id"].append(oid)
            o["customer_id"].append(head["customer_id"])
            o["ordered_at"].append(writing.stamp(head["ordered_at"] or timezone.now()))
            o["channel"].append(head.get("channel") or Order.Channel.STORE)
            o["store"].append(head.get("store") or "")
            o["status"].append(head.get("status") or Order.Status.COMPLETED)
            o["total"].append(str(total.quantize(Decimal("0.01"))))
            o["currency"].append((head.get("currency") or "CNY").upper()[:3])
            o["external_id"].append(None if number.startswith("row:") else number)
        writing.write(Order, o)
        writing.write(OrderLine, lines)
        changes.created(Order, order_ids)
        return {"created": len(order_ids), "lines": n_lines,
                "skipped": sum(1 for p in plan.rows if p.action == SKIP)}
