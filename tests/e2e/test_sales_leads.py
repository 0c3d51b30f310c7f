"""End-to-end: a sales rep works a referral lead in the Chinese UI, from entry to conversion.

The rep switches the interface to 简体中文, enters a lead referred by one of their customers (the
referrer found with the picker's search; the form warns that the phone already belongs to a
customer, without blocking), with a script in the notes; qualifies it on its page; converts it,
choosing the existing customer the matcher found rather than a new one. The payload never runs;
every page passes axe-core. Then a visitor leaves a lead on the public form on a phone, and the
form also renders inside a frame on another page.

Field selectors are ids and values (the same in every language); the lead sources are chosen by
their Chinese labels, which come from the database.
"""

import pytest
from playwright.sync_api import expect

from kehu.customers.models import Customer
from kehu.sales.models import Lead
from tests.e2e.helpers import assert_accessible, horizontal_overflow, login

pytestmark = pytest.mark.e2e

XSS = '<script>window.pwned = 1</script><img src=x onerror="window.pwned = 2">'


def _inert(page):
    assert page.evaluate("window.pwned") is None, page.url
    assert page.locator("script:text('window.pwned')").count() == 0, page.url


@pytest.fixture
def crm(make_user, make_customer, team):
    rep = make_user("sales", team=team, username="zhou.xiaoshou")
    introducer = make_customer(rep, family_name="张", given_name="伟", phone="13900000001")
    existing = make_customer(rep, family_name="刘", given_name="洋", phone="13812345678")
    return {"rep": rep, "introducer": introducer, "existing": existing}


def test_a_rep_enters_qualifies_and_converts_a_referral_lead_in_chinese(page, shot, crm):
    rep, introducer, existing = crm["rep"], crm["introducer"], crm["existing"]
    login(page, rep)
    page.locator("#language").select_option("zh-hans")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")

    # 1. the list, then a new lead
    page.goto("/sales/leads/")
    expect(page.locator("h1")).to_be_visible()
    assert_accessible(page, "the lead list")
    page.goto("/sales/leads/new/")
    page.locator("#id_name").fill("刘洋")
    page.locator("#id_phone").fill("138 1234 5678")
    page.locator("#id_phone").blur()
    # the phone is a customer's: a warning with a link, not a refusal
    warning = page.get_by_test_id("lead-duplicates")
    expect(warning).to_be_visible()
    expect(warning.locator(f'a[href="/customers/{existing.pk}/"]')).to_be_visible()
    page.locator("#id_source").select_option(label="连锁介绍")
    page.locator("#id_campaign").fill("老客户推荐" + XSS)
    page.locator("#id_referrer_q").fill("张伟")
    choice = page.locator(f'input[name="referrer"][value="c:{introducer.pk}"]')
    expect(choice).to_be_visible()
    choice.check()
    page.locator("#id_notes").fill("想买五台空调。" + XSS)
    assert_accessible(page, "the new lead form")
    shot(page, "lead-form")
    page.locator("#lead-form button[type=submit]").click()

    # 2. the lead's page: referrer link, duplicates warning, notes inert; qualify it
    lead = Lead.objects.get()
    page.wait_for_url(f"**/sales/leads/{lead.pk}/")
    assert (lead.referrer_customer, lead.owner, lead.phone_normalized) == (introducer, rep, "+8613812345678")
    expect(page.get_by_test_id("lead-referrer").locator(f'a[href="/customers/{introducer.pk}/"]')).to_have_text("张伟")
    expect(page.get_by_test_id("lead-notes")).to_contain_text("<script>window.pwned = 1</script>")
    _inert(page)
    assert_accessible(page, "the lead page")
    shot(page, "lead-new")
    page.locator('form:has(input[name="status"][value="contacted"]) button').click()
    page.locator('form:has(input[name="status"][value="qualified"]) button').click()
    expect(page.locator(f'a[href="/sales/leads/{lead.pk}/convert/"]')).to_be_visible()
    lead.refresh_from_db()
    assert lead.status == "qualified"

    # 3. convert: the matcher found the existing customer; choose to link to it
    page.locator(f'a[href="/sales/leads/{lead.pk}/convert/"]').click()
    expect(page.get_by_test_id("conversion-candidates")).to_be_visible()
    expect(page.locator('input[name="target"]:checked')).to_have_count(0)  # no silent default
    assert_accessible(page, "the convert page")
    shot(page, "lead-convert")
    page.locator(f'input[name="target"][value="c:{existing.pk}"]').check()
    page.locator("form.card button[type=submit]").click()
    page.wait_for_url(f"**/customers/{existing.pk}/")
    lead.refresh_from_db()
    existing.refresh_from_db()
    assert (lead.status, lead.customer) == ("converted", existing)
    assert (existing.referred_by, existing.acquisition_source) == (introducer, "referral")
    assert Customer.objects.count() == 2  # no duplicate was created
    _inert(page)

    # 4. back on the list (all statuses): the converted lead, payload still inert
    page.goto("/sales/leads/?status=converted")
    expect(page.locator(f'a[href="/sales/leads/{lead.pk}/"]')).to_be_visible()
    _inert(page)
    shot(page, "lead-list-converted")


def test_a_visitor_leaves_a_lead_on_a_phone_and_the_form_can_be_framed(new_page, shot, live_server, settings,
                                                                      make_user):
    make_user("sales", username="web.owner")
    settings.KEHU_WEB_LEAD_OWNER = "web.owner"
    # another site frames the form: it is not blocked (every other page is)
    framed = new_page()
    framed.set_content(f'<iframe title="contact" src="{live_server.url}/sales/web-to-lead/?lang=en" '
                       f'width="400" height="600"></iframe>', wait_until="commit")
    form = framed.frame_locator("iframe")
    expect(form.locator("#id_name")).to_be_visible()
    shot(framed, "web-lead-framed")
    # and works there: a cross-site frame gets no SameSite=Lax CSRF cookie, so the form does not ask for one
    form.locator("#id_name").fill("框架里的访客")
    form.locator("#id_phone").fill("139 0013 9000")
    form.locator("button[type=submit]").click()
    expect(form.get_by_role("heading", name="Thank you: we have your message")).to_be_visible()
    assert Lead.objects.get().name == "框架里的访客"
    Lead.objects.all().delete()
    framed.context.close()  # the live server serves one connection at a time

    phone = new_page(viewport={"width": 360, "height": 740}, locale="zh-CN")
    phone.goto("/sales/web-to-lead/?source=trade_show&campaign=2026广交会")
    expect(phone.locator("html")).to_have_attribute("lang", "zh-hans")
    overflow = horizontal_overflow(phone)
    assert overflow["scrollWidth"] <= overflow["innerWidth"], overflow
    assert_accessible(phone, "the web-to-lead form")
    phone.locator("form.card button[type=submit]").click()  # empty: says what is missing
    expect(phone.locator(".errorlist").first).to_be_visible()
    assert not Lead.objects.exists()
    phone.locator("#id_name").fill("周女士" + XSS)
    phone.locator("#id_phone").fill("138 0013 8000")
    phone.locator("#id_message").fill("想了解团购价格" + XSS)
    shot(phone, "web-lead-phone")
    phone.locator("form.card button[type=submit]").click()
    phone.wait_for_url("**/sales/web-to-lead/?thanks=1")
    assert_accessible(phone, "the thank-you page")
    lead = Lead.objects.get()
    assert (lead.source.code, lead.campaign, lead.owner.username) == ("trade_show", "2026广交会", "web.owner")
    _inert(phone)
