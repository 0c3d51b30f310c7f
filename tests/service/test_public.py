"""The public complaint form and status page: no account, both languages, bad input refused with a
reason, bots and floods kept out, tokens not guessable, what customers type rendered inert."""

import pytest
from django.core.cache import cache
from django.test import Client

from kehu.service.models import Case, CaseCategory, CaseMessage

pytestmark = pytest.mark.django_db

XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()
    yield
    cache.clear()


def _form(**overrides):
    data = {"name": "周女士", "phone": "138 0013 8000", "email": "", "words": "快递员态度很差，把包裹扔在门口。",
            "category": CaseCategory.objects.get(code="delivery").pk, "order_number": "", "expectation": "道歉",
            "website": ""}
    return {**data, **overrides}


def test_a_complaint_without_an_account_gets_a_reference_and_a_status_page(client, admin):
    page = client.get("/service/complain/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert page.status_code == 200 and "您的姓名" in page.content.decode()
    response = client.post("/service/complain/", _form())
    assert response.status_code == 302
    case = Case.objects.get()
    assert (case.kind, case.channel, case.stage, case.contact_phone) == ("complaint", "web", "listen", "+8613800138000")
    assert case.customer_words.startswith("快递员") and case.expectation == "道歉"
    thanks = client.get(response["Location"]).content.decode()
    assert case.reference in thanks and f"/service/status/{case.public_token}/" in thanks
    status = client.get(f"/service/status/{case.public_token}/").content.decode()
    assert case.reference in status and "快递员态度很差" in status
    client.post(f"/service/status/{case.public_token}/", {"body": "还有，包裹被淋湿了。"})
    assert CaseMessage.objects.filter(case=case, direction="in").count() == 2


def test_a_known_customer_is_linked(client, admin, make_customer):
    customer = make_customer(admin, family_name="周", given_name="敏", phone="13800138000")
    client.post("/service/complain/", _form())
    assert Case.objects.get().customer == customer


@pytest.mark.parametrize(("change", "message"), [
    ({"phone": "", "email": ""}, "Give a phone number or an email address"),
    ({"phone": "12345"}, "not a phone number we can call"),
    ({"email": "not-an-email", "phone": ""}, "Enter a valid email address"),
    ({"words": "x" * 5001}, "at most 5000 characters"),
    ({"words": ""}, "This field is required"),
    ({"category": "999"}, "Select a valid choice"),
    ({"words": "bad\x00byte"}, "Null characters are not allowed"),
])
def test_bad_input_is_refused_with_a_reason(client, change, message):
    response = client.post("/service/complain/", _form(**change))
    assert response.status_code == 200 and message in response.content.decode()
    assert not Case.objects.exists()


def test_the_honeypot_files_nothing(client):
    response = client.post("/service/complain/", _form(website="http://spam.example.com"))
    assert response.status_code == 200 and not Case.objects.exists()


def test_a_flood_from_one_address_is_stopped(client, admin):
    for _ in range(10):
        assert client.post("/service/complain/", _form()).status_code == 302
    blocked = client.post("/service/complain/", _form())
    assert blocked.status_code == 429 and Case.objects.count() == 10
    other = Client(REMOTE_ADDR="10.1.2.3")
    assert other.post("/service/complain/", _form()).status_code == 302


def test_forged_tokens_and_references_find_nothing(client, admin):
    client.post("/service/complain/", _form())
    case = Case.objects.get()
    assert client.get(f"/service/status/{case.reference}/").status_code == 404
    assert client.get("/service/status/" + "A" * 43 + "/").status_code == 404
    assert client.get(f"/service/complain/thanks/{case.pk}/").status_code == 404
    assert len(case.public_token) >= 40


def test_what_customers_type_is_rendered_inert(client, admin, make_user):
    client.post("/service/complain/", _form(name=XSS, words=XSS + " 投诉", expectation=XSS))
    case = Case.objects.get()
    client.post(f"/service/status/{case.public_token}/", {"body": XSS})
    for html in (client.get(f"/service/status/{case.public_token}/").content.decode(),):
        assert "<script>alert" not in html and "onerror=alert" not in html.replace("onerror=alert(1)&gt;", "")
        assert "&lt;script&gt;" in html
    agent = make_user("service")
    staff = Client()
    staff.force_login(agent)
    html = staff.get(f"/service/cases/{case.pk}/").content.decode()
    assert "<script>alert" not in html and "&lt;script&gt;alert" in html
