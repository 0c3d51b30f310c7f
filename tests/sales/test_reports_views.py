"""The sales dashboard page and its API: permission, each role's numbers, the period filter."""

import pytest
from django.test import Client

from kehu.sales import pipeline as deals
from tests.sales.test_reports import office  # noqa: F401  (the fixture)

pytestmark = pytest.mark.django_db


def _client(user):
    client = Client()
    client.force_login(user)
    return client


def test_the_page_for_each_role(office, admin, make_user):  # noqa: F811
    rep_page = _client(office.a).get("/sales/dashboard/")
    assert rep_page.status_code == 200
    html = rep_page.content.decode()
    assert 'data-testid="won">1<' in html and 'data-testid="lost">1<' in html
    assert 'id="funnel-chart"' in html and 'id="funnel-table"' in html and "Price" in html
    assert "No budget" not in html  # B's lost reason is not A's business
    admin_html = _client(admin).get("/sales/dashboard/?days=30").content.decode()
    assert 'data-testid="lost">2<' in admin_html and "No budget" in admin_html
    assert _client(make_user("service")).get("/sales/dashboard/").status_code == 403
    assert _client(make_user("marketing")).get("/sales/dashboard/").status_code == 403


def test_the_api_gives_numbers_per_role(office, api, admin, make_user):  # noqa: F811
    mine = api(office.a).get("/api/v1/sales-dashboard/")
    assert mine.status_code == 200
    data = mine.json()
    assert data["won_lost"]["won"] == 1 and data["won_lost"]["won_amount"] == 1000.0
    assert data["pipeline_by_owner"]["weighted"] == 500.0 and data["period"]["days"] == 90
    assert [r["reached"] for r in data["funnel"]] == [3, 2, 1, 1, 1]
    everything = api(admin).get("/api/v1/sales-dashboard/?from=2020-01-01&to=2020-12-31").json()
    assert everything["period"] == {"from": "2020-01-01", "to": "2020-12-31", "days": None}
    assert everything["won_lost"]["won"] == 0 and everything["pipeline_by_owner"]["n"] == 2
    assert api(make_user("service")).get("/api/v1/sales-dashboard/").status_code == 403


def test_the_page_escapes_names(admin, make_customer):
    rep_customer = make_customer(admin)
    deals.create_opportunity(admin, customer=rep_customer, name="<i>斜</i>", amount="10")  # open: its owner is listed
    admin.first_name = "<b>粗</b>"
    admin.save()
    html = _client(admin).get("/sales/dashboard/").content.decode()
    main = html.split('<main id="main"', 1)[1]
    assert "<b>粗</b>" not in main and "&lt;b&gt;粗&lt;/b&gt;" in main
