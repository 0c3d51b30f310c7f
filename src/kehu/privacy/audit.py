"""Writing audit entries. Called by services inside their transaction, never by views."""

from datetime import date, datetime
from decimal import Decimal

from django.db import models

from kehu.privacy.models import AuditEntry


def _plain(value):
    if isinstance(value, models.Model):
        return str(value.pk)
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (list, tuple, set)):
        return [_plain(v) for v in value]
    return value


def snapshot(instance, fields) -> dict:
    """The current values of ``fields`` in JSON-safe form (foreign keys as ids)."""
    out = {}
    for name in fields:
        field = instance._meta.get_field(name)
        out[name] = _plain(getattr(instance, field.attname))
    return out


EMPTY = (None, "", [], {})


def diff(before: dict, after: dict) -> dict:
    """Changed fields as {field: [old, new]}; on create (empty ``before``) empty values are left out."""
    return {
        k: [before.get(k), after.get(k)]
        for k in after
        if before.get(k) != after.get(k) and not (k not in before and after.get(k) in EMPTY)
    }


def record(actor, action: str, instance, *, customer_id=None, changes=None) -> AuditEntry:
    return AuditEntry.objects.create(
        actor=actor if (actor is not None and actor.is_authenticated) else None,
        action=action,
        object_type=instance._meta.label_lower,
        object_id=str(instance.pk),
        object_repr=str(instance)[:200],
        customer_id=customer_id,
        changes=changes or {},
    )
