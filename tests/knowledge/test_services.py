"""The write path: validation, permissions, versions, publishing, audit entries, demo data."""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from kehu.knowledge import services
from kehu.knowledge.models import Article, ArticleTerm, Category
from kehu.privacy.models import AuditEntry


def entries(obj):
    return list(AuditEntry.objects.filter(object_type=obj._meta.label_lower, object_id=str(obj.pk))
                .order_by("id").values_list("action", "changes"))


def test_create_writes_everything_and_one_audit_entry(manager):
    category = Category.objects.create(name_en="Refunds")
    article = services.create_article(
        manager, title_en=" Refund  policy ", body_en="<p>7 days</p><script>x</script>",
        title_zh_hans="退款政策", body_zh_hans="<p>七天</p>", category=category.pk,
        tags="refund, 退款、Refund", topics=["price", "product"], visibility="public",
        last_reviewed=date(2026, 11, 1))
    article.refresh_from_db()
    assert (article.title_en, article.body_en, article.status, article.author) == (
        "Refund policy", "<p>7 days</p>", "draft", manager)
    assert sorted(article.tags.values_list("name", flat=True)) == ["refund", "退款"]
    assert article.topic_codes == ["price", "product"] and article.category == category
    assert article.languages == ["en", "zh-hans"]
    [(action, changes)] = entries(article)
    assert action == "create"
    assert changes["title_en"] == [None, "Refund policy"] and changes["topics"] == [None, ["price", "product"]]
    assert changes["body_en"] == [None, "<p>7 days</p>"]  # the sanitised text is what was saved
    assert changes["last_reviewed"] == [None, "2026-11-01"] and "title_zh_hant" not in changes


def test_update_records_old_and_new_values(manager, write):
    article = write(title_en="Hours", body_en="<p>9 to 5</p>")
    services.update_article(manager, article.pk, expected_version=article.version,
                            body_en="<p>10 to 6</p>", topics=["other"])
    action, changes = entries(article)[-1]
    assert action == "update"
    assert changes == {"body_en": ["<p>9 to 5</p>", "<p>10 to 6</p>"], "topics": [[], ["other"]]}
    article.refresh_from_db()
    assert (article.version, article.title_en) == (2, "Hours")  # a field left out keeps its value


def test_publishing_and_back_to_draft_are_audited(manager, write):
    article = write(title_en="Hours", publish=False)
    services.publish_article(manager, article.pk)
    article.refresh_from_db()
    assert article.status == "published" and article.published_at is not None
    services.publish_article(manager, article.pk, publish=False)
    assert Article.objects.get(pk=article.pk).status == "draft"
    statuses = [c["status"] for a, c in entries(article) if a == "update"]
    assert statuses == [["draft", "published"], ["published", "draft"]]
    # publishing what is published already changes nothing and writes nothing
    services.publish_article(manager, article.pk, publish=False)
    assert len(entries(article)) == 3


def test_a_stale_edit_is_refused_and_changes_nothing(manager, write):
    article = write(title_en="Hours")
    services.update_article(manager, article.pk, expected_version=1, title_en="Opening hours")
    with pytest.raises(services.StaleVersion):
        services.update_article(manager, article.pk, expected_version=1, title_en="Mine")
    assert Article.objects.get(pk=article.pk).title_en == "Opening hours"
    assert len(entries(article)) == 2


@pytest.mark.parametrize("data, field", [
    ({}, "__all__"),
    ({"body_en": "<p>text without a title</p>"}, "title_en"),
    ({"title_en": "Title without text"}, "body_en"),
    ({"title_en": "Only a script", "body_en": "<script>alert(1)</script>"}, "body_en"),
    ({"title_en": "x", "body_en": "<p>x</p>", "visibility": "everyone"}, "visibility"),
    ({"title_en": "x", "body_en": "<p>x</p>", "topics": ["weather"]}, "topics"),
    ({"title_en": "x", "body_en": "<p>x</p>", "category": 999999}, "category"),
    ({"title_en": "x" * 201, "body_en": "<p>x</p>"}, "title_en"),
])
def test_invalid_articles_are_refused_with_the_field(manager, data, field):
    with pytest.raises(ValidationError) as info:
        services.create_article(manager, **data)
    assert field in info.value.message_dict
    assert Article.objects.count() == 0 and AuditEntry.objects.filter(object_type="knowledge.article").count() == 0


@pytest.mark.parametrize("role", ["service", "sales", "marketing"])
def test_readers_cannot_write_edit_or_publish(make_user, write, role):
    user = make_user(role)
    article = write(title_en="Hours", body_en="<p>9 to 5</p>", publish=False)
    with pytest.raises(PermissionDenied):
        services.create_article(user, title_en="Mine", body_en="<p>x</p>")
    with pytest.raises(PermissionDenied):
        services.update_article(user, article.pk, expected_version=1, title_en="Changed")
    with pytest.raises(PermissionDenied):
        services.publish_article(user, article.pk)
    article.refresh_from_db()
    assert (Article.objects.count(), article.title_en, article.status) == (1, "Hours", "draft")


def test_an_editor_without_the_publish_right_edits_drafts_only(make_user, write):
    from django.contrib.auth.models import Permission

    editor = make_user("sales")
    editor.user_permissions.add(*Permission.objects.filter(
        content_type__app_label="knowledge", codename__in=["add_article", "change_article", "view_article"]))
    editor = type(editor).objects.get(pk=editor.pk)  # fresh permission cache
    draft = services.create_article(editor, title_en="Draft", body_en="<p>x</p>")
    services.update_article(editor, draft.pk, expected_version=1, title_en="Draft 2")
    with pytest.raises(PermissionDenied):
        services.create_article(editor, publish=True, title_en="Now", body_en="<p>x</p>")
    with pytest.raises(PermissionDenied):
        services.update_article(editor, draft.pk, expected_version=2, publish=True)
    published = write(title_en="Live")
    with pytest.raises(PermissionDenied):
        services.update_article(editor, published.pk, expected_version=1, title_en="Changed live")
    assert Article.objects.get(pk=published.pk).title_en == "Live"


def test_categories_are_saved_and_audited(manager, agent):
    category = services.save_category(manager, name_en="Billing", name_zh_hans="账单", position=2)
    services.save_category(manager, category.pk, name_en="Billing", name_zh_hans="发票与账单", position=2)
    category.refresh_from_db()
    assert category.name("zh-hant") == "发票与账单" and category.name("en") == "Billing"
    assert [a for a, _c in entries(category)] == ["create", "update"]
    assert entries(category)[-1][1] == {"name_zh_hans": ["账单", "发票与账单"]}
    with pytest.raises(PermissionDenied):
        services.save_category(agent, name_en="Mine")
    with pytest.raises(ValidationError):
        services.save_category(manager, name_en="  ")


def test_seed_articles_creates_the_demo_knowledge_base_once(db):
    created = services.seed_articles()
    assert len(created) == 8
    assert services.seed_articles() == []
    refund = Article.objects.get(title_en="Refund policy")
    assert (refund.title_zh_hans, refund.title_zh_hant, refund.status, refund.visibility) == (
        "退款政策", "退款政策", "published", "public")
    assert Article.objects.get(title_en="Delivery times").title_zh_hant == "配送時間"
    assert Article.objects.filter(visibility="internal").count() >= 1
    assert all(a.languages == ["en", "zh-hans", "zh-hant"] for a in Article.objects.all())
    assert ArticleTerm.objects.filter(article=refund, term="退款").exists()
    assert [a.title_zh_hans for a in services.find_articles(None, q="退款", public=True)][0] == "退款政策"
    assert AuditEntry.objects.filter(object_type="knowledge.article", action="create").count() == 8
