"""Batch deduplication of a set of records: block → compare → train → score → cluster.

Used as is by ``kehu identity dedupe`` (a spreadsheet, no database) and by the batch scan of the
customer file (which feeds it the stored profiles), so both find the same duplicates.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import polars as pl

from kehu.identity import blocking
from kehu.identity.cluster import cluster
from kehu.identity.compare import COMPARISONS, compare
from kehu.identity.fellegi_sunter import TF_FIELDS, MatchModel, weight_to_probability

LINK_THRESHOLD = 0.7  # a pair at or above this may join a cluster (if the cluster checks agree)
REVIEW_THRESHOLD = 0.5  # pairs between this and certainty are shown for review
TF_TABLE_SIZE = 50_000
# Below this many records EM has too few pairs to learn from: the shipped weights are used.
MIN_TRAINING_RECORDS = 2_000


def default_model() -> MatchModel:
    """The weights Kehu ships, learned on synthetic records (scripts/train_default_identity_model.py)."""
    from importlib import resources

    text = resources.files("kehu.identity").joinpath("default_model.json").read_text("utf-8")
    return MatchModel.from_json(text)


@dataclass
class LinkResult:
    features: pl.DataFrame
    pairs: pl.DataFrame  # l, r, rule, probability, match_weight and the level of each comparison
    labels: np.ndarray  # cluster label per record (row number of its first record)
    model: MatchModel
    stats: dict = field(default_factory=dict)


def name_key(features: pl.DataFrame) -> pl.Series:
    return features.select(pl.coalesce("pinyin_key", "latin_key")).to_series()


def tf_values(features: pl.DataFrame, rows: np.ndarray) -> dict[str, np.ndarray]:
    """The value each pair shares, looked up in the term-frequency tables (left record's)."""
    return {"name": name_key(features).gather(rows).to_numpy(),
            "name_exact": exact_name_key(features).gather(rows).to_numpy(),
            "city": features["city"].gather(rows).to_numpy()}


def exact_name_key(features: pl.DataFrame) -> pl.Series:
    """What an exact name match shares: the characters, or a Latin name that is not pinyin.
    A name written in pinyin (null here) does not say which homophone was meant: its exact
    match is weighed with the pinyin table (``TF_FALLBACK``)."""
    return features.select(
        pl.coalesce("hanzi", pl.when(pl.col("pinyin_key").is_null()).then("latin_key"))).to_series()


def _frequencies(values: pl.Series, n: int, size: int = TF_TABLE_SIZE) -> tuple[dict[str, float], float]:
    """How often another record shares the value: (count − 1) / n, as the record itself is
    one of the ``count`` (for a name seen twice that is 1/n, not 2/n). The table keeps the
    ``size`` most common values; the floor for the others is 1/n, or, when the table was cut, the
    frequency of its rarest value (an unlisted value may be that common: erring towards common
    keeps a name the table had no room for from counting as unique)."""
    counts = values.drop_nulls().value_counts(sort=True)
    kept = counts.head(size)
    others = (kept["count"] - 1).clip(lower_bound=1)
    table = dict(zip(kept[:, 0].to_list(), (others / n).to_list(), strict=True))
    floor = float(others.min()) / n if counts.height > size else 1.0 / max(n, 1)
    return table, floor


def train(features: pl.DataFrame, pairs: pl.DataFrame, levels: np.ndarray, *,
          seed: int = 0, random_pairs: int = 1_000_000) -> MatchModel:
    n = features.height
    model = MatchModel()
    rng = np.random.default_rng(seed)
    # u needs enough random pairs to see the rare agreement levels; 100 per record is plenty
    k = min(random_pairs, 100 * n, max(n * (n - 1) // 2, 1))
    a = rng.integers(0, n, k)
    b = rng.integers(0, n, k)
    keep = a != b
    model.estimate_u(compare(features, a[keep], b[keep]))
    for name, values in (("name", name_key(features)), ("name_exact", exact_name_key(features)),
                         ("city", features["city"])):
        model.tf[name], model.tf_floor[name] = _frequencies(values, n)
    iterations, learned = _estimate_m_by_rule(model, levels, pairs["rules"].to_numpy())
    kept = _keep_shipped_where_unlearnable(model, learned)
    shares = _estimate_prior_and_name_bands(model, features, pairs, levels)
    model.trained_on = {"records": n, "pairs": int(len(levels)), "iterations": iterations,
                        "random_pairs": int(keep.sum()), "shipped_m": kept, "name_band_shares": shares}
    return model


MIN_AGREEMENT_FACTOR = 10.0  # full agreement must be at least this much likelier among matches


def _keep_shipped_where_unlearnable(model: MatchModel, learned: set[str]) -> list[str]:
    """Fields whose m the data could not teach keep the shipped m.

    A customer file can lack what a rule needs: in a file where every phone is unique and the
    re-entered customers came without one, no pair of one customer agrees on the phone, and EM
    would conclude that an equal phone says nothing. Full agreement on a field must stay strong
    evidence (m/u of the top level ≥ ``MIN_AGREEMENT_FACTOR``); where it does not, or no rule could
    estimate the field at all, the shipped weights are used. Returns those fields.
    """
    shipped = default_model()
    kept = []
    for name, m in model.m.items():
        u = model.u[name]
        if name not in learned or m[-1] < MIN_AGREEMENT_FACTOR * u[-1] or m[-1] < 0.2:
            model.m[name] = list(shipped.m[name])
            kept.append(name)
    return kept


# Name-frequency bands whose weight is calibrated (largest record count in each band). They end at
# the cap of the name blocking rules: up to there every pair sharing the name is a candidate.
NAME_BANDS = (2, 3, 4, 5, 7, 11, 25)
NAME_RULES = ("rare_name", "latin_name")


def _estimate_prior_and_name_bands(model: MatchModel, features: pl.DataFrame, pairs: pl.DataFrame,
                                   levels: np.ndarray, rounds: int = 3) -> dict:
    """The share of matches per name-frequency band does not depend on λ, but the bits that
    reach it do, and λ counts the matches the bits help find: alternate a few rounds, λ last.
    Returns each band's share of matches (for ``trained_on``)."""
    n = features.height
    for table in TF_FIELDS["name"].values():
        model.tf_bits.pop(table, None)
    shared = model.shared_frequencies(levels, tf_values(features, pairs["l"].to_numpy()))
    weights = model.field_weights(levels, shared=shared)
    base = weights.sum(axis=1)
    rules = pairs["rules"].to_numpy()
    on_name = np.zeros(len(levels), dtype=bool)
    for rule in NAME_RULES:
        on_name |= blocking.pairs_of_rule(rules, rule)
    shared_on_name = {table: (hit[on_name], freq[on_name[hit]]) for table, (hit, freq) in shared.items()}
    bands = model.name_band_shares(levels[on_name], weights[on_name], shared_on_name, n, NAME_BANDS)
    for _ in range(rounds):
        model.estimate_prior(None, None, n, bayes=base + model.band_shift(shared, len(levels)))
        model.apply_band_shares(bands)
    model.estimate_prior(None, None, n, bayes=base + model.band_shift(shared, len(levels)))
    return {table: [None if s is None else round(s, 4) for s in found["share"]]
            for table, found in bands.items()}


# Rules whose pairs train m (as in Splink: each rule's own fields agree by construction, so the
# rule estimates m only for the other fields; every field is estimated by at least one rule).
TRAINING_RULES = ("phone", "email", "name_dob", "name_city", "surname_phone_tail")
MIN_TRAINING_PAIRS = 30


def _estimate_m_by_rule(model: MatchModel, levels: np.ndarray, rules_bits: np.ndarray
                        ) -> tuple[int, set[str]]:
    """EM per training rule; returns the iterations run and the fields some rule estimated."""
    by_rule = {r.name: r for r in blocking.RULES}
    estimates: dict[str, list[np.ndarray]] = {c.name: [] for c in COMPARISONS}
    iterations = 0
    for name in TRAINING_RULES:
        rule = by_rule[name]
        rows = blocking.pairs_of_rule(rules_bits, name)
        if rows.sum() < MIN_TRAINING_PAIRS:
            continue
        sub = levels[rows].copy()
        hidden = sorted(rule.compared_fields)
        sub[:, hidden] = -1
        trial = MatchModel(u=model.u)
        iterations += trial.estimate_m(sub)
        for k, c in enumerate(COMPARISONS):
            if k not in hidden:
                estimates[c.name].append(np.asarray(trial.m[c.name]))
    for name, found in estimates.items():
        if found:
            mean = np.mean(found, axis=0)
            model.m[name] = (mean / mean.sum()).tolist()
    return iterations, {name for name, found in estimates.items() if found}


def score_pairs(features: pl.DataFrame, pairs: pl.DataFrame, model: MatchModel,
                levels: np.ndarray | None = None) -> pl.DataFrame:
    left = pairs["l"].to_numpy()
    if levels is None:
        levels = compare(features, left, pairs["r"].to_numpy())
    weight = model.match_weight(levels, tf_values(features, left))
    return pairs.with_columns(
        pl.Series("match_weight", weight),
        pl.Series("probability", weight_to_probability(weight)),
        *[pl.Series(c.name, levels[:, k]) for k, c in enumerate(COMPARISONS)],
    )


def link(features: pl.DataFrame, model: MatchModel | None = None, *,
         threshold: float = LINK_THRESHOLD, max_cluster: int = 20) -> LinkResult:
    """Deduplicate ``features`` (from ``features.prepare``); trains a model unless one is given
    (or the data are too few to learn from, see ``MIN_TRAINING_RECORDS``)."""
    pairs, stats = blocking.candidate_pairs(features)
    left, right = pairs["l"].to_numpy(), pairs["r"].to_numpy()
    levels = compare(features, left, right)
    if model is None:
        model = (train(features, pairs, levels) if features.height >= MIN_TRAINING_RECORDS
                 else default_model())
    scored = score_pairs(features, pairs, model, levels)
    strong = {"id_number": features["id_number"].to_list()}
    if features["strong_phone"].null_count() < features.height:
        strong["verified_phone"] = features["strong_phone"].to_list()
    labels = cluster(features.height, left, right, scored["probability"].to_numpy(),
                     threshold=threshold, max_size=max_cluster, strong=strong)
    stats["candidate_pairs"] = pairs.height
    return LinkResult(features, scored, labels, model, stats)
