"""Service levels: which policy a case gets, its due times, and breaches (flagged, notified once).

Due times are computed once, when the case opens (and again if its severity or customer changes),
and stored, so queues sort and filter on indexed columns; ``refresh_breaches`` flags late cases
with two UPDATE statements and mails the owner (or the team's managers) once per case.
"""

from __future__ import annotations

import logging
from datetime import datetime

from django.conf import settings
from django.core.mail import send_mail
from django.db.models import F, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from kehu.service.calendar import Calendar, add_minutes
from kehu.service.models import Case, SlaPolicy

logger = logging.getLogger(__name__)


def policy_for(severity: str, tier: str | None) -> SlaPolicy | None:
    """The most specific active policy (one naming the severity and the tier > one naming either
    > one naming neither); among equally specific ones the strictest, so a VIP policy (tier A)
    tightens a severity's policy and never loosens it."""
    best, best_key = None, None
    for policy in SlaPolicy.objects.filter(active=True):
        if policy.severity not in ("", severity) or policy.tier not in ("", tier or ""):
            continue
        key = (bool(policy.severity) + bool(policy.tier), -policy.resolution_minutes, -policy.first_response_minutes)
        if best_key is None or key > best_key:
            best, best_key = policy, key
    return best


def apply_policy(case: Case, *, since: datetime | None = None, calendar: Calendar | None = None) -> None:
    """Set the case's policy and due times (not saved)."""
    tier = case.customer.tier if case.customer_id else None
    policy = policy_for(case.severity, tier)
    case.sla_policy = policy
    if policy is None:
        case.first_response_due = case.resolution_due = None
        return
    start = since or case.created_at or timezone.now()
    calendar = calendar or (Calendar.load() if policy.business_hours else None)
    case.first_response_due = add_minutes(start, policy.first_response_minutes, business=policy.business_hours,
                                          calendar=calendar)
    case.resolution_due = add_minutes(start, policy.resolution_minutes, business=policy.business_hours,
                                      calendar=calendar)


def refresh_breaches(now: datetime | None = None) -> list[int]:
    """Flag cases whose due time passed without the response/resolution; returns the ids newly
    breached (which are then notified)."""
    now = now or timezone.now()
    late_response = (Q(first_response_due__isnull=False, first_response_breached=False)
                     & (Q(first_response_at__isnull=True, first_response_due__lt=now)
                        | Q(first_response_at__gt=F("first_response_due"))))
    late_resolution = (Q(resolution_due__isnull=False, resolution_breached=False)
                       & (Q(resolved_at__isnull=True, resolution_due__lt=now) & ~Q(stage=Case.Stage.CLOSED)
                          | Q(resolved_at__gt=F("resolution_due"))))
    Case.objects.filter(late_response).update(first_response_breached=True)
    Case.objects.filter(late_resolution).update(resolution_breached=True)
    fresh = list(Case.objects.filter(Q(first_response_breached=True) | Q(resolution_breached=True),
                                     breach_notified_at__isnull=True)
                 .exclude(stage=Case.Stage.CLOSED).select_related("owner", "team"))
    for case in fresh:
        _notify(case)
    if fresh:
        Case.objects.filter(pk__in=[c.pk for c in fresh]).update(breach_notified_at=now)
    return [c.pk for c in fresh]


def _recipients(case: Case) -> list[str]:
    if case.owner_id and case.owner.email:
        return [case.owner.email]
    if case.team_id:
        return list(case.team.memberships.filter(is_manager=True).exclude(user__email="")
                    .values_list("user__email", flat=True))
    return []


def _notify(case: Case) -> None:
    to = _recipients(case)
    if not to:
        return
    with translation.override(settings.LANGUAGE_CODE):
        what = _("first response") if case.first_response_breached else _("resolution")
        subject = _("[%(reference)s] SLA breached: %(what)s is late") % {"reference": case.reference, "what": what}
        body = _("Case %(reference)s (%(subject)s) is past its %(what)s due time.\n\n%(url)s") % {
            "reference": case.reference, "subject": case.subject, "what": what,
            "url": f"{settings.KEHU_PUBLIC_URL}/service/cases/{case.pk}/"}
    try:
        send_mail(subject, body, None, to)
    except OSError:  # the mail server is down: the case stays flagged and listed
        logger.warning("could not mail the SLA breach of %s", case.reference, exc_info=True)
