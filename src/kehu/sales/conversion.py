"""Converting a qualified lead: it becomes a customer, or is linked to the customer it already is.

Never a silent duplicate: before anything is written the identity matcher and the exact owners of
the lead's phone and email are asked who the lead may be (``candidates``). When there is anyone,
the caller must choose — link to one of them (``customer=``) or create a new customer anyway
(``create_new=True``); without a choice the conversion is refused (``ChooseCustomer``, a 409 in
the API). A new customer gets the lead's phone, email and WeChat as channel identities (through
``customers.services.create_customer``), its acquisition source from the lead's source and its
referrer (``referred_by``) from the lead's referrer; a linked customer gets those only where it
has none. A referrer that would close a loop in the referral graph (a customer referred by
itself, or by someone it referred, however far down) is refused. An opportunity may be opened on
the way. One transaction, every write audited.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from kehu.accounts.actors import person_or_none, require
from kehu.customers import services as customers
from kehu.customers.access import visible_customers
from kehu.customers.models import ChannelIdentity, Contact, Customer
from kehu.customers.normalize import normalize_identity
from kehu.privacy import audit
from kehu.sales.leads import (
    LEAD_FIELDS,
    CustomerCandidate,
    customer_candidates,
    lock_lead,
    save_changes,
)
from kehu.sales.models import Lead, Opportunity
from kehu.sales.referrals import would_cycle as referral_loop  # the graph's one loop check


class ChooseCustomer(ValidationError):
    """The lead may already be a customer: link it to one of ``candidates`` or create a new one
    explicitly. Nothing was written."""

    def __init__(self, candidates: list[CustomerCandidate]):
        self.candidates = candidates
        super().__init__({"customer": [_(
            "This lead may already be a customer (%(n)d possible match(es)). Choose the customer to link it "
            "to, or choose to create a new customer anyway.") % {"n": len(candidates)}]}, code="choose_customer")


@dataclass
class Conversion:
    lead: Lead
    customer: Customer
    created: bool  # a new customer (else the lead was linked to an existing one)
    opportunity: Opportunity | None = None


def candidates(user, lead: Lead) -> list[CustomerCandidate]:
    """Who the lead may already be (for the convert page and the service's refusal)."""
    return customer_candidates(user, name=lead.name, phone=lead.phone_normalized, email=lead.email_normalized)


# --- the referral graph ----------------------------------------------------------------------------

def _referrer_of(lead: Lead) -> Customer | None:
    """The customer who referred the lead (a contact's customer), followed through merges."""
    referrer = lead.referrer_customer
    if referrer is None and lead.referrer_contact_id:
        referrer = Contact.objects.select_related("customer").get(pk=lead.referrer_contact_id).customer
    seen = set()
    while referrer is not None and referrer.merged_into_id and referrer.pk not in seen:
        seen.add(referrer.pk)
        referrer = Customer.objects.get(pk=referrer.merged_into_id)
    return referrer


def _set_origin(actor, customer: Customer, *, source: str, referrer: Customer | None, only_empty: bool) -> Customer:
    """Write the customer's acquisition source and referrer (where empty, when ``only_empty``) in
    one version-checked UPDATE, audited; a referrer that would close a loop is refused."""
    changes = {}
    if source and (not only_empty or not customer.acquisition_source) and customer.acquisition_source != source:
        changes["acquisition_source"] = source
    if referrer is not None and (not only_empty or customer.referred_by_id is None) \
            and customer.referred_by_id != referrer.pk:
        if referral_loop(customer.pk, referrer.pk):
            raise ValidationError({"referrer_customer": [_(
                "%(referrer)s can't be recorded as having referred %(customer)s: %(customer)s is already up "
                "%(referrer)s's referral chain (a referral loop).") % {
                "referrer": referrer.display_name, "customer": customer.display_name}]})
        changes["referred_by_id"] = referrer.pk
    if not changes:
        return customer
    before = {"acquisition_source": customer.acquisition_source, "referred_by": customer.referred_by_id}
    updated = Customer.objects.filter(pk=customer.pk, version=customer.version).update(
        version=F("version") + 1, updated_at=timezone.now(), **changes)
    if not updated:
        raise customers.StaleVersion(Customer.objects.values_list("version", flat=True).get(pk=customer.pk))
    after = {"acquisition_source": changes.get("acquisition_source", before["acquisition_source"]),
             "referred_by": changes.get("referred_by_id", before["referred_by"])}
    audit.record(actor, "update", customer, customer_id=customer.pk, changes=audit.diff(before, after))
    customer.refresh_from_db()
    return customer


# --- converting ------------------------------------------------------------------------------------

def _identities(lead: Lead) -> list[dict]:
    return [{"channel": channel, "value": value, "is_primary": True}
            for channel, value in (("phone", lead.phone_normalized), ("email", lead.email_normalized),
                                   ("wechat", lead.wechat)) if value]


def _clashes(lead: Lead) -> list[str]:
    """The lead's phone/email already belong to a customer: a new customer can't have them."""
    taken = []
    for ident in _identities(lead):
        try:
            normalized = normalize_identity(ident["channel"], ident["value"])
        except ValidationError:
            continue
        if ChannelIdentity.objects.filter(channel=ident["channel"], normalized=normalized).exists():
            taken.append(ident["value"])
    return taken


def _new_customer(actor, lead: Lead) -> Customer:
    require(actor, "customers.add_customer")
    taken = _clashes(lead)
    if taken:
        # never say whose: that customer may be invisible to this user
        raise ValidationError({"customer": [_(
            "%(values)s already belong(s) to an existing customer: link the lead to that customer instead of "
            "creating a new one (ask a manager if you can't see it).") % {"values": ", ".join(taken)}]})
    organisation = lead.kind == Customer.Kind.ORGANISATION
    data = {"kind": lead.kind or Customer.Kind.PERSON,
            "nature": lead.nature or (Customer.Nature.COMPANY if organisation else Customer.Nature.INDIVIDUAL),
            "acquisition_source": lead.source.customer_source,
            "owner": lead.owner or person_or_none(actor), "team": lead.team}
    if organisation:
        data["legal_name"] = data["display_name"] = lead.company or lead.name
    else:
        data["display_name"] = lead.name
    customer = customers.create_customer(actor, identities=_identities(lead), **data)
    if organisation and lead.company and lead.name != lead.company:
        # the person we talked to is the organisation's contact
        customers.save_contact(actor, Contact(customer=customer), name=lead.name[:120], role=lead.job_title[:120],
                               phone=lead.phone_normalized, email=lead.email_normalized, is_primary=True)
    return customer


def _linked_customer(actor, customer: Customer) -> Customer:
    if actor is not None:
        if not visible_customers(actor).filter(pk=customer.pk).exists():
            raise ValidationError({"customer": [_("No customer you can see has this id.")]})
        require(actor, "customers.change_customer")
    fresh = Customer.objects.select_for_update().filter(pk=customer.pk, merged_into__isnull=True).first()
    if fresh is None:
        raise ValidationError({"customer": [_("This customer was merged into another one: link to that one.")]})
    return fresh


@transaction.atomic
def convert_lead(actor, lead: Lead, *, customer: Customer | None = None, create_new: bool = False,
                 opportunity: dict | None = None, expected_version: int) -> Conversion:
    """Convert a qualified lead (see the module's docstring). ``opportunity``: {name, amount,
    expected_close} to open one for the customer. Raises ``ChooseCustomer`` when the lead may
    already be a customer and neither ``customer`` nor ``create_new`` says what to do."""
    require(actor, "sales.convert_lead")
    fresh = lock_lead(lead, expected_version)
    if fresh.status == Lead.Status.CONVERTED:
        raise ValidationError({"status": [_("This lead has already been converted.")]})
    if fresh.status != Lead.Status.QUALIFIED:
        raise ValidationError({"status": [_("Qualify the lead before converting it (it is “%(status)s”).") % {
            "status": fresh.get_status_display()}]})
    if customer is not None and create_new:
        raise ValidationError({"customer": [_("Either link the lead to a customer or create a new one, not both.")]})
    if customer is None and not create_new:
        found = candidates(actor, fresh)
        if found:
            raise ChooseCustomer(found)
    referrer = _referrer_of(fresh)
    if customer is not None:
        target = _linked_customer(actor, customer)
        if referrer is not None and referrer.pk == target.pk:
            raise ValidationError({"referrer_customer": [_(
                "The lead's referrer is the customer you are linking it to: a customer can't refer themselves. "
                "Correct the referrer first.")]})
        target = _set_origin(actor, target, source=fresh.source.customer_source, referrer=referrer, only_empty=True)
        created = False
    else:
        target = _new_customer(actor, fresh)
        target = _set_origin(actor, target, source="", referrer=referrer, only_empty=True)
        created = True
    deal = None
    if opportunity:
        from kehu.sales.pipeline import create_opportunity

        deal = create_opportunity(actor, customer=target, lead=fresh, name=opportunity.get("name") or fresh.name,
                                  amount=opportunity.get("amount") or 0,
                                  expected_close=opportunity.get("expected_close"),
                                  owner=fresh.owner or person_or_none(actor))
    before = audit.snapshot(fresh, LEAD_FIELDS)
    now = timezone.now()
    fresh.status, fresh.customer = Lead.Status.CONVERTED, target
    fresh.converted_at = fresh.closed_at = now
    fresh.converted_by = person_or_none(actor)
    fresh = save_changes(actor, fresh, before, action="update")
    return Conversion(fresh, target, created, deal)
