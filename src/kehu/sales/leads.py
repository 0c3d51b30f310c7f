"""The one write path for leads: creating and editing them, moving their status, and telling the
user who they might already be.

Views, the API, the import, the public web-to-lead form and the demo data all call these
functions; each owns its transaction, its version check and its audit entry, so every caller gets
the same errors: ``ValidationError`` keyed by field, or ``StaleLead`` (a 409 in the API) for an
edit started before someone else's save.

The rules (CONCEPTS §4, issue 7):
- contact data is normalised like customers' (``kehu.customers.normalize``): the phone to E.164
  in ``phone_normalized``, the email lower-cased in ``email_normalized``; a bad one is a field
  error, never a silently dropped value;
- a source is required; a referral source (``needs_referrer``) requires the referrer, a customer or
  a contact the user may see (an invisible id is "not found", so nothing leaks), and a converted
  lead's referrer can't be its own customer;
- the owner defaults to the actor and the team follows the owner;
- new → contacted → qualified; disqualifying needs a reason (and keeps the note); a disqualified
  lead can be reopened; conversion is ``kehu.sales.conversion``.
Possible duplicates (leads with the same phone or email, customers the identity matcher finds)
are a warning with links, never a refusal.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from kehu.accounts.actors import person_or_none, require
from kehu.accounts.models import TeamMembership
from kehu.customers.access import customer_scope_for, visible_customers
from kehu.customers.models import ChannelIdentity, Contact, Customer
from kehu.customers.normalize import exact_contact, normalize_email, normalize_phone, to_halfwidth
from kehu.customers.services import StaleVersion
from kehu.env import env_str
from kehu.privacy import audit
from kehu.sales.access import lead_scope
from kehu.sales.models import DisqualifyReason, Lead, LeadSource

logger = logging.getLogger(__name__)

# what the audit trail records of a lead
LEAD_FIELDS = ["kind", "name", "company", "job_title", "phone", "phone_normalized", "email", "email_normalized",
               "wechat", "region", "company_size", "nature", "channel", "source", "campaign", "referrer_customer",
               "referrer_contact", "owner", "team", "status", "disqualify_reason", "disqualify_note", "notes",
               "customer", "converted_at", "converted_by", "closed_at"]
# what a caller may set (status, conversion and scores have their own functions)
EDITABLE = {"kind", "name", "company", "job_title", "phone", "email", "wechat", "region", "company_size", "nature",
            "channel", "source", "campaign", "referrer_customer", "referrer_contact", "owner", "notes"}
TEXT_LIMITS = {f.name: f.max_length for f in Lead._meta.get_fields()
               if getattr(f, "max_length", None) and f.name in EDITABLE}
NOTES_LIMIT = 20_000
UNSET = object()

Status = Lead.Status
# where a status may go by ``set_status`` (disqualify, reopen and convert have their own functions)
MOVES = {
    Status.NEW: {Status.CONTACTED, Status.QUALIFIED},
    Status.CONTACTED: {Status.QUALIFIED},
    Status.QUALIFIED: {Status.CONTACTED},
    Status.DISQUALIFIED: set(),
    Status.CONVERTED: set(),
}


class StaleLead(StaleVersion):
    """Someone saved the lead after this edit was started; nothing was written. A StaleVersion, so
    the API answers 409 with the current version like for customers."""

    def __init__(self, current_version: int):
        super().__init__(current_version, _("This lead was changed by someone else while you were editing (now "
                                            "version %(v)s). Reload to see their change, then try again.")
                         % {"v": current_version})


def search_leads(qs, query: str):
    """An exact phone or email (through the normalised columns' indexes), else a name or company
    that contains the text (the lead list and the API's ``q``)."""
    query = (query or "").strip()[:100]
    if not query:
        return qs
    exact = exact_contact(query)
    if exact:
        channel, value = exact
        return qs.filter(**{f"{channel}_normalized": value})
    return qs.filter(Q(name__icontains=query) | Q(company__icontains=query))


# --- contact data --------------------------------------------------------------------------------

def clean_text(value) -> str:
    """One line of text as people type it: full-width forms folded, outer spaces and NULs gone."""
    return to_halfwidth(str(value or "")).replace("\x00", "").strip()


def normalise_contact(lead: Lead) -> dict[str, list[str]]:
    """Normalise the lead's phone and email in place (into the ``*_normalized`` fields, the
    entered value kept); returns field errors for values that are not a phone or email."""
    errors: dict[str, list[str]] = {}
    lead.phone = clean_text(lead.phone)
    lead.email = clean_text(lead.email)
    lead.wechat = " ".join(clean_text(lead.wechat).split())
    lead.phone_normalized = lead.email_normalized = ""
    if lead.phone:
        try:
            lead.phone_normalized = normalize_phone(lead.phone)
        except ValidationError as exc:
            errors["phone"] = exc.messages
    if lead.email:
        try:
            lead.email_normalized = normalize_email(lead.email)
        except ValidationError as exc:
            errors["email"] = exc.messages
    return errors


def owners_team_id(owner_id: int | None) -> int | None:
    """The team a lead owned by ``owner_id`` belongs to: the owner's team (the one they manage,
    if several; the oldest membership otherwise)."""
    if owner_id is None:
        return None
    return (TeamMembership.objects.filter(user_id=owner_id).order_by("-is_manager", "pk")
            .values_list("team_id", flat=True).first())


def assignable_owners():
    """Who may own a lead: active users of the roles that work leads."""
    return (get_user_model().objects.filter(is_active=True)
            .filter(Q(is_superuser=True) | Q(groups__name__in=["sales", "manager"])).distinct().order_by("username"))


def _check(actor, lead: Lead) -> None:
    """Every rule of a lead's data; all problems at once, keyed by field."""
    errors = normalise_contact(lead)
    lead.name = clean_text(lead.name)
    for name in ("company", "job_title", "region", "campaign"):
        setattr(lead, name, clean_text(getattr(lead, name)))
    lead.notes = str(lead.notes or "").replace("\x00", "").strip()
    if not lead.name:
        errors["name"] = [_("Enter the lead's name (a person, or the company's name).")]
    for name, limit in TEXT_LIMITS.items():
        value = getattr(lead, name) or ""
        if len(value) > limit and name not in errors:
            errors[name] = [_("At most %(n)d characters (this has %(m)d).") % {"n": limit, "m": len(value)}]
    if len(lead.notes) > NOTES_LIMIT:
        errors["notes"] = [_("At most %(n)d characters (this has %(m)d).") % {"n": NOTES_LIMIT, "m": len(lead.notes)}]
    for name, choices in (("kind", Customer.Kind), ("company_size", Lead.CompanySize), ("nature", Customer.Nature),
                          ("channel", Lead.Channel)):
        value = getattr(lead, name)
        if value and value not in choices.values:
            errors[name] = [_("“%(value)s” is not one of the choices.") % {"value": value}]
    if lead.source_id is None:
        errors["source"] = [_("Choose where the lead came from.")]
    else:
        errors.update(_referrer_errors(actor, lead))
    if errors:
        raise ValidationError(errors)


def _referrer_errors(actor, lead: Lead) -> dict[str, list[str]]:
    source = lead.source
    customer, contact = lead.referrer_customer, lead.referrer_contact
    if customer is None and contact is None:
        if source.needs_referrer:
            return {"referrer_customer": [_("“%(source)s” is a referral: say who referred the lead (a customer or "
                                            "a contact).") % {"source": source.label()}]}
        return {}
    if customer is not None and contact is not None and contact.customer_id != customer.pk:
        return {"referrer_contact": [_("This contact is not one of the referring customer's: give one or the "
                                       "other.")]}
    if actor is not None and customer is not None and not visible_customers(actor).filter(pk=customer.pk).exists():
        return {"referrer_customer": [_("No customer you can see has this id.")]}
    if actor is not None and contact is not None and not Contact.objects.filter(
            customer_scope_for(actor, "customer__"), pk=contact.pk).exists():
        return {"referrer_contact": [_("No contact you can see has this id.")]}
    referrer = customer.pk if customer is not None else contact.customer_id
    if lead.customer_id is not None and referrer == lead.customer_id:
        return {"referrer_customer": [_("A customer can't refer themselves: the referrer is the customer this "
                                        "lead became.")]}
    return {}


# --- create and edit -----------------------------------------------------------------------------

@transaction.atomic
def create_lead(actor, *, source: LeadSource | None, name: str, owner=UNSET, created_by=UNSET, **data) -> Lead:
    """A new lead (status new). ``owner`` defaults to the actor (None: unassigned); its team is the
    owner's. ``data``: the other editable fields."""
    require(actor, "sales.add_lead")
    unknown = set(data) - EDITABLE
    if unknown:
        raise TypeError(f"unknown lead fields: {sorted(unknown)}")
    if source is not None and not source.active:
        raise ValidationError({"source": [_("This source is no longer in use; choose another.")]})
    lead = Lead(source=source, name=name, **data)
    lead.owner = person_or_none(actor) if owner is UNSET else owner
    lead.team_id = owners_team_id(lead.owner_id)
    lead.created_by = person_or_none(actor) if created_by is UNSET else created_by
    _check(actor, lead)
    lead.save()
    audit.record(actor, "create", lead, changes=audit_snapshot(lead))
    return lead


def audit_snapshot(lead: Lead) -> dict:
    """A new lead's audit changes ({field: [None, value]}), for bulk writers (the import)."""
    return audit.diff({}, audit.snapshot(lead, LEAD_FIELDS))


def lock_lead(lead: Lead, expected_version: int | None) -> Lead:
    fresh = Lead.objects.select_for_update(of=("self",)).select_related(
        "source", "referrer_customer", "referrer_contact").get(pk=lead.pk)
    if expected_version is not None and fresh.version != expected_version:
        raise StaleLead(fresh.version)
    return fresh


def save_changes(actor, fresh: Lead, before: dict, *, action: str = "update") -> Lead:
    """Write the changed fields of a locked lead with its version moved on, and audit them."""
    delta = audit.diff(before, audit.snapshot(fresh, LEAD_FIELDS))
    if not delta:
        return fresh
    names = [name for name in LEAD_FIELDS if name in delta]
    values = {Lead._meta.get_field(n).attname: getattr(fresh, Lead._meta.get_field(n).attname) for n in names}
    Lead.objects.filter(pk=fresh.pk).update(version=F("version") + 1, updated_at=timezone.now(), **values)
    audit.record(actor, action, fresh, customer_id=fresh.customer_id, changes=delta)
    fresh.refresh_from_db()
    return fresh


@transaction.atomic
def update_lead(actor, lead: Lead, *, expected_version: int, **changes) -> Lead:
    """Apply ``changes`` if the lead is still at ``expected_version`` (one locked read, one
    UPDATE); a new owner brings their team."""
    require(actor, "sales.change_lead")
    unknown = set(changes) - EDITABLE
    if unknown:
        raise TypeError(f"unknown lead fields: {sorted(unknown)}")
    fresh = lock_lead(lead, expected_version)
    before = audit.snapshot(fresh, LEAD_FIELDS)
    if "source" in changes and changes["source"] is not None and changes["source"].pk != fresh.source_id \
            and not changes["source"].active:
        raise ValidationError({"source": [_("This source is no longer in use; choose another.")]})
    for name, value in changes.items():
        setattr(fresh, name, value)
    if "owner" in changes and fresh.owner_id != before["owner"]:
        fresh.team_id = owners_team_id(fresh.owner_id)
    _check(actor, fresh)
    return save_changes(actor, fresh, before)


# --- status --------------------------------------------------------------------------------------

@transaction.atomic
def set_status(actor, lead: Lead, status: str, *, expected_version: int) -> Lead:
    """new → contacted → qualified (and qualified back to contacted)."""
    require(actor, "sales.change_lead")
    fresh = lock_lead(lead, expected_version)
    if status == fresh.status:
        return fresh
    if status not in MOVES.get(fresh.status, set()):
        raise ValidationError({"status": [_("A lead that is “%(now)s” can't be marked “%(then)s”.") % {
            "now": fresh.get_status_display(), "then": Status(status).label if status in Status.values else status}]})
    before = audit.snapshot(fresh, LEAD_FIELDS)
    fresh.status = status
    return save_changes(actor, fresh, before)


@transaction.atomic
def disqualify_lead(actor, lead: Lead, *, reason: DisqualifyReason | None, note: str = "",
                    expected_version: int) -> Lead:
    """Close an open lead as disqualified, with the reason and the note kept (the lead score
    learns from these as not converted)."""
    require(actor, "sales.change_lead")
    fresh = lock_lead(lead, expected_version)
    if fresh.status in (Status.DISQUALIFIED, Status.CONVERTED):
        raise ValidationError({"status": [_("Only an open lead can be disqualified.")]})
    if reason is None:
        raise ValidationError({"disqualify_reason": [_("Choose why the lead is disqualified.")]})
    note = clean_text(note)
    if len(note) > 500:
        raise ValidationError({"disqualify_note": [_("At most %(n)d characters (this has %(m)d).") % {
            "n": 500, "m": len(note)}]})
    before = audit.snapshot(fresh, LEAD_FIELDS)
    fresh.status, fresh.disqualify_reason, fresh.disqualify_note = Status.DISQUALIFIED, reason, note
    fresh.closed_at = timezone.now()
    return save_changes(actor, fresh, before)


@transaction.atomic
def reopen_lead(actor, lead: Lead, *, expected_version: int) -> Lead:
    """A disqualified lead back to new (the reason and note stay in the audit trail)."""
    require(actor, "sales.change_lead")
    fresh = lock_lead(lead, expected_version)
    if fresh.status != Status.DISQUALIFIED:
        raise ValidationError({"status": [_("Only a disqualified lead can be reopened.")]})
    before = audit.snapshot(fresh, LEAD_FIELDS)
    fresh.status, fresh.disqualify_reason, fresh.disqualify_note, fresh.closed_at = Status.NEW, None, "", None
    return save_changes(actor, fresh, before)


# --- who might this be ---------------------------------------------------------------------------

@dataclass
class CustomerCandidate:
    customer_id: int
    customer: Customer | None  # None: a customer this user may not see (never named)
    probability: float
    same: str = ""  # "phone" / "email": the lead's phone or email is this customer's
    evidence: list[dict] = field(default_factory=list)  # labelled rows for people
    raw_evidence: list[dict] = field(default_factory=list)  # stable codes, for the API


@dataclass
class Duplicates:
    leads: list[Lead]  # other leads with the same phone or email the user may open
    hidden_leads: int  # … and those they may not
    customers: list[CustomerCandidate]

    def __bool__(self) -> bool:
        return bool(self.leads or self.hidden_leads or self.customers)


def _normalised(phone: str, email: str) -> tuple[str, str]:
    out = []
    for value, normalise in ((phone, normalize_phone), (email, normalize_email)):
        try:
            out.append(normalise(value) if clean_text(value) else "")
        except ValidationError:
            out.append("")
    return out[0], out[1]


def customer_candidates(user, *, name: str = "", phone: str = "", email: str = "",
                        limit: int = 5) -> list[CustomerCandidate]:
    """Customers this might be: the owners of the phone and email (an identity belongs to one
    customer, like ``kehu.service.intake.sure_customer``), then the identity matcher's probable
    matches (name, phone, email), most likely first."""
    from kehu.identity import presentation
    from kehu.identity.services import find_matches

    phone, email = _normalised(phone, email)
    found: dict[int, CustomerCandidate] = {}
    exact = Q(pk__in=[])
    if phone:
        exact |= Q(channel="phone", normalized=phone)
    if email:
        exact |= Q(channel="email", normalized=email)
    for customer_id, channel in (ChannelIdentity.objects.filter(exact, customer__merged_into__isnull=True)
                                 .order_by("channel").values_list("customer_id", "channel")):
        found.setdefault(customer_id, CustomerCandidate(customer_id, None, 1.0, same=channel))
    if clean_text(name) or phone or email:
        record = {"name": clean_text(name) or None, "phone": phone or None, "email": email or None}
        for match in find_matches(record)[:limit]:
            known = found.get(match.customer_id)
            rows = presentation.evidence_rows(match.evidence)
            if known is None:
                found[match.customer_id] = CustomerCandidate(match.customer_id, None, match.probability,
                                                             evidence=rows, raw_evidence=match.evidence)
            else:
                known.evidence, known.raw_evidence = rows, match.evidence
    ranked = sorted(found.values(), key=lambda c: (-c.probability, c.customer_id))[:limit]
    if ranked:
        visible = visible_customers(user).in_bulk([c.customer_id for c in ranked])
        for candidate in ranked:
            candidate.customer = visible.get(candidate.customer_id)
    return ranked


def find_duplicates(user, *, name: str = "", phone: str = "", email: str = "", exclude: int | None = None,
                    limit: int = 5) -> Duplicates:
    """Possible duplicates of a lead being entered (or of lead ``exclude``): leads with the same
    normalised phone or email (through their partial indexes) and customers it may be."""
    phone_n, email_n = _normalised(phone, email)
    same = Q(pk__in=[])
    if phone_n:
        same |= Q(phone_normalized=phone_n)
    if email_n:
        same |= Q(email_normalized=email_n)
    leads, hidden = [], 0
    if phone_n or email_n:
        others = Lead.objects.filter(same)
        if exclude is not None:
            others = others.exclude(pk=exclude)
        mine = others.filter(lead_scope(user))
        leads = list(mine.select_related("source", "owner").order_by("-created_at", "-id")[:limit])
        hidden = others.count() - (len(leads) if len(leads) < limit else mine.count())
    customers = customer_candidates(user, name=name, phone=phone, email=email, limit=limit)
    return Duplicates(leads, hidden, customers)


def duplicates_of(user, lead: Lead) -> Duplicates:
    if lead.status == Status.CONVERTED:  # it is a customer now: nothing to warn about
        return Duplicates([], 0, [])
    return find_duplicates(user, name=lead.name, phone=lead.phone_normalized, email=lead.email_normalized,
                           exclude=lead.pk)


# --- the public web-to-lead form -----------------------------------------------------------------

WEB_SOURCE = "online"


def web_lead_owner():
    """The user named by ``KEHU_WEB_LEAD_OWNER`` (a user name; empty: web leads stay unassigned,
    seen by those who see every lead until someone takes them)."""
    username = getattr(settings, "KEHU_WEB_LEAD_OWNER", None)
    if username is None:
        username = env_str("KEHU_WEB_LEAD_OWNER", "")
    if not username:
        return None
    owner = get_user_model().objects.filter(username=username, is_active=True).first()
    if owner is None:
        logger.warning("KEHU_WEB_LEAD_OWNER names no active user (%r): web leads stay unassigned", username)
    return owner


def web_source(code: str | None) -> LeadSource | None:
    """The source a web form preset names (an active one that needs no referrer: a visitor can't
    pick one of our customers), else the online source."""
    if code:
        preset = LeadSource.objects.filter(code=code, active=True, needs_referrer=False).first()
        if preset is not None:
            return preset
    return (LeadSource.objects.filter(code=WEB_SOURCE, active=True).first()
            or LeadSource.objects.filter(active=True, needs_referrer=False).order_by("position", "pk").first())


def submit_web_lead(*, name: str, phone: str = "", email: str = "", company: str = "", message: str = "",
                    referred_by: str = "", source_code: str | None = None, campaign: str = "",
                    language: str = "") -> Lead:
    """A lead from the public form (already shape-checked by the form). Who recommended us, when
    the visitor says, goes into the notes for the owner to record as the referrer."""
    notes = [message.strip()] if message.strip() else []
    if referred_by.strip():
        notes.append(_("Recommended by (as the visitor wrote it): %(who)s") % {"who": referred_by.strip()})
    if language:
        notes.append(_("Sent from the web form (%(language)s).") % {"language": language})
    return create_lead(None, source=web_source(source_code), name=name, phone=phone, email=email, company=company,
                       campaign=campaign[:200], channel=Lead.Channel.WEB, notes="\n".join(notes),
                       owner=web_lead_owner(), created_by=None)
