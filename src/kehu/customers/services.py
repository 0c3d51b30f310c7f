"""The one write path for the customer information file.

Views, API, CLI, import and tasks call these functions; each owns its transaction and writes the
audit entry (who, what, old → new) inside it. Input is validated here, so every caller gets the
same errors: ``ValidationError`` keyed by field, or ``StaleVersion`` for an outdated edit.
"""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from kehu.customers.custom_fields import clean_custom_fields
from kehu.customers.models import (
    Address,
    ChannelIdentity,
    Contact,
    Customer,
    CustomerShare,
    Interaction,
    Tag,
)
from kehu.customers.normalize import normalize_identity, normalize_phone
from kehu.privacy import audit


class StaleVersion(Exception):
    """Someone saved the record after this edit was started; nothing was written. Other records'
    stale errors subclass it with their own message, so the API answers each with a 409 and the
    version now stored (``kehu.web.api_errors``)."""

    def __init__(self, current_version: int, message: str | None = None):
        self.current_version = current_version
        super().__init__(message or _("This customer was changed by someone else while you were editing "
                                      "(now version %(v)s). Reload to see their change, then edit again.")
                         % {"v": current_version})


def _match_profile_changed(customer_id: int) -> None:
    """Keep the identity matcher's profile and keys in step (same transaction as the change)."""
    from kehu.identity import profiles

    profiles.refresh([customer_id])


# Changes to these fields change how the customer is recognised (identity app).
MATCHED_FIELDS = {"kind", "display_name", "given_name", "family_name", "legal_name",
                  "registration_number", "id_number", "birth_date"}

CUSTOMER_FIELDS = [
    "kind", "display_name", "given_name", "family_name", "legal_name", "registration_number",
    "id_number", "birth_date", "nature", "lifecycle_stage", "tier", "acquisition_source", "owner", "team",
    "custom_fields",
]


def _compose_display_name(data: dict) -> str:
    if data.get("display_name"):
        return data["display_name"].strip()
    if data.get("kind") == Customer.Kind.ORGANISATION:
        return (data.get("legal_name") or "").strip()
    family, given = (data.get("family_name") or "").strip(), (data.get("given_name") or "").strip()
    # Chinese names read family-first without a space; Latin names given-first.
    if family and given and all(ord(ch) > 0x2E80 for ch in family + given):
        return family + given
    return " ".join(p for p in (given, family) if p)


def _clean_customer(customer: Customer) -> None:
    errors = {}
    try:
        customer.full_clean(exclude=["owner", "team", "tags", "custom_fields"])
    except ValidationError as exc:
        errors.update(exc.message_dict)
    try:
        customer.custom_fields = clean_custom_fields(customer.kind, customer.custom_fields)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def create_customer(actor, *, identities=(), tags=(), **data) -> Customer:
    """Create a customer with its channel identities (list of dicts: channel, value, verified)."""
    unknown = set(data) - set(CUSTOMER_FIELDS)
    if unknown:
        raise TypeError(f"unknown customer fields: {sorted(unknown)}")
    data["display_name"] = _compose_display_name(data)
    if not data["display_name"]:
        raise ValidationError({"display_name": [_("Enter the customer's name (family and given name, "
                                                  "or the legal name of an organisation).")]})
    customer = Customer(**data)
    if customer.owner_id is None and actor is not None and actor.is_authenticated:
        customer.owner = actor
    _clean_customer(customer)
    customer.save()
    changes = audit.diff({}, audit.snapshot(customer, CUSTOMER_FIELDS))
    if tags:
        changes["tags"] = [None, [t.name for t in set_tags(actor, customer, tags, audited=False)]]
    audit.record(actor, "create", customer, customer_id=customer.pk, changes=changes)
    errors = {}
    for i, ident in enumerate(identities):
        try:
            add_identity(actor, customer, **ident)
        except ValidationError as exc:
            errors[f"identities.{i}.{ident.get('channel', 'value')}"] = exc.messages
    if errors:
        raise ValidationError(errors)
    _match_profile_changed(customer.pk)
    return customer


@transaction.atomic
def update_customer(actor, customer: Customer, *, expected_version: int, **changes) -> Customer:
    """Apply ``changes`` if the customer is still at ``expected_version``; bump the version.

    The check and the write are one UPDATE … WHERE version = expected, so two people editing the
    same customer cannot overwrite each other, on SQLite or PostgreSQL.
    """
    unknown = set(changes) - set(CUSTOMER_FIELDS)
    if unknown:
        raise TypeError(f"unknown customer fields: {sorted(unknown)}")
    fresh = Customer.objects.get(pk=customer.pk)
    before = audit.snapshot(fresh, CUSTOMER_FIELDS)
    for name, value in changes.items():
        setattr(fresh, name, value)
    if "display_name" in changes and not (changes["display_name"] or "").strip():
        # "Leave empty to build it from the names", as on create
        fresh.display_name = _compose_display_name(
            {f: getattr(fresh, f) for f in ("kind", "legal_name", "family_name", "given_name")})
    _clean_customer(fresh)
    after = audit.snapshot(fresh, CUSTOMER_FIELDS)
    delta = audit.diff(before, after)
    if not delta:
        if fresh.version != expected_version:
            raise StaleVersion(fresh.version)
        return fresh
    attnames = [Customer._meta.get_field(name).attname for name in changes]
    values = {attname: getattr(fresh, attname) for attname in attnames}
    updated = Customer.objects.filter(pk=customer.pk, version=expected_version).update(
        version=F("version") + 1, updated_at=timezone.now(), **values
    )
    if not updated:
        raise StaleVersion(Customer.objects.values_list("version", flat=True).get(pk=customer.pk))
    audit.record(actor, "update", fresh, customer_id=fresh.pk, changes=delta)
    if MATCHED_FIELDS & set(delta):
        _match_profile_changed(fresh.pk)
    fresh.refresh_from_db()
    return fresh


@transaction.atomic
def delete_customer(actor, customer: Customer) -> None:
    audit.record(actor, "delete", customer, customer_id=None,
                 changes=audit.diff({}, audit.snapshot(customer, ["display_name", "kind"])))
    customer.delete()


@transaction.atomic
def set_tags(actor, customer: Customer, names, *, audited: bool = True) -> list[Tag]:
    names = sorted({n.strip() for n in names if n and n.strip()})
    before = sorted(customer.tags.values_list("name", flat=True))
    existing = {t.name: t for t in Tag.objects.filter(name__in=names)}
    missing = [Tag(name=n) for n in names if n not in existing]
    if missing:
        Tag.objects.bulk_create(missing, ignore_conflicts=True)
        existing = {t.name: t for t in Tag.objects.filter(name__in=names)}
    tags = [existing[n] for n in names]
    customer.tags.set(tags)
    if audited and before != names:
        audit.record(actor, "update", customer, customer_id=customer.pk, changes={"tags": [before, names]})
    return tags


@transaction.atomic
def share_customer(actor, customer: Customer, team) -> CustomerShare:
    share, created = CustomerShare.objects.get_or_create(customer=customer, team=team)
    if created:
        audit.record(actor, "create", share, customer_id=customer.pk, changes={"team": [None, team.pk]})
    return share


# --- Child records: identities, contacts, addresses, interactions --------------------------

IDENTITY_FIELDS = ["channel", "value", "normalized", "verified", "is_primary"]
CONTACT_FIELDS = ["name", "role", "phone", "email", "is_primary"]
ADDRESS_FIELDS = ["kind", "country", "province", "city", "district", "line1", "postal_code", "is_primary"]
INTERACTION_FIELDS = ["channel", "direction", "type", "subject", "notes", "occurred_at", "user"]


def _save_child(actor, instance, fields, *, exclude=("customer",)):
    """Validate, save and audit a child row of a customer (create or update)."""
    creating = instance.pk is None
    before = {} if creating else audit.snapshot(type(instance).objects.get(pk=instance.pk), fields)
    instance.full_clean(exclude=list(exclude), validate_constraints=False)
    instance.save()
    delta = audit.diff(before, audit.snapshot(instance, fields))
    if creating or delta:
        audit.record(actor, "create" if creating else "update", instance,
                     customer_id=instance.customer_id, changes=delta)
    return instance


def _demote_other_primaries(instance, **same):
    """One primary per customer (and per ``same`` fields, e.g. channel): the new one wins."""
    if instance.is_primary:
        type(instance).objects.filter(customer_id=instance.customer_id, is_primary=True, **same).exclude(
            pk=instance.pk).update(is_primary=False)


def _delete_child(actor, instance, fields):
    audit.record(actor, "delete", instance, customer_id=instance.customer_id,
                 changes=audit.diff({}, audit.snapshot(instance, fields)))
    instance.delete()


@transaction.atomic
def add_identity(actor, customer, *, channel: str, value: str, verified: bool = False,
                 is_primary: bool = False) -> ChannelIdentity:
    return save_identity(actor, ChannelIdentity(customer=customer), channel=channel, value=value,
                         verified=verified, is_primary=is_primary)


@transaction.atomic
def save_identity(actor, identity: ChannelIdentity, *, channel: str, value: str,
                  verified: bool = False, is_primary: bool = False) -> ChannelIdentity:
    try:
        normalized = normalize_identity(channel, value)
    except ValidationError as exc:
        raise ValidationError({"value": exc.messages}) from None
    clash = ChannelIdentity.objects.filter(channel=channel, normalized=normalized)
    if identity.pk:
        clash = clash.exclude(pk=identity.pk)
    if clash.exists():
        # Never say which customer: the other one may be invisible to this user.
        raise ValidationError({"value": [_("%(value)s is already recorded for another customer. "
                                           "Merge the two customers instead of adding it twice.")
                                         % {"value": value}]})
    identity.channel, identity.value, identity.normalized = channel, value.strip(), normalized
    identity.verified, identity.is_primary = verified, is_primary
    _demote_other_primaries(identity, channel=channel)
    try:
        with transaction.atomic():
            saved = _save_child(actor, identity, IDENTITY_FIELDS)
        _match_profile_changed(saved.customer_id)
        return saved
    except IntegrityError:  # lost a race with a concurrent insert of the same value
        raise ValidationError({"value": [_("%(value)s is already recorded for another customer.")
                                         % {"value": value}]}) from None


def delete_identity(actor, identity):
    with transaction.atomic():
        _delete_child(actor, identity, IDENTITY_FIELDS)
        _match_profile_changed(identity.customer_id)


@transaction.atomic
def save_contact(actor, contact: Contact, **fields) -> Contact:
    for name, value in fields.items():
        setattr(contact, name, value)
    if contact.phone:
        try:
            contact.phone = normalize_phone(contact.phone)
        except ValidationError as exc:
            raise ValidationError({"phone": exc.messages}) from None
    _demote_other_primaries(contact)
    return _save_child(actor, contact, CONTACT_FIELDS)


def delete_contact(actor, contact):
    with transaction.atomic():
        _delete_child(actor, contact, CONTACT_FIELDS)


@transaction.atomic
def save_address(actor, address: Address, **fields) -> Address:
    for name, value in fields.items():
        setattr(address, name, value)
    _demote_other_primaries(address)
    saved = _save_child(actor, address, ADDRESS_FIELDS)
    _match_profile_changed(saved.customer_id)
    return saved


def delete_address(actor, address):
    with transaction.atomic():
        _delete_child(actor, address, ADDRESS_FIELDS)
        _match_profile_changed(address.customer_id)


@transaction.atomic
def save_interaction(actor, interaction: Interaction, **fields) -> Interaction:
    for name, value in fields.items():
        setattr(interaction, name, value)
    if interaction.user_id is None and actor is not None and actor.is_authenticated:
        interaction.user = actor
    return _save_child(actor, interaction, INTERACTION_FIELDS, exclude=("customer", "user"))


def delete_interaction(actor, interaction):
    with transaction.atomic():
        _delete_child(actor, interaction, INTERACTION_FIELDS)
