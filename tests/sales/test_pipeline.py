"""The pipeline's write path (``kehu.sales.pipeline``): creating and changing opportunities
(amounts, owners, lines, competitors), stage moves with the version check and the stage history
(time in stage, closed_at, lost reasons), winning with the order in the P series, audit."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from kehu.orders.models import Order
from kehu.privacy.models import AuditEntry
from kehu.sales import pipeline as services
from kehu.sales.models import (
    Competitor,
    LostReason,
    Opportunity,
    Pipeline,
    PipelineStage,
    StageChange,
)

pytestmark = pytest.mark.django_db


# --- creating -------------------------------------------------------------------------------------

def test_a_new_opportunity_starts_in_the_first_open_stage_with_its_history(people, make_opportunity, stages,
                                                                           stage_codes):
    opp = make_opportunity(people.rep, amount="12800.50", expected_close=dt.date(2026, 6, 30))
    assert (opp.pipeline, opp.stage, opp.owner, opp.amount) == (stages.pipeline, stages.prospecting, people.rep,
                                                                 Decimal("12800.50"))
    assert opp.closed_at is None and opp.version == 1
    assert stage_codes(opp) == [(None, "prospecting")]
    entry = AuditEntry.objects.get(object_type="sales.opportunity", object_id=str(opp.pk))
    assert entry.action == "create" and entry.changes["amount"] == [None, "12800.50"]


def test_lines_default_to_the_product_price_and_give_the_amount(people, make_customer, products):
    customer = make_customer(people.rep, owner=people.rep)
    opp = services.create_opportunity(people.rep, customer=customer, name="厨房", lines=[
        {"product": products.cooker, "quantity": 3},  # 3 × 399.00
        {"product": products.kettle.pk, "quantity": 2, "unit_price": "120.00", "discount": "15.50"}])
    lines = list(opp.lines.order_by("pk"))
    assert [(line.unit_price, line.discount) for line in lines] == [(Decimal("399.00"), Decimal("0.00")),
                                                                    (Decimal("120.00"), Decimal("15.50"))]
    assert opp.amount == Decimal("1197.00") + Decimal("240.00") - Decimal("15.50") == Decimal("1421.50")


@pytest.mark.parametrize(("amount", "message"), [
    ("-1", "cannot be negative"), ("10.005", "two decimals"), ("abc", "Enter an amount")])
def test_amounts_are_cny_with_two_decimals(people, make_customer, amount, message):
    customer = make_customer(people.rep, owner=people.rep)
    with pytest.raises(ValidationError) as exc:
        services.create_opportunity(people.rep, customer=customer, name="x", amount=amount)
    assert message in str(exc.value.message_dict["amount"])
    assert not Opportunity.objects.exists()


def test_a_line_discount_may_not_exceed_the_line(people, make_customer, products):
    customer = make_customer(people.rep, owner=people.rep)
    with pytest.raises(ValidationError) as exc:
        services.create_opportunity(people.rep, customer=customer, name="x", lines=[
            {"product": products.kettle, "quantity": 1, "discount": "200"}])
    assert "lines.0.discount" in exc.value.message_dict
    assert not Opportunity.objects.exists()


def test_the_owner_must_be_someone_the_actor_may_assign(people, make_user, make_customer, admin):
    customer = make_customer(people.rep, owner=people.rep)
    marketer = make_user("marketing")
    # a teammate: yes; a rep of another team or a marketer (who cannot work opportunities): no
    assert services.create_opportunity(people.rep, customer=customer, name="a", owner=people.mate).owner == people.mate
    for owner in (people.stranger, marketer):
        with pytest.raises(ValidationError) as exc:
            services.create_opportunity(people.rep, customer=customer, name="b", owner=owner)
        assert "owner" in exc.value.message_dict
    # an admin may give it to anyone who works opportunities
    assert services.create_opportunity(admin, customer=customer, name="c", owner=people.stranger).owner == \
        people.stranger
    assert set(services.assignable_owners(people.rep)) == {people.rep, people.mate, people.manager}


def test_a_marketer_may_not_create_opportunities(make_user, people, make_customer):
    customer = make_customer(people.rep, owner=people.rep)
    with pytest.raises(PermissionDenied):
        services.create_opportunity(make_user("marketing"), customer=customer, name="x")


# --- changing ---------------------------------------------------------------------------------

def test_update_checks_the_version_and_audits(people, make_opportunity, products):
    opp = make_opportunity(people.rep, amount="500.00")
    knife = Competitor.objects.create(name="苏泊尔")
    changed = services.update_opportunity(people.rep, opp, expected_version=1, name="年度采购（扩大）",
                                          expected_close=dt.date(2026, 9, 1), owner=people.mate,
                                          competitors=[knife], lines=[{"product": products.cooker, "quantity": 10}])
    assert (changed.version, changed.amount, changed.owner) == (2, Decimal("3990.00"), people.mate)
    assert list(changed.competitors.all()) == [knife]
    entry = AuditEntry.objects.filter(object_id=str(opp.pk), action="update").get()
    assert entry.changes["amount"] == ["500.00", "3990.00"]
    assert entry.changes["name"] == ["年度采购", "年度采购（扩大）"]
    assert entry.changes["competitors"] == [[], [knife.pk]]
    assert entry.changes["lines"] == [[], [[products.cooker.pk, 10, "399.00", "0.00"]]]

    # a second editor who loaded version 1 is refused, and nothing changes
    with pytest.raises(services.StaleOpportunity) as exc:
        services.update_opportunity(people.manager, opp, expected_version=1, amount="1.00")
    assert "changed by someone else meanwhile, now at “Prospecting”" in str(exc.value)
    opp.refresh_from_db()
    assert (opp.amount, opp.version) == (Decimal("3990.00"), 2)


def test_an_explicit_amount_wins_over_the_lines(people, make_opportunity, products):
    opp = make_opportunity(people.rep)
    changed = services.update_opportunity(people.rep, opp, expected_version=1, amount="4000",
                                          lines=[{"product": products.cooker, "quantity": 10}])
    assert changed.amount == Decimal("4000.00")
    assert services.lines_total(changed.lines.all()) == Decimal("3990.00")


# --- moving ---------------------------------------------------------------------------------------

def test_a_move_records_the_history_and_the_time_in_the_stage_it_leaves(people, make_opportunity, stages,
                                                                        stage_codes):
    opp = make_opportunity(people.rep)
    entered = timezone.now() - dt.timedelta(days=3, hours=4)
    Opportunity.objects.filter(pk=opp.pk).update(stage_entered_at=entered)
    moved = services.move_stage(people.rep, opp, stages.needs, expected_version=1)
    assert (moved.stage, moved.version, moved.closed_at) == (stages.needs, 2, None)
    change = StageChange.objects.get(opportunity=opp, from_stage=stages.prospecting)
    assert change.to_stage == stages.needs and change.by == people.rep
    assert 0 <= change.seconds_in_from - (3 * 86400 + 4 * 3600) <= 5
    assert abs((moved.stage_entered_at - change.at).total_seconds()) < 1
    assert stage_codes(opp) == [(None, "prospecting"), ("prospecting", "needs")]
    entry = AuditEntry.objects.filter(object_id=str(opp.pk), action="update").get()
    assert entry.changes["stage"] == [stages.prospecting.pk, stages.needs.pk]


def test_stage_history_gives_the_time_spent_in_each_stage(people, make_opportunity, stages):
    opp = make_opportunity(people.rep)
    opp = services.move_stage(people.rep, opp, stages.needs, expected_version=1)
    opp = services.move_stage(people.rep, opp, stages.proposal, expected_version=2)
    StageChange.objects.filter(opportunity=opp, to_stage=stages.proposal).update(seconds_in_from=7200)
    Opportunity.objects.filter(pk=opp.pk).update(stage_entered_at=timezone.now() - dt.timedelta(hours=5))
    opp.refresh_from_db()
    history = services.stage_history(opp)
    assert [c.to_stage.code for c in history] == ["prospecting", "needs", "proposal"]
    assert history[1].seconds_in_to == 7200  # in "needs" until it left for "proposal"
    assert 5 * 3600 <= history[2].seconds_in_to <= 5 * 3600 + 5 and history[2].current  # still there


def test_lost_needs_a_reason_and_closes_reopening_clears_it(people, make_opportunity, stages, price, stage_codes):
    opp = make_opportunity(people.rep)
    with pytest.raises(ValidationError) as exc:
        services.move_stage(people.rep, opp, stages.lost, expected_version=1)
    assert exc.value.message_dict == {"lost_reason": ["Say why the opportunity was lost."]}
    opp.refresh_from_db()
    assert (opp.stage, opp.version, opp.stage_changes.count()) == (stages.prospecting, 1, 1)

    lost = services.move_stage(people.rep, opp, stages.lost, expected_version=1, lost_reason=price,
                               lost_note="对手便宜两成")
    assert (lost.lost_reason, lost.lost_note) == (price, "对手便宜两成")
    assert lost.closed_at is not None and lost.closed_at == lost.stage_entered_at

    reopened = services.move_stage(people.rep, lost, stages.negotiation, expected_version=2)
    assert (reopened.closed_at, reopened.lost_reason, reopened.lost_note) == (None, None, "")
    assert stage_codes(opp)[-2:] == [("prospecting", "lost"), ("lost", "negotiation")]


def test_a_retired_lost_reason_is_refused(people, make_opportunity, stages, price):
    LostReason.objects.filter(pk=price.pk).update(active=False)
    price.refresh_from_db()
    with pytest.raises(ValidationError):
        services.move_stage(people.rep, make_opportunity(people.rep), stages.lost, expected_version=1,
                            lost_reason=price)


def test_a_stage_of_another_pipeline_is_refused(people, make_opportunity):
    other = Pipeline.objects.create(label_en="Key accounts")
    foreign = PipelineStage.objects.create(pipeline=other, code="pitch", label_en="Pitch", probability=30)
    opp = make_opportunity(people.rep)
    with pytest.raises(ValidationError) as exc:
        services.move_stage(people.rep, opp, foreign, expected_version=1)
    assert "another pipeline" in str(exc.value)
    assert opp.stage_changes.count() == 1


def test_the_same_stage_is_no_move(people, make_opportunity, stages):
    opp = make_opportunity(people.rep)
    same = services.move_stage(people.rep, opp, stages.prospecting, expected_version=1)
    assert (same.version, opp.stage_changes.count()) == (1, 1)


def test_a_stale_move_is_refused_with_where_it_is_now(people, make_opportunity, stages, stage_codes):
    """Two reps load the board at version 1; the first drags to "needs", the second to "proposal"."""
    opp = make_opportunity(people.rep)
    services.move_stage(people.rep, opp, stages.needs, expected_version=1)
    with pytest.raises(services.StaleOpportunity) as exc:
        services.move_stage(people.mate, opp, stages.proposal, expected_version=1)
    assert str(exc.value) == ("“年度采购” was changed by someone else meanwhile, now at “Needs analysis”. "
                              "Reload and try again.")
    assert exc.value.current_version == 2
    assert stage_codes(opp) == [(None, "prospecting"), ("prospecting", "needs")]


def test_a_rep_without_the_change_permission_cannot_move(make_user, people, make_opportunity, stages):
    opp = make_opportunity(people.rep)
    with pytest.raises(PermissionDenied):
        services.move_stage(make_user("marketing"), opp, stages.needs, expected_version=1)


# --- winning --------------------------------------------------------------------------------------

def test_winning_creates_the_order_from_the_lines_with_matching_totals(people, make_customer, products, stages,
                                                                       stage_codes):
    customer = make_customer(people.rep, owner=people.rep)
    opp = services.create_opportunity(people.rep, customer=customer, name="开业", lines=[
        {"product": products.cooker, "quantity": 4, "discount": "96.00"},
        {"product": products.kettle, "quantity": 10, "unit_price": "110.00"}])
    assert opp.amount == Decimal("2600.00")  # 4 × 399 − 96 + 10 × 110
    won = services.win(people.rep, opp, expected_version=1, create_order=True)
    order = Order.objects.get(pk=won.order_id)
    assert (won.stage, won.version) == (stages.won, 3)  # the move, then the order link
    assert won.closed_at is not None
    assert (order.customer, order.channel, order.status) == (customer, "sales_rep", "pending")
    assert order.total == opp.amount == sum(line.amount for line in order.lines.all())
    assert sorted((ln.product_id, ln.quantity, ln.unit_price, ln.discount) for ln in order.lines.all()) == sorted([
        (products.cooker.pk, 4, Decimal("399.00"), Decimal("96.00")),
        (products.kettle.pk, 10, Decimal("110.00"), Decimal("0.00"))])
    assert stage_codes(opp)[-1] == ("prospecting", "won")
    # once is enough
    with pytest.raises(ValidationError):
        services.win(people.rep, won, expected_version=3, create_order=True)
    assert Order.objects.filter(customer=customer).count() == 1


def test_winning_without_lines_orders_the_amount(people, make_opportunity):
    won = services.win(people.rep, make_opportunity(people.rep, amount="8888.80"), expected_version=1,
                       create_order=True)
    order = Order.objects.get(pk=won.order_id)
    assert (order.total, order.lines.count()) == (Decimal("8888.80"), 0)


def test_an_order_needs_the_amount_to_be_the_lines_total(people, make_opportunity, products, stages):
    opp = make_opportunity(people.rep)
    opp = services.update_opportunity(people.rep, opp, expected_version=1, amount="5000",
                                      lines=[{"product": products.cooker, "quantity": 1}])
    with pytest.raises(ValidationError) as exc:
        services.win(people.rep, opp, expected_version=2, create_order=True)
    assert "is not the lines' total" in str(exc.value)
    opp.refresh_from_db()
    assert (opp.stage, opp.order_id, Order.objects.count()) == (stages.prospecting, None, 0)  # all rolled back


def test_a_prospects_won_order_makes_them_a_new_customer(people, make_customer):
    prospect = make_customer(people.rep, owner=people.rep)
    active = make_customer(people.rep, owner=people.rep, lifecycle_stage="active")
    assert prospect.lifecycle_stage == "prospect"
    for customer in (prospect, active):
        opp = services.create_opportunity(people.rep, customer=customer, name="首单", amount="1000")
        services.win(people.rep, opp, expected_version=1, create_order=True)
    prospect.refresh_from_db()
    active.refresh_from_db()
    assert (prospect.lifecycle_stage, prospect.version) == ("new", 2)
    assert active.lifecycle_stage == "active"  # only a prospect moves on
    entry = AuditEntry.objects.filter(object_type="customers.customer", object_id=str(prospect.pk),
                                      action="update").get()
    assert entry.changes == {"lifecycle_stage": ["prospect", "new"]}


def test_winning_without_an_order_leaves_the_prospect_a_prospect(people, make_customer):
    prospect = make_customer(people.rep, owner=people.rep)
    opp = services.create_opportunity(people.rep, customer=prospect, name="口头", amount="1000")
    services.win(people.rep, opp, expected_version=1)
    prospect.refresh_from_db()
    assert prospect.lifecycle_stage == "prospect"


def test_winning_without_an_order(people, make_opportunity, stages):
    won = services.win(people.rep, make_opportunity(people.rep), expected_version=1)
    assert (won.stage, won.order_id, Order.objects.count()) == (stages.won, None, 0)


# --- demo data ------------------------------------------------------------------------------------

def test_demo_opportunities_cover_the_pipeline_with_consistent_histories(people, make_customer, products, stages):
    from kehu.sales.demo import seed_opportunities

    for owner in (people.rep, people.mate):
        for _ in range(3):
            make_customer(owner, owner=owner)
    assert seed_opportunities(40, seed=7) == 40
    assert seed_opportunities(40, seed=7) == 0  # only once
    opps = list(Opportunity.objects.select_related("stage"))
    assert {o.stage.code for o in opps} == {"prospecting", "needs", "proposal", "negotiation", "won", "lost"}
    # each sales rep works opportunities, on their own customers when they have some
    assert {o.owner_id for o in opps} == {people.rep.pk, people.mate.pk, people.stranger.pk}
    assert all(o.customer.owner_id == o.owner_id for o in opps if o.owner_id != people.stranger.pk)
    for o in opps:
        changes = list(o.stage_changes.order_by("at", "pk"))
        assert changes[-1].to_stage_id == o.stage_id and changes[0].from_stage_id is None
        assert changes[-1].at == o.stage_entered_at and changes[0].at == o.created_at
        for before, after in zip(changes, changes[1:], strict=False):
            assert after.from_stage_id == before.to_stage_id
            assert after.seconds_in_from == int((after.at - before.at).total_seconds()) > 0
        assert (o.closed_at is not None) == (o.stage.kind != PipelineStage.Kind.OPEN)
        assert (o.lost_reason_id is not None) == (o.stage.kind == PipelineStage.Kind.LOST)
        if o.order_id:
            assert Order.objects.get(pk=o.order_id).total == o.amount
    assert any(o.order_id for o in opps) and any(o.competitors.exists() for o in opps)
