"""Pipeline pages and API: who sees which opportunity (rep, manager, another team: 404), the board
(columns' counts and sums, the cap per column, a bounded number of queries), moves by drag (fetch)
and by the keyboard form (with and without JS), the list's filters, the forms, winning, the API
(CRUD, move with 409 on a stale version, pipelines), user text escaped."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from kehu.orders.models import Order
from kehu.sales import pipeline as services
from kehu.sales.models import Competitor, Opportunity, OpportunityLine, PipelineStage, StageChange

pytestmark = pytest.mark.django_db
XSS = '<script>window.pwned=1</script><img src=x onerror="window.pwned=2">'
HX = {"HTTP_HX_REQUEST": "true"}


def _api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def _bulk(owner, customer, stage, n, *, amount="100.00", team=None):
    """``n`` plain opportunity rows (a board or list test needs many, not their history)."""
    now = timezone.now()
    Opportunity.objects.bulk_create([
        Opportunity(name=f"批量{i}", customer=customer, pipeline=stage.pipeline, stage=stage, amount=Decimal(amount),
                    owner=owner, team=team, stage_entered_at=now, expected_close=dt.date(2026, 12, 1 + i % 28),
                    closed_at=now if stage.kind != "open" else None) for i in range(n)])


# --- who sees what -------------------------------------------------------------------------------

def test_visibility_per_role(people, make_opportunity, admin, client_for):
    mine = make_opportunity(people.rep, name="我的")
    mates = make_opportunity(people.mate, name="同事的")
    theirs = make_opportunity(people.stranger, name="别组的")
    rep, manager, stranger = client_for(people.rep), client_for(people.manager), client_for(people.stranger)
    assert rep.get(f"/sales/opportunities/{mine.pk}/").status_code == 200
    assert rep.get(f"/sales/opportunities/{mates.pk}/").status_code == 404  # a teammate's: not shared
    assert manager.get(f"/sales/opportunities/{mates.pk}/").status_code == 200  # their manager: yes
    assert manager.get(f"/sales/opportunities/{theirs.pk}/").status_code == 404  # another team: invisible
    for url in (f"/sales/opportunities/{mine.pk}/", f"/sales/opportunities/{mine.pk}/edit/",
                f"/sales/opportunities/{mine.pk}/move/"):
        assert stranger.get(url).status_code == 404
    assert stranger.post(f"/sales/opportunities/{mine.pk}/move/", {"to_stage": mine.stage_id + 1,
                                                                   "version": 1}).status_code == 404
    assert stranger.post(f"/sales/opportunities/{mine.pk}/win/", {"version": 1}).status_code == 404
    mine.refresh_from_db()
    assert (mine.version, mine.stage.code) == (1, "prospecting")  # nothing changed
    board = rep.get("/sales/pipeline/")
    assert [c.name for col in board.context["columns"] for c in col["cards"]] == ["我的"]
    assert {c.name for col in manager.get("/sales/pipeline/").context["columns"] for c in col["cards"]} == {
        "我的", "同事的"}
    assert len(client_for(admin).get("/sales/opportunities/").context["opportunities"]) == 3
    # the API: the same scope
    assert [o["name"] for o in _api(people.rep).get("/api/v1/opportunities/").json()["results"]] == ["我的"]
    assert _api(people.rep).get(f"/api/v1/opportunities/{theirs.pk}/").status_code == 404
    assert _api(people.stranger).post(f"/api/v1/opportunities/{mine.pk}/move/", {
        "to_stage": mine.stage_id, "version": 1}, format="json").status_code == 404


def test_a_marketer_has_no_pipeline(make_user, client_for):
    marketer = client_for(make_user("marketing"))
    for url in ("/sales/pipeline/", "/sales/opportunities/", "/sales/forecast/", "/sales/opportunities/new/"):
        assert marketer.get(url).status_code == 403


# --- the board --------------------------------------------------------------------------------------

def test_the_board_counts_sums_and_caps_its_columns(people, make_customer, stages, django_assert_max_num_queries,
                                                    client_for):
    customer = make_customer(people.rep, owner=people.rep)
    _bulk(people.rep, customer, stages.prospecting, 60, amount="100.50")
    _bulk(people.rep, customer, stages.proposal, 3, amount="1000.00")
    _bulk(people.mate, customer, stages.proposal, 2, amount="7.00")  # the manager sees these too
    client = client_for(people.rep)
    with django_assert_max_num_queries(14):
        response = client.get("/sales/pipeline/")
    columns = {col["stage"].code: col for col in response.context["columns"]}
    assert list(columns) == ["prospecting", "needs", "proposal", "negotiation", "won", "lost"]
    assert (columns["prospecting"]["count"], columns["prospecting"]["sum"]) == (60, Decimal("6030.00"))
    assert len(columns["prospecting"]["cards"]) == 50 and columns["prospecting"]["more"] == 10
    assert (columns["proposal"]["count"], columns["proposal"]["sum"], columns["needs"]["count"]) == (
        3, Decimal("3000.00"), 0)
    html = response.content.decode()
    assert "10 more in the list" in html
    assert f"/sales/opportunities/?pipeline={stages.pipeline.pk}&amp;stage={stages.prospecting.pk}" in html
    # cards soonest-closing first
    closes = [c.expected_close for c in columns["prospecting"]["cards"]]
    assert closes == sorted(closes)
    manager = client_for(people.manager).get("/sales/pipeline/")
    assert {c["stage"].code: c["count"] for c in manager.context["columns"]}["proposal"] == 5
    mine = client_for(people.manager).get("/sales/pipeline/?mine=1")
    assert sum(c["count"] for c in mine.context["columns"]) == 0


def test_the_board_query_count_does_not_grow_with_the_opportunities(people, make_customer, stages,
                                                                  django_assert_max_num_queries, client_for):
    customer = make_customer(people.rep, owner=people.rep)
    client = client_for(people.manager)
    _bulk(people.rep, customer, stages.needs, 5)
    with django_assert_max_num_queries(14) as few:
        client.get("/sales/pipeline/")
    for stage in (stages.prospecting, stages.needs, stages.negotiation, stages.won, stages.lost):
        _bulk(people.mate, customer, stage, 300)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get("/sales/pipeline/")
    assert sum(col["count"] for col in response.context["columns"]) == 1505
    assert sum(len(col["cards"]) for col in response.context["columns"]) == 250


def test_a_drag_moves_and_a_stale_drag_gets_409(people, make_opportunity, stages, client_for, stage_codes):
    opp = make_opportunity(people.rep, name=XSS)
    rep = client_for(people.rep)
    moved = rep.post(f"/sales/opportunities/{opp.pk}/move/", {"to_stage": stages.needs.pk, "version": 1,
                                                               "next": "/sales/pipeline/"}, **HX)
    assert moved.status_code == 200
    html = moved.content.decode()
    assert f'id="opp-{opp.pk}"' in html and 'data-version="2"' in html and f'data-stage="{stages.needs.pk}"' in html
    assert "<script>window.pwned" not in html and "&lt;script&gt;" in html
    # a second board still showing version 1
    stale = client_for(people.manager).post(f"/sales/opportunities/{opp.pk}/move/",
                                            {"to_stage": stages.proposal.pk, "version": 1}, **HX)
    assert stale.status_code == 409
    assert "changed by someone else meanwhile, now at “Needs analysis”" in stale.content.decode()
    assert stage_codes(opp) == [(None, "prospecting"), ("prospecting", "needs")]


def test_a_drop_on_lost_needs_the_reason(people, make_opportunity, stages, price, client_for):
    opp = make_opportunity(people.rep)
    rep = client_for(people.rep)
    refused = rep.post(f"/sales/opportunities/{opp.pk}/move/", {"to_stage": stages.lost.pk, "version": 1,
                                                                "lost_reason": ""}, **HX)
    assert (refused.status_code, refused.content.decode()) == (400, "Say why the opportunity was lost.")
    lost = rep.post(f"/sales/opportunities/{opp.pk}/move/", {"to_stage": stages.lost.pk, "version": 1,
                                                             "lost_reason": price.pk, "lost_note": "贵"}, **HX)
    assert lost.status_code == 200
    opp.refresh_from_db()
    assert (opp.stage, opp.lost_reason, opp.lost_note) == (stages.lost, price, "贵")


def test_the_keyboard_form_works_without_js_and_asks_for_the_lost_reason(people, make_opportunity, stages, price,
                                                                         client_for):
    opp = make_opportunity(people.rep)
    rep = client_for(people.rep)
    moved = rep.post(f"/sales/opportunities/{opp.pk}/move/", {"to_stage": stages.needs.pk, "version": 1,
                                                              "next": "/sales/pipeline/?mine=1"})
    assert (moved.status_code, moved.url) == (302, "/sales/pipeline/?mine=1")
    # lost without a reason: the move page asks for it, the stage chosen
    asked = rep.post(f"/sales/opportunities/{opp.pk}/move/", {"to_stage": stages.lost.pk, "version": 2,
                                                              "next": "/sales/pipeline/"})
    assert asked.status_code == 302 and asked.url.startswith(f"/sales/opportunities/{opp.pk}/move/?")
    page = rep.get(asked.url)
    assert page.status_code == 200 and "Say why the opportunity was lost." in page.content.decode()
    assert page.context["form"]["to_stage"].value() == stages.lost.pk
    done = rep.post(f"/sales/opportunities/{opp.pk}/move/", {"to_stage": stages.lost.pk, "version": 2,
                                                             "lost_reason": price.pk, "next": "/sales/pipeline/"})
    assert done.url == "/sales/pipeline/"
    opp.refresh_from_db()
    assert opp.stage == stages.lost
    # "next" never leaves the site
    evil = rep.post(f"/sales/opportunities/{opp.pk}/move/", {"to_stage": stages.needs.pk, "version": 3,
                                                             "next": "https://evil.example/"})
    assert evil.url == f"/sales/opportunities/{opp.pk}/"


# --- list, detail, forms ------------------------------------------------------------------------

def test_the_list_filters_sorts_and_pages(people, make_customer, make_opportunity, stages,
                                          django_assert_max_num_queries, client_for):
    customer = make_customer(people.rep, owner=people.rep)
    other = make_customer(people.rep, owner=people.rep)
    _bulk(people.rep, customer, stages.prospecting, 55)
    big = make_opportunity(people.rep, customer=other, name="大单", amount="99999.00", stage=stages.proposal,
                           expected_close=dt.date(2027, 3, 1))
    make_opportunity(people.mate, name="同事", stage=stages.proposal)
    manager = client_for(people.manager)
    with django_assert_max_num_queries(14):
        first = manager.get("/sales/opportunities/")
    assert len(first.context["opportunities"]) == 50 and first.context["has_next"]
    assert len(manager.get("/sales/opportunities/?page=2").context["opportunities"]) == 7
    names = lambda r: [o.name for o in r.context["opportunities"]]  # noqa: E731
    assert names(manager.get(f"/sales/opportunities/?stage={stages.proposal.pk}&sort=-amount")) == ["大单", "同事"]
    assert names(manager.get(f"/sales/opportunities/?owner={people.mate.pk}")) == ["同事"]
    assert names(manager.get(f"/sales/opportunities/?customer={other.pk}")) == ["大单"]
    assert names(manager.get("/sales/opportunities/?close_from=2027-01-01&close_to=2027-12-31")) == ["大单"]
    assert len(names(client_for(people.rep).get("/sales/opportunities/?owner=me"))) == 50
    assert big.pk in [o.pk for o in manager.get("/sales/opportunities/?status=open&q=大").context["opportunities"]]


def test_the_detail_page_shows_lines_history_and_is_escaped(people, make_customer, products, stages, price,
                                                            client_for):
    customer = make_customer(people.rep, owner=people.rep)
    opp = services.create_opportunity(people.rep, customer=customer, name=XSS, description=XSS,
                                      lines=[{"product": products.kettle, "quantity": 2}])
    services.update_opportunity(people.rep, opp, expected_version=1,
                                competitors=[Competitor.objects.create(name="九阳" + XSS)])
    services.move_stage(people.rep, opp, stages.lost, expected_version=2, lost_reason=price, lost_note=XSS)
    response = client_for(people.rep).get(f"/sales/opportunities/{opp.pk}/")
    html = response.content.decode()
    assert "<script>window.pwned" not in html and 'onerror="window' not in html
    assert html.count("&lt;script&gt;window.pwned=1&lt;/script&gt;") >= 4  # name ×2, note, competitor, description
    assert "KT-02 电水壶" in html and "Price" in html
    assert [c.to_stage.code for c in response.context["history"]] == ["prospecting", "lost"]
    assert response.context["lines_total"] == Decimal("259.80")


def test_new_opportunity_for_a_customer_with_lines_and_a_new_competitor(people, make_customer, products, stages,
                                                                        client_for):
    customer = make_customer(people.rep, owner=people.rep, family_name="周", given_name="杰")
    rep = client_for(people.rep)
    picker = rep.get("/sales/opportunities/new/?q=周杰")
    assert [c.pk for c in picker.context["found"]] == [customer.pk]
    assert rep.get(f"/sales/opportunities/new/?customer={customer.pk}").status_code == 200
    stranger_customer = make_customer(people.stranger, owner=people.stranger)
    assert rep.get(f"/sales/opportunities/new/?customer={stranger_customer.pk}").status_code == 404
    data = {"customer": customer.pk, "name": "门店升级", "pipeline": stages.pipeline.pk, "amount": "",
            "expected_close": "2027-01-31", "owner": people.rep.pk, "new_competitor": "格力", "description": "",
            "lines-TOTAL_FORMS": "2", "lines-INITIAL_FORMS": "0", "lines-MIN_NUM_FORMS": "0",
            "lines-MAX_NUM_FORMS": "100", "lines-0-product": products.cooker.pk, "lines-0-quantity": "2",
            "lines-0-unit_price": "", "lines-0-discount": "", "lines-1-product": "", "lines-1-quantity": "",
            "lines-1-unit_price": "", "lines-1-discount": ""}
    response = rep.post("/sales/opportunities/new/", data)
    opp = Opportunity.objects.get(name="门店升级")
    assert response.url == f"/sales/opportunities/{opp.pk}/"
    assert (opp.customer, opp.amount, opp.owner, opp.expected_close) == (customer, Decimal("798.00"), people.rep,
                                                                         dt.date(2027, 1, 31))
    assert [c.name for c in opp.competitors.all()] == ["格力"]
    # an owner from another team is not a choice
    bad = rep.post("/sales/opportunities/new/", {**data, "name": "不行", "owner": people.stranger.pk})
    assert bad.status_code == 200 and "owner" in bad.context["form"].errors
    assert not Opportunity.objects.filter(name="不行").exists()


def test_editing_refuses_a_stale_version(people, make_opportunity, products, stages, client_for):
    opp = make_opportunity(people.rep, amount="100.00")
    rep = client_for(people.rep)
    page = rep.get(f"/sales/opportunities/{opp.pk}/edit/")
    assert page.status_code == 200 and page.context["form"]["version"].value() == 1
    services.move_stage(people.manager, opp, stages.needs, expected_version=1)  # meanwhile
    data = {"name": "改名", "amount": "200", "expected_close": "", "owner": people.rep.pk, "description": "",
            "version": "1", "lines-TOTAL_FORMS": "0", "lines-INITIAL_FORMS": "0", "lines-MIN_NUM_FORMS": "0",
            "lines-MAX_NUM_FORMS": "100"}
    response = rep.post(f"/sales/opportunities/{opp.pk}/edit/", data)
    assert response.status_code == 200
    assert "changed by someone else meanwhile" in " ".join(response.context["form"].non_field_errors())
    opp.refresh_from_db()
    assert (opp.name, opp.amount) == ("年度采购", Decimal("100.00"))
    saved = rep.post(f"/sales/opportunities/{opp.pk}/edit/", {**data, "version": "2"})
    assert saved.status_code == 302
    opp.refresh_from_db()
    assert (opp.name, opp.amount, opp.version) == ("改名", Decimal("200.00"), 3)


def test_the_win_button_creates_the_order(people, make_opportunity, stages, client_for):
    opp = make_opportunity(people.rep, amount="1500.00")
    response = client_for(people.rep).post(f"/sales/opportunities/{opp.pk}/win/", {"version": 1,
                                                                                    "create_order": "on"})
    assert response.url == f"/sales/opportunities/{opp.pk}/"
    opp.refresh_from_db()
    assert opp.stage == stages.won and Order.objects.get(pk=opp.order_id).total == Decimal("1500.00")
    detail = client_for(people.rep).get(f"/sales/opportunities/{opp.pk}/").content.decode()
    assert f"Order #{opp.order_id}" in detail


# --- API ------------------------------------------------------------------------------------------

def test_the_api_creates_changes_and_moves(people, make_customer, products, stages, price):
    api = _api(people.rep)
    customer = make_customer(people.rep, owner=people.rep)
    created = api.post("/api/v1/opportunities/", {
        "customer": customer.pk, "name": "接口", "expected_close": "2027-02-01",
        "lines": [{"product": products.kettle.pk, "quantity": 3}]}, format="json")
    assert created.status_code == 201, created.json()
    body = created.json()
    assert (body["amount"], body["stage"], body["version"], body["weighted_amount"]) == (
        "389.70", stages.prospecting.pk, 1, "38.97")
    assert body["lines"][0]["unit_price"] == "129.90" and body["lines"][0]["amount"] == "389.70"
    url = f"/api/v1/opportunities/{body['id']}/"
    assert api.patch(url, {"amount": "500"}, format="json").status_code == 400  # no version
    assert api.patch(url, {"amount": "500", "version": 1}, format="json").json()["amount"] == "500.00"
    stale = api.patch(url, {"amount": "600", "version": 1}, format="json")
    assert stale.status_code == 409 and stale.json()["current_version"] == 2
    moved = api.post(f"{url}move/", {"to_stage": stages.negotiation.pk, "version": 2}, format="json")
    assert moved.status_code == 200 and moved.json()["stage"] == stages.negotiation.pk
    assert api.post(f"{url}move/", {"to_stage": stages.won.pk, "version": 2}, format="json").status_code == 409
    refused = api.post(f"{url}move/", {"to_stage": stages.lost.pk, "version": 3}, format="json")
    assert refused.status_code == 400 and "lost_reason" in refused.json()
    lost = api.post(f"{url}move/", {"to_stage": stages.lost.pk, "version": 3, "lost_reason": "price"},
                    format="json")
    assert lost.json()["lost_reason"] == "price" and lost.json()["closed_at"]
    assert api.patch(url, {"stage": stages.won.pk, "version": 4}, format="json").status_code == 400
    # the amount (500) was set by hand: the order would not match its lines
    mismatch = api.post(f"{url}win/", {"version": 4, "create_order": True}, format="json")
    assert mismatch.status_code == 400 and "lines' total (389.70)" in mismatch.json()["amount"][0]
    assert api.patch(url, {"amount": "389.70", "version": 4}, format="json").status_code == 200
    won = api.post(f"{url}win/", {"version": 5, "create_order": True}, format="json")
    assert won.status_code == 200 and Order.objects.get(pk=won.json()["order"]).total == Decimal("389.70")
    assert StageChange.objects.filter(opportunity_id=body["id"]).count() == 4


def test_the_api_filters_and_deletes(people, make_customer, make_opportunity, stages):
    a = make_opportunity(people.rep, name="A", expected_close=dt.date(2027, 1, 5))
    make_opportunity(people.rep, name="B", stage=stages.won)
    api = _api(people.rep)
    assert [o["name"] for o in api.get("/api/v1/opportunities/?status=won").json()["results"]] == ["B"]
    assert [o["name"] for o in api.get("/api/v1/opportunities/?expected_close_after=2027-01-01").json()[
        "results"]] == ["A"]
    assert api.delete(f"/api/v1/opportunities/{a.pk}/").status_code == 403  # reps do not delete
    assert _api(people.manager).delete(f"/api/v1/opportunities/{a.pk}/").status_code == 204
    assert not Opportunity.objects.filter(pk=a.pk).exists()


def test_the_api_lists_pipelines_with_stages(people, stages, django_assert_max_num_queries):
    with django_assert_max_num_queries(6):
        response = _api(people.rep).get("/api/v1/pipelines/")
    (pipeline,) = response.json()
    assert [(s["code"], s["probability"], s["kind"]) for s in pipeline["stages"]] == [
        ("prospecting", 10, "open"), ("needs", 25, "open"), ("proposal", 50, "open"), ("negotiation", 75, "open"),
        ("won", 100, "won"), ("lost", 0, "lost")]
    assert _api(people.rep).post("/api/v1/pipelines/", {}, format="json").status_code in (403, 405)


def test_the_api_list_query_count_is_bounded(people, make_customer, stages, products,
                                             django_assert_max_num_queries):
    customer = make_customer(people.rep, owner=people.rep)
    _bulk(people.rep, customer, stages.needs, 40)
    OpportunityLine.objects.bulk_create([OpportunityLine(opportunity=o, product=products.cooker, unit_price=1)
                                         for o in Opportunity.objects.all()])
    with django_assert_max_num_queries(12):
        response = _api(people.rep).get("/api/v1/opportunities/")
    assert len(response.json()["results"]) == 40
    assert PipelineStage.objects.count() == 6
