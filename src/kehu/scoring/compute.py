"""From purchase columns to per-customer scores: the analytics half of a scoring run.

No Django here (the service loads the columns and writes the result), so the whole calculation
is a plain function that tests can call with a handful of numpy arrays.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
import polars as pl

from kehu.analytics import (
    BetaGeoModel,
    ConvergenceError,
    GammaGammaModel,
    ParetoNBDModel,
    behaviour_score,
    calibration_holdout_split,
    customer_lifetime_value,
    loyalty_class,
    pyramid_tiers,
    rfm_scores,
    summarize_transactions,
)
from kehu.analytics.diagnostics import holdout_by_frequency, tracking_curve

DAY = 86_400
UNIT_DAYS = {"D": 1.0, "W": 7.0}
NEW_CUSTOMER_DAYS = 90
# repeat behaviour halves for every this many days without a purchase (kehu.analytics.loyalty)
BEHAVIOUR_HALF_LIFE_DAYS = 180  # a customer with no purchase yet is "new" this long, then "lost"
MODELS = {"bgnbd": BetaGeoModel, "paretonbd": ParetoNBDModel}


@dataclass
class Inputs:
    """Columns read from the database. Times are epoch seconds on the shop's wall clock."""

    order_customer: np.ndarray  # int64, one entry per order
    order_time: np.ndarray  # int64
    order_amount: np.ndarray  # float64
    customer_id: np.ndarray  # int64, every customer to score
    customer_created: np.ndarray  # int64
    now: int
    attitude: np.ndarray | None = None  # [0, 1] per customer, NaN where no survey answer
    offset: int = 0  # seconds the wall clock is ahead of UTC (times above include it)


@dataclass
class Config:
    purchase_model: str = "bgnbd"
    time_unit: str = "D"
    horizon_months: int = 12
    monthly_discount_rate: float = 0.01
    margin_rate: float = 0.3
    expected_purchases_days: int = 90
    tier_by: str = "clv"
    cutoffs: tuple[float, float, float] = (0.01, 0.05, 0.20)
    rfm_bins: int = 5
    holdout_days: int = 180

    @classmethod
    def from_settings(cls, values: dict) -> Config:
        known = {k: v for k, v in values.items() if k in cls.__dataclass_fields__}
        if "cutoffs" in known:
            known["cutoffs"] = tuple(known["cutoffs"])
        return cls(**known)


@dataclass
class Result:
    columns: dict[str, np.ndarray]  # aligned with Inputs.customer_id (sorted)
    fit: dict = field(default_factory=dict)
    diagnostics: dict = field(default_factory=dict)
    timings: dict = field(default_factory=dict)
    buyers: int = 0


def _datetimes(seconds) -> np.ndarray:
    return np.asarray(seconds, dtype=np.int64).astype("datetime64[s]")


def _fit_info(model, names) -> dict:
    return {"params": {k: float(v) for k, v in model.params_.items()},
            "standard_errors": {k: _finite(v) for k, v in model.standard_errors_.items()},
            "log_likelihood": float(model.log_likelihood_), "customers": int(model.n_customers_),
            "names": names}


def _finite(value):
    value = float(value)
    return value if np.isfinite(value) else None


def compute_scores(inputs: Inputs, config: Config, progress=lambda stage: None) -> Result:
    """Score every customer in ``inputs.customer_id``; see docs/analytics.md for the definitions."""
    lap = Laps()
    order = np.argsort(inputs.customer_id, kind="stable")
    customer_id = inputs.customer_id[order]
    created = inputs.customer_created[order]
    n = len(customer_id)
    unit_days = UNIT_DAYS[config.time_unit]
    end = _datetimes(inputs.now)
    progress("summarising")
    summary = summarize_transactions(inputs.order_customer, _datetimes(inputs.order_time),
                                     inputs.order_amount, observation_end=end,
                                     time_unit=config.time_unit) if len(inputs.order_customer) else None
    lap("summary")

    cols = _empty_columns(n)
    fit: dict = {}
    if summary is None or summary.height == 0:
        buyers_idx = np.zeros(0, dtype=np.int64)
    else:
        summary = summary.sort("customer_id")
        s_ids = summary["customer_id"].to_numpy()
        buyers_idx = np.searchsorted(customer_id, s_ids)
        known = (buyers_idx < n) & (customer_id[np.minimum(buyers_idx, n - 1)] == s_ids)
        summary, buyers_idx = summary.filter(pl.Series(known)), buyers_idx[known]
    if len(buyers_idx):
        progress("fitting")
        fit, predictions = _fit_and_predict(summary, config, unit_days)
        lap("fit_predict")
        _fill_buyers(cols, buyers_idx, summary, predictions, config)
        for name in ("first_purchase_at", "last_purchase_at"):  # stored in UTC
            cols[name][buyers_idx] -= inputs.offset
        lap("rfm")
    # customers with no purchase: "new" for a while after they were created, then "lost"
    no_purchase = cols["purchases"] == 0
    recent = (inputs.now - created) <= NEW_CUSTOMER_DAYS * DAY
    cols["segment"][no_purchase] = np.where(recent[no_purchase], "new", "lost")
    value = cols["clv"] if config.tier_by == "clv" else cols["total_spend"] * config.margin_rate
    cols["tier"] = pyramid_tiers(value, cutoffs=config.cutoffs)
    attitude = np.full(n, np.nan) if inputs.attitude is None else np.asarray(inputs.attitude)[order]
    cols["attitude"] = attitude
    cols["loyalty"] = np.asarray(loyalty_class(cols["behaviour"], attitude)).astype(object)
    lap("tiers_loyalty")
    cols["customer_id"] = customer_id
    diagnostics = {}
    if len(buyers_idx):
        progress("checking fit")
        diagnostics = _diagnostics(inputs, config, cols, fit)
        lap("diagnostics")
    return Result(columns=cols, fit=fit, diagnostics=diagnostics, timings=lap.times, buyers=len(buyers_idx))


def _empty_columns(n: int) -> dict[str, np.ndarray]:
    return {
        "purchases": np.zeros(n, dtype=np.int64), "frequency": np.zeros(n, dtype=np.int64),
        "recency": np.zeros(n), "age": np.zeros(n), "monetary_value": np.zeros(n),
        "total_spend": np.zeros(n), "first_purchase_at": np.full(n, -1, dtype=np.int64),
        "last_purchase_at": np.full(n, -1, dtype=np.int64),
        "r_score": np.zeros(n, dtype=np.int64), "f_score": np.zeros(n, dtype=np.int64),
        "m_score": np.zeros(n, dtype=np.int64), "rfm_code": np.full(n, "", dtype=object),
        "segment": np.full(n, "", dtype=object), "clv": np.zeros(n), "p_alive": np.full(n, np.nan),
        "expected_purchases": np.zeros(n), "behaviour": np.zeros(n),
    }


def _fit_and_predict(summary: pl.DataFrame, config: Config, unit_days: float):
    x = summary["frequency"].to_numpy().astype(float)
    t_x = summary["recency"].to_numpy().astype(float)
    age = summary["T"].to_numpy().astype(float)
    m = summary["monetary_value"].to_numpy().astype(float)
    fit: dict = {"purchase_model": config.purchase_model, "time_unit": config.time_unit}
    n = len(x)
    predictions = {"p_alive": np.full(n, np.nan), "expected": np.zeros(n), "clv": np.zeros(n)}
    try:
        purchase = MODELS[config.purchase_model]().fit(x, t_x, age)
        fit["purchase"] = _fit_info(purchase, list(purchase.params_))
    except (ConvergenceError, ValueError) as exc:
        fit["purchase_error"] = str(exc)
        return fit, _historical_predictions(summary, config, unit_days, predictions)
    spend = None
    try:
        spend = GammaGammaModel().fit(x, m)
        fit["spend"] = _fit_info(spend, list(spend.params_))
    except (ConvergenceError, ValueError) as exc:
        fit["spend_error"] = str(exc)
    predictions["p_alive"] = np.clip(purchase.probability_alive(x, t_x, age), 0, 1)
    predictions["expected"] = purchase.predict_purchases(config.expected_purchases_days / unit_days, x, t_x, age)
    if spend is not None:
        predictions["clv"] = customer_lifetime_value(
            purchase, spend, x, t_x, age, m, horizon_months=config.horizon_months,
            monthly_discount_rate=config.monthly_discount_rate, margin=config.margin_rate,
            time_unit=config.time_unit)
    else:  # no spend model (too few repeat buyers): expected purchases × the customer's own mean spend
        mean_spend = summary["total_spend"].to_numpy() / np.maximum(summary["n_periods"].to_numpy(), 1)
        horizon = config.horizon_months * 30 / unit_days
        predictions["clv"] = purchase.predict_purchases(horizon, x, t_x, age) * mean_spend * config.margin_rate
    return fit, predictions


def _historical_predictions(summary, config, unit_days, predictions):
    """Without a fitted purchase model, CLV falls back to one horizon of the past spending rate."""
    total = summary["total_spend"].to_numpy()
    age = np.maximum(summary["T"].to_numpy().astype(float), 1.0)
    per_month = total / (age * unit_days / 30)
    predictions["clv"] = per_month * min(config.horizon_months, 12) * config.margin_rate
    return predictions


def _fill_buyers(cols, idx, summary, predictions, config):
    cols["purchases"][idx] = summary["n_periods"].to_numpy()
    cols["frequency"][idx] = summary["frequency"].to_numpy()
    cols["recency"][idx] = summary["recency"].to_numpy()
    cols["age"][idx] = summary["T"].to_numpy()
    cols["monetary_value"][idx] = summary["monetary_value"].to_numpy()
    cols["total_spend"][idx] = summary["total_spend"].to_numpy()
    cols["first_purchase_at"][idx] = summary["first_purchase"].cast(pl.Datetime("ms")).to_numpy().astype(
        "datetime64[s]").astype(np.int64)
    cols["last_purchase_at"][idx] = summary["last_purchase"].cast(pl.Datetime("ms")).to_numpy().astype(
        "datetime64[s]").astype(np.int64)
    cols["p_alive"][idx] = predictions["p_alive"]
    cols["expected_purchases"][idx] = predictions["expected"]
    cols["clv"][idx] = np.maximum(predictions["clv"], 0)
    cols["behaviour"][idx] = behaviour_score(summary["frequency"].to_numpy(), summary["recency"].to_numpy(),
                                             summary["T"].to_numpy(),
                                             half_life=BEHAVIOUR_HALF_LIFE_DAYS / UNIT_DAYS[config.time_unit])
    scored = rfm_scores(summary, bins=config.rfm_bins)
    for name in ("r_score", "f_score", "m_score"):
        cols[name][idx] = scored[name].to_numpy()
    cols["rfm_code"][idx] = scored["rfm_code"].to_numpy()
    cols["segment"][idx] = scored["segment"].to_numpy()


def _diagnostics(inputs: Inputs, config: Config, cols, fit) -> dict:
    """Holdout check: refit on the calibration period, compare with what happened after it."""
    buyers = cols["purchases"] > 0
    out: dict = {"histograms": value_histograms(cols["clv"][buyers], cols["p_alive"][buyers])}
    if "purchase" not in fit:
        return out
    unit = UNIT_DAYS[config.time_unit] * DAY
    cal_end = inputs.now - config.holdout_days * DAY
    first_order = inputs.order_time.min()
    if cal_end <= first_order + 30 * DAY:
        out["holdout_error"] = "history too short for a holdout check"
        return out
    try:
        split = calibration_holdout_split(
            inputs.order_customer, _datetimes(inputs.order_time), inputs.order_amount,
            calibration_end=_datetimes(cal_end), observation_end=_datetimes(inputs.now),
            time_unit=config.time_unit)
        x = split["frequency"].to_numpy().astype(float)
        model = MODELS[config.purchase_model]().fit(x, split["recency"].to_numpy(), split["T"].to_numpy())
    except (ConvergenceError, ValueError) as exc:
        out["holdout_error"] = str(exc)
        return out
    duration = float(split["duration_holdout"].to_numpy()[0])
    predicted = model.predict_purchases(duration, x, split["recency"].to_numpy(), split["T"].to_numpy())
    out["holdout"] = {
        "calibration_end": int(cal_end), "duration": duration, "customers": int(len(x)),
        "fit": _fit_info(model, list(model.params_)),
        "by_frequency": holdout_by_frequency(x, predicted, split["frequency_holdout"].to_numpy()),
        "predicted_total": float(predicted.sum()),
        "actual_total": float(split["frequency_holdout"].to_numpy().sum()),
    }
    out["tracking"] = _tracking(inputs, model, cal_end, unit)
    return out


def _tracking(inputs: Inputs, model, cal_end: int, unit: float) -> dict:
    """Weekly repeat purchases over the whole history, model fitted on the calibration period.

    A repeat purchase is a purchase period (of the model's time unit) after the customer's first.
    """
    week = 7 * DAY
    start = int(inputs.order_time.min())
    frame = pl.DataFrame({"c": inputs.order_customer, "t": inputs.order_time}).lazy()
    periods = (frame.with_columns(((pl.col("t") - start) // int(unit)).alias("p"))
               .select("c", "p").unique()
               .with_columns(pl.col("p").min().over("c").alias("first"))
               .collect())
    # model time is in its own unit; the chart is in weeks of calendar time
    first_week = (periods.filter(pl.col("p") == pl.col("first"))["first"].to_numpy() * unit // week)
    repeat_week = periods.filter(pl.col("p") > pl.col("first"))["p"].to_numpy() * unit // week
    n_weeks = int((inputs.now - start) // week) + 1
    curve = tracking_curve(_Rescaled(model, week / unit), first_week.astype(np.int64),
                           repeat_week.astype(np.int64), n_weeks)
    return {"start": start, "calibration_end_week": int((cal_end - start) // week),
            "actual": curve["actual"].tolist(), "expected": np.round(curve["expected"], 2).tolist()}


class _Rescaled:
    """A model whose clock runs in weeks when it was fitted in days (or the other way round)."""

    def __init__(self, model, factor):
        self.model, self.factor = model, factor

    def expected_purchases_new_customer(self, t):
        return self.model.expected_purchases_new_customer(np.asarray(t, dtype=float) * self.factor)


def value_histograms(clv: np.ndarray, p_alive: np.ndarray) -> dict:
    """CLV (20 bins up to the 99th percentile, the tail in the last) and P(alive) (10 bins) of
    customers with purchases: the dashboard's two distributions."""
    out = {}
    if len(clv):
        top = float(np.quantile(clv, 0.99)) or 1.0
        edges = np.linspace(0, top, 21)
        counts, _ = np.histogram(np.minimum(clv, top), bins=edges)
        out["clv"] = {"edges": np.round(edges, 2).tolist(), "counts": counts.tolist()}
    p_alive = p_alive[np.isfinite(p_alive)]
    if len(p_alive):
        counts, edges = np.histogram(p_alive, bins=np.linspace(0, 1, 11))
        out["p_alive"] = {"edges": np.round(edges, 2).tolist(), "counts": counts.tolist()}
    return out


class Laps:
    """Named wall-clock laps, ``{"summary": 1.21, …}``: each call adds the time since the previous
    one to its name (for the timings a run records)."""

    def __init__(self, into: dict | None = None):
        self.times = {} if into is None else into
        self.last = time.perf_counter()

    def __call__(self, name: str) -> None:
        now = time.perf_counter()
        self.times[name] = round(self.times.get(name, 0) + now - self.last, 3)
        self.last = now
