"""The batch scan, the review queue (web and API), entry warnings, merge from the UI, the CLI."""


import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from kehu.customers.models import ChannelIdentity, Customer
from kehu.identity import services
from kehu.identity.models import DuplicateCandidate, Merge, NotDuplicate, ScanRun
from tests.identity.people import PEOPLE

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(admin, make_customer):
    """Six different people and three duplicates entered through other channels."""
    made = {}
    for key, data in PEOPLE:
        made[key] = make_customer(admin, **data)
    return made


def _scan():
    run = services.request_scan(None, enqueue=False)
    return services.execute_scan(run.pk)


def _pairs():
    return {frozenset((c.customer_a_id, c.customer_b_id))
            for c in DuplicateCandidate.objects.filter(status="open")}


def test_scan_proposes_the_duplicates_and_nothing_else(people):
    run = _scan()
    assert run.status == ScanRun.Status.DONE and run.records == len(people)
    pairs = _pairs()
    assert frozenset((people["zhang"].pk, people["zhang_web"].pk)) in pairs
    for a, b in pairs:
        names = {Customer.objects.get(pk=a).display_name[:1], Customer.objects.get(pk=b).display_name[:1]}
        assert names != {"王"} or len(names) == 1
    strangers = {people[k].pk for k in ("wang", "chen", "zhao")}
    assert not any(pair & strangers for pair in pairs)
    candidate = DuplicateCandidate.objects.get(customer_a=min(people["zhang"].pk, people["zhang_web"].pk))
    fields = {e["field"]: e["level"] for e in candidate.evidence}
    assert fields["phone"] == "one digit off" and fields["name"] == "same pinyin"
    assert fields["birth_date"] == "exact"
    assert frozenset((people["li"].pk, people["li_phone"].pk)) in pairs
    assert frozenset((people["smith"].pk, people["smith_swap"].pk)) in pairs


def test_rejected_pairs_are_never_proposed_again(people, admin):
    _scan()
    candidate = DuplicateCandidate.objects.filter(status="open").first()
    services.reject_candidate(admin, candidate)
    pair = frozenset((candidate.customer_a_id, candidate.customer_b_id))
    _scan()
    assert pair not in _pairs()
    assert NotDuplicate.objects.count() == 1


def test_queue_page_sorts_and_respects_visibility(people, admin, make_user, client):
    _scan()
    client.force_login(admin)
    page = client.get(reverse("identity:queue") + "?sort=probability")
    assert page.status_code == 200
    shown = [item.probability for item in page.context["page"]]
    assert shown == sorted(shown) and len(shown) == len(_pairs())
    rep = make_user("sales")  # owns none of these customers: sees no pair
    client.force_login(rep)
    assert list(client.get(reverse("identity:queue")).context["page"]) == []
    client.force_login(make_user("marketing"))
    assert client.get(reverse("identity:queue")).status_code == 403


def test_merge_from_the_compare_page_and_undo(people, admin, make_user, client, team):
    _scan()
    zhang, web = people["zhang"], people["zhang_web"]
    candidate = DuplicateCandidate.objects.get(customer_a=min(zhang.pk, web.pk))
    rep = make_user("sales", team=team)
    zhang.owner = rep
    zhang.save()
    web.owner = rep
    web.save()
    client.force_login(rep)  # sees both, may mark them different, may not merge
    page = client.get(reverse("identity:compare", args=[candidate.pk]))
    assert page.status_code == 200 and not page.context["can_merge"]
    assert client.post(reverse("identity:compare", args=[candidate.pk]), {"survivor": "a"}).status_code == 403
    assert not Merge.objects.exists()

    manager = make_user("manager", team=team, is_manager=True)
    client.force_login(manager)
    a, b = (zhang, web) if zhang.pk < web.pk else (web, zhang)
    response = client.post(reverse("identity:compare", args=[candidate.pk]), {
        "survivor": "a" if a is zhang else "b", "version_a": a.version, "version_b": b.version,
        "field_display_name": "a" if a is zhang else "b"})
    assert response.status_code == 302
    merge = Merge.objects.get()
    assert merge.survivor_id == zhang.pk and merge.merged_id == web.pk
    zhang.refresh_from_db()
    assert zhang.display_name == "张伟"
    assert zhang.identities.filter(channel="email", normalized="zw1985@example.com").exists()
    candidate.refresh_from_db()
    assert candidate.status == "merged"
    detail = client.get(reverse("customers:detail", args=[zhang.pk]))
    assert f'data-testid="merge-{merge.pk}"' in detail.content.decode()
    # the merged customer's old address leads to the kept one
    assert client.get(reverse("customers:detail", args=[web.pk])).url == reverse("customers:detail", args=[zhang.pk])
    client.post(reverse("identity:undo-merge", args=[merge.pk]))
    web.refresh_from_db()
    assert web.merged_into_id is None
    assert web.identities.filter(channel="email").exists()


def test_create_form_warns_then_saves_as_new_when_confirmed(people, admin, client):
    client.force_login(admin)
    data = {"kind": "person", "family_name": "章", "given_name": "伟", "phone": "13812345670",
            "birth_date": "1985-03-12", "nature": "individual", "lifecycle_stage": "prospect",
            "owner": admin.pk}
    before = Customer.objects.count()
    response = client.post(reverse("customers:create"), data)
    assert response.status_code == 200
    assert 'data-testid="duplicate-warning"' in response.content.decode()
    assert response.context["duplicates"].warnings[0].customer_id == people["zhang"].pk
    assert Customer.objects.count() == before
    response = client.post(reverse("customers:create"), {**data, "confirm_new": "1",
                                                         "dismissed": [people["zhang"].pk]})
    assert response.status_code == 302
    new = Customer.objects.latest("pk")
    assert new.display_name == "章伟"
    assert NotDuplicate.objects.filter(customer_a=min(new.pk, people["zhang"].pk),
                                       customer_b=max(new.pk, people["zhang"].pk)).exists()


def test_sure_match_on_entry_links_the_new_email_instead_of_a_duplicate(people, admin, client):
    client.force_login(admin)
    before = Customer.objects.count()
    response = client.post(reverse("customers:create"), {
        "kind": "person", "family_name": "张", "given_name": "伟", "phone": "138-1234-5678",
        "email": "wei.zhang@work.example.com", "birth_date": "1985-03-12", "nature": "individual",
        "lifecycle_stage": "prospect", "owner": admin.pk})
    assert response.status_code == 302
    assert Customer.objects.count() == before
    linked = ChannelIdentity.objects.get(normalized="wei.zhang@work.example.com")
    assert linked.customer_id == people["zhang"].pk and linked.source == "match"


def test_api_answers_409_with_evidence_and_hides_invisible_customers(people, admin, make_user, api):
    body = {"kind": "person", "family_name": "章", "given_name": "伟", "birth_date": "1985-03-12",
            "identities": [{"channel": "phone", "value": "13812345670"}]}
    response = api(admin).post("/api/v1/customers/", body, format="json")
    assert response.status_code == 409
    first = response.json()["possible_duplicates"][0]
    assert first["id"] == people["zhang"].pk and first["evidence"]
    rep = make_user("sales")
    hidden = api(rep).post("/api/v1/customers/", body, format="json")
    assert hidden.status_code == 409
    assert hidden.json()["possible_duplicates"][0]["id"] is None
    assert hidden.json()["possible_duplicates"][0]["display_name"] is None
    created = api(admin).post("/api/v1/customers/", {**body, "confirm_new": True}, format="json")
    assert created.status_code == 201


def test_api_queue_reject_by_a_rep_and_merge_by_a_manager(people, admin, make_user, api, team):
    _scan()
    rep = make_user("sales", team=team)
    manager = make_user("manager", team=team, is_manager=True)
    Customer.objects.filter(pk__in=[p.pk for p in people.values()]).update(owner=rep)
    listed = api(rep).get("/api/v1/duplicates/?ordering=-probability").json()["results"]
    assert len(listed) == len(_pairs())
    rejected = api(rep).post(f"/api/v1/duplicates/{listed[-1]['id']}/reject/")
    assert rejected.status_code == 200 and rejected.json()["status"] == "rejected"
    assert api(rep).post("/api/v1/merges/", {"survivor": people["li"].pk,
                                             "merged": people["li_phone"].pk}, format="json").status_code == 403
    assert api(make_user("marketing")).get("/api/v1/duplicates/").status_code == 403
    merged = api(manager).post("/api/v1/merges/", {"survivor": people["li"].pk, "merged": people["li_phone"].pk,
                                                   "field_choices": {"given_name": "merged"}}, format="json")
    assert merged.status_code == 201
    assert Customer.objects.get(pk=people["li"].pk).given_name == "那"


def test_api_match_merge_and_undo(people, admin, make_user, api):
    client = api(admin)
    found = client.post("/api/v1/match/", {"display_name": "Wei Zhang", "phone": "13812345678"},
                        format="json").json()["matches"]
    assert found[0]["id"] == people["zhang"].pk
    denied = api(make_user("sales")).post("/api/v1/merges/", {
        "survivor": people["li"].pk, "merged": people["li_phone"].pk}, format="json")
    assert denied.status_code in (403, 404)
    merged = client.post("/api/v1/merges/", {"survivor": people["li"].pk, "merged": people["li_phone"].pk},
                         format="json")
    assert merged.status_code == 201
    assert Customer.objects.get(pk=people["li_phone"].pk).merged_into_id == people["li"].pk
    undone = client.post(f"/api/v1/merges/{merged.json()['id']}/undo/")
    assert undone.status_code == 200 and undone.json()["undone_at"]
    assert Customer.objects.get(pk=people["li_phone"].pk).merged_into_id is None


def test_cli_dedupes_a_csv_without_the_database(tmp_path):
    source = tmp_path / "in.csv"
    source.write_text(
        "编号,姓名,手机,邮箱,生日\n"
        "1,张伟,13812345678,,1985-03-12\n"
        "2,Zhang Wei,+86 138 1234 5678,zw@example.com,12/03/1985\n"
        "3,李娜,13900001111,lina@example.com,\n"
        "4,王芳,13700002222,,1990-07-01\n", encoding="gb18030")
    out, pairs = tmp_path / "clusters.csv", tmp_path / "pairs.csv"
    call_command("identity", "dedupe", str(source), "--out", str(out), "--pairs", str(pairs),
                 "--column", "id=编号", "--column", "name=姓名", "--column", "phone=手机",
                 "--column", "email=邮箱", "--column", "birth_date=生日")
    rows = out.read_text().splitlines()
    assert rows[0] == "id,cluster_id"
    clusters = dict(line.split(",") for line in rows[1:])
    assert clusters["1"] == clusters["2"] and len({clusters["1"], clusters["3"], clusters["4"]}) == 3
    assert pairs.read_text().splitlines()[1].startswith("1,2,")


@pytest.mark.parametrize("content, message", [
    ("", "is empty"),
    ("name,phone\n", "no rows"),
    ("编号,姓名\n1,张伟\n", "no column to match on"),
])
def test_cli_dedupe_reports_bad_input(tmp_path, content, message):
    source = tmp_path / "in.csv"
    source.write_text(content, encoding="utf-8")
    with pytest.raises(CommandError, match=message):
        call_command("identity", "dedupe", str(source), "--out", str(tmp_path / "o.csv"))


def test_cli_dedupe_rejects_an_unknown_column(tmp_path):
    source = tmp_path / "in.csv"
    source.write_text("name,phone\n张伟,13812345678\n", encoding="utf-8")
    with pytest.raises(CommandError, match="has no column 'tel'"):
        call_command("identity", "dedupe", str(source), "--out", str(tmp_path / "o.csv"),
                     "--column", "phone=tel")


def test_merge_shows_on_the_timeline_and_is_undone_from_the_audit_entry(people, admin, client):
    from kehu.identity.merge import do_merge_customers
    from kehu.privacy.models import AuditEntry

    merge = do_merge_customers(admin, people["li"], people["li_phone"])
    client.force_login(admin)
    timeline = client.get(reverse("customers:tab", args=[people["li"].pk, "t"])).content.decode()
    assert "#merges" in timeline
    entry = AuditEntry.objects.get(action="merge", customer_id=people["li"].pk)
    assert entry.changes["merge"] == [None, merge.pk]
    response = client.post(reverse("admin:privacy_auditentry_changelist"),
                           {"action": "undo_merges", "_selected_action": [entry.pk]})
    assert response.status_code == 302
    merge.refresh_from_db()
    assert merge.undone_at is not None
    assert Customer.objects.get(pk=people["li_phone"].pk).merged_into_id is None
