"""End-to-end: a user clicking through Kehu in Debian's chromium (Playwright, sync API).

Data is built through the services (tests/conftest.py fixtures), users log in through the real
login form, and every step leaves a screenshot in test-artifacts/screenshots/.
"""

import re
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.utils import translation
from playwright.sync_api import expect

from kehu.customers.models import Customer
from kehu.orders.models import Order, Product
from kehu.orders.services import save_order
from tests.e2e.helpers import assert_accessible, focused, horizontal_overflow, login

pytestmark = pytest.mark.e2e

SHANGHAI = ZoneInfo("Asia/Shanghai")
ZH_HANS_CATALOG = Path(settings.LOCALE_PATHS[0]) / "zh_Hans" / "LC_MESSAGES" / "django.mo"
ORDERS = [  # (external id, ordered at, quantity of a ¥160 product)
    ("SO-1001", datetime(2026, 8, 5, 10, 0, tzinfo=SHANGHAI), 8),
    ("SO-1002", datetime(2026, 8, 20, 15, 30, tzinfo=SHANGHAI), 2),
    ("SO-1003", datetime(2026, 10, 12, 9, 15, tzinfo=SHANGHAI), 3),
]


@pytest.fixture
def crm(live_server, make_user, make_customer, team, other_team):
    """A sales rep of team East with three customers; the first one has orders."""
    rep = make_user("sales", team=team, username="li.na")
    wang = make_customer(rep, phone="13812345678", email="xiaoming.wang@example.com",
                         family_name="王", given_name="小明", tier="A", acquisition_source="referral",
                         tags=["VIP", "Shanghai"])
    make_customer(rep, phone="13900001111", family_name="李", given_name="雷", lifecycle_stage="active")
    make_customer(rep, kind="organisation", legal_name="上海示例贸易有限公司", nature="company",
                  family_name="", given_name="", email="buyer@example.com")
    tea = Product.objects.create(sku="TEA-1", name="Longjing tea 250 g", price=160)
    for ref, at, qty in ORDERS:
        save_order(rep, Order(customer=wang), ordered_at=at, external_id=ref, channel="store",
                   store="Nanjing Rd", lines=[{"product": tea.pk, "quantity": qty}])
    return {"rep": rep, "wang": wang, "team": team, "other_team": other_team}


def _tab(page, name):
    return page.get_by_role("tab", name=name, exact=True)


def _open_tab(page, name):
    tab = _tab(page, name)
    with page.expect_response(lambda r: "/tab/" in r.url) as response:
        tab.click()
    assert response.value.status == 200
    expect(tab).to_have_attribute("aria-selected", "true")
    expect(page.locator("#tabpanel")).to_have_attribute("aria-labelledby", tab.get_attribute("id"))


def _timeline_titles(page):
    expect(page.locator("#timeline > li .title").first).to_be_visible()
    return page.locator("#timeline > li .title").all_inner_texts()


def test_search_by_phone_opens_the_360_page_with_its_tabs(page, shot, crm):
    wang = crm["wang"]
    login(page, crm["rep"])
    shot(page, "customer-list")

    search = page.get_by_role("searchbox", name="Search customers by name, phone or email")
    search.fill("138 1234 5678")
    search.press("Enter")
    page.wait_for_url(f"**/customers/{wang.pk}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("王小明")
    expect(page.get_by_role("tab")).to_have_text(
        ["C · Characteristics", "P · Purchases", "R · Responses", "Timeline"])
    expect(_tab(page, "C · Characteristics")).to_have_attribute("aria-selected", "true")
    expect(page.get_by_test_id("identity-phone")).to_have_text("138 1234 5678")
    shot(page, "360-characteristics")

    _open_tab(page, "P · Purchases")
    orders = page.get_by_role("table", name="Latest orders")
    expect(orders).to_be_visible()
    expect(orders.locator("tbody tr")).to_have_count(3)
    expect(orders.locator("tbody tr").first.locator("td")).to_have_text(
        ["10/12/2026", "SO-1003", "Store", "Nanjing Rd", "Completed", "CN¥480.00"])
    facts = page.locator("#tabpanel dl.facts")
    expect(facts.locator("dd")).to_have_text(["3", "CN¥2,080.00"])
    chart = page.locator("[data-chart=monthly-spend]")
    expect(chart.locator("svg")).to_be_visible()
    expect(chart).to_have_attribute("data-rendered", "1")
    box = chart.locator("svg").bounding_box()
    assert box["width"] > 200 and box["height"] > 200
    # Two months with orders (Aug and Oct 2026): the x axis carries exactly those labels.
    expect(chart.locator("svg text", has_text=re.compile(r"^2026-\d\d$"))).to_have_text(["2026-08", "2026-10"])
    # the text alternative screen readers get for the chart
    expect(chart).to_have_accessible_name("Monthly spend")
    expect(chart).to_have_accessible_description("2026-08: CN¥1,600.00 2026-10: CN¥480.00")
    shot(page, "360-purchases")

    _open_tab(page, "R · Responses")
    expect(page.locator("#tabpanel").get_by_role("heading", name="Responses")).to_be_visible()

    _open_tab(page, "Timeline")
    titles = _timeline_titles(page)
    assert titles[-3:] == ["Order SO-1003: CN¥480.00", "Order SO-1002: CN¥320.00",
                           "Order SO-1001: CN¥1,280.00"]
    assert "Customer created" in titles
    shot(page, "360-timeline")


def test_language_switcher_shows_simplified_chinese_and_back(page, shot, crm):
    login(page, crm["rep"])
    with translation.override("zh-hans"):
        expected = {"customers": translation.gettext("Customers"), "search": translation.gettext("Search")}
    if ZH_HANS_CATALOG.exists():  # compiled by the translators; without it only <html lang> changes
        assert expected["customers"] == "客户"

    page.get_by_label("Language").select_option("zh-hans")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(page).to_have_url(re.compile(r"/customers/$"))
    nav = page.locator("header nav")
    expect(nav.get_by_role("link", name=expected["customers"], exact=True)).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text(expected["customers"])
    expect(page.locator("form.search button")).to_have_text(expected["search"])
    expect(page.locator("#language")).to_have_value("zh-hans")
    assert_accessible(page, "the customer list in Simplified Chinese")
    shot(page, "zh-hans-list")
    page.locator("table a", has_text="王小明").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("王小明")
    shot(page, "zh-hans-360")

    page.locator("#language").select_option("en")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("tab", name="Timeline", exact=True)).to_be_visible()
    expect(page.locator("header nav").get_by_role("link", name="Customers", exact=True)).to_be_visible()
    shot(page, "back-to-english")


def test_edit_through_htmx_post_then_timeline_shows_the_change(page, shot, crm):
    wang = crm["wang"]
    login(page, crm["rep"])
    page.goto(f"/customers/{wang.pk}/")
    page.get_by_role("link", name="Edit", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Edit 王小明")
    stage = page.get_by_label("Lifecycle stage")
    expect(stage).to_have_value("prospect")
    stage.select_option(label="Active")
    page.get_by_label("Display name").fill("王小明 (Nanjing Rd)")
    shot(page, "edit-form")

    with page.expect_response(lambda r: r.request.method == "POST" and r.url.endswith("/edit/")) as posted:
        page.get_by_role("button", name="Save").click()
    response = posted.value
    request_headers = response.request.all_headers()
    assert request_headers["hx-request"] == "true"
    assert request_headers["x-csrftoken"]
    assert response.status == 204
    assert response.header_value("hx-redirect") == f"/customers/{wang.pk}/"

    page.wait_for_url(f"**/customers/{wang.pk}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("王小明 (Nanjing Rd)")
    expect(page.locator("main p.muted").first).to_contain_text("Active")
    _open_tab(page, "Timeline")
    change = page.locator("#timeline > li", has=page.locator(".title", has_text="Customer updated"))
    expect(change).to_have_count(1)
    expect(change.locator(".lines li")).to_have_text(
        ["Name: 王小明 → 王小明 (Nanjing Rd)", "Lifecycle stage: Prospect → Active"], ignore_case=False)
    expect(change.locator(".when")).to_contain_text("li.na")
    shot(page, "timeline-with-change")
    wang.refresh_from_db()
    assert (wang.lifecycle_stage, wang.version) == ("active", 2)


def test_create_form_shows_phone_error_inline_without_reload(page, shot, crm):
    login(page, crm["rep"])
    before = Customer.objects.count()
    page.get_by_role("link", name="New customer").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("New customer")
    page.get_by_label("Family name").fill("赵")
    page.get_by_label("Given name").fill("敏")
    phone = page.get_by_label("Mobile phone")
    phone.fill("12345")
    page.evaluate("window.__samePage = true")
    with page.expect_response(lambda r: r.request.method == "POST") as posted:
        page.get_by_role("button", name="Save").click()
    assert posted.value.status == 422
    assert posted.value.request.all_headers()["hx-request"] == "true"

    error = page.locator("#id_phone_error")
    expect(error).to_have_text("“12345” is not a valid phone number.")
    # next to the field: in the same .field wrapper, tied to the input for screen readers
    field = page.locator(".field", has=page.locator("#id_phone"))
    expect(field).to_have_class(re.compile(r"\bhas-error\b"))
    expect(field.locator(".errorlist")).to_have_count(1)
    expect(phone).to_have_attribute("aria-invalid", "true")
    expect(phone).to_have_attribute("aria-describedby", "id_phone_error")
    expect(phone).to_have_value("12345")
    expect(page.get_by_label("Family name")).to_have_value("赵")
    expect(page.locator(".errorlist")).to_have_count(1)
    assert page.evaluate("window.__samePage") is True  # no full page load
    expect(page).to_have_url(re.compile(r"/customers/new/$"))
    shot(page, "create-with-error")
    assert Customer.objects.count() == before
    assert not Customer.objects.filter(family_name="赵").exists()


def test_rep_of_another_team_gets_404_for_an_invisible_customer(page, shot, crm, make_user):
    outsider = make_user("sales", team=crm["other_team"], username="zhou.wei")
    login(page, outsider)
    expect(page.get_by_text("No customers match these filters.")).to_be_visible()
    response = page.goto(f"/customers/{crm['wang'].pk}/")
    assert response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Not found")
    expect(page.get_by_text("There is nothing here, or you may not see it.")).to_be_visible()
    expect(page.get_by_text("王小明")).to_have_count(0)
    expect(page).to_have_title("Not found · Kehu CRM")
    shot(page, "404")


def test_marketing_user_sees_the_phone_masked(page, shot, crm, make_user):
    marketer = make_user("marketing", username="chen.jing")
    login(page, marketer)
    row = page.locator("tbody tr", has=page.get_by_role("link", name="王小明"))
    expect(row.locator("td").nth(2)).to_have_text("138****5678")
    row.get_by_role("link", name="王小明").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("王小明")
    expect(page.get_by_test_id("identity-phone")).to_have_text("138****5678")
    expect(page.get_by_test_id("identity-email")).to_have_text("x***@example.com")
    expect(page.locator("main")).not_to_contain_text("13812345678")
    expect(page.get_by_role("link", name="Edit", exact=True)).to_have_count(0)
    shot(page, "360-masked")


def test_pages_pass_axe_wcag_aa(page, shot, crm):
    wang = crm["wang"]
    page.goto("/login/")
    assert_accessible(page, "the login page")
    page.get_by_role("button", name="Log in").click()  # empty form: errors next to the fields
    expect(page.locator("#id_username_error")).to_have_text("This field is required.")
    expect(page.get_by_label("Password")).to_have_attribute("aria-describedby", "id_password_error")
    assert_accessible(page, "the login page with field errors")
    shot(page, "login-field-errors")
    page.get_by_label("Username").fill(crm["rep"].get_username())
    page.get_by_label("Password").fill("wrong password")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("alert")).to_contain_text("Please enter a correct username and password.")
    assert_accessible(page, "the login page with a wrong password")
    shot(page, "login-wrong-password")

    login(page, crm["rep"])
    assert_accessible(page, "the customer list")
    page.get_by_label("Stage").select_option("active")
    expect(page.locator("#customer-results tbody tr")).to_have_count(1)
    assert_accessible(page, "the filtered customer list")

    page.goto(f"/customers/{wang.pk}/")
    expect(page.get_by_test_id("identity-phone")).to_be_visible()
    assert_accessible(page, "the 360 page, C tab")
    for name in ("P · Purchases", "R · Responses", "Timeline"):
        _open_tab(page, name)
        if name.startswith("P"):
            expect(page.locator("[data-chart] svg")).to_be_visible()
        assert_accessible(page, f"the 360 page, {name} tab")
        shot(page, f"axe-{name[0].lower()}")

    page.goto("/customers/new/")
    page.get_by_label("Family name").fill("赵")
    page.get_by_label("Mobile phone").fill("12345")
    page.get_by_label("Email", exact=True).fill("not-an-email")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#id_phone_error")).to_be_visible()
    expect(page.locator("#id_email_error")).to_be_visible()
    assert_accessible(page, "the create form with errors")
    shot(page, "axe-create-errors")

    page.goto("/customers/999999/")
    assert_accessible(page, "the 404 page")


def test_phone_width_has_no_horizontal_overflow(new_page, shot, crm):
    page = new_page(viewport={"width": 375, "height": 812})
    page.goto("/login/")
    overflow = horizontal_overflow(page)
    assert overflow["scrollWidth"] <= overflow["innerWidth"], overflow
    login(page, crm["rep"])

    def check(label):
        overflow = horizontal_overflow(page)
        assert overflow["scrollWidth"] <= overflow["innerWidth"], f"{label}: {overflow}"
        shot(page, f"phone-{label}")

    expect(page.locator("#customer-results tbody tr")).to_have_count(3)
    check("list")
    page.goto(f"/customers/{crm['wang'].pk}/")
    expect(page.get_by_test_id("identity-phone")).to_be_visible()
    check("360-c")
    _open_tab(page, "P · Purchases")
    expect(page.locator("[data-chart] svg")).to_be_visible()
    check("360-p")
    _open_tab(page, "R · Responses")
    check("360-r")
    _open_tab(page, "Timeline")
    expect(page.locator("#timeline > li").first).to_be_visible()
    check("360-timeline")
    page.goto("/customers/new/")
    check("create-form")
    page.goto(f"/customers/{crm['wang'].pk}/")
    page.get_by_label("Language").select_option("zh-hans")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    check("zh-hans-360")


def test_keyboard_reaches_skip_link_then_nav(page, shot, crm):
    login(page, crm["rep"])
    page.goto("/customers/")
    page.keyboard.press("Tab")
    first = focused(page)
    assert (first["tag"], first["text"], first["href"]) == ("a", "Skip to content", "#main")
    assert first["onScreen"], "the focused skip link must be visible"
    shot(page, "skip-link-focused", full_page=False)
    page.keyboard.press("Tab")
    assert focused(page)["href"] == "/"  # the brand, i.e. home
    page.keyboard.press("Tab")
    nav = focused(page)
    assert (nav["text"], nav["href"], nav["navLabel"]) == ("Customers", "/customers/", "Main")

    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Shift+Tab")
    assert focused(page)["text"] == "Skip to content"
    page.keyboard.press("Enter")
    assert focused(page)["id"] == "main"
    page.keyboard.press("Tab")
    after_skip = focused(page)
    assert not after_skip["inNav"] and after_skip["text"] == "New customer", after_skip

    # The 360 tabs follow the WAI-ARIA tabs pattern: one tab stop, arrows/Home/End switch tabs.
    page.goto(f"/customers/{crm['wang'].pk}/")
    expect(page.get_by_test_id("identity-phone")).to_be_visible()
    _tab(page, "C · Characteristics").focus()
    page.keyboard.press("ArrowRight")
    expect(_tab(page, "P · Purchases")).to_be_focused()
    expect(_tab(page, "P · Purchases")).to_have_attribute("aria-selected", "true")
    expect(page.get_by_role("table", name="Latest orders")).to_be_visible()
    page.keyboard.press("End")
    expect(_tab(page, "Timeline")).to_have_attribute("aria-selected", "true")
    expect(page.locator("#timeline > li").first).to_be_visible()
    assert page.get_by_role("tab").evaluate_all("ts => ts.map(t => t.tabIndex)") == [-1, -1, -1, 0]
    page.keyboard.press("Tab")  # leaves the tab list for the panel
    expect(page.locator("#tabpanel")).to_be_focused()
    shot(page, "tabs-by-keyboard", full_page=False)
    page.keyboard.press("Shift+Tab")
    expect(_tab(page, "Timeline")).to_be_focused()
    page.keyboard.press("Home")
    expect(_tab(page, "C · Characteristics")).to_have_attribute("aria-selected", "true")
    expect(page.get_by_test_id("identity-phone")).to_be_visible()
    # Arrowing quickly through the tabs: the last one wins (hx-sync replaces in-flight loads).
    for _ in range(3):
        page.keyboard.press("ArrowRight")
    expect(_tab(page, "Timeline")).to_have_attribute("aria-selected", "true")
    expect(page.locator("#timeline > li").first).to_be_visible()
    page.wait_for_timeout(300)
    expect(page.locator("#timeline > li").first).to_be_visible()
