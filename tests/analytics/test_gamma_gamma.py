"""Gamma-Gamma spend model: checked against lifetimes, the published CDNOW fit and simulation."""

import doctest
import warnings

import numpy as np
import pandas as pd
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lifetimes import GammaGammaFitter
from lifetimes.datasets import load_cdnow_summary_data_with_monetary_value

from kehu.analytics import gamma_gamma
from kehu.analytics._base import ConvergenceError, NotFittedError
from kehu.analytics.gamma_gamma import GammaGammaModel

from .simulate import simulate_gamma_gamma


@pytest.fixture(scope="module")
def cdnow():
    df = load_cdnow_summary_data_with_monetary_value()
    return df["frequency"].to_numpy(float), df["monetary_value"].to_numpy()


@pytest.fixture(scope="module")
def ours(cdnow):
    return GammaGammaModel().fit(*cdnow)


@pytest.fixture(scope="module")
def theirs(cdnow):
    frequency, monetary_value = cdnow
    repeat = frequency > 0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return GammaGammaFitter().fit(frequency[repeat], monetary_value[repeat])


def test_params_match_lifetimes(ours, theirs):
    """Reference: lifetimes GammaGammaFitter on the CDNOW repeat customers (its v is our γ)."""
    assert ours.params_["p"] == pytest.approx(theirs.params_["p"], rel=1e-3)
    assert ours.params_["q"] == pytest.approx(theirs.params_["q"], rel=1e-3)
    assert ours.params_["gamma"] == pytest.approx(theirs.params_["v"], rel=1e-3)
    assert ours.n_customers_ == 946


def test_params_match_published_cdnow_fit(ours):
    """Reference: Fader, Hardie & Lee (2005b) / Hardie's note 025 on CDNOW: p = 6.25, q = 3.74,
    γ = 15.44 (printed to 2 decimals; lifetimes' documentation prints v = 15.45)."""
    assert ours.params_["p"] == pytest.approx(6.25, abs=0.01)
    assert ours.params_["q"] == pytest.approx(3.74, abs=0.01)
    assert ours.params_["gamma"] == pytest.approx(15.44, abs=0.011)


def test_log_likelihood_matches_lifetimes(cdnow, ours, theirs):
    """Reference: lifetimes' _negative_log_likelihood (a mean) × the number of repeat customers,
    at its fitted parameters."""
    frequency, monetary_value = cdnow
    repeat = frequency > 0
    mean_nll = GammaGammaFitter._negative_log_likelihood(
        np.log(theirs.params_.to_numpy()), frequency[repeat], monetary_value[repeat],
        np.ones(repeat.sum()), 0.0)
    assert ours.log_likelihood_ == pytest.approx(-float(mean_nll) * repeat.sum(), rel=1e-3)


def test_standard_errors_match_lifetimes(ours, theirs):
    """Reference: lifetimes' standard_errors_."""
    for name, theirs_name in (("p", "p"), ("q", "q"), ("gamma", "v")):
        assert ours.standard_errors_[name] == pytest.approx(theirs.standard_errors_[theirs_name],
                                                            rel=1e-2)


def test_conditional_expected_average_profit_matches_lifetimes(cdnow, ours, theirs):
    """Reference: lifetimes' conditional_expected_average_profit for all 2,357 customers (the
    population mean for frequency 0)."""
    expected = np.asarray(theirs.conditional_expected_average_profit(*cdnow))
    np.testing.assert_allclose(ours.conditional_expected_average_profit(*cdnow), expected,
                               rtol=1e-3)


def test_frequency_zero_rows_are_ignored(cdnow, ours):
    """Reference: the fit on the repeat customers only; zero-frequency rows (with any
    monetary_value) change nothing."""
    frequency, monetary_value = cdnow
    repeat = frequency > 0
    only_repeat = GammaGammaModel().fit(frequency[repeat], monetary_value[repeat])
    noisy = np.where(repeat, monetary_value, -5.0)  # never read for frequency 0
    with_zeros = GammaGammaModel().fit(frequency, noisy)
    assert with_zeros.params_ == pytest.approx(only_repeat.params_, rel=1e-12)
    assert with_zeros.log_likelihood_ == pytest.approx(ours.log_likelihood_, rel=1e-12)


def test_gradient_and_hessian_match_finite_differences(cdnow):
    """Reference: central differences of the log-likelihood itself (step 1e-5 relative)."""
    frequency, monetary_value = cdnow
    repeat = frequency > 0
    data = gamma_gamma._Data(frequency[repeat], monetary_value[repeat], np.ones(repeat.sum()))
    params = np.array([4.0, 3.0, 20.0])
    _, grad, hess = data.evaluate(params, 2, 0.0)
    steps = 1e-5 * params
    numeric_grad, numeric_hess = np.empty(3), np.empty((3, 3))
    for j in range(3):
        up, down = params.copy(), params.copy()
        up[j] += steps[j]
        down[j] -= steps[j]
        numeric_grad[j] = (data.evaluate(up, 0, 0.0)[0] - data.evaluate(down, 0, 0.0)[0]) / (
            2 * steps[j])
        numeric_hess[:, j] = (data.evaluate(up, 1, 0.0)[1] - data.evaluate(down, 1, 0.0)[1]) / (
            2 * steps[j])
    np.testing.assert_allclose(grad, numeric_grad, rtol=1e-6)  # differences of a sum ~1e3
    np.testing.assert_allclose(hess, numeric_hess, rtol=1e-7)


def test_recovers_simulated_parameters():
    """Reference: 20,000 repeat customers simulated from Gamma-Gamma(p=6, q=4, γ=15) (seeded):
    each estimate within 4 standard errors and 15 % of the truth."""
    rng = np.random.default_rng(11)
    frequency = rng.integers(1, 15, 20_000)
    monetary_value = simulate_gamma_gamma(6.0, 4.0, 15.0, frequency, seed=5)
    model = GammaGammaModel().fit(frequency, monetary_value)
    for name, value in {"p": 6.0, "q": 4.0, "gamma": 15.0}.items():
        assert abs(model.params_[name] - value) < 4 * model.standard_errors_[name], name
        assert model.params_[name] == pytest.approx(value, rel=0.15), name


def test_weights_equal_repeated_rows(cdnow):
    """Reference: duplicating every row doubles the log-likelihood and keeps the parameters."""
    frequency, monetary_value = cdnow
    once = GammaGammaModel().fit(frequency, monetary_value)
    twice = GammaGammaModel().fit(frequency, monetary_value, weights=np.full(len(frequency), 2))
    assert twice.params_ == pytest.approx(once.params_, rel=1e-8)
    assert twice.log_likelihood_ == pytest.approx(2 * once.log_likelihood_, rel=1e-10)


@settings(max_examples=40, deadline=None)
@given(p=st.floats(0.1, 50), q=st.floats(1.01, 50), gamma=st.floats(0.01, 1e4),
       x=st.integers(1, 1000), m=st.floats(0.01, 1e5))
def test_expected_spend_is_between_own_mean_and_population_mean(p, q, gamma, x, m):
    """Reference: note 025, eq. 5 is a weighted average of the customer's mean and the
    population mean p·γ/(q-1); a customer with no repeat purchase gets the population mean."""
    model = GammaGammaModel.from_params(p=p, q=q, gamma=gamma)
    population = p * gamma / (q - 1)
    value = model.conditional_expected_average_profit([x], [m])[0]
    assert min(m, population) * (1 - 1e-12) <= value <= max(m, population) * (1 + 1e-12)
    assert model.conditional_expected_average_profit([0], [0.0])[0] == pytest.approx(population)


def test_input_types_give_the_same_result(cdnow):
    """Reference: the numpy fit; lists, pandas and polars Series give the same result."""
    frequency, monetary_value = cdnow
    base = GammaGammaModel().fit(frequency, monetary_value)
    for variant in ((frequency.tolist(), monetary_value.tolist()),
                    (pd.Series(frequency), pd.Series(monetary_value)),
                    (pl.Series(frequency), pl.Series(monetary_value))):
        model = GammaGammaModel().fit(*variant)
        assert model.params_ == pytest.approx(base.params_, rel=1e-12)
        np.testing.assert_allclose(model.conditional_expected_average_profit(*variant),
                                   base.conditional_expected_average_profit(*cdnow), rtol=1e-12)


@pytest.mark.parametrize(("frequency", "monetary_value", "message"), [
    ([0, 0], [0.0, 0.0], "no customer with a repeat purchase"),
    ([1, 2], [10.0, 0.0], r"monetary_value: must be positive where frequency > 0, got 0.0 at "
                          r"position 1"),
    ([1, 2], [10.0, -3.0], "monetary_value: must be positive"),
    ([-1, 2], [10.0, 3.0], "frequency: negative value at position 0"),
    ([1.5, 2], [10.0, 3.0], "frequency: not a whole number"),
    ([1, 2], [float("nan"), 3.0], "monetary_value: NaN or infinite value at position 0"),
    ([1, 2], [10.0], "differ in length"),
    ([], [], "empty data"),
])
def test_invalid_input_raises_value_error(frequency, monetary_value, message):
    """Reference: each bad input gets a ValueError naming it."""
    with pytest.raises(ValueError, match=message):
        GammaGammaModel().fit(frequency, monetary_value)


def test_prediction_errors():
    """Reference: negative spends and a spend distribution without a mean (q ≤ 1) are refused."""
    model = GammaGammaModel.from_params(p=2.0, q=3.0, gamma=10.0)
    with pytest.raises(ValueError, match="monetary_value: negative value"):
        model.conditional_expected_average_profit([1], [-1.0])
    heavy_tailed = GammaGammaModel.from_params(p=2.0, q=0.8, gamma=10.0)
    assert heavy_tailed.conditional_expected_average_profit([3], [20.0])[0] > 0
    with pytest.raises(ValueError, match=r"q = 0.8 ≤ 1: .* no mean"):
        heavy_tailed.conditional_expected_average_profit([0, 3], [0.0, 20.0])


def test_not_fitted_error():
    """Reference: predictions need fit() first."""
    with pytest.raises(NotFittedError, match="fit"):
        GammaGammaModel().conditional_expected_average_profit([1], [10.0])


def test_identical_spends_raise_convergence_error():
    """Reference: when every customer spends the same, ν has no spread: q → ∞, no maximum."""
    with pytest.raises(ConvergenceError, match="edge of the search space"):
        GammaGammaModel().fit([1, 2, 3, 4], [10.0, 10.0, 10.0, 10.0])


def test_docstring_examples():
    """Reference: the Examples sections of the module."""
    result = doctest.testmod(gamma_gamma, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0 and result.failed == 0
