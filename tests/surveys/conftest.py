"""Survey fixtures: staff in each role, surveys built through the services, links read from
the SMS text or from the real SMTP server's mail."""

import re

import pytest

from kehu.surveys import answers, invitations, services
from kehu.surveys.models import Survey

LINK = re.compile(r"/surveys/r/([A-Za-z0-9_-]+)/")


@pytest.fixture
def manager(make_user, team):
    return make_user("manager", team=team, is_manager=True)


@pytest.fixture
def marketer(make_user):
    return make_user("marketing")


@pytest.fixture
def agent(make_user):
    return make_user("service")


def token_in(text: str) -> str:
    match = LINK.search(text)
    assert match, f"no survey link in {text!r}"
    return match.group(1)


@pytest.fixture
def bank_survey(manager):
    """The bank template (SERVQUAL pairs, CSAT, NPS, comment), active."""
    survey = services.create_from_template(manager, "bank")
    return services.set_active(manager, survey, True)


@pytest.fixture
def small_survey(manager):
    """NPS, CSAT, one pair (reliability, 5 points), a single choice and an optional comment."""
    survey = services.create_survey(manager, name="Small", title_en="How did we do?", title_zh_hans="我们做得怎么样？",
                                    default_language="zh-hans", trigger=Survey.Trigger.MANUAL, channel="email",
                                    order_delay_days=3)
    services.add_question(manager, survey, kind="nps", text_en="Recommend us?", text_zh_hans="推荐我们吗？")
    services.add_question(manager, survey, kind="csat", text_en="Satisfied?", text_zh_hans="满意吗？")
    services.add_question(manager, survey, kind="pair", text_en="On time", text_zh_hans="准时", scale=5,
                          dimension="reliability")
    services.add_question(manager, survey, kind="single", text_en="Come back?", text_zh_hans="还会来吗？",
                          choices=services.choices_from_lines("Yes\nNo", "会\n不会", ""))
    services.add_question(manager, survey, kind="text", text_en="Comment", text_zh_hans="意见", required=False)
    return services.set_active(manager, survey, True)


def questions(survey):
    return {q.kind: q for q in survey.questions.all()}


def answer_data(survey, *, nps=None, csat=None, pair=None, choice=None, text=None) -> dict:
    """Form data for ``small_survey``-like surveys: one value per kind."""
    q = questions(survey)
    data = {}
    if nps is not None:
        data[f"q{q['nps'].pk}"] = str(nps)
    if csat is not None:
        data[f"q{q['csat'].pk}"] = str(csat)
    if pair is not None:
        data[f"q{q['pair'].pk}_e"], data[f"q{q['pair'].pk}_p"] = str(pair[0]), str(pair[1])
    if choice is not None:
        data[f"q{q['single'].pk}"] = choice
    if text is not None:
        data[f"q{q['text'].pk}"] = text
    return data


@pytest.fixture
def invite_sms():
    """Invite a customer by SMS through the service; returns (invitation, token from the SMS)."""
    def invite(actor, survey, customer, **kwargs):
        invitation = invitations.invite_customer(actor, survey, customer.pk, channel="sms", **kwargs)
        return invitation, token_in(invitation.sms_text)

    return invite


@pytest.fixture
def respond(invite_sms):
    """Invite by SMS and submit answers through the service; returns the Response."""
    def run(actor, survey, customer, **values):
        invitation, _token = invite_sms(actor, survey, customer)
        return answers.submit_response(invitation, answer_data(survey, **values))

    return run
