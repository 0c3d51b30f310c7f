"""Undoing an import as a whole: created rows removed, updated rows given their old values back.

Refused while something newer depends on it: a customer the import created has since got an
order, interaction, complaint … that the import did not bring, or a customer it updated has been
changed again since (its version moved on).
"""

from __future__ import annotations

from django.apps import apps
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kehu.imports.models import ImportChange, ImportJob
from kehu.imports.writing import batches


class UndoRefused(Exception):
    pass


def _ids(job, model: str, action: str) -> list[int]:
    return [i for change in ImportChange.objects.filter(job=job, model=model, action=action).only(
        "object_id", "ranges") for i in change.ids()]


def blockers(job: ImportJob) -> list[str]:
    """Why the import cannot be undone now (empty: it can)."""
    from kehu.customers.models import Customer, Interaction
    from kehu.orders.models import Order

    reasons = []
    created = _ids(job, "customers.customer", ImportChange.Action.CREATED)
    mine_orders = set(_ids(job, "orders.order", ImportChange.Action.CREATED))
    for part in batches(created):
        others = Order.objects.filter(customer_id__in=part).exclude(pk__in=mine_orders)
        if others.exists():
            reasons.append(_("customers it created have orders from elsewhere since"))
            break
    for part in batches(created):
        if Interaction.objects.filter(customer_id__in=part).exists() and job.target != "interactions":
            reasons.append(_("customers it created have interactions since"))
            break
    versions = {}  # the version each updated customer had before its first change here
    for pk, version in (ImportChange.objects.filter(job=job, model="customers.customer",
                                                    action=ImportChange.Action.UPDATED)
                        .order_by("id").values_list("object_id", "before__version")):
        versions.setdefault(pk, version)
    for part in batches(sorted(versions)):
        for pk, current in Customer.objects.filter(pk__in=part).values_list("pk", "version"):
            if versions[pk] is not None and current != versions[pk] + 1:
                reasons.append(_("customer #%(id)d was changed again after the import") % {"id": pk})
                return reasons
    return reasons


@transaction.atomic
def undo(job: ImportJob, actor) -> dict:
    from kehu.customers.models import Customer
    from kehu.identity import profiles
    from kehu.privacy import audit

    job = ImportJob.objects.select_for_update().get(pk=job.pk)
    if job.status == ImportJob.Status.UNDONE:
        raise UndoRefused(_("This import has already been undone."))
    if job.status in (ImportJob.Status.RUNNING, ImportJob.Status.QUEUED):
        raise UndoRefused(_("Wait until the import has finished or cancel it first."))
    reasons = blockers(job)
    if reasons:
        raise UndoRefused(_("This import cannot be undone: %(reasons)s.") % {"reasons": "; ".join(reasons)})
    restored = removed = 0
    touched_customers = set()
    # updates first, newest first, so a row changed twice ends at its oldest value
    for change in (ImportChange.objects.filter(job=job, action=ImportChange.Action.UPDATED)
                   .order_by("-id").iterator(chunk_size=2000)):
        model = apps.get_model(change.model)
        before = dict(change.before or {})
        if model is Customer:
            before["version"] = before.get("version", 0) + 2  # moved on again: the undo is a change too
            touched_customers.add(change.object_id)
        model.objects.filter(pk=change.object_id).update(**before)
        restored += 1
    through = Customer.tags.through
    for change in ImportChange.objects.filter(job=job, model="customers.customer_tags").iterator():
        through.objects.filter(customer_id=change.object_id, tag_id__in=change.before["tags"]).delete()
    # then created rows, children before parents
    order = ["orders.orderline", "orders.order", "privacy.consent", "customers.interaction",
             "customers.contact", "customers.address", "customers.channelidentity", "orders.product",
             "customers.customer"]
    labels = set(ImportChange.objects.filter(job=job, action=ImportChange.Action.CREATED)
                 .values_list("model", flat=True).distinct()) - {"customers.customer_tags"}
    for label in sorted(labels, key=lambda m: order.index(m) if m in order else -1):
        model = apps.get_model(label)
        ids = _ids(job, label, ImportChange.Action.CREATED)
        if label == "customers.customer":
            profiles.remove(ids)
        for part in batches(ids):
            if label == "orders.order":
                from kehu.orders.models import OrderLine

                OrderLine.objects.filter(order_id__in=part).delete()
            removed += model.objects.filter(pk__in=part).delete()[0]
    if touched_customers:
        profiles.refresh(touched_customers)
    job.status = ImportJob.Status.UNDONE
    job.undone_at = timezone.now()
    job.save(update_fields=["status", "undone_at"])
    audit.record(actor, "delete", job, changes={"undone": [None, {"restored": restored, "removed": removed}]})
    return {"restored": restored, "removed": removed}
