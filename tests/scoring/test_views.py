"""Value pages and API: what each role sees (within their customers), query-count guards."""

import pytest
from django.test import Client
from django.urls import reverse

from kehu.accounts.models import Team
from kehu.customers.models import Customer
from kehu.scoring import services
from kehu.scoring.models import CustomerScore, ScoreRun
from tests.conftest import TEST_PASSWORD


def _client(user):
    client = Client()
    assert client.login(username=user.get_username(), password=TEST_PASSWORD)
    return client


@pytest.mark.django_db
def test_dashboard_shows_pyramid_segments_and_fit(scored, make_user):
    marketer = make_user("marketing")  # sees every customer
    response = _client(marketer).get(reverse("scoring:dashboard"))
    assert response.status_code == 200
    pyramid = {row["tier"]: row for row in response.context["pyramid"]}
    assert sum(row["customers"] for row in pyramid.values()) == Customer.objects.count()
    assert pyramid["A"]["customers"] == int(0.01 * Customer.objects.count())
    assert sum(row["value_share"] for row in pyramid.values()) == pytest.approx(100, abs=0.3)
    assert pyramid["A"]["value_share"] > pyramid["A"]["customer_share"]  # the point of the pyramid
    assert {s["key"] for s in response.context["segments"]} == set(
        CustomerScore.objects.values_list("segment", flat=True))
    assert [p["name"] for p in response.context["fit_rows"]] == ["r", "alpha", "a", "b"]
    html = response.content.decode()
    assert "Score all customers now" not in html  # marketers read, managers run
    manager_html = _client(make_user("manager")).get(reverse("scoring:dashboard")).content.decode()
    assert "Customer pyramid (ABCD)" in html and 'id="value-charts"' in html
    assert "Score all customers now" in manager_html  # managers may start a run


@pytest.mark.django_db
def test_a_sales_rep_sees_only_their_customers_in_the_numbers(scored, make_user):
    rep = make_user("sales", team=Team.objects.create(name="Value desk"))
    mine = list(Customer.objects.order_by("id")[:25].values_list("id", flat=True))
    Customer.objects.filter(id__in=mine).update(owner=rep, team=None)
    response = _client(rep).get(reverse("scoring:dashboard"))
    assert response.status_code == 200
    assert response.context["total_customers"] == 25
    assert sum(r["customers"] for r in response.context["pyramid"]) == 25
    expected_clv = sum(float(s.clv) for s in CustomerScore.objects.filter(customer_id__in=mine))
    assert sum(r["clv"] for r in response.context["pyramid"]) == pytest.approx(expected_clv, abs=0.01)
    assert b"Score all customers now" not in response.content  # reps may not start runs
    assert _client(rep).post(reverse("scoring:start-run")).status_code == 403


@pytest.mark.django_db
def test_dashboard_query_count_does_not_grow_with_customers(scored, admin, django_assert_max_num_queries):
    client = _client(admin)
    with django_assert_max_num_queries(14):
        assert client.get(reverse("scoring:dashboard")).status_code == 200


@pytest.mark.django_db
def test_start_run_queues_one_and_the_status_polls(history, make_user, django_capture_on_commit_callbacks):
    manager = make_user("manager")
    client = _client(manager)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("scoring:start-run"), HTTP_HX_REQUEST="true")
    run = ScoreRun.objects.get()
    assert run.status == "queued" and run.requested_by == manager and run.trigger == "web"
    assert f'hx-get="{reverse("scoring:run-status", args=[run.pk])}' in response.content.decode()
    # a second click while queued shows the same run instead of queueing another
    client.post(reverse("scoring:start-run"))
    assert ScoreRun.objects.count() == 1
    services.execute_run(run.pk, now=history)
    done = client.get(reverse("scoring:run-status", args=[run.pk]) + "?reload=1")
    assert done.status_code == 200 and done["HX-Refresh"] == "true"


@pytest.mark.django_db
def test_value_card_on_the_360_page(scored, admin):
    best = CustomerScore.objects.order_by("-clv").first()
    response = _client(admin).get(reverse("scoring:value-card", args=[best.customer_id]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Customer value" in html and "tier-A" in html
    assert "Likely still active" in html or "chance still active" in html
    assert f"R{best.r_score} F{best.f_score} M{best.m_score}" in html


@pytest.mark.django_db
def test_value_card_of_an_invisible_customer_is_a_404(scored, make_user):
    rep = make_user("sales", team=Team.objects.create(name="Value desk"))
    other = Customer.objects.exclude(owner=rep).first()
    assert _client(rep).get(reverse("scoring:value-card", args=[other.pk])).status_code == 404


@pytest.mark.django_db
def test_value_card_before_any_run(history, admin):
    customer = Customer.objects.first()
    response = _client(admin).get(reverse("scoring:value-card", args=[customer.pk]))
    assert b"Not scored yet" in response.content


@pytest.mark.django_db
def test_customer_list_filters_and_sorts_by_value(scored, admin, django_assert_max_num_queries):
    client = _client(admin)
    with django_assert_max_num_queries(8):
        response = client.get(reverse("customers:list") + "?segment=champions&sort=-clv")
    rows = response.context["customers"]
    assert rows and all(c.score.segment == "champions" for c in rows)
    clvs = [c.score.clv for c in rows]
    assert clvs == sorted(clvs, reverse=True)
    cell = client.get(reverse("customers:list") + "?r_score=5&f_score=5")
    assert all(c.score.r_score == 5 and c.score.f_score == 5 for c in cell.context["customers"])


@pytest.mark.django_db
def test_api_exposes_filters_and_orders_by_value(scored, admin, api):
    client = api(admin)
    response = client.get("/api/v1/customers/?ordering=-clv&page_size=20")
    assert response.status_code == 200
    values = [row["value"]["clv"] for row in response.data["results"]]
    assert [float(v) for v in values] == sorted((float(v) for v in values), reverse=True)
    assert float(values[0]) == float(CustomerScore.objects.order_by("-clv").first().clv)
    at_risk = client.get("/api/v1/customers/?segment=at_risk&p_alive_max=0.5")
    assert all(r["value"]["segment"] == "at_risk" and r["value"]["p_alive"] <= 0.5
               for r in at_risk.data["results"])
    assert {"tier", "segment", "clv", "p_alive", "expected_purchases", "scored_at"} <= set(values and
                                                                                          response.data["results"][0]["value"])


@pytest.mark.django_db
def test_admin_edits_the_model_settings_with_an_audit_entry(admin):
    from kehu.privacy.models import AuditEntry

    obj = services.current_settings()
    client = _client(admin)
    url = reverse("admin:scoring_scoringsettings_change", args=[obj.pk])
    form = client.get(url).context["adminform"].form
    data = {name: form[name].value() for name in form.fields}
    data.update(margin_rate="0.4", horizon_months="24", updated_by="")
    data = {k: ("on" if v is True else v) for k, v in data.items() if v is not None and v is not False}
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    obj.refresh_from_db()
    assert (obj.margin_rate, obj.horizon_months, obj.updated_by) == (0.4, 24, admin)
    entry = AuditEntry.objects.get(object_type="scoring.scoringsettings")
    assert entry.changes == {"margin_rate": [0.3, 0.4], "horizon_months": [12, 24]}


@pytest.mark.django_db
def test_only_admins_change_the_model_settings(make_user):
    obj = services.current_settings()
    url = reverse("admin:scoring_scoringsettings_change", args=[obj.pk])
    for role in ("manager", "sales", "marketing"):
        assert _client(make_user(role)).post(url, {"margin_rate": "0.9"}).status_code in (302, 403)
    obj.refresh_from_db()
    assert obj.margin_rate == 0.3
