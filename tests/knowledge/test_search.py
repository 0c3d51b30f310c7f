"""Search: Chinese and English words, simplified ↔ traditional, title hits first, scopes."""

import pytest

from kehu.knowledge import services
from kehu.knowledge.models import ArticleTerm


def titles(qs, language="en"):
    return [a.shown(language).title for a in qs]


@pytest.fixture
def library(write):
    return {
        "refund": write(title_en="Refund policy", body_en="<p>Returns within 7 days.</p>",
                        title_zh_hans="退款政策", body_zh_hans="<p>签收后 7 天内可以无理由退货。</p>"),
        "delivery": write(title_en="Delivery times", body_en="<p>Most parcels arrive in two days. "
                                                             "Refunds for late parcels: see the refund policy.</p>",
                          title_zh_hans="配送时间", body_zh_hans="<p>大部分包裹两天送达。迟到的包裹可以退款。</p>"),
        "hours": write(title_zh_hant="門店營業時間", body_zh_hant="<p>週一至週五 10:00–21:30。</p>"),
        "internal": write(title_en="Refunds: agent checklist", body_en="<p>Check the order first.</p>",
                          title_zh_hans="退款处理清单", body_zh_hans="<p>先核对订单。</p>", visibility="internal"),
    }


def test_a_chinese_word_finds_the_article_whose_title_holds_it(library, agent):
    found = services.find_articles(agent, q="退款", public=True)
    assert titles(found, "zh-hans")[0] == "退款政策"


def test_title_hits_rank_above_body_hits(library, agent):
    found = list(services.find_articles(agent, q="退款", public=True))
    assert [a.pk for a in found] == [library["refund"].pk, library["delivery"].pk]
    assert found[0].score > found[1].score


def test_english_finds_plurals_and_case(library, agent):
    for query in ("refund", "Refunds", "REFUNDED"):
        found = list(services.find_articles(agent, q=query, public=True))
        assert [a.pk for a in found] == [library["refund"].pk, library["delivery"].pk], query


def test_traditional_query_finds_simplified_article_and_back(library, agent):
    # 配送時間 → 配送 + 时间; 門店營業時間 has 时间 too, but only one of the two words
    assert titles(services.find_articles(agent, q="配送時間", public=True)) == ["Delivery times", "門店營業時間"]
    # written in traditional Chinese only, found with simplified words (and a part of a long word)
    assert titles(services.find_articles(agent, q="营业时间", public=True), "zh-hant") == ["門店營業時間", "配送时间"]
    assert titles(services.find_articles(agent, q="门店", public=True), "zh-hant") == ["門店營業時間"]


def test_internal_articles_never_appear_in_public_search(library, agent):
    public = services.find_articles(None, q="退款", public=True)
    assert library["internal"].pk not in {a.pk for a in public}
    # the same words, for a reader of internal articles: there it is, a title hit
    staff = list(services.find_articles(agent, q="退款"))
    assert {a.pk for a in staff[:2]} == {library["refund"].pk, library["internal"].pk}
    # the public flag wins even for a staff reader
    assert library["internal"].pk not in {a.pk for a in services.find_articles(agent, q="退款", public=True)}


def test_drafts_only_for_editors(write, agent, manager):
    draft = write(title_en="Refund draft", publish=False)
    assert draft.pk not in {a.pk for a in services.find_articles(agent, q="refund")}
    assert draft.pk in {a.pk for a in services.find_articles(manager, q="refund")}


def test_words_that_match_nothing_find_nothing(library, agent):
    assert list(services.find_articles(agent, q="warranty")) == []
    assert list(services.find_articles(agent, q="的 the")) == []  # only function words


def test_no_query_lists_the_latest_first(library, agent):
    found = list(services.find_articles(agent, public=True))
    assert [a.pk for a in found] == [library["hours"].pk, library["delivery"].pk, library["refund"].pk]


def test_filters_by_category_tag_and_topic(write, agent):
    from kehu.knowledge.models import Category

    billing = Category.objects.create(name_en="Billing")
    a = write(title_en="Invoice copies", category=billing, tags=["fapiao", "发票"], topics=["billing"])
    write(title_en="Invoice deadlines", topics=["price"])
    assert [x.pk for x in services.find_articles(agent, q="invoice", category=billing.pk)] == [a.pk]
    assert [x.pk for x in services.find_articles(agent, q="invoice", tag="发票")] == [a.pk]
    assert [x.pk for x in services.find_articles(agent, topic="billing")] == [a.pk]


def test_tags_are_searchable(write, agent):
    a = write(title_en="Fapiao", body_en="<p>How to issue one.</p>", tags=["发票"])
    assert [x.pk for x in services.find_articles(agent, q="發票")] == [a.pk]


def test_editing_rebuilds_the_terms(write, manager, agent):
    article = write(title_en="Store hours")
    services.update_article(manager, article.pk, expected_version=article.version, title_en="Opening times")
    assert list(services.find_articles(agent, q="store")) == []
    assert [a.pk for a in services.find_articles(agent, q="opening")] == [article.pk]
    assert set(ArticleTerm.objects.filter(article=article).values_list("term", flat=True)) == {"open", "time", "text"}


def test_one_version_counts_not_the_sum_of_three(write, agent):
    """An article with the same title in three scripts must not outrank one in one script."""
    one = write(title_zh_hans="退款")
    three = write(title_zh_hans="退款", title_zh_hant="退款", title_en="退款")
    found = list(services.find_articles(agent, q="退款"))
    assert {a.score for a in found} == {10} and {a.pk for a in found} == {one.pk, three.pk}


def test_search_results_page_through(write, agent):
    for i in range(25):
        write(title_en=f"Refund case {i}")
    qs = services.find_articles(agent, q="refund")
    from kehu.web.pagination import page_of

    first, more = page_of(qs, 1, 20)
    second, more2 = page_of(qs, 2, 20)
    assert (len(first), more, len(second), more2) == (20, True, 5, False)
    assert not {a.pk for a in first} & {a.pk for a in second}
