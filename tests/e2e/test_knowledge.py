"""End-to-end: the knowledge base.

A manager writes a bilingual article whose English text carries XSS payloads (they must stay
inert: no dialog, no script element, no handler ran), previews it and publishes it as public; a
service agent working in Chinese searches 退款, finds 退款政策 and says "this helped" — once,
though the article is open in two tabs and both buttons get clicked; an anonymous visitor reads it
on the public pages on a 360 px phone, in Chinese and in English, and cannot open an internal
article by guessing its address.
"""

import re

import pytest
from django.utils import translation
from playwright.sync_api import expect

from kehu.knowledge import services
from kehu.knowledge.models import Article
from tests.e2e.helpers import assert_accessible, horizontal_overflow, login

pytestmark = pytest.mark.e2e

PAYLOAD = (
    "<p>Return unused products within <strong>7 days</strong> for a full refund.</p>"
    '<img src="x" alt="" onerror="window.__xss = 1; alert(1)">'
    "<script>window.__xss = 2; alert(2)</script>"
    '<svg onload="window.__xss = 3; alert(3)"><circle r="1"></circle></svg>'
    '<iframe src="javascript:alert(4)"></iframe>'
    '<p style="color: red" onmouseover="alert(5)">Refunds go back to the original payment method.</p>'
    '<a href="javascript:alert(6)">Contact us</a>'
)
BODY_ZH = "<p>未使用的商品 7 天内可以无理由退货，全额退款。</p><p>退款原路返回。</p>"


@pytest.fixture
def crm(live_server, make_user, team):
    manager = make_user("manager", team=team, is_manager=True, username="wang.jingli")
    agent = make_user("service", username="li.kefu")
    internal = services.create_article(manager, publish=True, visibility="internal",
                                       title_en="Refund exceptions (agents only)",
                                       body_en="<p>Ask a manager before refunding after 30 days.</p>",
                                       title_zh_hans="退款例外（仅限客服）", body_zh_hans="<p>超过 30 天的退款请先请示经理。</p>")
    return {"manager": manager, "agent": agent, "internal": internal}


def _watch_for_dialogs(page) -> list:
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    return dialogs


def _assert_inert(page, body_selector: str) -> None:
    body = page.locator(body_selector)
    expect(body).to_contain_text("Refunds go back to the original payment method.")
    assert body.locator("script, iframe, svg, [onerror], [onload], [onmouseover], [style]").count() == 0
    assert body.locator("a[href^='javascript' i]").count() == 0
    assert page.evaluate("() => window.__xss === undefined"), "a payload ran"


def test_write_publish_search_vote_and_read_in_public(new_page, shot, crm):
    # --- the manager writes the article, previews it, publishes it ------------------------------
    page = new_page()
    dialogs = _watch_for_dialogs(page)
    login(page, crm["manager"])
    page.locator("header nav").get_by_role("link", name="Knowledge base", exact=True).click()
    expect(page.get_by_role("heading", level=1, name="Knowledge base")).to_be_visible()
    page.get_by_role("link", name="New article").click()
    english = page.get_by_role("group", name="English")
    english.get_by_label("Title").fill("Refund policy")
    english.get_by_label("Text (HTML)").fill(PAYLOAD)
    chinese = page.get_by_role("group", name="简体中文")
    chinese.get_by_label("Title").fill("退款政策")
    chinese.get_by_label("Text (HTML)").fill(BODY_ZH)
    page.get_by_label("Price").check()
    page.get_by_role("radio", name=re.compile(r"Public")).check()
    assert_accessible(page, "the article editor")
    shot(page, "editor")

    page.get_by_role("button", name="Preview").click()
    preview = page.get_by_test_id("preview")
    expect(preview.get_by_role("heading", name="Refund policy")).to_be_visible()
    expect(preview.get_by_role("heading", name="退款政策")).to_be_visible()
    _assert_inert(page, "[data-testid=preview] .kb-body >> nth=0")
    assert Article.objects.count() == 1  # only the internal one: a preview saves nothing
    shot(page, "preview")

    page.get_by_role("button", name="Save and publish").click()
    expect(page.get_by_role("heading", level=1, name="Refund policy")).to_be_visible()
    article = Article.objects.get(title_en="Refund policy")
    assert (article.status, article.visibility, article.topic_codes) == ("published", "public", ["price"])
    assert "onerror" not in article.body_en and "<script" not in article.body_en  # stored clean
    _assert_inert(page, "[data-testid=article-body]")
    expect(page.get_by_test_id("feedback-counts")).to_have_text("Helped: 0 · did not help: 0")
    assert_accessible(page, "the published article")
    shot(page, "published")
    assert dialogs == []

    # --- a service agent, in Chinese, searches 退款 and says it helped --------------------------
    page = new_page()
    login(page, crm["agent"])
    page.get_by_label("Language").select_option("zh-hans")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    page.locator("header nav a[href='/knowledge/']").click()
    with translation.override("zh-hans"):
        heading = translation.gettext("Knowledge base")
    expect(page.get_by_role("heading", level=1)).to_have_text(heading)
    page.get_by_test_id("knowledge-q").fill("退款")
    page.get_by_test_id("knowledge-search").click()
    results = page.get_by_test_id("knowledge-results")
    expect(results.get_by_role("link", name="退款政策", exact=True)).to_be_visible()
    # agents read internal articles too; the public one is the title hit in the agent's language
    expect(results.get_by_role("link")).to_have_count(2)
    assert_accessible(page, "knowledge search results in Chinese")
    shot(page, "agent-search-zh")
    results.get_by_role("link", name="退款政策", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("退款政策")
    expect(page.get_by_test_id("article-body")).to_contain_text("全额退款")
    expect(page.get_by_test_id("feedback-counts")).to_have_count(0)  # counts are for editors

    second_tab = page.context.new_page()  # the same article open twice (same session)
    second_tab.goto(page.url)
    page.get_by_test_id("helped").click()
    expect(page.get_by_test_id("feedback-status")).to_be_visible()
    expect(page.get_by_test_id("helped")).to_have_count(0)
    assert Article.objects.get(pk=article.pk).helped_count == 1
    shot(page, "agent-helped")
    second_tab.get_by_test_id("helped").click()  # a second click, from the other tab
    expect(second_tab.get_by_test_id("feedback-status")).to_be_visible()
    assert Article.objects.get(pk=article.pk).helped_count == 1
    page.reload()
    expect(page.get_by_test_id("feedback-status")).to_be_visible()
    expect(page.get_by_test_id("helped")).to_have_count(0)

    # --- an anonymous visitor on a phone --------------------------------------------------------
    phone = new_page(viewport={"width": 360, "height": 740}, locale="zh-CN")
    dialogs = _watch_for_dialogs(phone)
    phone.goto("/knowledge/public/")
    expect(phone.locator("html")).to_have_attribute("lang", "zh-hans")
    phone.get_by_role("link", name="退款政策", exact=True).click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("退款政策")
    overflow = horizontal_overflow(phone)
    assert overflow["scrollWidth"] <= overflow["innerWidth"], overflow
    assert_accessible(phone, "the public article in Chinese at 360 px")
    shot(phone, "public-360-zh")
    phone.locator(".kb-langs").get_by_role("link", name="English").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("Refund policy")
    _assert_inert(phone, "[data-testid=article-body]")
    phone.locator("#language").select_option("en")
    expect(phone.locator("html")).to_have_attribute("lang", "en")
    overflow = horizontal_overflow(phone)
    assert overflow["scrollWidth"] <= overflow["innerWidth"], overflow
    assert_accessible(phone, "the public article in English at 360 px")
    shot(phone, "public-360-en")
    phone.get_by_test_id("helped").click()
    expect(phone.get_by_test_id("feedback-status")).to_be_visible()
    assert Article.objects.get(pk=article.pk).helped_count == 2
    assert dialogs == []

    response = phone.goto(f"/knowledge/public/{crm['internal'].pk}/")
    assert response.status == 404
    phone.goto("/knowledge/public/?q=退款")
    expect(phone.get_by_test_id("knowledge-results").get_by_role("link")).to_have_count(1)
    shot(phone, "public-search-360")
