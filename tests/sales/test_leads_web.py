"""The public web-to-lead form: no account, preset source and campaign, both languages, a bot's
honeypot, a flood from one address, garbage refused with a reason, embeddable (this page only) and,
in place of the CSRF cookie a framed page does not get, a signed token bound to the address, what visitors type rendered inert on the staff pages."""

import re
import time

import pytest
from django.core import signing
from django.test import Client

from kehu.sales.forms_leads import (
    WEB_FORM_TOKEN_MAX_AGE,
    WEB_FORM_TOKEN_SALT,
    _address_digest,
    web_form_token,
    web_form_token_valid,
)
from kehu.sales.models import Lead

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("fresh_rate_limits")]

URL = "/sales/web-to-lead/"
XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def _form(**overrides):
    data = {"name": "周女士", "company": "", "phone": "138 0013 8000", "email": "", "message": "想了解空气净化器的团购价格。",
            "referred_by": "", "source": "", "campaign": "", "website": "",
            "token": web_form_token("127.0.0.1")}  # the test client's address
    return {**data, **overrides}


def test_a_visitor_leaves_a_lead_and_is_thanked(client, settings, make_user):
    owner = make_user("sales", username="web.owner")
    settings.KEHU_WEB_LEAD_OWNER = "web.owner"
    page = client.get(URL, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert page.status_code == 200 and 'lang="zh-hans"' in page.content.decode()
    response = client.post(URL, _form())
    assert response.status_code == 302 and response["Location"] == URL + "?thanks=1"
    lead = Lead.objects.get()
    assert (lead.name, lead.phone_normalized, lead.source.code, lead.channel, lead.status) == (
        "周女士", "+8613800138000", "online", "web", "new")
    assert (lead.owner, lead.created_by) == (owner, None)
    assert "空气净化器" in lead.notes
    assert client.get(response["Location"]).status_code == 200


def test_the_source_and_campaign_come_from_the_link(client, settings):
    settings.KEHU_WEB_LEAD_OWNER = ""
    page = client.get(URL + "?source=trade_show&campaign=2026%20广交会").content.decode()
    assert 'value="trade_show"' in page and 'value="2026 广交会"' in page
    client.post(URL, _form(source="trade_show", campaign="2026 广交会"))
    lead = Lead.objects.get()
    assert (lead.source.code, lead.campaign, lead.owner, lead.team) == ("trade_show", "2026 广交会", None, None)


def test_a_referral_source_from_the_link_is_not_trusted(client, settings):
    """A visitor can't name one of our customers: the lead comes in as online, and who they say
    recommended us is kept in the notes for the owner."""
    settings.KEHU_WEB_LEAD_OWNER = ""
    client.post(URL, _form(source="referral", referred_by="张伟"))
    lead = Lead.objects.get()
    assert lead.source.code == "online" and lead.referrer_customer is None
    assert "张伟" in lead.notes


def test_an_unknown_owner_setting_leaves_the_lead_unassigned(client, settings):
    settings.KEHU_WEB_LEAD_OWNER = "nobody-here"
    client.post(URL, _form())
    assert Lead.objects.get().owner is None


def test_the_form_speaks_english_and_chinese(client):
    assert "Contact us" in client.get(URL + "?lang=en").content.decode()
    page = client.get(URL + "?lang=zh-hant")
    assert 'lang="zh-hant"' in page.content.decode()


@pytest.mark.parametrize(("change", "message"), [
    ({"phone": "", "email": ""}, "Give a phone number or an email address"),
    ({"phone": "12345"}, "not a phone number we can call"),
    ({"email": "not-an-email", "phone": ""}, "Enter a valid email address"),
    ({"name": ""}, "This field is required"),
    ({"name": "x" * 121}, "at most 120 characters"),
    ({"message": "m" * 2001}, "at most 2000 characters"),
    ({"message": "bad\x00byte"}, "Null characters are not allowed"),
])
def test_garbage_is_refused_with_a_reason(client, change, message):
    response = client.post(URL, _form(**change))
    assert response.status_code == 400 and message in response.content.decode()
    assert not Lead.objects.exists()


def test_a_preset_too_long_is_cut_to_size_not_refused(client):
    client.post(URL, _form(campaign="活" * 500, source="s" * 500))
    lead = Lead.objects.get()
    assert lead.campaign == "活" * 200 and lead.source.code == "online"


def test_an_oversized_body_is_refused_cleanly(client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    response = client.post(URL, _form(message="长" * 20_000))
    assert response.status_code == 400 and not Lead.objects.exists()


def test_the_honeypot_files_nothing_but_says_thanks(client):
    response = client.post(URL, _form(website="http://spam.example.com"))
    assert response.status_code == 302 and response["Location"].endswith("?thanks=1")
    assert not Lead.objects.exists()


def test_a_flood_from_one_address_is_stopped(client):
    for _ in range(10):
        assert client.post(URL, _form()).status_code == 302
    blocked = client.post(URL, _form())
    assert blocked.status_code == 429 and Lead.objects.count() == 10
    assert Client(REMOTE_ADDR="10.1.2.3").post(URL, _form(token=web_form_token("10.1.2.3"))).status_code == 302


def test_only_this_page_may_be_framed(client):
    assert "X-Frame-Options" not in client.get(URL)
    assert "X-Frame-Options" not in client.get(URL + "?thanks=1")
    assert client.get("/login/")["X-Frame-Options"] == "DENY"


def test_no_csrf_cookie_is_needed_but_the_pages_own_token_is(settings):
    """Framed on another site the form gets no CSRF cookie; it carries its own token instead: the
    one the page was shown with, from the address it was shown to, within a day."""
    strict = Client(enforce_csrf_checks=True)
    page = strict.get(URL).content.decode()
    token = re.search(r'name="token" value="([^"]+)"', page).group(1)
    assert strict.post(URL, _form(token=token)).status_code == 302  # no csrftoken cookie or field
    assert Lead.objects.count() == 1

    for forged in ("", "x", web_form_token("203.0.113.9")):  # missing, garbage, fetched by another address
        response = strict.post(URL, _form(token=forged, name="伪造"))
        assert response.status_code == 400
        html = response.content.decode()
        assert "please send it again" in html and 'value="伪造"' in html  # what was typed is kept
        assert re.search(r'name="token" value="([^"]+)"', html).group(1) not in ("", "x")  # a fresh one
    class DayOld(signing.TimestampSigner):
        def timestamp(self):
            return signing.b62_encode(int(time.time()) - WEB_FORM_TOKEN_MAX_AGE - 60)

    stale = DayOld(salt=WEB_FORM_TOKEN_SALT).sign_object(_address_digest("127.0.0.1"))
    assert web_form_token_valid(web_form_token("127.0.0.1"), "127.0.0.1")  # the same, fresh, is good
    assert strict.post(URL, _form(token=stale)).status_code == 400
    assert Lead.objects.count() == 1


def test_what_visitors_type_is_inert_on_the_staff_pages(client, make_user):
    client.post(URL, _form(name=XSS, message=XSS, company=XSS, referred_by=XSS))
    lead = Lead.objects.get()
    marketer = make_user("marketing")  # sees every lead, unassigned ones too
    staff = Client()
    staff.force_login(marketer)
    for url in (f"/sales/leads/{lead.pk}/", "/sales/leads/"):
        html = staff.get(url).content.decode()
        assert "<script>alert" not in html and "<img src=x" not in html
        assert "&lt;script&gt;alert" in html
