"""Activities: the calls, meetings, visits, emails and to-dos that develop a customer.

The one write path for ``Activity`` (views, the API, the demo data all come here): plan one, change
it, complete it with an outcome, log one that already happened, reopen it, delete it. Each write
checks the actor's permission and that the actor may see the records it links (an invisible lead
is refused like a missing one), carries the version the user saw, and is audited.

Completing an activity is a touchpoint with the customer (CONCEPTS §2, Interact): when it has a
customer — its own, its opportunity's, or the customer its lead was converted into — the
completion writes one ``customers.Interaction`` through ``customers.services.save_interaction``,
so it appears on the customer's timeline. Reopening unlinks that interaction without deleting it:
the contact did happen, and a rep who may not delete interactions must not gain a way to.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q, Window
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from kehu.accounts.actors import person_or_none, require
from kehu.accounts.models import TeamMembership
from kehu.customers.access import access_customer
from kehu.customers.models import Interaction
from kehu.customers.services import StaleVersion, save_interaction
from kehu.privacy import audit
from kehu.sales.access import access_lead, access_opportunity, visible_activities
from kehu.sales.models import Activity

ACTIVITY_FIELDS = ["kind", "subject", "notes", "due_at", "duration_minutes", "remind_minutes_before", "owner",
                   "customer", "lead", "opportunity", "done_at", "outcome", "outcome_note", "interaction"]
# what may be changed with ``update_activity`` (completion, reopening and the links of a done
# activity have their own rules)
EDITABLE = {"kind", "subject", "notes", "due_at", "duration_minutes", "remind_minutes_before", "owner",
            "customer", "lead", "opportunity"}
LINKS = ("customer", "lead", "opportunity")

# activity kind → the interaction's (channel, type) on the customer's timeline
INTERACTION_OF = {
    Activity.Kind.CALL: (Interaction.Channel.PHONE, Interaction.Type.CALL),
    Activity.Kind.MEETING: (Interaction.Channel.IN_PERSON, Interaction.Type.MEETING),
    Activity.Kind.VISIT: (Interaction.Channel.IN_PERSON, Interaction.Type.VISIT),
    Activity.Kind.EMAIL: (Interaction.Channel.EMAIL, Interaction.Type.EMAIL),
    Activity.Kind.TODO: (Interaction.Channel.OTHER, Interaction.Type.OTHER),
}
# an activity logged "now" may be a few minutes ahead of the server's clock (a phone's clock)
CLOCK_SKEW = dt.timedelta(minutes=5)


class StaleActivity(StaleVersion):
    """Someone changed the activity after this page was loaded; nothing was written."""

    def __init__(self, activity: Activity):
        self.activity = activity
        super().__init__(activity.version, _("“%(subject)s” was changed by someone else meanwhile. Reload it and try again.")
                         % {"subject": activity.subject})


# --- who may own an activity ------------------------------------------------------------------

def assignable_owners(actor):
    """Users ``actor`` may give an activity to: themselves; a manager also the members of the teams
    they manage; an administrator any active user."""
    User = get_user_model()
    if actor is None or actor.is_superuser:
        return User.objects.filter(is_active=True)
    managed = TeamMembership.objects.filter(user=actor, is_manager=True).values("team_id")
    my_people = TeamMembership.objects.filter(team_id__in=managed).values("user_id")
    return User.objects.filter(Q(pk=actor.pk) | Q(pk__in=my_people, is_active=True))


def _check_owner(actor, owner):
    person = person_or_none(actor)
    if owner is None:
        if person is None:
            raise ValidationError({"owner": [_("Choose who does it.")]})
        return person
    if person is not None and owner.pk == person.pk:
        return owner
    if not assignable_owners(actor).filter(pk=owner.pk).exists():
        raise ValidationError({"owner": [_("You can give activities only to yourself and the members of the "
                                           "teams you manage.")]})
    return owner


# --- links -------------------------------------------------------------------------------------

def _link(actor, link: str, value):
    """The linked record, fetched through its ``access_*`` function (a record the actor may not see
    is refused exactly like a missing one); ``None`` stays ``None``."""
    if value is None or value == "":
        return None
    pk = getattr(value, "pk", value)
    fetch = {"customer": access_customer, "lead": access_lead, "opportunity": access_opportunity}[link]
    if actor is None:  # system writes (demo data): trust the caller
        if hasattr(value, "pk"):
            return value
        return Activity._meta.get_field(link).related_model.objects.get(pk=pk)
    try:
        return fetch(actor, pk)
    except Http404:
        message = {"customer": _("No such customer (or you may not see it)."),
                   "lead": _("No such lead (or you may not see it)."),
                   "opportunity": _("No such opportunity (or you may not see it).")}[link]
        raise ValidationError({link: [message]}) from None


def _check_links(customer, lead, opportunity) -> None:
    """The links must tell one story: an opportunity's or a converted lead's customer is the
    activity's customer, if it names one."""
    errors = {}
    if customer is not None and opportunity is not None and opportunity.customer_id != customer.pk:
        errors["opportunity"] = [_("This opportunity belongs to another customer.")]
    if customer is not None and lead is not None and lead.customer_id and lead.customer_id != customer.pk:
        errors["lead"] = [_("This lead was converted into another customer.")]
    if lead is not None and opportunity is not None and opportunity.lead_id and opportunity.lead_id != lead.pk:
        errors["opportunity"] = [_("This opportunity came from another lead.")]
    if errors:
        raise ValidationError(errors)


def customer_id_of(activity: Activity) -> int | None:
    """The customer whose timeline the activity belongs on: its own, else its opportunity's, else
    the customer its lead was converted into."""
    if activity.customer_id:
        return activity.customer_id
    if activity.opportunity_id:
        return activity.opportunity.customer_id
    if activity.lead_id and activity.lead.customer_id:
        return activity.lead.customer_id
    return None


# --- validation --------------------------------------------------------------------------------

def _clean(activity: Activity) -> None:
    errors = {}
    activity.subject = (activity.subject or "").strip()[:200]
    if not activity.subject:
        errors["subject"] = [_("Say in a few words what the activity is.")]
    if activity.kind not in Activity.Kind.values:
        errors["kind"] = [_("Choose the kind of activity.")]
    if activity.due_at is None and activity.kind != Activity.Kind.TODO and activity.done_at is None:
        errors["due_at"] = [_("Say when it is due (only to-dos may go without a date).")]
    if activity.remind_minutes_before is not None and activity.due_at is None:
        errors["remind_minutes_before"] = [_("A reminder needs a due date.")]
    if errors:
        raise ValidationError(errors)
    activity.full_clean(exclude=["owner", "customer", "lead", "opportunity", "interaction"],
                        validate_constraints=False)


def _done_time(done_at, now) -> dt.datetime:
    done_at = done_at or now
    if done_at > now + CLOCK_SKEW:
        raise ValidationError({"done_at": [_("An activity cannot be done in the future.")]})
    return done_at


def _outcome(outcome: str) -> str:
    outcome = outcome or Activity.Outcome.DONE
    if outcome not in Activity.Outcome.values:
        raise ValidationError({"outcome": [_("Choose an outcome.")]})
    return outcome


def _audit(actor, action: str, activity: Activity, before: dict) -> None:
    delta = audit.diff(before, audit.snapshot(activity, ACTIVITY_FIELDS))
    if delta or action != "update":
        audit.record(actor, action, activity, customer_id=activity.customer_id, changes=delta)


def _locked(actor, activity: Activity, expected_version: int | None) -> Activity:
    """The activity, locked, if the actor may still see it (404 otherwise) and it is still at the
    version they saw."""
    qs = visible_activities(actor) if actor is not None else Activity.objects.all()
    try:
        fresh = qs.select_for_update().get(pk=activity.pk)
    except Activity.DoesNotExist:
        raise Http404("No activity matches the given query.") from None
    if expected_version is not None and fresh.version != expected_version:
        raise StaleActivity(fresh)
    return fresh


def _save(activity: Activity, fields: list[str] | None = None) -> None:
    activity.version += 1
    if fields is None:
        activity.save()
    else:
        activity.save(update_fields=[*fields, "version", "updated_at"])


# --- the interaction on the customer's timeline -------------------------------------------------

def _write_interaction(actor, activity: Activity) -> Interaction | None:
    """One interaction for a completed activity that has a customer (none for a cancelled one:
    it did not happen)."""
    if activity.outcome == Activity.Outcome.CANCELLED:
        return None
    customer_id = customer_id_of(activity)
    if customer_id is None:
        return None
    channel, kind = INTERACTION_OF[activity.kind]
    return save_interaction(actor, Interaction(customer_id=customer_id), channel=channel,
                            direction=Interaction.Direction.OUTBOUND, type=kind, subject=activity.subject,
                            notes=_interaction_notes(activity), occurred_at=activity.done_at, user=activity.owner)


def _interaction_notes(activity: Activity) -> str:
    """What happened (the outcome and its note), then what was planned (the activity's notes), in
    the language of the person who completed it: the timeline keeps text, not codes."""
    outcome = Activity.Outcome(activity.outcome).label if activity.outcome else ""
    first = f"{outcome}: {activity.outcome_note}" if activity.outcome_note else str(outcome)
    return "\n".join(filter(None, [first, activity.notes]))


# --- the writes ------------------------------------------------------------------------------------

@transaction.atomic
def plan_activity(actor, *, kind: str, subject: str, due_at=None, duration_minutes: int | None = None,
                  remind_minutes_before: int | None = None, notes: str = "", owner=None, customer=None,
                  lead=None, opportunity=None) -> Activity:
    """A new open activity. ``owner`` defaults to the actor; a manager may give it to the members of
    the teams they manage. ``customer``/``lead``/``opportunity`` are records or ids the actor must
    be able to see."""
    require(actor, "sales.add_activity")
    activity = _new(actor, kind=kind, subject=subject, due_at=due_at, duration_minutes=duration_minutes,
                    remind_minutes_before=remind_minutes_before, notes=notes, owner=owner, customer=customer,
                    lead=lead, opportunity=opportunity)
    _clean(activity)
    activity.save()
    _audit(actor, "create", activity, {})
    return activity


@transaction.atomic
def log_activity(actor, *, kind: str, subject: str, done_at=None, outcome: str = Activity.Outcome.DONE,
                 outcome_note: str = "", duration_minutes: int | None = None, notes: str = "", owner=None,
                 customer=None, lead=None, opportunity=None) -> Activity:
    """An activity that already happened ("log a call"): created done, with its interaction on
    the customer's timeline. Its due time is when it happened, so the calendar shows it there."""
    require(actor, "sales.add_activity")
    done_at = _done_time(done_at, timezone.now())
    activity = _new(actor, kind=kind, subject=subject, due_at=done_at, duration_minutes=duration_minutes,
                    remind_minutes_before=None, notes=notes, owner=owner, customer=customer, lead=lead,
                    opportunity=opportunity)
    activity.done_at, activity.outcome, activity.outcome_note = done_at, _outcome(outcome), outcome_note.strip()
    _clean(activity)
    activity.save()
    activity.interaction = _write_interaction(actor, activity)
    if activity.interaction is not None:
        activity.save(update_fields=["interaction"])
    _audit(actor, "create", activity, {})
    return activity


def _new(actor, *, kind, subject, due_at, duration_minutes, remind_minutes_before, notes, owner, customer, lead,
         opportunity) -> Activity:
    links = {link: _link(actor, link, value)
             for link, value in (("customer", customer), ("lead", lead), ("opportunity", opportunity))}
    _check_links(**links)
    return Activity(kind=kind, subject=subject, notes=(notes or "").strip(), due_at=due_at,
                    duration_minutes=duration_minutes, remind_minutes_before=remind_minutes_before,
                    owner=_check_owner(actor, owner), **links)


@transaction.atomic
def update_activity(actor, activity: Activity, *, expected_version: int, **changes) -> Activity:
    """Change what, when, who and what it is about; a new due time or reminder re-arms the
    reminder. A done activity keeps its kind and links (reopen it first); its subject and notes
    follow on its interaction."""
    unknown = set(changes) - EDITABLE
    if unknown:
        raise TypeError(f"unknown activity fields: {sorted(unknown)}")
    require(actor, "sales.change_activity")
    fresh = _locked(actor, activity, expected_version)
    before = audit.snapshot(fresh, ACTIVITY_FIELDS)
    alarm = (fresh.due_at, fresh.remind_minutes_before)
    for link in LINKS:
        if link in changes:
            changes[link] = _link(actor, link, changes[link])
    if "owner" in changes and getattr(changes["owner"], "pk", None) != fresh.owner_id:
        changes["owner"] = _check_owner(actor, changes["owner"])
    if fresh.done_at is not None:
        moved = [f for f in ("kind", *LINKS) if f in changes
                 and getattr(changes[f], "pk", changes[f]) != getattr(fresh, Activity._meta.get_field(f).attname)]
        if moved:
            raise ValidationError({moved[0]: [_("This activity is done: reopen it to change its kind or links.")]})
    for name, value in changes.items():
        setattr(fresh, name, value.strip() if isinstance(value, str) and name in ("subject", "notes") else value)
    _check_links(fresh.customer, fresh.lead, fresh.opportunity)
    _clean(fresh)
    if (fresh.due_at, fresh.remind_minutes_before) != alarm:
        fresh.reminded_at = None  # a new time: remind again
    delta = audit.diff(before, audit.snapshot(fresh, ACTIVITY_FIELDS))
    if delta:  # an edit that changes nothing writes nothing
        _save(fresh)
        if fresh.interaction_id:
            save_interaction(actor, fresh.interaction, subject=fresh.subject,
                             notes=_interaction_notes(fresh))
        audit.record(actor, "update", fresh, customer_id=fresh.customer_id, changes=delta)
    return fresh


@transaction.atomic
def complete_activity(actor, activity: Activity, *, outcome: str = Activity.Outcome.DONE, note: str = "",
                      done_at=None, expected_version: int | None = None) -> Activity:
    """Mark it done with an outcome (and a note); a completed activity with a customer becomes an
    interaction on the customer's timeline."""
    require(actor, "sales.change_activity")
    fresh = _locked(actor, activity, expected_version)
    if fresh.done_at is not None:
        raise ValidationError(_("“%(subject)s” is already done.") % {"subject": fresh.subject})
    before = audit.snapshot(fresh, ACTIVITY_FIELDS)
    fresh.done_at = _done_time(done_at, timezone.now())
    fresh.outcome, fresh.outcome_note = _outcome(outcome), (note or "").strip()
    fresh.interaction = _write_interaction(actor, fresh)
    _save(fresh, ["done_at", "outcome", "outcome_note", "interaction"])
    _audit(actor, "update", fresh, before)
    return fresh


@transaction.atomic
def reopen_activity(actor, activity: Activity, *, expected_version: int | None = None) -> Activity:
    """Open a done activity again (to try again, or because it was ticked by mistake). Its
    interaction stays on the customer's timeline, unlinked: completing it again logs a new one."""
    require(actor, "sales.change_activity")
    fresh = _locked(actor, activity, expected_version)
    if fresh.done_at is None:
        raise ValidationError(_("“%(subject)s” is not done.") % {"subject": fresh.subject})
    before = audit.snapshot(fresh, ACTIVITY_FIELDS)
    fresh.done_at, fresh.outcome, fresh.outcome_note, fresh.interaction = None, "", "", None
    _save(fresh, ["done_at", "outcome", "outcome_note", "interaction"])
    _audit(actor, "update", fresh, before)
    return fresh


@transaction.atomic
def delete_activity(actor, activity: Activity) -> None:
    """Delete it (its owner, their manager, an administrator). A completed activity's interaction
    stays: it is part of the customer's file, deleted (if ever) in the customers app."""
    require(actor, "sales.delete_activity")
    fresh = _locked(actor, activity, None)
    audit.record(actor, "delete", fresh, customer_id=fresh.customer_id,
                 changes=audit.diff({}, audit.snapshot(fresh, ACTIVITY_FIELDS)))
    fresh.delete()


# --- reading: my day and the calendar ------------------------------------------------------------

SECTION_SIZE = 50
CALENDAR_LIMIT = 2000  # activities drawn in one week or month view


@dataclass
class Section:
    key: str  # overdue, today, week, undated
    rows: list
    total: int
    more: str | None = None  # keyset cursor of the next rows, if any


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min), timezone.get_current_timezone())


def _cursor(activity: Activity) -> str:
    return f"{activity.due_at.timestamp():.6f}_{activity.pk}" if activity.due_at else f"_{activity.pk}"


def _after(cursor: str | None) -> Q:
    """Rows after a ``_cursor`` in (due_at, pk) order; everything when the cursor is unreadable."""
    if not cursor:
        return Q()
    try:
        stamp, pk = cursor.rsplit("_", 1)
        pk = int(pk)
        if not stamp:
            return Q(pk__gt=pk)
        at = dt.datetime.fromtimestamp(float(stamp), tz=dt.UTC)
    except ValueError:
        return Q()
    return Q(due_at__gt=at) | Q(due_at=at, pk__gt=pk)


def day_bounds(now: dt.datetime | None = None) -> dict[str, dt.datetime]:
    """Now, the end of today and the end of the next seven days, in the current time zone."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    return {"now": now, "end_of_today": _day_start(today + dt.timedelta(days=1)),
            "end_of_week": _day_start(today + dt.timedelta(days=8))}


def section_filters(now: dt.datetime | None = None) -> dict[str, Q]:
    """My day's sections over open activities: overdue (due before now), today (the rest of
    today), the next seven days, and to-dos without a date."""
    b = day_bounds(now)
    return {
        "overdue": Q(due_at__lt=b["now"]),
        "today": Q(due_at__gte=b["now"], due_at__lt=b["end_of_today"]),
        "week": Q(due_at__gte=b["end_of_today"], due_at__lt=b["end_of_week"]),
        "undated": Q(due_at__isnull=True),
    }


def my_day(user, *, now: dt.datetime | None = None, only: str | None = None, after: str | None = None,
           size: int = SECTION_SIZE) -> list[Section]:
    """The user's open activities by section, oldest first in each: one query per section, each
    row carrying the section's total (a window count), at most ``size`` rows (``after`` pages on
    through one section)."""
    sections = []
    for key, where in section_filters(now).items():
        if only and key != only:
            continue
        qs = (Activity.objects.filter(where, owner=user, done_at__isnull=True)
              .select_related("customer", "lead", "opportunity")
              .annotate(section_total=Window(Count("pk"))))
        rows = list(qs.filter(_after(after) if only else Q()).order_by("due_at", "pk")[: size + 1])
        total = rows[0].section_total if rows else 0
        more = _cursor(rows[size - 1]) if len(rows) > size else None
        sections.append(Section(key, rows[:size], total, more))
    return sections


def my_day_counts(user, *, now: dt.datetime | None = None) -> dict[str, int]:
    """The section totals alone (one query), for the heading after a quick completion."""
    filters = section_filters(now)
    return Activity.objects.filter(owner=user, done_at__isnull=True).aggregate(
        **{key: Count("pk", filter=where) for key, where in filters.items()})


@dataclass
class CalendarDay:
    date: dt.date
    activities: list = field(default_factory=list)
    is_today: bool = False
    in_range: bool = True  # False for the days of the neighbouring months in a month view


def calendar_days(user, *, view: str, day: dt.date, today: dt.date | None = None) -> dict:
    """The week (Monday to Sunday) or the month (whole weeks) around ``day``, with the owner's
    activities on their local day (one query), and the neighbouring periods' dates."""
    today = today or timezone.localdate()
    if view == "month":
        first = day.replace(day=1)
        next_first = (first + dt.timedelta(days=32)).replace(day=1)
        start = first - dt.timedelta(days=first.weekday())
        end = next_first + dt.timedelta(days=(7 - next_first.weekday()) % 7)
        previous, following = (first - dt.timedelta(days=1)).replace(day=1), next_first
        in_range = lambda d: d.month == first.month  # noqa: E731
    else:
        start = day - dt.timedelta(days=day.weekday())
        end = start + dt.timedelta(days=7)
        previous, following = start - dt.timedelta(days=7), end
        in_range = lambda d: True  # noqa: E731
    days = [CalendarDay(start + dt.timedelta(days=i)) for i in range((end - start).days)]
    by_date = {d.date: d for d in days}
    for d in days:
        d.is_today, d.in_range = d.date == today, in_range(d.date)
    rows = (Activity.objects.filter(owner=user, due_at__gte=_day_start(start), due_at__lt=_day_start(end))
            .select_related("customer", "lead", "opportunity").order_by("due_at", "pk")[:CALENDAR_LIMIT])
    for activity in rows:
        by_date[timezone.localdate(activity.due_at)].activities.append(activity)
    return {"days": days, "weeks": [days[i:i + 7] for i in range(0, len(days), 7)], "start": start,
            "end": end - dt.timedelta(days=1), "previous": previous, "following": following}
