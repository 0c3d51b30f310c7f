"""Sales pages: activities — "my day", the calendar (week and month), one activity, planning and
logging, the iCalendar download and subscription.

Thin: records come through ``kehu.sales.access`` (an invisible activity is a 404), every write
through ``kehu.sales.activities``.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_ratelimit.decorators import ratelimit

from kehu.sales import activities as services
from kehu.sales import calendar_feed
from kehu.sales.access import access_activity, visible_activities
from kehu.sales.forms_activities import ActivityForm, CompleteForm, VersionForm
from kehu.sales.models import Activity
from kehu.web.feedback import flash_errors
from kehu.web.pagination import page_context
from kehu.web.redirects import next_url

LIST_SIZE = 50


def _section_labels():
    return {"overdue": _("Overdue"), "today": _("Today"), "week": _("Next 7 days"), "undated": _("No date")}


# --- my day ----------------------------------------------------------------------------------------

@login_required
@permission_required("sales.view_activity", raise_exception=True)
def my_day(request):
    """Overdue first (oldest first), then the rest of today, then the next seven days, then to-dos
    without a date; ``?section=…&after=…`` pages on through one section."""
    only = request.GET.get("section")
    if only not in (None, "overdue", "today", "week", "undated"):
        raise Http404
    now = timezone.now()
    sections = services.my_day(request.user, now=now, only=only, after=request.GET.get("after"))
    labels = _section_labels()
    for section in sections:
        section.label = labels[section.key]
    return render(request, "sales/activities/my_day.html", {
        "sections": sections, "only": only, "now": now, "nav": "sales",
        "counts": {s.key: s.total for s in sections}, "outcomes": Activity.Outcome.choices,
        "can_add": request.user.has_perm("sales.add_activity")})


# --- lists and one activity ---------------------------------------------------------------------------

@login_required
@permission_required("sales.view_activity", raise_exception=True)
def activity_list(request):
    """Activities the user may see, filtered by record (the panels' "all" link), state or owner."""
    qs = visible_activities(request.user).select_related("customer", "lead", "opportunity", "owner")
    filters = {}
    for key in ("customer", "lead", "opportunity", "owner"):
        value = request.GET.get(key, "")
        if value.isdigit():
            qs = qs.filter(**{f"{key}_id": int(value)})
            filters[key] = value
    state = request.GET.get("state", "all")
    if state == "open":
        qs = qs.filter(done_at__isnull=True).order_by("due_at", "pk")
    elif state == "done":
        qs = qs.filter(done_at__isnull=False).order_by("-done_at", "-pk")
    else:
        qs = qs.order_by("-due_at", "-pk")
    paged = page_context(request, qs, LIST_SIZE)
    return render(request, "sales/activities/list.html", {
        **paged, "activities": paged["rows"], "state": state, "filters": filters, "now": timezone.now(), "nav": "sales",
        "states": [("all", _("All")), ("open", _("Open")), ("done", _("Done"))]})


def _initial_links(request) -> dict:
    source = request.POST if request.method == "POST" else request.GET
    initial = {key: source.get(key) for key in ("customer", "lead", "opportunity") if source.get(key)}
    if source.get("kind") in Activity.Kind.values:
        initial["kind"] = source["kind"]
    if request.method == "GET" and request.GET.get("done") == "1":  # "log a call"
        initial["done"] = True
    return initial


def _create(request, form) -> Activity:
    """Plan or log, from the full form or a panel's compact one."""
    data = form.cleaned_data
    common = {"kind": data["kind"], "subject": data["subject"], "notes": data.get("notes", ""),
              "duration_minutes": data.get("duration_minutes"), "customer": data.get("customer"),
              "lead": data.get("lead"), "opportunity": data.get("opportunity")}
    if data.get("owner"):
        common["owner"] = get_user_model().objects.filter(pk=data["owner"]).first()
    if data.get("done"):
        return services.log_activity(request.user, done_at=data.get("due_at"), outcome=data.get("outcome") or "done",
                                     outcome_note=data.get("outcome_note", ""), **common)
    return services.plan_activity(request.user, due_at=data.get("due_at"),
                                  remind_minutes_before=data.get("remind_minutes_before"), **common)


def _form_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for name, errors in exc.message_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


@login_required
@permission_required("sales.add_activity", raise_exception=True)
def activity_new(request):
    """The full form (GET, or a POST with errors), and where panels post their compact form; a
    panel's post goes back to its page, with any error as a message."""
    compact = request.POST.get("compact") == "1"
    form = ActivityForm(request.POST or None, user=request.user, compact=compact, initial=_initial_links(request),
                        auto_id="act_%s")
    if request.method == "POST":
        if form.is_valid():
            try:
                activity = _create(request, form)
            except ValidationError as exc:
                _form_errors(form, exc)
            else:
                messages.success(request, (_("Logged “%(subject)s”.") if activity.done_at else
                                           _("Planned “%(subject)s”.")) % {"subject": activity.subject})
                return redirect(next_url(request, reverse("sales:activity", args=[activity.pk])))
        if compact:  # back to the page the panel is on, saying what was wrong
            for name, errors in form.errors.items():
                label = form.fields[name].label if name in form.fields and form.fields[name].label else ""
                for error in errors:
                    messages.error(request, f"{label}: {error}" if label else error)
            return redirect(next_url(request, reverse("sales:my-day")))
    return render(request, "sales/activities/form.html", {
        "form": form, "next": next_url(request, ""), "nav": "sales", "linked": _linked(request.user, form)},
        status=422 if form.errors else 200)


def _linked(user, form) -> str:
    """The customer an activity is being planned for (shown, not editable)."""
    pk = form.initial.get("customer") or (form.data.get("customer") if form.is_bound else None)
    if not pk:
        return ""
    from kehu.customers.access import visible_customers

    return visible_customers(user).filter(pk=pk).values_list("display_name", flat=True).first() or ""


@login_required
@permission_required("sales.view_activity", raise_exception=True)
def activity_detail(request, pk):
    """One activity; its owner (or their manager) edits it here, completes, reopens or deletes it."""
    activity = access_activity(request.user, pk)
    can_change = request.user.has_perm("sales.change_activity")
    form = None
    if can_change:
        initial = {"kind": activity.kind, "subject": activity.subject, "notes": activity.notes,
                   "due_at": timezone.localtime(activity.due_at) if activity.due_at else None,
                   "duration_minutes": activity.duration_minutes,
                   "remind_minutes_before": activity.remind_minutes_before, "owner": activity.owner_id,
                   "opportunity": activity.opportunity_id, "lead": activity.lead_id,
                   "customer": activity.customer_id}
        form = ActivityForm(request.POST or None, user=request.user, editing=activity, initial=initial,
                            auto_id="act_%s")
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            changes = {key: data.get(key) for key in ("kind", "subject", "notes", "due_at", "duration_minutes",
                                                       "remind_minutes_before", "lead", "opportunity")}
            changes["customer"] = data.get("customer")
            if "owner" in form.fields:
                changes["owner"] = get_user_model().objects.filter(pk=data["owner"]).first()
            try:
                activity = services.update_activity(request.user, activity, expected_version=_version(request),
                                                    **changes)
            except ValidationError as exc:
                _form_errors(form, exc)
            except services.StaleActivity as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, _("Saved."))
                return redirect("sales:activity", activity.pk)
    elif request.method == "POST":
        raise PermissionDenied
    return render(request, "sales/activities/detail.html", {
        "activity": activity, "form": form, "can_change": can_change, "now": timezone.now(),
        "can_delete": request.user.has_perm("sales.delete_activity"), "outcomes": Activity.Outcome.choices,
        "customer_id": services.customer_id_of(activity), "nav": "sales"}, status=422 if form and form.errors else 200)


def _version(request) -> int | None:
    form = VersionForm(request.POST)
    if not form.is_valid():
        raise ValidationError(_("Reload the page and try again."))
    return form.cleaned_data["version"]


@login_required
@require_POST
def activity_complete(request, pk):
    """The quick "done" (my day, the panels, the activity page). htmx gets the row back, done,
    and my day's counts; without JavaScript, back to the page with a message."""
    activity = access_activity(request.user, pk, for_change=True)
    form = CompleteForm(request.POST)
    error = None
    if not form.is_valid():
        error = _("Choose an outcome.")
    else:
        try:
            activity = services.complete_activity(request.user, activity, outcome=form.cleaned_data["outcome"],
                                                  note=form.cleaned_data["note"],
                                                  expected_version=form.cleaned_data["version"])
        except ValidationError as exc:
            error = " ".join(exc.messages)
        except services.StaleActivity as exc:
            error = str(exc)
    if request.htmx:
        if error:
            return HttpResponse(error, status=409)
        activity = Activity.objects.select_related("customer", "lead", "opportunity").get(pk=activity.pk)
        counts = services.my_day_counts(request.user) if request.POST.get("counts") else None
        return render(request, "sales/activities/_row.html", {
            "a": activity, "now": timezone.now(), "just_done": True, "oob_counts": counts, "next": next_url(request, ""),
            "outcomes": Activity.Outcome.choices})
    if error:
        messages.error(request, error)
    else:
        messages.success(request, _("Done: “%(subject)s” (%(outcome)s).") % {
            "subject": activity.subject, "outcome": activity.get_outcome_display()})
    return redirect(next_url(request, reverse("sales:activity", args=[activity.pk])))


@login_required
@require_POST
def activity_reopen(request, pk):
    activity = access_activity(request.user, pk, for_change=True)
    try:
        services.reopen_activity(request.user, activity, expected_version=_version(request))
    except ValidationError as exc:
        flash_errors(request, exc)
    except services.StaleActivity as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Reopened."))
    return redirect(next_url(request, reverse("sales:activity", args=[activity.pk])))


@login_required
@permission_required("sales.delete_activity", raise_exception=True)
@require_POST
def activity_delete(request, pk):
    activity = access_activity(request.user, pk)
    services.delete_activity(request.user, activity)
    messages.success(request, _("Deleted “%(subject)s”.") % {"subject": activity.subject})
    return redirect(next_url(request, reverse("sales:my-day")))


# --- the calendar ------------------------------------------------------------------------------------

def _calendar_owner(request):
    """Whose calendar: one's own, or (a manager's choice) a member of a team they manage."""
    wanted = request.GET.get("user", "")
    if not wanted or wanted == str(request.user.pk):
        return request.user
    if not wanted.isdigit():
        raise Http404
    owner = services.assignable_owners(request.user).filter(pk=int(wanted)).first()
    if owner is None:
        raise Http404
    return owner


@login_required
@permission_required("sales.view_activity", raise_exception=True)
def calendar(request):
    """A week (Monday to Sunday) or a month of one's activities, in the current time zone."""
    view = "month" if request.GET.get("view") == "month" else "week"
    today = timezone.localdate()
    day = _parse_day(request.GET.get("date")) or today
    owner = _calendar_owner(request)
    grid = services.calendar_days(owner, view=view, day=day, today=today)
    people = list(services.assignable_owners(request.user).order_by("username")[:200])
    return render(request, "sales/activities/calendar.html", {
        **grid, "view": view, "day": day, "today": today, "owner": owner, "people": people if len(people) > 1 else [],
        "user_param": "" if owner.pk == request.user.pk else f"&user={owner.pk}", "now": timezone.now(),
        "nav": "sales"})


def _parse_day(text) -> dt.date | None:
    try:
        return parse_date(text or "")
    except ValueError:  # well formed but no such day (2026-02-30)
        return None


# --- iCalendar -----------------------------------------------------------------------------------------

def _ics(user, *, filename: str | None = None) -> HttpResponse:
    body = calendar_feed.calendar_bytes(user, calendar_feed.feed_activities(user))
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    if filename:
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@permission_required("sales.view_activity", raise_exception=True)
def calendar_ics(request):
    """Download one's activities (90 days back, a year ahead) as an .ics file."""
    return _ics(request.user, filename="kehu-activities.ics")


@ratelimit(key="ip", rate="600/h", block=False)
def calendar_subscription(request, token):
    """The private subscription address: no login (calendar apps cannot), the token is the key."""
    if getattr(request, "limited", False):
        return HttpResponse(_("Too many requests: please try again later."), status=429)
    user = calendar_feed.user_of_token(token)
    if user is None or not user.has_perm("sales.view_activity"):
        raise Http404
    return _ics(user)


@login_required
@permission_required("sales.view_activity", raise_exception=True)
def calendar_subscription_page(request):
    """Show one's subscription address; a new one revokes the old."""
    if request.method == "POST":
        calendar_feed.regenerate_feed(request.user)
        messages.success(request, _("New address created: the old one no longer works."))
        return redirect("sales:calendar-feed")
    feed = calendar_feed.feed_of(request.user)
    # the public address (KEHU_PUBLIC_URL), as in mails: the calendar app is outside any proxy
    url = f"{settings.KEHU_PUBLIC_URL}{reverse('sales:calendar-subscription', args=[feed.token])}"
    return render(request, "sales/activities/feed.html", {"feed": feed, "url": url, "nav": "sales"})


urlpatterns = [
    path("my-day/", my_day, name="my-day"),
    path("activities/", activity_list, name="activities"),
    path("activities/new/", activity_new, name="activity-new"),
    path("activities/<int:pk>/", activity_detail, name="activity"),
    path("activities/<int:pk>/complete/", activity_complete, name="activity-complete"),
    path("activities/<int:pk>/reopen/", activity_reopen, name="activity-reopen"),
    path("activities/<int:pk>/delete/", activity_delete, name="activity-delete"),
    path("calendar/", calendar, name="calendar"),
    path("calendar.ics", calendar_ics, name="calendar-ics"),
    path("calendar/subscription/", calendar_subscription_page, name="calendar-feed"),
    path("calendar/<slug:token>.ics", calendar_subscription, name="calendar-subscription"),
]
