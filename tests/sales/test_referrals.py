"""The referral graph: a customer's tree and its values on deep and wide chains, cycles, the depth
bound, visibility per role, the best introducers and referral chains against other sources."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.http import Http404
from django.utils import timezone

from kehu.customers.models import CustomerShare
from kehu.orders.models import Order
from kehu.sales import referrals
from kehu.sales.models import Lead
from tests.sales.conftest_insight import chain, clv, customers, lead, link, order, orders

pytestmark = pytest.mark.django_db

D = Decimal


def test_a_deep_chain_counts_every_level_in_a_bounded_number_of_queries(admin, django_assert_max_num_queries):
    """Given a chain 400 deep where each member bought 10 yuan (plus a cancelled and a refunded order
    that do not count) and has CLV 2, when the root's tree is read, then the chain holds 400
    customers 400 levels deep, revenue 4,000 and CLV 800, and the page shows only 6 levels."""
    people = chain(400)
    orders([(c, 10) for c in people])
    order(people[5], 999, status=Order.Status.CANCELLED)
    order(people[6], 999, status=Order.Status.REFUNDED)
    clv([(c, 2) for c in people])
    lead("开放的线索", referrer=people[200], source_code="referral")
    lead("已转化", referrer=people[200], source_code="referral", status=Lead.Status.CONVERTED)

    # the root's access check + one statement (on PostgreSQL inside a savepoint that turns JIT off)
    with django_assert_max_num_queries(2 if connection.vendor == "sqlite" else 5):
        tree = referrals.referral_tree(admin, people[0].pk)

    assert (tree.customers, tree.hidden, tree.depth) == (400, 0, 400)
    assert tree.revenue == D("4000.00") and tree.clv == D("800.00")
    assert tree.open_leads == 1  # the converted lead is a customer now, not an open lead
    assert tree.root.revenue == D("10.00") and tree.root.clv == D("2.00") and tree.root.referred == 1
    assert tree.shown == referrals.DISPLAY_DEPTH + 1 and tree.truncated
    node, levels = tree.root, 0
    while node.children:
        (node,) = node.children
        levels += 1
    assert levels == referrals.DISPLAY_DEPTH and node.more_below
    assert node.id == people[referrals.DISPLAY_DEPTH].pk


def test_the_tree_of_a_member_starts_at_that_member(admin):
    people = chain(10)
    orders([(c, 1) for c in people])
    tree = referrals.referral_tree(admin, people[4].pk)
    assert (tree.customers, tree.depth, tree.revenue) == (6, 6, D("6.00"))
    assert [a["id"] for a in referrals.ancestors(admin, people[4].pk)] == [people[3].pk, people[2].pk,
                                                                           people[1].pk, people[0].pk]


def test_a_wide_tree_lists_children_under_their_parent(admin):
    """Root → 3 children → 2 grandchildren each: 9 customers, depth 2."""
    (root,) = customers(1, prefix="根")
    kids = customers(3, prefix="子")
    grandkids = customers(6, prefix="孙")
    for k in kids:
        link(k, root)
    for i, g in enumerate(grandkids):
        link(g, kids[i // 2])
    orders([(g, 100) for g in grandkids] + [(kids[0], 50)])
    clv([(kids[1], 7)])
    tree = referrals.referral_tree(admin, root.pk)
    assert (tree.customers, tree.depth, tree.revenue, tree.clv) == (9, 2, D("650.00"), D("7.00"))
    assert [c.id for c in tree.root.children] == [k.pk for k in kids]
    assert [[g.id for g in c.children] for c in tree.root.children] == [
        [grandkids[0].pk, grandkids[1].pk], [grandkids[2].pk, grandkids[3].pk], [grandkids[4].pk, grandkids[5].pk]]
    assert tree.root.referred == 3 and tree.root.children[0].referred == 2
    assert tree.root.children[0].revenue == D("50.00") and tree.root.children[1].clv == D("7.00")
    assert tree.root.children[0].clv is None  # no score yet
    assert not tree.truncated


def test_the_depth_bound_stops_the_walk(admin):
    people = chain(30)
    tree = referrals.referral_tree(admin, people[0].pk, max_depth=10)
    assert (tree.customers, tree.depth) == (10, 10)


def test_a_loop_in_the_data_ends_the_walk_and_would_cycle_sees_it(admin):
    """A loop written around the services (A → B → C → A) must not hang the queries."""
    a, b, c = customers(3)
    link(b, a)
    link(c, b)
    link(a, c)
    tree = referrals.referral_tree(admin, a.pk)
    assert (tree.customers, tree.depth) == (2, 2)
    assert [x["id"] for x in referrals.ancestors(admin, a.pk)] == [c.pk, b.pk]
    d, = customers(1)
    assert referrals.would_cycle(a.pk, a.pk)
    assert referrals.would_cycle(a.pk, c.pk)  # c is below a already
    assert not referrals.would_cycle(d.pk, a.pk)  # a loop elsewhere does not hang the check
    assert not referrals.would_cycle(a.pk, None)


def test_would_cycle_on_a_plain_chain():
    people = chain(50)
    root, leaf = people[0], people[-1]
    assert referrals.would_cycle(root.pk, leaf.pk)  # the root referred by its own descendant
    assert referrals.would_cycle(people[10].pk, people[11].pk)
    assert not referrals.would_cycle(leaf.pk, root.pk)  # already so, through the chain: no loop
    (stranger,) = customers(1)
    assert not referrals.would_cycle(stranger.pk, leaf.pk)
    assert not referrals.would_cycle(root.pk, stranger.pk)


def test_merged_customers_leave_the_tree(admin):
    people = chain(3)
    from kehu.customers.models import Customer

    Customer.objects.filter(pk=people[2].pk).update(merged_into=people[0])
    tree = referrals.referral_tree(admin, people[0].pk)
    assert (tree.customers, tree.depth) == (1, 1)


def test_a_rep_sees_their_customers_and_placeholders_for_the_others(make_user, team, other_team):
    """Rep A's customer referred rep B's customer, who referred another of A's. A sees the chain's
    shape, but B's customer is a nameless placeholder and its values are not counted."""
    rep_a, rep_b = make_user("sales", team=team), make_user("sales", team=other_team)
    (root,) = customers(1, owner=rep_a, prefix="甲")
    (middle,) = customers(1, owner=rep_b, prefix="乙")
    (leaf,) = customers(1, owner=rep_a, prefix="丙")
    link(middle, root)
    link(leaf, middle)
    orders([(root, 1), (middle, 1000), (leaf, 10)])
    lead("乙的线索", referrer=middle, owner=rep_b, source_code="referral")
    lead("甲的线索", referrer=leaf, owner=rep_a, source_code="referral")

    tree = referrals.referral_tree(rep_a, root.pk)
    assert (tree.customers, tree.hidden, tree.revenue, tree.open_leads) == (1, 1, D("10.00"), 1)
    (hidden,) = tree.root.children
    assert not hidden.visible and hidden.id is None and hidden.name == "" and hidden.revenue == 0
    assert hidden.children[0].id == leaf.pk and hidden.children[0].visible
    data = tree.as_dict()
    assert "乙" not in str(data) and "id" not in data["tree"]["children"][0]
    with pytest.raises(Http404):
        referrals.referral_tree(rep_b, root.pk)  # not theirs: the same 404 as a missing customer
    CustomerShare.objects.create(customer=root, team=other_team)
    assert referrals.referral_tree(rep_b, root.pk).customers == 1  # shared: B sees root and middle


def test_a_manager_sees_their_teams_chains(make_user, team, other_team):
    manager = make_user("manager", team=team, is_manager=True)
    rep, outsider = make_user("sales", team=team), make_user("sales", team=other_team)
    (root,) = customers(1, owner=rep)
    (mine,) = customers(1, owner=rep)
    (theirs,) = customers(1, owner=outsider)
    link(mine, root)
    link(theirs, root)
    orders([(mine, 5), (theirs, 7)])
    tree = referrals.referral_tree(manager, root.pk)
    assert (tree.customers, tree.hidden, tree.revenue) == (1, 1, D("5.00"))


def _period():
    now = timezone.now()
    return now - dt.timedelta(days=90), now + dt.timedelta(minutes=1)


def test_the_best_introducers_of_a_period(admin):
    """A referred 3 customers in the period (one of whom referred 2 more); B referred 1 who
    bought a lot; C's referral joined long ago and bought nothing in the period."""
    since, until = _period()
    old = timezone.now() - dt.timedelta(days=400)
    a, b, c = customers(3, prefix="介绍人")
    a_kids = customers(3, prefix="甲介绍")
    a_grandkids = customers(2, prefix="甲再介绍")
    (b_kid,) = customers(1, prefix="乙介绍")
    (c_kid,) = customers(1, prefix="丙介绍", created_at=old)
    for k in a_kids:
        link(k, a)
    for g in a_grandkids:
        link(g, a_kids[0])
    link(b_kid, b)
    link(c_kid, c)
    orders([(a_kids[0], 100), (a_grandkids[0], 50), (b_kid, 1000)])
    order(c_kid, 500, at=old)
    clv([(a_kids[1], 30), (b_kid, 10), (c_kid, 99)])

    rows = referrals.top_introducers(admin, since=since, until=until)
    by_id = {r["id"]: r for r in rows}
    assert [r["id"] for r in rows] == [a.pk, a_kids[0].pk, b.pk]
    assert by_id[a.pk] == {**by_id[a.pk], "referred": 3, "chain_new": 5, "chain_size": 5,
                           "chain_revenue": D("150.00"), "chain_clv": D("30.00")}
    assert by_id[a_kids[0].pk]["referred"] == 2 and by_id[a_kids[0].pk]["chain_revenue"] == D("50.00")
    assert by_id[b.pk]["chain_revenue"] == D("1000.00")
    assert c.pk not in by_id  # nothing new and no revenue in the period
    by_revenue = referrals.top_introducers(admin, since=since, until=until, sort="revenue")
    assert by_revenue[0]["id"] == b.pk
    assert referrals.top_introducers(admin, since=since, until=until, sort="clv")[0]["id"] == a.pk
    everything = referrals.top_introducers(admin, since=old - dt.timedelta(days=1), until=until)
    assert {r["id"] for r in everything} >= {a.pk, b.pk, c.pk}


def test_introducers_count_only_what_the_user_sees(make_user, team, other_team):
    since, until = _period()
    rep_a, rep_b = make_user("sales", team=team), make_user("sales", team=other_team)
    (intro,) = customers(1, owner=rep_a)
    kid_a, = customers(1, owner=rep_a)
    kid_b, = customers(1, owner=rep_b)
    link(kid_a, intro)
    link(kid_b, intro)
    orders([(kid_a, 10), (kid_b, 90)])
    (row,) = referrals.top_introducers(rep_a, since=since, until=until)
    assert (row["id"], row["referred"], row["chain_revenue"]) == (intro.pk, 1, D("10.00"))
    assert referrals.top_introducers(rep_b, since=since, until=until) == []  # B can't see the introducer


def test_leader_depth_limits_the_credit(admin):
    since, until = _period()
    people = chain(8)
    orders([(people[-1], 100)])
    rows = {r["id"]: r for r in referrals.top_introducers(admin, since=since, until=until, depth=3, limit=50)}
    assert rows[people[5].pk]["chain_revenue"] == D("100.00")  # 3 levels above the buyer
    assert rows[people[4].pk]["chain_revenue"] == D("0.00")  # 4 levels above: not credited
    assert rows[people[4].pk]["chain_size"] == 3


def test_referral_chains_against_other_sources(admin, make_user, team):
    """Referral leads convert 2 of 3, online leads 1 of 4; referred customers bought more."""
    since, until = _period()
    for status in ("converted", "converted", "new"):
        lead(source_code="referral", status=status)
    for status in ("converted", "disqualified", "new", "new"):
        lead(source_code="online", status=status)
    lead(source_code="online", created_at=timezone.now() - dt.timedelta(days=200))  # before the period
    ref = customers(2, acquisition_source="referral")
    online = customers(3, acquisition_source="online")
    orders([(ref[0], 300), (ref[1], 100), (online[0], 60)])
    order(online[1], 1000, status=Order.Status.REFUNDED)
    clv([(ref[0], 40), (online[2], 30)])

    result = referrals.source_comparison(admin, since=since, until=until)
    leads = {r["code"]: r for r in result["leads"]}
    assert (leads["referral"]["leads"], leads["referral"]["converted"], leads["referral"]["conversion"]) == (3, 2, 66.7)
    assert (leads["online"]["leads"], leads["online"]["converted"], leads["online"]["conversion"]) == (4, 1, 25.0)
    custs = {r["code"]: r for r in result["customers"]}
    assert custs["referral"]["revenue_per_customer"] == D("200.00") and custs["referral"]["clv_per_customer"] == D("20.00")
    assert custs["online"]["revenue_per_customer"] == D("20.00") and custs["online"]["clv_per_customer"] == D("10.00")
    assert result["groups"]["referral"]["conversion"] == 66.7 and result["groups"]["other"]["conversion"] == 25.0
    assert result["groups"]["referral"]["revenue_per_customer"] == D("200.00")
    rep = make_user("sales", team=team)
    empty = referrals.source_comparison(rep, since=since, until=until)
    assert empty["leads"] == [] and empty["customers"] == []
