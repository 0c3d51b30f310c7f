"""A complaint through the four steps: each step refuses to move on without its data (saying what
is missing), proposals and the customer's answers, the follow-up, closing; the case in the
customer's timeline and R series; audit; stale moves refused."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from kehu.customers.responses import sections
from kehu.customers.timeline import timeline_page
from kehu.privacy.models import AuditEntry
from kehu.service import services
from kehu.service.models import Case, CaseCategory, FollowUp, Proposal, StageChange

pytestmark = pytest.mark.django_db


@pytest.fixture
def agent(make_user):
    return make_user("service")


@pytest.fixture
def complaint(agent, make_customer, admin):
    customer = make_customer(admin, family_name="王", given_name="芳", email="wangfang@example.com")
    return services.open_case(agent, kind=Case.Kind.COMPLAINT, category=CaseCategory.objects.get(code="product"),
                              channel=Case.Channel.PHONE, subject="水壶漏水", customer=customer)


def _move(agent, case, stage):
    case.refresh_from_db()
    return services.advance(agent, case, stage, expected_version=case.version)


def test_each_step_says_what_it_still_needs(agent, complaint, smtp_server, django_capture_on_commit_callbacks):
    assert complaint.stage == Case.Stage.LISTEN and complaint.reference.startswith("C-")
    with pytest.raises(ValidationError) as info:
        _move(agent, complaint, Case.Stage.RECORD)
    assert any("own words" in m for m in info.value.messages) and any("first response" in m for m in info.value.messages)
    with pytest.raises(ValidationError, match="one step at a time"):
        _move(agent, complaint, Case.Stage.PROPOSE)

    services.record_words(agent, complaint, "用了两天就漏水，我很生气！", expected_version=complaint.version)
    with django_capture_on_commit_callbacks(execute=True):  # mail goes out once the reply is committed
        services.reply(agent, complaint, "非常抱歉，我们马上处理。")
    [mail] = smtp_server.to("wangfang@example.com")
    assert complaint.reference in mail["Subject"] and "非常抱歉" in mail.get_content()
    case = _move(agent, complaint, Case.Stage.RECORD)
    assert case.first_response_at is not None

    with pytest.raises(ValidationError) as info:
        _move(agent, case, Case.Stage.PROPOSE)
    assert len(info.value.messages) == 3  # what happened, expectation, root cause
    services.record_key_points(agent, case, expected_version=case.version, what_happened="壶底裂缝漏水",
                               happened_on=dt.date(2026, 11, 28), expectation="换新", root_cause="product_defect")
    case = _move(agent, case, Case.Stage.PROPOSE)

    with pytest.raises(ValidationError, match="accepted a solution"):
        _move(agent, case, Case.Stage.FOLLOW_UP)
    with pytest.raises(ValidationError, match="needs an amount"):
        services.propose(agent, case, kind=Proposal.Kind.REFUND)
    first = services.propose(agent, case, kind=Proposal.Kind.REPAIR, description="免费维修")
    with pytest.raises(ValidationError, match="not answered the last proposal"):
        services.propose(agent, case, kind=Proposal.Kind.APOLOGY)
    with pytest.raises(ValidationError, match="what they would accept"):
        services.answer_proposal(agent, first, accepted=False)
    services.answer_proposal(agent, first, accepted=False, customer_wants="要换一个新的")
    second = services.propose(agent, case, kind=Proposal.Kind.REPLACE, description="换新")
    services.answer_proposal(agent, second, accepted=True)
    case = _move(agent, case, Case.Stage.FOLLOW_UP)
    assert case.resolved_at is not None

    with pytest.raises(ValidationError, match="follow-up"):
        _move(agent, case, Case.Stage.CLOSED)
    follow_up = services.schedule_follow_up(agent, case, due_at=timezone.now() + dt.timedelta(days=3))
    assert follow_up.owner == agent and follow_up.source == FollowUp.Source.COMPLAINT
    services.complete_follow_up(agent, follow_up, outcome=Case.Outcome.SATISFIED, note="新壶好用")
    case = _move(agent, case, Case.Stage.CLOSED)
    assert (case.outcome, case.stage) == (Case.Outcome.SATISFIED, Case.Stage.CLOSED) and case.closed_at
    assert list(StageChange.objects.filter(case=case).values_list("to_stage", flat=True)) == [
        "listen", "record", "propose", "follow_up", "closed"]
    assert AuditEntry.objects.filter(object_type="service.case", object_id=str(case.pk), action="update").count() >= 5


def test_closing_announces_it_for_the_survey(agent, complaint, django_capture_on_commit_callbacks):
    from kehu.surveys.signals import case_closed

    heard = []

    def listener(sender, **kwargs):
        heard.append(kwargs)

    case_closed.connect(listener)
    try:
        case = complaint
        Case.objects.filter(pk=case.pk).update(stage=Case.Stage.FOLLOW_UP)
        case.refresh_from_db()
        follow_up = FollowUp.objects.create(case=case, customer=case.customer, owner=agent, title="call",
                                            due_at=timezone.now(), done_at=timezone.now(), outcome="not_satisfied")
        with django_capture_on_commit_callbacks(execute=True):
            services.advance(agent, case, Case.Stage.CLOSED, expected_version=case.version)
    finally:
        case_closed.disconnect(listener)
    assert heard and heard[0]["case_id"] == case.pk and heard[0]["customer_id"] == case.customer_id
    case.refresh_from_db()
    assert case.outcome == "not_satisfied" and follow_up.case_id == case.pk


def test_a_stale_move_is_refused(agent, complaint):
    services.record_words(agent, complaint, "漏水", expected_version=complaint.version)
    stale_version = complaint.version  # what another agent's page still shows
    with pytest.raises(services.StaleCase):
        services.advance(agent, complaint, Case.Stage.RECORD, expected_version=stale_version)


def test_other_kinds_close_once_answered(agent, admin):
    enquiry = services.open_case(agent, kind=Case.Kind.ENQUIRY, category=CaseCategory.objects.get(code="delivery"),
                                 channel=Case.Channel.WECHAT, subject="几天到货？", contact_name="李先生")
    assert enquiry.stage == Case.Stage.OPEN
    with pytest.raises(ValidationError, match="Answer the customer"):
        services.advance(agent, enquiry, Case.Stage.CLOSED, expected_version=enquiry.version)
    with pytest.raises(ValidationError, match="Only complaints"):
        services.advance(agent, enquiry, Case.Stage.RECORD, expected_version=enquiry.version)
    services.reply(agent, enquiry, "三天内到。", send_email=False)
    enquiry.refresh_from_db()
    closed = services.advance(agent, enquiry, Case.Stage.CLOSED, expected_version=enquiry.version)
    assert closed.stage == Case.Stage.CLOSED and closed.outcome == ""


def test_opening_needs_a_subject_and_somebody(agent):
    with pytest.raises(ValidationError) as info:
        services.open_case(agent, kind=Case.Kind.COMPLAINT, category=CaseCategory.objects.get(code="other"),
                           channel=Case.Channel.PHONE, subject=" ")
    assert set(info.value.message_dict) == {"subject", "customer"}


def test_a_marketer_may_not_work_cases(make_user):
    marketer = make_user("marketing")
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.open_case(marketer, kind=Case.Kind.COMPLAINT, category=CaseCategory.objects.get(code="other"),
                           channel=Case.Channel.PHONE, subject="x", contact_name="y")


def test_the_case_is_on_the_timeline_and_its_outcome_in_the_r_series(agent, complaint):
    page = timeline_page(complaint.customer_id, pii_visible=True, only=["service.case"])
    assert [e.pk for e in page.events] == [complaint.pk] and complaint.reference in page.events[0].title
    Case.objects.filter(pk=complaint.pk).update(stage=Case.Stage.CLOSED, outcome=Case.Outcome.SATISFIED,
                                                closed_at=timezone.now())
    [section] = [s for s in sections(complaint.customer_id) if s["key"] == "service.complaints"]
    assert "1 complaints" in section["summary"] and "1 resolved" in section["summary"]
    assert section["responses"][0].good is True


def test_a_new_severity_recomputes_the_due_times(agent, complaint):
    before = complaint.resolution_due
    case = services.update_case(agent, complaint, expected_version=complaint.version, severity=Case.Severity.CRITICAL)
    assert case.sla_policy.name == "Critical" and case.resolution_due < before


def test_proposal_amounts_are_kept_exactly(agent, complaint):
    Case.objects.filter(pk=complaint.pk).update(stage=Case.Stage.PROPOSE)
    proposal = services.propose(agent, complaint, kind=Proposal.Kind.COMPENSATION, amount=Decimal("88.80"))
    proposal.refresh_from_db()
    assert proposal.amount == Decimal("88.80")


def test_demo_cases_cover_every_step(admin, make_customer, make_user):
    from kehu.service.demo import seed_cases

    make_user("service")
    for i in range(5):
        make_customer(admin, given_name=f"演示{i}")
    assert seed_cases(40, seed=3) == 40
    stages = set(Case.objects.values_list("stage", flat=True))
    assert {"listen", "record", "propose", "follow_up", "closed", "open"} <= stages
    assert Case.objects.filter(outcome="satisfied").exists()
    assert seed_cases(40, seed=3) == 0  # once


def test_a_detractor_answer_opens_a_follow_up_for_the_owner(agent, make_customer, make_user):
    from kehu.surveys.signals import detractor_answered

    rep = make_user("sales")
    customer = make_customer(rep, owner=rep)
    detractor_answered.send(sender=None, response_id=1, customer_id=customer.pk, owner_id=rep.pk, score=3,
                            comment="等太久了", metric="nps")
    follow_up = FollowUp.objects.get(customer=customer)
    assert (follow_up.owner, follow_up.source, follow_up.detail) == (rep, FollowUp.Source.SURVEY, "等太久了")
    assert "3" in follow_up.title and follow_up.done_at is None
