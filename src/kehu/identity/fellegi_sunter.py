"""The Fellegi–Sunter match model: per-comparison-level m and u probabilities, learned from data.

For one pair, each field's level contributes a Bayes factor m/u (how much more often that level is
seen between two records of the same customer than between two different customers); the prior
λ turns their product into a match probability. Like Splink we

- estimate u from random pairs (almost all of them are different customers),
- estimate m by expectation–maximisation on the candidate pairs with u held fixed, hiding from
  each pair the fields of the blocking rule that produced it (those agree by construction),
- and adjust the name and city factors by term frequency: sharing 张伟 (0.3 % of a Chinese customer
  file) is weaker evidence than sharing 欧阳修.

We fit by hand rather than through Splink because the model must also score a single record typed
into a form within a few milliseconds, against candidates read from database indexes; Splink's
scoring runs as SQL over a whole table (0.6–0.8 s a record at a million customers). The EM itself
is short: it runs on the distinct comparison patterns, a few thousand, not the pairs.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import numpy as np
import polars as pl

from kehu.identity.compare import COMPARISONS, INDEX, NULL

TF_POLARS_MIN = 10_000  # term frequencies of this many values or more are looked up by polars
# comparison → {level: term-frequency table}: an exact name is as rare as its characters
# (李娜), a pinyin match as common as every name that sounds the same (李娜, 李那, 黎娜 …).
TF_FIELDS = {"name": {4: "name", 5: "name_exact"}, "city": {1: "city"}}
TF_FALLBACK = {"name_exact": "name"}  # where a record has no value for a table, use this one
# Fields a household shares (a family's landline, flat, postcode and city). Between two records
# whose names differ (these name levels) they are not independent evidence: a mother and a son
# agree on all four. There only the strongest of them counts.
HOUSEHOLD_FIELDS = ("phone", "address", "postcode", "city")
DIFFERENT_NAME_LEVELS = (0, 1)


def _default_m() -> dict[str, list[float]]:
    out = {}
    for c in COMPARISONS:
        n = c.n_levels
        # Agreement is likely between two records of one customer: most mass on the top level.
        m = np.full(n, 0.1 / max(n - 1, 1))
        m[-1] = 0.9
        out[c.name] = (m / m.sum()).tolist()
    return out


@dataclass
class MatchModel:
    m: dict[str, list[float]] = field(default_factory=_default_m)
    u: dict[str, list[float]] = field(default_factory=dict)
    prior: float = 1e-6  # probability that two random records are the same customer
    tf: dict[str, dict[str, float]] = field(default_factory=dict)  # field → value → frequency
    tf_floor: dict[str, float] = field(default_factory=dict)  # frequency of an unlisted value
    # table → {"edges": frequency band edges, "bits": added weight per band}, see calibrate_tf
    tf_bits: dict[str, dict[str, list[float]]] = field(default_factory=dict)
    trained_on: dict = field(default_factory=dict)  # records, pairs, iterations … (shown in admin)

    # --- scoring -----------------------------------------------------------------------------

    def _log2_factors(self) -> list[np.ndarray]:
        return [np.log2(np.asarray(self.m[c.name]) / np.asarray(self.u[c.name])) for c in COMPARISONS]

    def field_weights(self, levels: np.ndarray, tf_values: dict[str, np.ndarray] | None = None,
                      shared: dict | None = None) -> np.ndarray:
        """log2 Bayes factor per pair and comparison (0 where a side is missing). ``shared``: the
        pairs' ``shared_frequencies`` of every TF comparison, when the caller has them."""
        levels = np.asarray(levels)
        out = np.zeros(levels.shape, dtype=float)
        for k, factors in enumerate(self._log2_factors()):
            lv = levels[:, k]
            ok = lv != NULL
            out[ok, k] = factors[lv[ok]]
        for name, tf_levels in TF_FIELDS.items():
            k = INDEX[name]
            for level, table in tf_levels.items():
                if shared is not None:
                    hit, freq = shared.get(table, (None, None))
                else:
                    hit, freq = self._shared_frequencies(levels[:, k], level, table, tf_values)
                if hit is None:
                    continue
                u = self.u[name][level]
                # Splink's tf adjustment: replace u by the frequency of the shared value,
                # never rewarding a rare value more than a 30-fold boost …
                out[hit, k] += np.log2(u / np.clip(freq, u / 30, None))
                # … then what the data say a value that rare is worth (calibrate_tf)
                out[hit, k] += self._band_bits(table, freq)
        _count_household_once(out, levels)
        return out

    def _shared_frequencies(self, lv: np.ndarray, level: int, table: str, tf_values):
        """Pairs at ``level`` (mask) and the frequency of the value each shares, or (None, None)."""
        if not tf_values or table not in tf_values:
            return None, None
        hit = lv == level
        if not hit.any():
            return None, None
        values = np.asarray(tf_values[table], dtype=object)[hit]
        freq = np.array(self.term_frequencies(table, values), dtype=float)
        other = TF_FALLBACK.get(table)
        if other and other in tf_values:
            missing = np.array([v is None for v in values], dtype=bool)
            if missing.any():
                fallback = np.asarray(tf_values[other], dtype=object)[hit][missing]
                freq[missing] = self.term_frequencies(other, fallback)
        return hit, freq

    def _band_bits(self, table: str, freq: np.ndarray) -> np.ndarray | float:
        bands = self.tf_bits.get(table)
        if not bands:
            return 0.0
        bits = np.append(np.asarray(bands["bits"], dtype=float), 0.0)  # above the last band: none
        return bits[np.searchsorted(np.asarray(bands["edges"], dtype=float), freq)]

    def term_frequencies(self, name: str, values) -> np.ndarray:
        table = self.tf.get(name, {})
        floor = self.tf_floor.get(name, 1e-6)
        if len(values) < TF_POLARS_MIN or not table:
            # One record on entry: handing polars the 50,000-entry table costs milliseconds a call.
            values = values.to_list() if isinstance(values, pl.Series) else values
            return np.array([table.get(v, floor) if v is not None else floor for v in values], dtype=float)
        if not isinstance(values, pl.Series):
            # Through a list: polars cannot cast a numpy object array whose first value is None.
            values = pl.Series(values.tolist() if isinstance(values, np.ndarray) else list(values),
                               dtype=pl.Utf8)
        return values.replace_strict(table, default=floor, return_dtype=pl.Float64).fill_null(floor).to_numpy()

    def match_weight(self, levels, tf_values=None) -> np.ndarray:
        prior = np.log2(self.prior / (1 - self.prior))
        return prior + self.field_weights(levels, tf_values).sum(axis=1)

    def probability(self, levels, tf_values=None) -> np.ndarray:
        return weight_to_probability(self.match_weight(levels, tf_values))

    # --- training ----------------------------------------------------------------------------

    def estimate_u(self, random_levels: np.ndarray) -> None:
        """u per level from pairs of random records (Laplace-smoothed: no level is impossible)."""
        for k, c in enumerate(COMPARISONS):
            lv = random_levels[:, k]
            counts = np.bincount(lv[lv != NULL], minlength=c.n_levels).astype(float) + 1.0
            self.u[c.name] = (counts / counts.sum()).tolist()

    def estimate_m(self, levels: np.ndarray, *, max_iter: int = 50, tol: float = 1e-6) -> int:
        """EM for m and the within-candidates match share, u fixed. Returns the iterations run."""
        patterns, counts = unique_rows(levels)
        counts = counts.astype(float)
        log_u = [np.log(np.asarray(self.u[c.name])) for c in COMPARISONS]
        share = 0.1
        iterations = 0
        for _ in range(max_iter):
            iterations += 1
            log_m = [np.log(np.asarray(self.m[c.name])) for c in COMPARISONS]
            lm = np.zeros(len(patterns))
            lu = np.zeros(len(patterns))
            for k in range(len(COMPARISONS)):
                lv = patterns[:, k]
                ok = lv != NULL
                lm[ok] += log_m[k][lv[ok]]
                lu[ok] += log_u[k][lv[ok]]
            logit = np.log(share) - np.log1p(-share) + lm - lu
            post = 1.0 / (1.0 + np.exp(-np.clip(logit, -700, 700)))
            weights = post * counts
            new_share = weights.sum() / counts.sum()
            delta = abs(new_share - share)
            share = float(np.clip(new_share, 1e-9, 1 - 1e-9))
            for k, c in enumerate(COMPARISONS):
                lv = patterns[:, k]
                ok = lv != NULL
                m = np.bincount(lv[ok], weights=weights[ok], minlength=c.n_levels) + 1e-3
                new_m = m / m.sum()
                delta = max(delta, float(np.abs(new_m - self.m[c.name]).max()))
                self.m[c.name] = new_m.tolist()
            if delta < tol:
                break
        return iterations

    def estimate_prior(self, levels, tf_values, n_records: int, *, iterations: int = 30,
                       bayes: np.ndarray | None = None) -> None:
        """λ such that the expected number of matching candidate pairs agrees with λ·N(N−1)/2.

        Kept between "one record in a hundred has a duplicate" and "every record has one": with
        few duplicates the fixed point can slide towards zero (each step lowers the posteriors
        that set the next), and a λ of 10⁻¹² would let no evidence be enough. ``bayes``: each
        pair's summed field weights, when the caller has them already.
        """
        total = n_records * (n_records - 1) / 2
        if total <= 0 or len(levels if bayes is None else bayes) == 0:
            return
        if bayes is None:
            bayes = self.field_weights(levels, tf_values).sum(axis=1)
        low, high = 0.01 * n_records / total, min(n_records / total, 0.5)
        prior = float(np.clip(self.prior, low, high))
        for _ in range(iterations):
            w = np.log2(prior / (1 - prior)) + bayes
            expected = weight_to_probability(w).sum()
            step, prior = prior, float(np.clip(expected / total, low, high))
            if abs(prior - step) <= 1e-4 * prior:
                break
        self.prior = prior

    def shared_frequencies(self, levels, tf_values, comparisons=tuple(TF_FIELDS)) -> dict:
        """table → (pairs at its level, frequency of the value each shares)."""
        out = {}
        for name in comparisons:
            k = INDEX[name]
            for level, table in TF_FIELDS[name].items():
                hit, freq = self._shared_frequencies(np.asarray(levels)[:, k], level, table, tf_values)
                if hit is not None:
                    out[table] = (hit, freq)
        return out

    def band_shift(self, shared: dict, size: int) -> np.ndarray:
        """The bits ``tf_bits`` add to each of ``size`` pairs (``shared`` from shared_frequencies)."""
        shift = np.zeros(size)
        for table, (hit, freq) in shared.items():
            if table in self.tf_bits:
                shift[hit] += self._band_bits(table, freq)
        return shift

    def name_band_shares(self, levels, weights, shared: dict, n_records: int, band_counts, *,
                         comparison: str = "name", min_pairs: int = 50) -> dict:
        """Per band of value counts, the share of matches among pairs sharing such a value.

        (count − 1)/n overstates how common a rare name is among people: a name seen three times
        in a file is often one customer entered three times, so two records sharing it are far
        likelier one customer than the formula says (on synthetic data ~80 % against ~25 %). For
        each band of counts (``band_counts``: the largest count in each band), EM over the pairs
        sharing a value of that band, with the shared value itself hidden, estimates the share of
        them that are one customer. Bands with fewer than ``min_pairs`` pairs that have other
        evidence get no share (None).

        ``levels`` must hold every candidate pair that shares such a value (pairs from a blocking
        rule on the value alone), not a sample already biased by other agreeing fields;
        ``weights`` are their field weights without band bits, ``shared`` their
        ``shared_frequencies``. Returns table → {"edges", "share", "own"} (own: the band's mean
        weight of the shared value) for ``apply_band_shares``.
        """
        k = INDEX[comparison]
        levels = np.asarray(levels)
        others = weights.sum(axis=1) - weights[:, k]
        informative = (np.delete(levels, k, axis=1) != NULL).any(axis=1)
        edges = [(c - 0.5) / n_records for c in band_counts]  # a value seen c times: (c − 1)/n
        bands = {}
        for table in TF_FIELDS[comparison].values():
            if table not in shared:
                continue
            hit, freq = shared[table]
            band = np.searchsorted(edges, freq)
            own, other, has_other = weights[hit, k], others[hit], informative[hit]
            found = {"edges": edges, "share": [], "own": []}
            for b in range(len(edges)):
                sel = band == b
                enough = (sel & has_other).sum() >= min_pairs
                found["share"].append(match_share(other[sel & has_other]) if enough else None)
                found["own"].append(float(own[sel].mean()) if enough else 0.0)
            bands[table] = found
        return bands

    def apply_band_shares(self, bands: dict, *, max_bits: float = 8.0) -> None:
        """Set ``tf_bits`` so that a pair with nothing but a shared value of a band lands on the
        band's share of matches, given the current prior (re-apply after the prior moves)."""
        prior_bits = float(np.log2(self.prior / (1 - self.prior)))
        for table, found in bands.items():
            bits = [0.0 if share is None else
                    float(np.clip(np.log2(share / (1 - share)) - prior_bits - own, -max_bits, max_bits))
                    for share, own in zip(found["share"], found["own"], strict=True)]
            self.tf_bits[table] = {"edges": found["edges"], "bits": bits}

    # --- storage -----------------------------------------------------------------------------

    def to_json(self) -> str:
        return json.dumps({"m": self.m, "u": self.u, "prior": self.prior, "tf": self.tf,
                           "tf_floor": self.tf_floor, "tf_bits": self.tf_bits,
                           "trained_on": self.trained_on},
                          ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> MatchModel:
        data = json.loads(text)
        return cls(**data)


def _count_household_once(weights: np.ndarray, levels: np.ndarray) -> None:
    """Where the names differ, zero every positive household weight but the largest (in place)."""
    differ = np.isin(levels[:, INDEX["name"]], DIFFERENT_NAME_LEVELS)
    if not differ.any():
        return
    rows = np.flatnonzero(differ)
    cols = np.array([INDEX[f] for f in HOUSEHOLD_FIELDS])
    sub = weights[np.ix_(rows, cols)]
    strongest = np.zeros(sub.shape, dtype=bool)
    strongest[np.arange(len(rows)), sub.argmax(axis=1)] = True
    weights[np.ix_(rows, cols)] = np.where((sub > 0) & ~strongest, 0.0, sub)


def match_share(evidence_bits: np.ndarray, *, max_iter: int = 500, tol: float = 1e-7) -> float:
    """The share π of matches among pairs, given each pair's other evidence (log2 Bayes factor):
    the EM fixed point π = mean posterior(π)."""
    share = 0.5
    for _ in range(max_iter):
        post = weight_to_probability(np.log2(share / (1 - share)) + evidence_bits)
        new = float(np.clip(post.mean(), 1e-4, 1 - 1e-4))
        if abs(new - share) < tol:
            return new
        share = new
    return share


def evidence_rows(levels_row, weights_row) -> list[dict]:
    """Per-field level (its code) and weight in bits, from one row of levels and field weights."""
    return [{"field": c.name, "level": None if int(levels_row[k]) == NULL else c.levels[int(levels_row[k])],
             "weight": round(float(weights_row[k]), 2)} for k, c in enumerate(COMPARISONS)]


def unique_rows(levels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct rows of a levels array and how often each occurs (``np.unique(levels, axis=0,
    return_counts=True)``, possibly in another row order). Each row is packed into one int64 first:
    sorting millions of int64 takes a fraction of a second, ``np.unique(axis=0)`` takes seconds."""
    levels = np.asarray(levels)
    if levels.ndim != 2 or not len(levels):
        return np.unique(levels, axis=0, return_counts=True)
    shifted = levels.astype(np.int64) - NULL  # NULL (-1) becomes 0: every digit is non-negative
    base = max(int(shifted.max()) + 1, 2)
    if shifted.min() < 0 or base ** levels.shape[1] >= 2**62:
        return np.unique(levels, axis=0, return_counts=True)
    codes = shifted @ (base ** np.arange(levels.shape[1] - 1, -1, -1, dtype=np.int64))
    _codes, first, counts = np.unique(codes, return_index=True, return_counts=True)
    return levels[first], counts


def weight_to_probability(weight: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp2(-np.clip(weight, -1000, 1000)))
