"""Recognising customers: one record on entry, the whole file in a scan, and the review queue.

On entry a record's blocking keys are looked up in ``MatchKey`` (one indexed query, a cap per
key), the candidates' stored profiles are scored with the learned weights, and the caller gets
the evidence. Nothing here merges: a *sure* match may link a new channel identity to the existing
customer (``KEHU_IDENTITY_LINK_SURE``), everything else is a warning or a review-queue entry.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import polars as pl
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kehu.db import any_of_sql, id_ranges, outside_ranges_sql, text_array
from kehu.identity import blocking, features, pipeline, profiles
from kehu.identity.compare import COMPARISONS, INDEX, compare
from kehu.identity.fellegi_sunter import MatchModel, evidence_rows
from kehu.identity.models import (
    DuplicateCandidate,
    MatchModelVersion,
    MatchProfile,
    NotDuplicate,
    ScanRun,
)
from kehu.privacy import audit

SURE = 0.99  # and an exact phone, email or ID number: the same customer
PROBABLE = 0.5  # shown as "possible duplicate of …"
STRONG_FIELDS = ("phone", "email", "id_number")


# --- the model -------------------------------------------------------------------------------

@functools.lru_cache(maxsize=4)
def _model_from(version_id: int | None) -> MatchModel:
    if version_id is None:
        return pipeline.default_model()
    return MatchModel.from_json(MatchModelVersion.objects.values_list("params", flat=True).get(pk=version_id))


def current_model() -> MatchModel:
    """The newest learned model, or the one shipped with Kehu (trained on synthetic records)."""
    latest = MatchModelVersion.objects.order_by("-created_at", "-id").values_list("pk", flat=True).first()
    return _model_from(latest)


# --- on entry --------------------------------------------------------------------------------

@dataclass
class Match:
    customer_id: int
    probability: float
    match_weight: float
    evidence: list[dict] = field(default_factory=list)
    sure: bool = False


def _candidate_ids(feats: pl.DataFrame, exclude: set[int]) -> list[int]:
    keys, limits = [], []
    for rule, key in dict.fromkeys(blocking.record_keys(feats.row(0, named=True))):
        keys.append((rule.name + ":" + key)[:250])
        limits.append(rule.max_block + 1)
    if not keys:
        return []
    table = profiles.KEY_TABLE
    parts = [f"SELECT * FROM (SELECT key, customer_id FROM {table} WHERE key = %s LIMIT {n}) AS k{i}"  # noqa: S608
             for i, n in enumerate(limits)]
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(parts), keys)
        rows = cursor.fetchall()
    per_key: dict[str, list[int]] = {}
    for key, cid in rows:
        per_key.setdefault(key, []).append(cid)
    found = set()
    for key, limit in zip(keys, limits, strict=True):
        ids = per_key.get(key, [])
        if len(ids) < limit:  # a key over its rule's cap says too little (as in the batch scan)
            found.update(ids)
    return sorted(found - exclude)


def _score(both: pl.DataFrame, left: np.ndarray, right: np.ndarray, model: MatchModel):
    """Levels, field weights, probability and "sure" for pairs of rows of one features frame."""
    levels = compare(both, left, right)
    fields = model.field_weights(levels, pipeline.tf_values(both, left))
    weights = np.log2(model.prior / (1 - model.prior)) + fields.sum(axis=1)
    probability = 1.0 / (1.0 + np.exp2(-weights))
    exact_strong = np.zeros(len(left), dtype=bool)
    for i in (INDEX[f] for f in STRONG_FIELDS):
        exact_strong |= levels[:, i] == COMPARISONS[i].n_levels - 1
    sure = (probability >= SURE) & exact_strong & (levels[:, INDEX["id_number"]] != 0)
    return levels, fields, weights, probability, sure


def score_candidates(feats: pl.DataFrame, candidates: pl.DataFrame, model: MatchModel) -> list[Match]:
    """Score record 0 of ``feats`` against every row of ``candidates`` (both features frames)."""
    if not candidates.height:
        return []
    both = pl.concat([feats.select(candidates.columns).cast(candidates.schema), candidates])
    right = np.arange(1, both.height)
    levels, fields, weights, probs, sure = _score(both, np.zeros(len(right), dtype=np.int64), right, model)
    out = [Match(int(cid), float(probs[k]), float(weights[k]), evidence_rows(levels[k], fields[k]),
                 sure=bool(sure[k]))
           for k, cid in enumerate(candidates["id"].to_list())]
    return sorted(out, key=lambda m: -m.probability)


def find_matches(record: dict, *, exclude: set[int] | frozenset = frozenset(),
                 threshold: float = PROBABLE) -> list[Match]:
    """Existing customers ``record`` (raw fields: name, phone, email …) may be, most likely first.

    Pairs someone marked "not a duplicate" with an excluded (i.e. the edited) customer are left out.
    """
    raw = pl.DataFrame([{k: (str(v) if v not in (None, "") else None) for k, v in record.items()
                         if k in features.RAW_FIELDS}])
    feats = features.prepare(raw.with_columns(pl.lit("new").alias("id")))
    excluded = set(exclude)
    for cid in exclude:
        excluded |= rejected_partners(cid)
    ids = _candidate_ids(feats, excluded)
    matches = score_candidates(feats, profiles.load_profiles(ids), current_model())
    return [m for m in matches if m.probability >= threshold]


def rejected_partners(customer_id: int) -> set[int]:
    pairs = NotDuplicate.objects.filter(customer_a_id=customer_id).values_list("customer_b_id", flat=True)
    back = NotDuplicate.objects.filter(customer_b_id=customer_id).values_list("customer_a_id", flat=True)
    return set(pairs) | set(back)


def record_from_customer_data(data: dict, identities=()) -> dict:
    """Raw matcher record from customer-service style data (form, API, import row)."""
    phones = [i["value"] for i in identities if i.get("channel") == "phone" and i.get("value")]
    emails = [i["value"] for i in identities if i.get("channel") == "email" and i.get("value")]
    person = data.get("kind", "person") == "person"
    birth = data.get("birth_date")
    return {
        "name": data.get("display_name") or (None if person else data.get("legal_name")),
        "surname": data.get("family_name") if person else None,
        "given_name": data.get("given_name") if person else None,
        "phone": ";".join(phones[:2]) or None, "email": ";".join(emails[:2]) or None,
        "birth_date": birth.isoformat() if hasattr(birth, "isoformat") else birth,
        "id_number": data.get("id_number") or data.get("registration_number"),
    }


# --- batch scan ------------------------------------------------------------------------------

class ScanAlreadyActive(Exception):
    def __init__(self, run: ScanRun):
        self.run = run
        super().__init__(_("Duplicate scan #%(id)s is already %(status)s.")
                         % {"id": run.pk, "status": run.get_status_display()})


def request_scan(actor, *, enqueue: bool = True) -> ScanRun:
    with transaction.atomic():
        active = ScanRun.objects.filter(status__in=[ScanRun.Status.QUEUED, ScanRun.Status.RUNNING]).first()
        if active is not None:
            raise ScanAlreadyActive(active)
        run = ScanRun.objects.create(requested_by=actor if actor and actor.is_authenticated else None)
        audit.record(actor, "create", run)
        if enqueue:
            from kehu.identity.tasks import scan_duplicates

            run_id = run.pk
            transaction.on_commit(lambda: scan_duplicates.enqueue(run_id))
    return run


def execute_scan(run_id: int, *, progress: Callable[[ScanRun, int, int], None] = lambda r, d, t: None
                 ) -> ScanRun:
    """Find duplicate groups across the customer file and refill the open review queue."""
    run = ScanRun.objects.get(pk=run_id)
    if run.status in (ScanRun.Status.DONE, ScanRun.Status.FAILED):
        return run
    run.status, run.started_at = ScanRun.Status.RUNNING, timezone.now()
    run.save(update_fields=["status", "started_at"])
    timings = {}

    def step(name, done=0, total=0):
        run.step = name
        ScanRun.objects.filter(pk=run.pk).update(step=name)
        progress(run, done, total)

    try:
        t = time.perf_counter()
        from kehu.customers.models import Customer

        live = Customer.objects.filter(merged_into__isnull=True).count()
        if MatchProfile.objects.count() != live:
            step("indexing", 0, live)
            profiles.rebuild_all(progress=lambda d, n: step("indexing", d, n))
        step("loading")
        feats = profiles.load_profiles()
        timings["load"] = time.perf_counter() - t
        step("matching", 0, feats.height)
        t = time.perf_counter()
        learn = feats.height >= pipeline.MIN_TRAINING_RECORDS
        result = pipeline.link(feats, None if learn else current_model())
        timings["match"] = time.perf_counter() - t
        t = time.perf_counter()
        step("saving")
        if learn:
            MatchModelVersion.objects.create(params=result.model.to_json(), records=feats.height,
                                             pairs=result.stats.get("candidate_pairs", 0))
        proposed, clusters = _fill_queue(run, result)
        timings["save"] = time.perf_counter() - t
        run.records, run.pairs = feats.height, result.stats.get("candidate_pairs", 0)
        run.proposed, run.clusters = proposed, clusters
        run.stats = {"blocking": {k: v for k, v in result.stats.items() if isinstance(v, dict)},
                     "timings": timings, "model": result.model.trained_on}
        run.status, run.finished_at, run.step = ScanRun.Status.DONE, timezone.now(), ""
        run.save()
    except Exception as exc:  # recorded on the run for the admin; the worker keeps going
        run.status, run.finished_at, run.error = ScanRun.Status.FAILED, timezone.now(), repr(exc)
        run.save(update_fields=["status", "finished_at", "error"])
        raise
    return run


def _fill_queue(run: ScanRun, result: pipeline.LinkResult) -> tuple[int, int]:
    """Open queue := pairs inside a duplicate group, plus unclustered pairs above ``PROBABLE``."""
    ids = result.features["id"].cast(pl.Int64)
    labels = pl.Series("label", result.labels)
    pairs = result.pairs.filter(pl.col("probability") >= PROBABLE)
    left, right = pairs["l"].to_numpy(), pairs["r"].to_numpy()
    a = ids.gather(left).to_numpy()
    b = ids.gather(right).to_numpy()
    group = ids.gather(labels.gather(left)).to_numpy()
    same = labels.gather(left).to_numpy() == labels.gather(right).to_numpy()
    lo, hi = np.minimum(a, b), np.maximum(a, b)
    frame = pl.DataFrame({"a": lo, "b": hi, "group": np.where(same, group, lo),
                          "probability": pairs["probability"].to_numpy(),
                          "weight": pairs["match_weight"].to_numpy(), "row": np.arange(len(lo))})
    rejected = pl.DataFrame(list(NotDuplicate.objects.values_list("customer_a_id", "customer_b_id")),
                            schema={"a": pl.Int64, "b": pl.Int64}, orient="row")
    decided = pl.DataFrame(list(DuplicateCandidate.objects.exclude(status=DuplicateCandidate.Status.OPEN)
                                .values_list("customer_a_id", "customer_b_id")),
                           schema={"a": pl.Int64, "b": pl.Int64}, orient="row")
    frame = frame.join(rejected, on=["a", "b"], how="anti").join(decided, on=["a", "b"], how="anti")
    levels = np.column_stack([pairs[c.name].to_numpy() for c in COMPARISONS])
    tf = pipeline.tf_values(result.features, left)
    weights = result.model.field_weights(levels, tf)
    with transaction.atomic():
        DuplicateCandidate.objects.filter(status=DuplicateCandidate.Status.OPEN).delete()
        batch = []
        for a_id, b_id, grp, prob, w, row in frame.iter_rows():
            evidence = evidence_rows(levels[row], weights[row])
            batch.append(DuplicateCandidate(run=run, group=int(grp), customer_a_id=int(a_id),
                                            customer_b_id=int(b_id), probability=float(prob),
                                            match_weight=float(w), evidence=evidence))
            if len(batch) >= 5000:
                DuplicateCandidate.objects.bulk_create(batch)
                batch = []
        DuplicateCandidate.objects.bulk_create(batch)
    return frame.height, int(frame["group"].n_unique()) if frame.height else 0


# --- review decisions ------------------------------------------------------------------------

def visible_queue(user):
    """Open pairs whose two customers the user may both see (web page and API)."""
    from django.db.models import Exists, OuterRef

    from kehu.customers.access import visible_customers

    visible = visible_customers(user)
    return (DuplicateCandidate.objects.filter(status=DuplicateCandidate.Status.OPEN)
            .filter(Exists(visible.filter(pk=OuterRef("customer_a_id"))),
                    Exists(visible.filter(pk=OuterRef("customer_b_id")))))


@transaction.atomic
def reject_candidate(actor, candidate: DuplicateCandidate) -> NotDuplicate:
    """"Not a duplicate": remembered so the pair is never proposed again."""
    if not actor.has_perm("identity.change_duplicatecandidate"):
        raise PermissionDenied
    if candidate.status != DuplicateCandidate.Status.OPEN:
        raise ValidationError(_("This pair was already decided."))
    a, b = sorted((candidate.customer_a_id, candidate.customer_b_id))
    marker, _created = NotDuplicate.objects.get_or_create(customer_a_id=a, customer_b_id=b,
                                                          defaults={"decided_by": actor})
    candidate.status, candidate.decided_by, candidate.decided_at = (
        DuplicateCandidate.Status.REJECTED, actor, timezone.now())
    candidate.save(update_fields=["status", "decided_by", "decided_at"])
    audit.record(actor, "create", marker, customer_id=a, changes={"not_duplicate_of": [None, b]})
    return marker


def mark_not_duplicate(actor, customer_a_id: int, customer_b_id: int) -> NotDuplicate:
    """The same decision taken from an on-entry warning (no queue entry needed)."""
    a, b = sorted((int(customer_a_id), int(customer_b_id)))
    with transaction.atomic():
        marker, created = NotDuplicate.objects.get_or_create(customer_a_id=a, customer_b_id=b,
                                                             defaults={"decided_by": actor})
        if created:
            audit.record(actor, "create", marker, customer_id=a, changes={"not_duplicate_of": [None, b]})
        DuplicateCandidate.objects.filter(customer_a_id=a, customer_b_id=b,
                                          status=DuplicateCandidate.Status.OPEN).update(
            status=DuplicateCandidate.Status.REJECTED, decided_by=actor, decided_at=timezone.now())
    return marker


def link_sure_matches_enabled() -> bool:
    return bool(getattr(settings, "KEHU_IDENTITY_LINK_SURE", True))


# --- many records at once (imports) ----------------------------------------------------------

def match_many(records: pl.DataFrame, *, threshold: float = PROBABLE) -> pl.DataFrame:
    """The best existing customer for each of many raw records (an import chunk).

    ``records`` has the matcher's raw fields (``features.RAW_FIELDS`` except id). Same keys, caps
    and weights as on entry, but one key query per few thousand keys and one vectorised scoring
    for the whole chunk. Returns row, customer_id, probability, sure (rows with no match ≥
    ``threshold`` are absent).
    """
    if not records.height:
        return _no_matches()
    raw = records.with_columns(pl.arange(0, records.height).cast(pl.Utf8).alias("id"))
    raw = raw.select([c for c in features.RAW_FIELDS if c in raw.columns])
    return match_features(features.prepare(raw), threshold=threshold)


class KnownKeys:
    """The blocking keys stored when a big import into a small customer file began, as sorted
    64-bit hashes (8 bytes a key): a million new customers into an empty file then look up
    nothing, where each chunk asked the database for 170,000 keys that were not there.
    Customers added meanwhile by others are not matched by the import (the dry run could not
    see them either); the import's own are left out anyway."""

    LIMIT = 4_000_000  # keys loaded at most (32 MB); a bigger file is asked chunk by chunk

    def __init__(self, hashes: np.ndarray):
        self.hashes = hashes

    @classmethod
    def load(cls, expected_keys: int) -> KnownKeys | None:
        """The stored keys, when there are fewer than the import will look up (and ≤ LIMIT)."""
        cap = min(cls.LIMIT, max(50_000, expected_keys))
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT count(*) FROM (SELECT 1 FROM {profiles.KEY_TABLE} LIMIT %s) AS k",  # noqa: S608
                           [cap + 1])
            if cursor.fetchone()[0] > cap:
                return None
            cursor.execute(f"SELECT key FROM {profiles.KEY_TABLE}")  # noqa: S608
            keys = pl.Series([r[0] for r in cursor.fetchall()], dtype=pl.Utf8)
        return cls(np.sort(_hash(keys)))

    def contains(self, keys: pl.Series) -> pl.Series:
        h = _hash(keys)
        at = np.minimum(np.searchsorted(self.hashes, h), max(len(self.hashes) - 1, 0))
        return pl.Series(self.hashes[at] == h if len(self.hashes) else np.zeros(len(h), dtype=bool))


def _hash(keys: pl.Series) -> np.ndarray:
    return keys.hash(seed=0).to_numpy().view(np.int64)


def _no_matches() -> pl.DataFrame:
    return pl.DataFrame(schema={"row": pl.Int64, "customer_id": pl.Int64, "probability": pl.Float64,
                                "sure": pl.Boolean})


def match_features(feats: pl.DataFrame, *, threshold: float = PROBABLE, exclude: np.ndarray | None = None,
                   known: KnownKeys | None = None) -> pl.DataFrame:
    """``match_many`` for records already prepared (``id`` = their row number as text), e.g. an
    import that stores the same features as the new customers' profiles. ``exclude``: sorted
    customer ids that are not candidates (an import's own customers: what it finds must not
    depend on which of its chunks are already written), left out before the key caps count.
    ``known``: the keys stored when the import began; only those are looked up."""
    empty = _no_matches()
    records = feats
    if not feats.height:
        return empty
    keys = profiles.keys_of(feats)
    wanted = keys["key"].unique()
    if known is not None:
        wanted = wanted.filter(known.contains(wanted))
    found = _stored_keys(wanted.to_list(), exclude) if len(wanted) else pl.DataFrame(
        schema={"key": pl.Utf8, "customer_id": pl.Int64})
    if not found.height:
        return empty
    pairs = (keys.rename({"customer_id": "row"}).join(found, on="key")
             .select("row", "customer_id").unique())
    candidates = profiles.load_profiles(pairs["customer_id"].unique().sort().to_list())
    if not candidates.height:
        return empty
    both = pl.concat([feats.select(candidates.columns).cast(candidates.schema), candidates])
    position = {int(cid): records.height + i for i, cid in enumerate(candidates["id"].to_list())}
    pairs = pairs.filter(pl.col("customer_id").is_in(list(position)))
    left = pairs["row"].to_numpy()
    right = np.array([position[int(c)] for c in pairs["customer_id"].to_list()], dtype=np.int64)
    _levels, _fields, _weights, probability, sure = _score(both, left, right, current_model())
    scored = pairs.with_columns(pl.Series("probability", probability), pl.Series("sure", sure))
    return (scored.filter(pl.col("probability") >= threshold)
            .sort(["row", "probability"], descending=[False, True])
            .group_by("row", maintain_order=True).first()
            .select(pl.col("row").cast(pl.Int64), pl.col("customer_id").cast(pl.Int64), "probability", "sure"))


def _stored_keys(keys: list[str], exclude: np.ndarray | None = None) -> pl.DataFrame:
    """(key, customer_id) of stored profiles for these keys, without keys over their rule's cap
    (as on entry and in the scan: such a key says too little) and without ``exclude``d customers.

    On PostgreSQL each key reads at most cap + 1 rows (a lateral join with a limit, as on entry):
    an import's chunk asks for ~170,000 keys, and the common ones ("wang, born 1980-12-03") hold
    hundreds of customers that would be read only to be dropped."""
    caps = {r.name: r.max_block for r in blocking.RULES}
    ranges = id_ranges(exclude) if exclude is not None else []
    outside, outside_params = outside_ranges_sql("m.customer_id", ranges)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            limits = "{" + ",".join(str(caps.get(k.split(":", 1)[0], 200) + 1) for k in keys) + "}"
            cursor.execute(
                f"SELECT w.key, k.customer_id FROM unnest(%s::text[], %s::int[]) AS w(key, lim) "  # noqa: S608
                f"CROSS JOIN LATERAL (SELECT m.customer_id FROM {profiles.KEY_TABLE} m "
                f"WHERE m.key = w.key AND {outside} LIMIT w.lim) AS k",
                [text_array(keys), limits, *outside_params])
        else:
            where, params = any_of_sql("m.key", keys, connection.vendor)
            cursor.execute(f"SELECT m.key, m.customer_id FROM {profiles.KEY_TABLE} m "  # noqa: S608
                           f"WHERE {where} AND {outside}", [*params, *outside_params])
        rows = cursor.fetchall()
    found = pl.DataFrame(rows, schema={"key": pl.Utf8, "customer_id": pl.Int64}, orient="row")
    rule = pl.col("key").str.split_exact(":", 1).struct.field("field_0")
    return found.filter(pl.len().over("key") <= rule.replace_strict(caps, return_dtype=pl.Int64))
