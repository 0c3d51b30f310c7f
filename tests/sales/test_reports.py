"""The sales dashboard: the funnel with conversion and time in stage, pipeline by owner, won and
lost with reasons, lead yield per source, activities per rep — each number as the role may see it."""

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.utils import timezone

from kehu.sales import pipeline as deals
from kehu.sales import reports
from kehu.sales.models import Activity, Lead, LostReason, PipelineStage, StageChange
from tests.sales.conftest_insight import clv, lead, order

pytestmark = pytest.mark.django_db

D = Decimal


def _stage(code):
    return PipelineStage.objects.get(pipeline=reports.default_pipeline(), code=code)


def _walk(actor, opp, *codes, reason=None):
    for code in codes:
        stage = _stage(code)
        kwargs = {"lost_reason": LostReason.objects.get(code=reason)} if stage.kind == "lost" else {}
        opp = deals.move_stage(actor, opp, stage, expected_version=opp.version, **kwargs)
    return opp


@pytest.fixture
def office(make_user, make_customer, team, other_team):
    """East: manager M and rep A; West: rep B. A won 1,000, lost 500 (price), has 2,000 open in
    needs analysis; B lost 300 (budget), has 4,000 open in proposal."""
    manager = make_user("manager", team=team, is_manager=True)
    a, b = make_user("sales", team=team), make_user("sales", team=other_team)
    ca, cb = make_customer(a, owner=a, team=team), make_customer(b, owner=b, team=other_team)
    won = deals.create_opportunity(a, customer=ca, name="赢", amount="1000")
    _walk(a, won, "needs", "proposal", "won")
    lost = deals.create_opportunity(a, customer=ca, name="输", amount="500")
    _walk(a, lost, "lost", reason="price")
    deals.create_opportunity(a, customer=ca, name="进行中", amount="2000", stage=_stage("needs"))
    b_lost = deals.create_opportunity(b, customer=cb, name="乙输", amount="300")
    _walk(b, b_lost, "needs", "lost", reason="budget")
    deals.create_opportunity(b, customer=cb, name="乙进行中", amount="4000", stage=_stage("proposal"))
    now = timezone.now()
    for owner, done, open_ in ((a, 2, [now - dt.timedelta(days=1), now + dt.timedelta(days=1)]), (b, 1, [])):
        for i in range(done):
            Activity.objects.create(subject=f"完成{i}", owner=owner, done_at=now - dt.timedelta(hours=i + 1))
        for due in open_:
            Activity.objects.create(subject="待办", owner=owner, due_at=due)
    Activity.objects.create(subject="很久以前", owner=a, done_at=now - dt.timedelta(days=200))  # before the period
    converted = lead("甲的推荐", owner=a, team=team, source_code="referral", referrer=ca,
                     status=Lead.Status.CONVERTED)
    Lead.objects.filter(pk=converted.pk).update(customer=ca, converted_at=now - dt.timedelta(days=5))
    order(ca, 700, at=now - dt.timedelta(days=2))
    order(ca, 9999, at=now - dt.timedelta(days=30))  # before the conversion: not the lead's yield
    clv([(ca, 50)])
    lead("甲的网络线索", owner=a, team=team, source_code="online")
    lead("乙的网络线索", owner=b, team=other_team, source_code="online", status=Lead.Status.QUALIFIED)
    return SimpleNamespace(manager=manager, a=a, b=b)


def _numbers(user):
    return reports.dashboard(user, reports.period_from({}))


def test_a_reps_dashboard_counts_only_their_own(office):
    m = _numbers(office.a)
    assert (m["won_lost"]["won"], m["won_lost"]["won_amount"]) == (1, D("1000.00"))
    assert (m["won_lost"]["lost"], m["won_lost"]["lost_amount"], m["won_lost"]["win_rate"]) == (1, D("500.00"), 50.0)
    assert [(r["code"], r["n"]) for r in m["won_lost"]["lost_reasons"]] == [("price", 1)]
    funnel = {r["code"]: r for r in m["funnel"]}
    # prospecting 3 (all A's), needs 2 (won, open one), proposal 1, negotiation 1 (skipped by the won one), won 1
    assert [funnel[c]["reached"] for c in ("prospecting", "needs", "proposal", "negotiation", "won")] == [3, 2, 1, 1, 1]
    assert funnel["prospecting"]["conversion"] == 66.7 and funnel["needs"]["conversion"] == 50.0
    by_owner = m["pipeline_by_owner"]
    assert [o["owner_id"] for o in by_owner["owners"]] == [office.a.pk]
    assert (by_owner["amount"], by_owner["weighted"]) == (D("2000.00"), D("500.00"))  # needs analysis: 25 %
    assert [(r["owner_id"], r["done"], r["open"], r["overdue"]) for r in m["activities"]] == [(office.a.pk, 2, 2, 1)]
    yields = {r["code"]: r for r in m["lead_yield"]}
    assert (yields["referral"]["leads"], yields["referral"]["converted"], yields["referral"]["revenue"],
            yields["referral"]["clv"]) == (1, 1, D("700.00"), D("50.00"))
    assert (yields["online"]["leads"], yields["online"]["qualified"]) == (1, 0)


def test_another_rep_sees_none_of_it(office):
    m = _numbers(office.b)
    assert (m["won_lost"]["won"], m["won_lost"]["lost"], m["won_lost"]["lost_amount"]) == (0, 1, D("300.00"))
    # the lost one went prospecting → needs; the open one was created in proposal (counts for the two before)
    assert [r["reached"] for r in m["funnel"]] == [2, 2, 1, 0, 0]
    assert m["pipeline_by_owner"]["weighted"] == D("2000.00")  # 4,000 at 50 %
    assert [(r["owner_id"], r["done"]) for r in m["activities"]] == [(office.b.pk, 1)]
    assert {r["code"]: (r["leads"], r["qualified"]) for r in m["lead_yield"]} == {"online": (1, 1)}


def test_a_manager_sees_their_teams(office):
    m = _numbers(office.manager)
    assert (m["won_lost"]["won"], m["won_lost"]["lost"]) == (1, 1)
    assert [o["owner_id"] for o in m["pipeline_by_owner"]["owners"]] == [office.a.pk]
    assert [r["owner_id"] for r in m["activities"]] == [office.a.pk]
    assert sum(r["leads"] for r in m["lead_yield"]) == 2


def test_an_admin_sees_everything(office, admin):
    m = _numbers(admin)
    assert (m["won_lost"]["won"], m["won_lost"]["lost"], m["won_lost"]["lost_amount"]) == (1, 2, D("800.00"))
    assert [o["owner_id"] for o in m["pipeline_by_owner"]["owners"]] == [office.b.pk, office.a.pk]
    assert m["pipeline_by_owner"]["weighted"] == D("2500.00")
    assert {r["owner_id"]: r["done"] for r in m["activities"]} == {office.a.pk: 2, office.b.pk: 1}
    assert sum(r["leads"] for r in m["lead_yield"]) == 3


def test_time_in_stage_median_and_average(office, admin):
    """Stage moves out of prospecting made in the period, set to 1 h, 2 h, 3 h and 10 h:
    median 2.5 h, average 4 h; a move before the period is left out."""
    moves = list(StageChange.objects.filter(from_stage__code="prospecting").order_by("id"))
    assert len(moves) == 3
    for move, hours in zip(moves, (1, 2, 3), strict=True):
        StageChange.objects.filter(pk=move.pk).update(seconds_in_from=hours * 3600)
    first = moves[0]
    StageChange.objects.create(opportunity_id=first.opportunity_id, from_stage=first.from_stage,
                               to_stage=first.to_stage, seconds_in_from=10 * 3600, at=timezone.now())
    StageChange.objects.create(opportunity_id=first.opportunity_id, from_stage=first.from_stage,
                               to_stage=first.to_stage, seconds_in_from=99 * 3600,
                               at=timezone.now() - dt.timedelta(days=300))
    funnel = {r["code"]: r for r in _numbers(admin)["funnel"]}
    assert (funnel["prospecting"]["median_hours"], funnel["prospecting"]["average_hours"]) == (2.5, 4.0)
    needs = funnel["needs"]  # out of needs analysis: two moves within the same second
    assert needs["median_hours"] == 0.0 and funnel["negotiation"]["median_hours"] is None


def test_the_period_filter(office, admin):
    assert reports.period_from({"days": "30"}).days == 30
    assert reports.period_from({"days": "12"}).days == reports.DEFAULT_DAYS
    custom = reports.period_from({"from": "2026-01-01", "to": "2026-01-31"})
    assert custom.days is None and (custom.until - custom.since) == dt.timedelta(days=31)
    assert reports.period_from({"from": "2026-02-01", "to": "2026-01-01"}).days == reports.DEFAULT_DAYS
    ancient = reports.dashboard(admin, reports.period_from({"from": "2020-01-01", "to": "2020-12-31"}))
    assert ancient["won_lost"]["won"] == 0 and ancient["lead_yield"] == []
    assert ancient["pipeline_by_owner"]["n"] == 2  # open pipeline is now, whatever the period


def test_the_dashboard_in_a_bounded_number_of_queries(office, admin, django_assert_max_num_queries):
    with django_assert_max_num_queries(16):
        _numbers(admin)
