"""/api/v1/activities/: what the caller may see (another rep's activity is a 404), plan / log /
change (version, 409) / complete / reopen / delete through the services, links and owners checked
like on the pages, a fixed number of queries per list page."""

import datetime as dt

import pytest
from django.utils import timezone

from kehu.customers.models import Interaction
from kehu.sales import activities as services
from kehu.sales.models import Activity
from tests.sales import conftest_activities

pytestmark = pytest.mark.django_db
crew = conftest_activities.crew  # the shared fixture
URL = "/api/v1/activities/"


def soon(hours=2):
    return (timezone.now() + dt.timedelta(hours=hours)).isoformat()


def test_plan_complete_and_find_it_on_the_timeline(crew, api):
    client = api(crew.rep)
    created = client.post(URL, {"kind": "call", "subject": "回访", "due_at": soon(), "remind_minutes_before": 15,
                                "customer": crew.customer.pk}, format="json")
    assert created.status_code == 201, created.json()
    body = created.json()
    assert (body["owner"], body["customer"], body["done_at"], body["version"]) == (crew.rep.pk, crew.customer.pk,
                                                                                   None, 1)
    done = client.post(f"{URL}{body['id']}/complete/", {"outcome": "interested", "note": "要样品", "version": 1},
                       format="json")
    assert done.status_code == 200 and done.json()["outcome"] == "interested"
    interaction = Interaction.objects.get(customer=crew.customer)
    assert done.json()["interaction"] == interaction.pk and interaction.type == "call"
    assert client.post(f"{URL}{body['id']}/complete/", {}, format="json").status_code == 400  # already done
    reopened = client.post(f"{URL}{body['id']}/reopen/", {"version": 2}, format="json")
    assert reopened.status_code == 200 and reopened.json()["done_at"] is None


def test_log_a_call(crew, api):
    response = api(crew.rep).post(URL, {"kind": "call", "subject": "打过了", "done": True, "outcome": "no_answer",
                                        "opportunity": crew.opportunity.pk}, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["done_at"] and response.json()["outcome"] == "no_answer"
    assert Interaction.objects.get().customer == crew.customer  # through the opportunity


def test_update_needs_the_version_and_refuses_a_stale_one(crew, api):
    call = services.plan_activity(crew.rep, kind="call", subject="s", due_at=timezone.now())
    client = api(crew.rep)
    assert client.patch(f"{URL}{call.pk}/", {"subject": "x"}, format="json").status_code == 400
    ok = client.patch(f"{URL}{call.pk}/", {"subject": "改", "version": 1}, format="json")
    assert ok.status_code == 200 and ok.json()["version"] == 2
    stale = client.patch(f"{URL}{call.pk}/", {"subject": "又改", "version": 1}, format="json")
    assert stale.status_code == 409 and stale.json()["current_version"] == 2
    assert Activity.objects.get(pk=call.pk).subject == "改"


@pytest.mark.parametrize("who", ["mate", "stranger"])
def test_another_reps_activity_is_a_404(crew, api, who):
    call = services.plan_activity(crew.rep, kind="call", subject="s", due_at=timezone.now())
    client = api(getattr(crew, who))
    assert client.get(f"{URL}{call.pk}/").status_code == 404
    assert client.post(f"{URL}{call.pk}/complete/", {}, format="json").status_code == 404
    assert client.patch(f"{URL}{call.pk}/", {"subject": "x", "version": 1}, format="json").status_code == 404
    assert client.delete(f"{URL}{call.pk}/").status_code == 404
    assert client.get(URL).json()["results"] == []
    assert Activity.objects.get(pk=call.pk).subject == "s"


def test_links_and_owners_are_checked(crew, api):
    client = api(crew.rep)
    invisible = client.post(URL, {"kind": "call", "subject": "s", "due_at": soon(),
                                  "customer": crew.strangers_customer.pk}, format="json")
    assert invisible.status_code == 400 and "customer" in invisible.json()
    other_owner = client.post(URL, {"kind": "call", "subject": "s", "due_at": soon(), "owner": crew.mate.pk},
                              format="json")
    assert other_owner.status_code == 400 and "owner" in other_owner.json()
    assert Activity.objects.count() == 0
    by_manager = api(crew.manager).post(URL, {"kind": "call", "subject": "s", "due_at": soon(), "owner": crew.mate.pk},
                                        format="json")
    assert by_manager.status_code == 201 and by_manager.json()["owner"] == crew.mate.pk
    assert api(crew.manager).post(URL, {"kind": "call", "subject": "s", "due_at": soon(), "owner": crew.stranger.pk},
                                  format="json").status_code == 400


def test_the_manager_lists_their_peoples_and_filters(crew, api):
    mine = services.plan_activity(crew.rep, kind="call", subject="a", due_at=timezone.now(), customer=crew.customer)
    services.log_activity(crew.mate, kind="visit", subject="b")
    services.plan_activity(crew.stranger, kind="call", subject="c", due_at=timezone.now())
    client = api(crew.manager)
    assert {r["subject"] for r in client.get(URL).json()["results"]} == {"a", "b"}
    assert [r["id"] for r in client.get(URL, {"customer": crew.customer.pk}).json()["results"]] == [mine.pk]
    assert [r["subject"] for r in client.get(URL, {"done": "true"}).json()["results"]] == ["b"]
    assert [r["subject"] for r in client.get(URL, {"done": "false"}).json()["results"]] == ["a"]


def test_delete_by_the_owner(crew, api):
    call = services.plan_activity(crew.rep, kind="call", subject="s", due_at=timezone.now())
    assert api(crew.rep).delete(f"{URL}{call.pk}/").status_code == 204
    assert not Activity.objects.exists()


def test_the_list_costs_the_same_queries_for_many_rows(crew, api, django_assert_max_num_queries):
    client = api(crew.rep)
    Activity.objects.bulk_create([Activity(owner=crew.rep, kind="call", subject=f"c{i}", customer=crew.customer,
                                           due_at=timezone.now()) for i in range(120)])
    with django_assert_max_num_queries(6):
        response = client.get(URL)
    assert len(response.json()["results"]) == 50
