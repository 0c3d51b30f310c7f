"""The service dashboard's numbers: volumes, response and resolution times against the SLA,
breaches, what complaints are about and why, how often the first solution is accepted, and how
satisfied customers are afterwards. Counts are SQL aggregates; the time medians are computed with
polars from two timestamp columns of the period's cases (no per-case Python loop)."""

from __future__ import annotations

import datetime as dt

import polars as pl
from django.db.models import Count, Min, Q
from django.utils import timezone

from kehu.service.access import visible_cases
from kehu.service.models import Case, Proposal


def _median_hours(rows: list[tuple], *, start: int, end: int) -> float | None:
    if not rows:
        return None
    frame = pl.DataFrame(rows, schema=["a", "b"], orient="row").drop_nulls()
    if not frame.height:
        return None
    hours = ((frame["b"] - frame["a"]).dt.total_seconds() / 3600)
    return round(float(hours.median()), 1)


def _percent(part: int, whole: int) -> float | None:
    return round(100.0 * part / whole, 1) if whole else None


def compute(user, *, days: int = 90) -> dict:
    since = timezone.now() - dt.timedelta(days=days)
    cases = visible_cases(user)
    period = cases.filter(created_at__gte=since)
    totals = period.aggregate(
        opened=Count("id"), complaints=Count("id", filter=Q(kind=Case.Kind.COMPLAINT)),
        closed=Count("id", filter=Q(stage=Case.Stage.CLOSED)),
        responded=Count("id", filter=Q(first_response_at__isnull=False, first_response_due__isnull=False)),
        responded_late=Count("id", filter=Q(first_response_at__isnull=False, first_response_breached=True)),
        resolved=Count("id", filter=Q(resolved_at__isnull=False, resolution_due__isnull=False)),
        resolved_late=Count("id", filter=Q(resolved_at__isnull=False, resolution_breached=True)),
        breached=Count("id", filter=Q(first_response_breached=True) | Q(resolution_breached=True)),
        satisfied=Count("id", filter=Q(outcome=Case.Outcome.SATISFIED)),
        with_outcome=Count("id", filter=~Q(outcome="")))
    open_now = cases.exclude(stage=Case.Stage.CLOSED).values("stage").annotate(n=Count("id"))
    late_now = cases.exclude(stage=Case.Stage.CLOSED).filter(
        Q(first_response_breached=True) | Q(resolution_breached=True)).count()
    by_category = list(period.filter(kind=Case.Kind.COMPLAINT).values("category__code", "category__label_en",
                                                                     "category__label_zh_hans",
                                                                     "category__label_zh_hant")
                       .annotate(n=Count("id")).order_by("-n"))
    by_cause = list(period.filter(kind=Case.Kind.COMPLAINT).exclude(root_cause="").values("root_cause")
                    .annotate(n=Count("id")).order_by("-n"))
    first_response = _median_hours(list(period.filter(first_response_at__isnull=False)
                                        .values_list("created_at", "first_response_at")), start=0, end=1)
    resolution = _median_hours(list(period.filter(resolved_at__isnull=False)
                                    .values_list("created_at", "resolved_at")), start=0, end=1)
    # acceptance on the first try: of the complaints with an answered proposal, the share whose
    # first proposal was accepted
    firsts = (Proposal.objects.filter(case__in=period, status__in=[Proposal.Status.ACCEPTED, Proposal.Status.REJECTED])
              .values("case").annotate(first=Min("id")).values_list("first", flat=True))
    first_status = Proposal.objects.filter(pk__in=firsts).aggregate(
        n=Count("id"), accepted=Count("id", filter=Q(status=Proposal.Status.ACCEPTED)))
    return {
        "since": since, "totals": totals, "open_by_stage": {r["stage"]: r["n"] for r in open_now},
        "open_total": sum(r["n"] for r in open_now), "late_now": late_now,
        "first_response_hours": first_response, "resolution_hours": resolution,
        "first_response_on_time": _percent(totals["responded"] - totals["responded_late"], totals["responded"]),
        "resolution_on_time": _percent(totals["resolved"] - totals["resolved_late"], totals["resolved"]),
        "by_category": by_category, "by_cause": [(Case.RootCause(r["root_cause"]).label, r["n"]) for r in by_cause],
        "first_try_acceptance": _percent(first_status["accepted"], first_status["n"]),
        "satisfied_after": _percent(totals["satisfied"], totals["with_outcome"]),
        "survey": _survey_numbers(user, since),
    }


def _survey_numbers(user, since) -> dict | None:
    """NPS and CSAT, and the NPS per month, from the satisfaction surveys."""
    from kehu.surveys.results import satisfaction_trend

    return satisfaction_trend(user, since=since)
