"""Concurrent votes and edits on a real server (PostgreSQL; SQLite serialises writers anyway)."""

import threading

import pytest
from django.db import connection, connections

from kehu.knowledge import services
from kehu.knowledge.models import Article, ArticleFeedback

pytestmark = pytest.mark.django_db(transaction=True)


def _together(n, work):
    barrier = threading.Barrier(n)
    outcomes = []

    def run(i):
        try:
            barrier.wait()
            outcomes.append(work(i))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return outcomes


@pytest.fixture
def on_postgresql():
    if connection.vendor != "postgresql":
        pytest.skip("race test needs a server database; SQLite serialises writers")


def test_the_same_user_clicking_at_once_counts_once(on_postgresql, write, agent):
    article = write(title_en="Refund policy")
    outcomes = _together(6, lambda i: services.record_feedback(article.pk, helped=True, user=agent)[1])
    assert sorted(outcomes) == [False] * 5 + [True]
    assert Article.objects.get(pk=article.pk).helped_count == 1


def test_many_readers_at_once_are_all_counted(on_postgresql, write):
    article = write(title_en="Refund policy")
    _together(8, lambda i: services.record_feedback(article.pk, helped=i % 2 == 0, session_key=f"s{i}",
                                                    public=True))
    article.refresh_from_db()
    assert (article.helped_count, article.not_helped_count) == (4, 4) == (
        ArticleFeedback.objects.filter(helped=True).count(), ArticleFeedback.objects.filter(helped=False).count())


def test_two_editors_saving_the_same_version_one_wins(on_postgresql, write, manager):
    article = write(title_en="Hours")

    def edit(i):
        try:
            services.update_article(manager, article.pk, expected_version=1, title_en=f"Edit {i}")
            return "saved"
        except services.StaleVersion:
            return "stale"

    assert sorted(_together(2, edit)) == ["saved", "stale"]
    assert Article.objects.get(pk=article.pk).version == 2
