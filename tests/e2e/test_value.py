"""End-to-end: the customer value dashboard and the value card, as a manager clicks through them."""

import re

import pytest
from playwright.sync_api import expect

from kehu.scoring.models import CustomerScore
from tests.e2e.helpers import assert_accessible, horizontal_overflow, login

pytestmark = pytest.mark.e2e


@pytest.fixture
def marketer(live_server, scored, make_user):
    """The scored 400-customer demo history, and a marketer who sees every customer."""
    return make_user("marketing", username="mei.value")


def test_dashboard_charts_and_grid_click_lead_to_the_filtered_list(page, shot, marketer):
    login(page, marketer)
    page.get_by_role("link", name="Customer value").click()
    expect(page.get_by_role("heading", level=1, name="Customer value")).to_be_visible()
    for chart in ("pyramid", "rfm-grid", "tracking"):
        expect(page.locator(f"[data-chart={chart}] svg")).to_be_visible()
    expect(page.locator("#pyramid-table tbody tr")).to_have_count(4)
    # the RFM grid: hovering a cell shows its customers and its revenue
    grid = page.locator("[data-chart=rfm-grid]")
    box = grid.bounding_box()
    page.mouse.move(box["x"] + box["width"] * 0.9, box["y"] + box["height"] * 0.1)  # the R5 F5 corner
    expect(grid).to_contain_text(re.compile(r"R5 F5: [\d,]+ · Revenue [\d,]+"))
    shot(page, "value-dashboard")
    assert_accessible(page, "the customer value dashboard")
    # a segment row links to its customers, sorted by CLV
    first_segment = page.locator("#segment-table tbody th a").first
    label = first_segment.inner_text()
    first_segment.click()
    expect(page.get_by_role("heading", level=1, name="Customers")).to_be_visible()
    expect(page.get_by_label("Segment")).to_have_value(page.url.split("segment=")[1].split("&")[0])
    cells = page.locator("#customer-results tbody tr td:nth-child(7)")
    expect(cells.first).to_have_text(label)
    shot(page, "segment-list")


def test_value_card_on_the_360_page_in_chinese(page, shot, marketer):
    best = CustomerScore.objects.order_by("-clv").first()
    login(page, marketer)
    page.goto(f"/customers/{best.customer_id}/")
    card = page.locator(".value-card")
    expect(card.get_by_role("heading", name="Customer value")).to_be_visible()
    expect(card.locator(".badge.tier-A")).to_be_visible()
    expect(card).to_contain_text(f"R{best.r_score} F{best.f_score} M{best.m_score}")
    shot(page, "value-card")
    assert_accessible(page, "the 360 page with its value card")
    page.get_by_label("Language").select_option("zh-hans")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(page.locator(".value-card h2")).to_have_text("客户价值")
    shot(page, "value-card-zh")


def test_dashboard_fits_a_phone(new_page, shot, marketer):
    page = new_page(viewport={"width": 375, "height": 740})
    login(page, marketer)
    page.goto("/value/")
    expect(page.locator("[data-chart=pyramid] svg")).to_be_visible()
    overflow = horizontal_overflow(page)
    assert overflow["scrollWidth"] <= overflow["innerWidth"], overflow
    shot(page, "value-dashboard-phone")
