"""Service pages and API: who sees which case, the queues, the board's moves (a drag that races
another is refused), routing, the dashboard's numbers."""

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from kehu.accounts.models import Team, TeamMembership
from kehu.service import routing, services
from kehu.service.models import Case, CaseCategory, FollowUp, Proposal

pytestmark = pytest.mark.django_db


def _open(actor, customer=None, **kw):
    data = {"kind": Case.Kind.COMPLAINT, "category": CaseCategory.objects.get(code="product"),
            "channel": Case.Channel.PHONE, "subject": "壶漏水", "words": "漏水"}
    if customer is None:
        data["contact_name"] = "陌生人"
    return services.open_case(actor, customer=customer, **{**data, **kw})


def _client(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def agent(make_user):
    return make_user("service")


def test_visibility_per_role(admin, agent, make_user, make_customer, team, other_team):
    rep = make_user("sales", team=team)
    other_rep = make_user("sales", team=other_team)
    marketer = make_user("marketing")
    mine = _open(agent, make_customer(rep, owner=rep))
    theirs = _open(agent, make_customer(other_rep, owner=other_rep))
    assert _client(agent).get(f"/service/cases/{theirs.pk}/").status_code == 200  # agents see every case
    rep_client = _client(rep)
    assert rep_client.get(f"/service/cases/{mine.pk}/").status_code == 200
    assert rep_client.get(f"/service/cases/{theirs.pk}/").status_code == 404  # invisible = missing
    assert rep_client.post(f"/service/cases/{theirs.pk}/reply/", {"body": "hi"}).status_code == 404
    assert _client(marketer).get("/service/").status_code == 403
    api = APIClient()
    api.force_authenticate(rep)
    ids = [c["id"] for c in api.get("/api/v1/cases/").json()["results"]]
    assert ids == [mine.pk]
    assert api.get(f"/api/v1/cases/{theirs.pk}/").status_code == 404


def test_queues_and_due_times(agent, make_user):
    other = make_user("service")
    mine = _open(agent, owner=agent)
    _open(agent, owner=other, subject="别人的")
    late = _open(agent, owner=agent, subject="晚了")
    Case.objects.filter(pk=late.pk).update(first_response_breached=True)
    client = _client(agent)
    html = client.get("/service/?view=mine").content.decode()
    assert mine.reference in html and "别人的" not in html
    late_html = client.get("/service/?view=late").content.decode()
    assert late.reference in late_html and mine.reference not in late_html
    Case.objects.filter(pk=mine.pk).update(first_response_due=timezone.now() + dt.timedelta(hours=1))
    assert mine.reference in client.get("/service/?view=soon").content.decode()


def test_the_board_moves_a_card_and_refuses_a_stale_or_incomplete_move(agent):
    case = _open(agent, owner=agent)
    services.reply(agent, case, "抱歉", send_email=False)
    case.refresh_from_db()
    client = _client(agent)
    board = client.get("/service/board/").content.decode()
    assert f'id="card-{case.pk}"' in board and "Sortable.min.js" in board
    moved = client.post(f"/service/cases/{case.pk}/move/", {"to_stage": "record", "version": case.version},
                        HTTP_HX_REQUEST="true")
    assert moved.status_code == 200 and 'data-stage="record"' in moved.content.decode()
    stale = client.post(f"/service/cases/{case.pk}/move/", {"to_stage": "propose", "version": case.version},
                        HTTP_HX_REQUEST="true")
    assert stale.status_code == 409 and "changed by someone else" in stale.content.decode()
    case.refresh_from_db()
    incomplete = client.post(f"/service/cases/{case.pk}/move/", {"to_stage": "propose", "version": case.version},
                             HTTP_HX_REQUEST="true")
    assert incomplete.status_code == 409 and "Step 2" in incomplete.content.decode()
    # the keyboard path: the card's button posts without htmx and comes back to the board
    plain = client.post(f"/service/cases/{case.pk}/move/", {"to_stage": "propose", "version": case.version,
                                                             "next": "/service/board/"})
    assert plain.status_code == 302 and plain["Location"] == "/service/board/"
    # ``next`` never sends anyone off the site
    for elsewhere in ("//evil.example/", "https://evil.example/", "/\\evil.example/"):
        away = client.post(f"/service/cases/{case.pk}/move/", {"to_stage": "propose", "version": case.version,
                                                                "next": elsewhere})
        assert away["Location"] == f"/service/cases/{case.pk}/", elsewhere


def test_the_case_page_walks_the_steps(agent, make_customer, admin, django_capture_on_commit_callbacks):
    customer = make_customer(admin)
    case = _open(agent, customer)
    client = _client(agent)
    page = client.get(f"/service/cases/{case.pk}/").content.decode()
    assert "Step 1: answer the customer" in page
    client.post(f"/service/cases/{case.pk}/reply/", {"body": "我们已收到", "send_email": ""})
    case.refresh_from_db()
    client.post(f"/service/cases/{case.pk}/move/", {"to_stage": "record", "version": case.version})
    case.refresh_from_db()
    client.post(f"/service/cases/{case.pk}/key-points/", {"version": case.version, "what_happened": "漏水",
                                                           "expectation": "退款", "root_cause": "product_defect"})
    case.refresh_from_db()
    assert case.root_cause == "product_defect"
    client.post(f"/service/cases/{case.pk}/move/", {"to_stage": "propose", "version": case.version})
    client.post(f"/service/cases/{case.pk}/propose/", {"kind": "refund", "amount": "", "description": ""})
    assert not Proposal.objects.exists()  # a refund needs an amount: refused, said on the page
    client.post(f"/service/cases/{case.pk}/propose/", {"kind": "refund", "amount": "99.00", "description": "全额"})
    proposal = Proposal.objects.get()
    client.post(f"/service/cases/{case.pk}/proposals/{proposal.pk}/answer/", {"accepted": "yes"})
    case.refresh_from_db()
    client.post(f"/service/cases/{case.pk}/move/", {"to_stage": "follow_up", "version": case.version})
    client.post(f"/service/cases/{case.pk}/follow-up/", {"due_at": "2030-01-02T10:00", "title": "回访"})
    follow_up = FollowUp.objects.get()
    client.post(f"/service/cases/{case.pk}/follow-ups/{follow_up.pk}/done/", {"outcome": "satisfied"})
    case.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=False):
        client.post(f"/service/cases/{case.pk}/move/", {"to_stage": "closed", "version": case.version})
    case.refresh_from_db()
    assert (case.stage, case.outcome) == ("closed", "satisfied")


def test_round_robin_and_least_loaded_routing(admin, make_user):
    team = Team.objects.create(name="客服一组")
    a, b = make_user("service", team=team), make_user("service", team=team)
    make_user("sales", team=team)  # not an agent: never routed a case
    category = CaseCategory.objects.get(code="billing")
    category.team = team
    category.save()
    owners = [_open(admin, category=category).owner for _ in range(4)]
    assert owners == [a, b, a, b]
    category.routing = CaseCategory.Routing.LEAST_LOADED
    category.save()
    Case.objects.filter(owner=a).update(stage=Case.Stage.CLOSED)  # a is free now
    assert _open(admin, category=category).owner == a
    category.routing = CaseCategory.Routing.MANUAL
    category.save()
    manual = _open(admin, category=category)
    assert manual.owner is None and manual.team == team
    assert routing.agents(team.pk) == [a, b]
    assert TeamMembership.objects.filter(team=team).count() == 3


def test_the_api_opens_answers_and_moves_a_case(agent, make_customer, admin):
    customer = make_customer(admin)
    api = APIClient()
    api.force_authenticate(agent)
    created = api.post("/api/v1/cases/", {"kind": "complaint", "category": "price", "channel": "phone",
                                          "subject": "价格不对", "customer": customer.pk, "words": "收费比标价高"},
                       format="json")
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    refused = api.post(f"/api/v1/cases/{pk}/move/", {"to_stage": "record", "version": 1}, format="json")
    assert refused.status_code == 400 and "first response" in str(refused.json())
    api.post(f"/api/v1/cases/{pk}/reply/", {"body": "我们核实一下", "send_email": False}, format="json")
    version = api.get(f"/api/v1/cases/{pk}/").json()["version"]
    assert api.post(f"/api/v1/cases/{pk}/move/", {"to_stage": "record", "version": version - 1},
                    format="json").status_code == 409
    moved = api.post(f"/api/v1/cases/{pk}/move/", {"to_stage": "record", "version": version}, format="json")
    assert moved.status_code == 200 and moved.json()["stage"] == "record"


def test_the_dashboard_counts(agent, make_user, make_customer, admin):
    manager = make_user("manager")
    customer = make_customer(admin)
    first = _open(agent, customer)
    second = _open(agent, customer, category=CaseCategory.objects.get(code="delivery"))
    Case.objects.filter(pk=first.pk).update(root_cause="product_defect", outcome="satisfied", stage="closed",
                                            first_response_at=timezone.now(), resolved_at=timezone.now())
    Case.objects.filter(pk=second.pk).update(first_response_breached=True)
    Case.objects.filter(pk=first.pk).update(stage=Case.Stage.PROPOSE)
    rejected = services.propose(agent, first, kind="repair")
    services.answer_proposal(agent, rejected, accepted=False, customer_wants="换新")
    accepted = services.propose(agent, first, kind="replace")
    services.answer_proposal(agent, accepted, accepted=True)
    Case.objects.filter(pk=first.pk).update(stage="closed")
    from kehu.service.dashboard import compute

    m = compute(admin)  # a manager's dashboard counts the cases they may see; an admin sees all
    assert m["totals"]["opened"] == 2 and m["totals"]["breached"] == 1 and m["late_now"] == 1
    assert m["first_try_acceptance"] == 0.0 and m["satisfied_after"] == 100.0
    assert {r["category__code"]: r["n"] for r in m["by_category"]} == {"product": 1, "delivery": 1}
    assert _client(manager).get("/service/dashboard/").status_code == 200
    assert _client(agent).get("/service/dashboard/").status_code == 403
