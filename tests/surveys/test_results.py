"""NPS, CSAT, gap and response-rate arithmetic, on known answers, and the results page."""

from datetime import UTC, datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kehu.customers import services as customer_services
from kehu.surveys import metrics, results
from kehu.surveys.models import Response


@pytest.mark.parametrize(("p", "pa", "d", "expected"), [
    (5, 3, 2, 30.0), (0, 0, 4, -100.0), (4, 0, 0, 100.0), (1, 1, 1, 0.0), (2, 1, 0, 66.7), (0, 0, 0, None)])
def test_nps_is_percent_promoters_minus_percent_detractors(p, pa, d, expected):
    assert metrics.nps(p, pa, d) == expected


def test_bands_and_csat_and_gap():
    assert [metrics.nps_band(s) for s in (0, 6, 7, 8, 9, 10)] == [
        "detractor", "detractor", "passive", "passive", "promoter", "promoter"]
    assert metrics.csat(3, 4) == 75.0
    assert metrics.csat(0, 0) is None
    assert metrics.gap(6.5, 5.0) == -1.5
    assert metrics.gap(None, 5) is None
    assert metrics.response_rate(4, 5) == 80.0
    assert metrics.is_detractor(6, None) and metrics.is_detractor(None, 2) and metrics.is_detractor(10, 1)
    assert not metrics.is_detractor(7, 3)


@pytest.fixture
def answered(manager, small_survey, make_customer, respond, invite_sms):
    """Five customers invited, four answered:
    NPS 10, 9, 7, 3 → 2 promoters, 1 passive, 1 detractor → NPS 25.0;
    CSAT 5, 4, 2, 3 → 2 of 4 satisfied → 50.0; pair (E, P) = (5, 3), (4, 4), (5, 2), (4, 3) → E 4.5, P 3.0, gap −1.5."""
    people = [make_customer(manager, phone=f"1380000010{i}", tier=t) for i, t in enumerate("AABBC")]
    respond(manager, small_survey, people[0], nps=10, csat=5, pair=(5, 3), choice="c1", text="Great")
    respond(manager, small_survey, people[1], nps=9, csat=4, pair=(4, 4), choice="c1")
    respond(manager, small_survey, people[2], nps=7, csat=2, pair=(5, 2), choice="c2", text="Slow")
    respond(manager, small_survey, people[3], nps=3, csat=3, pair=(4, 3), choice="c2")
    invite_sms(manager, small_survey, people[4])
    return people


def test_summary_on_known_answers(manager, small_survey, answered):
    row = results.summary(manager, small_survey, results.Filters())
    assert (row["invited"], row["answered"], row["response_rate"]) == (5, 4, 80.0)
    assert (row["promoters"], row["passives"], row["detractors"], row["nps"]) == (2, 1, 1, 25.0)
    assert (row["satisfied"], row["csat_answers"], row["csat"]) == (2, 4, 50.0)
    assert (row["promoters_pct"], row["detractors_pct"]) == (50.0, 25.0)


def test_gap_per_dimension_on_known_answers(manager, small_survey, answered):
    gaps = results.gaps(manager, small_survey, results.Filters(), "en")
    assert gaps["dimensions"] == [{"dimension": "Reliability", "key": "reliability", "n": 4,
                                   "expectation": 4.5, "perception": 3.0, "gap": -1.5}]
    (item,) = gaps["items"]
    assert (item["text"], item["expectation"], item["perception"], item["gap"]) == ("On time", 4.5, 3.0, -1.5)


def test_distributions_tiers_and_trend(manager, small_survey, answered):
    questions = list(small_survey.questions.order_by("position"))
    dist = {d["question"].kind: d for d in results.distributions(manager, small_survey, questions,
                                                                 results.Filters(), "zh-hans")}
    nps_counts = {b["label"]: b["n"] for b in dist["nps"]["bars"]}
    assert nps_counts == {"0": 0, "1": 0, "2": 0, "3": 1, "4": 0, "5": 0, "6": 0, "7": 1, "8": 0, "9": 1, "10": 1}
    assert [(b["label"], b["n"], b["pct"]) for b in dist["single"]["bars"]] == [("会", 2, 50.0), ("不会", 2, 50.0)]
    assert dist["text"]["total"] == 2
    tiers = {r["key"]: (r["responses"], r["nps"], r["csat"]) for r in results.by_tier(manager, small_survey,
                                                                                     results.Filters())}
    assert tiers == {"A": (2, 100.0, 100.0), "B": (2, -50.0, 0.0)}
    (month,) = results.trend(manager, small_survey, results.Filters())
    assert (month["responses"], month["nps"], month["csat"]) == (4, 25.0, 50.0)


def test_filters_narrow_every_figure(manager, small_survey, answered):
    only_b = results.Filters(tier="B")
    row = results.summary(manager, small_survey, only_b)
    assert (row["responses"], row["nps"], row["invited"], row["answered"]) == (2, -50.0, 2, 2)
    detractor_comments, _more = results.verbatims(manager, small_survey, results.Filters(band="passives"))
    assert [a.text for a in detractor_comments] == ["Slow"]
    # a month back in time: the answers move out of a date filter that ends before them
    Response.objects.update(submitted_at=datetime(2026, 1, 15, 12, tzinfo=UTC))
    assert results.summary(manager, small_survey, results.Filters.from_params(
        {"to": "2026-01-14"}))["responses"] == 0
    assert results.summary(manager, small_survey, results.Filters.from_params(
        {"from": "2026-01-15", "to": "2026-01-15"}))["responses"] == 4
    assert results.Filters.from_params({"from": "2026-13-45", "tier": "Z", "band": "x"}) == results.Filters()


def test_the_results_page_shows_the_numbers(client, manager, small_survey, answered):
    client.force_login(manager)
    page = client.get(f"/surveys/{small_survey.pk}/results/")
    html = page.content.decode()
    assert page.status_code == 200
    assert 'data-testid="nps">25' in html
    assert 'data-testid="csat">50.0%' in html
    assert 'data-testid="response-rate">80.0%' in html
    assert 'id="gap-chart"' in html and 'id="survey-charts"' in html
    assert "Great" in html and "Slow" in html


def test_the_results_page_reads_a_constant_number_of_queries(client, manager, small_survey, make_customer, respond):
    client.force_login(manager)
    url = f"/surveys/{small_survey.pk}/results/"
    respond(manager, small_survey, make_customer(manager, phone="13800000201"), nps=9, csat=4, pair=(3, 3),
            choice="c1", text="one")
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for i in range(6):
        customer = make_customer(manager, phone=f"1380000030{i}", tier="ABCD"[i % 4])
        respond(manager, small_survey, customer, nps=i, csat=1 + i % 5, pair=(5, i % 5 + 1), choice="c2",
                text=f"comment {i}")
    with CaptureQueriesContext(connection) as many:
        page = client.get(url)
    assert page.status_code == 200
    assert len(many) == len(few), [q["sql"] for q in many.captured_queries]


def test_the_owner_changes_and_the_tier_when_answered_stays(manager, small_survey, answered):
    """Breakdowns use the tier the customer had when they answered."""
    customer = answered[0]
    customer_services.update_customer(manager, customer, expected_version=customer.version, tier="D")
    tiers = {r["key"]: r["responses"] for r in results.by_tier(manager, small_survey, results.Filters())}
    assert tiers == {"A": 2, "B": 2}
