"""A survey's results, as ``user`` may see them: every number is one SQL aggregate over the
responses (or answers) of the customers ``user`` sees (``access.response_scope``), never a loop
over answers in Python. The definitions are ``kehu.surveys.metrics``.

Filters (date range, tier) apply to every figure; the score band only to the verbatims.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Avg, Count, Q
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _

from kehu.customers.models import Customer
from kehu.surveys import access, metrics
from kehu.surveys.models import Answer, Invitation, Question, Response, Survey
from kehu.web.pagination import page_of

# Score bands of the verbatims filter: lookups on the response.
BANDS = {
    "promoters": {"nps__gte": metrics.PROMOTER_MIN},
    "passives": {"nps__gte": metrics.PASSIVE_MIN, "nps__lt": metrics.PROMOTER_MIN},
    "detractors": {"nps__lte": metrics.DETRACTOR_NPS_MAX},
    "satisfied": {"csat__gte": metrics.CSAT_GOOD_MIN},
    "neutral": {"csat": 3},
    "dissatisfied": {"csat__lte": metrics.DETRACTOR_CSAT_MAX},
}
VERBATIM_PAGE = 25


def band_choices():
    return [("promoters", _("Promoters (NPS 9–10)")), ("passives", _("Passives (NPS 7–8)")),
            ("detractors", _("Detractors (NPS 0–6)")), ("satisfied", _("Satisfied (CSAT 4–5)")),
            ("neutral", _("Neutral (CSAT 3)")), ("dissatisfied", _("Dissatisfied (CSAT 1–2)"))]


@dataclass(frozen=True)
class Filters:
    date_from: date | None = None
    date_to: date | None = None
    tier: str = ""
    band: str = ""

    @classmethod
    def from_params(cls, params) -> Filters:
        tier = params.get("tier", "")
        band = params.get("band", "")
        return cls(date_from=parse_date(params.get("from", "") or "") if _is_date(params.get("from")) else None,
                   date_to=parse_date(params.get("to", "") or "") if _is_date(params.get("to")) else None,
                   tier=tier if tier in Customer.Tier.values else "",
                   band=band if band in BANDS else "")

    def as_params(self) -> dict:
        return {k: v for k, v in {"from": self.date_from.isoformat() if self.date_from else "",
                                   "to": self.date_to.isoformat() if self.date_to else "",
                                   "tier": self.tier, "band": self.band}.items() if v}


def _is_date(value) -> bool:
    try:
        return bool(value) and parse_date(value) is not None
    except ValueError:
        return False


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def _period(f: Filters, field: str) -> Q:
    q = Q()
    if f.date_from:
        q &= Q(**{f"{field}__gte": _day_start(f.date_from)})
    if f.date_to:
        q &= Q(**{f"{field}__lt": _day_start(f.date_to + timedelta(days=1))})
    return q


def responses(user, survey: Survey, f: Filters):
    """The survey's responses ``user`` sees, filtered by date and tier (when answered)."""
    q = access.response_scope(user) & Q(survey=survey) & _period(f, "submitted_at")
    if f.tier:
        q &= Q(tier=f.tier)
    return Response.objects.filter(q)


def answers(user, survey: Survey, f: Filters):
    q = access.answer_scope(user) & Q(response__survey=survey) & _period(f, "response__submitted_at")
    if f.tier:
        q &= Q(response__tier=f.tier)
    return Answer.objects.filter(q)


def invitations(user, survey: Survey, f: Filters):
    q = access.invitation_scope(user) & Q(survey=survey) & _period(f, "created_at")
    if f.tier:
        q &= Q(customer__tier=f.tier)  # invitations carry no tier of their own: the current one
    return Invitation.objects.filter(q)


def _scores(qs) -> dict:
    """NPS and CSAT counts of a response queryset, as one aggregate."""
    return qs.aggregate(
        responses=Count("pk"),
        nps_answers=Count("nps"),
        promoters=Count("pk", filter=Q(nps__gte=metrics.PROMOTER_MIN)),
        passives=Count("pk", filter=Q(nps__gte=metrics.PASSIVE_MIN, nps__lt=metrics.PROMOTER_MIN)),
        detractors=Count("pk", filter=Q(nps__lte=metrics.DETRACTOR_NPS_MAX)),
        csat_answers=Count("csat"),
        satisfied=Count("pk", filter=Q(csat__gte=metrics.CSAT_GOOD_MIN)),
    )


def _with_metrics(row: dict) -> dict:
    row["nps"] = metrics.nps(row["promoters"], row["passives"], row["detractors"])
    row["csat"] = metrics.csat(row["satisfied"], row["csat_answers"])
    return row


def summary(user, survey: Survey, f: Filters) -> dict:
    """Response rate, NPS (with its promoters/passives/detractors) and CSAT."""
    row = _with_metrics(_scores(responses(user, survey, f)))
    sent = invitations(user, survey, f).exclude(status=Invitation.Status.FAILED).aggregate(
        invited=Count("pk"), answered=Count("answered_at"))
    row.update(sent)
    row["response_rate"] = metrics.response_rate(sent["answered"], sent["invited"])
    for band in ("promoters", "passives", "detractors"):
        row[f"{band}_pct"] = metrics.percent(row[band], row["nps_answers"])
    return row


def distributions(user, survey: Survey, questions: list[Question], f: Filters, language: str) -> list[dict]:
    """Per question: how many chose each value or option (one GROUP BY for all questions)."""
    counts: dict[int, dict] = {}
    rows = (answers(user, survey, f).exclude(question__kind=Question.Kind.TEXT)
            .values("question_id", "number", "choice").annotate(n=Count("pk")).order_by())
    for row in rows:
        key = row["choice"] if row["choice"] else row["number"]
        counts.setdefault(row["question_id"], {})[key] = row["n"]
    text_counts = dict(answers(user, survey, f).filter(question__kind=Question.Kind.TEXT)
                       .values_list("question_id").annotate(n=Count("pk")).order_by())
    out = []
    for q in questions:
        got = counts.get(q.pk, {})
        if q.kind in Question.CHOICE_KINDS:
            bars = [(label, got.get(key, 0)) for key, label in q.localized_choices(language)]
            answered = None  # a multiple choice's options add up to more than the answers
        elif q.kind == Question.Kind.TEXT:
            out.append({"question": q, "text": q.text(language), "bars": [], "total": text_counts.get(q.pk, 0)})
            continue
        else:
            bars = [(str(n), got.get(n, 0)) for n in range(q.low, q.high + 1)]
            answered = sum(n for _label, n in bars)
        total = answered if answered is not None else sum(n for _l, n in bars)
        out.append({"question": q, "text": q.text(language), "total": total,
                    "bars": [{"label": label, "n": n, "pct": metrics.percent(n, total) or 0} for label, n in bars]})
    return out


def gaps(user, survey: Survey, f: Filters, language: str) -> dict:
    """Expectation, perception and gap (P − E) per service dimension and per pair."""
    pairs = answers(user, survey, f).filter(question__kind=Question.Kind.PAIR)
    per_question = {row["question_id"]: row for row in pairs.values("question_id").annotate(
        expectation=Avg("expectation"), perception=Avg("number"), n=Count("pk")).order_by()}
    per_dimension = (pairs.values("question__dimension", "question__custom_dimension")
                     .annotate(expectation=Avg("expectation"), perception=Avg("number"), n=Count("pk")).order_by())
    labels = dict(Question.Dimension.choices)
    order = {d: i for i, d in enumerate(Question.Dimension.values)}
    dimensions = sorted((
        {"dimension": row["question__custom_dimension"] or str(labels.get(row["question__dimension"], "")),
         "key": row["question__dimension"], "n": row["n"],
         "expectation": _round(row["expectation"]), "perception": _round(row["perception"]),
         "gap": metrics.gap(row["expectation"], row["perception"])}
        for row in per_dimension), key=lambda d: (order.get(d["key"], 99), d["dimension"]))
    items = []
    for q in survey.questions.filter(kind=Question.Kind.PAIR).order_by("position", "id"):
        row = per_question.get(q.pk, {})
        items.append({"question": q, "text": q.text(language), "dimension": q.dimension_label(), "n": row.get("n", 0),
                      "expectation": _round(row.get("expectation")), "perception": _round(row.get("perception")),
                      "gap": metrics.gap(row.get("expectation"), row.get("perception"))})
    return {"dimensions": dimensions, "items": items}


def _round(value, digits: int = 2):
    return round(float(value), digits) if value is not None else None


def trend(user, survey: Survey, f: Filters) -> list[dict]:
    """Per month (in the site's time zone): responses, NPS and CSAT."""
    return [_with_metrics({**row, "month": row["month"].strftime("%Y-%m")})
            for row in _by_month(responses(user, survey, f))]


def _by_month(qs):
    """The score counts of ``qs`` per calendar month, oldest first (one GROUP BY query)."""
    return (qs.annotate(month=TruncMonth("submitted_at")).values("month")
            .annotate(responses=Count("pk"), nps_answers=Count("nps"),
                      promoters=Count("pk", filter=Q(nps__gte=metrics.PROMOTER_MIN)),
                      passives=Count("pk", filter=Q(nps__gte=metrics.PASSIVE_MIN, nps__lt=metrics.PROMOTER_MIN)),
                      detractors=Count("pk", filter=Q(nps__lte=metrics.DETRACTOR_NPS_MAX)),
                      csat_answers=Count("csat"), satisfied=Count("pk", filter=Q(csat__gte=metrics.CSAT_GOOD_MIN)))
            .order_by("month"))


def _breakdown(qs, field: str, label) -> list[dict]:
    rows = qs.values(field).annotate(
        responses=Count("pk"), nps_answers=Count("nps"),
        promoters=Count("pk", filter=Q(nps__gte=metrics.PROMOTER_MIN)),
        passives=Count("pk", filter=Q(nps__gte=metrics.PASSIVE_MIN, nps__lt=metrics.PROMOTER_MIN)),
        detractors=Count("pk", filter=Q(nps__lte=metrics.DETRACTOR_NPS_MAX)),
        csat_answers=Count("csat"), satisfied=Count("pk", filter=Q(csat__gte=metrics.CSAT_GOOD_MIN))).order_by(field)
    return [_with_metrics({**row, "key": row[field] or "", "label": label(row[field])}) for row in rows]


def by_tier(user, survey: Survey, f: Filters) -> list[dict]:
    """Per customer tier (A–D) when they answered."""
    labels = dict(Customer.Tier.choices)
    return _breakdown(responses(user, survey, f), "tier", lambda t: str(labels.get(t, _("No tier"))))


def by_segment(user, survey: Survey, f: Filters) -> list[dict]:
    """Per RFM segment (the customer's current value score; kehu.scoring)."""
    from kehu.scoring.presentation import segment_label

    return _breakdown(responses(user, survey, f), "customer__score__segment",
                      lambda s: str(segment_label(s)) if s else _("Not scored"))


def verbatims(user, survey: Survey, f: Filters, page: int = 1) -> tuple[list[Answer], bool]:
    """The free-text answers, newest first, one page (no COUNT): filtered by date, tier and band."""
    qs = answers(user, survey, f).filter(question__kind=Question.Kind.TEXT).exclude(text="")
    if f.band:
        qs = qs.filter(**{f"response__{k}": v for k, v in BANDS[f.band].items()})
    qs = qs.select_related("response", "response__customer", "question").order_by("-response__submitted_at", "-pk")
    return page_of(qs, page, VERBATIM_PAGE)


def chart_data(summary_row: dict, gap_rows: dict, trend_rows: list[dict]) -> dict:
    """What the page's charts draw (a JSON island): the gap chart and the monthly trend."""
    return {
        "gap": [{"dimension": d["dimension"], "expectation": d["expectation"], "perception": d["perception"],
                 "gap": d["gap"]} for d in gap_rows["dimensions"]],
        "trend": [{"month": r["month"], "nps": r["nps"], "csat": r["csat"], "responses": r["responses"]}
                  for r in trend_rows],
    }


def satisfaction_trend(user, *, since: datetime) -> dict | None:
    """NPS and CSAT over every survey since ``since``, and NPS per month (the service dashboard)."""
    if not access.can_view_results(user):
        return None
    qs = Response.objects.filter(access.response_scope(user), submitted_at__gte=since)
    overall = _with_metrics(_scores(qs))
    trend = [{"month": row["month"].strftime("%Y-%m"), "nps": _with_metrics(dict(row))["nps"]}
             for row in _by_month(qs)]
    return {"nps": overall["nps"], "csat": overall["csat"], "responses": overall["responses"],
            "trend": [t for t in trend if t["nps"] is not None]}
