"""Activities, the write path: planning (links the actor may see, owners a manager may assign),
changing (version check, reminder re-armed), completing (one interaction on the customer's
timeline, the kind mapped to its channel and type, through the opportunity or the converted lead),
logging, reopening, deleting; every write audited, every refused write leaving nothing behind."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone

from kehu.customers.models import Interaction
from kehu.customers.timeline import timeline_page
from kehu.privacy.models import AuditEntry
from kehu.sales import activities as services
from kehu.sales.models import Activity, Lead
from tests.sales import conftest_activities

pytestmark = pytest.mark.django_db
crew = conftest_activities.crew  # the shared fixture
SOON = dt.timedelta(hours=2)


def plan(actor, **kw):
    kw.setdefault("kind", Activity.Kind.CALL)
    kw.setdefault("subject", "回访电话")
    kw.setdefault("due_at", timezone.now() + SOON)
    return services.plan_activity(actor, **kw)


def test_completing_a_call_writes_exactly_one_interaction_on_the_customers_timeline(crew):
    call = plan(crew.rep, subject="确认需求, 报价; 下周", customer=crew.customer, notes="问预算")
    assert Interaction.objects.count() == 0

    done = services.complete_activity(crew.rep, call, outcome=Activity.Outcome.INTERESTED, note="想要样品",
                                      expected_version=call.version)

    [interaction] = Interaction.objects.filter(customer=crew.customer)
    assert done.interaction == interaction and done.done_at is not None and done.version == call.version + 1
    assert (interaction.channel, interaction.type, interaction.direction) == ("phone", "call", "out")
    assert interaction.subject == "确认需求, 报价; 下周" and interaction.occurred_at == done.done_at
    assert interaction.notes == "Interested: 想要样品\n问预算" and interaction.user == crew.rep
    page = timeline_page(crew.customer.pk, only=["customers.interaction"])
    assert [(e.pk, e.title) for e in page.events] == [(interaction.pk, "Call: 确认需求, 报价; 下周")]
    # done is done: a second completion is refused and writes nothing
    with pytest.raises(ValidationError):
        services.complete_activity(crew.rep, done, outcome=Activity.Outcome.DONE)
    assert Interaction.objects.count() == 1
    assert AuditEntry.objects.filter(object_type="sales.activity", object_id=str(call.pk)).count() == 2
    assert AuditEntry.objects.filter(object_type="customers.interaction", customer_id=crew.customer.pk).count() == 1


@pytest.mark.parametrize(("kind", "channel", "type_"), [
    ("call", "phone", "call"), ("meeting", "in_person", "meeting"), ("visit", "in_person", "visit"),
    ("email", "email", "email"), ("todo", "other", "other")])
def test_each_kind_becomes_its_channel_and_type(crew, kind, channel, type_):
    logged = services.log_activity(crew.rep, kind=kind, subject="s", customer=crew.customer)
    assert (logged.interaction.channel, logged.interaction.type) == (channel, type_)
    assert logged.due_at == logged.done_at and logged.outcome == "done"


def test_the_customer_is_found_through_the_opportunity_or_the_converted_lead(crew):
    via_opportunity = services.log_activity(crew.rep, kind="visit", subject="拜访", opportunity=crew.opportunity)
    assert via_opportunity.customer is None and via_opportunity.interaction.customer == crew.customer

    call = plan(crew.rep, lead=crew.lead)
    services.complete_activity(crew.rep, call)  # the lead is not a customer yet: nothing on a timeline
    assert Activity.objects.get(pk=call.pk).interaction is None
    Lead.objects.filter(pk=crew.lead.pk).update(status=Lead.Status.CONVERTED, customer=crew.customer)
    after = services.log_activity(crew.rep, kind="call", subject="转化后回访", lead=crew.lead.pk)
    assert after.interaction.customer == crew.customer
    assert Interaction.objects.filter(customer=crew.customer).count() == 2


def test_no_interaction_without_a_customer_or_when_cancelled(crew):
    todo = services.log_activity(crew.rep, kind="todo", subject="整理资料")
    cancelled = services.complete_activity(crew.rep, plan(crew.rep, customer=crew.customer),
                                           outcome=Activity.Outcome.CANCELLED)
    assert todo.interaction is None and cancelled.interaction is None and cancelled.done_at is not None
    assert Interaction.objects.count() == 0


def test_reopening_keeps_the_interaction_and_a_new_completion_logs_a_new_one(crew):
    call = services.log_activity(crew.rep, kind="call", subject="没人接", outcome="no_answer", customer=crew.customer)
    first = call.interaction
    reopened = services.reopen_activity(crew.rep, call, expected_version=call.version)
    assert (reopened.done_at, reopened.outcome, reopened.interaction) == (None, "", None)
    assert Interaction.objects.filter(pk=first.pk).exists()  # the attempt did happen
    again = services.complete_activity(crew.rep, reopened, outcome="interested", expected_version=reopened.version)
    assert again.interaction != first and Interaction.objects.filter(customer=crew.customer).count() == 2


def test_an_activity_cannot_be_logged_in_the_future(crew):
    with pytest.raises(ValidationError) as error:
        services.log_activity(crew.rep, kind="call", subject="s", customer=crew.customer,
                              done_at=timezone.now() + dt.timedelta(hours=1))
    assert "done_at" in error.value.message_dict
    assert Activity.objects.count() == 0 and Interaction.objects.count() == 0


@pytest.mark.parametrize("link", ["customer", "lead", "opportunity"])
def test_links_must_be_visible_to_the_actor(crew, link):
    target = {"customer": crew.customer, "lead": crew.lead, "opportunity": crew.opportunity}[link]
    with pytest.raises(ValidationError) as error:
        plan(crew.stranger, **{link: target.pk})
    assert link in error.value.message_dict
    assert Activity.objects.count() == 0
    assert plan(crew.rep, **{link: target}).owner == crew.rep  # the owner may


def test_links_must_tell_one_story(crew, make_customer):
    other = make_customer(crew.rep, owner=crew.rep)
    with pytest.raises(ValidationError) as error:
        plan(crew.rep, customer=other, opportunity=crew.opportunity)
    assert "opportunity" in error.value.message_dict and Activity.objects.count() == 0


def test_a_call_needs_a_date_and_a_subject_a_todo_only_a_subject(crew):
    with pytest.raises(ValidationError) as error:
        services.plan_activity(crew.rep, kind="call", subject="  ", due_at=None)
    assert set(error.value.message_dict) == {"subject", "due_at"}
    assert services.plan_activity(crew.rep, kind="todo", subject="整理名片").due_at is None


def test_a_rep_plans_only_for_themselves(crew):
    with pytest.raises(ValidationError) as error:
        plan(crew.rep, owner=crew.mate)
    assert "owner" in error.value.message_dict and Activity.objects.count() == 0
    assert plan(crew.rep).owner == crew.rep


def test_a_manager_assigns_to_their_teams_members_only(crew, admin):
    assert plan(crew.manager, owner=crew.mate).owner == crew.mate
    assert plan(crew.manager).owner == crew.manager
    with pytest.raises(ValidationError) as error:
        plan(crew.manager, owner=crew.stranger)
    assert "owner" in error.value.message_dict
    assert set(Activity.objects.values_list("owner__username", flat=True)) == {"zhao.xiaoshou", "wang.jingli"}
    assert set(services.assignable_owners(crew.manager)) == {crew.manager, crew.rep, crew.mate}
    assert plan(admin, owner=crew.stranger).owner == crew.stranger  # an administrator may give it to anyone


def test_a_manager_cannot_move_an_activity_to_another_team(crew):
    call = plan(crew.rep)
    with pytest.raises(ValidationError):
        services.update_activity(crew.manager, call, expected_version=call.version, owner=crew.stranger)
    moved = services.update_activity(crew.manager, call, expected_version=call.version, owner=crew.mate)
    assert moved.owner == crew.mate and Activity.objects.get(pk=call.pk).owner == crew.mate


def test_an_update_checks_the_version_and_rearms_the_reminder(crew):
    call = plan(crew.rep, remind_minutes_before=15)
    Activity.objects.filter(pk=call.pk).update(reminded_at=timezone.now())
    later = call.due_at + dt.timedelta(days=1)
    changed = services.update_activity(crew.rep, call, expected_version=call.version, due_at=later, subject="改期")
    assert (changed.due_at, changed.subject, changed.reminded_at, changed.version) == (later, "改期", None, 2)
    entry = AuditEntry.objects.filter(object_type="sales.activity", action="update").get()
    assert set(entry.changes) == {"due_at", "subject"}
    with pytest.raises(services.StaleActivity):  # the page still shows version 1
        services.update_activity(crew.rep, call, expected_version=1, subject="又改")
    assert Activity.objects.get(pk=call.pk).subject == "改期"


def test_a_done_activity_keeps_its_links_and_its_interaction_follows_the_subject(crew):
    logged = services.log_activity(crew.rep, kind="call", subject="打错字", customer=crew.customer)
    with pytest.raises(ValidationError):
        services.update_activity(crew.rep, logged, expected_version=logged.version, customer=None)
    fixed = services.update_activity(crew.rep, logged, expected_version=logged.version, subject="回访电话")
    assert Interaction.objects.get(pk=logged.interaction_id).subject == "回访电话"
    assert fixed.customer == crew.customer


@pytest.mark.parametrize("who", ["mate", "stranger"])
def test_another_reps_activity_is_invisible(crew, who):
    call = plan(crew.rep, customer=crew.customer)
    actor = getattr(crew, who)
    for write in (lambda: services.complete_activity(actor, call),
                  lambda: services.update_activity(actor, call, expected_version=1, subject="x"),
                  lambda: services.delete_activity(actor, call)):
        with pytest.raises(Http404):
            write()
    fresh = Activity.objects.get(pk=call.pk)
    assert (fresh.done_at, fresh.subject, fresh.version) == (None, "回访电话", 1)
    assert Interaction.objects.count() == 0


def test_the_owner_or_their_manager_deletes_and_the_interaction_stays(crew):
    logged = services.log_activity(crew.rep, kind="call", subject="s", customer=crew.customer)
    services.delete_activity(crew.manager, logged)
    mine = plan(crew.rep)
    services.delete_activity(crew.rep, mine)
    assert Activity.objects.count() == 0
    assert Interaction.objects.filter(pk=logged.interaction_id).exists()
    assert AuditEntry.objects.filter(object_type="sales.activity", action="delete").count() == 2


def test_roles_without_the_permission_are_refused(crew, make_user):
    marketer = make_user("marketing")
    with pytest.raises(PermissionDenied):
        plan(marketer)
    assert Activity.objects.count() == 0


def test_demo_activities_go_through_the_services(crew):
    from kehu.sales.demo import seed_activities

    assert seed_activities(40, seed=7) == 40
    activities = Activity.objects.all()
    done = activities.filter(done_at__isnull=False)
    assert set(activities.values_list("owner__username", flat=True)) <= {"li.xiaoshou", "zhao.xiaoshou",
                                                                         "chen.xibu"}
    assert done.exists() and activities.filter(done_at__isnull=True, due_at__lt=timezone.now()).exists()
    # every logged one with a customer is on that customer's timeline
    assert Interaction.objects.count() == done.exclude(customer=None).exclude(outcome="cancelled").count() > 0
    assert seed_activities(40, seed=7) == 0  # once
