"""Customers: upsert by a key, flag possible duplicates with the identity matcher, write in bulk.

A row is, in this order: an update of the customer its upsert key names; a possible duplicate
(its phone or email already belongs to a customer, or the matcher scores a customer ≥ 0.5), left
to the user's decision (link = update that customer, create = a new customer, skip); or a new
customer. New customers, their identities, address, tags, match profiles and audit entries go in
as one bulk write per table; updates go through the ORM (they are few and need their old values).
"""

from __future__ import annotations

import re

import polars as pl
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from kehu.customers import access
from kehu.customers.models import Address, ChannelIdentity, Customer, Tag
from kehu.customers.normalize import normalize_identity
from kehu.imports import writing
from kehu.imports.targets.base import CREATE, DUPLICATE, SKIP, UPDATE, Handler, Plan, PlannedRow
from kehu.imports.validate import CUSTOM, RowError
from kehu.privacy import audit
from kehu.privacy.models import AuditEntry

SCALARS = ("kind", "external_id", "display_name", "given_name", "family_name", "legal_name",
           "registration_number", "id_number", "birth_date", "nature", "lifecycle_stage", "tier",
           "acquisition_source")
DEFAULTS = {"kind": "person", "nature": "individual", "lifecycle_stage": "prospect"}
IDENTITY_FIELDS = (("phone", "phone"), ("phone2", "phone"), ("email", "email"), ("wechat", "wechat"))
E164 = re.compile(r"\+[1-9]\d{6,14}")  # values.parse already gave phones this form
ADDRESS = ("address_province", "address_city", "address_district", "address_line1", "address_postal_code")


class CustomerImport(Handler):
    unique_in_file = ("external_id", "phone", "phone2", "email")

    def __init__(self, job, actor):
        super().__init__(job, actor)
        self.users = {}
        for uid, username, email in get_user_model().objects.values_list("id", "username", "email"):
            self.users[username.lower()] = uid
            if email:
                self.users.setdefault(email.lower(), uid)
        self.scope = access.customer_scope(actor) if actor is not None else Q()

    # --- plan --------------------------------------------------------------------------------

    def plan(self, chunk) -> Plan:
        errors, planned = [], []
        good = [row for row in chunk.rows if self._check(row, errors)]
        by_key = self._existing_by_key(good)
        taken = self._identities_taken(good)
        unmatched = [r for r in good if r.number not in by_key]
        fuzzy = self._fuzzy(unmatched)
        for row in good:
            if row.number in by_key:
                cid = by_key[row.number]
                if cid is False:
                    errors.append(RowError(row.number, self.job.upsert_key, str(row.data.get(self.job.upsert_key)),
                                           _("matches a customer you may not change")))
                    continue
                planned.append(PlannedRow(row, UPDATE, cid))
            elif row.number in taken:
                cid, what = taken[row.number]
                planned.append(PlannedRow(row, DUPLICATE, cid, 1.0, _("same %(what)s") % {"what": what}))
            elif row.number in fuzzy:
                cid, p = fuzzy[row.number]
                planned.append(PlannedRow(row, DUPLICATE, cid, p, _("similar name and details")))
            else:
                planned.append(PlannedRow(row, CREATE))
        return Plan.of(planned, errors)

    def _check(self, row, errors) -> bool:
        d = row.data
        ok = True
        if not (d.get("display_name") or d.get("family_name") or d.get("given_name") or d.get("legal_name")):
            errors.append(RowError(row.number, "", "", _("the row has no name")))
            ok = False
        owner = d.get("owner")
        if owner:
            uid = self.users.get(str(owner).lower())
            if uid is None:
                errors.append(RowError(row.number, "owner", str(owner), _("no user with this name or email")))
                ok = False
            d["owner_id"] = uid
        for key, channel in IDENTITY_FIELDS:
            if d.get(key) and not (channel == "phone" and E164.fullmatch(str(d[key]))):
                try:
                    d[key] = normalize_identity(channel, str(d[key]))
                except ValidationError as exc:
                    errors.append(RowError(row.number, key, str(d[key]), " ".join(exc.messages)))
                    ok = False
        return ok

    def _existing_by_key(self, rows) -> dict[int, int | bool]:
        key = self.job.upsert_key
        if not key:
            return {}
        wanted = {str(r.data[key]): r.number for r in rows if r.data.get(key)}
        if not wanted:
            return {}
        if key in ("phone", "email"):
            pairs = ChannelIdentity.objects.filter(channel=key, normalized__any=sorted(wanted)).values_list(
                "normalized", "customer_id")
        else:
            pairs = Customer.objects.filter(**{f"{key}__any": sorted(wanted)}, merged_into__isnull=True
                                            ).values_list(key, "id")
        found = {str(v): c for v, c in pairs}
        visible = set(Customer.objects.filter(self.scope, pk__any=sorted(set(found.values())))
                      .values_list("pk", flat=True)) if found else set()
        return {wanted[v]: (cid if cid in visible else False) for v, cid in found.items()}

    def _identities_taken(self, rows) -> dict[int, tuple[int, str]]:
        """Rows whose phone or email already belongs to a customer (the unique identity)."""
        owners = _identity_owners(rows)
        labels = {"phone": _("phone"), "email": _("email")}
        out = {}
        for r in rows:
            for channel, keys in IDENTITY_CHANNELS:
                owner = next((owners[(channel, r.data[k])] for k in keys if (channel, r.data.get(k)) in owners), None)
                if owner is not None and r.number not in out:
                    out[r.number] = (owner, labels[channel])
        return out

    def _fuzzy(self, rows) -> dict[int, tuple[int, float]]:
        from kehu.identity import services as identity

        if not rows:
            return {}
        d = [r.data for r in rows]
        raw = pl.DataFrame({
            "name": [x.get("display_name") or x.get("legal_name") or
                     ((x.get("family_name") or "") + (x.get("given_name") or "")) or None for x in d],
            "given_name": [x.get("given_name") for x in d],
            "surname": [x.get("family_name") for x in d],
            "phone": [";".join(p for p in (x.get("phone"), x.get("phone2")) if p) or None for x in d],
            "email": [x.get("email") for x in d],
            "birth_date": [x["birth_date"].isoformat() if x.get("birth_date") else None for x in d],
            "city": [x.get("address_city") for x in d],
            "address": ["".join(filter(None, (x.get(k) for k in ADDRESS[:4]))) or None for x in d],
            "postcode": [x.get("address_postal_code") for x in d],
            "id_number": [x.get("id_number") or x.get("registration_number") for x in d],
        }, schema={c: pl.Utf8 for c in ("name", "given_name", "surname", "phone", "email", "birth_date",
                                         "city", "address", "postcode", "id_number")})
        found = identity.match_many(raw)
        return {rows[r].number: (c, p) for r, c, p in zip(found["row"].to_list(), found["customer_id"].to_list(),
                                                           found["probability"].to_list(), strict=True)}

    # --- apply -------------------------------------------------------------------------------

    def decide(self, planned: PlannedRow) -> str:
        if planned.action != DUPLICATE:
            return planned.action
        choice = self.job.decisions.get(str(planned.row.number), self.job.duplicates)
        return {"link": UPDATE, "skip": SKIP}.get(choice, CREATE)

    def apply(self, plan: Plan, changes) -> dict:
        creates, updates, review = [], [], []
        for planned in plan.planned:
            action = self.decide(planned)
            if action == CREATE:
                creates.append(planned)
                if planned.action == DUPLICATE:
                    review.append(planned)
            elif action == UPDATE:
                updates.append(planned)
        new_ids = self._create(creates, changes)
        self._update(updates, changes)
        self._queue_for_review(review, new_ids)
        return {"created": len(creates), "updated": len(updates),
                "skipped": len(plan.planned) - len(creates) - len(updates)}

    def _create(self, planned, changes) -> dict[int, int]:
        from kehu.identity import profiles

        if not planned:
            return {}
        now = writing.stamp(timezone.now())
        ids = writing.allocate_ids(Customer, len(planned)).tolist()
        cols = {c: [] for c in ("id", *SCALARS, "owner_id", "team_id", "custom_fields", "created_at",
                                "updated_at", "version", "merged_into_id")}
        identities = {c: [] for c in ("customer_id", "channel", "value", "normalized", "verified",
                                      "is_primary", "source", "created_at")}
        addresses = {c: [] for c in ("customer_id", "kind", "country", "province", "city", "district",
                                     "line1", "postal_code", "is_primary")}
        tag_rows = {"customer_id": [], "tag_id": []}
        owned = set(_identity_owners([p.row for p in planned]))
        tags = self._tags(planned)
        by_row = {}
        for cid, p in zip(ids, planned, strict=True):
            d = p.row.data
            by_row[p.row.number] = cid
            cols["id"].append(cid)
            for key in SCALARS:
                value = d.get(key)
                if key == "display_name" and not value:
                    value = d.get("legal_name") or ((d.get("family_name") or "") + (d.get("given_name") or ""))
                if key == "birth_date" and value is not None:
                    value = value.isoformat()
                if value is None:
                    value = DEFAULTS.get(key, None if key in ("external_id", "birth_date") else "")
                cols[key].append(value)
            cols["owner_id"].append(d.get("owner_id") or (self.actor.pk if self.actor else None))
            cols["team_id"].append(None)
            cols["custom_fields"].append(_custom(d))
            cols["created_at"].append(now)
            cols["updated_at"].append(now)
            cols["version"].append(1)
            cols["merged_into_id"].append(None)
            first = {}
            for key, channel in IDENTITY_FIELDS:
                value = d.get(key)
                if not value or (channel, value) in owned:
                    continue  # already another customer's: the duplicate goes to the review queue
                identities["customer_id"].append(cid)
                identities["channel"].append(channel)
                identities["value"].append(str(value))
                identities["normalized"].append(str(value))
                identities["verified"].append(False)
                identities["is_primary"].append(channel not in first)
                identities["source"].append("import")
                identities["created_at"].append(now)
                first[channel] = True
            if d.get("address_line1"):
                addresses["customer_id"].append(cid)
                addresses["kind"].append(d.get("address_kind") or "home")
                addresses["country"].append("CN")
                for key in ADDRESS[:-1]:
                    addresses[key.removeprefix("address_")].append(d.get(key) or "")
                addresses["postal_code"].append(d.get("address_postal_code") or "")
                addresses["is_primary"].append(True)
            for name in d.get("tags") or ():
                tag_rows["customer_id"].append(cid)
                tag_rows["tag_id"].append(tags[name])
        cols["custom_fields"] = writing.as_json(cols["custom_fields"])
        writing.write(Customer, cols)
        writing.write(ChannelIdentity, identities)
        writing.write(Address, addresses)
        writing.write(Customer.tags.through, tag_rows)
        changes.created(Customer, ids)
        _audit_created(self.actor, ids, cols["display_name"], self.job, now)
        profiles.add_new(*_written_frames(cols, identities, addresses))
        return by_row

    def _tags(self, planned) -> dict[str, int]:
        names = sorted({t[:60] for p in planned for t in (p.row.data.get("tags") or ())})
        existing = dict(Tag.objects.filter(name__in=names).values_list("name", "id"))
        missing = [Tag(name=n) for n in names if n not in existing]
        if missing:
            Tag.objects.bulk_create(missing, ignore_conflicts=True)
            existing = dict(Tag.objects.filter(name__in=names).values_list("name", "id"))
        for p in planned:
            if p.row.data.get("tags"):
                p.row.data["tags"] = [t[:60] for t in p.row.data["tags"]]
        return existing

    def _update(self, planned, changes) -> None:
        from kehu.identity import profiles

        if not planned:
            return
        ids = [p.target_id for p in planned]
        customers = Customer.objects.in_bulk(ids)
        tags = self._tags(planned)
        children = _Children(ids, [p.row for p in planned])
        for p in planned:
            customer = customers.get(p.target_id)
            if customer is None:
                continue
            before = _assign(customer, p.row.data)
            if before:
                customer.save()
                changes.updated(Customer, customer.pk, before)
                audit.record(self.actor, "update", customer, customer_id=customer.pk,
                             changes={k: [v, _plain(getattr(customer, k, None))] for k, v in before.items()
                                      if k != "version"} | {"import": [None, self.job.pk]})
            children.add(customer.pk, p.row.data, [tags[t] for t in p.row.data.get("tags") or () if t in tags])
        children.save(changes)
        profiles.refresh([p.target_id for p in planned if p.target_id in customers])

    def _queue_for_review(self, planned, new_ids) -> None:
        from kehu.identity.models import DuplicateCandidate

        rows = []
        for p in planned:
            new = new_ids.get(p.row.number)
            if new is None or p.target_id is None:
                continue
            a, b = sorted((new, p.target_id))
            rows.append(DuplicateCandidate(customer_a_id=a, customer_b_id=b, probability=p.probability))
        DuplicateCandidate.objects.bulk_create(rows, ignore_conflicts=True)


IDENTITY_CHANNELS = (("phone", ("phone", "phone2")), ("email", ("email",)))


def _identity_owners(rows, channels=IDENTITY_CHANNELS) -> dict[tuple[str, str], int]:
    """(channel, value) → customer id, for the rows' identities already recorded."""
    out = {}
    for channel, keys in channels:
        values = sorted({r.data[k] for r in rows for k in keys if r.data.get(k)})
        if values:
            out.update(((channel, v), cid) for v, cid in ChannelIdentity.objects.filter(
                channel=channel, normalized__any=values).values_list("normalized", "customer_id"))
    return out


def _assign(customer: Customer, d: dict) -> dict:
    """Set the row's non-empty values on ``customer``; returns the previous values it changed
    (and the version it had), empty when nothing changed."""
    before = {}
    for key in SCALARS:
        value = d.get(key)
        if value in (None, "") or key == "external_id" and customer.external_id:
            continue
        if getattr(customer, key) != value:
            before[key] = _plain(getattr(customer, key))
            setattr(customer, key, value)
    if d.get("owner_id") and customer.owner_id != d["owner_id"]:
        before["owner_id"] = customer.owner_id
        customer.owner_id = d["owner_id"]
    custom = _custom(d)
    merged = {**customer.custom_fields, **custom}
    if custom and merged != customer.custom_fields:
        before["custom_fields"] = customer.custom_fields
        customer.custom_fields = merged
    if before:
        before["version"] = customer.version
        customer.version += 1
    return before


class _Children:
    """New identities, addresses and tags for updated customers: what exists is read once for the
    chunk, the new rows are written with one bulk insert per table."""

    def __init__(self, customer_ids, rows):
        self.owners = _identity_owners(rows, (*IDENTITY_CHANNELS, ("wechat", ("wechat",))))
        self.channels, self.lines, self.tags = set(), set(), set()
        ids = sorted(set(customer_ids))
        self.channels.update(ChannelIdentity.objects.filter(customer_id__any=ids).values_list("customer_id", "channel"))
        self.lines.update(Address.objects.filter(customer_id__any=ids).values_list("customer_id", "line1"))
        self.tags.update(Customer.tags.through.objects.filter(customer_id__any=ids)
                         .values_list("customer_id", "tag_id"))
        self.with_address = {cid for cid, _line in self.lines}
        self.identities, self.addresses, self.new_tags = [], [], {}

    def add(self, cid: int, d: dict, tag_ids: list[int]) -> None:
        for key, channel in IDENTITY_FIELDS:
            value = d.get(key)
            if not value or (channel, value) in self.owners:
                continue
            self.owners[(channel, value)] = cid
            self.identities.append(ChannelIdentity(
                customer_id=cid, channel=channel, value=str(value), normalized=str(value), source="import",
                is_primary=(cid, channel) not in self.channels))
            self.channels.add((cid, channel))
        line = d.get("address_line1")
        if line and (cid, line) not in self.lines:
            self.addresses.append(Address(
                customer_id=cid, kind=d.get("address_kind") or "home", province=d.get("address_province") or "",
                city=d.get("address_city") or "", district=d.get("address_district") or "", line1=line,
                postal_code=d.get("address_postal_code") or "", is_primary=cid not in self.with_address))
            self.lines.add((cid, line))
            self.with_address.add(cid)
        for tag in tag_ids:
            if (cid, tag) not in self.tags:
                self.tags.add((cid, tag))
                self.new_tags.setdefault(cid, []).append(tag)

    def save(self, changes) -> None:
        ChannelIdentity.objects.bulk_create(self.identities)
        changes.created(ChannelIdentity, [i.pk for i in self.identities])
        Address.objects.bulk_create(self.addresses)
        changes.created(Address, [a.pk for a in self.addresses])
        through = Customer.tags.through
        through.objects.bulk_create([through(customer_id=cid, tag_id=t)
                                     for cid, tags in self.new_tags.items() for t in tags])
        for cid, tags in self.new_tags.items():
            changes.tagged(cid, tags)


def _written_frames(cols: dict, identities: dict, addresses: dict):
    """What ``_create`` wrote, as the frames ``profiles.records_from`` reads from the database."""
    from kehu.identity.profiles import ADDRESS_SCHEMA, CUSTOMER_SCHEMA, IDENTITY_SCHEMA

    cust = pl.DataFrame({
        "cid": cols["id"], "kind": cols["kind"], "display_name": cols["display_name"],
        "family_name": cols["family_name"], "given_name": cols["given_name"], "legal_name": cols["legal_name"],
        "id_number": cols["id_number"], "registration": cols["registration_number"],
        "birth_date": cols["birth_date"]}, schema_overrides={"birth_date": pl.Utf8}, strict=False,
    ).with_columns(pl.col("birth_date").str.to_date(strict=False)).cast(CUSTOMER_SCHEMA)
    n = len(identities["customer_id"])
    ident = pl.DataFrame({
        "cid": identities["customer_id"], "channel": identities["channel"], "value": identities["normalized"],
        "verified": identities["verified"], "is_primary": identities["is_primary"], "iid": list(range(n))},
        schema=IDENTITY_SCHEMA).filter(pl.col("channel").is_in(["phone", "email"]))
    m = len(addresses["customer_id"])
    addr = pl.DataFrame({
        "cid": addresses["customer_id"], "is_primary": addresses["is_primary"], "aid": list(range(m)),
        "province": addresses["province"], "city": addresses["city"], "district": addresses["district"],
        "line1": addresses["line1"], "postcode": addresses["postal_code"]}, schema=ADDRESS_SCHEMA)
    return cust, ident, addr


def _custom(d: dict) -> dict:
    out = {}
    for key, value in d.items():
        if key.startswith(CUSTOM) and value not in (None, "", []):
            out[key.removeprefix(CUSTOM)] = value.isoformat() if hasattr(value, "isoformat") else (
                str(value) if not isinstance(value, (int, float, bool, list, str)) else value)
    return out


def _plain(value):
    return value.isoformat() if hasattr(value, "isoformat") else value


def _audit_created(actor, ids, names, job, now) -> None:
    writing.write(AuditEntry, {
        "at": [now] * len(ids), "actor_id": [actor.pk if actor else None] * len(ids),
        "action": ["create"] * len(ids), "object_type": ["customers.customer"] * len(ids),
        "object_id": [str(i) for i in ids], "object_repr": [n[:200] for n in names],
        "customer_id": ids, "changes": writing.as_json([{"import": [None, job.pk]}] * len(ids)),
    })
