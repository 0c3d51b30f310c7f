"""Service pages. Thin: visibility through ``service.access``, every write through ``services``."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_ratelimit.decorators import ratelimit

from kehu.customers.access import access_customer
from kehu.service import dashboard as metrics
from kehu.service import intake, services
from kehu.service.access import access_case, visible_cases, visible_follow_ups
from kehu.service.forms import (
    AnswerForm,
    CaseForm,
    FollowUpDoneForm,
    FollowUpForm,
    KeyPointsForm,
    MoveForm,
    NoteForm,
    ProposalForm,
    PublicComplaintForm,
    ReplyForm,
    StatusMessageForm,
    WordsForm,
)
from kehu.service.models import COMPLAINT_STAGES, Case, CaseMessage, FollowUp, Proposal
from kehu.web.feedback import flash_errors
from kehu.web.pagination import page_context
from kehu.web.redirects import next_url

PAGE_SIZE = 50
SOON = dt.timedelta(hours=4)
BOARD_STAGES = COMPLAINT_STAGES[:-1]


# --- queues ------------------------------------------------------------------------------------

@login_required
@permission_required("service.view_case", raise_exception=True)
def queue(request):
    """My cases, my teams' cases, those breaching soon, late ones, every case."""
    view = request.GET.get("view", "mine")
    qs = visible_cases(request.user).exclude(stage=Case.Stage.CLOSED)
    now = timezone.now()
    if view == "mine":
        qs = qs.filter(owner=request.user)
    elif view == "team":
        qs = qs.filter(team__memberships__user=request.user)
    elif view == "soon":
        qs = qs.filter(Q(first_response_at__isnull=True, first_response_due__lte=now + SOON,
                         first_response_breached=False)
                       | Q(resolution_due__lte=now + SOON, resolution_breached=False))
    elif view == "late":
        qs = qs.filter(Q(first_response_breached=True) | Q(resolution_breached=True))
    elif view == "closed":
        qs = visible_cases(request.user).filter(stage=Case.Stage.CLOSED)
    for key in ("kind", "stage", "severity"):
        if request.GET.get(key):
            qs = qs.filter(**{key: request.GET[key]})
    if request.GET.get("category"):
        qs = qs.filter(category__code=request.GET["category"])
    order = ["-closed_at"] if view == "closed" else ["resolution_due", "created_at"]
    qs = qs.select_related("customer", "category", "owner").order_by(*order, "id")
    paged = page_context(request, qs, PAGE_SIZE)
    from kehu.service.models import CaseCategory

    return render(request, "service/queue.html", {
        **paged, "cases": paged["rows"], "view": view, "filters": request.GET, "kinds": Case.Kind.choices, "stages": Case.Stage.choices,
        "severities": Case.Severity.choices, "categories": CaseCategory.objects.filter(active=True),
        "now": now, "soon": now + SOON, "nav": "service"})


@login_required
@permission_required("service.view_case", raise_exception=True)
def board(request):
    """Open complaints by step: drag a card to the next column, or use its button."""
    qs = (visible_cases(request.user).filter(kind=Case.Kind.COMPLAINT, stage__in=BOARD_STAGES)
          .select_related("customer", "category", "owner").order_by("resolution_due", "created_at"))
    if request.GET.get("mine"):
        qs = qs.filter(owner=request.user)
    columns = []
    for stage in BOARD_STAGES:
        cards = list(qs.filter(stage=stage)[:50])
        columns.append({"stage": stage, "label": Case.Stage(stage).label, "cards": cards,
                        "next": COMPLAINT_STAGES[COMPLAINT_STAGES.index(stage) + 1]})
    return render(request, "service/board.html", {"columns": columns, "now": timezone.now(), "nav": "service",
                                                  "mine": bool(request.GET.get("mine"))})


@login_required
@permission_required("service.view_followup", raise_exception=True)
def follow_up_list(request):
    rows = (visible_follow_ups(request.user).filter(owner=request.user, done_at__isnull=True)
            .select_related("case", "customer").order_by("due_at")[:200])
    return render(request, "service/follow_ups.html", {"follow_ups": rows, "now": timezone.now(), "nav": "service"})


# --- one case ----------------------------------------------------------------------------------

@login_required
@permission_required("service.add_case", raise_exception=True)
def case_new(request):
    customer = None
    if request.GET.get("customer") or request.POST.get("customer"):
        customer = access_customer(request.user, request.GET.get("customer") or request.POST.get("customer"))
    form = CaseForm(request.POST or None, customer=customer)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            case = services.open_case(
                request.user, kind=data["kind"], category=data["category"], channel=data["channel"],
                subject=data["subject"], words=data["words"], severity=data["severity"], customer=customer,
                contact_name=data.get("contact_name", ""), contact_phone=data.get("contact_phone", ""),
                contact_email=data.get("contact_email", ""))
        except ValidationError as exc:
            flash_errors(request, exc)
        else:
            messages.success(request, _("Case %(reference)s opened.") % {"reference": case.reference})
            return redirect("service:case", case.pk)
    return render(request, "service/case_new.html", {"form": form, "customer": customer, "nav": "service"})


def _order_choices(case: Case):
    if not case.customer_id:
        return []
    from kehu.orders.models import Order

    return [(str(o.pk), f"{o} · {timezone.localtime(o.ordered_at):%Y-%m-%d} · {o.total}")
            for o in Order.objects.filter(customer_id=case.customer_id).order_by("-ordered_at")[:20]]


@login_required
@permission_required("service.view_case", raise_exception=True)
def case_detail(request, pk):
    case = access_case(request.user, pk)
    can_change = request.user.has_perm("service.change_case")
    # one form per open proposal and follow-up, each with its own ids (labels must find their field)
    proposals = list(case.proposals.all())
    for proposal in proposals:
        proposal.answer_form = AnswerForm(auto_id=f"id_proposal{proposal.pk}_%s")
    follow_ups = list(case.follow_ups.select_related("owner"))
    for follow_up in follow_ups:
        follow_up.done_form = FollowUpDoneForm(auto_id=f"id_follow_up{follow_up.pk}_%s")
    context = {
        "case": case, "nav": "service", "can_change": can_change, "now": timezone.now(),
        "messages_list": case.messages.select_related("author"),
        "proposals": proposals, "follow_ups": follow_ups,
        "history": case.stage_changes.select_related("by"), "orders": case.orders.all(),
        "steps": [(s, Case.Stage(s).label) for s in COMPLAINT_STAGES],
        "stage_index": COMPLAINT_STAGES.index(case.stage) if case.stage in COMPLAINT_STAGES else None,
        "next_stage": _next_stage(case), "suggestions": _suggestions(request, case),
        "reply_form": ReplyForm(auto_id="id_reply_%s"), "note_form": NoteForm(auto_id="id_note_%s"),
        "words_form": WordsForm(initial={"customer_words": case.customer_words}),
        "key_points_form": KeyPointsForm(order_choices=_order_choices(case), initial={
            "what_happened": case.what_happened, "happened_on": case.happened_on,
            "expectation": case.expectation, "root_cause": case.root_cause,
            "orders": [str(o.pk) for o in case.orders.all()]}),
        "proposal_form": ProposalForm(auto_id="id_proposal_%s"),
        "follow_up_form": FollowUpForm(initial={"due_at": timezone.localtime(timezone.now() + dt.timedelta(days=2))
                                                .strftime("%Y-%m-%dT%H:%M")}),
        "possible_customers": intake.possible_customers(case) if can_change else [],
    }
    if context["next_stage"]:
        context["missing"] = services.missing_for(case, context["next_stage"])
    return render(request, "service/case.html", context)


def _next_stage(case: Case) -> str | None:
    if case.stage == Case.Stage.CLOSED:
        return None
    if not case.is_complaint:
        return Case.Stage.CLOSED
    return COMPLAINT_STAGES[COMPLAINT_STAGES.index(case.stage) + 1]


def _suggestions(request, case: Case) -> list:
    """Knowledge-base articles for this case (when the knowledge app offers them)."""
    try:
        from kehu.knowledge.services import suggest
    except ImportError:
        return []
    text = " ".join(filter(None, (case.subject, case.customer_words, case.what_happened)))
    try:
        return suggest(text, case.category.code, user=request.user, language=request.LANGUAGE_CODE)
    except (TypeError, PermissionDenied):
        return []


def _case_action(request, pk, act):
    """Run a write on a visible case; errors become messages; back to the case page (or the
    board for a kanban move)."""
    case = access_case(request.user, pk, for_change=True)
    try:
        act(case)
    except ValidationError as exc:
        flash_errors(request, exc)
    except services.StaleCase as exc:
        messages.error(request, str(exc))
    return redirect(_back_to(request, case))


def _back_to(request, case) -> str:
    """The page the form came from (the board), if it is one of ours; else the case page."""
    return next_url(request, reverse("service:case", args=[case.pk]))


def _valid(request, form):
    if not form.is_valid():
        raise ValidationError([f"{form.fields[f].label if f in form.fields else ''}: {e}".lstrip(": ")
                               for f, errs in form.errors.items() for e in errs])
    return form.cleaned_data


def _version(request) -> int:
    try:
        return int(request.POST.get("version", ""))
    except ValueError:
        raise ValidationError(_("Reload the case and try again.")) from None


@login_required
@require_POST
def case_words(request, pk):
    return _case_action(request, pk, lambda case: services.record_words(
        request.user, case, _valid(request, WordsForm(request.POST))["customer_words"],
        expected_version=_version(request)))


@login_required
@require_POST
def case_key_points(request, pk):
    def act(case):
        form = KeyPointsForm(request.POST, order_choices=_order_choices(case))
        data = _valid(request, form)
        orders = None
        if "orders" in data:
            from kehu.orders.models import Order

            orders = list(Order.objects.filter(customer_id=case.customer_id, pk__in=data["orders"]))
        services.record_key_points(request.user, case, expected_version=_version(request), orders=orders,
                                   what_happened=data["what_happened"], happened_on=data["happened_on"],
                                   expectation=data["expectation"], root_cause=data["root_cause"])
    return _case_action(request, pk, act)


@login_required
@require_POST
def case_reply(request, pk):
    def act(case):
        data = _valid(request, ReplyForm(request.POST))
        services.reply(request.user, case, data["body"], send_email=data["send_email"])
        messages.success(request, _("Reply recorded."))
    return _case_action(request, pk, act)


@login_required
@require_POST
def case_note(request, pk):
    return _case_action(request, pk, lambda case: services.add_note(
        request.user, case, _valid(request, NoteForm(request.POST))["body"]))


@login_required
@require_POST
def case_propose(request, pk):
    def act(case):
        data = _valid(request, ProposalForm(request.POST))
        services.propose(request.user, case, kind=data["kind"], amount=data["amount"], description=data["description"])
    return _case_action(request, pk, act)


@login_required
@require_POST
def proposal_answer(request, pk, proposal_pk):
    def act(case):
        proposal = get_object_or_404(Proposal, pk=proposal_pk, case=case)
        data = _valid(request, AnswerForm(request.POST))
        services.answer_proposal(request.user, proposal, accepted=data["accepted"],
                                 customer_wants=data["customer_wants"])
    return _case_action(request, pk, act)


@login_required
@require_POST
def case_follow_up(request, pk):
    def act(case):
        data = _valid(request, FollowUpForm(request.POST))
        services.schedule_follow_up(request.user, case, due_at=data["due_at"], title=data["title"])
    return _case_action(request, pk, act)


@login_required
@require_POST
def follow_up_done(request, pk, follow_up_pk):
    def act(case):
        follow_up = get_object_or_404(FollowUp, pk=follow_up_pk, case=case)
        data = _valid(request, FollowUpDoneForm(request.POST))
        services.complete_follow_up(request.user, follow_up, outcome=data["outcome"], note=data["note"])
    return _case_action(request, pk, act)


@login_required
@require_POST
def standalone_follow_up_done(request, follow_up_pk):
    follow_up = get_object_or_404(visible_follow_ups(request.user), pk=follow_up_pk)
    form = FollowUpDoneForm(request.POST)
    if form.is_valid():
        try:
            services.complete_follow_up(request.user, follow_up, outcome=form.cleaned_data["outcome"],
                                        note=form.cleaned_data["note"])
        except ValidationError as exc:
            flash_errors(request, exc)
    else:
        messages.error(request, _("Say whether the customer was satisfied."))
    return redirect("service:follow-ups")


@login_required
@require_POST
def case_move(request, pk):
    """A stage move (the "next step" button, or a kanban drag: htmx gets the card back or a 409)."""
    case = access_case(request.user, pk, for_change=True)
    form = MoveForm(request.POST)
    if not form.is_valid():
        return HttpResponse(_("Bad request."), status=400)
    try:
        case = services.advance(request.user, case, form.cleaned_data["to_stage"],
                                expected_version=form.cleaned_data["version"])
    except (ValidationError, services.StaleCase) as exc:
        text = " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
        if request.htmx:
            return HttpResponse(text, status=409)
        messages.error(request, text)
    else:
        if request.htmx:
            return render(request, "service/card.html", {"card": case, "now": timezone.now(),
                                                         "next": _next_stage(case)})
        messages.success(request, _("%(reference)s moved to “%(stage)s”.") % {
            "reference": case.reference, "stage": case.get_stage_display()})
    return redirect(_back_to(request, case))


@login_required
@require_POST
def case_link_customer(request, pk):
    def act(case):
        customer = access_customer(request.user, request.POST.get("customer"))
        services.update_case(request.user, case, expected_version=_version(request), customer=customer)
        messages.success(request, _("Linked to %(name)s.") % {"name": customer.display_name})
    return _case_action(request, pk, act)


@login_required
@permission_required("service.view_service_dashboard", raise_exception=True)
def dashboard(request):
    try:
        days = min(max(int(request.GET.get("days", 90)), 7), 730)
    except ValueError:
        days = 90
    return render(request, "service/dashboard.html", {
        "m": metrics.compute(request.user, days=days), "days": days, "nav": "service"})


# --- the public side: no account needed ---------------------------------------------------------

@ratelimit(key="ip", rate="10/h", method="POST", block=False)
def complain(request):
    """The public complaint form (mobile friendly, both languages)."""
    form = PublicComplaintForm(request.POST or None)
    if request.method == "POST":
        if getattr(request, "limited", False):
            return render(request, "service/public/complain.html",
                          {"form": form, "limited": True}, status=429)
        if form.is_valid():
            if form.cleaned_data.get("website"):  # the honeypot: a bot; say thanks and file nothing
                return render(request, "service/public/thanks.html", {"case": None})
            data = form.cleaned_data
            case = intake.file_public_complaint(
                name=data["name"], phone=data["phone"], email=data["email"], category=data["category"],
                words=data["words"], order_number=data["order_number"], expectation=data["expectation"],
                language=translation.get_language())
            return redirect("service:complain-thanks", case.public_token)
    return render(request, "service/public/complain.html", {"form": form})


def complain_thanks(request, token):
    case = Case.objects.filter(public_token=token).first()
    if case is None:
        raise Http404
    return render(request, "service/public/thanks.html", {"case": case, "status_url": services.status_url(case)})


@ratelimit(key="ip", rate="20/h", method="POST", block=False)
def status(request, token):
    """The customer's view of their case: where it is, our answers, a box to add a message."""
    case = Case.objects.filter(public_token=token).select_related("category").first()
    if case is None:
        raise Http404
    form = StatusMessageForm(request.POST or None)
    if request.method == "POST":
        if getattr(request, "limited", False):
            return HttpResponse(_("Too many messages: please try again later."), status=429)
        if form.is_valid():
            services.add_customer_message(case, form.cleaned_data["body"], channel=Case.Channel.WEB)
            return redirect("service:status", token)
    shown = case.messages.exclude(direction=CaseMessage.Direction.NOTE).order_by("sent_at")
    return render(request, "service/public/status.html", {
        "case": case, "form": form, "messages_list": shown, "steps": [Case.Stage(s).label for s in COMPLAINT_STAGES],
        "stage_index": COMPLAINT_STAGES.index(case.stage) if case.stage in COMPLAINT_STAGES else None})
