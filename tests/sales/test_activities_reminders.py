"""Reminders: found in one query when ``due_at - remind_minutes_before`` has passed, mailed once to
the owner over a real SMTP server, stamped in bulk; retried when the mail server is down; a new
due time re-arms them; run by the worker every five minutes."""

import datetime as dt

import pytest
from django.core.management import call_command
from django.utils import timezone

from kehu.sales import activities as services
from kehu.sales import reminders
from kehu.sales.models import Activity
from tests.conftest import free_port
from tests.sales import conftest_activities

pytestmark = pytest.mark.django_db
crew = conftest_activities.crew  # the shared fixture


def plan(actor, minutes_ahead, remind, **kw):
    kw.setdefault("subject", f"in {minutes_ahead} min")
    return services.plan_activity(actor, kind=kw.pop("kind", "call"), due_at=timezone.now() + dt.timedelta(
        minutes=minutes_ahead), remind_minutes_before=remind, **kw)


@pytest.fixture
def pending(crew):
    return {
        "due": plan(crew.rep, 10, 15, subject="给张伟回电话", customer=crew.customer),  # reminder 5 minutes ago
        "at_the_time": plan(crew.rep, -1, 0),  # "at the time": a minute ago
        "not_yet": plan(crew.rep, 20, 15),
        "tomorrow": plan(crew.rep, 24 * 60 + 30, 24 * 60),  # a day before: in 30 minutes
        "no_reminder": plan(crew.rep, 1, None),
        "done": services.complete_activity(crew.rep, plan(crew.rep, 5, 15)),
        "no_address": plan(crew.mate, 5, 15),  # the mate has no email address
    }


def test_due_reminders_are_found_in_one_query(pending, django_assert_num_queries):
    with django_assert_num_queries(1):
        found = reminders.due_reminders()
    assert [a.pk for a in found] == [pending["at_the_time"].pk, pending["no_address"].pk, pending["due"].pk]


def test_reminders_go_out_once_over_smtp(crew, pending, smtp_server):
    sent = reminders.send_reminders()
    assert sent == 2  # the rep's two due reminders; the mate has no address
    subjects = sorted(m["Subject"] for m in smtp_server.to("li.xiaoshou@example.com"))
    assert len(subjects) == 2 and any("给张伟回电话" in s for s in subjects)
    body = next(m for m in smtp_server.messages if "给张伟回电话" in m["Subject"]).get_content()
    assert "About: 张伟" in body and "/sales/my-day/" in body
    stamped = set(Activity.objects.filter(reminded_at__isnull=False).values_list("pk", flat=True))
    assert stamped == {pending[k].pk for k in ("due", "at_the_time", "no_address")}
    assert reminders.send_reminders() == 0 and len(smtp_server.messages) == 2  # once
    # half an hour later the day-before reminder and the 15-minute one are due
    later = timezone.now() + dt.timedelta(minutes=31)
    assert reminders.send_reminders(later) == 2 and len(smtp_server.messages) == 4


def test_a_new_due_time_rearms_the_reminder(crew, pending, smtp_server):
    reminders.send_reminders()
    call = Activity.objects.get(pk=pending["due"].pk)
    services.update_activity(crew.rep, call, expected_version=call.version,
                             due_at=timezone.now() + dt.timedelta(minutes=5))
    assert reminders.send_reminders() == 1 and len(smtp_server.messages) == 3


def test_nothing_is_stamped_while_the_mail_server_is_down(crew, pending, settings, smtp_server):
    working = settings.EMAIL_PORT
    settings.EMAIL_PORT = free_port()  # nobody listens there
    assert reminders.send_reminders() == 0
    assert set(Activity.objects.filter(reminded_at__isnull=False).values_list("pk", flat=True)) == {
        pending["no_address"].pk}  # nothing to retry for an owner without an address
    settings.EMAIL_PORT = working
    assert reminders.send_reminders() == 2 and len(smtp_server.messages) == 2


@pytest.fixture
def clean_schedule():
    """The worker records started schedules in the (database) cache, which a transactional test
    does not roll back: leave it as it was found, for the other tests."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.mark.django_db(transaction=True)  # the worker runs the queue on its own connection state
def test_the_worker_sends_them_every_five_minutes(crew, pending, smtp_server, clean_schedule):
    from kehu import scheduling

    job = {j.name: j for j in scheduling.jobs()}["sales.reminders"]
    assert job.every == dt.timedelta(minutes=5) and job.enabled()
    job.start()
    call_command("worker", once=True)
    assert len(smtp_server.to("li.xiaoshou@example.com")) == 2
