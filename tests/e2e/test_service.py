"""End-to-end: a complaint from the public form to the satisfaction survey.

A customer complains on a 360 px phone in Chinese (no account; XSS strings in every free-text
field) and gets a reference and a status link; a service agent works the case through the four
steps in the browser — the board (a drag and the keyboard button), the case page (words, key
points, a rejected then an accepted proposal, the follow-up) — and closes it; the customer gets
the after-sales survey by email from a real SMTP server, answers it on the phone, and the case
and the answer both land on the customer's R tab. No payload ever runs.
"""

import datetime as dt
import re
import time

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from kehu.service.models import Case, CaseCategory, Proposal
from kehu.surveys import services as surveys
from kehu.surveys.models import Question, Response
from tests.e2e.helpers import assert_accessible, horizontal_overflow, login
from tests.surveys.conftest import token_in

pytestmark = pytest.mark.e2e

XSS = '<script>window.pwned = 1</script><img src=x onerror="window.pwned = 2">'


def _mail_to(inbox, address, count=1, timeout=10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if len(messages := inbox.to(address)) >= count:
            return messages
        time.sleep(0.1)
    raise AssertionError(f"{count} mail(s) to {address} did not arrive: {len(inbox.to(address))}")


def _text(message):
    return next(part.get_content() for part in message.walk() if part.get_content_type() == "text/plain")


def _inert(page):
    assert page.evaluate("window.pwned") is None, page.url
    assert page.locator("script:text('window.pwned')").count() == 0, page.url


@pytest.fixture
def crm(live_server, make_user, make_customer, team, settings):
    settings.KEHU_PUBLIC_URL = live_server.url
    agent = make_user("service", team=team, username="li.kefu")  # first in the round-robin
    manager = make_user("manager", team=team, is_manager=True, username="wang.jing")
    customer = make_customer(manager, family_name="张", given_name="伟", phone="13912345678",
                             email="zhang.wei@example.com", tier="B")
    CaseCategory.objects.filter(code="delivery").update(team=team)  # routed to the team's agent
    survey = surveys.create_from_template(manager, "after_sales")
    surveys.set_active(manager, survey, True)
    return {"manager": manager, "agent": agent, "customer": customer, "survey": survey}


def test_a_complaint_from_the_public_form_to_the_survey_answer(page, new_page, shot, crm, smtp_server):
    agent, customer, survey = crm["agent"], crm["customer"], crm["survey"]

    # 1. the customer complains on a phone, in Chinese, with hostile text in every field
    phone = new_page(viewport={"width": 360, "height": 740}, locale="zh-CN")
    phone.goto("/service/complain/")
    expect(phone.get_by_role("heading", level=1)).to_have_text("告诉我们哪里出了问题")
    overflow = horizontal_overflow(phone)
    assert overflow["scrollWidth"] <= overflow["innerWidth"], overflow
    assert_accessible(phone, "the public complaint form")
    phone.get_by_role("button", name="提交").click()  # empty: says what is missing, files nothing
    expect(phone.locator(".errorlist").first).to_be_visible()
    assert Case.objects.count() == 0
    phone.get_by_label("您的姓名").fill("张伟" + XSS)
    phone.get_by_label("手机").fill("139 1234 5678")
    phone.get_by_label("电子邮件").fill("zhang.wei@example.com")
    phone.get_by_label("关于什么？").select_option(label="配送")
    phone.get_by_label("发生了什么？").fill("快递把水壶摔坏了，等了十天。" + XSS)
    phone.get_by_label("您希望我们怎么做？").fill("换一个新的" + XSS)
    shot(phone, "complain-phone")
    phone.get_by_role("button", name="提交").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("谢谢，我们已收到您的投诉")
    case = Case.objects.get()
    assert (case.customer, case.stage, case.owner) == (customer, Case.Stage.LISTEN, agent)
    assert case.customer_words == "快递把水壶摔坏了，等了十天。" + XSS
    expect(phone.locator("strong", has_text=case.reference)).to_be_visible()
    _inert(phone)
    shot(phone, "complain-thanks")
    phone.locator(f'a[href="/service/status/{case.public_token}/"]').click()
    expect(phone.get_by_role("heading", level=1)).to_contain_text(case.reference)
    expect(phone.locator("ol.steps li[aria-current=step]")).to_have_count(1)
    _inert(phone)

    # 2. the agent: the case is in "my cases"; step 1 needs a first answer before it moves on
    login(page, agent)
    page.locator("header nav").get_by_role("link", name="Service", exact=True).click()
    expect(page.get_by_role("heading", level=1, name="Case queues")).to_be_visible()
    page.get_by_role("link", name=case.reference).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(case.reference)
    expect(page.locator("ul.missing")).to_contain_text("Step 1: answer the customer (the first response).")
    _inert(page)
    assert_accessible(page, "the case page")
    page.get_by_label("Reply to the customer").fill("张先生您好，非常抱歉，我们马上处理。")
    page.get_by_role("button", name="Send the reply").click()
    expect(page.locator("ol.thread")).to_contain_text("我们马上处理")
    expect(page.locator("ul.missing")).to_have_count(0)
    (ack, answer) = _mail_to(smtp_server, "zhang.wei@example.com", count=2)
    assert case.reference in ack["Subject"] and f"/service/status/{case.public_token}/" in _text(ack)
    assert "我们已收到您的来信" in _text(ack) and "我们马上处理" in _text(answer)
    shot(page, "case-listen")

    # the board: drag the card from "1 · Listen" to "2 · Record key points"
    page.get_by_role("link", name="Complaint board").click()
    card = page.locator(f"#card-{case.pk}")
    expect(page.locator("ol.cards[data-stage=listen]").locator(f"#card-{case.pk}")).to_be_visible()
    card.locator("p.card-subject").drag_to(page.locator("ol.cards[data-stage=record]"))
    expect(page.locator("ol.cards[data-stage=record]").locator(f"#card-{case.pk}")).to_be_visible()
    expect(page.locator(f"#card-{case.pk}")).to_have_attribute("data-stage", "record")
    case.refresh_from_db()
    assert case.stage == Case.Stage.RECORD
    # the keyboard way refuses the next move until step 2's facts are there, and says which
    page.get_by_role("button", name=f"Move {case.reference} to the next step").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("alert").or_(page.locator(".messages"))).to_contain_text("Step 2: record what happened.")
    assert Case.objects.get(pk=case.pk).stage == Case.Stage.RECORD
    assert_accessible(page, "the board")
    shot(page, "board")

    # 3. step 2 on the case page: the key points
    page.get_by_role("link", name=case.reference).click()
    page.get_by_label("What happened").fill("快递途中水壶摔坏，晚到十天。" + XSS)
    page.get_by_label("When it happened").fill((timezone.localdate() - dt.timedelta(days=2)).isoformat())
    page.get_by_label("What the customer expects").fill("换新" + XSS)
    page.get_by_label("Root cause").select_option("logistics")
    page.get_by_role("button", name="Save the key points").click()
    expect(page.locator("ul.missing")).to_have_count(0)
    page.get_by_role("button", name="Move to the next step").click()
    expect(page.locator("ol.steps li[aria-current=step]")).to_have_text("3 · Propose a solution")

    # step 3: a refund the customer turns down, then a replacement they accept
    page.get_by_role("combobox", name="Solution").select_option("refund")
    page.get_by_label("Amount (CNY)").fill("50")
    page.get_by_role("button", name="Propose this solution").click()
    page.get_by_role("radio", name="Rejected").check()
    page.get_by_label("If rejected: what the customer asked for instead").fill("要换新的，不要退款" + XSS)
    page.get_by_role("button", name="Record the answer").click()
    expect(page.locator("ol.proposals")).to_contain_text("要换新的，不要退款" + XSS)
    expect(page.locator("ul.missing")).to_contain_text("Step 3: the customer has not accepted a solution yet.")
    expect(page.get_by_role("button", name="Move to the next step")).to_have_attribute("aria-disabled", "true")
    page.get_by_role("combobox", name="Solution").select_option("replace")
    page.get_by_label("Details").fill("顺丰发一个新水壶" + XSS)
    page.get_by_role("button", name="Propose this solution").click()
    page.get_by_role("radio", name="Accepted").check()
    page.get_by_role("button", name="Record the answer").click()
    assert list(Proposal.objects.filter(case=case).order_by("pk").values_list("status", flat=True)) == [
        "rejected", "accepted"]
    page.get_by_role("button", name="Move to the next step").click()
    expect(page.locator("ol.steps li[aria-current=step]")).to_have_text("4 · Follow up")
    _inert(page)

    # step 4: schedule the follow-up, make it, record the customer satisfied, close
    page.get_by_label("Follow up on").fill((timezone.localtime() + dt.timedelta(days=3)).strftime("%Y-%m-%dT%H:%M"))
    page.get_by_label("What to do").fill("问问新水壶是否收到")
    page.get_by_role("button", name="Schedule the follow-up").click()
    page.get_by_role("radio", name="Satisfied", exact=True).check()
    page.get_by_label("Note", exact=True).fill("已收到，很满意" + XSS)
    page.get_by_role("button", name="Follow-up done").click()
    page.get_by_role("button", name="Close the case").click()
    expect(page.locator(".facts").first).to_contain_text("Satisfied")
    case.refresh_from_db()
    assert (case.stage, case.outcome) == (Case.Stage.CLOSED, Case.Outcome.SATISFIED)
    assert list(case.stage_changes.values_list("to_stage", flat=True)) == [
        "listen", "record", "propose", "follow_up", "closed"]
    _inert(page)
    assert_accessible(page, "the closed case")
    shot(page, "case-closed")

    # 4. closing sent the after-sales survey; the customer answers on the phone
    mails = _mail_to(smtp_server, "zhang.wei@example.com", count=3)
    token = token_in(_text(mails[-1]))
    phone.goto(f"/surveys/r/{token}/")
    expect(phone.locator("button.survey-submit")).to_be_visible()
    for q in survey.questions.order_by("position"):
        if q.kind in (Question.Kind.RATING, Question.Kind.CSAT):
            phone.locator(f'input[name="q{q.pk}"][value="5"]').check()
        elif q.kind == Question.Kind.NPS:
            phone.locator(f'input[name="q{q.pk}"][value="10"]').check()
        elif q.kind == Question.Kind.PAIR:
            phone.locator(f'input[name="q{q.pk}_e"][value="6"]').check()
            phone.locator(f'input[name="q{q.pk}_p"][value="6"]').check()
        elif q.kind == Question.Kind.TEXT:
            phone.locator(f'textarea[name="q{q.pk}"]').fill("换得很快" + XSS)
        elif q.kind in (Question.Kind.SINGLE, Question.Kind.MULTIPLE):
            phone.locator(f'input[name="q{q.pk}"]').first.check()
    phone.locator("button.survey-submit").click()
    expect(phone.get_by_test_id("thanks")).to_be_visible()
    response = Response.objects.get()
    assert (response.customer_id, response.nps) == (customer.pk, 10)
    assert response.invitation.case_id == case.pk

    # the customer's status page shows the case closed, the customer's words inert
    phone.goto(f"/service/status/{case.public_token}/")
    expect(phone.locator("ol.steps")).to_have_count(1)
    expect(phone.get_by_role("button", name="提交")).to_have_count(0)
    _inert(phone)

    # 5. the R tab: the complaint (resolved, satisfied) and the survey answer
    page.goto(f"/customers/{customer.pk}/")
    page.get_by_role("tab", name="R · Responses").click()
    complaints = page.get_by_role("region", name="Complaints")
    expect(complaints).to_contain_text("1 complaints: 0 open, 1 resolved to the customer's satisfaction, 0 not")
    expect(complaints.get_by_role("link", name=re.compile(case.reference))).to_be_visible()
    answers = page.get_by_role("region", name="Satisfaction surveys")
    expect(answers).to_contain_text("NPS 10")
    expect(answers.get_by_role("link", name=survey.title_en)).to_be_visible()
    _inert(page)
    shot(page, "customer-r-tab")
