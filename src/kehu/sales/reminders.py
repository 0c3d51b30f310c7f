"""Activity reminders by email: every five minutes the worker looks for open activities whose
reminder time (``due_at - remind_minutes_before``) has passed and that were not reminded yet,
mails each owner, and stamps ``reminded_at`` on all of them with one UPDATE.

One query finds them, through the partial index ``activity_remind`` (only open, not yet reminded
activities with a reminder are in it, so it stays small however many activities there are). Mail
goes through Django's SMTP backend (``KEHU_SMTP_*``), over one connection per run. A reminder
that could not be sent (the mail server is down) is not stamped, so the next run tries again;
an owner without an email address is stamped anyway (there is nothing to retry).
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db.models import DateTimeField, F, Func
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django_tasks import task

from kehu.sales.models import Activity

logger = logging.getLogger(__name__)

EVERY = dt.timedelta(minutes=5)
BATCH = 1000  # at most this many mails per run; the rest wait five minutes


class MinutesBefore(Func):
    """``moment - minutes`` (a column of minutes) as a datetime. Django cannot multiply an integer
    column by a duration on SQLite, so each database gets its own date arithmetic."""

    output_field = DateTimeField()

    def as_postgresql(self, compiler, connection, **extra):
        return self.as_sql(compiler, connection, template="(%(expressions)s * INTERVAL '1 minute')",
                           arg_joiner=" - ", **extra)

    def as_sqlite(self, compiler, connection, **extra):
        # Django keeps UTC datetimes as "YYYY-MM-DD HH:MM:SS.ffffff" text; this gives the same shape
        # (each % doubled twice: once for the template, once for the query's parameter style)
        return self.as_sql(compiler, connection, arg_joiner=", '-' || ",
                           template="strftime('%%%%Y-%%%%m-%%%%d %%%%H:%%%%M:%%%%f', %(expressions)s || ' minutes')", **extra)


def due_reminders(now: dt.datetime | None = None) -> list[Activity]:
    """Open activities whose reminder time has passed and that were not reminded yet (one query)."""
    now = now or timezone.now()
    remind_at = MinutesBefore(F("due_at"), F("remind_minutes_before"))
    return list(Activity.objects
                .filter(done_at__isnull=True, reminded_at__isnull=True, remind_minutes_before__isnull=False,
                        due_at__isnull=False)
                .alias(remind_at=remind_at).filter(remind_at__lte=now)
                .select_related("owner", "customer", "lead", "opportunity")
                .order_by("due_at", "pk")[:BATCH])


def _message(activity: Activity) -> EmailMessage:
    when = date_format(timezone.localtime(activity.due_at), "DATETIME_FORMAT")
    about = [name for name in (activity.customer and activity.customer.display_name,
                               activity.lead and activity.lead.name,
                               activity.opportunity and activity.opportunity.name) if name]
    lines = [_("%(kind)s: %(subject)s") % {"kind": activity.get_kind_display(), "subject": activity.subject},
             _("Due: %(when)s") % {"when": when}]
    if about:
        lines.append(_("About: %(names)s") % {"names": " · ".join(about)})
    if activity.notes:
        lines += ["", activity.notes]
    lines += ["", f"{settings.KEHU_PUBLIC_URL}{reverse('sales:my-day')}"]
    subject = _("Reminder: %(subject)s at %(when)s") % {"subject": activity.subject, "when": when}
    return EmailMessage(subject.replace("\n", " ")[:250], "\n".join(lines), to=[activity.owner.email])


def send_reminders(now: dt.datetime | None = None) -> int:
    """Mail the reminders that are due; returns how many were sent."""
    now = now or timezone.now()
    due = due_reminders(now)
    if not due:
        return 0
    to_mail = [a for a in due if a.owner.email and a.owner.is_active]
    stamped = [a.pk for a in due if not (a.owner.email and a.owner.is_active)]  # nothing to retry
    sent = 0
    if to_mail:
        connection = get_connection()
        try:
            connection.open()
        except OSError:
            logger.warning("could not reach the mail server for activity reminders", exc_info=True)
        else:
            try:
                with translation.override(settings.LANGUAGE_CODE):
                    for activity in to_mail:
                        try:
                            connection.send_messages([_message(activity)])
                        except OSError:
                            logger.warning("could not mail the reminder of activity %s", activity.pk, exc_info=True)
                            continue
                        stamped.append(activity.pk)
                        sent += 1
            finally:
                connection.close()
    Activity.objects.filter(pk__in=stamped, reminded_at__isnull=True).update(reminded_at=now)
    return sent


@task()
def send_reminders_task() -> int:
    return send_reminders()


def register_jobs() -> None:
    """The worker's schedule: reminders every five minutes (called from ``SalesConfig.ready``)."""
    from kehu import scheduling

    scheduling.register(scheduling.Job("sales.reminders", EVERY, send_reminders_task.enqueue))
