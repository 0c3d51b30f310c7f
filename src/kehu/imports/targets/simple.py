"""Products, contacts, interactions and consents: smaller files, written with bulk_create."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _

from kehu.customers.models import Contact, Interaction
from kehu.imports.targets.base import CREATE, UPDATE, Handler, Plan, PlannedRow, resolve_customers
from kehu.orders.models import Product
from kehu.privacy.models import Consent


class ProductImport(Handler):
    """Upsert by SKU: a known SKU updates the product's non-empty fields."""

    unique_in_file = ("sku",)
    FIELDS = ("name", "category", "price", "cost", "is_active")

    def plan(self, chunk) -> Plan:
        rows = chunk.rows
        found = dict(Product.objects.filter(sku__any=sorted({str(r.data["sku"]) for r in rows if r.data.get("sku")}))
                     .values_list("sku", "id"))
        planned = []
        for row in rows:
            pid = found.get(str(row.data.get("sku")))
            planned.append(PlannedRow(row, UPDATE if pid else CREATE, pid))
        return Plan.of(planned, [])

    def apply(self, plan, changes) -> dict:
        new = [Product(sku=p.row.data["sku"], name=p.row.data["name"],
                       category=p.row.data.get("category") or "",
                       price=p.row.data.get("price") or 0, cost=p.row.data.get("cost") or 0,
                       is_active=p.row.data.get("is_active") if p.row.data.get("is_active") is not None else True)
               for p in plan.planned if p.action == CREATE]
        Product.objects.bulk_create(new)
        changes.created(Product, [p.pk for p in new])
        updates = [p for p in plan.planned if p.action == UPDATE]
        products = Product.objects.in_bulk([p.target_id for p in updates])
        for p in updates:
            product = products[p.target_id]
            before = {}
            for key in self.FIELDS:
                value = p.row.data.get(key)
                if value is not None and getattr(product, key) != value:
                    before[key] = str(getattr(product, key)) if key in ("price", "cost") else getattr(product, key)
                    setattr(product, key, value)
            if before:
                product.save()
                changes.updated(Product, product.pk, before)
        return {"created": len(new), "updated": len(updates)}


class _PerCustomer(Handler):
    model = None

    def plan(self, chunk) -> Plan:
        errors = []
        customers = resolve_customers(chunk.rows, errors)
        planned = []
        for row in chunk.rows:
            if row.number in customers:
                row.data["customer_id"] = customers[row.number]
                planned.append(PlannedRow(row, CREATE))
        return Plan.of(planned, errors)

    def build(self, data: dict):
        raise NotImplementedError

    def apply(self, plan, changes) -> dict:
        objects = [self.build(p.row.data) for p in plan.planned]
        self.model.objects.bulk_create(objects)
        changes.created(self.model, [o.pk for o in objects])
        return {"created": len(objects)}


class ContactImport(_PerCustomer):
    model = Contact

    def build(self, d):
        # a primary contact from the file never displaces one already set (one primary each)
        return Contact(customer_id=d["customer_id"], name=d["name"], role=d.get("role") or "",
                       phone=d.get("phone") or "", email=d.get("email") or "", is_primary=False)


class InteractionImport(_PerCustomer):
    model = Interaction

    def build(self, d):
        kind = d.get("type") or Interaction.Type.OTHER
        return Interaction(customer_id=d["customer_id"], channel=d.get("channel") or Interaction.Channel.OTHER,
                           direction=d.get("direction") or Interaction.Direction.INBOUND, type=kind,
                           subject=d.get("subject") or str(Interaction.Type(kind).label),
                           notes=d.get("notes") or "", occurred_at=d["occurred_at"], user=self.actor)


class ConsentImport(_PerCustomer):
    """Consents are history: the imported one becomes current unless a newer one is recorded."""

    model = Consent

    def apply(self, plan, changes) -> dict:
        created = 0
        for p in plan.planned:
            d = p.row.data
            at = d.get("recorded_at") or timezone.now()
            current = Consent.objects.filter(customer_id=d["customer_id"], purpose=d["purpose"],
                                             channel=d["channel"], is_current=True).first()
            newer = current is not None and current.recorded_at >= at
            if current is not None and not newer:
                Consent.objects.filter(pk=current.pk).update(is_current=False)
                changes.updated(Consent, current.pk, {"is_current": True})
            consent = Consent.objects.create(
                customer_id=d["customer_id"], purpose=d["purpose"], channel=d["channel"],
                granted=d["granted"], recorded_at=at, source=d.get("source") or Consent.Source.IMPORT,
                recorded_by=self.actor, note=d.get("note") or _("imported"), is_current=not newer)
            changes.created(Consent, [consent.pk])
            created += 1
        return {"created": created}
