"""Consent: every decision is a new row; the current state is one indexed query."""

from django.db import transaction
from django.utils import timezone

from kehu.privacy import audit
from kehu.privacy.models import Consent


@transaction.atomic
def record_consent(actor, customer, *, purpose: str, channel: str, granted: bool, source: str,
                   note: str = "", recorded_at=None) -> Consent:
    Consent.objects.filter(customer=customer, purpose=purpose, channel=channel,
                           is_current=True).update(is_current=False)
    consent = Consent(customer=customer, purpose=purpose, channel=channel, granted=granted,
                      source=source, note=note, recorded_at=recorded_at or timezone.now(),
                      recorded_by=actor if actor is not None and actor.is_authenticated else None)
    consent.full_clean(exclude=["customer", "recorded_by"])
    consent.save()
    audit.record(actor, "create", consent, customer_id=customer.pk,
                 changes={"purpose": [None, purpose], "channel": [None, channel],
                          "granted": [None, granted], "source": [None, source]})
    return consent


def current_consents(customer_id):
    return Consent.objects.filter(customer_id=customer_id, is_current=True).order_by("purpose", "channel")


def has_consent(customer_id, purpose: str, channel: str) -> bool:
    """Granted for this channel, or for 'any' channel; a withdrawal on the channel wins."""
    rows = dict(Consent.objects.filter(customer_id=customer_id, purpose=purpose, is_current=True,
                                       channel__in=[channel, "any"]).values_list("channel", "granted"))
    if channel in rows:
        return rows[channel]
    return rows.get("any", False)
