"""Sales pages: leads (list, detail, new/edit, status, conversion) and the public web-to-lead form.

Thin: every lead comes through ``kehu.sales.access`` (an invisible one is a 404), every write
through ``kehu.sales.leads`` / ``conversion``."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import F
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_ratelimit.decorators import ratelimit

from kehu.customers.access import visible_customers
from kehu.sales import conversion, lead_scoring, leads
from kehu.sales.access import access_lead, visible_leads, visible_opportunities
from kehu.sales.forms_leads import (
    ConvertForm,
    DisqualifyForm,
    LeadForm,
    StatusForm,
    VersionForm,
    WebLeadForm,
    lead_initial,
    referrer_choices,
    referrer_from,
    web_form_token,
)
from kehu.sales.models import Lead, LeadSource
from kehu.web.pagination import page_context

PAGE_SIZE = 50
SORTS = {"created": ("created_at", "id"), "-created": ("-created_at", "-id"),
         "score": (F("score").asc(nulls_last=True), "id"), "-score": (F("score").desc(nulls_last=True), "-id"),
         "name": ("name", "id"), "-name": ("-name", "-id")}
DEFAULT_SORT = "-created"
PUBLIC_LANGUAGES = ("en", "zh-hans", "zh-hant")


# --- the list ------------------------------------------------------------------------------------

def filter_leads(user, params):
    """The leads ``user`` sees, filtered and sorted by the list's parameters; and the sort key."""
    qs = visible_leads(user)
    if params.get("status") in Lead.Status.values:
        qs = qs.filter(status=params["status"])
    elif not params.get("status"):
        qs = qs.exclude(status__in=[Lead.Status.CONVERTED, Lead.Status.DISQUALIFIED])
    if params.get("source"):
        qs = qs.filter(source__code=params["source"])
    owner = params.get("owner")
    if owner == "me":
        qs = qs.filter(owner=user)
    elif owner == "none":
        qs = qs.filter(owner__isnull=True)
    elif owner and owner.isdigit():
        qs = qs.filter(owner_id=int(owner))
    if params.get("campaign"):
        qs = qs.filter(campaign__icontains=params["campaign"].strip()[:200])
    if params.get("q"):
        qs = leads.search_leads(qs, params["q"])
    sort = params.get("sort") if params.get("sort") in SORTS else DEFAULT_SORT
    return qs.order_by(*SORTS[sort]), sort


@login_required
@permission_required("sales.view_lead", raise_exception=True)
def lead_list(request):
    qs, sort = filter_leads(request.user, request.GET)
    paged = page_context(request, qs.select_related("source", "owner"), PAGE_SIZE)
    rows = paged["rows"]
    return render(request, "sales/leads/list.html", {
        **paged, "leads": rows, "sort": sort, "filters": request.GET, "statuses": Lead.Status.choices, "sources": LeadSource.objects.all(),
        "owners": leads.assignable_owners(), "can_add": request.user.has_perm("sales.add_lead"),
        "show_score": any(lead.score is not None for lead in rows), "nav": "sales"})


# --- one lead ------------------------------------------------------------------------------------

def score_reasons(lead: Lead) -> list[dict]:
    """The score's reasons as (sign, text): the scorer's ``{feature, value, contribution}`` in
    words (``lead_scoring.reason_label``), or an older shape (text, or text/label and weight)."""
    out = []
    sources = None
    for reason in lead.score_reasons or []:
        if isinstance(reason, dict) and "feature" in reason:
            if sources is None:  # one query for the page, and only when there are reasons
                sources = lead_scoring.source_labels()
            contribution = float(reason.get("contribution") or 0)
            out.append({"sign": "+" if contribution >= 0 else "−",
                        "text": str(lead_scoring.reason_label(reason["feature"], reason.get("value"), sources=sources))})
            continue
        if isinstance(reason, dict):
            text = reason.get("text") or reason.get("label") or reason.get("reason") or reason.get("feature") or ""
            weight = reason.get("weight", reason.get("effect", reason.get("contribution", 0))) or 0
            sign = reason.get("sign") or ("+" if float(weight) > 0 else "−" if float(weight) < 0 else "")
        else:
            text, sign = str(reason), ""
            if text[:1] in "+-−":
                sign, text = ("−" if text[0] in "-−" else "+"), text[1:].strip()
        if text:
            out.append({"sign": sign, "text": str(text)})
    return out


@login_required
@permission_required("sales.view_lead", raise_exception=True)
def lead_detail(request, pk):
    lead = access_lead(request.user, pk, related=("source", "owner", "team", "referrer_customer",
                                                  "referrer_contact__customer", "disqualify_reason", "customer",
                                                  "converted_by", "created_by"))
    can_change = request.user.has_perm("sales.change_lead")
    # links only to customers this user may open (the names of the others are not shown)
    referrer_id = lead.referrer_customer_id or (lead.referrer_contact.customer_id if lead.referrer_contact else None)
    seen = set(visible_customers(request.user).filter(pk__in=[i for i in (referrer_id, lead.customer_id) if i])
               .values_list("pk", flat=True))
    referrer_visible, customer_visible = referrer_id in seen, lead.customer_id in seen
    opportunities = list(visible_opportunities(request.user).filter(lead=lead).select_related("stage"))
    return render(request, "sales/leads/detail.html", {
        "lead": lead, "nav": "sales", "can_change": can_change,
        "can_convert": request.user.has_perm("sales.convert_lead") and lead.status == Lead.Status.QUALIFIED,
        "duplicates": leads.duplicates_of(request.user, lead),
        "reasons": score_reasons(lead), "referrer_visible": referrer_visible, "customer_visible": customer_visible,
        "opportunities": opportunities,
        "moves": [(s, Lead.Status(s).label) for s in (Lead.Status.CONTACTED, Lead.Status.QUALIFIED)
                  if s in leads.MOVES.get(lead.status, ())],
        "disqualify_form": DisqualifyForm(initial={"version": lead.version}, auto_id="id_disqualify_%s"),
    })


def _form_page(request, form, context, status=200):
    return render(request, "sales/leads/form.html", {"form": form, "nav": "sales", **context}, status=status)


@login_required
@permission_required("sales.add_lead", raise_exception=True)
@require_http_methods(["GET", "POST"])
def lead_new(request):
    initial = {"owner": request.user.pk, "kind": "person"}
    for key in ("source", "campaign"):  # a "new lead" link may preset them
        if request.GET.get(key):
            initial[key] = (LeadSource.objects.filter(code=request.GET[key]).values_list("pk", flat=True).first()
                            if key == "source" else request.GET[key][:200])
    form = LeadForm(request.POST or None, user=request.user, initial=initial)
    if request.method == "POST" and "find_referrer" not in request.POST and form.is_valid():
        try:
            lead = leads.create_lead(request.user, **form.service_data())
        except ValidationError as exc:
            form.add_service_errors(exc.message_dict)
        else:
            messages.success(request, _("Lead “%(name)s” saved.") % {"name": lead.name})
            return redirect("sales:lead", lead.pk)
    return _form_page(request, form, {"creating": True}, status=422 if form.errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def lead_edit(request, pk):
    lead = access_lead(request.user, pk, for_change=True)
    form = LeadForm(request.POST or None, user=request.user, lead=lead, initial=lead_initial(lead))
    if request.method == "POST" and "find_referrer" not in request.POST and form.is_valid():
        data = form.service_data()
        try:
            lead = leads.update_lead(request.user, lead, expected_version=form.cleaned_data.get("version") or 0,
                                     **data)
        except leads.StaleLead as exc:
            form.add_error(None, str(exc))
        except ValidationError as exc:
            form.add_service_errors(exc.message_dict)
        else:
            messages.success(request, _("Lead “%(name)s” saved.") % {"name": lead.name})
            return redirect("sales:lead", lead.pk)
    return _form_page(request, form, {"creating": False, "lead": lead}, status=422 if form.errors else 200)


@login_required
@permission_required("sales.view_lead", raise_exception=True)
@require_GET
def lead_duplicates(request):
    """The possible-duplicates warning of the form (htmx, as the phone or email is typed)."""
    exclude = request.GET.get("lead")
    found = leads.find_duplicates(request.user, name=request.GET.get("name", "")[:200],
                                  phone=request.GET.get("phone", "")[:32], email=request.GET.get("email", "")[:254],
                                  exclude=int(exclude) if exclude and exclude.isdigit() else None)
    return render(request, "sales/leads/_duplicates.html", {"duplicates": found})


@login_required
@permission_required("sales.view_lead", raise_exception=True)
@require_GET
def lead_referrers(request):
    """The referrer picker's choices for a search (htmx): nobody, the one chosen so far, the matches."""
    selected = request.GET.get("referrer", "")
    choices = [("", _("Nobody"))]
    if selected:
        try:
            customer, contact = referrer_from(request.user, selected)
        except ValidationError:
            selected = ""
        else:
            choices.append((selected, customer.display_name if customer else contact.name))
    found = [c for c in referrer_choices(request.user, request.GET.get("referrer_q", "")) if c[0] != selected]
    return render(request, "sales/leads/_referrer_choices.html", {
        "choices": choices + found, "selected": selected, "found": found,
        "searched": bool(request.GET.get("referrer_q", "").strip())})


def _lead_action(request, pk, act, success: str):
    lead = access_lead(request.user, pk, for_change=True)
    try:
        lead = act(lead)
    except leads.StaleLead as exc:
        messages.error(request, str(exc))
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, success)
    return redirect("sales:lead", lead.pk)


def _checked(form):
    if not form.is_valid():
        raise ValidationError([f"{form.fields[f].label}: {e}" if f in form.fields and form.fields[f].label else str(e)
                               for f, errs in form.errors.items() for e in errs])
    return form.cleaned_data


@login_required
@require_POST
def lead_status(request, pk):
    def act(lead):
        data = _checked(StatusForm(request.POST))
        return leads.set_status(request.user, lead, data["status"], expected_version=data["version"])
    return _lead_action(request, pk, act, _("Status changed."))


@login_required
@require_POST
def lead_disqualify(request, pk):
    def act(lead):
        data = _checked(DisqualifyForm(request.POST))
        return leads.disqualify_lead(request.user, lead, reason=data["reason"], note=data["note"],
                                     expected_version=data["version"])
    return _lead_action(request, pk, act, _("Lead disqualified."))


@login_required
@require_POST
def lead_reopen(request, pk):
    def act(lead):
        data = _checked(VersionForm(request.POST))
        return leads.reopen_lead(request.user, lead, expected_version=data["version"])
    return _lead_action(request, pk, act, _("Lead reopened."))


@login_required
@permission_required("sales.convert_lead", raise_exception=True)
@require_http_methods(["GET", "POST"])
def lead_convert(request, pk):
    """Who the lead may already be, the explicit choice (link to one, or create a new customer
    anyway), an optional opportunity."""
    lead = access_lead(request.user, pk, for_change=True)
    if lead.status != Lead.Status.QUALIFIED:
        messages.error(request, _("Qualify the lead before converting it (it is “%(status)s”).") % {
            "status": lead.get_status_display()})
        return redirect("sales:lead", lead.pk)
    found = conversion.candidates(request.user, lead)
    form = ConvertForm(request.POST or None, candidates=found,
                       initial={"version": lead.version, "opportunity_name": lead.company or lead.name})
    if request.method == "POST" and form.is_valid():
        target = form.cleaned_data["target"]
        chosen = next((c.customer for c in found if f"c:{c.customer_id}" == target), None)
        try:
            done = conversion.convert_lead(request.user, lead, customer=chosen, create_new=target == "new",
                                           opportunity=form.opportunity(),
                                           expected_version=form.cleaned_data["version"])
        except leads.StaleLead as exc:
            form.add_error(None, str(exc))
        except ValidationError as exc:
            for message in exc.messages:
                form.add_error(None, message)
        except PermissionDenied:
            form.add_error(None, _("You may not create or change customers: ask a manager to convert this lead."))
        else:
            text = (_("Lead converted: %(name)s is a new customer.") if done.created
                    else _("Lead linked to the customer %(name)s."))
            messages.success(request, text % {"name": done.customer.display_name})
            return redirect("customers:detail", done.customer.pk)
    return render(request, "sales/leads/convert.html", {
        "lead": lead, "form": form, "candidates": found, "nav": "sales"}, status=422 if form.errors else 200)


# --- the public web-to-lead form ---------------------------------------------------------------

def _public_language(request) -> str | None:
    wanted = (request.GET.get("lang") or "").lower()
    return wanted if wanted in PUBLIC_LANGUAGES else None


@xframe_options_exempt  # embeddable in the company's own site; every other page stays DENY
@csrf_exempt  # framed by another site it gets no (SameSite) CSRF cookie: a signed, address-bound
#               form token (forms_leads.web_form_token), the rate limit and the honeypot guard it
@ratelimit(key="ip", rate="10/h", method="POST", block=False)
@require_http_methods(["GET", "POST"])
def web_to_lead(request):
    """The public "contact us" form (no account; ``?source=<code>&campaign=…&lang=zh-hans``)."""
    language = _public_language(request)
    with translation.override(language or translation.get_language()):
        if request.method == "GET" and request.GET.get("thanks"):
            return render(request, "sales/public/web_lead_thanks.html", {"language": language})
        client_ip = request.META.get("REMOTE_ADDR", "")
        initial = {"source": request.GET.get("source", "")[:32], "campaign": request.GET.get("campaign", "")[:200]}
        form = WebLeadForm(request.POST or None, initial=initial, client_ip=client_ip)
        context = {"form": form, "language": language}
        if request.method == "POST":
            if getattr(request, "limited", False):
                return render(request, "sales/public/web_lead.html", {**context, "limited": True}, status=429)
            if form.is_valid():
                data = form.cleaned_data
                if not data.get("website"):  # the honeypot: a bot is thanked and nothing is filed
                    leads.submit_web_lead(
                        name=data["name"], phone=data["phone"], email=data["email"], company=data["company"],
                        message=data["message"], referred_by=data["referred_by"], source_code=data["source"],
                        campaign=data["campaign"], language=translation.get_language())
                query = "?thanks=1" + (f"&lang={language}" if language else "")
                return redirect(reverse("sales:web-to-lead") + query)
            form.data = form.data.copy()  # what the visitor typed stays; the token is a fresh one
            form.data["token"] = web_form_token(client_ip)
            return render(request, "sales/public/web_lead.html", context, status=400)
        form.initial["token"] = web_form_token(client_ip)
        return render(request, "sales/public/web_lead.html", context)


urlpatterns = [
    path("leads/", lead_list, name="leads"),
    path("leads/new/", lead_new, name="lead-new"),
    path("leads/duplicates/", lead_duplicates, name="lead-duplicates"),
    path("leads/referrers/", lead_referrers, name="lead-referrers"),
    path("leads/<int:pk>/", lead_detail, name="lead"),
    path("leads/<int:pk>/edit/", lead_edit, name="lead-edit"),
    path("leads/<int:pk>/status/", lead_status, name="lead-status"),
    path("leads/<int:pk>/disqualify/", lead_disqualify, name="lead-disqualify"),
    path("leads/<int:pk>/reopen/", lead_reopen, name="lead-reopen"),
    path("leads/<int:pk>/convert/", lead_convert, name="lead-convert"),
    path("web-to-lead/", web_to_lead, name="web-to-lead"),
]
