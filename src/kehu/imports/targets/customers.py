"""Customers: upsert by a key, flag possible duplicates with the identity matcher, write in bulk.

A row is, in this order: an update of the customer its upsert key names; a possible duplicate
(its phone or email already belongs to a customer, or the matcher scores a customer ≥ 0.5), left
to the user's decision (link = update that customer, create = a new customer, skip); or a new
customer. Planned and created as frames: new customers, their identities, address, tags, match
profiles and audit entries go in as one bulk write per table, and the matcher's features of a
chunk are computed once, to match its rows and then as the profiles of the customers it creates.
Updates go through the ORM row by row (they are few and need their old values).
"""

from __future__ import annotations

import os
import threading

import numpy as np
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
from kehu.imports.targets.base import CREATE, DUPLICATE, PLAN_SCHEMA, SKIP, UPDATE, Handler, Plan
from kehu.imports.validate import CUSTOM, ROW, Row, RowError, to_rows
from kehu.privacy import audit
from kehu.privacy.models import AuditEntry

SCALARS = ("kind", "external_id", "display_name", "given_name", "family_name", "legal_name",
           "registration_number", "id_number", "birth_date", "nature", "lifecycle_stage", "tier",
           "acquisition_source")
DEFAULTS = {"kind": "person", "nature": "individual", "lifecycle_stage": "prospect"}
IDENTITY_FIELDS = (("phone", "phone"), ("phone2", "phone"), ("email", "email"), ("wechat", "wechat"))
ADDRESS = ("address_province", "address_city", "address_district", "address_line1", "address_postal_code")
IDENTITY_CHANNELS = (("phone", ("phone", "phone2")), ("email", ("email",)))


class CustomerImport(Handler):
    # one phone is one customer's, in either column; so is an email and an external id
    unique_in_file = ("external_id", ("phone", ("phone", "phone2")), "email", "wechat")
    sqlite_chunk = 5_000  # ~16 rows a customer
    grows = ("customers_customer", "customers_channelidentity", "customers_address", "customers_customer_tags",
             "identity_matchprofile", "identity_matchkey", "privacy_auditentry")

    def __init__(self, job, actor):
        super().__init__(job, actor)
        self.users = {}
        for uid, username, email in get_user_model().objects.values_list("id", "username", "email"):
            self.users[username.lower()] = uid
            if email:
                self.users.setdefault(email.lower(), uid)
        self.scope = access.customer_scope(actor) if actor is not None else Q()
        self.wechat: dict[str, str | ValidationError] = {}
        self.own = OwnCustomers(job)
        self._known = False  # the stored keys, when loaded (see _known_keys)

    # --- plan --------------------------------------------------------------------------------

    def prepare(self, chunk) -> None:
        """The matcher's features of every row (pinyin, phones, address tokens: pure Python, the
        slow part), computed ahead while the previous chunk is written."""
        frame = _complete(chunk.frame)
        chunk.features = _features(frame).with_columns(frame[ROW])

    def plan(self, chunk) -> Plan:
        if chunk.features is None:
            self.prepare(chunk)
        frame = _complete(chunk.frame)
        frame, errors = self._check(frame)
        existing = self._existing_by_key(frame)
        errors += [RowError(n, self.job.upsert_key, str(v), _("matches a customer you may not change"))
                   for n, v in existing.filter(pl.col("target_id").is_null()).select(ROW, "value").iter_rows()]
        frame = frame.join(existing.select(ROW, pl.col("target_id").alias("_update")), on=ROW, how="left")
        frame = frame.filter(~pl.col(ROW).is_in(existing.filter(pl.col("target_id").is_null())[ROW].implode()))
        taken = self._identities_taken(frame)
        frame = frame.join(taken, on=ROW, how="left")
        new = frame.filter(pl.col("_update").is_null())  # rows that may become customers
        feats = chunk.features.join(new.select(ROW), on=ROW, how="semi", maintain_order="left")
        unowned = new["_owner"].is_null()
        fuzzy = _fuzzy(feats.filter(unowned).drop(ROW), new.filter(unowned)[ROW], self.own.ids(), self._known_keys())
        frame = frame.join(fuzzy, on=ROW, how="left")
        updated = pl.col("_update").is_not_null()
        planned = frame.with_columns(
            pl.when(updated).then(pl.lit(UPDATE))
            .when(pl.col("_owner").is_not_null() | pl.col("_similar").is_not_null()).then(pl.lit(DUPLICATE))
            .otherwise(pl.lit(CREATE)).alias("action"),
            pl.coalesce("_update", "_owner", "_similar").alias("target_id"),
            pl.when(updated).then(pl.lit(0.0)).when(pl.col("_owner").is_not_null()).then(pl.lit(1.0))
            .otherwise(pl.col("_probability").fill_null(0.0)).alias("probability"),
            pl.when(updated).then(None).when(pl.col("_owner").is_not_null()).then(pl.col("_why"))
            .when(pl.col("_similar").is_not_null()).then(pl.lit(str(_("similar name and details")))).alias("reason"),
            pl.coalesce("display_name", "legal_name").alias("name"),
        )
        planned = planned.select(*PLAN_SCHEMA, *[c for c in planned.columns if c not in PLAN_SCHEMA])
        return Plan(planned, errors, features=feats)

    def _known_keys(self):
        """The stored match keys, loaded once when that is cheaper than asking chunk by chunk (a
        big file into a small customer file: ~9 keys a row)."""
        from kehu.identity.services import KnownKeys

        if self._known is False:
            self._known = KnownKeys.load(9 * self._expected_rows())
        return self._known

    def _expected_rows(self) -> int:
        if self.job.rows_total:
            return self.job.rows_total
        try:  # no dry run: guess from the file's size (a customer row is ~80 bytes)
            return os.path.getsize(self.job.path) // 80
        except OSError:
            return 0

    def _check(self, frame: pl.DataFrame) -> tuple[pl.DataFrame, list[RowError]]:
        """Rows without a name, with an unknown owner or a bad WeChat id are errors."""
        errors = []
        nameless = frame.filter(pl.all_horizontal(pl.col("display_name", "family_name", "given_name", "legal_name")
                                                  .is_null()))
        errors += [RowError(n, "", "", _("the row has no name")) for n in nameless[ROW].to_list()]
        owners = frame["owner"].str.to_lowercase().replace_strict(self.users, default=None, return_dtype=pl.Int64)
        unknown = frame.filter(owners.is_null() & frame["owner"].is_not_null())
        errors += [RowError(n, "owner", str(v), _("no user with this name or email"))
                   for n, v in unknown.select(ROW, "owner").iter_rows()]
        frame = frame.with_columns(owners.alias("owner_id"))
        bad_wechat = []
        if frame["wechat"].is_not_null().any():
            for value in frame["wechat"].drop_nulls().unique().to_list():
                if value not in self.wechat:
                    try:
                        self.wechat[value] = normalize_identity("wechat", value)
                    except ValidationError as exc:
                        self.wechat[value] = exc
            normal = {k: v for k, v in self.wechat.items() if isinstance(v, str)}
            for n, v in frame.select(ROW, "wechat").drop_nulls().iter_rows():
                if isinstance(self.wechat[v], ValidationError):
                    errors.append(RowError(n, "wechat", v, " ".join(self.wechat[v].messages)))
                    bad_wechat.append(n)
            frame = frame.with_columns(pl.col("wechat").replace_strict(normal, default=None, return_dtype=pl.Utf8))
        bad = {e.row for e in errors}
        return (frame.filter(~pl.col(ROW).is_in(list(bad))) if bad else frame), errors

    def _existing_by_key(self, frame: pl.DataFrame) -> pl.DataFrame:
        """(row, value, target_id) of rows whose upsert key names a customer; target_id is null
        where that customer is not one the importing user may change."""
        key = self.job.upsert_key
        schema = {ROW: pl.Int64, "value": pl.Utf8, "target_id": pl.Int64}
        if not key or key not in frame.columns or not frame[key].is_not_null().any():
            return pl.DataFrame(schema=schema)
        wanted = frame[key].drop_nulls().cast(pl.Utf8).unique()
        if key in ("phone", "email"):
            pairs = ChannelIdentity.objects.filter(channel=key, normalized__any=wanted).values_list(
                "normalized", "customer_id")
        else:
            pairs = Customer.objects.filter(**{f"{key}__any": wanted}, merged_into__isnull=True).values_list(key, "id")
        found = pl.DataFrame(list(pairs), schema={"value": pl.Utf8, "cid": pl.Int64}, orient="row").unique("value")
        if not found.height:
            return pl.DataFrame(schema=schema)
        visible = set(Customer.objects.filter(self.scope, pk__any=found["cid"].unique()).values_list("pk", flat=True))
        found = found.with_columns(pl.when(pl.col("cid").is_in(list(visible))).then(pl.col("cid")).alias("target_id"))
        return (frame.select(ROW, pl.col(key).cast(pl.Utf8).alias("value"))
                .join(found.select("value", "target_id"), on="value", how="inner").select(*schema))

    def _identities_taken(self, frame: pl.DataFrame) -> pl.DataFrame:
        """(row, _owner, _why): rows whose phone or email already belongs to a customer."""
        owners = _identity_owners(frame)
        labels = {"phone": str(_("phone")), "email": str(_("email"))}
        parts = []
        for channel, columns in IDENTITY_CHANNELS:
            mine = owners.filter(pl.col("channel") == channel).select("value", "customer_id")
            for column in columns:  # phone before phone2 before email: the first found names the owner
                parts.append(frame.select(ROW, pl.col(column).alias("value"), pl.lit(len(parts)).alias("order"))
                             .join(mine, on="value", how="inner")
                             .select(ROW, "order", pl.col("customer_id").alias("_owner"),
                                     pl.lit(labels[channel]).alias("_channel")))
        schema = {ROW: pl.Int64, "_owner": pl.Int64, "_why": pl.Utf8}
        if not parts:
            return pl.DataFrame(schema=schema)
        found = pl.concat(parts).sort(ROW, "order").group_by(ROW, maintain_order=True).first()
        template = str(_("same %(what)s"))
        return found.select(ROW, "_owner", pl.col("_channel").map_elements(lambda w: template % {"what": w},
                                                                               return_dtype=pl.Utf8).alias("_why"))

    # --- apply -------------------------------------------------------------------------------

    def apply(self, plan: Plan, changes) -> dict:
        frame = plan.frame
        decisions = {int(k): v for k, v in (self.job.decisions or {}).items()}
        choice = pl.col(ROW).replace_strict(decisions, default=self.job.duplicates, return_dtype=pl.Utf8)
        decided = frame.with_columns(
            pl.when(pl.col("action") != DUPLICATE).then(pl.col("action"))
            .when(choice == "link").then(pl.lit(UPDATE)).when(choice == "skip").then(pl.lit(SKIP))
            .otherwise(pl.lit(CREATE)).alias("_do"))
        creates = decided.filter(pl.col("_do") == CREATE)
        updates = decided.filter(pl.col("_do") == UPDATE)
        new_ids = self._create(creates, plan.features, changes)
        self._update(to_rows(updates.select(ROW, "target_id", *[c for c in plan_fields(frame)]),
                             {}), changes)
        review = creates.filter(pl.col("action") == DUPLICATE).join(new_ids, on=ROW)
        self._queue_for_review(review)
        return {"created": creates.height, "updated": updates.height,
                "skipped": frame.height - creates.height - updates.height}

    def _create(self, rows: pl.DataFrame, feats: pl.DataFrame | None, changes) -> pl.DataFrame:
        """Write the new customers; (row, customer_id) of each."""
        if not rows.height:
            return pl.DataFrame(schema={ROW: pl.Int64, "customer_id": pl.Int64})
        now = writing.stamp(timezone.now())
        ids = pl.Series("id", writing.allocate_ids(Customer, rows.height))
        self.own.add(ids.to_numpy())
        rows = rows.with_columns(ids.alias("customer_id"))
        display = pl.coalesce(pl.col("display_name"), pl.col("legal_name"),
                              pl.concat_str([pl.col("family_name").fill_null(""), pl.col("given_name").fill_null("")]))
        actor = self.actor.pk if self.actor else None
        customers = rows.select(
            pl.col("customer_id").alias("id"),
            *[(display if key == "display_name" else _scalar(key)).alias(key) for key in SCALARS],
            (pl.col("owner_id") if actor is None else pl.col("owner_id").fill_null(actor)).cast(pl.Int64)
            .alias("owner_id"),
            pl.lit(None, dtype=pl.Int64).alias("team_id"),
            _custom_json(rows).alias("custom_fields"),
            pl.lit(now).alias("created_at"), pl.lit(now).alias("updated_at"), pl.lit(1).alias("version"),
            pl.lit(None, dtype=pl.Int64).alias("merged_into_id"))
        writing.write_frame(Customer, customers)
        identities = self._new_identities(rows, now)
        writing.write_frame(ChannelIdentity, identities, fresh=("customer_id",))
        addresses = rows.filter(pl.col("address_line1").is_not_null()).select(
            "customer_id", pl.col("address_kind").fill_null("home").alias("kind"), pl.lit("CN").alias("country"),
            *[pl.col(k).fill_null("").alias(k.removeprefix("address_")) for k in ADDRESS[:-1]],
            pl.col("address_postal_code").fill_null("").alias("postal_code"), pl.lit(True).alias("is_primary"))
        writing.write_frame(Address, addresses, fresh=("customer_id",))
        tags = self._tag_rows(rows)
        writing.write_frame(Customer.tags.through, tags, fresh=("customer_id",))
        changes.created(Customer, ids.to_list())
        writing.write_frame(AuditEntry, customers.select(
            pl.lit(now).alias("at"), pl.lit(actor, dtype=pl.Int64).alias("actor_id"), pl.lit("create").alias("action"),
            pl.lit("customers.customer").alias("object_type"), pl.col("id").cast(pl.Utf8).alias("object_id"),
            pl.col("display_name").str.slice(0, 200).alias("object_repr"), pl.col("id").alias("customer_id"),
            pl.lit(writing.as_json([{"import": [None, self.job.pk]}])[0]).alias("changes")), fresh=("customer_id",))
        self._profiles(rows, customers, identities, addresses, feats)
        return rows.select(ROW, "customer_id")

    def _new_identities(self, rows: pl.DataFrame, now: str) -> pl.DataFrame:
        """One row per phone, email and WeChat id not already another customer's; the first of
        each channel is the primary one."""
        owned = _identity_owners(rows, (*IDENTITY_CHANNELS, ("wechat", ("wechat",))))
        parts = [rows.select("customer_id", pl.lit(channel).alias("channel"), pl.col(key).alias("value"),
                             pl.lit(i).alias("order")) for i, (key, channel) in enumerate(IDENTITY_FIELDS)]
        found = (pl.concat(parts).filter(pl.col("value").is_not_null())
                 .join(owned.select("channel", "value"), on=["channel", "value"], how="anti")
                 .unique(["channel", "value"], keep="first", maintain_order=True)  # phone2 = phone
                 .sort("customer_id", "order"))
        return found.select(
            "customer_id", "channel", "value", pl.col("value").alias("normalized"), pl.lit(False).alias("verified"),
            (pl.int_range(pl.len()).over("customer_id", "channel") == 0).alias("is_primary"),
            pl.lit("import").alias("source"), pl.lit(now).alias("created_at"))

    def _tag_rows(self, rows: pl.DataFrame) -> pl.DataFrame:
        pairs = (rows.select("customer_id", pl.col("tags").list.eval(pl.element().str.slice(0, 60)).alias("tag"))
                 .explode("tag").drop_nulls().unique(maintain_order=True))
        if not pairs.height:
            return pl.DataFrame(schema={"customer_id": pl.Int64, "tag_id": pl.Int64})
        ids = _tag_ids(sorted(pairs["tag"].unique().to_list()))
        return pairs.select("customer_id", pl.col("tag").replace_strict(ids, return_dtype=pl.Int64).alias("tag_id"))

    def _profiles(self, rows, customers, identities, addresses, feats) -> None:
        """Match profiles and keys of the new customers: the features matched with, where the
        customer was written as its row read (all but duplicates whose phone or email stayed with
        the existing customer), recomputed from what was written for the others."""
        from kehu.identity import profiles

        if feats is None:
            reuse = pl.DataFrame(schema={ROW: pl.Int64})
        else:
            reuse = rows.filter(pl.col("_owner").is_null()).select(ROW, "customer_id")
        if reuse.height:
            mine = (feats.join(reuse, on=ROW, how="inner")
                    .with_columns(pl.col("customer_id").cast(pl.Utf8).alias("id")).drop(ROW, "customer_id"))
            profiles.store(mine)
        rest = customers.filter(~pl.col("id").is_in(reuse["customer_id"].implode() if reuse.height else []))
        if rest.height:
            written = profiles.records_from(*_written_frames(rest, identities, addresses))
            profiles.store(profiles.profile_features(written))

    def _update(self, rows: list[Row], changes) -> None:
        from kehu.identity import profiles

        if not rows:
            return
        ids = [r.data["target_id"] for r in rows]
        customers = Customer.objects.in_bulk(ids)
        tag_ids = _tag_ids(sorted({t[:60] for r in rows for t in (r.data.get("tags") or ())}))
        children = _Children(ids, rows)
        for r in rows:
            customer = customers.get(r.data["target_id"])
            if customer is None:
                continue
            before = _assign(customer, r.data)
            if before:
                customer.save()
                changes.updated(Customer, customer.pk, before)
                audit.record(self.actor, "update", customer, customer_id=customer.pk,
                             changes={k: [v, _plain(getattr(customer, k, None))] for k, v in before.items()
                                      if k != "version"} | {"import": [None, self.job.pk]})
            children.add(customer.pk, r.data, [tag_ids[t[:60]] for t in r.data.get("tags") or ()])
        children.save(changes)
        profiles.refresh([i for i in ids if i in customers])

    def _queue_for_review(self, review: pl.DataFrame) -> None:
        from kehu.identity.models import DuplicateCandidate

        pairs = [DuplicateCandidate(customer_a_id=min(a, b), customer_b_id=max(a, b), probability=p)
                 for a, b, p in review.select("customer_id", "target_id", "probability").iter_rows()
                 if a is not None and b is not None]
        DuplicateCandidate.objects.bulk_create(pairs, ignore_conflicts=True)


def plan_fields(frame: pl.DataFrame) -> list[str]:
    """The field columns of a plan frame (what the rows said), without the plan's own columns."""
    return [c for c in frame.columns if c not in PLAN_SCHEMA and not c.startswith("_") and c not in (
        "target_id", "customer_id")]


def _complete(frame: pl.DataFrame) -> pl.DataFrame:
    """Every customer field as a column (null where the file has none), so plans read them all."""
    from kehu.imports.fields import targets
    from kehu.imports.validate import dtype_of

    missing = [f for f in targets()["customers"].fields if f.key not in frame.columns]
    return frame.with_columns(pl.lit(None, dtype=dtype_of(f)).alias(f.key) for f in missing)


def _scalar(key: str) -> pl.Expr:
    column = pl.col(key)
    if key == "birth_date":
        return column.cast(pl.Utf8)
    if key in ("external_id",):
        return column
    return column.fill_null(DEFAULTS.get(key, ""))


def _custom_json(rows: pl.DataFrame) -> pl.Expr:
    custom = [c for c in rows.columns if c.startswith(CUSTOM)]
    if not custom:
        return pl.lit("{}")
    texts = []
    for record in rows.select(custom).iter_rows(named=True):
        texts.append(writing.as_json([_custom(record)])[0])
    return pl.Series(texts, dtype=pl.Utf8)


def _custom(d: dict) -> dict:
    out = {}
    for key, value in d.items():
        if key.startswith(CUSTOM) and value not in (None, "", []):
            out[key.removeprefix(CUSTOM)] = value.isoformat() if hasattr(value, "isoformat") else (
                str(value) if not isinstance(value, (int, float, bool, list, str)) else value)
    return out


def _features(frame: pl.DataFrame) -> pl.DataFrame:
    """The matcher's features of each row, read as ``profiles.records_from`` reads a customer
    written from it (so the same features serve as the new customer's profile); ``id`` = the
    row's position."""
    from kehu.identity import features

    person = pl.col("kind").fill_null("person") == "person"
    display = pl.coalesce(pl.col("display_name"), pl.col("legal_name"),
                          pl.concat_str([pl.col("family_name").fill_null(""), pl.col("given_name").fill_null("")]))
    has_address = pl.col("address_line1").is_not_null()
    raw = frame.select(
        pl.int_range(pl.len()).cast(pl.Utf8).alias("id"),
        pl.when(person).then(display).otherwise(pl.coalesce(pl.col("legal_name"), display)).alias("name"),
        pl.when(person).then(pl.col("given_name").fill_null("")).alias("given_name"),
        pl.when(person).then(pl.col("family_name").fill_null("")).alias("surname"),
        pl.concat_str([pl.col("phone"), pl.col("phone2")], separator=";", ignore_nulls=True)
        .replace("", None).alias("phone"),
        pl.col("email"), pl.col("birth_date").cast(pl.Utf8).alias("birth_date"),
        pl.when(has_address).then(pl.col("address_city")).alias("city"),
        pl.when(has_address).then(pl.concat_str([pl.col(k) for k in ADDRESS[:4]], separator="", ignore_nulls=True))
        .alias("address"),
        pl.when(has_address).then(pl.col("address_postal_code")).alias("postcode"),
        pl.coalesce(pl.col("id_number"), pl.col("registration_number")).alias("id_number"),
    )
    return features.prepare(raw)


class OwnCustomers:
    """The customers this import has created so far (sorted ids), which its matching leaves out:
    the dry run could not see them, and a chunk's plan must not depend on whether the writer has
    committed the previous chunk yet. Shared by the planning and the writing thread."""

    def __init__(self, job):
        from kehu.imports.models import ImportChange

        created = [i for c in ImportChange.objects.filter(job_id=job.pk, model="customers.customer",
                                                           action=ImportChange.Action.CREATED)
                   for i in c.ids()] if job.pk else []
        self._ids = np.array(sorted(created), dtype=np.int64)
        self._lock = threading.Lock()

    def add(self, ids: np.ndarray) -> None:
        with self._lock:
            self._ids = np.union1d(self._ids, ids)

    def ids(self) -> np.ndarray:
        with self._lock:
            return self._ids


def _fuzzy(feats: pl.DataFrame, rows: pl.Series, exclude: np.ndarray, known=None) -> pl.DataFrame:
    """(row, _similar, _probability) of rows the matcher finds an existing customer for."""
    from kehu.identity import services as identity

    schema = {ROW: pl.Int64, "_similar": pl.Int64, "_probability": pl.Float64}
    if not feats.height:
        return pl.DataFrame(schema=schema)
    found = identity.match_features(feats.with_columns(pl.int_range(pl.len()).cast(pl.Utf8).alias("id")),
                                    exclude=exclude, known=known)
    return found.select(rows.gather(found["row"]).alias(ROW), pl.col("customer_id").alias("_similar"),
                        pl.col("probability").alias("_probability"))


def _identity_owners(frame: pl.DataFrame, channels=IDENTITY_CHANNELS) -> pl.DataFrame:
    """(channel, value, customer_id) of the frame's identities already recorded."""
    parts = []
    for channel, keys in channels:
        values = pl.concat([frame[k] for k in keys if k in frame.columns]).drop_nulls().unique()
        if len(values):
            parts.append(pl.DataFrame(list(ChannelIdentity.objects.filter(channel=channel, normalized__any=values)
                                           .values_list("normalized", "customer_id")),
                                      schema={"value": pl.Utf8, "customer_id": pl.Int64}, orient="row")
                         .with_columns(pl.lit(channel).alias("channel")))
    if not parts:
        return pl.DataFrame(schema={"value": pl.Utf8, "customer_id": pl.Int64, "channel": pl.Utf8})
    return pl.concat(parts)


def _tag_ids(names: list[str]) -> dict[str, int]:
    existing = dict(Tag.objects.filter(name__in=names).values_list("name", "id"))
    missing = [Tag(name=n) for n in names if n not in existing]
    if missing:
        Tag.objects.bulk_create(missing, ignore_conflicts=True)
        existing = dict(Tag.objects.filter(name__in=names).values_list("name", "id"))
    return existing


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

    def __init__(self, customer_ids, rows: list[Row]):
        frame = pl.DataFrame({k: [r.data.get(k) for r in rows] for k in ("phone", "phone2", "email", "wechat")},
                             schema={k: pl.Utf8 for k in ("phone", "phone2", "email", "wechat")})
        self.owners = {(c, v): cid for v, cid, c in _identity_owners(
            frame, (*IDENTITY_CHANNELS, ("wechat", ("wechat",)))).iter_rows()}
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
        for tag in dict.fromkeys(tag_ids):
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


def _written_frames(customers: pl.DataFrame, identities: pl.DataFrame, addresses: pl.DataFrame):
    """What ``_create`` wrote for these customers, as the frames ``profiles.records_from`` reads."""
    from kehu.identity.profiles import ADDRESS_SCHEMA, CUSTOMER_SCHEMA, IDENTITY_SCHEMA

    ids = customers["id"].implode()
    cust = customers.select(
        pl.col("id").alias("cid"), "kind", "display_name", "family_name", "given_name", "legal_name", "id_number",
        pl.col("registration_number").alias("registration"),
        pl.col("birth_date").str.to_date(strict=False)).cast(CUSTOMER_SCHEMA)
    ident = (identities.filter(pl.col("customer_id").is_in(ids) & pl.col("channel").is_in(["phone", "email"]))
             .select(pl.col("customer_id").alias("cid"), "channel", pl.col("normalized").alias("value"), "verified",
                     "is_primary", pl.int_range(pl.len()).alias("iid")).cast(IDENTITY_SCHEMA))
    addr = (addresses.filter(pl.col("customer_id").is_in(ids))
            .select(pl.col("customer_id").alias("cid"), "is_primary", pl.int_range(pl.len()).alias("aid"),
                    "province", "city", "district", "line1", pl.col("postal_code").alias("postcode"))
            .cast(ADDRESS_SCHEMA))
    return cust, ident, addr


def _plain(value):
    return value.isoformat() if hasattr(value, "isoformat") else value
