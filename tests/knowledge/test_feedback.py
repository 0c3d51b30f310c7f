""""This helped": counted once per user (or anonymous session), atomically, on published articles."""

import pytest
from django.http import Http404

from kehu.knowledge import services
from kehu.knowledge.models import Article, ArticleFeedback


def counts(article):
    article.refresh_from_db()
    return article.helped_count, article.not_helped_count


def test_a_user_counts_once_per_article(write, agent, make_user):
    article = write(title_en="Refund policy")
    assert services.record_feedback(article.pk, helped=True, user=agent)[1] is True
    assert services.record_feedback(article.pk, helped=True, user=agent)[1] is False
    assert services.record_feedback(article.pk, helped=False, user=agent)[1] is False  # no switching sides
    assert counts(article) == (1, 0)
    services.record_feedback(article.pk, helped=False, user=make_user("sales"))
    assert counts(article) == (1, 1)
    assert services.user_votes(agent, [article.pk]) == {article.pk: True}


def test_anonymous_readers_count_once_per_session_on_public_articles(write):
    article = write(title_en="Refund policy")
    services.record_feedback(article.pk, helped=True, session_key="s1", public=True)
    services.record_feedback(article.pk, helped=True, session_key="s1", public=True)
    services.record_feedback(article.pk, helped=True, session_key="s2", public=True)
    assert counts(article) == (2, 0)
    assert not ArticleFeedback.objects.filter(session_hash="s1").exists()  # the key is kept hashed
    assert services.user_votes(None, [article.pk], session_key="s1") == {article.pk: True}


@pytest.mark.parametrize("setup", ["internal", "draft"])
def test_no_votes_on_internal_articles_from_the_public_or_on_drafts(write, agent, setup):
    article = write(title_en="Hidden", visibility="internal") if setup == "internal" else write(
        title_en="Draft", publish=False)
    with pytest.raises(Http404):
        services.record_feedback(article.pk, helped=True, session_key="s1", public=True)
    if setup == "draft":
        with pytest.raises(Http404):
            services.record_feedback(article.pk, helped=True, user=agent)
    assert counts(article) == (0, 0) and ArticleFeedback.objects.count() == 0


def test_voting_does_not_change_the_article_or_its_version(write, agent):
    article = write(title_en="Refund policy")
    updated = Article.objects.get(pk=article.pk).updated_at
    services.record_feedback(article.pk, helped=True, user=agent)
    article.refresh_from_db()
    assert (article.updated_at, article.version) == (updated, 1)
