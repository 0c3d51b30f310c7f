"""How well a purchase model fits: the tracking chart and the conditional-expectation table.

Both are the standard checks of Fader, Hardie & Lee (2005): fit on a calibration period, then
compare what the model expected with what customers actually did in the holdout period.
"""

from __future__ import annotations

import numpy as np

__all__ = ["tracking_curve", "holdout_by_frequency"]


def tracking_curve(model, first_period, repeat_periods, n_periods: int) -> dict[str, np.ndarray]:
    """Repeat purchases per period: actual against the model's expectation.

    Parameters
    ----------
    model : fitted BetaGeoModel or ParetoNBDModel
        Anything with ``expected_purchases_new_customer(t)``.
    first_period : array of int
        Each customer's first-purchase period (0 = the start of the chart).
    repeat_periods : array of int
        The period of every repeat purchase (one entry per purchase period after the first).
    n_periods : int
        Length of the chart.

    Returns
    -------
    dict
        ``period`` (0 … n−1), ``actual`` and ``expected`` repeat purchases in each period, and
        their cumulative sums ``actual_cumulative`` / ``expected_cumulative``.

    Examples
    --------
    >>> class Flat:  # one repeat purchase per period for every customer
    ...     def expected_purchases_new_customer(self, t):
    ...         return np.asarray(t, dtype=float)
    >>> out = tracking_curve(Flat(), np.array([0, 1]), np.array([1, 2, 2]), 3)
    >>> out["expected"].tolist(), out["actual"].tolist()
    ([0.0, 1.0, 2.0], [0, 1, 2])
    """
    first = np.asarray(first_period, dtype=np.int64)
    repeats = np.asarray(repeat_periods, dtype=np.int64)
    if n_periods < 1:
        raise ValueError("n_periods must be at least 1")
    grid = np.arange(n_periods)
    cohort_size = np.bincount(first[(first >= 0) & (first < n_periods)], minlength=n_periods)
    cohorts = np.flatnonzero(cohort_size)
    # E[X(t)] for every age 0 … n: expected repeat purchases of a customer born at period c by
    # the end of period t is E[X(t + 1 − c)]; one vectorised call, then a cohort-weighted sum.
    curve = np.asarray(model.expected_purchases_new_customer(np.arange(n_periods + 1, dtype=float)))
    per_period = np.diff(curve)  # expected purchases in the (age+1)-th period of life
    expected = np.zeros(n_periods)
    for c in cohorts:  # at most one per period of the chart, not per customer
        expected[c:] += cohort_size[c] * per_period[: n_periods - c]
    actual = np.bincount(repeats[(repeats >= 0) & (repeats < n_periods)], minlength=n_periods)
    return {"period": grid, "actual": actual, "expected": expected,
            "actual_cumulative": np.cumsum(actual), "expected_cumulative": np.cumsum(expected)}


def holdout_by_frequency(frequency_cal, predicted_holdout, actual_holdout, *, max_frequency: int = 7):
    """Mean predicted and actual holdout purchases per calibration frequency (0 … max, then max+).

    Returns a dict of lists: ``frequency`` (int, the last one meaning "max or more"), ``customers``,
    ``predicted`` and ``actual``.

    Examples
    --------
    >>> out = holdout_by_frequency([0, 0, 1, 9], [0.1, 0.1, 0.5, 3.0], [0, 1, 1, 2], max_frequency=1)
    >>> out["customers"], out["actual"]
    ([2, 2], [0.5, 1.5])
    """
    freq = np.minimum(np.asarray(frequency_cal, dtype=np.int64), max_frequency)
    pred = np.asarray(predicted_holdout, dtype=float)
    act = np.asarray(actual_holdout, dtype=float)
    counts = np.bincount(freq, minlength=max_frequency + 1)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_pred = np.bincount(freq, weights=pred, minlength=max_frequency + 1) / counts
        mean_act = np.bincount(freq, weights=act, minlength=max_frequency + 1) / counts
    keep = counts > 0
    return {"frequency": np.arange(max_frequency + 1)[keep].tolist(), "customers": counts[keep].tolist(),
            "predicted": mean_pred[keep].round(4).tolist(), "actual": mean_act[keep].round(4).tolist()}
