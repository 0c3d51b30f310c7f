"""Forms of the lead pages and the public web-to-lead form: shapes and widgets only; the rules
(normalising, the referrer, statuses, conversion) are in ``kehu.sales.leads`` and ``conversion``."""

from __future__ import annotations

import hashlib

from django import forms
from django.core import signing
from django.utils.translation import gettext_lazy as _

from kehu.customers.access import customer_scope_for, visible_customers
from kehu.customers.api import search_customers
from kehu.customers.models import Contact, Customer
from kehu.labels import LabelledChoiceField
from kehu.sales.leads import assignable_owners
from kehu.sales.models import DisqualifyReason, Lead, LeadSource
from kehu.web.public_forms import ReachableMixin

REFERRER_RESULTS = 8


def referrer_choices(user, query: str, limit: int = REFERRER_RESULTS) -> list[tuple[str, str]]:
    """Customers ("c:<id>") and contacts ("k:<id>") the user may see that match ``query`` (a name,
    or an exact phone or email), for the referrer picker."""
    query = (query or "").strip()[:100]
    if not query:
        return []
    found = [(f"c:{c.pk}", c.display_name)
             for c in search_customers(visible_customers(user), query).order_by("display_name", "pk")[:limit]]
    contacts = (Contact.objects.filter(customer_scope_for(user, "customer__"), name__icontains=query,
                                       customer__merged_into__isnull=True)
                .select_related("customer").order_by("name", "pk")[:limit])
    found += [(f"k:{k.pk}", _("%(contact)s (contact at %(customer)s)") % {"contact": k.name,
                                                                         "customer": k.customer.display_name})
              for k in contacts]
    return found


def referrer_from(user, value: str):
    """("c:12" | "k:5") → (customer, contact) the user may see; (None, None) for empty; raises
    ValidationError for anything else (an invisible id reads as not found)."""
    if not value:
        return None, None
    kind, _sep, pk = value.partition(":")
    if pk.isdigit():
        if kind == "c":
            customer = visible_customers(user).filter(pk=int(pk)).first()
            if customer is not None:
                return customer, None
        elif kind == "k":
            contact = (Contact.objects.filter(customer_scope_for(user, "customer__"), pk=int(pk))
                       .select_related("customer").first())
            if contact is not None:
                return None, contact
    raise forms.ValidationError(_("Choose the referrer from the list."))


class LeadForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=Customer.Kind.choices, initial=Customer.Kind.PERSON)
    name = forms.CharField(label=_("Name"), max_length=200,
                           help_text=_("The person you talk to (for a company, its name goes below)."))
    company = forms.CharField(label=_("Company"), max_length=200, required=False)
    job_title = forms.CharField(label=_("Job title"), max_length=120, required=False)
    phone = forms.CharField(label=_("Mobile phone"), max_length=32, required=False,
                            widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}))
    email = forms.CharField(label=_("Email"), max_length=254, required=False,
                            widget=forms.EmailInput(attrs={"autocomplete": "off"}))
    wechat = forms.CharField(label=_("WeChat ID"), max_length=64, required=False)
    region = forms.CharField(label=_("Region"), max_length=100, required=False,
                             help_text=_("Province or city, e.g. 浙江 or 杭州."))
    company_size = forms.ChoiceField(label=_("Company size"), required=False,
                                     choices=[("", "—"), *Lead.CompanySize.choices])
    nature = forms.ChoiceField(label=_("Nature"), required=False, choices=[("", "—"), *Customer.Nature.choices])
    channel = forms.ChoiceField(label=_("Channel"), required=False, choices=[("", "—"), *Lead.Channel.choices],
                                help_text=_("How the lead reached us, or we reached them."))
    source = LabelledChoiceField(label=_("Source"), queryset=LeadSource.objects.none(), empty_label="—")
    campaign = forms.CharField(label=_("Campaign or event"), max_length=200, required=False)
    referrer_q = forms.CharField(label=_("Find the referrer"), max_length=100, required=False,
                                 widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
                                 help_text=_("A customer's or contact's name, or their exact phone or email."))
    referrer = forms.ChoiceField(label=_("Referred by"), required=False, widget=forms.RadioSelect)
    owner = forms.ModelChoiceField(label=_("Owner"), queryset=assignable_owners().none(), empty_label=None)
    notes = forms.CharField(label=_("Notes"), required=False, max_length=20_000,
                            widget=forms.Textarea(attrs={"rows": 4}))
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, user, lead: Lead | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        sources = LeadSource.objects.filter(active=True)
        if lead is not None:
            sources = LeadSource.objects.filter(pk=lead.source_id) | sources
        self.fields["source"].queryset = sources.order_by("position", "code")
        self.fields["owner"].queryset = assignable_owners()
        # the referrer's choices: the current one, the posted one, and what the search finds
        choices = [("", _("Nobody"))]
        if lead is not None and (lead.referrer_customer_id or lead.referrer_contact_id):
            choices.append(self._current(lead))
        query = self.data.get("referrer_q") if self.is_bound else self.initial.get("referrer_q")
        choices += [c for c in referrer_choices(user, query or "") if c not in choices]
        posted = self.data.get("referrer") if self.is_bound else None
        if posted and posted not in dict(choices):
            try:
                customer, contact = referrer_from(user, posted)
            except forms.ValidationError:
                pass
            else:
                choices.append((posted, customer.display_name if customer else contact.name))
        self.fields["referrer"].choices = choices
        self.referral_sources = [s.label() for s in self.fields["source"].queryset if s.needs_referrer]

    @staticmethod
    def _current(lead: Lead) -> tuple[str, str]:
        if lead.referrer_contact_id:
            return f"k:{lead.referrer_contact_id}", lead.referrer_contact.name
        return f"c:{lead.referrer_customer_id}", lead.referrer_customer.display_name

    def clean_referrer(self):
        value = self.cleaned_data.get("referrer") or ""
        self.cleaned_data["referrer_customer"], self.cleaned_data["referrer_contact"] = referrer_from(self.user, value)
        return value

    def service_data(self) -> dict:
        data = {k: v for k, v in self.cleaned_data.items() if k not in ("referrer_q", "referrer", "version")}
        data.setdefault("referrer_customer", None)
        data.setdefault("referrer_contact", None)
        return data

    def add_service_errors(self, error_dict: dict) -> None:
        for name, messages in error_dict.items():
            target = "referrer" if name in ("referrer_customer", "referrer_contact") else name
            for message in messages:
                self.add_error(target if target in self.fields else None, message)


def lead_initial(lead: Lead) -> dict:
    initial = {name: getattr(lead, name) for name in ("kind", "name", "company", "job_title", "phone", "email",
                                                      "wechat", "region", "company_size", "nature", "channel",
                                                      "campaign", "notes")}
    initial.update(source=lead.source_id, owner=lead.owner_id, version=lead.version,
                   referrer=LeadForm._current(lead)[0] if (lead.referrer_customer_id or lead.referrer_contact_id)
                   else "")
    return initial


class StatusForm(forms.Form):
    status = forms.ChoiceField(choices=[(Lead.Status.CONTACTED, Lead.Status.CONTACTED.label),
                                        (Lead.Status.QUALIFIED, Lead.Status.QUALIFIED.label)])
    version = forms.IntegerField(min_value=1)


class DisqualifyForm(forms.Form):
    reason = LabelledChoiceField(label=_("Why"), queryset=DisqualifyReason.objects.none(), empty_label="—")
    note = forms.CharField(label=_("Details"), max_length=500, required=False,
                           widget=forms.Textarea(attrs={"rows": 2}))
    version = forms.IntegerField(min_value=1, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].queryset = DisqualifyReason.objects.filter(active=True)


class VersionForm(forms.Form):
    version = forms.IntegerField(min_value=1)


class ConvertForm(forms.Form):
    """Link to one of the candidates ("c:<id>") or create a new customer ("new"); optionally an
    opportunity."""

    target = forms.ChoiceField(label=_("The customer"), widget=forms.RadioSelect)
    open_opportunity = forms.BooleanField(label=_("Also open an opportunity"), required=False)
    opportunity_name = forms.CharField(label=_("Opportunity name"), max_length=200, required=False)
    amount = forms.DecimalField(label=_("Amount (CNY)"), required=False, min_value=0, max_digits=14,
                                decimal_places=2)
    expected_close = forms.DateField(label=_("Expected close"), required=False,
                                     widget=forms.DateInput(attrs={"type": "date"}))
    version = forms.IntegerField(min_value=1, widget=forms.HiddenInput)

    def __init__(self, *args, candidates=(), **kwargs):
        super().__init__(*args, **kwargs)
        choices = [(f"c:{c.customer_id}", c.customer.display_name) for c in candidates if c.customer is not None]
        choices.append(("new", _("Create a new customer anyway") if candidates else _("Create a new customer")))
        self.fields["target"].choices = choices
        if not candidates:
            self.fields["target"].initial = "new"

    def clean(self):
        data = super().clean()
        if data.get("open_opportunity") and not (data.get("opportunity_name") or "").strip():
            self.add_error("opportunity_name", _("Give the opportunity a name."))
        return data

    def opportunity(self) -> dict | None:
        data = self.cleaned_data
        if not data.get("open_opportunity"):
            return None
        return {"name": data["opportunity_name"].strip(), "amount": data.get("amount") or 0,
                "expected_close": data.get("expected_close")}


# --- the public form ---------------------------------------------------------------------------

class WebLeadForm(ReachableMixin, forms.Form):
    """No account: who you are, how to reach you, what you are interested in."""

    name = forms.CharField(label=_("Your name"), max_length=120)
    company = forms.CharField(label=_("Company (if any)"), max_length=200, required=False)
    phone = forms.CharField(label=_("Mobile phone"), max_length=32, required=False,
                            widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}))
    email = forms.EmailField(label=_("Email"), max_length=254, required=False,
                             widget=forms.EmailInput(attrs={"autocomplete": "email"}))
    message = forms.CharField(label=_("What are you interested in?"), max_length=2000, required=False,
                              widget=forms.Textarea(attrs={"rows": 4}))
    referred_by = forms.CharField(label=_("Who recommended us? (optional)"), max_length=120, required=False)
    # preset by the link (hidden): cut to size rather than refused, the visitor can't fix them
    source = forms.CharField(required=False, widget=forms.HiddenInput)
    campaign = forms.CharField(required=False, widget=forms.HiddenInput)
    # a field people cannot see and bots fill in
    website = forms.CharField(required=False, label=_("Leave this empty"), max_length=200,
                              widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}))
    # stands in for the CSRF cookie a framed form does not get (see web_form_token)
    token = forms.CharField(required=False, max_length=200, widget=forms.HiddenInput)

    def __init__(self, *args, client_ip: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.client_ip = client_ip

    def clean_source(self):
        return self.cleaned_data["source"][:32]

    def clean_campaign(self):
        return self.cleaned_data["campaign"][:200]

    def clean(self):
        data = super().clean()
        if not web_form_token_valid(data.get("token", ""), self.client_ip):
            self.add_error(None, forms.ValidationError(
                _("This form was open too long or came from elsewhere: please send it again."), code="token"))
        self.require_a_way_to_answer(data)
        return data


# --- the web-to-lead form's token -------------------------------------------------------------
# The form may be framed by another site, where the browser sends no SameSite CSRF cookie, so
# Django's CSRF check cannot run. What CSRF would still prevent here is a third-party page making
# its visitors' browsers post leads, each from its own address, past the per-address rate limit.
# Instead the page carries a signed token bound to the address it was shown to and valid for a
# day: another site's page cannot read it (same-origin policy), and a token its server fetched is
# good only from the server's own address.

WEB_FORM_TOKEN_SALT = "kehu.sales.web-to-lead"  # noqa: S105 (a signing salt, not a secret)
WEB_FORM_TOKEN_MAX_AGE = 24 * 3600


def _address_digest(client_ip: str) -> str:
    return hashlib.sha256((client_ip or "").encode()).hexdigest()[:16]


def web_form_token(client_ip: str) -> str:
    return signing.dumps(_address_digest(client_ip), salt=WEB_FORM_TOKEN_SALT, compress=False)


def web_form_token_valid(token: str, client_ip: str) -> bool:
    try:
        return signing.loads(token or "", salt=WEB_FORM_TOKEN_SALT,
                             max_age=WEB_FORM_TOKEN_MAX_AGE) == _address_digest(client_ip)
    except signing.BadSignature:  # also SignatureExpired
        return False
