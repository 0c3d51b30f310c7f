"""End-to-end: a sales rep works the pipeline board in chromium.

The rep drags a card from "Prospecting" to "Needs analysis" (SortableJS, the same drag as the
service board), the stage changes in the database and in the history; moves another card with the
keyboard ("Move to" list and button, no mouse); a drop on "Lost" asks for the reason in a dialog
(cancelled: the card goes back; answered: it moves); a second user's board still showing the old
version gets the 409 message and the card back. The board, the opportunity page and the forecast
pass axe-core, and an XSS payload in an opportunity's name stays text.
"""

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from kehu.sales import pipeline as services
from kehu.sales.models import LostReason, Opportunity, Pipeline
from tests.e2e.helpers import assert_accessible, login

pytestmark = pytest.mark.e2e

XSS = '<script>window.pwned = 1</script><img src=x onerror="window.pwned = 2">'


def _inert(page):
    assert page.evaluate("window.pwned") is None, page.url
    assert page.locator("script:text('window.pwned')").count() == 0, page.url


def _codes(opportunity):
    return [c.to_stage.code for c in opportunity.stage_changes.select_related("to_stage").order_by("at", "pk")]


@pytest.fixture
def board(live_server, make_user, make_customer, team):
    rep = make_user("sales", team=team, username="li.xiaoshou")
    manager = make_user("manager", team=team, is_manager=True, username="wang.jingli")
    customer = make_customer(rep, owner=rep, team=team, family_name="张", given_name="伟", phone="13912345678")
    stages = {s.code: s for s in Pipeline.objects.get(is_default=True).stages.all()}

    def opp(name, stage, amount, days):
        return services.create_opportunity(rep, customer=customer, name=name, amount=amount, owner=rep,
                                           stage=stages[stage], expected_close=timezone.localdate() + dt.timedelta(
                                               days=days))

    return {"rep": rep, "manager": manager, "stages": stages,
            "drag": opp("空调安装项目", "prospecting", "12800.00", 10),
            "keys": opp("年度净水器采购", "needs", "56000.00", 40),
            "xss": opp("礼品" + XSS, "proposal", "999.00", 70)}


def test_a_rep_drags_and_moves_cards_on_the_board(page, new_page, shot, board):
    rep, stages = board["rep"], board["stages"]
    drag, keys, xss = board["drag"], board["keys"], board["xss"]
    column = lambda code: page.locator(f"ol.cards[data-stage='{stages[code].pk}']")  # noqa: E731

    login(page, rep)
    page.goto("/sales/pipeline/")
    expect(page.get_by_role("heading", level=1, name="Pipeline")).to_be_visible()
    expect(column("prospecting").locator(f"#opp-{drag.pk}")).to_be_visible()
    expect(page.locator(f"#opp-{xss.pk}")).to_contain_text("礼品<script>window.pwned = 1</script>")
    _inert(page)
    assert_accessible(page, "the pipeline board")
    shot(page, "board")

    # 1. drag "空调安装项目" from Prospecting to Needs analysis
    page.locator(f"#opp-{drag.pk} p.card-customer").drag_to(column("needs"))
    expect(column("needs").locator(f"#opp-{drag.pk}")).to_have_attribute("data-stage", str(stages["needs"].pk))
    expect(page.locator(f"#opp-{drag.pk}")).to_have_attribute("data-version", "2")
    drag.refresh_from_db()
    assert drag.stage == stages["needs"]
    assert _codes(drag) == ["prospecting", "needs"]
    needs_column = page.locator(".board-column", has=column("needs"))
    expect(needs_column.locator("[data-role=count]")).to_have_text("2")
    shot(page, "dragged")

    # 2. the keyboard way: "Move to" list and button on "年度净水器采购", no mouse
    move_to = page.get_by_label("Move “年度净水器采购” to")
    move_to.focus()
    move_to.select_option(label="Proposal")
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Move “年度净水器采购”")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator(".messages")).to_contain_text("“年度净水器采购” moved to “Proposal”.")
    expect(column("proposal").locator(f"#opp-{keys.pk}")).to_be_visible()
    keys.refresh_from_db()
    assert keys.stage == stages["proposal"] and _codes(keys) == ["needs", "proposal"]
    _inert(page)

    # 3. a drop on Lost asks why: cancelled, the card goes back; answered, it moves
    page.locator(f"#opp-{xss.pk} p.card-customer").drag_to(column("lost"))
    dialog = page.get_by_role("dialog", name="Why was it lost?")
    expect(dialog).to_be_visible()
    assert_accessible(page, "the lost-reason dialog")
    dialog.get_by_role("button", name="Cancel").click()
    expect(column("proposal").locator(f"#opp-{xss.pk}")).to_be_visible()
    expect(page.locator("#board-status")).to_have_text("Not moved: a lost opportunity needs a reason.")
    assert Opportunity.objects.get(pk=xss.pk).stage == stages["proposal"]
    page.locator(f"#opp-{xss.pk} p.card-customer").drag_to(column("lost"))
    dialog.get_by_label("Lost reason").select_option(label="Price")
    dialog.get_by_label("Details (optional)").fill("对手便宜" + XSS)
    dialog.get_by_role("button", name="Mark as lost").click()
    # the card the server sent back (Sortable moves the old one at once: wait for the answer)
    expect(column("lost").locator(f"#opp-{xss.pk}")).to_have_attribute("data-stage", str(stages["lost"].pk))
    xss.refresh_from_db()
    assert (xss.stage, xss.lost_reason, xss.lost_note) == (stages["lost"], LostReason.objects.get(code="price"),
                                                          "对手便宜" + XSS)
    _inert(page)
    shot(page, "lost")

    # 4. the opportunity page: the history with time in each stage
    page.get_by_role("link", name="空调安装项目").click()
    expect(page.get_by_role("heading", level=1, name="空调安装项目")).to_be_visible()
    history = page.get_by_role("table", name="Stage history")
    expect(history.locator("tbody tr")).to_have_count(2)
    expect(history.locator("tbody tr").last).to_contain_text("Needs analysis")
    assert_accessible(page, "the opportunity page")
    shot(page, "opportunity")
    page.goto(f"/sales/opportunities/{xss.pk}/")
    _inert(page)
    page.get_by_role("link", name="Edit").click()
    expect(page.get_by_label("Opportunity *")).to_have_value("礼品" + XSS)
    assert_accessible(page, "the edit form")
    _inert(page)
    shot(page, "edit")
    page.goto(f"/sales/opportunities/?stage={stages['lost'].pk}")
    expect(page.get_by_role("table", name="Opportunities").locator("tbody tr")).to_have_count(1)
    assert_accessible(page, "the opportunity list")
    _inert(page)
    page.goto("/sales/forecast/?months=6")
    expect(page.get_by_role("heading", level=1, name="Forecast")).to_be_visible()
    # needs 25 % of 12 800 and proposal 50 % of 56 000 (the lost one no longer counts)
    expect(page.get_by_test_id("weighted")).to_have_text("CN¥31,200.00")
    expect(page.get_by_role("table", name="Weighted pipeline by owner and month").locator("tbody tr")).to_have_count(1)
    assert_accessible(page, "the forecast")
    shot(page, "forecast")


def test_a_stale_drag_gets_the_message_and_the_card_goes_back(new_page, board):
    rep, manager, stages = board["rep"], board["manager"], board["stages"]
    drag = board["drag"]
    manager_page = new_page()
    login(manager_page, manager)
    manager_page.goto("/sales/pipeline/")  # the manager's board shows version 1
    expect(manager_page.locator(f"#opp-{drag.pk}")).to_have_attribute("data-version", "1")

    services.move_stage(rep, drag, stages["needs"], expected_version=1)  # the rep moves it meanwhile

    manager_page.locator(f"#opp-{drag.pk} p.card-customer").drag_to(
        manager_page.locator(f"ol.cards[data-stage='{stages['proposal'].pk}']"))
    expect(manager_page.locator("#board-status")).to_contain_text(
        "“空调安装项目” was changed by someone else meanwhile, now at “Needs analysis”.")
    expect(manager_page.locator(f"ol.cards[data-stage='{stages['prospecting'].pk}'] #opp-{drag.pk}")).to_be_visible()
    drag.refresh_from_db()
    assert drag.stage == stages["needs"] and _codes(drag) == ["prospecting", "needs"]
