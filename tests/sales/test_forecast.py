"""Forecast arithmetic (``kehu.sales.forecast``): weighted = amount × stage probability, by expected
close month and owner, exactly in Decimal; best case; committed (won this month); what falls
outside the period; visibility (a rep sees their own numbers, the manager the team's)."""

import datetime as dt
from decimal import Decimal

import pytest

from kehu.sales import forecast
from kehu.sales import pipeline as services
from kehu.sales.models import Opportunity, Pipeline, PipelineStage

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 5, 14)
D = Decimal


def _opp(make_opportunity, owner, amount, stage, close):
    opp = make_opportunity(owner, amount=amount, stage=stage, expected_close=close)
    return opp


@pytest.fixture
def book(people, make_opportunity, stages, price):
    """Open deals in May–July 2026 for the rep and the teammate, one overdue, one without a date,
    closed ones (won this month, won last month, lost), and a stranger's (other team)."""
    rep, mate = people.rep, people.mate
    _opp(make_opportunity, rep, "10000.00", stages.prospecting, dt.date(2026, 5, 20))   # 10 % → 1000.00
    _opp(make_opportunity, rep, "333.33", stages.needs, dt.date(2026, 5, 31))           # 25 % → 83.3325
    _opp(make_opportunity, rep, "1234.57", stages.proposal, dt.date(2026, 6, 1))        # 50 % → 617.285
    _opp(make_opportunity, mate, "80000.00", stages.negotiation, dt.date(2026, 7, 15))  # 75 % → 60000.00
    _opp(make_opportunity, mate, "0.01", stages.prospecting, dt.date(2026, 5, 2))       # 10 % → 0.001
    _opp(make_opportunity, rep, "999.99", stages.negotiation, dt.date(2026, 8, 1))      # after the period
    _opp(make_opportunity, rep, "5000.00", stages.needs, dt.date(2026, 4, 30))          # overdue: 1250.00
    _opp(make_opportunity, mate, "700.00", stages.proposal, None)                       # undated: 350.00
    _opp(make_opportunity, people.stranger, "55555.55", stages.proposal, dt.date(2026, 5, 20))
    won_now = services.win(rep, _opp(make_opportunity, rep, "4321.09", stages.negotiation, dt.date(2026, 5, 1)),
                           expected_version=1)
    won_before = services.win(mate, _opp(make_opportunity, mate, "9999.00", stages.negotiation, TODAY),
                              expected_version=1)
    lost = _opp(make_opportunity, rep, "7777.00", stages.proposal, dt.date(2026, 5, 25))
    services.move_stage(rep, lost, stages.lost, expected_version=1, lost_reason=price)
    at = dt.datetime(2026, 5, 3, 10, tzinfo=dt.UTC)
    Opportunity.objects.filter(pk=won_now.pk).update(closed_at=at)
    Opportunity.objects.filter(pk=won_before.pk).update(closed_at=at - dt.timedelta(days=5))  # 28 April
    return people


def test_the_manager_sees_the_team_by_month_and_owner(book, stages):
    f = forecast.compute(book.manager, months=3, today=TODAY)
    assert f.months == [dt.date(2026, 5, 1), dt.date(2026, 6, 1), dt.date(2026, 7, 1)]
    rows = {row.owner_id: row for row in f.rows}
    assert set(rows) == {book.rep.pk, book.mate.pk}  # not the stranger's
    assert rows[book.rep.pk].cells == [D("1083.3325"), D("617.285"), D("0")]
    assert rows[book.mate.pk].cells == [D("0.001"), D("0"), D("60000.00")]
    assert rows[book.rep.pk].best == [D("10333.33"), D("1234.57"), D("0")]
    assert f.month_totals == [D("1083.3335"), D("617.285"), D("60000.00")]
    assert f.weighted == D("61700.6185") == sum(f.month_totals)
    assert f.best_case == D("10333.33") + D("1234.57") + D("80000.00") + D("0.01") == D("91567.91")
    assert f.count == 5
    assert (f.overdue.count, f.overdue.best, f.overdue.weighted) == (1, D("5000.00"), D("1250.00"))
    assert (f.undated.count, f.undated.best, f.undated.weighted) == (1, D("700.00"), D("350.00"))
    # committed: won in May 2026 only (not the one won on 28 April, not the lost one)
    assert f.committed == D("4321.09")
    assert rows[book.rep.pk].committed == D("4321.09") and rows[book.mate.pk].committed == D("0")
    # the biggest weighted pipeline first
    assert [row.owner_id for row in f.rows] == [book.mate.pk, book.rep.pk]


def test_a_rep_sees_only_their_own(book):
    f = forecast.compute(book.rep, months=3, today=TODAY)
    assert [row.owner_id for row in f.rows] == [book.rep.pk]
    assert f.weighted == D("1083.3325") + D("617.285") == D("1700.6175")
    assert f.undated.count == 0 and f.committed == D("4321.09")
    stranger = forecast.compute(book.stranger, months=1, today=TODAY)
    assert stranger.weighted == D("27777.775") and stranger.committed == D("0")


def test_period_pipeline_and_owner_choices(book, stages):
    one = forecast.compute(book.manager, months=1, today=TODAY)
    assert one.weighted == D("1083.3335")
    later = forecast.compute(book.manager, start=dt.date(2026, 6, 9), months=3, today=TODAY)
    assert later.months == [dt.date(2026, 6, 1), dt.date(2026, 7, 1), dt.date(2026, 8, 1)]
    assert later.weighted == D("617.285") + D("60000.00") + D("749.9925")
    # the May deals are now "before the period"
    assert later.overdue.count == 4 and later.overdue.weighted == D("1083.3335") + D("1250.00")
    mine = forecast.compute(book.manager, months=3, owner=book.mate, today=TODAY)
    assert [row.owner_id for row in mine.rows] == [book.mate.pk]
    other = Pipeline.objects.create(label_en="Key accounts")
    assert forecast.compute(book.manager, months=3, pipeline=other, today=TODAY).rows == []


def test_an_empty_forecast(people):
    f = forecast.compute(people.rep, months=6, today=TODAY)
    assert (f.rows, f.weighted, f.best_case, f.committed, f.count) == ([], D("0"), D("0"), D("0"), 0)


def test_the_forecast_page(book, stages, django_assert_max_num_queries, client_for):
    client = client_for(book.manager)
    with django_assert_max_num_queries(20):
        response = client.get("/sales/forecast/?from=2026-05&months=3")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Weighted pipeline by owner and month" in html
    assert response.context["f"].rows and response.context["chart"]["series"][0]["name"] == book.mate.username
    # a stage with another probability changes the weighted pipeline, not the best case
    PipelineStage.objects.filter(pk=stages.negotiation.pk).update(probability=50)
    assert client.get("/sales/forecast/?from=2026-05&months=3").context["f"].weighted < \
        response.context["f"].weighted
    assert client_for(book.rep).get("/sales/forecast/?months=12&pipeline=999&mine=1").status_code == 200
