"""The respondent's page: no login, one response per link, validation per question, escaping,
CSRF, rate limit, language, opt-out."""

import pytest
from django.test import Client

from kehu.privacy.models import AuditEntry, Consent
from kehu.surveys import answers, invitations
from kehu.surveys.models import Answer, Invitation, Response
from tests.surveys.conftest import answer_data

XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'


@pytest.fixture
def link(manager, small_survey, make_customer, invite_sms):
    customer = make_customer(manager, phone="13800000401", email="li@example.com")
    invitation, token = invite_sms(manager, small_survey, customer)
    return {"invitation": invitation, "token": token, "url": f"/surveys/r/{token}/", "customer": customer}


def test_only_the_hash_of_the_token_is_stored(link):
    invitation = Invitation.objects.get()
    assert invitation.token_hash == invitations.token_hash(link["token"])
    assert link["token"] not in invitation.token_hash
    assert len(link["token"]) >= 43  # 32 random bytes


def test_the_page_opens_without_login_in_the_invitation_language(client, link):
    page = client.get(link["url"])
    html = page.content.decode()
    assert page.status_code == 200
    assert '<html lang="zh-hans">' in html
    assert "我们做得怎么样？" in html and "推荐我们吗？" in html
    assert page["Cache-Control"] == "no-store"
    english = client.get(link["url"] + "?lang=en").content.decode()
    assert '<html lang="en">' in english and "How did we do?" in english and "Recommend us?" in english


@pytest.mark.parametrize("token", ["forged", "A" * 43, "x" * 300])
def test_a_forged_link_is_a_404(client, link, token):
    assert client.get(f"/surveys/r/{token}/").status_code == 404
    assert client.post(f"/surveys/r/{token}/", {}).status_code == 404
    assert Response.objects.count() == 0


def test_required_questions_get_a_message_each_and_nothing_is_saved(client, link, small_survey):
    page = client.post(link["url"], {"lang": "en", **answer_data(small_survey, nps=11)})
    html = page.content.decode()
    assert page.status_code == 422
    assert html.count('class="errorlist"') == 4  # NPS out of range, CSAT, pair and choice missing
    assert "Choose a value from 0 to 10." in html
    assert "Please answer this question." in html
    assert "Please say how important this is to you and how well we did." in html
    assert "Please choose an answer." in html
    assert Response.objects.count() == 0
    assert Invitation.objects.get().answered_at is None


def test_a_half_answered_pair_is_refused(link, small_survey):
    data = answer_data(small_survey, nps=9, csat=4, choice="c1")
    pair = small_survey.questions.get(kind="pair")
    data[f"q{pair.pk}_p"] = "4"
    with pytest.raises(Exception) as err:
        answers.submit_response(link["invitation"], data)
    assert err.value.message_dict == {str(pair.pk): [
        "Please answer both: how important this is to you and how well we did."]}


def test_answering_saves_one_response_and_the_link_is_then_used(client, link, small_survey):
    data = {"lang": "en", **answer_data(small_survey, nps=9, csat=5, pair=(5, 4), choice="c2", text="好")}
    page = client.post(link["url"], data)
    assert page.status_code == 302 and page["Location"] == link["url"] + "thanks/?lang=en"
    thanks = client.get(page["Location"])
    assert thanks.status_code == 200 and "Thank you!" in thanks.content.decode()
    response = Response.objects.get()
    assert (response.nps, response.csat, response.language, response.customer_id) == (9, 5, "en", link["customer"].pk)
    assert list(Answer.objects.order_by("question__position").values_list("number", "expectation", "choice",
                                                                         "text")) == [
        (9, None, "", ""), (5, None, "", ""), (4, 5, "", ""), (None, None, "c2", ""), (None, None, "", "好")]
    assert Invitation.objects.get().answered_at == response.submitted_at
    # the same link again: refused, politely
    again = client.get(link["url"])  # in the invitation's language (Chinese)
    assert again.status_code == 200 and 'data-testid="already-answered"' in again.content.decode()
    assert "Already answered" in client.get(link["url"] + "?lang=en").content.decode()
    resend = client.post(link["url"], data)
    assert resend.status_code == 409 and "Already answered" in resend.content.decode()
    assert Response.objects.count() == 1 and Answer.objects.count() == 5


def test_the_service_refuses_a_second_response_for_a_link(link, small_survey):
    data = answer_data(small_survey, nps=9, csat=5, pair=(5, 4), choice="c1")
    answers.submit_response(link["invitation"], data)
    with pytest.raises(answers.AlreadyAnswered):
        answers.submit_response(link["invitation"], data)
    assert Response.objects.count() == 1


def test_a_stale_invitation_object_cannot_answer_twice(link, small_survey):
    """Two requests that both read the invitation before either answered: the second loses."""
    stale = Invitation.objects.get(pk=link["invitation"].pk)
    data = answer_data(small_survey, nps=1, csat=1, pair=(1, 1), choice="c1")
    answers.submit_response(link["invitation"], data)
    assert stale.answered_at is None
    with pytest.raises(answers.AlreadyAnswered):
        answers.submit_response(stale, data)
    assert Response.objects.count() == 1


def test_free_text_is_stored_as_typed_and_rendered_escaped(client, manager, link, small_survey):
    client.post(link["url"], answer_data(small_survey, nps=2, csat=1, pair=(5, 1), choice="c2", text=XSS))
    assert Answer.objects.get(question__kind="text").text == XSS
    staff = Client()
    staff.force_login(manager)
    response = Response.objects.get()
    pages = {
        "results": staff.get(f"/surveys/{small_survey.pk}/results/"),
        "response": staff.get(f"/surveys/responses/{response.pk}/"),
        "timeline": staff.get(f"/customers/{link['customer'].pk}/tab/t/"),
    }
    for name, page in pages.items():
        html = page.content.decode()
        assert page.status_code == 200, name
        assert XSS not in html and "<script>alert" not in html and "<img src=x" not in html, name
        assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;" in html, name


def test_nul_characters_are_dropped_from_free_text(link, small_survey):
    answers.submit_response(link["invitation"], answer_data(small_survey, nps=9, csat=5, pair=(5, 5),
                                                            choice="c1", text="a\x00b"))
    assert Answer.objects.get(question__kind="text").text == "ab"


def test_the_form_is_csrf_protected(link, small_survey):
    browser = Client(enforce_csrf_checks=True)
    page = browser.post(link["url"], answer_data(small_survey, nps=9, csat=5, pair=(5, 4), choice="c1"))
    assert page.status_code == 403
    assert Response.objects.count() == 0
    form = browser.get(link["url"])
    token = form.cookies["csrftoken"].value
    ok = browser.post(link["url"], {"csrfmiddlewaretoken": token,
                                    **answer_data(small_survey, nps=9, csat=5, pair=(5, 4), choice="c1")})
    assert ok.status_code == 302 and Response.objects.count() == 1


def test_posting_is_rate_limited_per_ip(client, link, small_survey, settings):
    settings.KEHU_SURVEY_POST_RATE = "2/m"
    for _ in range(2):
        assert client.post(link["url"], {"lang": "en"}).status_code == 422
    limited = client.post(link["url"], answer_data(small_survey, nps=9, csat=5, pair=(5, 4), choice="c1"))
    assert limited.status_code == 429
    assert Response.objects.count() == 0
    other_ip = client.post(link["url"], answer_data(small_survey, nps=9, csat=5, pair=(5, 4), choice="c1"),
                           REMOTE_ADDR="10.0.0.9")
    assert other_ip.status_code == 302


def test_a_closed_survey_says_so(client, manager, link, small_survey):
    from kehu.surveys import services

    services.set_active(manager, small_survey, False)
    page = client.get(link["url"] + "?lang=en")
    assert page.status_code == 410 and "This survey is closed." in page.content.decode()
    with pytest.raises(answers.SurveyClosed):
        answers.submit_response(link["invitation"], answer_data(small_survey, nps=9, csat=5, pair=(5, 4),
                                                                choice="c1"))


def test_the_respondent_can_opt_out_and_is_not_invited_again(client, manager, link, small_survey):
    page = client.post(link["url"] + "opt-out/", {"lang": "en"})
    assert page.status_code == 200 and "You will not hear from us on this channel" in page.content.decode()
    consent = Consent.objects.get(customer=link["customer"], is_current=True)
    assert (consent.purpose, consent.channel, consent.granted, consent.source) == ("service", "sms", False, "web_form")
    assert AuditEntry.objects.filter(object_type="privacy.consent", customer_id=link["customer"].pk,
                                     action="create").count() == 1
    # a second opt-out records nothing new
    client.post(link["url"] + "opt-out/", {"lang": "en"})
    assert Consent.objects.filter(customer=link["customer"]).count() == 1
    assert "You have asked us not to send you service messages" in client.get(link["url"] + "?lang=en").content.decode()
    with pytest.raises(invitations.NotInvited) as err:
        invitations.invite_customer(manager, small_survey, link["customer"].pk, channel="sms")
    assert err.value.code == "opted_out"
    assert Invitation.objects.count() == 1
    # email was not refused: that channel still works
    assert invitations.invite_customer(manager, small_survey, link["customer"].pk, channel="email").channel == "email"


def test_the_pages_fit_a_phone_and_name_every_radio_group(client, link):
    html = client.get(link["url"]).content.decode()
    assert 'name="viewport" content="width=device-width, initial-scale=1"' in html
    assert html.count("<fieldset") == html.count("<legend")
