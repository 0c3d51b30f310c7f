"""Pipeline pages: the kanban board per pipeline, the opportunity list, one opportunity (lines,
competitors, stage history, win / lose), the new and edit forms, the forecast.

Thin: every record comes through ``kehu.sales.access`` (an invisible one is a 404), every write
through ``kehu.sales.pipeline``. The board stays fast with thousands of opportunities: the
columns' counts and sums are one GROUP BY, the cards one query ranked per stage and capped.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, F, Q, Sum, Window
from django.db.models.functions import RowNumber
from django.http import HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from kehu.customers.access import access_customer, visible_customers
from kehu.sales import forecast as forecasting
from kehu.sales import pipeline as services
from kehu.sales.access import access_opportunity, visible_opportunities
from kehu.sales.forms_pipeline import LineFormSet, MoveForm, OpportunityForm, WinForm
from kehu.sales.models import LostReason, Pipeline, PipelineStage
from kehu.web.pagination import page_context
from kehu.web.params import date_or_none, int_or_none
from kehu.web.redirects import next_url

CARDS_PER_COLUMN = 50
PAGE_SIZE = 50
# open cards by expected close (soonest first), closed ones newest first
CARD_ORDER = (F("closed_at").desc(nulls_last=True), F("expected_close").asc(nulls_last=True), F("id").desc())
SORTS = {
    "name": ("name", "id"), "-name": ("-name", "-id"),
    "amount": ("amount", "id"), "-amount": ("-amount", "-id"),
    "close": (F("expected_close").asc(nulls_last=True), "id"), "-close": (F("expected_close").desc(nulls_last=True),
                                                                         "-id"),
    "stage": ("stage__position", "id"), "-stage": ("-stage__position", "-id"),
    "created": ("created_at", "id"), "-created": ("-created_at", "-id"),
}
DEFAULT_SORT = "close"


def duration_text(seconds: int | None) -> str:
    """3 days 4 h, 5 h 20 min, 12 min."""
    if seconds is None:
        return ""
    minutes = seconds // 60
    days, hours, minutes = minutes // 1440, minutes % 1440 // 60, minutes % 60
    day_text = ngettext("%(n)s day", "%(n)s days", days) % {"n": days}
    hour_text = _("%(n)s h") % {"n": hours}
    minute_text = _("%(n)s min") % {"n": minutes}
    if days:
        return f"{day_text} {hour_text}" if hours else day_text
    return f"{hour_text} {minute_text}" if hours else minute_text


def _move_options(stages) -> dict[int, str]:
    """Per stage, the "Move to" list's options for a card in it (every other stage), rendered
    once per board rather than once per card: a column of 50 cards shares them."""
    labels = [(stage.pk, stage.kind, stage.label()) for stage in stages]
    return {pk: format_html_join("", '<option value="{}" data-kind="{}">{}</option>',
                                 ((str(other), kind, label) for other, kind, label in labels if other != pk))
            for pk, _kind, _label in labels}


def _card_urls(cards) -> None:
    """Each card's page and move addresses from one reverse (not two per card)."""
    base = reverse("sales:opportunity", args=[0]).removesuffix("0/")
    for card in cards:
        card.url, card.move_url = f"{base}{card.pk}/", f"{base}{card.pk}/move/"


def _active_pipelines():
    return list(Pipeline.objects.active())


def _messages_of(exc: ValidationError) -> str:
    return " ".join(exc.messages)


# --- the board -------------------------------------------------------------------------------------

@login_required
@permission_required("sales.view_opportunity", raise_exception=True)
def board(request):
    """Columns = the pipeline's stages, each with its count and sum; drag a card or use its
    "Move to" select."""
    pipelines = _active_pipelines()
    if not pipelines:
        return render(request, "sales/pipeline/board.html", {"pipelines": [], "nav": "sales"})
    wanted = int_or_none(request.GET.get("pipeline"))
    pipeline = next((p for p in pipelines if p.pk == wanted), pipelines[0])
    mine = request.GET.get("mine") == "1"
    stages = list(pipeline.stages.order_by("position", "pk"))
    qs = visible_opportunities(request.user).filter(pipeline=pipeline)
    if mine:
        qs = qs.filter(owner=request.user)
    totals = {row["stage_id"]: row for row in qs.values("stage_id").annotate(n=Count("id"), total=Sum("amount"))
              .order_by()}
    cards = (qs.annotate(rank=Window(RowNumber(), partition_by=[F("stage_id")], order_by=list(CARD_ORDER)))
             .filter(rank__lte=CARDS_PER_COLUMN).select_related("customer", "owner").order_by(*CARD_ORDER))
    by_stage: dict[int, list] = {stage.pk: [] for stage in stages}
    cards = list(cards)
    _card_urls(cards)
    for card in cards:
        by_stage.setdefault(card.stage_id, []).append(card)
    options = _move_options(stages)
    columns = []
    for stage in stages:
        total = totals.get(stage.pk, {"n": 0, "total": 0})
        more = total["n"] - len(by_stage[stage.pk])
        query = QueryDict(mutable=True)
        query.update({"pipeline": pipeline.pk, "stage": stage.pk, **({"owner": "me"} if mine else {})})
        columns.append({"stage": stage, "cards": by_stage[stage.pk], "count": total["n"], "options": options[stage.pk],
                        "sum": total["total"] or 0, "more": more,
                        "more_url": f"{reverse('sales:opportunities')}?{query.urlencode()}"})
    return render(request, "sales/pipeline/board.html", {
        "pipelines": pipelines, "pipeline": pipeline, "columns": columns, "mine": mine,
        "lost_reasons": list(LostReason.objects.filter(active=True)), "nav": "sales",
        "can_change": request.user.has_perm("sales.change_opportunity"),
        "board_url": request.get_full_path()})


@login_required
def opportunity_move(request, pk):
    """A stage move: the card's "Move to" form, a drag on the board (fetch with HX-Request: the
    card comes back, or a 409 with the message when someone else moved it meanwhile, a 400 when
    the move is refused), or this page's own form (GET: asks for the lost reason without JS)."""
    opportunity = access_opportunity(request.user, pk, for_change=True)
    fallback = reverse("sales:opportunity", args=[opportunity.pk])
    if request.method == "GET":
        initial = {"version": opportunity.version, "to_stage": int_or_none(request.GET.get("to_stage"))}
        form = MoveForm(initial=initial, pipeline=opportunity.pipeline)
        return render(request, "sales/pipeline/move.html", {
            "opportunity": opportunity, "form": form, "next": request.GET.get("next", ""), "nav": "sales"})
    if request.method != "POST":
        return HttpResponse(status=405)
    form = MoveForm(request.POST, pipeline=opportunity.pipeline)
    if not form.is_valid():
        text = _("Reload the page and try again.")
        if request.htmx:
            return HttpResponse(text, status=400)
        messages.error(request, text)
        return redirect(next_url(request, fallback))
    data = form.cleaned_data
    try:
        moved = services.move_stage(request.user, opportunity, data["to_stage"], expected_version=data["version"],
                                    lost_reason=data["lost_reason"], lost_note=data["lost_note"])
    except services.StaleOpportunity as exc:
        if request.htmx:
            return HttpResponse(str(exc), status=409)
        messages.error(request, str(exc))
        return redirect(next_url(request, fallback))
    except ValidationError as exc:
        if request.htmx:
            return HttpResponse(_messages_of(exc), status=400)
        messages.error(request, _messages_of(exc))
        if data["to_stage"].kind == PipelineStage.Kind.LOST and data["lost_reason"] is None:
            # no JS, no dialog: this page asks for the reason
            query = QueryDict(mutable=True)
            query.update({"to_stage": data["to_stage"].pk, "next": request.POST.get("next", "")})
            return redirect(f"{reverse('sales:opportunity-move', args=[opportunity.pk])}?{query.urlencode()}")
        return redirect(next_url(request, fallback))
    if request.htmx:
        moved.customer = opportunity.customer
        _card_urls([moved])
        options = _move_options(opportunity.pipeline.stages.order_by("position", "pk"))
        return render(request, "sales/pipeline/_card.html", {
            "card": moved, "column": {"options": options[moved.stage_id]}, "can_change": True,
            "board_url": request.POST.get("next", "")})
    messages.success(request, _("“%(name)s” moved to “%(stage)s”.") % {"name": moved.name,
                                                                          "stage": moved.stage.label()})
    return redirect(next_url(request, fallback))


# --- the list ----------------------------------------------------------------------------------

def _filtered(request):
    """The list's filters: pipeline, stage, status, owner ("me"), customer, expected close range."""
    qs = visible_opportunities(request.user)
    params = request.GET
    for name in ("pipeline", "stage", "customer"):
        value = int_or_none(params.get(name))
        if value:
            qs = qs.filter(**{f"{name}_id": value})
    if params.get("status") in PipelineStage.Kind.values:
        qs = qs.filter(stage__kind=params["status"])
    owner = params.get("owner")
    if owner == "me":
        qs = qs.filter(owner=request.user)
    elif int_or_none(owner):
        qs = qs.filter(owner_id=int_or_none(owner))
    if date_or_none(params.get("close_from")):
        qs = qs.filter(expected_close__gte=date_or_none(params["close_from"]))
    if date_or_none(params.get("close_to")):
        qs = qs.filter(expected_close__lte=date_or_none(params["close_to"]))
    if params.get("q", "").strip():
        qs = qs.filter(name__icontains=params["q"].strip())
    sort = params.get("sort") if params.get("sort") in SORTS else DEFAULT_SORT
    return qs.order_by(*SORTS[sort]), sort


@login_required
@permission_required("sales.view_opportunity", raise_exception=True)
def opportunity_list(request):
    qs, sort = _filtered(request)
    paged = page_context(request, qs.select_related("customer", "stage", "owner", "pipeline"), PAGE_SIZE)
    pipelines = _active_pipelines()
    chosen = int_or_none(request.GET.get("pipeline"))
    stages = PipelineStage.objects.select_related("pipeline").order_by("pipeline__position", "pipeline_id",
                                                                       "position", "pk")
    if chosen:
        stages = stages.filter(pipeline_id=chosen)
    customer = None
    if int_or_none(request.GET.get("customer")):
        customer = visible_customers(request.user).filter(pk=int_or_none(request.GET["customer"])).first()
    return render(request, "sales/pipeline/list.html", {
        **paged, "opportunities": paged["rows"],
        "filters": request.GET, "sort": sort, "pipelines": pipelines, "stages": list(stages),
        "owners": services.assignable_owners(request.user), "statuses": PipelineStage.Kind.choices,
        "customer": customer, "nav": "sales"})


# --- one opportunity ------------------------------------------------------------------------------

@login_required
@permission_required("sales.view_opportunity", raise_exception=True)
def opportunity_detail(request, pk):
    opportunity = access_opportunity(request.user, pk)
    lines = list(opportunity.lines.select_related("product"))
    history = services.stage_history(opportunity)
    for change in history:
        change.time_in = duration_text(change.seconds_in_to)
    can_change = request.user.has_perm("sales.change_opportunity")
    is_open = opportunity.stage.kind == PipelineStage.Kind.OPEN
    lines_total = services.lines_total(lines)
    return render(request, "sales/pipeline/detail.html", {
        "opportunity": opportunity, "lines": lines, "lines_total": lines_total,
        "amount_differs": bool(lines) and lines_total != opportunity.amount,
        "competitors": list(opportunity.competitors.all()), "history": history,
        "weighted": opportunity.weighted_amount,
        "can_change": can_change, "is_open": is_open, "nav": "sales",
        "move_form": MoveForm(initial={"version": opportunity.version}, pipeline=opportunity.pipeline,
                              auto_id="id_move_%s") if can_change else None,
        "win_form": WinForm(initial={"version": opportunity.version}, auto_id="id_win_%s")
        if can_change and not opportunity.order_id else None,
        "may_order": request.user.has_perm("orders.add_order"),
        "won": opportunity.stage.kind == PipelineStage.Kind.WON})


@login_required
@require_POST
def opportunity_win(request, pk):
    opportunity = access_opportunity(request.user, pk, for_change=True)
    form = WinForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Reload the page and try again."))
        return redirect("sales:opportunity", opportunity.pk)
    try:
        won = services.win(request.user, opportunity, expected_version=form.cleaned_data["version"],
                           create_order=form.cleaned_data["create_order"])
    except services.StaleOpportunity as exc:
        messages.error(request, str(exc))
    except ValidationError as exc:
        messages.error(request, _messages_of(exc))
    except PermissionDenied:
        messages.error(request, _("You may not create orders."))
    else:
        if won.order_id:
            messages.success(request, _("Won, and order #%(order)s is in the customer's purchases.")
                             % {"order": won.order_id})
        else:
            messages.success(request, _("Won."))
    return redirect("sales:opportunity", opportunity.pk)


def _line_forms(request, *, products, initial=None):
    return LineFormSet(request.POST or None, initial=initial, prefix="lines", form_kwargs={"products": products})


def _products():
    from kehu.orders.models import Product

    return Product.objects.filter(is_active=True).order_by("sku")


def _save_form(request, form, lines, act):
    """Run ``act(data, lines, competitors)`` when both forms are valid; service errors go back
    onto the form. Returns the saved opportunity or None."""
    if not (form.is_valid() and lines.is_valid()):
        return None
    data = form.cleaned_data
    wanted = [line for line in (f.as_line() for f in lines.forms) if line]
    competitors = list(data["competitors"])
    try:
        if data.get("new_competitor", "").strip():
            competitors.append(services.add_competitor(request.user, data["new_competitor"]))
        return act(data, wanted, competitors)
    except services.StaleOpportunity as exc:
        form.add_error(None, str(exc))
    except ValidationError as exc:
        if hasattr(exc, "error_dict"):
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None,
                               errors if field in form.fields else [f"{field}: {e}" for e in errors])
        else:
            form.add_error(None, exc.messages)
    return None


@login_required
@permission_required("sales.add_opportunity", raise_exception=True)
def opportunity_new(request):
    """A new opportunity for a customer (``?customer=<id>``); without one, find the customer first."""
    customer_id = request.POST.get("customer") or request.GET.get("customer")
    if not customer_id:
        from kehu.customers.api import search_customers

        q = request.GET.get("q", "").strip()
        found = list(search_customers(visible_customers(request.user), q).order_by("display_name", "pk")[:20]) \
            if q else []
        return render(request, "sales/pipeline/pick_customer.html", {"q": q, "found": found, "nav": "sales"})
    customer = access_customer(request.user, customer_id)
    owners = services.assignable_owners(request.user)
    form = OpportunityForm(request.POST or None, owners=owners, creating=True,
                           may_add_competitor=request.user.has_perm("sales.add_competitor"),
                           initial={"owner": request.user if owners.filter(pk=request.user.pk).exists() else None})
    lines = _line_forms(request, products=_products())
    if request.method == "POST":
        def act(data, wanted, competitors):
            opportunity = services.create_opportunity(
                request.user, customer=customer, name=data["name"], amount=data["amount"] or 0,
                expected_close=data["expected_close"], pipeline=data["pipeline"], owner=data["owner"],
                description=data["description"], lines=wanted)
            if competitors:
                opportunity = services.update_opportunity(request.user, opportunity,
                                                          expected_version=opportunity.version,
                                                          competitors=competitors)
            return opportunity

        saved = _save_form(request, form, lines, act)
        if saved is not None:
            messages.success(request, _("Opportunity “%(name)s” created.") % {"name": saved.name})
            return redirect("sales:opportunity", saved.pk)
    return render(request, "sales/pipeline/form.html", {
        "form": form, "lines": lines, "customer": customer, "opportunity": None, "nav": "sales"})


@login_required
@permission_required("sales.change_opportunity", raise_exception=True)
def opportunity_edit(request, pk):
    opportunity = access_opportunity(request.user, pk, for_change=True)
    current = list(opportunity.lines.select_related("product"))
    follows_lines = bool(current) and services.lines_total(current) == opportunity.amount
    # the current owner stays choosable even when the editor could not assign them
    owners = get_user_model().objects.filter(Q(pk__in=services.assignable_owners(request.user).values("pk"))
                                             | Q(pk=opportunity.owner_id)).order_by("username")
    form = OpportunityForm(request.POST or None, owners=owners, creating=False,
                           may_add_competitor=request.user.has_perm("sales.add_competitor"), initial={
                               "name": opportunity.name, "amount": None if follows_lines else opportunity.amount,
                               "expected_close": opportunity.expected_close, "owner": opportunity.owner,
                               "competitors": list(opportunity.competitors.all()),
                               "description": opportunity.description, "version": opportunity.version})
    lines = _line_forms(request, products=_products(), initial=[
        {"product": line.product, "quantity": line.quantity, "unit_price": line.unit_price,
         "discount": line.discount} for line in current])
    if request.method == "POST":
        def act(data, wanted, competitors):
            if data["version"] is None:
                raise ValidationError(_("Reload the page and try again."))
            return services.update_opportunity(
                request.user, opportunity, expected_version=data["version"], lines=wanted, competitors=competitors,
                name=data["name"], amount=data["amount"], expected_close=data["expected_close"],
                owner=data["owner"], description=data["description"])

        saved = _save_form(request, form, lines, act)
        if saved is not None:
            messages.success(request, _("Opportunity “%(name)s” saved.") % {"name": saved.name})
            return redirect("sales:opportunity", saved.pk)
    return render(request, "sales/pipeline/form.html", {
        "form": form, "lines": lines, "customer": opportunity.customer, "opportunity": opportunity, "nav": "sales"})


# --- the forecast ---------------------------------------------------------------------------------

@login_required
@permission_required("sales.view_opportunity", raise_exception=True)
def forecast(request):
    months = int_or_none(request.GET.get("months"))
    months = months if months in forecasting.PERIODS else 3
    today = timezone.localdate()
    start = today
    if request.GET.get("from"):
        start = date_or_none(f"{request.GET['from']}-01") or today
    pipelines = _active_pipelines()
    pipeline = next((p for p in pipelines if p.pk == int_or_none(request.GET.get("pipeline"))), None)
    mine = request.GET.get("mine") == "1"
    result = forecasting.compute(request.user, start=start, months=months, pipeline=pipeline,
                                 owner=request.user if mine else None, today=today)
    start_options = sorted({forecasting.add_months(forecasting.month_start(today), i) for i in range(-12, 13)}
                           | {result.months[0]})
    return render(request, "sales/pipeline/forecast.html", {
        "f": result, "months": months, "periods": forecasting.PERIODS, "pipelines": pipelines,
        "pipeline": pipeline, "mine": mine, "start": result.months[0], "start_options": start_options,
        "chart": result.chart(), "nav": "sales"})


urlpatterns = [
    path("pipeline/", board, name="board"),
    path("opportunities/", opportunity_list, name="opportunities"),
    path("opportunities/new/", opportunity_new, name="opportunity-new"),
    path("opportunities/<int:pk>/", opportunity_detail, name="opportunity"),
    path("opportunities/<int:pk>/edit/", opportunity_edit, name="opportunity-edit"),
    path("opportunities/<int:pk>/move/", opportunity_move, name="opportunity-move"),
    path("opportunities/<int:pk>/win/", opportunity_win, name="opportunity-win"),
    path("forecast/", forecast, name="forecast"),
]
