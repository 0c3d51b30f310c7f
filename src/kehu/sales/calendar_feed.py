"""A user's activities as iCalendar (RFC 5545): the download (``/sales/calendar.ics``) and the
private subscription address (``/sales/calendar/<token>.ics``) that Outlook, Apple Calendar,
Thunderbird or a phone polls.

Every activity is a VEVENT, to-dos included: the calendars people subscribe with (Google
Calendar, Outlook) ignore VTODO in subscriptions, and a to-do with a date is something to see on
that day. ``STATUS`` is CONFIRMED (CANCELLED when the outcome was "cancelled"); done activities
say so in ``DESCRIPTION`` and carry no alarm. Calls, emails and to-dos are TRANSPARENT (they do
not make you busy), meetings and visits OPAQUE. Times are UTC; the UID (``activity-<id>@<host>``)
and ``SEQUENCE`` (the version) let a client update an event in place. Only a window is exported
(90 days back, 365 ahead). The ``icalendar`` library escapes commas, semicolons, newlines and
folds long lines.

The subscription token is the user's ``CalendarFeed``: looked up through its unique index,
regenerating it revokes the old address at once, and a feed only ever holds its owner's
activities (never their team's, even for a manager).
"""

from __future__ import annotations

import datetime as dt
import secrets
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from icalendar import Alarm, Calendar, Event

from kehu.privacy import audit
from kehu.sales.models import Activity, CalendarFeed

PAST = dt.timedelta(days=90)
AHEAD = dt.timedelta(days=365)
LIMIT = 5000  # events per feed, the earliest first inside the window
DEFAULT_MINUTES = {Activity.Kind.MEETING: 60, Activity.Kind.VISIT: 60}  # else 30
BUSY = {Activity.Kind.MEETING, Activity.Kind.VISIT}


# --- the private address ------------------------------------------------------------------------

def feed_of(user) -> CalendarFeed:
    """The user's subscription (created with a fresh token on first use)."""
    feed, created = CalendarFeed.objects.get_or_create(user=user)
    if created:
        audit.record(user, "create", feed)
    return feed


@transaction.atomic
def regenerate_feed(actor) -> CalendarFeed:
    """A new token for the actor's own feed: the old address stops working at once."""
    feed = feed_of(actor)
    feed.token = CalendarFeed._meta.get_field("token").get_default()  # the model's own generator
    feed.save(update_fields=["token"])
    # the audit says that it happened, never the token itself
    audit.record(actor, "update", feed, changes={"token": [_("(revoked)"), _("(new)")]})
    return feed


def user_of_token(token: str):
    """The active user whose feed has this token, or None. One lookup through the unique index;
    the final comparison is constant-time."""
    if not token or len(token) > 64:
        return None
    feed = CalendarFeed.objects.select_related("user").filter(token=token).first()
    if feed is None or not secrets.compare_digest(feed.token, token) or not feed.user.is_active:
        return None
    return feed.user


# --- the calendar --------------------------------------------------------------------------------

def feed_activities(user, *, now: dt.datetime | None = None) -> list[Activity]:
    """The user's own activities due in the window (one query)."""
    now = now or timezone.now()
    return list(Activity.objects.filter(owner=user, due_at__gte=now - PAST, due_at__lt=now + AHEAD)
                .select_related("customer", "lead", "opportunity").order_by("due_at", "pk")[:LIMIT])


def _host() -> str:
    return urlsplit(settings.KEHU_PUBLIC_URL).hostname or "kehu.localhost"


def _description(activity: Activity) -> str:
    lines = [activity.get_kind_display()]
    if activity.customer_id:
        lines.append(_("Customer: %(name)s") % {"name": activity.customer.display_name})
    if activity.lead_id:
        lines.append(_("Lead: %(name)s") % {"name": activity.lead.name})
    if activity.opportunity_id:
        lines.append(_("Opportunity: %(name)s") % {"name": activity.opportunity.name})
    if activity.notes:
        lines += ["", activity.notes]
    if activity.done_at:
        outcome = _("Done: %(outcome)s") % {"outcome": activity.get_outcome_display()}
        lines += ["", f"{outcome} — {activity.outcome_note}" if activity.outcome_note else outcome]
    return "\n".join(lines)


def event(activity: Activity, *, host: str | None = None) -> Event:
    host = host or _host()
    start = activity.due_at.astimezone(dt.UTC)
    minutes = activity.duration_minutes or DEFAULT_MINUTES.get(activity.kind, 30)
    vevent = Event()
    vevent.add("uid", f"activity-{activity.pk}@{host}")
    vevent.add("dtstamp", activity.updated_at.astimezone(dt.UTC))
    vevent.add("last-modified", activity.updated_at.astimezone(dt.UTC))
    vevent.add("sequence", activity.version)
    vevent.add("dtstart", start)
    vevent.add("dtend", start + dt.timedelta(minutes=minutes))
    vevent.add("summary", activity.subject)
    vevent.add("description", _description(activity))
    vevent.add("categories", [activity.get_kind_display()])
    vevent.add("status", "CANCELLED" if activity.outcome == Activity.Outcome.CANCELLED else "CONFIRMED")
    vevent.add("transp", "OPAQUE" if activity.kind in BUSY else "TRANSPARENT")
    vevent.add("url", f"{settings.KEHU_PUBLIC_URL}{reverse('sales:activity', args=[activity.pk])}")
    if activity.done_at is None and activity.remind_minutes_before is not None:
        alarm = Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", activity.subject)
        alarm.add("trigger", -dt.timedelta(minutes=activity.remind_minutes_before))
        vevent.add_component(alarm)
    return vevent


def calendar_bytes(user, activities) -> bytes:
    """The whole VCALENDAR for ``activities`` of ``user``."""
    calendar = Calendar()
    calendar.add("prodid", "-//Kehu CRM//Sales activities//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", _("Kehu activities of %(user)s") % {"user": user.get_full_name() or user.get_username()})
    calendar.add("x-published-ttl", "PT1H")
    host = _host()
    for activity in activities:
        calendar.add_component(event(activity, host=host))
    return calendar.to_ical()

