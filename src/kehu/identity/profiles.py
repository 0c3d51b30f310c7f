"""Keeping each customer's match profile and blocking keys in step with the customer file.

The customer services call ``refresh`` inside their transaction after every write that touches
a name, an identity, an address, a birth date or an ID number; ``rebuild_all`` fills the tables
for an existing database (``kehu identity index``) in chunks, with bulk writes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import polars as pl
from django.db import connection, transaction

from kehu.customers.models import Address, ChannelIdentity, Customer
from kehu.db import any_of_sql
from kehu.demo.writer import write_frame
from kehu.identity import blocking, features
from kehu.identity.models import MatchKey, MatchProfile

PROFILE_TABLE = MatchProfile._meta.db_table
KEY_TABLE = MatchKey._meta.db_table
PROFILE_COLUMNS = list(features.FEATURES)
CHUNK = 100_000


def _frame(rows, schema) -> pl.DataFrame:
    return pl.DataFrame(list(rows), schema=schema, orient="row")


def raw_records(customer_ids: list[int] | None = None, *, id_range: tuple[int, int] | None = None
                ) -> pl.DataFrame:
    """Customers (not merged away) as raw matcher records, ``id`` = customer id as text."""
    customers = Customer.objects.filter(merged_into__isnull=True)
    identities = ChannelIdentity.objects.filter(channel__in=["phone", "email"])
    addresses = Address.objects.all()
    if customer_ids is not None:
        customers = customers.filter(pk__any=customer_ids)
        identities = identities.filter(customer_id__any=customer_ids)
        addresses = addresses.filter(customer_id__any=customer_ids)
    if id_range is not None:
        customers = customers.filter(pk__gte=id_range[0], pk__lt=id_range[1])
        identities = identities.filter(customer_id__gte=id_range[0], customer_id__lt=id_range[1])
        addresses = addresses.filter(customer_id__gte=id_range[0], customer_id__lt=id_range[1])
    cust = _frame(customers.values_list(
        "id", "kind", "display_name", "family_name", "given_name", "legal_name", "id_number",
        "registration_number", "birth_date"), CUSTOMER_SCHEMA)
    ident = _frame(identities.values_list("customer_id", "channel", "normalized", "verified", "is_primary", "id"),
                   IDENTITY_SCHEMA)
    addr = _frame(addresses.values_list("customer_id", "is_primary", "id", "province", "city", "district",
                                        "line1", "postal_code"), ADDRESS_SCHEMA)
    return records_from(cust, ident, addr)


CUSTOMER_SCHEMA = {"cid": pl.Int64, "kind": pl.Utf8, "display_name": pl.Utf8, "family_name": pl.Utf8,
                   "given_name": pl.Utf8, "legal_name": pl.Utf8, "id_number": pl.Utf8, "registration": pl.Utf8,
                   "birth_date": pl.Date}
IDENTITY_SCHEMA = {"cid": pl.Int64, "channel": pl.Utf8, "value": pl.Utf8, "verified": pl.Boolean,
                   "is_primary": pl.Boolean, "iid": pl.Int64}
ADDRESS_SCHEMA = {"cid": pl.Int64, "is_primary": pl.Boolean, "aid": pl.Int64, "province": pl.Utf8,
                  "city": pl.Utf8, "district": pl.Utf8, "line1": pl.Utf8, "postcode": pl.Utf8}


def records_from(cust: pl.DataFrame, ident: pl.DataFrame, addr: pl.DataFrame) -> pl.DataFrame:
    """Customers, their identities and addresses (frames with the ``*_SCHEMA`` columns) as raw
    matcher records: the first two phones and emails by primary/verified, the primary address."""
    ident = ident.sort(["cid", "is_primary", "verified", "iid"], descending=[False, True, True, False])
    per_channel = (ident.group_by("cid", "channel", maintain_order=True)
                   .agg(pl.col("value").head(2).str.join(";"),
                        pl.col("value").filter(pl.col("verified")).first().alias("verified_value")))
    phones = per_channel.filter(pl.col("channel") == "phone").select(
        "cid", pl.col("value").alias("phone"), pl.col("verified_value").alias("strong_phone"))
    emails = per_channel.filter(pl.col("channel") == "email").select("cid", pl.col("value").alias("email"))
    addr = (addr.sort(["cid", "is_primary", "aid"], descending=[False, True, False])
            .group_by("cid", maintain_order=True).first()
            .select("cid", "city", "postcode",
                    pl.concat_str(["province", "city", "district", "line1"], separator="", ignore_nulls=True)
                    .alias("address")))
    person = pl.col("kind") == "person"
    return (cust.join(phones, on="cid", how="left").join(emails, on="cid", how="left")
            .join(addr, on="cid", how="left")
            .select(
                pl.col("cid").cast(pl.Utf8).alias("id"),
                pl.when(person).then(pl.col("display_name"))
                .otherwise(pl.coalesce(pl.col("legal_name").replace("", None), "display_name")).alias("name"),
                pl.when(person).then("given_name").alias("given_name"),
                pl.when(person).then("family_name").alias("surname"),
                "phone", "email", pl.col("birth_date").cast(pl.Utf8), "city", "address", "postcode",
                pl.coalesce(pl.col("id_number").replace("", None),
                            pl.col("registration").replace("", None)).alias("id_number"),
                "strong_phone",
            ))


def profile_features(raw: pl.DataFrame) -> pl.DataFrame:
    feats = features.prepare(raw.drop("strong_phone"))
    return feats.with_columns(raw["strong_phone"].alias("strong_phone"))


def keys_of(feats: pl.DataFrame) -> pl.DataFrame:
    """(customer_id, key) rows: every blocking rule's key, prefixed with the rule's name."""
    base, phones, mails = blocking.key_frame(feats)
    ids = feats["id"].cast(pl.Int64)
    out = []
    for rule in blocking.RULES:
        keyed = blocking.rule_keys(rule, base, phones, mails)
        out.append(keyed.select(
            pl.col("rid"), (pl.lit(rule.name + ":") + pl.col("key")).str.slice(0, 250).alias("key")))
    keys = pl.concat(out).unique()
    return pl.DataFrame({"customer_id": ids.gather(keys["rid"]), "key": keys["key"]})


def store(feats: pl.DataFrame) -> None:
    """Write the profiles and keys of new customers from their features (``id`` = customer id;
    an import computed them to match its rows and stores the same ones)."""
    _store(feats)


def _store(feats: pl.DataFrame) -> None:
    profiles = feats.select(pl.col("id").cast(pl.Int64).alias("customer_id"),
                            *[pl.col(c) for c in PROFILE_COLUMNS])
    if connection.vendor != "postgresql":
        profiles = profiles.with_columns(pl.col("dob").cast(pl.Utf8))
    write_frame(PROFILE_TABLE, profiles)
    write_frame(KEY_TABLE, keys_of(feats))


def refresh(customer_ids: Iterable[int]) -> None:
    """Recompute the profiles and keys of these customers (merged-away ones lose theirs)."""
    ids = sorted({int(i) for i in customer_ids})
    if not ids:
        return
    with transaction.atomic():
        remove(ids)
        raw = raw_records(ids)
        if raw.height:
            _store(profile_features(raw))


def add_new(cust: pl.DataFrame, ident: pl.DataFrame, addr: pl.DataFrame) -> None:
    """Profiles and keys of customers just bulk-written (an import), from the frames written:
    no read back, nothing to remove first."""
    if cust.height:
        _store(profile_features(records_from(cust, ident, addr)))


def remove(customer_ids: Iterable[int]) -> None:
    """Drop profiles and keys: the customer no longer exists as a match target."""
    ids = list(customer_ids)
    MatchKey.objects.filter(customer_id__any=ids).delete()
    MatchProfile.objects.filter(customer_id__any=ids).delete()


def rebuild_all(*, progress: Callable[[int, int], None] | None = None, chunk: int = CHUNK) -> int:
    """Every customer's profile and keys, from scratch. Returns the number of profiles."""
    MatchKey.objects.all().delete()
    MatchProfile.objects.all().delete()
    bounds = Customer.objects.order_by("pk").values_list("pk", flat=True)
    first, last = bounds.first(), bounds.last()
    total = Customer.objects.filter(merged_into__isnull=True).count()
    done = 0
    if first is None:
        return 0
    low = first
    while low <= last:
        with transaction.atomic():
            raw = raw_records(id_range=(low, low + chunk))
            if raw.height:
                _store(profile_features(raw))
        done += raw.height
        if progress:
            progress(done, total)
        low += chunk
    return done


def load_profiles(customer_ids: list[int] | None = None) -> pl.DataFrame:
    """Stored profiles as a features frame (``id`` = customer id as text): every one for the
    scan, or those of ``customer_ids`` (the candidates of one record on entry)."""
    columns = ", ".join(["customer_id"] + [f"CAST({c} AS TEXT)" if c == "dob" else c
                                           for c in PROFILE_COLUMNS])
    schema = {"id": pl.Int64, **{c: pl.Utf8 for c in PROFILE_COLUMNS}}
    frames = []
    with connection.cursor() as cursor:
        where, params = "", []
        if customer_ids is not None:
            if not customer_ids:
                return features.empty_features()
            where, params = any_of_sql("customer_id", customer_ids, connection.vendor)
            where = f"WHERE {where} "
        cursor.execute(f"SELECT {columns} FROM {PROFILE_TABLE} {where}ORDER BY customer_id",  # noqa: S608
                       params)
        while rows := cursor.fetchmany(CHUNK):
            frames.append(pl.DataFrame(rows, schema=schema, orient="row"))
    frame = pl.concat(frames) if frames else pl.DataFrame(schema=schema)
    return frame.with_columns(pl.col("id").cast(pl.Utf8), pl.col("dob").str.to_date(strict=False))
