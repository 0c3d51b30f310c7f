"""/api/v1/leads/ and /api/v1/lead-sources/: visibility (another rep's lead is a 404), permissions
per role, masked personal data, filters, the version check, status moves, conversion with its 409
when the lead may already be a customer, and a list whose query count does not grow."""

import pytest

from kehu.customers.models import Customer
from kehu.sales import leads
from kehu.sales.models import Lead

pytestmark = pytest.mark.django_db

LEADS = "/api/v1/leads/"


def test_a_rep_sees_only_their_leads_and_another_reps_lead_is_a_404(api, rep, make_user, other_team, make_lead):
    other = make_user("sales", team=other_team)
    mine, theirs = make_lead(rep, name="刘洋"), make_lead(other, name="周敏")
    client = api(rep)
    listed = client.get(LEADS).json()["results"]
    assert [row["id"] for row in listed] == [mine.pk]
    assert client.get(f"{LEADS}{theirs.pk}/").status_code == 404
    assert client.get(f"{LEADS}999999/").status_code == 404
    assert client.patch(f"{LEADS}{theirs.pk}/", {"name": "x", "version": 1}, format="json").status_code == 404
    assert client.post(f"{LEADS}{theirs.pk}/convert/", {"version": 1, "create_new": True},
                       format="json").status_code == 404
    assert Lead.objects.get(pk=theirs.pk).name == "周敏"


def test_a_manager_sees_the_teams_leads_and_a_marketer_every_lead_masked(api, rep, team, make_user, make_lead):
    manager = make_user("manager", team=team, is_manager=True)
    lead = make_lead(rep, phone="13812345678", email="liu@example.com", wechat="liuyang88")
    row = api(manager).get(f"{LEADS}{lead.pk}/").json()
    assert (row["phone_normalized"], row["email"]) == ("+8613812345678", "liu@example.com")
    marketer = make_user("marketing")
    masked = api(marketer).get(f"{LEADS}{lead.pk}/").json()
    assert (masked["phone_normalized"], masked["email"], masked["wechat"]) == (
        "138****5678", "l***@example.com", "liu**ng88")
    assert api(marketer).post(LEADS, {"name": "x", "source": "online"}, format="json").status_code == 403
    assert api(make_user("service")).get(LEADS).status_code == 403


def test_creating_a_lead_answers_with_its_possible_duplicates(api, rep, make_customer, make_lead):
    existing = make_customer(rep, family_name="刘", given_name="洋", phone="13812345678")
    earlier = make_lead(rep, name="刘洋", phone="13812345678")
    response = api(rep).post(LEADS, {"name": "刘洋", "phone": "138 1234 5678", "source": "telephone",
                                     "campaign": "春季展"}, format="json")
    assert response.status_code == 201
    body = response.json()
    assert (body["phone_normalized"], body["owner"], body["status"], body["version"]) == (
        "+8613812345678", rep.pk, "new", 1)
    assert body["possible_duplicates"]["leads"] == [earlier.pk]
    assert body["possible_duplicates"]["customers"][0]["id"] == existing.pk
    assert body["possible_duplicates"]["customers"][0]["same"] == "phone"


def test_bad_input_is_a_structured_400(api, rep, make_customer):
    client = api(rep)
    response = client.post(LEADS, {"name": "刘洋", "phone": "12345", "source": "referral"}, format="json")
    assert response.status_code == 400
    assert response.json() == {"phone": ["“12345” is not a valid phone number."],
                               "referrer_customer": ["“Chain referral” is a referral: say who referred the lead "
                                                     "(a customer or a contact)."]}
    assert client.post(LEADS, {"name": "x", "source": "nonsense"}, format="json").status_code == 400
    assert client.post(LEADS, {"name": "x" * 300, "source": "online"}, format="json").json() == {
        "name": ["At most 200 characters (this has 300)."]}
    assert not Lead.objects.exists()


def test_a_referrer_the_user_cannot_see_is_refused(api, rep, make_user, other_team, make_customer):
    theirs = make_customer(make_user("sales", team=other_team))
    response = api(rep).post(LEADS, {"name": "刘洋", "source": "referral", "referrer_customer": theirs.pk},
                             format="json")
    assert response.status_code == 400 and "referrer_customer" in response.json()
    assert not Lead.objects.exists()


def test_an_update_needs_the_version_and_a_stale_one_is_409(api, rep, make_lead):
    lead = make_lead(rep)
    client = api(rep)
    assert client.patch(f"{LEADS}{lead.pk}/", {"company": "西湖科技"}, format="json").status_code == 400
    ok = client.patch(f"{LEADS}{lead.pk}/", {"company": "西湖科技", "version": 1}, format="json")
    assert ok.status_code == 200 and ok.json()["version"] == 2
    stale = client.patch(f"{LEADS}{lead.pk}/", {"company": "别的", "version": 1}, format="json")
    assert stale.status_code == 409 and stale.json()["current_version"] == 2
    assert Lead.objects.get().company == "西湖科技"


def test_status_moves_through_the_api(api, rep, make_lead):
    lead = make_lead(rep)
    client = api(rep)
    url = f"{LEADS}{lead.pk}/status/"
    assert client.post(url, {"status": "contacted", "version": 1}, format="json").json()["status"] == "contacted"
    refused = client.post(url, {"status": "disqualified", "version": 2}, format="json")
    assert refused.status_code == 400 and "disqualify_reason" in refused.json()
    done = client.post(url, {"status": "disqualified", "reason": "no_need", "note": "不需要", "version": 2},
                       format="json").json()
    assert (done["status"], done["disqualify_reason"], done["disqualify_note"]) == ("disqualified", "no_need", "不需要")
    assert client.post(url, {"status": "reopen", "version": 3}, format="json").json()["status"] == "new"


def test_convert_answers_409_with_the_candidates_then_links_when_told(api, rep, make_customer, make_lead, qualify):
    existing = make_customer(rep, family_name="刘", given_name="洋", phone="13812345678")
    lead = qualify(rep, make_lead(rep, name="刘洋", phone="13812345678"))
    client = api(rep)
    url = f"{LEADS}{lead.pk}/convert/"
    conflict = client.post(url, {"version": lead.version}, format="json")
    assert conflict.status_code == 409
    assert "may already be a customer" in conflict.json()["detail"]
    assert [c["id"] for c in conflict.json()["candidates"]] == [existing.pk]
    assert Customer.objects.count() == 1
    linked = client.post(url, {"version": lead.version, "customer": existing.pk,
                               "opportunity": {"name": "五台空调", "amount": "9800"}}, format="json")
    assert linked.status_code == 200
    body = linked.json()
    assert (body["customer"], body["created"], body["lead"]["status"]) == (existing.pk, False, "converted")
    assert body["opportunity"] is not None


def test_convert_with_create_new(api, rep, make_lead, qualify):
    lead = qualify(rep, make_lead(rep, name="刘洋"))
    response = api(rep).post(f"{LEADS}{lead.pk}/convert/", {"version": lead.version, "create_new": True},
                             format="json")
    assert response.status_code == 200 and response.json()["created"] is True
    assert Customer.objects.get().display_name == "刘洋"


def test_filters_and_search(api, rep, make_lead, referral, make_customer):
    introducer = make_customer(rep)
    a = make_lead(rep, name="刘洋", phone="13812345678", campaign="2026 广交会")
    b = make_lead(rep, name="周敏", email="zhou@example.com", source=referral, referrer_customer=introducer)
    leads.set_status(rep, b, "contacted", expected_version=1)
    client = api(rep)

    def ids(query):
        return [row["id"] for row in client.get(LEADS + "?" + query).json()["results"]]

    assert ids("status=contacted") == [b.pk]
    assert ids("source=referral") == [b.pk]
    assert ids("campaign=广交会") == [a.pk]
    assert ids("q=138 1234 5678") == [a.pk]
    assert ids("q=ZHOU@example.com") == [b.pk]
    assert ids("q=刘") == [a.pk]
    assert ids(f"referrer_customer={introducer.pk}") == [b.pk]


def test_the_list_query_count_does_not_grow(api, rep, make_lead, django_assert_max_num_queries):
    client = api(rep)
    for i in range(3):
        make_lead(rep, name=f"甲{i}")
    with django_assert_max_num_queries(12) as few:
        assert len(client.get(LEADS).json()["results"]) == 3
    for i in range(30):
        make_lead(rep, name=f"乙{i}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(client.get(LEADS).json()["results"]) == 33


def test_lead_sources_are_listed_read_only(api, rep, admin):
    client = api(rep)
    rows = client.get("/api/v1/lead-sources/", HTTP_ACCEPT_LANGUAGE="zh-hans").json()
    referral = next(r for r in rows if r["code"] == "referral")
    assert (referral["label"], referral["needs_referrer"], referral["customer_source"]) == ("连锁介绍", True, "referral")
    assert len(rows) == 14
    assert client.get("/api/v1/lead-sources/referral/").json()["label_en"] == "Chain referral"
    assert client.post("/api/v1/lead-sources/", {"code": "x", "label_en": "X"}, format="json").status_code == 403
    assert api(admin).post("/api/v1/lead-sources/", {"code": "x", "label_en": "X"}, format="json").status_code == 405
