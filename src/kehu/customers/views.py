"""Customer pages. Thin: access through ``kehu.customers.access``, writes through services."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.db.models import Count, Prefetch, Sum
from django.db.models.functions import TruncMonth
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from kehu.accounts.models import Team
from kehu.customers import services
from kehu.customers.access import access_customer, visible_customers
from kehu.customers.forms import (
    AddressForm,
    ConsentForm,
    ContactForm,
    CustomerForm,
    IdentityForm,
    InteractionForm,
)
from kehu.customers.listing import filter_customers
from kehu.customers.models import Address, ChannelIdentity, Contact, Customer, Interaction
from kehu.customers.panels import panels_for
from kehu.customers.timeline import sources, timeline_page
from kehu.identity import entry
from kehu.privacy.masking import can_view_pii
from kehu.privacy.services import current_consents, record_consent
from kehu.scoring.presentation import segment_choices
from kehu.web.money import format_money
from kehu.web.pagination import page_of

PAGE_SIZE = 50


@login_required
def customer_list(request):
    qs, sort = filter_customers(request.user, request.GET)  # the same rows the exports write
    phones = Prefetch("identities", to_attr="phones",
                      queryset=ChannelIdentity.objects.filter(channel="phone", is_primary=True))
    qs = qs.select_related("owner", "team", "score").prefetch_related("tags", phones)
    try:
        page = int(request.GET.get("page", 1))
    except ValueError:
        page = 1
    rows, has_next = page_of(qs, page, PAGE_SIZE)
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "customers": rows, "page": page, "has_next": has_next, "sort": sort,
        "query_string": query.urlencode(), "filters": request.GET,
        "kinds": Customer.Kind.choices, "natures": Customer.Nature.choices,
        "stages": Customer.Stage.choices, "tiers": Customer.Tier.choices,
        "segments": segment_choices(), "show_value": request.user.has_perm("scoring.view_customerscore"),
        "teams": Team.objects.all(),
        "can_add": request.user.has_perm("customers.add_customer"), "nav": "customers",
    }
    if request.htmx and request.htmx.target == "customer-results":
        return render(request, "customers/list.html#results", context)
    return render(request, "customers/list.html", context)


def _monthly_spend(customer_id):
    rows = (customer_orders(customer_id).annotate(month=TruncMonth("ordered_at"))
            .values("month").annotate(total=Sum("total"), n=Count("id")).order_by("month"))
    return [{"month": r["month"].strftime("%Y-%m"), "total": float(r["total"] or 0), "orders": r["n"]}
            for r in rows]


def customer_orders(customer_id):
    from django.apps import apps

    return apps.get_model("orders", "Order").objects.filter(customer_id=customer_id)


@login_required
def customer_detail(request, pk):
    try:
        customer = access_customer(request.user, pk)
    except Http404:
        survivor = _merged_into(request.user, pk)
        if survivor is None:
            raise
        messages.info(request, _("That customer was merged into this one."))
        return redirect("customers:detail", survivor)
    context = _tab_context(request, customer, "c")
    context.update({"tab": "c", "nav": "customers",
                    "can_edit": request.user.has_perm("customers.change_customer"),
                    "can_log": request.user.has_perm("customers.add_interaction"),
                    "panels": [(p.key, reverse(p.url_name, args=[customer.pk])) for p in panels_for(request.user)]})
    return render(request, "customers/detail.html", context)


def _merged_into(user, pk):
    """The kept customer a merged-away (visible) customer now lives in, if any."""
    merged = visible_customers(user, include_merged=True).filter(pk=pk).values_list(
        "merged_into_id", flat=True).first()
    return merged


def _identities_with_origin(customer, merges):
    """Each identity with where it came from; those brought in by one of ``merges`` name it."""
    identities = list(customer.identities.all())
    by_pk = {}
    for merge in merges:
        for pk in merge.moved.get("customers.channelidentity:customer", []):
            by_pk[pk] = merge
    for identity in identities:
        identity.merge = by_pk.get(identity.pk)
    return identities


def _tab_context(request, customer, tab):
    context = {"customer": customer}
    if tab == "c":
        from kehu.identity.models import DuplicateCandidate, Merge

        merges = list(Merge.objects.filter(survivor=customer, undone_at__isnull=True)
                      .select_related("merged", "actor"))
        context.update(
            merges=merges,
            open_duplicates=DuplicateCandidate.objects.filter(
                status=DuplicateCandidate.Status.OPEN).filter(
                models.Q(customer_a=customer) | models.Q(customer_b=customer)).count(),
            identities=_identities_with_origin(customer, merges),
            contacts=list(customer.contacts.all()),
            addresses=list(customer.addresses.all()),
            consents=list(current_consents(customer.pk)),
            tags=list(customer.tags.all()),
            custom_fields=_custom_field_rows(customer),
        )
    elif tab == "p":
        orders = list(customer_orders(customer.pk).order_by("-ordered_at", "-id")[:50])
        totals = customer_orders(customer.pk).aggregate(n=Count("id"), total=Sum("total"))
        context.update(orders=orders, order_count=totals["n"],
                       order_total=format_money(totals["total"] or 0), monthly=_monthly_spend(customer.pk))
    elif tab == "r":
        from kehu.customers.responses import sections

        context.update(response_sections=sections(customer.pk))
    elif tab == "t":
        context.update(_timeline_context(request, customer))
    return context


def _custom_field_rows(customer):
    from django.utils.translation import get_language

    from kehu.customers.models import CustomFieldDefinition

    lang = get_language()
    rows = []
    for defn in CustomFieldDefinition.objects.all():
        if defn.key in customer.custom_fields:
            value = customer.custom_fields[defn.key]
            rows.append((defn.label(lang), ", ".join(value) if isinstance(value, list) else value))
    return rows


def _timeline_context(request, customer):
    only = request.GET.getlist("only") or None
    page = timeline_page(customer.pk, cursor=request.GET.get("cursor"), limit=25,
                         pii_visible=can_view_pii(request.user), only=only)
    return {"events": page.events, "next_cursor": page.next_cursor,
            "timeline_sources": sources(), "only": only or []}


@login_required
def customer_tab(request, pk, tab):
    if tab not in ("c", "p", "r", "t"):
        raise Http404
    customer = access_customer(request.user, pk)
    context = _tab_context(request, customer, tab)
    context["tab"] = tab
    return render(request, f"customers/tabs/{tab}.html", context)


@login_required
def customer_timeline(request, pk):
    """The next page of the timeline (htmx 'load more')."""
    customer = access_customer(request.user, pk)
    context = {"customer": customer, **_timeline_context(request, customer)}
    return render(request, "customers/tabs/t.html#events", context)


def _form_response(request, form, template_context, status=200):
    template = "customers/form.html#form" if request.htmx else "customers/form.html"
    return render(request, template, {"form": form, **template_context}, status=status)


@login_required
@permission_required("customers.add_customer", raise_exception=True)
@require_http_methods(["GET", "POST"])
def customer_create(request):
    form = CustomerForm(request.POST or None, creating=True,
                        initial={"owner": request.user.pk, "kind": "person", "nature": "individual"})
    context = {"creating": True}
    if request.method == "POST" and form.is_valid():
        identities = [{"channel": ch, "value": form.cleaned_data[ch], "is_primary": True}
                      for ch in ("phone", "email") if form.cleaned_data.get(ch)]
        data = form.service_data()
        if not request.POST.get("confirm_new"):
            found = entry.check(request.user, data, identities)
            if found.link_to is not None:
                added = entry.link_identities(request.user, found.link_to, identities)
                messages.success(request, _("This is %(name)s, already a customer: %(n)s new contact "
                                            "detail(s) added to their record instead of creating a "
                                            "duplicate.") % {"name": found.link_to.display_name,
                                                             "n": len(added)})
                return _redirect(request, reverse("customers:detail", args=[found.link_to.pk]))
            if found.warnings:
                context["duplicates"] = found
                return _form_response(request, form, context)
        try:
            customer = services.create_customer(request.user, identities=identities,
                                                tags=form.tag_names(), **data)
        except ValidationError as exc:
            form.add_service_errors(exc.message_dict)
        else:
            _remember_dismissed(request, customer.pk)
            return _redirect(request, reverse("customers:detail", args=[customer.pk]))
    return _form_response(request, form, context, status=422 if form.errors else 200)


def _remember_dismissed(request, customer_id):
    """"Save anyway" after a duplicate warning: those pairs are different people."""
    from kehu.identity.services import mark_not_duplicate

    if not request.user.has_perm("identity.change_duplicatecandidate"):
        return
    for other in request.POST.getlist("dismissed"):
        if other.isdigit() and int(other) != customer_id:
            mark_not_duplicate(request.user, customer_id, int(other))


@login_required
@require_http_methods(["GET", "POST"])
def customer_edit(request, pk):
    customer = access_customer(request.user, pk, for_change=True)
    initial = {f: getattr(customer, f) for f in services.CUSTOMER_FIELDS if f != "custom_fields"}
    initial.update(owner=customer.owner_id, team=customer.team_id, version=customer.version,
                   tags=", ".join(customer.tags.values_list("name", flat=True)))
    initial.update({f"cf_{k}": v for k, v in customer.custom_fields.items()})
    form = CustomerForm(request.POST or None, creating=False, initial=initial)
    context = {"creating": False, "customer": customer}
    if request.method == "POST" and form.is_valid():
        if not request.POST.get("confirm_new"):
            found = entry.check(request.user, form.service_data(), exclude=customer.pk)
            if found.warnings:
                context["duplicates"] = found
                return _form_response(request, form, context)
        try:
            customer = services.update_customer(request.user, customer,
                                                expected_version=form.cleaned_data.get("version") or 0,
                                                **form.service_data())
            services.set_tags(request.user, customer, form.tag_names())
        except services.StaleVersion as exc:
            form.add_error(None, str(exc))
        except ValidationError as exc:
            form.add_service_errors(exc.message_dict)
        else:
            _remember_dismissed(request, customer.pk)
            return _redirect(request, reverse("customers:detail", args=[customer.pk]))
    return _form_response(request, form, context, status=422 if form.errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def interaction_create(request, pk):
    customer = access_customer(request.user, pk)
    if not request.user.has_perm("customers.add_interaction"):
        raise PermissionDenied
    form = InteractionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.save_interaction(request.user, Interaction(customer=customer), **form.cleaned_data)
        return _redirect(request, reverse("customers:detail", args=[customer.pk]) + "?tab=t")
    return render(request, "customers/interaction_form.html",
                  {"form": form, "customer": customer}, status=422 if form.errors else 200)


def _redirect(request, url):
    if request.htmx:
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return redirect(url)




def _save_identity(user, customer, data):
    return services.add_identity(user, customer, **data)


def _save_contact(user, customer, data):
    return services.save_contact(user, Contact(customer=customer), **data)


def _save_address(user, customer, data):
    return services.save_address(user, Address(customer=customer), **data)


def _save_consent(user, customer, data):
    return record_consent(user, customer, **data)


# kind -> (form, permission, service, heading)
CHILD_FORMS = {
    "identity": (IdentityForm, "customers.add_channelidentity", _save_identity),
    "contact": (ContactForm, "customers.add_contact", _save_contact),
    "address": (AddressForm, "customers.add_address", _save_address),
    "consent": (ConsentForm, "privacy.add_consent", _save_consent),
}


@login_required
@require_http_methods(["GET", "POST"])
def child_create(request, pk, kind):
    """Add an identity, contact, address or consent from the C tab (htmx partial form)."""
    if kind not in CHILD_FORMS:
        raise Http404
    customer = access_customer(request.user, pk)
    form_class, permission, save = CHILD_FORMS[kind]
    if not request.user.has_perm(permission):
        raise PermissionDenied
    form = form_class(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            save(request.user, customer, form.cleaned_data)
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                for message in messages:
                    form.add_error(field if field in form.fields else None, message)
        else:
            context = _tab_context(request, customer, "c")
            context["tab"] = "c"
            return render(request, "customers/tabs/c.html", context)
    return render(request, "customers/child_form.html", {"form": form, "customer": customer, "kind": kind},
                  status=422 if form.errors else 200)
