"""End-to-end: a manager makes a survey from the bank template and invites a customer by email
(the link read from a real SMTP server); the customer answers on a 360 px phone in Chinese, with
an XSS string in the comment, and cannot answer twice; the manager sees the NPS and the gap chart,
and the answer on the customer's R tab.
"""

import time

import pytest
from playwright.sync_api import expect

from kehu.surveys.models import Invitation, Question, Response, Survey
from tests.e2e.helpers import assert_accessible, horizontal_overflow, login
from tests.surveys.conftest import token_in

pytestmark = pytest.mark.e2e

XSS = '<script>window.pwned = 1</script><img src=x onerror="window.pwned = 2">'


def _mail_to(inbox, address, timeout=10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if messages := inbox.to(address):
            return messages
        time.sleep(0.1)
    raise AssertionError(f"no mail to {address} arrived")


def _text(message):
    return next(part.get_content() for part in message.walk() if part.get_content_type() == "text/plain")


@pytest.fixture
def crm(live_server, make_user, make_customer, team):
    manager = make_user("manager", team=team, is_manager=True, username="wang.jing")
    customer = make_customer(manager, family_name="张", given_name="伟", email="zhang.wei@example.com", tier="A")
    return {"manager": manager, "customer": customer}


def test_a_bank_survey_from_invitation_to_results(page, new_page, shot, crm, smtp_server, settings, live_server):
    settings.KEHU_PUBLIC_URL = live_server.url
    manager, customer = crm["manager"], crm["customer"]
    login(page, manager)

    # Surveys → New survey from template: the bank survey, then activate it
    page.locator("header nav").get_by_role("link", name="Surveys", exact=True).click()
    expect(page.get_by_role("heading", level=1, name="Satisfaction surveys")).to_be_visible()
    page.get_by_role("button", name="Bank satisfaction survey (SERVQUAL)").click()
    survey = Survey.objects.get()
    expect(page.get_by_role("heading", level=1, name="Bank branch satisfaction survey")).to_be_visible()
    expect(page.get_by_test_id("question-1")).to_contain_text("Modern equipment and a clean, comfortable branch")
    expect(page.get_by_test_id("question-1")).to_contain_text("Tangibles")
    assert_accessible(page, "the survey builder")
    page.get_by_role("button", name="Activate").click()
    expect(page.get_by_test_id("survey-status")).to_have_text("Active")
    shot(page, "builder")

    # invite 张伟 by email, in English
    page.get_by_role("link", name="Invite a customer").click()
    page.get_by_label("Customer: name, phone, email or #ID").fill("张")
    page.get_by_role("button", name="Find").click()
    row = page.get_by_test_id(f"invite-{customer.pk}")
    row.get_by_label("Channel").select_option("email")
    row.get_by_label("Language").select_option("en")
    row.get_by_role("button", name=f"Invite {customer.display_name}").click()
    expect(page.get_by_text(f"Invitation sent by email to {customer.display_name}.")).to_be_visible()
    (mail,) = _mail_to(smtp_server, "zhang.wei@example.com")
    assert mail["Subject"] == "Branch service satisfaction survey"
    token = token_in(_text(mail))
    assert Invitation.objects.get().status == "sent"

    # the customer, on a phone: English first (the invitation's language), then 中文
    phone = new_page(viewport={"width": 360, "height": 740}, locale="zh-CN")
    phone.goto(f"/surveys/r/{token}/")
    expect(phone.get_by_role("heading", level=1)).to_have_text("Branch service satisfaction survey")
    phone.get_by_role("link", name="简体中文").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("银行顾客满意度调查表")
    expect(phone.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(phone.get_by_text("设施现代化，营业厅整洁舒适")).to_be_visible()
    overflow = horizontal_overflow(phone)
    assert overflow["scrollWidth"] <= overflow["innerWidth"], overflow
    assert_accessible(phone, "the survey page")
    shot(phone, "survey-phone")
    shot(phone, "survey-phone-top", full_page=False)

    # sending it empty: a message on each required question
    phone.locator("button.survey-submit").click()
    expect(phone.locator(".error-summary")).to_be_visible()
    required = Question.objects.filter(survey=survey, required=True).count()
    expect(phone.locator("fieldset.survey-question .errorlist")).to_have_count(required)
    shot(phone, "survey-errors")

    # answer: importance 7, how well we did 5 on every pair; CSAT 4, NPS 9; a hostile comment
    for q in survey.questions.order_by("position"):
        if q.kind == Question.Kind.PAIR:
            phone.locator(f'input[name="q{q.pk}_e"][value="7"]').check()
            phone.locator(f'input[name="q{q.pk}_p"][value="5"]').check()
        elif q.kind == Question.Kind.CSAT:
            phone.locator(f'input[name="q{q.pk}"][value="4"]').check()
        elif q.kind == Question.Kind.NPS:
            phone.locator(f'input[name="q{q.pk}"][value="9"]').check()
        elif q.kind == Question.Kind.TEXT:
            phone.locator(f'textarea[name="q{q.pk}"]').fill(XSS)
    phone.locator("button.survey-submit").click()
    expect(phone.get_by_test_id("thanks")).to_be_visible()
    shot(phone, "thanks")
    response = Response.objects.get()
    assert (response.nps, response.csat, response.language) == (9, 4, "zh-hans")
    assert response.answers.get(question__kind="text").text == XSS

    # the same link again: refused
    phone.goto(f"/surveys/r/{token}/")
    expect(phone.get_by_test_id("already-answered")).to_be_visible()
    expect(phone.locator("button.survey-submit")).to_have_count(0)
    assert Response.objects.count() == 1
    shot(phone, "already-answered")

    # staff: the results, with the NPS and the gap chart; the comment shown as text
    page.goto(f"/surveys/{survey.pk}/results/")
    expect(page.get_by_test_id("nps")).to_have_text("100")
    expect(page.get_by_test_id("csat")).to_have_text("100.0%")
    expect(page.get_by_test_id("response-rate")).to_have_text("100.0%")
    expect(page.locator("#gap-chart canvas").first).to_be_visible()
    expect(page.get_by_test_id("gap-tangibles")).to_contain_text("-2.0")
    expect(page.get_by_test_id("verbatim")).to_contain_text(XSS)
    assert page.evaluate("window.pwned") is None
    assert_accessible(page, "the survey results")
    shot(page, "results")

    # the customer's R tab shows the answer
    page.goto(f"/customers/{customer.pk}/")
    page.get_by_role("tab", name="R · Responses").click()
    section = page.get_by_role("region", name="Satisfaction surveys")
    expect(section).to_contain_text("NPS 9 · CSAT 100% (1 answer)")
    expect(section.get_by_role("link", name="Branch service satisfaction survey")).to_be_visible()
    expect(section).to_contain_text("NPS 9 (promoter) · CSAT 4/5")
    assert page.evaluate("window.pwned") is None
    shot(page, "customer-r-tab")


def test_builder_keyboard_reorder_segment_send_and_sms_list(page, new_page, shot, make_user, make_customer,
                                                            live_server, settings):
    """Reordering questions with the keyboard only; a marketer counts and sends to a segment by SMS;
    a service agent sends the SMS from the list and marks them sent."""
    from kehu.surveys import services

    settings.KEHU_PUBLIC_URL = live_server.url
    marketer = make_user("marketing", username="zhou.min")
    agent = make_user("service", username="chen.agent")
    for i in range(3):
        make_customer(agent, phone=f"1390000000{i}", tier="B")
    make_customer(agent, email="only-mail@example.com", tier="B")
    survey = services.create_from_template(marketer, "restaurant")
    login(page, marketer)
    page.goto(f"/surveys/{survey.pk}/")

    # keyboard: focus the first question's "down" button, press Enter twice; focus follows the question
    first = survey.questions.order_by("position").first()
    page.get_by_role("button", name="Move question 1 down").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("button", name="Move question 2 down")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_role("button", name="Move question 3 down")).to_be_focused()
    expect(page.get_by_test_id("question-3")).to_contain_text(first.text_en)
    assert_accessible(page, "the builder after reordering")
    page.get_by_role("link", name="Add a question").click()
    expect(page.get_by_role("heading", level=1, name="New question")).to_be_visible()
    assert_accessible(page, "the question form")
    page.get_by_label("Type").select_option("multiple")
    page.get_by_label("Question (English)").fill("What did you order?")
    page.get_by_label("Choices (English), one per line").fill("Burger\nFries\nDrink")
    page.get_by_label("Choices (Simplified Chinese), one per line").fill("汉堡\n薯条")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#id_choices_en_error")).to_contain_text("Give every choice a label in each language you use")
    page.get_by_label("Choices (Simplified Chinese), one per line").fill("汉堡\n薯条\n饮料")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_test_id("question-9")).to_contain_text("What did you order?")
    page.get_by_role("button", name="Activate").click()
    expect(page.get_by_test_id("survey-status")).to_have_text("Active")

    # a segment: tier B, by SMS — three with a phone, one skipped
    page.get_by_role("link", name="Send to a segment").click()
    page.get_by_label("Tier").select_option("B")
    page.get_by_label("Channel").select_option("sms")
    page.get_by_role("button", name="Count the customers").click()
    expect(page.get_by_test_id("matched")).to_have_text("4")
    expect(page.get_by_test_id("reachable")).to_have_text("3")
    assert_accessible(page, "the segment page")
    shot(page, "segment")
    page.get_by_role("button", name="Send to 3 customers").click()
    expect(page.get_by_test_id("invited")).to_have_text("3")

    # the agent's SMS list: each message has its own link
    agent_page = new_page()
    login(agent_page, agent)
    agent_page.goto("/surveys/sms/")
    expect(agent_page.locator("td.sms-text")).to_have_count(3)
    expect(agent_page.locator("td.sms-text").first).to_contain_text(f"{live_server.url}/surveys/r/")
    assert_accessible(agent_page, "the SMS list")
    shot(agent_page, "sms-list")
    for box in agent_page.get_by_role("checkbox").all():
        box.check()
    agent_page.get_by_role("button", name="Mark the selected as sent").click()
    expect(agent_page.get_by_text("3 SMS marked as sent.")).to_be_visible()
    expect(agent_page.get_by_text("No SMS waiting.")).to_be_visible()
