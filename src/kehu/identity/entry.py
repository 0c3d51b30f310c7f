"""Matching on entry: what the create/edit form, the API and the importer do with a new record.

A *sure* match (see ``services.SURE``) links the new channel identities to the existing customer
when ``KEHU_IDENTITY_LINK_SURE`` is on (the default) and the user may see and change that
customer; a *probable* one becomes a "possible duplicate of …" warning the user must confirm.
Customers the user cannot see are never named: the warning only says one exists.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction

from kehu.customers import services as customer_services
from kehu.customers.access import visible_customers
from kehu.customers.models import ChannelIdentity, Customer
from kehu.customers.normalize import normalize_identity
from kehu.identity import presentation, services


@dataclass
class Warning:
    customer: Customer | None  # None: a customer this user may not see
    customer_id: int
    probability: float
    evidence: list[dict] = field(default_factory=list)  # labelled for people
    sure: bool = False
    raw_evidence: list[dict] = field(default_factory=list)  # stable codes, for the API


@dataclass
class EntryCheck:
    warnings: list[Warning]
    link_to: Customer | None = None  # a sure match the new identities may be linked to


def check(user, data: dict, identities=(), *, exclude: int | None = None) -> EntryCheck:
    record = services.record_from_customer_data(data, identities)
    matches = services.find_matches(record, exclude={exclude} if exclude else frozenset())
    if not matches:
        return EntryCheck([])
    visible = {c.pk: c for c in visible_customers(user).filter(pk__in=[m.customer_id for m in matches])}
    warnings = [Warning(visible.get(m.customer_id), m.customer_id, m.probability,
                        presentation.evidence_rows(m.evidence), m.sure, m.evidence)
                for m in matches[:5]]
    link_to = None
    first = warnings[0]
    if (first.sure and first.customer is not None and services.link_sure_matches_enabled()
            and user.has_perm("customers.add_channelidentity") and exclude is None):
        link_to = first.customer
    return EntryCheck(warnings, link_to)


@transaction.atomic
def link_identities(actor, customer: Customer, identities) -> list[ChannelIdentity]:
    """Add the new record's phones/emails the customer does not have yet (source: recognised)."""
    added = []
    existing = set(customer.identities.values_list("channel", "normalized"))
    for ident in identities:
        try:
            normalized = normalize_identity(ident["channel"], ident["value"])
        except ValidationError:
            continue
        if (ident["channel"], normalized) in existing:
            continue
        identity = ChannelIdentity(customer=customer, source=ChannelIdentity.Source.MATCH)
        added.append(customer_services.save_identity(
            actor, identity, channel=ident["channel"], value=ident["value"],
            verified=bool(ident.get("verified")), is_primary=False))
    return added
