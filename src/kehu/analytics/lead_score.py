"""Lead scoring: the probability that a lead converts, and why (no Django).

Three scorers share one description of a lead — a dict of equally long numpy columns
(``RAW_FIELDS``): its source, channel, region, company size, nature class (categorical text), whether
phone / email / WeChat / company are filled in, whether it was referred and by a tier-A (VIP)
customer (0/1), its engagement before the cut-off (activities done, interactions, inbound emails:
counts) and its age in days at the cut-off.

- ``LeadScorer``: logistic regression (scikit-learn): categorical features one-hot (categories
  with at least ``min_count`` leads; regions: the ``top_regions`` most frequent; the rest "other"),
  0/1 features centred, counts and age as ``log1p`` standardised.
  With ``calibrate`` (the caller decides: ``kehu.sales.lead_scoring`` does when the plain model's
  expected calibration error on the holdout is too high) the model is refitted through
  ``CalibratedClassifierCV(method="sigmoid")`` and the sigmoid (a, b) is kept as the calibration
  map, while the regression's own coefficients still explain each score. Everything it learned is
  plain JSON (``params_``): no pickle, readable by anyone.
- ``FrequencyBaseline``: the anchor to beat — a naive-Bayes frequency table over source, channel
  and region in the manner of Odoo's predictive lead scoring (each value's won and lost counts,
  +0.1 so an unseen combination is never 0 or 1).
- ``RuleScore``: the transparent fallback when history is too thin to learn from — documented
  points per feature (``RULE_POINTS``), squashed to 0–1.

Each scorer also gives the *contributions* of each feature group to one lead's score (log-odds
for the models, points for the rules): a lead's top reasons are its largest ones by size
(``top_reasons``), "+ referral from a VIP customer", "− no phone".

>>> scorer = LeadScorer().fit(raw, y)   # doctest: +SKIP
>>> p = scorer.predict_proba(raw_open)  # doctest: +SKIP
"""

from __future__ import annotations

import math

import numpy as np

from kehu.analytics._base import NotFittedError

CATEGORICAL = ("source", "channel", "region", "company_size", "nature")
BINARY = ("has_phone", "has_email", "has_wechat", "has_company", "referred", "referrer_tier_a")
COUNTS = ("activities", "interactions", "email_replies")
AGE = "age_days"
RAW_FIELDS = CATEGORICAL + BINARY + COUNTS + (AGE,)
GROUPS = RAW_FIELDS  # a lead's reasons are per raw field (a one-hot group sums its columns)
OTHER = "__other__"
BASELINE_FIELDS = ("source", "channel", "region")


def _column(raw: dict, name: str) -> np.ndarray:
    return np.asarray(raw[name])


def _rows(raw: dict) -> int:
    return len(_column(raw, RAW_FIELDS[0]))


# --- features -------------------------------------------------------------------------------

def build_encoding(raw: dict, *, top_regions: int = 10, min_count: int = 5) -> dict:
    """The categories seen in ``raw``: those with at least ``min_count`` leads (regions: also only
    the ``top_regions`` most frequent); the rest, and any value first seen later, are "other".
    Blank means unknown and is a category like any other."""
    categories = {}
    for name in CATEGORICAL:
        values, counts = np.unique(_column(raw, name).astype(str), return_counts=True)
        ranked = sorted(zip(values.tolist(), counts.tolist(), strict=True), key=lambda vc: (-vc[1], vc[0]))
        kept = [v for v, c in ranked if c >= min_count]
        if name == "region":
            kept = kept[:top_regions]
        categories[name] = sorted(kept) + ([OTHER] if len(kept) < len(ranked) else [])
    return {"categories": categories}


def encode(raw: dict, encoding: dict) -> tuple[np.ndarray, list[dict]]:
    """The design matrix (n × columns, float) and a description of each column: ``name``, the
    feature ``group`` it belongs to, for one-hot columns the category ``value``, and whether it is
    numeric (``scaled``: standardised by the model; 0/1 columns are only centred)."""
    n = _rows(raw)
    blocks, columns = [], []
    for name in CATEGORICAL:
        values = _column(raw, name).astype(str)
        cats = encoding["categories"][name]
        if OTHER in cats:
            values = np.where(np.isin(values, [c for c in cats if c != OTHER]), values, OTHER)
        for cat in cats:
            blocks.append((values == cat).astype(float))
            columns.append({"name": f"{name}={cat}", "group": name, "value": cat, "scaled": False})
    for name in BINARY:
        blocks.append((_column(raw, name).astype(float) > 0).astype(float))
        columns.append({"name": name, "group": name, "scaled": False})
    for name in COUNTS + (AGE,):
        blocks.append(np.log1p(np.clip(_column(raw, name).astype(float), 0, None)))
        columns.append({"name": f"log1p({name})", "group": name, "scaled": True})
    matrix = np.column_stack(blocks) if blocks else np.empty((n, 0))
    return matrix.reshape(n, len(columns)), columns


def _group_matrix(columns: list[dict]) -> np.ndarray:
    """columns × groups, 1 where a column belongs to a group: contributions per group = C @ G."""
    index = {g: i for i, g in enumerate(GROUPS)}
    out = np.zeros((len(columns), len(GROUPS)))
    for j, col in enumerate(columns):
        out[j, index[col["group"]]] = 1.0
    return out


# --- quality --------------------------------------------------------------------------------

def auc(y, p) -> float | None:
    """Area under the ROC curve; None when ``y`` holds one class only (it is undefined then)."""
    from sklearn.metrics import roc_auc_score

    y = np.asarray(y)
    if y.size == 0 or y.min() == y.max():
        return None
    return float(roc_auc_score(y, p))


def brier(y, p) -> float | None:
    from sklearn.metrics import brier_score_loss

    y = np.asarray(y)
    return float(brier_score_loss(y, p)) if y.size else None


def calibration_bins(y, p, *, bins: int = 10) -> list[dict]:
    """Equal-width probability bins: per bin the leads, their mean predicted probability and the
    share that converted (a well calibrated score has them equal)."""
    y, p = np.asarray(y, float), np.asarray(p, float)
    which = np.minimum((p * bins).astype(int), bins - 1)
    n = np.bincount(which, minlength=bins)
    predicted = np.bincount(which, weights=p, minlength=bins)
    observed = np.bincount(which, weights=y, minlength=bins)
    return [{"lo": i / bins, "hi": (i + 1) / bins, "n": int(n[i]),
             "predicted": round(float(predicted[i] / n[i]), 4) if n[i] else None,
             "observed": round(float(observed[i] / n[i]), 4) if n[i] else None} for i in range(bins)]


def expected_calibration_error(table: list[dict]) -> float | None:
    """Σ (leads in bin / leads) · |predicted − observed| over ``calibration_bins``."""
    total = sum(b["n"] for b in table)
    if not total:
        return None
    return float(sum(b["n"] * abs(b["predicted"] - b["observed"]) for b in table if b["n"]) / total)


def time_split(created, *, holdout_share: float = 0.2) -> tuple[np.ndarray, float]:
    """Train on the older leads, test on the newest ``holdout_share`` (by creation time): a mask
    of the holdout and the time it starts at. Leads created at the same instant stay together."""
    created = np.asarray(created, float)
    if created.size == 0:
        return np.zeros(0, bool), math.nan
    cut = float(np.quantile(created, 1 - holdout_share, method="higher"))
    return created >= cut, cut


# --- the model ------------------------------------------------------------------------------

class LeadScorer:
    """Logistic regression lead score with reasons.

    Parameters
    ----------
    C : float
        Inverse L2 regularisation strength of the regression (scikit-learn's ``C``).
    top_regions : int
        Regions kept as their own feature; the rest are "other".
    min_count : int
        Leads a category needs in the training data to be a feature of its own (else "other").
    calibration : {"none", "sigmoid"}
        The default for ``fit``'s ``calibrate``.
    random_state : int
        Seed for the calibration folds' shuffling.

    Attributes
    ----------
    params_ : dict
        JSON: encoding, columns, means, scales, coefficients, intercept, calibration map
        (coefficients are per unit of a 0/1 column, per standard deviation of a numeric one).

    Examples
    --------
    >>> scorer = LeadScorer(calibration="none").fit(raw, y)  # doctest: +SKIP
    >>> scorer.predict_proba(raw)[:3]                         # doctest: +SKIP
    """

    def __init__(self, C: float = 1.0, top_regions: int = 10, min_count: int = 5, calibration: str = "none",
                 random_state: int = 0):
        self.C = C
        self.top_regions = top_regions
        self.min_count = min_count
        self.calibration = calibration
        self.random_state = random_state

    def fit(self, raw: dict, y, *, calibrate: bool | None = None) -> LeadScorer:
        """Fit on ``raw`` with labels ``y`` (1 converted, 0 disqualified). ``calibrate`` overrides
        ``calibration`` (the training service decides it from the holdout)."""
        from sklearn.calibration import CalibratedClassifierCV
        from sklearn.linear_model import LogisticRegression

        y = np.asarray(y, int)
        encoding = build_encoding(raw, top_regions=self.top_regions, min_count=self.min_count)
        X, columns = encode(raw, encoding)
        # Numeric columns standardised; 0/1 columns only centred (dividing a rare category's
        # column by its tiny spread would let one odd lead swing every score that has it).
        mean = X.mean(axis=0)
        numeric = np.array([c["scaled"] for c in columns], bool)
        scale = np.where(numeric, X.std(axis=0), 1.0)
        scale[scale == 0] = 1.0
        Z = (X - mean) / scale
        if calibrate is None:
            calibrate = self.calibration == "sigmoid"
        regression = LogisticRegression(C=self.C, max_iter=2000)
        calibration = {"method": "none"}
        if calibrate:
            folds = max(2, min(5, int(np.bincount(y, minlength=2).min())))
            from sklearn.model_selection import StratifiedKFold

            cv = StratifiedKFold(folds, shuffle=True, random_state=self.random_state)
            fitted = CalibratedClassifierCV(regression, method="sigmoid", cv=cv, ensemble=False).fit(Z, y)
            inner = fitted.calibrated_classifiers_[0]
            regression = inner.estimator
            sigmoid = inner.calibrators[0]
            calibration = {"method": "sigmoid", "a": float(sigmoid.a_), "b": float(sigmoid.b_)}
        else:
            regression.fit(Z, y)
        self.params_ = {
            "kind": "logistic_regression", "encoding": encoding, "columns": columns,
            "mean": mean.tolist(), "scale": scale.tolist(),
            "coef": regression.coef_[0].tolist(), "intercept": float(regression.intercept_[0]),
            "calibration": calibration, "C": self.C,
        }
        return self

    @classmethod
    def from_params(cls, params: dict) -> LeadScorer:
        scorer = cls(C=params.get("C", 1.0))
        scorer.params_ = params
        return scorer

    def _check(self):
        if not hasattr(self, "params_"):
            raise NotFittedError("LeadScorer is not fitted yet: call fit() or from_params().")

    def _z(self, raw: dict) -> np.ndarray:
        X, _columns = encode(raw, self.params_["encoding"])
        return (X - np.asarray(self.params_["mean"])) / np.asarray(self.params_["scale"])

    def _slope(self) -> float:
        """d(final log-odds)/d(regression log-odds): 1, or −a under sigmoid calibration."""
        cal = self.params_["calibration"]
        return -cal["a"] if cal.get("method") == "sigmoid" else 1.0

    def decision_function(self, raw: dict) -> np.ndarray:
        self._check()
        return self._z(raw) @ np.asarray(self.params_["coef"]) + self.params_["intercept"]

    def predict_proba(self, raw: dict) -> np.ndarray:
        """P(convert) for each lead (calibrated when the model is)."""
        f = self.decision_function(raw)
        cal = self.params_["calibration"]
        if cal.get("method") == "sigmoid":
            return 1.0 / (1.0 + np.exp(cal["a"] * f + cal["b"]))
        return 1.0 / (1.0 + np.exp(-f))

    def contributions(self, raw: dict) -> np.ndarray:
        """n × ``GROUPS``: each feature group's push on the lead's log-odds compared with the
        average lead of the training data (coefficient × centred value, summed per group)."""
        self._check()
        per_column = self._z(raw) * np.asarray(self.params_["coef"])
        return per_column @ _group_matrix(self.params_["columns"]) * self._slope()

    def coefficients(self) -> list[dict]:
        """Each column with its (standardised) coefficient, largest effect first."""
        self._check()
        rows = [{**col, "coef": c} for col, c in zip(self.params_["columns"], self.params_["coef"], strict=True)]
        return sorted(rows, key=lambda r: -abs(r["coef"]))


class FrequencyBaseline:
    """Naive-Bayes frequency table over a few categorical fields, as Odoo's predictive lead
    scoring computes it: P(won | values) ∝ P(won) · Π_field (won with this value + 0.1) /
    (won over the field's values + 0.1 each), the same for lost, normalised. A value never seen
    in training leaves both sides unchanged.

    Examples
    --------
    >>> FrequencyBaseline().fit(raw, y).predict_proba(raw)  # doctest: +SKIP
    """

    def __init__(self, fields: tuple[str, ...] = BASELINE_FIELDS, smoothing: float = 0.1):
        self.fields = fields
        self.smoothing = smoothing

    def fit(self, raw: dict, y) -> FrequencyBaseline:
        y = np.asarray(y, int)
        self.prior_ = (float((y == 1).sum()), float((y == 0).sum()))
        self.tables_ = {}
        for name in self.fields:
            distinct, which = np.unique(_column(raw, name).astype(str), return_inverse=True)
            which = which.ravel()
            won = np.bincount(which, weights=y, minlength=len(distinct)) + self.smoothing
            lost = np.bincount(which, weights=1 - y, minlength=len(distinct)) + self.smoothing
            table = {str(v): (float(w), float(lo)) for v, w, lo in zip(distinct, won, lost, strict=True)}
            won = sum(w for w, _ in table.values())
            lost = sum(lo for _, lo in table.values())
            self.tables_[name] = {v: (w / won, lo / lost) for v, (w, lo) in table.items()}
        return self

    def predict_proba(self, raw: dict) -> np.ndarray:
        won_total, lost_total = self.prior_
        total = won_total + lost_total
        log_won = np.full(_rows(raw), math.log(max(won_total, 1e-9) / total))
        log_lost = np.full(_rows(raw), math.log(max(lost_total, 1e-9) / total))
        for name in self.fields:
            distinct, which = np.unique(_column(raw, name).astype(str), return_inverse=True)
            table = self.tables_[name]
            looked_up = np.array([table.get(str(v), (1.0, 1.0)) for v in distinct]).reshape(-1, 2)
            log_won += np.log(looked_up[which.ravel(), 0])
            log_lost += np.log(looked_up[which.ravel(), 1])
        return 1.0 / (1.0 + np.exp(log_lost - log_won))


# --- the transparent rules ------------------------------------------------------------------

# Points when the lead has the feature / when it has not (0 = no reason either way). Counts give
# points per unit up to a cap; age takes points away per week past a month. The total, less
# RULE_OFFSET, over RULE_SCALE, goes through the logistic function: 0 points ≈ 21 %, 20 points
# 50 %, 40 points ≈ 79 %.
RULE_POINTS = {
    "referrer_tier_a": (25, 0),
    "referred": (15, 0),
    "has_phone": (10, -10),
    "has_email": (5, -5),
    "has_wechat": (5, 0),
    "has_company": (5, 0),
}
RULE_PER_UNIT = {"activities": (4, 20), "interactions": (2, 10), "email_replies": (5, 15)}
RULE_REFERRAL_SOURCE = 10  # the source is a referral (chain, celebrity, key-opinion customer)
RULE_AGE = {"grace_days": 30, "per_week": -1, "floor": -20}
RULE_OFFSET, RULE_SCALE = 20.0, 15.0


class RuleScore:
    """Points per feature (``RULE_POINTS``, ``RULE_PER_UNIT``, ``RULE_AGE``), squashed to 0–1.

    Parameters
    ----------
    referral_sources : tuple of str
        Source codes that count as a referral.
    """

    def __init__(self, referral_sources: tuple[str, ...] = ("referral", "celebrity", "key_opinion")):
        self.referral_sources = referral_sources

    def contributions(self, raw: dict) -> np.ndarray:
        """n × ``GROUPS`` points."""
        out = np.zeros((_rows(raw), len(GROUPS)))
        index = {g: i for i, g in enumerate(GROUPS)}
        for name, (yes, no) in RULE_POINTS.items():
            out[:, index[name]] = np.where(_column(raw, name).astype(float) > 0, yes, no)
        for name, (per, cap) in RULE_PER_UNIT.items():
            out[:, index[name]] = np.minimum(_column(raw, name).astype(float) * per, cap)
        out[:, index["source"]] = np.where(np.isin(_column(raw, "source").astype(str), self.referral_sources),
                                           RULE_REFERRAL_SOURCE, 0)
        weeks = np.floor(np.clip(_column(raw, AGE).astype(float) - RULE_AGE["grace_days"], 0, None) / 7)
        out[:, index[AGE]] = np.maximum(weeks * RULE_AGE["per_week"], RULE_AGE["floor"])
        return out

    def predict_proba(self, raw: dict) -> np.ndarray:
        points = self.contributions(raw).sum(axis=1)
        return 1.0 / (1.0 + np.exp(-(points - RULE_OFFSET) / RULE_SCALE))

    @staticmethod
    def describe() -> dict:
        """The rules as data (stored with a rule "model" and shown on its page)."""
        return {"points": {k: list(v) for k, v in RULE_POINTS.items()},
                "per_unit": {k: list(v) for k, v in RULE_PER_UNIT.items()},
                "referral_source": RULE_REFERRAL_SOURCE, "age": RULE_AGE,
                "offset": RULE_OFFSET, "scale": RULE_SCALE}


def top_reasons(contributions: np.ndarray, *, k: int = 3, min_abs: float = 0.05) -> tuple[np.ndarray, np.ndarray]:
    """Per lead the ``k`` groups with the largest contributions by size (``GROUPS`` indices, then
    values; index −1 where fewer than ``k`` exceed ``min_abs``). Vectorised: one argsort."""
    n = contributions.shape[0]
    if n == 0:
        return np.zeros((0, k), int), np.zeros((0, k))
    order = np.argsort(-np.abs(contributions), axis=1, kind="stable")[:, :k]
    values = np.take_along_axis(contributions, order, axis=1)
    order = np.where(np.abs(values) >= min_abs, order, -1)
    return order, values
