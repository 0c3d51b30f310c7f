"""Suggestions for a service case: words in common, the case's category, helpfulness."""

from django.db.models import F

from kehu.knowledge import services
from kehu.knowledge.models import Article


def pks(articles):
    return [a.pk for a in articles]


def test_the_case_text_finds_the_article_with_its_words(write, agent):
    refund = write(title_zh_hans="退款政策", body_zh_hans="<p>7 天内无理由退货。</p>")
    write(title_zh_hans="配送时间", body_zh_hans="<p>两天送达。</p>")
    found = services.suggest("客户说收到的杯子是坏的，想要退款", None, user=agent, language="zh-hans")
    assert pks(found) == [refund.pk]
    assert found[0].display.title == "退款政策" and found[0].suggestion_score == services.TITLE_WEIGHT


def test_topic_bonus_lifts_the_article_about_the_cases_category(write, agent):
    about_delivery = write(title_en="Delivery delays", body_en="<p>A parcel that is late: we call the courier.</p>",
                           topics=["delivery"])
    other = write(title_en="Tracking", body_en="<p>A parcel that is late: track it.</p>", topics=["product"])
    text = "My parcel is late"
    # the same words in common; without the topic the newer one comes first
    assert pks(services.suggest(text, None, user=agent, language="en")) == [other.pk, about_delivery.pk]
    found = services.suggest(text, "delivery", user=agent, language="en")
    assert pks(found) == [about_delivery.pk, other.pk]
    assert found[0].suggestion_score - found[1].suggestion_score == services.TOPIC_BONUS


def test_topic_alone_suggests_articles_when_no_word_matches(write, agent):
    billing = write(title_en="Invoices", topics=["billing"])
    write(title_en="Delivery", topics=["delivery"])
    assert pks(services.suggest("", "billing", user=agent, language="en")) == [billing.pk]
    assert services.suggest("", None, user=agent, language="en") == []
    assert services.suggest("", "not-a-code", user=agent, language="en") == []


def test_more_words_in_common_rank_higher(write, agent):
    both = write(title_en="Refund for a broken cup")
    one = write(title_en="Refund policy")
    assert pks(services.suggest("broken cup, wants a refund", None, user=agent, language="en")) == [both.pk, one.pk]


def test_helpfulness_breaks_ties_and_unhelpful_articles_sink(write, agent):
    a = write(title_en="Refund steps")
    b = write(title_en="Refund rules")
    Article.objects.filter(pk=a.pk).update(not_helped_count=F("not_helped_count") + 5)
    Article.objects.filter(pk=b.pk).update(helped_count=F("helped_count") + 5)
    found = services.suggest("refund", None, user=agent, language="en")
    assert pks(found) == [b.pk, a.pk]
    assert found[0].suggestion_score > services.TITLE_WEIGHT > found[1].suggestion_score


def test_only_published_articles_the_user_may_read(write, agent, make_user):
    internal = write(title_en="Refund checklist", visibility="internal")
    draft = write(title_en="Refund draft", publish=False)
    public = write(title_en="Refund policy")
    assert set(pks(services.suggest("refund", None, user=agent, language="en"))) == {internal.pk, public.pk}
    nobody = make_user("sales")
    nobody.groups.clear()
    assert pks(services.suggest("refund", None, user=nobody, language="en")) == [public.pk]
    assert draft.pk not in pks(services.suggest("refund draft", None, user=agent, language="en"))


def test_limit_language_and_the_users_vote(write, agent):
    articles = [write(title_en=f"Refund {i}", title_zh_hans=f"退款 {i}") for i in range(7)]
    services.record_feedback(articles[0].pk, helped=True, user=agent)
    found = services.suggest("退款", None, user=agent, language="zh-hant")
    assert len(found) == 5
    assert found[0].pk == articles[0].pk and found[0].user_vote is True
    assert found[0].display.language == "zh-hans" and found[0].display.fallback  # no zh-Hant version
    assert all(a.user_vote is None for a in found[1:])
