"""End-to-end: a sales manager reads the insight pages in chromium — the sales dashboard (charts
beside their tables, the period filter), the referral leaders and a referral tree (the ECharts tree
and the nested list, keyboard reachable), the lead score page and its retrain button — each passing
axe-core, with an XSS payload in a customer's name staying text.
"""

import pytest
from playwright.sync_api import expect

from kehu.sales import lead_scoring
from kehu.sales import pipeline as deals
from tests.e2e.helpers import assert_accessible, horizontal_overflow, login
from tests.sales.conftest_insight import closed_history, customers, link, orders

pytestmark = pytest.mark.e2e

XSS = '<img src=x onerror="window.pwned = 1">'


@pytest.fixture
def sales_floor(live_server, make_user, make_customer, team, admin):
    manager = make_user("manager", team=team, is_manager=True, username="zhao.jingli")
    rep = make_user("sales", team=team, username="qian.xiaoshou")
    customer = make_customer(rep, owner=rep, team=team, family_name="孙", given_name="丽")
    deals.create_opportunity(rep, customer=customer, name="厨房改造", amount="30000")
    (root,) = customers(1, owner=rep, team=team, prefix="周" + XSS)
    kids = customers(3, owner=rep, team=team, prefix="吴")
    for kid in kids:
        link(kid, root)
    (grandkid,) = customers(1, owner=rep, team=team, prefix="郑")
    link(grandkid, kids[0])
    orders([(kid, 500) for kid in kids] + [(grandkid, 200)])
    closed_history(300, seed=11, owner=rep)
    lead_scoring.train_lead_score(admin)
    return {"manager": manager, "root": root}


def _inert(page):
    assert page.evaluate("window.pwned") is None, page.url


def test_a_manager_reads_the_dashboard_the_referrals_and_the_lead_score(page, new_page, shot, sales_floor):
    login(page, sales_floor["manager"])
    page.goto("/sales/dashboard/")
    expect(page.get_by_role("heading", level=1, name="Sales dashboard")).to_be_visible()
    for chart in ("funnel-chart", "owners-chart", "yield-chart"):
        expect(page.locator(f"#{chart} svg")).to_be_visible()
    expect(page.locator("#funnel-table tbody tr").first).to_contain_text("Prospecting")
    page.locator("select[name=days]").select_option("30")
    page.get_by_role("button", name="Show").click()
    expect(page).to_have_url(__import__("re").compile(r"days=30"))
    shot(page, "dashboard")
    assert_accessible(page, "the sales dashboard")

    page.get_by_role("navigation", name="Sales").get_by_role("link", name="Referrals").click()
    expect(page.get_by_role("heading", level=1, name="Referrals")).to_be_visible()
    leader = page.get_by_role("link", name="周" + XSS + "0")
    expect(leader).to_be_visible()
    _inert(page)
    shot(page, "referrals")
    assert_accessible(page, "the referral leaders")

    leader.focus()
    page.keyboard.press("Enter")  # the keyboard way into the tree
    expect(page.get_by_role("heading", level=1)).to_contain_text("Referral tree of")
    expect(page.locator("#tree-chart svg")).to_be_visible()
    expect(page.get_by_test_id("chain-customers")).to_have_text("4")
    tree = page.locator("#tree-list")
    expect(tree.get_by_role("link", name="吴0")).to_be_visible()
    expect(tree.get_by_role("link", name="郑0")).to_be_visible()
    _inert(page)
    shot(page, "referral-tree")
    assert_accessible(page, "a referral tree")

    page.get_by_role("navigation", name="Sales").get_by_role("link", name="Lead score").click()
    expect(page.get_by_test_id("model-kind")).to_have_text("Trained model")
    expect(page.locator("#calibration-chart svg")).to_be_visible()
    assert_accessible(page, "the lead score page")
    page.get_by_role("button", name="Retrain now").click()
    expect(page.locator(".messages")).to_contain_text("Retraining queued")
    shot(page, "lead-score")

    phone = new_page(viewport={"width": 390, "height": 844})
    login(phone, sales_floor["manager"])
    phone.goto(f"/sales/referrals/{sales_floor['root'].pk}/")
    expect(phone.locator("#tree-list")).to_be_visible()
    overflow = horizontal_overflow(phone)
    assert overflow["scrollWidth"] <= overflow["innerWidth"], overflow
    shot(phone, "referral-tree-phone")
