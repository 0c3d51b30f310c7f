"""Referral pages and API: who may open them, what a rep sees of a chain, query counts that do not
grow with the chain, user text escaped."""

import pytest
from django.db import connection
from django.test import Client

from kehu.sales.models import Lead
from tests.sales.conftest_insight import chain, clv, customers, lead, link, orders

pytestmark = pytest.mark.django_db


def _client(user):
    client = Client()
    client.force_login(user)
    return client


def test_the_leaders_page_ranks_introducers(admin):
    intro, kid = customers(2, prefix="介绍")
    link(kid, intro)
    orders([(kid, 88)])
    page = _client(admin).get("/sales/referrals/?days=30&sort=revenue")
    assert page.status_code == 200
    html = page.content.decode()
    assert f'href="/sales/referrals/{intro.pk}/"' in html and "介绍0" in html
    assert "Referral chains against the other sources" in html


def test_who_may_open_the_referral_pages(make_user, rep):
    (mine,) = customers(1, owner=rep)
    assert _client(rep).get("/sales/referrals/").status_code == 200
    assert _client(rep).get(f"/sales/referrals/{mine.pk}/").status_code == 200
    agent = make_user("service")  # sees every customer, but works no leads
    assert _client(agent).get("/sales/referrals/").status_code == 403
    assert _client(agent).get(f"/sales/referrals/{mine.pk}/").status_code == 403
    assert Client().get("/sales/referrals/").status_code == 302  # to the login page


def test_a_reps_tree_page_hides_other_reps_customers(make_user, team, other_team):
    rep_a, rep_b = make_user("sales", team=team), make_user("sales", team=other_team)
    (root,) = customers(1, owner=rep_a, prefix="甲根")
    (secret,) = customers(1, owner=rep_b, prefix="乙的秘密客户")
    link(secret, root)
    orders([(secret, 12345)])
    html = _client(rep_a).get(f"/sales/referrals/{root.pk}/").content.decode()
    assert "乙的秘密客户" not in html and "12,345" not in html and f"/customers/{secret.pk}/" not in html
    assert "a customer you cannot see" in html
    assert _client(rep_b).get(f"/sales/referrals/{root.pk}/").status_code == 404


def test_the_tree_page_shows_the_chain_and_open_leads_with_names_escaped(admin):
    people = chain(3, prefix="<script>alert(1)</script>")
    orders([(people[1], 100)])
    clv([(people[2], 40)])
    lead("<img src=x onerror=alert(2)>", referrer=people[1], source_code="referral")
    lead("已转化", referrer=people[1], source_code="referral", status=Lead.Status.CONVERTED)
    html = _client(admin).get(f"/sales/referrals/{people[0].pk}/").content.decode()
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<img src=x" not in html and "&lt;img src=x onerror=alert(2)&gt;" in html
    assert "已转化" not in html  # converted leads are customers now
    assert html.count('href="/customers/') >= 4  # the root and its three descendants


def test_the_tree_page_costs_the_same_for_a_long_chain(admin, django_assert_max_num_queries):
    short, long = chain(3), chain(300)
    client = _client(admin)

    def load(root):
        return client.get(f"/sales/referrals/{root.pk}/")

    load(short[0])  # warm the session and permission caches
    with django_assert_max_num_queries(8 if connection.vendor == "sqlite" else 11) as short_queries:
        assert load(short[0]).status_code == 200
    with django_assert_max_num_queries(len(short_queries.captured_queries)):
        assert load(long[0]).status_code == 200


def test_the_api_tree(admin, api, make_user, team, other_team):
    rep_a, rep_b = make_user("sales", team=team), make_user("sales", team=other_team)
    (root,) = customers(1, owner=rep_a)
    (hidden,) = customers(1, owner=rep_b, prefix="隐藏")
    (leaf,) = customers(1, owner=rep_a)
    link(hidden, root)
    link(leaf, hidden)
    orders([(leaf, 10), (hidden, 999)])
    response = api(rep_a).get(f"/api/v1/referrals/{root.pk}/tree/")
    assert response.status_code == 200
    data = response.json()
    assert (data["customers"], data["hidden"], data["revenue"], data["depth"]) == (1, 1, "10.00", 2)
    middle = data["tree"]["children"][0]
    assert middle == {"visible": False, "depth": 1, "referred": 1, "more_below": False,
                      "children": [middle["children"][0]]}
    assert middle["children"][0]["id"] == leaf.pk and "隐藏" not in response.content.decode()
    assert api(rep_b).get(f"/api/v1/referrals/{root.pk}/tree/").status_code == 404
    assert api(admin).get(f"/api/v1/referrals/{root.pk}/tree/?depth=1").json()["tree"]["children"][0]["children"] == []
    assert api(make_user("service")).get(f"/api/v1/referrals/{root.pk}/tree/").status_code == 403
