"""Survey answers in the customer file: the R series and the timeline."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from kehu.customers.responses import sections
from kehu.customers.timeline import timeline_page
from kehu.surveys.responses import summary


def test_the_r_series_summarises_the_customers_answers(manager, small_survey, make_customer, respond):
    customer = make_customer(manager, phone="13800001001")
    assert summary(customer.pk) == ""
    respond(manager, small_survey, customer, nps=6, csat=2, pair=(4, 2), choice="c2")
    respond(manager, small_survey, customer, nps=8, csat=4, pair=(4, 4), choice="c1")
    respond(manager, small_survey, customer, nps=9, csat=5, pair=(4, 5), choice="c1")
    assert summary(customer.pk) == "NPS 9 · CSAT 66.7% (3 answers)"
    (section,) = [s for s in sections(customer.pk) if s["key"] == "surveys"]
    assert str(section["label"]) == "Satisfaction surveys"
    assert [(r.title, r.outcome, r.good) for r in section["responses"]] == [
        ("How did we do?", "NPS 9 (promoter) · CSAT 5/5", True),
        ("How did we do?", "NPS 8 (passive) · CSAT 4/5", True),
        ("How did we do?", "NPS 6 (detractor) · CSAT 2/5", False)]


def test_the_r_tab_and_the_timeline_show_the_answer(client, manager, small_survey, make_customer, respond):
    customer = make_customer(manager, phone="13800001002")
    response = respond(manager, small_survey, customer, nps=10, csat=5, pair=(5, 5), choice="c1", text="服务很好")
    client.force_login(manager)
    r_tab = client.get(f"/customers/{customer.pk}/tab/r/").content.decode()
    assert "Satisfaction surveys" in r_tab and "NPS 10 · CSAT 100% (1 answer)" in r_tab
    assert "NPS 10 (promoter) · CSAT 5/5" in r_tab and f"/surveys/responses/{response.pk}/" in r_tab
    timeline = client.get(f"/customers/{customer.pk}/tab/t/").content.decode()
    assert "Survey answered: How did we do?" in timeline and "服务很好" in timeline
    assert 'value="surveys.response"' in timeline  # the source can be filtered on


def test_the_timeline_reads_a_constant_number_of_queries(manager, small_survey, make_customer, respond):
    customer = make_customer(manager, phone="13800001003")
    respond(manager, small_survey, customer, nps=9, csat=5, pair=(5, 5), choice="c1", text="first")
    with CaptureQueriesContext(connection) as few:
        page = timeline_page(customer.pk, only=["surveys.response"])
    assert [e.lines for e in page.events] == [("NPS 9 (promoter) · CSAT 5/5", "first")]
    for i in range(8):
        respond(manager, small_survey, customer, nps=i, csat=3, pair=(3, 3), choice="c2", text=f"comment {i}")
    with CaptureQueriesContext(connection) as many:
        page = timeline_page(customer.pk, only=["surveys.response"], limit=5)
    assert len(page.events) == 5 and page.next_cursor
    assert len(many) == len(few)
    older = timeline_page(customer.pk, only=["surveys.response"], limit=5, cursor=page.next_cursor)
    assert len(older.events) == 4
