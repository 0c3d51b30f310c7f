"""Consent changes and record edits on the customer timeline."""

from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.exceptions import FieldDoesNotExist
from django.urls import reverse
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kehu.customers.timeline import TimelineEvent, TimelineSource, register
from kehu.privacy.models import AuditEntry, Consent
from kehu.privacy.pii import mask_field

# Orders, consents and interactions have their own sources; the audit source shows the rest.
AUDITED_ON_TIMELINE = [
    "customers.customer", "customers.channelidentity", "customers.contact", "customers.address",
    "customers.customershare",
]


def _consents(customer_id):
    return Consent.objects.filter(customer_id=customer_id).select_related("recorded_by")


def _render_consents(rows, pii_visible):
    for c in rows:
        state = _("granted") if c.granted else _("withdrawn")
        yield TimelineEvent(
            occurred_at=c.recorded_at, source="privacy.consent", pk=c.pk, kind="consent",
            title=_("Consent %(state)s: %(purpose)s via %(channel)s") % {
                "state": state, "purpose": c.get_purpose_display(), "channel": c.get_channel_display()},
            lines=(c.get_source_display(),) + ((c.note,) if c.note else ()),
            actor=c.recorded_by.get_username() if c.recorded_by else "",
        )


def _audit(customer_id):
    return AuditEntry.objects.filter(customer_id=customer_id,
                                     object_type__in=AUDITED_ON_TIMELINE).select_related("actor")


def _display(field, value, users):
    if value is None or value == "":
        return "—"
    if field is not None and field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if field is not None and field.is_relation and field.related_model is get_user_model():
        return users.get(int(value), f"#{value}")
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, list):
        return ", ".join(map(str, value)) or "—"
    return str(value)


def _render_audit(rows, pii_visible):
    user_ids = set()
    for row in rows:
        if row.object_type == "customers.customer" and "owner" in row.changes:
            user_ids.update(v for v in row.changes["owner"] if v)
    users = dict(get_user_model().objects.filter(pk__in=user_ids).values_list("pk", "username")) if user_ids else {}
    for row in rows:
        model = apps.get_model(row.object_type)
        channel = (row.changes.get("channel") or [None, None])[-1]
        lines = []
        for name, (old, new) in row.changes.items():
            try:
                field = model._meta.get_field(name)
                label = capfirst(str(field.verbose_name))
            except FieldDoesNotExist:
                field, label = None, name
            if not pii_visible:
                old = mask_field(row.object_type, name, old, identity_channel=channel)
                new = mask_field(row.object_type, name, new, identity_channel=channel)
            if name == "merge":
                continue  # the merge's own id: shown as the undo link below
            if row.action in ("update", "merge", "unmerge"):
                lines.append(f"{label}: {_display(field, old, users)} → {_display(field, new, users)}")
            else:
                value = new if row.action == "create" else old
                lines.append(f"{label}: {_display(field, value, users)}")
        verb = str(AuditEntry.Action(row.action).label)
        url = url_label = ""
        if row.action == "merge" and "merge" in row.changes:
            # undo from the audit entry: the kept customer's page lists the merge with its button
            url = reverse("customers:detail", args=[row.customer_id]) + "#merges"
            url_label = _("Undo merge…")
        yield TimelineEvent(
            occurred_at=row.at, source="privacy.audit", pk=row.pk, kind="change",
            title=f"{str(model._meta.verbose_name).capitalize()} {verb}",
            lines=tuple(lines), actor=row.actor.get_username() if row.actor else "",
            url=url, url_label=url_label,
        )


register(TimelineSource("privacy.consent", _consents, _render_consents, time_field="recorded_at",
                        label=gettext_lazy("Consent")))
register(TimelineSource("privacy.audit", _audit, _render_audit, time_field="at",
                        label=gettext_lazy("Changes")))
