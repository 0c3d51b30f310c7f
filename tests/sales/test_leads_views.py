"""The lead pages: the list (filters, search, sort, paging, a query count that does not grow), the
detail (duplicates warning, referrer link, score and reasons, status actions), the form with its
referrer picker, the convert page's explicit choice, and 404 for another rep's lead."""

import pytest
from django.test import Client

from kehu.customers.models import Customer
from kehu.sales import leads
from kehu.sales.models import DisqualifyReason, Lead

pytestmark = pytest.mark.django_db

XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'


@pytest.fixture
def browser(rep):
    client = Client()
    client.force_login(rep)
    return client


def test_the_list_filters_searches_and_sorts(browser, rep, make_lead, referral, make_customer):
    introducer = make_customer(rep)
    a = make_lead(rep, name="刘洋", phone="13812345678", campaign="广交会")
    b = make_lead(rep, name="周敏", company="西湖科技", source=referral, referrer_customer=introducer)
    c = make_lead(rep, name="陈杰")
    leads.disqualify_lead(rep, c, reason=DisqualifyReason.objects.first(), expected_version=1)
    Lead.objects.filter(pk=a.pk).update(score=0.2)
    Lead.objects.filter(pk=b.pk).update(score=0.7)

    def names(query=""):
        html = browser.get("/sales/leads/?" + query).content.decode()
        return [lead.name for lead in Lead.objects.order_by("pk") if f">{lead.name}</a>" in html]

    assert names() == ["刘洋", "周敏"]  # open leads by default
    assert names("status=disqualified") == ["陈杰"]
    assert names("source=referral") == ["周敏"]
    assert names("q=西湖") == ["周敏"] and names("q=138-1234-5678") == ["刘洋"]
    assert names("campaign=广交") == ["刘洋"]
    assert names("owner=none") == []
    html = browser.get("/sales/leads/?sort=-score").content.decode()
    assert html.index(">周敏<") < html.index(">刘洋<") and "70%" in html


def test_the_list_pages_and_its_query_count_does_not_grow(browser, rep, make_lead, django_assert_max_num_queries):
    for i in range(3):
        make_lead(rep, name=f"甲{i}")
    with django_assert_max_num_queries(15) as few:
        browser.get("/sales/leads/")
    for i in range(60):
        make_lead(rep, name=f"乙{i}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        html = browser.get("/sales/leads/").content.decode()
    assert 'rel="next"' in html
    assert browser.get("/sales/leads/?page=2").status_code == 200


def test_another_reps_lead_is_a_404_everywhere(browser, make_user, other_team, make_lead):
    theirs = make_lead(make_user("sales", team=other_team))
    for url in ("", "edit/", "convert/"):
        assert browser.get(f"/sales/leads/{theirs.pk}/{url}").status_code == 404
    assert browser.post(f"/sales/leads/{theirs.pk}/status/", {"status": "contacted", "version": 1}).status_code == 404


def test_the_detail_shows_the_referrer_duplicates_score_and_reasons(browser, rep, make_lead, referral, make_customer):
    introducer = make_customer(rep, family_name="张", given_name="伟")
    make_customer(rep, family_name="刘", given_name="洋", phone="13812345678")
    lead = make_lead(rep, name="刘洋", phone="13812345678", source=referral, referrer_customer=introducer,
                     notes=XSS)
    Lead.objects.filter(pk=lead.pk).update(score=0.62, score_reasons=[
        {"text": "referral from a VIP customer", "weight": 0.8}, "- no email"])
    html = browser.get(f"/sales/leads/{lead.pk}/").content.decode()
    assert f'href="/customers/{introducer.pk}/"' in html and "张伟" in html
    assert 'data-testid="lead-duplicates"' in html and "same phone number" in html
    assert "62%" in html and "referral from a VIP customer" in html and "no email" in html
    assert "<script>alert" not in html and "&lt;script&gt;alert" in html


def test_statuses_from_the_page(browser, rep, make_lead):
    lead = make_lead(rep)
    browser.post(f"/sales/leads/{lead.pk}/status/", {"status": "contacted", "version": 1})
    browser.post(f"/sales/leads/{lead.pk}/status/", {"status": "qualified", "version": 2})
    assert Lead.objects.get().status == "qualified"
    response = browser.post(f"/sales/leads/{lead.pk}/status/", {"status": "contacted", "version": 2}, follow=True)
    assert "changed by someone else" in response.content.decode()
    browser.post(f"/sales/leads/{lead.pk}/disqualify/", {"reason": "", "version": 3})
    assert Lead.objects.get().status == "qualified"


def test_a_new_lead_from_the_form_with_a_referrer_found_by_search(browser, rep, referral, make_customer):
    introducer = make_customer(rep, family_name="张", given_name="伟")
    found = browser.get("/sales/leads/referrers/?referrer_q=张伟").content.decode()
    assert f'value="c:{introducer.pk}"' in found
    form = {"kind": "person", "name": "刘洋", "phone": "12345", "source": referral.pk, "owner": rep.pk,
            "referrer_q": "张伟", "referrer": ""}
    refused = browser.post("/sales/leads/new/", form)
    html = refused.content.decode()
    assert refused.status_code == 422 and "is not a valid phone number" in html and "is a referral" in html
    assert f'value="c:{introducer.pk}"' in html  # the search's result is offered
    saved = browser.post("/sales/leads/new/", {**form, "phone": "13812345678", "referrer": f"c:{introducer.pk}"})
    lead = Lead.objects.get()
    assert saved["Location"] == f"/sales/leads/{lead.pk}/"
    assert (lead.referrer_customer, lead.phone_normalized, lead.owner) == (introducer, "+8613812345678", rep)


def test_a_forged_referrer_value_is_refused(browser, rep, referral, make_user, other_team, make_customer):
    theirs = make_customer(make_user("sales", team=other_team))
    response = browser.post("/sales/leads/new/", {"kind": "person", "name": "刘洋", "source": referral.pk,
                                                  "owner": rep.pk, "referrer": f"c:{theirs.pk}"})
    assert response.status_code == 422 and not Lead.objects.exists()


def test_edit_keeps_the_version_check(browser, rep, make_lead):
    lead = make_lead(rep, name="刘洋")
    page = browser.get(f"/sales/leads/{lead.pk}/edit/").content.decode()
    assert 'name="version" value="1"' in page
    leads.update_lead(rep, lead, expected_version=1, company="别人改的")
    response = browser.post(f"/sales/leads/{lead.pk}/edit/", {"kind": "person", "name": "刘洋", "company": "我的",
                                                              "source": lead.source_id, "owner": rep.pk,
                                                              "version": 1})
    assert response.status_code == 422 and "changed by someone else" in response.content.decode()
    assert Lead.objects.get().company == "别人改的"


def test_the_duplicates_warning_of_the_form(browser, rep, make_lead):
    make_lead(rep, name="刘洋", email="liu@example.com")
    html = browser.get("/sales/leads/duplicates/?email=LIU@example.com&name=刘洋").content.decode()
    assert "Possible duplicates" in html and ">刘洋</a>" in html
    assert browser.get("/sales/leads/duplicates/?email=nobody@example.com").content.decode().strip() == ""


def test_the_convert_page_asks_when_the_lead_may_already_be_a_customer(browser, rep, make_customer, make_lead,
                                                                       qualify):
    existing = make_customer(rep, family_name="刘", given_name="洋", phone="13812345678")
    lead = qualify(rep, make_lead(rep, name="刘洋", phone="13812345678"))
    page = browser.get(f"/sales/leads/{lead.pk}/convert/").content.decode()
    assert 'data-testid="conversion-candidates"' in page and f'value="c:{existing.pk}"' in page
    assert 'value="new"' in page and "Create a new customer anyway" in page
    missing = browser.post(f"/sales/leads/{lead.pk}/convert/", {"version": lead.version})
    assert missing.status_code == 422 and Customer.objects.count() == 1
    done = browser.post(f"/sales/leads/{lead.pk}/convert/", {"version": lead.version, "target": f"c:{existing.pk}"})
    assert done["Location"] == f"/customers/{existing.pk}/"
    assert Lead.objects.get().customer == existing and Customer.objects.count() == 1


def test_an_unqualified_lead_is_sent_back_from_the_convert_page(browser, rep, make_lead):
    lead = make_lead(rep)
    assert browser.get(f"/sales/leads/{lead.pk}/convert/")["Location"] == f"/sales/leads/{lead.pk}/"


def test_the_detail_says_the_scorers_reasons_in_words(browser, rep, make_lead, referral):
    """The scorer stores {feature, value, contribution}: the page shows them as the score page
    does ("+ referral from a VIP customer"), never the feature's code."""
    from kehu.sales import lead_scoring

    reasons = [{"feature": "referrer_tier_a", "value": 1, "contribution": 0.9},
               {"feature": "has_email", "value": 0, "contribution": -0.31},
               {"feature": "source", "value": "referral", "contribution": 0.2}]
    lead = make_lead(rep)
    Lead.objects.filter(pk=lead.pk).update(score=0.7, score_reasons=reasons)
    html = browser.get(f"/sales/leads/{lead.pk}/").content.decode()
    for text in lead_scoring.describe_reasons(reasons):
        assert text[2:] in html  # the words, after the sign
    assert "Chain referral" in html
    assert "referrer_tier_a" not in html and "has_email" not in html
