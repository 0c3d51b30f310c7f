"""Who may read which article: the only place that decides it.

- the public (anonymous visitors, API tokens of integrations without ``knowledge.view_article``,
  and every page under /knowledge/public/): published public articles only;
- readers (``knowledge.view_article``: service agents, sales reps, marketers, managers): every
  published article, internal ones too;
- editors (``knowledge.change_article``: managers, admins): drafts as well.

An article outside a user's scope is a 404, the same as a missing one, so guessing ids tells
nothing.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.http import Http404

from kehu.knowledge.models import Article

VIEW = "knowledge.view_article"
ADD = "knowledge.add_article"
CHANGE = "knowledge.change_article"
PUBLISH = "knowledge.publish_article"
PUBLIC_SCOPE = Q(status=Article.Status.PUBLISHED, visibility=Article.Visibility.PUBLIC)


def _has(user, perm: str) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active and user.has_perm(perm))


def can_read_internal(user) -> bool:
    return _has(user, VIEW)


def can_add(user) -> bool:
    return _has(user, ADD)


def can_edit(user) -> bool:
    return _has(user, CHANGE)


def can_publish(user) -> bool:
    return _has(user, PUBLISH)


def article_scope_for(user, *, public: bool = False) -> Q:
    """The articles ``user`` may read; ``public=True`` for the public pages, whoever asks."""
    if public or not can_read_internal(user):
        return PUBLIC_SCOPE
    if can_edit(user):
        return Q()
    return Q(status=Article.Status.PUBLISHED)


def visible_articles(user, *, public: bool = False) -> QuerySet[Article]:
    return Article.objects.filter(article_scope_for(user, public=public))


def access_article(user, pk, *, public: bool = False, for_change: bool = False) -> Article:
    """The article if ``user`` may read it (or change it, ``for_change``), else Http404."""
    if for_change and not can_edit(user):
        raise Http404
    try:
        return visible_articles(user, public=public).select_related("category", "author").get(pk=pk)
    except (Article.DoesNotExist, ValueError, TypeError):
        raise Http404 from None
