"""The sales forecast: what the open pipeline is worth, by expected-close month and by owner.

- **Weighted pipeline**: each open opportunity counts ``amount × probability of its stage``
  (a 100 000 deal at "Proposal", 50 %, counts 50 000). Summed per month and owner it is the
  expected revenue: the number a manager plans with.
- **Best case**: the plain sum of the same open amounts (everything open closes as won).
- **Committed**: what was already won this calendar month.

One GROUP BY (month × owner × stage probability) gives every cell: the amounts are summed in SQL
and multiplied by the probability here with ``Decimal``, so the arithmetic is exact on SQLite
(where decimal columns are summed as floats and rounded back to cents) as on PostgreSQL.
Everything starts from ``visible_opportunities``: a rep's forecast holds their own deals, a
manager's their teams'.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from kehu.sales.access import visible_opportunities
from kehu.sales.models import PipelineStage

ZERO = Decimal("0.00")
HUNDRED = Decimal(100)
# cents × a whole percentage / 100: four decimals hold every weighted amount exactly
EXACT = Decimal("0.0001")
PERIODS = (1, 3, 6, 12)


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def add_months(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


@dataclass
class Bucket:
    """Open opportunities outside the period's months (expected before it, or without a date)."""

    count: int = 0
    best: Decimal = ZERO
    weighted: Decimal = ZERO


@dataclass
class OwnerRow:
    owner_id: int | None
    label: str
    cells: list[Decimal]  # weighted, one per month
    best: list[Decimal]  # unweighted, one per month
    count: int = 0
    committed: Decimal = ZERO

    @property
    def total(self) -> Decimal:
        return sum(self.cells, ZERO)

    @property
    def best_total(self) -> Decimal:
        return sum(self.best, ZERO)


@dataclass
class Forecast:
    months: list[dt.date]
    rows: list[OwnerRow]
    committed: Decimal = ZERO  # won this calendar month (all owners)
    committed_month: dt.date | None = None
    overdue: Bucket = field(default_factory=Bucket)
    undated: Bucket = field(default_factory=Bucket)

    @property
    def month_totals(self) -> list[Decimal]:
        return [sum((row.cells[i] for row in self.rows), ZERO) for i in range(len(self.months))]

    @property
    def weighted(self) -> Decimal:
        return sum((row.total for row in self.rows), ZERO)

    @property
    def best_case(self) -> Decimal:
        return sum((row.best_total for row in self.rows), ZERO)

    @property
    def count(self) -> int:
        return sum(row.count for row in self.rows)

    def chart(self) -> dict:
        """The stacked bars' data: months on the axis, one series (weighted) per owner."""
        return {"months": [f"{m:%Y-%m}" for m in self.months],
                "series": [{"name": row.label, "data": [float(v) for v in row.cells]} for row in self.rows]}


def _label(user) -> str:
    return (user.get_full_name() or user.get_username()) if user is not None else ""


def compute(user, *, start: dt.date | None = None, months: int = 3, pipeline=None, owner=None,
            today: dt.date | None = None) -> Forecast:
    """The forecast ``user`` may see for ``months`` months from ``start``'s month (default this
    month), optionally for one pipeline and one owner."""
    today = today or timezone.localdate()
    start = month_start(start or today)
    end = add_months(start, months)
    month_list = [add_months(start, i) for i in range(months)]
    index = {m: i for i, m in enumerate(month_list)}

    scope = visible_opportunities(user)
    if pipeline is not None:
        scope = scope.filter(pipeline=pipeline)
    if owner is not None:
        scope = scope.filter(owner=owner)

    groups = (scope.filter(stage__kind=PipelineStage.Kind.OPEN)
              .filter(Q(expected_close__lt=end) | Q(expected_close__isnull=True))
              .annotate(month=TruncMonth("expected_close"))
              .values("month", "owner_id", "stage__probability")
              .annotate(n=Count("id"), amount=Sum("amount"))
              .order_by())
    this_month = month_start(today)
    month_from = timezone.make_aware(dt.datetime.combine(this_month, dt.time.min))
    month_to = timezone.make_aware(dt.datetime.combine(add_months(this_month, 1), dt.time.min))
    won = (scope.filter(stage__kind=PipelineStage.Kind.WON, closed_at__gte=month_from, closed_at__lt=month_to)
           .values("owner_id").annotate(amount=Sum("amount")).order_by())

    result = Forecast(months=month_list, rows=[], committed_month=this_month)
    rows: dict[int | None, OwnerRow] = {}

    def row_for(owner_id):
        if owner_id not in rows:
            rows[owner_id] = OwnerRow(owner_id, "", [ZERO] * months, [ZERO] * months)
        return rows[owner_id]

    for group in groups:
        amount = Decimal(group["amount"] or 0)
        weighted = (amount * group["stage__probability"] / HUNDRED).quantize(EXACT)
        month = group["month"]  # a date: TruncMonth of a DateField
        if month is None:
            bucket = result.undated
        elif month < start:
            bucket = result.overdue
        else:
            row = row_for(group["owner_id"])
            i = index[month]
            row.cells[i] += weighted
            row.best[i] += amount
            row.count += group["n"]
            continue
        bucket.count += group["n"]
        bucket.best += amount
        bucket.weighted += weighted
    for group in won:
        amount = Decimal(group["amount"] or 0)
        row_for(group["owner_id"]).committed += amount
        result.committed += amount

    users = get_user_model().objects.in_bulk([pk for pk in rows if pk is not None])
    for pk, row in rows.items():
        row.label = _label(users.get(pk)) if pk is not None else ""
    result.rows = sorted(rows.values(), key=lambda r: (r.owner_id is None, -r.total, r.label))
    return result
