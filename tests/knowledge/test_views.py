"""Pages: who sees what, both languages, the editor, "this helped", public pages, query counts."""

import re

import pytest
from django.db import connection
from django.template.loader import render_to_string
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext

from kehu.knowledge import services
from kehu.knowledge.models import Article, ArticleFeedback


@pytest.fixture
def articles(write):
    return {
        "public": write(title_en="Refund policy", body_en="<p>Within 7 days.</p>",
                        title_zh_hans="退款政策", body_zh_hans="<p>7 天内。</p>", topics=["price"]),
        "internal": write(title_en="Refund checklist", body_en="<p>Check the order.</p>",
                          visibility="internal"),
        "draft": write(title_en="Refund draft", publish=False),
    }


def get(client, user, url, **headers):
    if user is not None:
        client.force_login(user)
    return client.get(url, **headers)


# --- who may open which page -----------------------------------------------------------------

@pytest.mark.parametrize("role", ["service", "sales", "marketing", "manager", "admin"])
def test_every_role_reads_internal_articles(client, make_user, articles, role):
    user = make_user(role)
    assert get(client, user, f"/knowledge/{articles['internal'].pk}/").status_code == 200
    page = client.get("/knowledge/").content.decode()
    assert "Refund checklist" in page and "Refund policy" in page
    assert ("Refund draft" in page) == (role in ("manager", "admin"))  # drafts for editors only
    assert 'href="/knowledge/"' in client.get("/customers/").content.decode()  # the nav item


@pytest.mark.parametrize("role", ["service", "sales", "marketing"])
def test_readers_cannot_open_the_editor_or_publish(client, make_user, articles, role):
    user = make_user(role)
    client.force_login(user)
    internal = articles["internal"]
    assert client.get("/knowledge/new/").status_code == 403
    assert client.post("/knowledge/new/", {"title_en": "Mine", "body_en": "<p>x</p>",
                                           "visibility": "public", "action": "publish"}).status_code == 403
    assert client.get(f"/knowledge/{internal.pk}/edit/").status_code == 403
    assert client.post(f"/knowledge/{articles['draft'].pk}/publish/", {"action": "publish"}).status_code == 403
    assert client.get(f"/knowledge/{articles['draft'].pk}/").status_code == 404  # drafts are invisible
    assert client.get("/knowledge/categories/").status_code == 403
    assert Article.objects.count() == 3 and Article.objects.get(pk=articles["draft"].pk).status == "draft"
    page = client.get(f"/knowledge/{internal.pk}/").content.decode()
    assert f"/knowledge/{internal.pk}/edit/" not in page and "Helped:" not in page


def test_a_user_without_a_role_gets_403_and_anonymous_users_log_in(client, make_user, articles):
    nobody = make_user("sales")
    nobody.groups.clear()
    assert get(client, nobody, "/knowledge/").status_code == 403
    anonymous = Client()
    response = anonymous.get(f"/knowledge/{articles['public'].pk}/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_public_pages_show_public_articles_only(articles):
    anonymous = Client()
    listing = anonymous.get("/knowledge/public/").content.decode()
    assert "Refund policy" in listing and "Refund checklist" not in listing and "Refund draft" not in listing
    assert anonymous.get(f"/knowledge/public/{articles['public'].pk}/").status_code == 200
    for key in ("internal", "draft"):
        assert anonymous.get(f"/knowledge/public/{articles[key].pk}/").status_code == 404
    assert anonymous.get("/knowledge/public/999999/").status_code == 404
    searched = anonymous.get("/knowledge/public/?q=refund").content.decode()
    assert "Refund policy" in searched and "Refund checklist" not in searched


def test_public_pages_are_public_even_for_staff(client, agent, articles):
    """A signed-in agent on /knowledge/public/ sees what the public sees."""
    assert get(client, agent, f"/knowledge/public/{articles['internal'].pk}/").status_code == 404
    assert "Refund checklist" not in client.get("/knowledge/public/?q=refund").content.decode()


# --- languages -------------------------------------------------------------------------------

def test_the_readers_language_is_shown_with_a_switch(client, agent, articles):
    pk = articles["public"].pk
    zh = get(client, agent, f"/knowledge/{pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert re.search(r'<h1 lang="zh-Hans">退款政策</h1>', zh) and "7 天内。" in zh
    assert '<html lang="zh-hans">' in zh and 'data-testid="fallback-note"' not in zh
    en = client.get(f"/knowledge/{pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<h1 lang="en">Refund policy</h1>' in en
    switched = client.get(f"/knowledge/{pk}/?lang=en", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert '<h1 lang="en">Refund policy</h1>' in switched
    assert 'href="?lang=zh-hans" lang="zh-Hans" hreflang="zh-Hans"' in switched


def test_a_missing_language_falls_back_with_a_note(client, agent, write):
    only_en = write(title_en="Store hours", body_en="<p>10 to 9</p>")
    page = get(client, agent, f"/knowledge/{only_en.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hant").content.decode()
    assert '<h1 lang="en">Store hours</h1>' in page and 'data-testid="fallback-note"' in page
    public = Client().get(f"/knowledge/public/{only_en.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert 'data-testid="fallback-note"' in public and "English" in public


def test_traditional_chinese_readers_get_the_simplified_version_before_english(client, agent, articles):
    page = get(client, agent, f"/knowledge/{articles['public'].pk}/",
               HTTP_ACCEPT_LANGUAGE="zh-hant").content.decode()
    assert '<h1 lang="zh-Hans">退款政策</h1>' in page and "简体中文" in page


def test_search_in_chinese_ui_finds_the_chinese_title(client, agent, articles):
    page = get(client, agent, "/knowledge/?q=退款", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    results = page[page.index('data-testid="knowledge-results"'):]
    assert re.search(r'<a href="/knowledge/\d+/" lang="zh-Hans">退款政策</a>', results)
    assert "Refund checklist" not in results  # no Chinese words in it


# --- the editor ------------------------------------------------------------------------------

FORM = {"title_en": "Delivery times", "body_en": "<p>Two days.</p><img src=x onerror=alert(1)>",
        "title_zh_hans": "配送时间", "body_zh_hans": "<p>两天。</p>", "visibility": "public",
        "topics": ["delivery"], "tags": "delivery, 配送", "last_reviewed": "2026-11-02"}


def test_preview_shows_the_sanitised_text_and_saves_nothing(client, manager):
    client.force_login(manager)
    page = client.post("/knowledge/new/", {**FORM, "action": "preview"}).content.decode()
    preview = page[page.index('data-testid="preview"'):]
    preview = preview[:preview.index("</section>")]
    assert '<p>Two days.</p><img src="x">' in preview and "onerror" not in preview
    assert Article.objects.count() == 0
    # the textarea keeps what was typed, escaped
    assert "&lt;img src=x onerror=alert(1)&gt;" in page


def test_a_manager_writes_and_publishes(client, manager):
    client.force_login(manager)
    response = client.post("/knowledge/new/", {**FORM, "action": "publish"})
    article = Article.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/knowledge/{article.pk}/"
    assert (article.status, article.body_en, article.topic_codes) == (
        "published", '<p>Two days.</p><img src="x">', ["delivery"])
    assert str(article.last_reviewed) == "2026-11-02"
    page = client.get(f"/knowledge/{article.pk}/").content.decode()
    assert "Helped: 0 · did not help: 0" in page and f"/knowledge/{article.pk}/edit/" in page


def test_invalid_form_is_422_with_the_message(client, manager):
    client.force_login(manager)
    response = client.post("/knowledge/new/", {"visibility": "public", "action": "save"})
    assert response.status_code == 422
    assert "Write the article in at least one language" in response.content.decode()
    assert Article.objects.count() == 0


def test_a_stale_edit_shows_a_message_and_keeps_the_newer_text(client, manager, write):
    article = write(title_en="Hours")
    services.update_article(manager, article.pk, expected_version=1, title_en="Opening hours")
    client.force_login(manager)
    response = client.post(f"/knowledge/{article.pk}/edit/", {**FORM, "version": 1, "action": "save"})
    assert response.status_code == 422 and "changed by someone else" in response.content.decode()
    assert Article.objects.get(pk=article.pk).title_en == "Opening hours"


def test_edit_form_is_prefilled_and_saves(client, manager, write):
    article = write(title_en="Hours", body_en="<p>9</p>", tags=["store"], topics=["other"])
    client.force_login(manager)
    page = client.get(f"/knowledge/{article.pk}/edit/").content.decode()
    assert 'value="Hours"' in page and 'value="store"' in page
    assert re.search(r'value="other"[^>]*checked', page) and not re.search(r'value="price"[^>]*checked', page)
    response = client.post(f"/knowledge/{article.pk}/edit/", {
        "title_en": "Opening hours", "body_en": "<p>9</p>", "visibility": "public", "version": 1,
        "topics": ["other"], "tags": "store", "action": "save"})
    assert response.status_code == 302
    assert Article.objects.get(pk=article.pk).title_en == "Opening hours"


def test_publish_and_unpublish_buttons(client, manager, write):
    article = write(title_en="Hours", publish=False)
    client.force_login(manager)
    client.post(f"/knowledge/{article.pk}/publish/", {"action": "publish"})
    assert Article.objects.get(pk=article.pk).status == "published"
    client.post(f"/knowledge/{article.pk}/publish/", {"action": "unpublish"})
    assert Article.objects.get(pk=article.pk).status == "draft"


def test_categories_page(client, manager):
    client.force_login(manager)
    client.post("/knowledge/categories/", {"name_en": "Billing", "name_zh_hans": "账单", "position": 1})
    from kehu.knowledge.models import Category

    category = Category.objects.get()
    client.post(f"/knowledge/categories/{category.pk}/", {"name_en": "Bills", "name_zh_hans": "账单", "position": 1})
    assert Category.objects.get().name_en == "Bills"
    assert "Bills" in client.get("/knowledge/categories/").content.decode()


# --- "this helped" ---------------------------------------------------------------------------

def test_this_helped_counts_once_per_user_over_htmx(agent, articles):
    client = Client(enforce_csrf_checks=True)
    client.force_login(agent)
    pk = articles["public"].pk
    page = client.get(f"/knowledge/{pk}/").content.decode()
    assert f'hx-post="/knowledge/{pk}/feedback/"' in page
    token = client.cookies["csrftoken"].value
    assert client.post(f"/knowledge/{pk}/feedback/", {"helped": "1"}, HTTP_HX_REQUEST="true").status_code == 403
    first = client.post(f"/knowledge/{pk}/feedback/", {"helped": "1"}, HTTP_HX_REQUEST="true",
                        HTTP_X_CSRFTOKEN=token)
    assert "Thank you for telling us." in first.content.decode()
    second = client.post(f"/knowledge/{pk}/feedback/", {"helped": "1"}, HTTP_HX_REQUEST="true",
                         HTTP_X_CSRFTOKEN=token)
    assert "it counts once" in second.content.decode()
    assert Article.objects.get(pk=pk).helped_count == 1
    assert "You told us this helped." in client.get(f"/knowledge/{pk}/").content.decode()


def test_anonymous_votes_count_once_per_session(articles):
    pk = articles["public"].pk
    reader = Client()
    reader.get(f"/knowledge/public/{pk}/")
    assert reader.post(f"/knowledge/public/{pk}/feedback/", {"helped": "1"}).status_code == 302
    reader.post(f"/knowledge/public/{pk}/feedback/", {"helped": "1"})
    Client().post(f"/knowledge/public/{pk}/feedback/", {"helped": "0"})
    article = Article.objects.get(pk=pk)
    assert (article.helped_count, article.not_helped_count) == (1, 1)
    assert "You told us this helped." in reader.get(f"/knowledge/public/{pk}/").content.decode()
    assert Client().post(f"/knowledge/public/{articles['internal'].pk}/feedback/",
                         {"helped": "1"}).status_code == 404
    assert ArticleFeedback.objects.filter(article=articles["internal"]).count() == 0


def test_anonymous_votes_are_rate_limited(articles):
    pk = articles["public"].pk
    statuses = [Client().post(f"/knowledge/public/{pk}/feedback/", {"helped": "1"}).status_code
                for _ in range(61)]
    assert statuses[:60] == [302] * 60 and statuses[60] == 429
    assert Article.objects.get(pk=pk).helped_count == 60


# --- the include for the case page --------------------------------------------------------

def test_suggestions_include_links_and_posts_with_htmx(agent, manager, articles):
    request = RequestFactory().get("/service/cases/1/")
    request.user = agent
    found = services.suggest("wants a refund", "price", user=agent, language="en")
    html = render_to_string("knowledge/suggestions.html", {"suggestions": found}, request=request)
    pk = articles["public"].pk
    assert f'href="/knowledge/{pk}/"' in html and ">Refund policy</a>" in html
    assert f'hx-post="/knowledge/{pk}/feedback/"' in html and 'name="csrfmiddlewaretoken"' in html
    assert 'data-testid="helped"' in html and "not-helped" not in html and "Helped:" not in html
    request.user = manager
    assert "Helped: 0 · did not help: 0" in render_to_string(
        "knowledge/suggestions.html", {"suggestions": found}, request=request)
    empty = render_to_string("knowledge/suggestions.html", {"suggestions": []}, request=request)
    assert "No knowledge base article matches this case yet." in empty


# --- query counts ----------------------------------------------------------------------------

def _count(client, url):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(ctx.captured_queries)


@pytest.mark.parametrize("url", ["/knowledge/", "/knowledge/?q=refund", "/knowledge/public/",
                                 "/knowledge/public/?q=refund"])
def test_lists_have_constant_queries(client, manager, write, url):
    client.force_login(manager)
    write(title_en="Refund 0")
    _count(client, url)
    before = _count(client, url)
    for i in range(15):
        write(title_en=f"Refund {i + 1}", body_en=f"<p>refund {i}</p>", tags=[f"t{i}"], topics=["price"])
    assert _count(client, url) == before
