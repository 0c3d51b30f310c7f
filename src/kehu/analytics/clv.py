"""Customer lifetime value: model-based (purchase model × spend model) and the textbook formula."""

from __future__ import annotations

import numpy as np

__all__ = ["PERIODS_PER_MONTH", "customer_lifetime_value", "simple_lifetime_value"]

#: Time units per month, as lifetimes uses them (a month is 30 days, 4.345 weeks or 720 hours).
PERIODS_PER_MONTH = {"D": 30.0, "W": 4.345, "H": 720.0, "M": 1.0}


def customer_lifetime_value(purchase_model, spend_model, frequency, recency, T, monetary_value, *,
                            horizon_months: int = 12, monthly_discount_rate: float = 0.01,
                            margin=1.0, time_unit: str = "D") -> np.ndarray:
    r"""Discounted expected value of each customer over the next ``horizon_months`` months.

    .. math::

        CLV = \sum_{i=1}^{H} \text{margin} \cdot E[\text{spend}] \cdot
              \frac{E[X(T, T + i f)] - E[X(T, T + (i-1) f)]}{(1 + d)^i}

    where E[X(T, T+t)] is ``purchase_model.predict_purchases(t, frequency, recency, T)`` (the
    expected purchases in the next t time units given the history), E[spend] is
    ``spend_model.conditional_expected_average_profit(frequency, monetary_value)``, f is the number
    of time units in a month (:data:`PERIODS_PER_MONTH`: D → 30, W → 4.345, H → 720, M → 1), H is
    ``horizon_months`` and d ``monthly_discount_rate``: each month's expected purchases are valued
    at the expected spend and discounted at the end of that month. This is lifetimes'
    ``GammaGammaFitter.customer_lifetime_value(purchase_model, …, time=H, discount_rate=d,
    freq=time_unit)`` times ``margin``.

    Parameters
    ----------
    purchase_model : object
        A fitted model with ``predict_purchases(t, frequency, recency, T)`` (BG/NBD, Pareto/NBD).
    spend_model : object
        A fitted model with ``conditional_expected_average_profit(frequency, monetary_value)``
        (Gamma-Gamma).
    frequency, recency, T, monetary_value : array-like
        The customers' summaries, recency and T in ``time_unit``.
    horizon_months : int, default 12
        Months ahead (0 gives zeros).
    monthly_discount_rate : float, default 0.01
        Discount rate per month, ≥ 0.
    margin : float or array-like, default 1.0
        Profit margin applied to spend (1.0: value = revenue); per customer if an array.
    time_unit : {"D", "W", "H", "M"}, default "D"
        Unit of recency and T (and of the purchase model's parameters).

    Returns
    -------
    numpy.ndarray
        One value per customer.

    Examples
    --------
    >>> from kehu.analytics.bgnbd import BetaGeoModel
    >>> from kehu.analytics.gamma_gamma import GammaGammaModel
    >>> bgnbd = BetaGeoModel.from_params(r=0.243, alpha=4.414, a=0.793, b=2.426)
    >>> spend = GammaGammaModel.from_params(p=6.25, q=3.74, gamma=15.44)
    >>> customer_lifetime_value(bgnbd, spend, [0, 2], [0, 30.43], [38.86, 38.86], [0, 22.35],
    ...                         time_unit="W").round(2)
    array([ 8.37, 36.29])
    """
    if time_unit not in PERIODS_PER_MONTH:
        raise ValueError(f"time_unit: expected one of {sorted(PERIODS_PER_MONTH)}, "
                         f"got {time_unit!r}")
    if (isinstance(horizon_months, bool) or not float(horizon_months).is_integer()
            or horizon_months < 0):
        raise ValueError(f"horizon_months: expected a whole number ≥ 0, got {horizon_months!r}")
    rate = float(monthly_discount_rate)
    if not (np.isfinite(rate) and rate >= 0):
        raise ValueError("monthly_discount_rate: expected a number ≥ 0, got "
                         f"{monthly_discount_rate!r}")
    margin = np.asarray(margin, dtype=float)
    if not np.isfinite(margin).all():
        raise ValueError("margin: NaN or infinite value")
    months_in_units = PERIODS_PER_MONTH[time_unit]
    spend = np.asarray(spend_model.conditional_expected_average_profit(frequency, monetary_value),
                       dtype=float)
    value = np.zeros(len(spend))
    previous = 0.0  # expected purchases in the first 0 time units
    for month in range(1, int(horizon_months) + 1):
        cumulative = np.asarray(purchase_model.predict_purchases(
            month * months_in_units, frequency, recency, T), dtype=float)
        value += spend * (cumulative - previous) / (1 + rate) ** month
        previous = cumulative
    return margin * value


def simple_lifetime_value(margin, retention_rate, discount_rate):
    """Textbook lifetime value of a customer kept with a constant retention rate.

    ``margin · r / (1 + d - r)``: the margin earned each period, received at the end of each
    period the customer is retained (with probability r, r², …), discounted at rate d per period,
    summed to infinity. A simple way to explain CLV; the models above replace the constant
    retention rate by what each customer's history says. Broadcasts over arrays.

    Parameters
    ----------
    margin : float or array-like
        Margin per period.
    retention_rate : float or array-like
        Probability of keeping the customer from one period to the next, in [0, 1).
    discount_rate : float or array-like
        Discount rate per period, ≥ 0.

    Examples
    --------
    >>> round(float(simple_lifetime_value(100.0, 0.8, 0.1)), 2)
    266.67
    >>> simple_lifetime_value([100, 200], [0.5, 0.9], 0.0)
    array([ 100., 1800.])
    """
    m = _finite("margin", margin)
    r = _finite("retention_rate", retention_rate)
    d = _finite("discount_rate", discount_rate)
    if ((r < 0) | (r >= 1)).any():
        raise ValueError("retention_rate: must be in [0, 1) (1 would mean customers stay forever)")
    if (d < 0).any():
        raise ValueError("discount_rate: must be ≥ 0")
    return m * r / (1 + d - r)


def _finite(name, values):
    if hasattr(values, "to_numpy"):
        values = values.to_numpy()
    try:
        array = np.asarray(values, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"{name}: expected numbers") from None
    if not np.isfinite(array).all():
        raise ValueError(f"{name}: NaN or infinite value")
    return array

