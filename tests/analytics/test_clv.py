"""Customer lifetime value: checked against lifetimes and closed forms."""

import doctest
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lifetimes import BetaGeoFitter, GammaGammaFitter
from lifetimes.datasets import load_cdnow_summary_data_with_monetary_value

from kehu.analytics import clv
from kehu.analytics.bgnbd import BetaGeoModel
from kehu.analytics.clv import PERIODS_PER_MONTH, customer_lifetime_value, simple_lifetime_value
from kehu.analytics.gamma_gamma import GammaGammaModel


@pytest.fixture(scope="module")
def cdnow():
    df = load_cdnow_summary_data_with_monetary_value()
    return {c: df[c].to_numpy(float) for c in ("frequency", "recency", "T", "monetary_value")}


@pytest.fixture(scope="module")
def models(cdnow):
    purchase = BetaGeoModel().fit(cdnow["frequency"], cdnow["recency"], cdnow["T"])
    spend = GammaGammaModel().fit(cdnow["frequency"], cdnow["monetary_value"])
    return purchase, spend


def args(cdnow):
    return cdnow["frequency"], cdnow["recency"], cdnow["T"], cdnow["monetary_value"]


def test_matches_lifetimes(cdnow):
    """Reference: lifetimes GammaGammaFitter.customer_lifetime_value(BetaGeoFitter, …, time=12,
    discount_rate=0.01, freq="W") on the CDNOW summary, each model fitted by its own library."""
    frame = pd.DataFrame(cdnow)
    repeat = frame[frame["frequency"] > 0]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        bgf = BetaGeoFitter().fit(frame["frequency"], frame["recency"], frame["T"])
        ggf = GammaGammaFitter().fit(repeat["frequency"], repeat["monetary_value"])
        expected = ggf.customer_lifetime_value(bgf, frame["frequency"], frame["recency"],
                                               frame["T"], frame["monetary_value"], time=12,
                                               discount_rate=0.01, freq="W").to_numpy()
    purchase = BetaGeoModel().fit(cdnow["frequency"], cdnow["recency"], cdnow["T"])
    spend = GammaGammaModel().fit(cdnow["frequency"], cdnow["monetary_value"])
    ours = customer_lifetime_value(purchase, spend, *args(cdnow), horizon_months=12,
                                   monthly_discount_rate=0.01, time_unit="W")
    np.testing.assert_allclose(ours, expected, rtol=1e-3, atol=1e-6)


class ConstantRate:
    """A purchase model with a known answer: `rate` purchases per time unit, forever."""

    def __init__(self, rate):
        self.rate = rate

    def predict_purchases(self, t, frequency, recency, T):
        return self.rate * t * np.ones(len(frequency))


class FixedSpend:
    def __init__(self, spend):
        self.spend = spend

    def conditional_expected_average_profit(self, frequency, monetary_value):
        return np.full(len(frequency), self.spend)


@pytest.mark.parametrize("unit", sorted(PERIODS_PER_MONTH))
def test_closed_form_for_a_constant_rate(unit):
    """Reference: with rate λ per unit and spend m, month i brings λ·f·m, discounted by
    (1+d)^i: CLV = margin·λ·f·m·Σ_{i=1..H} (1+d)^-i (f = units per month)."""
    f = PERIODS_PER_MONTH[unit]
    value = customer_lifetime_value(ConstantRate(0.1), FixedSpend(50.0), [1, 2], [1, 2], [3, 3],
                                    [10, 20], horizon_months=24, monthly_discount_rate=0.02,
                                    margin=0.3, time_unit=unit)
    annuity = sum(1.02 ** -i for i in range(1, 25))
    np.testing.assert_allclose(value, 0.3 * 0.1 * f * 50.0 * annuity, rtol=1e-12)


def test_margin_horizon_and_discount(cdnow, models):
    """Reference: CLV is linear in the margin (also per customer), 0 over 0 months, grows with
    the horizon and falls with the discount rate."""
    purchase, spend = models
    base = customer_lifetime_value(purchase, spend, *args(cdnow), time_unit="W")
    margins = np.linspace(0.1, 0.9, len(base))
    np.testing.assert_allclose(
        customer_lifetime_value(purchase, spend, *args(cdnow), margin=margins, time_unit="W"),
        margins * base, rtol=1e-12)
    assert not customer_lifetime_value(purchase, spend, *args(cdnow), horizon_months=0,
                                       time_unit="W").any()
    longer = customer_lifetime_value(purchase, spend, *args(cdnow), horizon_months=24,
                                     time_unit="W")
    assert np.all(longer >= base) and np.all(base > 0)
    dearer = customer_lifetime_value(purchase, spend, *args(cdnow), monthly_discount_rate=0.05,
                                     time_unit="W")
    assert np.all(dearer < base)


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"time_unit": "Y"}, "time_unit: expected one of"),
    ({"horizon_months": -1}, "horizon_months: expected a whole number"),
    ({"horizon_months": 1.5}, "horizon_months: expected a whole number"),
    ({"monthly_discount_rate": -0.01}, "monthly_discount_rate: expected a number ≥ 0"),
    ({"margin": float("nan")}, "margin: NaN"),
])
def test_invalid_settings_raise_value_error(cdnow, models, kwargs, message):
    """Reference: each bad setting gets a ValueError naming it."""
    purchase, spend = models
    with pytest.raises(ValueError, match=message):
        customer_lifetime_value(purchase, spend, *args(cdnow), **kwargs)


def test_bad_customer_data_is_reported_by_the_models(models):
    """Reference: the models' own checks (here recency > T)."""
    purchase, spend = models
    with pytest.raises(ValueError, match="recency > T"):
        customer_lifetime_value(purchase, spend, [1], [5], [4], [10.0])


def test_simple_lifetime_value_textbook_values():
    """Reference: the margin multiple r/(1+d-r) of Gupta & Lehmann (2003), by hand:
    m = 100, r = 0.8, d = 0.1 gives 100·0.8/0.3 = 266.67."""
    assert simple_lifetime_value(100.0, 0.8, 0.1) == pytest.approx(800 / 3)
    np.testing.assert_allclose(simple_lifetime_value([100, 200], [0.5, 0.9], 0.0),
                               [100.0, 1800.0])
    assert simple_lifetime_value(100.0, 0.0, 0.1) == 0.0


@settings(max_examples=40, deadline=None)
@given(margin=st.floats(-1e3, 1e3), retention=st.floats(0, 0.95), discount=st.floats(0, 1))
def test_simple_lifetime_value_is_the_discounted_series(margin, retention, discount):
    """Reference: Σ_{k≥1} m·r^k/(1+d)^k summed directly (to 2,000 terms)."""
    k = np.arange(1, 2001)
    series = margin * np.sum((retention / (1 + discount)) ** k)
    assert simple_lifetime_value(margin, retention, discount) == pytest.approx(series, rel=1e-9,
                                                                               abs=1e-9)


@pytest.mark.parametrize(("arguments", "message"), [
    ((100, 1.0, 0.1), r"retention_rate: must be in \[0, 1\)"),
    ((100, -0.1, 0.1), r"retention_rate: must be in \[0, 1\)"),
    ((100, 0.5, -0.1), "discount_rate: must be ≥ 0"),
    ((float("nan"), 0.5, 0.1), "margin: NaN"),
    ((100, "high", 0.1), "retention_rate: expected numbers"),
])
def test_simple_lifetime_value_errors(arguments, message):
    """Reference: each bad argument gets a ValueError naming it."""
    with pytest.raises(ValueError, match=message):
        simple_lifetime_value(*arguments)


def test_docstring_examples():
    """Reference: the Examples sections of the module."""
    result = doctest.testmod(clv, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0 and result.failed == 0
