"""A sales rep sees the answers of the customers they may see, and nobody else's: results,
comments, a response's page and the API. Admins, managers (their teams), agents and marketers
as the roles say."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kehu.surveys import results
from kehu.surveys.models import Response, Survey


@pytest.fixture
def two_books(make_user, team, other_team, manager, small_survey, make_customer, respond):
    """Rep Li (team East) owns one customer who answered "Li's customer"; rep Wu (team West)
    owns one who answered "Wu's customer"."""
    li = make_user("sales", team=team, username="li")
    wu = make_user("sales", team=other_team, username="wu")
    mine = make_customer(li, phone="13800000901", tier="A")
    theirs = make_customer(wu, phone="13800000902", tier="B")
    r_mine = respond(manager, small_survey, mine, nps=10, csat=5, pair=(4, 5), choice="c1", text="Li's customer")
    # the manager of East cannot see Wu's customer, so an agent (who sees everyone) invites them
    from kehu.accounts.services import create_user

    agent = create_user("agent-x", role="service", password=None)
    r_theirs = respond(agent, small_survey, theirs, nps=2, csat=1, pair=(5, 1), choice="c2", text="Wu's customer")
    return {"li": li, "wu": wu, "mine": r_mine, "theirs": r_theirs, "agent": agent}


def test_results_count_only_the_reps_customers(two_books, small_survey):
    li = two_books["li"]
    row = results.summary(li, small_survey, results.Filters())
    assert (row["responses"], row["nps"], row["csat"], row["invited"]) == (1, 100.0, 100.0, 1)
    comments, _more = results.verbatims(li, small_survey, results.Filters())
    assert [a.text for a in comments] == ["Li's customer"]
    gaps = results.gaps(li, small_survey, results.Filters(), "en")
    assert gaps["dimensions"][0]["n"] == 1 and gaps["dimensions"][0]["perception"] == 5.0


@pytest.mark.parametrize(("who", "responses"), [("admin", 2), ("agent", 2), ("marketer", 2), ("manager", 1)])
def test_other_roles_see_as_their_visibility_says(two_books, small_survey, admin, marketer, manager, who, responses):
    user = {"admin": admin, "agent": two_books["agent"], "marketer": marketer, "manager": manager}[who]
    assert results.summary(user, small_survey, results.Filters())["responses"] == responses


def test_the_results_page_and_a_response_page_for_a_rep(client, two_books, small_survey):
    client.force_login(two_books["li"])
    html = client.get(f"/surveys/{small_survey.pk}/results/").content.decode()
    assert "Li&#x27;s customer" in html and "Wu&#x27;s customer" not in html
    assert client.get(f"/surveys/responses/{two_books['mine'].pk}/").status_code == 200
    assert client.get(f"/surveys/responses/{two_books['theirs'].pk}/").status_code == 404
    assert client.get("/surveys/responses/999999/").status_code == 404


def test_the_api_lists_only_visible_responses(api, two_books, admin):
    li = api(two_books["li"])
    listing = li.get("/api/v1/survey-responses/")
    assert listing.status_code == 200
    assert [r["id"] for r in listing.json()["results"]] == [two_books["mine"].pk]
    assert listing.json()["results"][0]["answers"][0].keys() == {"question", "number", "expectation", "choice", "text"}
    assert li.get(f"/api/v1/survey-responses/{two_books['theirs'].pk}/").status_code == 404
    assert li.get(f"/api/v1/survey-responses/?customer={two_books['theirs'].customer_id}").json()["results"] == []
    everyone = api(admin).get("/api/v1/survey-responses/").json()["results"]
    assert {r["id"] for r in everyone} == {two_books["mine"].pk, two_books["theirs"].pk}


def test_the_api_serves_surveys_to_readers_only(api, two_books, small_survey, make_user, admin):
    surveys = api(two_books["li"]).get("/api/v1/surveys/")
    assert surveys.status_code == 200
    (survey,) = surveys.json()["results"]
    assert survey["id"] == small_survey.pk and [q["kind"] for q in survey["questions"]] == [
        "nps", "csat", "pair", "single", "text"]
    assert api(two_books["li"]).post("/api/v1/surveys/", {"name": "x"}, format="json").status_code == 403
    assert api(admin).post("/api/v1/surveys/", {"name": "x"}, format="json").status_code == 405  # read-only
    assert Survey.objects.count() == 1
    nobody = make_user("sales")
    nobody.groups.clear()
    assert api(nobody).get("/api/v1/surveys/").status_code == 403
    assert api(nobody).get("/api/v1/survey-responses/").status_code == 403


def test_api_response_list_reads_a_constant_number_of_queries(api, admin, manager, small_survey, make_customer,
                                                              respond):
    client = api(admin)
    respond(manager, small_survey, make_customer(manager, phone="13800000911"), nps=9, csat=4, pair=(3, 3),
            choice="c1")
    with CaptureQueriesContext(connection) as few:
        assert client.get("/api/v1/survey-responses/").status_code == 200
    for i in range(5):
        respond(manager, small_survey, make_customer(manager, phone=f"1380000092{i}"), nps=i, csat=2, pair=(3, 3),
                choice="c2", text=f"t{i}")
    with CaptureQueriesContext(connection) as many:
        assert len(client.get("/api/v1/survey-responses/").json()["results"]) == 6
    assert len(many) == len(few)


def test_a_sales_rep_has_no_sms_list_and_sends_nothing(client, two_books, small_survey):
    client.force_login(two_books["li"])
    assert client.get("/surveys/sms/").status_code == 403
    assert client.get(f"/surveys/{small_survey.pk}/invite/").status_code == 403
    assert client.get(f"/surveys/{small_survey.pk}/segment/").status_code == 403
    assert Response.objects.count() == 2


@pytest.mark.parametrize(("role", "granted", "refused"), [
    ("manager", {"surveys.add_survey", "surveys.send_to_segment", "surveys.change_invitation", "surveys.view_results"},
     set()),
    ("marketing", {"surveys.change_survey", "surveys.send_to_segment", "surveys.view_results"},
     {"surveys.change_invitation"}),
    ("service", {"surveys.send_survey", "surveys.view_invitation", "surveys.change_invitation", "surveys.view_results"},
     {"surveys.add_survey", "surveys.change_survey", "surveys.send_to_segment"}),
    ("sales", {"surveys.view_survey", "surveys.view_results", "surveys.view_response"},
     {"surveys.add_survey", "surveys.send_survey", "surveys.view_invitation"}),
])
def test_roles_hold_the_survey_permissions(make_user, role, granted, refused):
    user = make_user(role)
    assert {p for p in granted if not user.has_perm(p)} == set()
    assert {p for p in refused if user.has_perm(p)} == set()


def test_the_admin_shows_surveys_read_only(client, admin, two_books, small_survey):
    client.force_login(admin)
    for model in ("survey", "question", "batchsend", "invitation", "response"):
        url = f"/admin/surveys/{model}/"
        page = client.get(url)
        if model == "question":  # an inline of the survey, not a page of its own
            assert page.status_code == 404
            continue
        assert page.status_code == 200, url
    page = client.get(f"/admin/surveys/response/{two_books['mine'].pk}/change/")
    assert page.status_code == 200 and "Li&#x27;s customer" in page.content.decode()
    assert client.post(f"/admin/surveys/survey/{small_survey.pk}/delete/", {"post": "yes"}).status_code == 403
