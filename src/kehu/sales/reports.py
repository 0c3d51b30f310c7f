"""The sales dashboard's numbers (issue 7 §6), each an SQL aggregate over what the user may see
(``kehu.sales.access`` for leads, opportunities and activities; ``kehu.customers.access`` for
customers' revenue and CLV), so a rep's dashboard counts their own work and a manager's their
teams':

- funnel: of the opportunities *created in the period* (one pipeline), how many reached each stage
  — an opportunity that jumped ahead counts for the stages it skipped — the conversion from each
  stage to the next, and the median and average time spent in each stage (stage moves *made in the
  period*, ``StageChange.seconds_in_from``; the median by a window query that runs on both
  databases);
- pipeline by owner: open opportunities now, amount and amount weighted by the stage probability;
- won and lost in the period (closed in it) with amounts, and the lost reasons;
- lead yield per source: leads created in the period → qualified → converted → the converted
  customers' revenue since conversion → their CLV;
- referral leaders (``kehu.sales.referrals.top_introducers``) and activities per rep (done in the
  period, open, overdue).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection
from django.db.models import (
    Avg,
    Count,
    DecimalField,
    ExpressionWrapper,
    F,
    Max,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from kehu.customers.access import customer_scope_for
from kehu.labels import pick
from kehu.orders.models import Order
from kehu.sales import referrals
from kehu.sales.access import visible_activities, visible_leads, visible_opportunities
from kehu.sales.models import Lead, Pipeline, PipelineStage, StageChange
from kehu.surveys.metrics import percent
from kehu.web.params import date_or_none

PERIODS = (30, 90, 365)
DEFAULT_DAYS = 90
MONEY = DecimalField(max_digits=16, decimal_places=2)
ZERO = Decimal("0.00")


@dataclass(frozen=True)
class Period:
    since: dt.datetime
    until: dt.datetime
    days: int | None  # one of PERIODS, or None for a custom range
    start: dt.date
    end: dt.date  # inclusive


def period_from(params, *, now: dt.datetime | None = None, default_days: int = DEFAULT_DAYS) -> Period:
    """The period a page or API call asks for: ``days`` (30, 90, 365) or, when ``days`` is absent,
    empty or "custom", ``from``/``to`` (dates, inclusive, in the shop's time zone). Anything
    unreadable falls back to the last ``default_days``."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    start, end = date_or_none(params.get("from")), date_or_none(params.get("to"))
    custom = params.get("days") in (None, "", "custom")
    if custom and start and end and start <= end and (end - start).days <= 3660:
        tz = timezone.get_current_timezone()
        return Period(dt.datetime.combine(start, dt.time.min, tzinfo=tz),
                      dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=tz), None, start, end)
    try:
        days = int(params.get("days", default_days))
    except (TypeError, ValueError):
        days = default_days
    if days not in PERIODS:
        days = default_days
    return Period(now - dt.timedelta(days=days), now + dt.timedelta(seconds=1), days,
                  today - dt.timedelta(days=days), today)


def _person(row: dict, prefix: str = "owner__") -> str:
    full = f"{row.get(prefix + 'last_name') or ''}{row.get(prefix + 'first_name') or ''}".strip()
    return full or row.get(prefix + "username") or "—"


def _label(row: dict, prefix: str) -> str:
    return pick(row.get(prefix + "label_en") or "", row.get(prefix + "label_zh_hans") or "",
                row.get(prefix + "label_zh_hant") or "")


def default_pipeline() -> Pipeline | None:
    return Pipeline.objects.active().first()


# --- funnel -------------------------------------------------------------------------------------

def funnel(user, pipeline: Pipeline, period: Period) -> list[dict]:
    """Per open/won stage of ``pipeline``: opportunities (created in the period) that reached it,
    conversion to the next stage, median and average hours in it (moves made in the period)."""
    stages = list(pipeline.stages.order_by("position", "id"))
    forward = [s for s in stages if s.kind != PipelineStage.Kind.LOST]
    cohort = visible_opportunities(user).filter(pipeline=pipeline, created_at__gte=period.since,
                                                created_at__lt=period.until)
    furthest = (StageChange.objects.filter(opportunity=OuterRef("pk"), to_stage__kind__in=[
        PipelineStage.Kind.OPEN, PipelineStage.Kind.WON]).order_by().values("opportunity")
        .annotate(top=Max("to_stage__position")).values("top"))
    tops = dict(cohort.annotate(top=Subquery(furthest)).filter(top__isnull=False).values("top")
                .annotate(n=Count("id")).order_by().values_list("top", "n"))
    moves = StageChange.objects.filter(opportunity__in=visible_opportunities(user).filter(pipeline=pipeline),
                                       at__gte=period.since, at__lt=period.until, from_stage__isnull=False,
                                       seconds_in_from__isnull=False)
    averages = dict(moves.values("from_stage").annotate(avg=Avg("seconds_in_from")).order_by()
                    .values_list("from_stage", "avg"))
    medians = _medians(moves)
    rows = []
    for stage in forward:
        reached = sum(n for top, n in tops.items() if top >= stage.position)
        rows.append({"stage_id": stage.pk, "code": stage.code, "label": stage.label(), "kind": stage.kind,
                     "probability": stage.probability, "reached": reached,
                     "median_hours": _hours(medians.get(stage.pk)), "average_hours": _hours(averages.get(stage.pk))})
    for here, there in zip(rows, rows[1:], strict=False):
        here["conversion"] = percent(there["reached"], here["reached"])
    if rows:
        rows[-1]["conversion"] = None
    return rows


def _hours(seconds) -> float | None:
    return None if seconds is None else round(float(seconds) / 3600.0, 1)


def _medians(moves) -> dict[int, float]:
    """Median ``seconds_in_from`` per ``from_stage``: the middle row(s) by ROW_NUMBER() over each
    stage, averaged — window functions both SQLite and PostgreSQL have."""
    inner, params = moves.order_by().values(g=F("from_stage_id"), v=F("seconds_in_from")).query.sql_with_params()
    sql = f"""
        SELECT g, AVG(v) FROM (
            SELECT g, v, ROW_NUMBER() OVER (PARTITION BY g ORDER BY v) AS rn, COUNT(*) OVER (PARTITION BY g) AS cnt
            FROM ({inner}) base
        ) ranked
        WHERE rn IN ((cnt + 1) / 2, (cnt + 2) / 2)
        GROUP BY g"""  # noqa: S608  (the inner query is Django's, compiled with its parameters)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {g: float(v) for g, v in cursor.fetchall()}


# --- pipeline by owner ----------------------------------------------------------------------------

def pipeline_by_owner(user, pipeline: Pipeline) -> dict:
    """Open opportunities now, per owner and stage: count, amount, amount × stage probability."""
    weighted = ExpressionWrapper(F("amount") * F("stage__probability") / Value(Decimal(100)), output_field=MONEY)
    rows = (visible_opportunities(user).filter(pipeline=pipeline, stage__kind=PipelineStage.Kind.OPEN)
            .values("owner_id", "owner__username", "owner__first_name", "owner__last_name", "stage_id")
            .annotate(n=Count("id"), open_amount=Sum("amount"), weighted_amount=Sum(weighted)).order_by())
    stages = list(pipeline.stages.filter(kind=PipelineStage.Kind.OPEN).order_by("position", "id"))
    owners: dict = {}
    for r in rows:
        owner = owners.setdefault(r["owner_id"], {"owner_id": r["owner_id"], "owner": _person(r), "n": 0,
                                                  "amount": ZERO, "weighted": ZERO, "stages": {}})
        amount, weighted_amount = referrals.money(r["open_amount"]), referrals.money(r["weighted_amount"])
        owner["stages"][r["stage_id"]] = {"n": r["n"], "amount": amount, "weighted": weighted_amount}
        owner["n"] += r["n"]
        owner["amount"] += amount
        owner["weighted"] += weighted_amount
    table = sorted(owners.values(), key=lambda o: (-o["weighted"], o["owner"]))
    for owner in table:
        owner["cells"] = [owner["stages"].get(s.pk, {"n": 0, "amount": ZERO, "weighted": ZERO}) for s in stages]
    return {"stages": [{"id": s.pk, "label": s.label(), "probability": s.probability} for s in stages],
            "owners": table, "n": sum(o["n"] for o in table),
            "amount": sum((o["amount"] for o in table), ZERO), "weighted": sum((o["weighted"] for o in table), ZERO)}


# --- won and lost ---------------------------------------------------------------------------------

def won_lost(user, period: Period) -> dict:
    closed = visible_opportunities(user).filter(closed_at__gte=period.since, closed_at__lt=period.until)
    totals = closed.aggregate(
        won=Count("id", filter=Q(stage__kind=PipelineStage.Kind.WON)),
        won_amount=Sum("amount", filter=Q(stage__kind=PipelineStage.Kind.WON)),
        lost=Count("id", filter=Q(stage__kind=PipelineStage.Kind.LOST)),
        lost_amount=Sum("amount", filter=Q(stage__kind=PipelineStage.Kind.LOST)))
    reasons = (closed.filter(stage__kind=PipelineStage.Kind.LOST)
               .values("lost_reason__code", "lost_reason__label_en", "lost_reason__label_zh_hans",
                       "lost_reason__label_zh_hant")
               .annotate(n=Count("id"), amount=Sum("amount")).order_by("-n", "lost_reason__code"))
    return {"won": totals["won"], "won_amount": referrals.money(totals["won_amount"]), "lost": totals["lost"],
            "lost_amount": referrals.money(totals["lost_amount"]),
            "win_rate": percent(totals["won"], totals["won"] + totals["lost"]),
            "lost_reasons": [{"code": r["lost_reason__code"] or "", "label": _label(r, "lost_reason__") or "—",
                              "n": r["n"], "amount": referrals.money(r["amount"])} for r in reasons]}


# --- lead yield per source ------------------------------------------------------------------------

def lead_yield(user, period: Period) -> list[dict]:
    """Per lead source, of the leads created in the period: leads, qualified (qualified or
    converted), converted, and of the converted ones whose customer the user may see, revenue since
    the conversion and CLV."""
    leads = visible_leads(user).filter(created_at__gte=period.since, created_at__lt=period.until)
    group = ["source__code", "source__label_en", "source__label_zh_hans", "source__label_zh_hant"]
    counts = (leads.values(*group).annotate(
        leads=Count("id"),
        qualified=Count("id", filter=Q(status__in=[Lead.Status.QUALIFIED, Lead.Status.CONVERTED])),
        converted=Count("id", filter=Q(status=Lead.Status.CONVERTED))).order_by("source__position", "source__code"))
    revenue = (Order.objects.filter(customer=OuterRef("customer"), ordered_at__gte=OuterRef("converted_at"))
               .exclude(status__in=referrals.EXCLUDED_STATUSES).order_by().values("customer")
               .annotate(total=Sum("total")).values("total"))
    won = (leads.filter(customer_scope_for(user, "customer__"), status=Lead.Status.CONVERTED, customer__isnull=False)
           .annotate(revenue=Coalesce(Subquery(revenue, output_field=MONEY), Value(ZERO), output_field=MONEY),
                     clv=Coalesce("customer__score__clv", Value(ZERO), output_field=MONEY))
           .values("source__code").annotate(revenue_sum=Sum("revenue"), clv_sum=Sum("clv"),
                                            customers=Count("customer", distinct=True)).order_by())
    value = {r["source__code"]: r for r in won}
    rows = []
    for r in counts:
        v = value.get(r["source__code"], {})
        rows.append({"code": r["source__code"], "label": _label(r, "source__"),
                     "referral": r["source__code"] in referrals.REFERRAL_SOURCES,
                     "leads": r["leads"], "qualified": r["qualified"], "converted": r["converted"],
                     "qualified_rate": percent(r["qualified"], r["leads"]), "converted_rate": percent(r["converted"], r["leads"]),
                     "customers": v.get("customers", 0), "revenue": referrals.money(v.get("revenue_sum")),
                     "clv": referrals.money(v.get("clv_sum"))})
    return rows


# --- activities per rep ---------------------------------------------------------------------------

def activity_counts(user, period: Period, *, now: dt.datetime | None = None) -> list[dict]:
    now = now or timezone.now()
    rows = (visible_activities(user)
            .filter(Q(done_at__isnull=True) | Q(done_at__gte=period.since, done_at__lt=period.until))
            .values("owner_id", "owner__username", "owner__first_name", "owner__last_name")
            .annotate(done=Count("id", filter=Q(done_at__isnull=False)),
                      open=Count("id", filter=Q(done_at__isnull=True)),
                      overdue=Count("id", filter=Q(done_at__isnull=True, due_at__lt=now)))
            .order_by())
    out = [{"owner_id": r["owner_id"], "owner": _person(r), "done": r["done"], "open": r["open"],
            "overdue": r["overdue"]} for r in rows]
    return sorted(out, key=lambda r: (-r["done"], r["owner"]))


# --- the whole dashboard ----------------------------------------------------------------------------

def dashboard(user, period: Period, *, pipeline: Pipeline | None = None) -> dict:
    pipeline = pipeline or default_pipeline()
    data = {"period": period, "pipeline": pipeline, "won_lost": won_lost(user, period),
            "lead_yield": lead_yield(user, period), "activities": activity_counts(user, period),
            "referral_leaders": referrals.top_introducers(user, since=period.since, until=period.until, limit=10)}
    if pipeline is not None:
        data["funnel"] = funnel(user, pipeline, period)
        data["pipeline_by_owner"] = pipeline_by_owner(user, pipeline)
    else:
        data["funnel"], data["pipeline_by_owner"] = [], {"stages": [], "owners": [], "n": 0, "amount": ZERO,
                                                          "weighted": ZERO}
    return data


def as_json(data: dict) -> dict:
    """The dashboard as JSON numbers (money as numbers with two decimals) for the API and charts."""
    def plain(value):
        if isinstance(value, Decimal):
            return float(value)
        if isinstance(value, dict):
            return {str(k): plain(v) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return [plain(v) for v in value]
        if isinstance(value, (dt.datetime, dt.date)):
            return value.isoformat()
        return value

    period: Period = data["period"]
    pipeline = data["pipeline"]
    owners = data["pipeline_by_owner"]
    return {
        "period": {"from": period.start.isoformat(), "to": period.end.isoformat(), "days": period.days},
        "pipeline": {"id": pipeline.pk, "label": pipeline.label()} if pipeline else None,
        "funnel": plain(data["funnel"]),
        "pipeline_by_owner": plain({"stages": owners["stages"], "n": owners["n"], "amount": owners["amount"],
                                    "weighted": owners["weighted"],
                                    "owners": [{k: v for k, v in o.items() if k != "stages"} for o in owners["owners"]]}),
        "won_lost": plain(data["won_lost"]), "lead_yield": plain(data["lead_yield"]),
        "referral_leaders": plain(data["referral_leaders"]), "activities": plain(data["activities"]),
    }
