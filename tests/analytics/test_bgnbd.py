"""BG/NBD model: checked against lifetimes, the published CDNOW fit, exact arithmetic and
simulation."""

import doctest
import warnings

import numpy as np
import pandas as pd
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lifetimes import BetaGeoFitter
from lifetimes.datasets import load_cdnow_summary

from kehu.analytics import bgnbd
from kehu.analytics._base import ConvergenceError, NotFittedError
from kehu.analytics.bgnbd import BetaGeoModel

from .oracle import bgnbd_expected_purchases
from .simulate import simulate_bgnbd

NAMES = ("r", "alpha", "a", "b")
CDNOW_PARAMS = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}


@pytest.fixture(scope="module")
def cdnow():
    df = load_cdnow_summary(index_col=[0])
    return df["frequency"].to_numpy(float), df["recency"].to_numpy(), df["T"].to_numpy()


@pytest.fixture(scope="module")
def ours(cdnow):
    return BetaGeoModel().fit(*cdnow)


@pytest.fixture(scope="module")
def theirs(cdnow):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return BetaGeoFitter().fit(*cdnow)


def lifetimes_log_likelihood(params, frequency, recency, T):
    """Total log-likelihood from lifetimes' own (static) formula, on the unscaled data."""
    log_params = np.log([params[name] for name in NAMES])
    mean_nll = BetaGeoFitter._negative_log_likelihood(log_params, frequency, recency, T,
                                                      np.ones(len(frequency)), 0.0)
    return -float(mean_nll) * len(frequency)


# --- oracles: lifetimes 0.11.3 and the published CDNOW results ---------------------------------

def test_params_match_lifetimes(ours, theirs):
    """Reference: lifetimes BetaGeoFitter on its CDNOW sample (2,357 customers, weeks)."""
    for name in NAMES:
        assert ours.params_[name] == pytest.approx(theirs.params_[name], rel=1e-3)


def test_params_match_published_cdnow_fit(ours):
    """Reference: Fader, Hardie & Lee (2005), CDNOW: r=0.243, α=4.414, a=0.793, b=2.426,
    LL=-9582.4 (printed to 3 and 1 decimals)."""
    for name, value in CDNOW_PARAMS.items():
        assert ours.params_[name] == pytest.approx(value, abs=5e-4)
    assert ours.log_likelihood_ == pytest.approx(-9582.4, abs=0.05)
    assert ours.n_customers_ == 2357


def test_log_likelihood_matches_lifetimes(cdnow, ours, theirs):
    """Reference: lifetimes' BetaGeoFitter._negative_log_likelihood on the unscaled data, at its
    fitted parameters (its fit rescales time, so its stored value is not comparable)."""
    assert ours.log_likelihood_ == pytest.approx(
        lifetimes_log_likelihood(theirs.params_, *cdnow), rel=1e-3)
    # at identical parameters the per-customer formula agrees to rounding
    same = BetaGeoModel.from_params(**dict(theirs.params_))
    assert same.log_likelihood(*cdnow).sum() == pytest.approx(
        lifetimes_log_likelihood(theirs.params_, *cdnow), rel=1e-10)


def test_standard_errors_match_lifetimes(ours, theirs):
    """Reference: lifetimes' standard_errors_ (inverse Hessian from autograd)."""
    for name in NAMES:
        assert ours.standard_errors_[name] == pytest.approx(theirs.standard_errors_[name],
                                                            rel=1e-2)


@pytest.mark.parametrize("t", [10, 30])
def test_predict_purchases_matches_lifetimes(cdnow, ours, theirs, t):
    """Reference: lifetimes' conditional_expected_number_of_purchases_up_to_time, per customer."""
    expected = np.asarray(theirs.conditional_expected_number_of_purchases_up_to_time(t, *cdnow))
    np.testing.assert_allclose(ours.predict_purchases(t, *cdnow), expected, rtol=1e-3, atol=1e-6)
    same = BetaGeoModel.from_params(**dict(theirs.params_))
    np.testing.assert_allclose(same.predict_purchases(t, *cdnow), expected, rtol=1e-9)


def test_probability_alive_matches_lifetimes(cdnow, ours, theirs):
    """Reference: lifetimes' conditional_probability_alive, per customer."""
    expected = np.asarray(theirs.conditional_probability_alive(*cdnow))
    np.testing.assert_allclose(ours.probability_alive(*cdnow), expected, rtol=1e-3, atol=1e-6)


def test_expected_purchases_new_customer_matches_lifetimes(ours, theirs):
    """Reference: lifetimes' expected_number_of_purchases_up_to_time (eq. 9), the tracking chart
    curve over 78 weeks."""
    weeks = np.arange(0, 79, dtype=float)
    expected = np.asarray(theirs.expected_number_of_purchases_up_to_time(weeks))
    np.testing.assert_allclose(ours.expected_purchases_new_customer(weeks), expected, rtol=1e-3,
                               atol=1e-6)


# --- exact arithmetic: the regimes where the published 2F1 formula overflows or cancels ---------

ORACLE_CASES = [
    # params (r, α, a, b), t, x, t_x, T
    pytest.param((0.243, 4.414, 0.793, 2.426), 39.0, 2, 30.43, 38.86, id="cdnow-customer-1"),
    pytest.param((0.243, 4.414, 0.793, 2.426), 1e-6, 2, 30.43, 38.86, id="tiny-t"),
    pytest.param((0.243, 4.414, 0.793, 2.426), 1e4, 0, 0.0, 1e6, id="huge-T"),
    pytest.param((0.243, 4.414, 0.793, 2.426), 100.0, 10_000, 500.0, 500.0, id="heavy-buyer"),
    pytest.param((0.243, 4.414, 0.793, 2.426), 100.0, 10_000, 1e6, 1e6, id="heavy-buyer-old"),
    pytest.param((0.24, 4.4, 0.79, 1000.0), 1e4, 0, 0.0, 1.0, id="hyp2f1-nan-quadrature"),
    pytest.param((0.243, 4.414, 1.0 + 1e-9, 2.4), 39.0, 3, 20.0, 38.86, id="a-near-1"),
    pytest.param((0.243, 4.414, 0.3, 0.70001), 39.0, 0, 0.0, 38.86, id="a-plus-b-near-1"),
    pytest.param((0.243, 4.414, 0.3, 0.5), 39.0, 0, 0.0, 38.86, id="negative-c"),
    pytest.param((5.0, 0.5, 20.0, 50.0), 39.0, 5, 3.0, 38.86, id="large-a"),
    pytest.param((0.05, 100.0, 0.2, 30.0), 500.0, 1, 10.0, 700.0, id="small-r"),
    pytest.param((0.48, 11.7, 4e5, 1e6), 360.0, 3, 50.0, 200.0, id="huge-a-b"),
]


@pytest.mark.parametrize(("params", "t", "x", "t_x", "T"), ORACLE_CASES)
def test_predict_purchases_matches_exact_arithmetic(params, t, x, t_x, T):
    """Reference: equation (10) of Fader, Hardie & Lee (2005) with the hypergeometric series
    summed in 60-digit decimal arithmetic (tests/analytics/oracle.py), where scipy's hyp2f1 on
    the published parameters would overflow (heavy buyers) or return NaN (large b)."""
    model = BetaGeoModel.from_params(**dict(zip(NAMES, params, strict=True)))
    expected = bgnbd_expected_purchases(t, x, t_x, T, *params)
    # abs=0: some values are ~1e-10, below approx's default absolute tolerance
    assert model.predict_purchases(t, [x], [t_x], [T])[0] == pytest.approx(expected, rel=1e-7,
                                                                        abs=0)


@pytest.mark.parametrize("t", [1e-9, 1e-6, 1e-3])
def test_tiny_horizons_keep_full_precision(t):
    """Reference: exact arithmetic. For t ≪ α+T the result is ~(r+x)·t/(α+T) and
    1 - (1-z)^(a-1)·2F1 cancels; the series for 2F1 - 1 keeps every digit."""
    params = (0.243, 4.414, 0.793, 2.426)
    model = BetaGeoModel.from_params(**dict(zip(NAMES, params, strict=True)))
    expected = bgnbd_expected_purchases(t, 2, 30.43, 38.86, *params)
    assert model.predict_purchases(t, [2], [30.43], [38.86])[0] == pytest.approx(expected,
                                                                                rel=1e-12, abs=0)


def test_a_equal_to_one_is_the_limit():
    """Reference: continuity in a (the published formula is 0/0 at a = 1): the value at a = 1
    lies between the exact-arithmetic values at a = 1 ∓ 1e-7."""
    params = (0.243, 4.414, 1.0, 2.426)
    model = BetaGeoModel.from_params(**dict(zip(NAMES, params, strict=True)))
    for t in (0.01, 1.0, 39.0, 1e5):
        value = model.predict_purchases(t, [2], [30.43], [38.86])[0]
        below = bgnbd_expected_purchases(t, 2, 30.43, 38.86, 0.243, 4.414, 1 - 1e-7, 2.426)
        above = bgnbd_expected_purchases(t, 2, 30.43, 38.86, 0.243, 4.414, 1 + 1e-7, 2.426)
        assert value == pytest.approx((below + above) / 2, rel=1e-7, abs=0)


def test_finite_where_lifetimes_gives_nan():
    """Reference: lifetimes evaluates 2F1(r+x, b+x; a+b+x-1; z) with scipy, which returns NaN
    for a large b and z near 1 (a customer base that hardly churns, a long horizon); ours
    matches exact arithmetic there (case hyp2f1-nan-quadrature above)."""
    params = {"r": 0.24, "alpha": 4.4, "a": 0.79, "b": 1000.0}
    fitter = BetaGeoFitter()
    fitter.params_ = pd.Series(params)
    args = (1e4, np.array([0, 5]), np.array([0.0, 1.0]), np.array([1.0, 1.0]))
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = fitter.conditional_expected_number_of_purchases_up_to_time(*args)
    assert np.isnan(theirs).all()
    ours = BetaGeoModel.from_params(**params).predict_purchases(*args)
    assert np.isfinite(ours).all()
    assert ours[1] == pytest.approx(bgnbd_expected_purchases(1e4, 5, 1.0, 1.0, *params.values()),
                                    rel=1e-7, abs=0)


# --- simulation --------------------------------------------------------------------------------

def test_recovers_simulated_parameters():
    """Reference: 100,000 customers simulated from BG/NBD(0.25, 4, 0.8, 2.5) (seeded): each
    estimate within 4 standard errors and 10 % of the truth (b, the least precise, has a
    standard error of ~3 % at this size)."""
    rng = np.random.default_rng(2024)
    truth = {"r": 0.25, "alpha": 4.0, "a": 0.8, "b": 2.5}
    T = rng.uniform(20, 80, 100_000)
    x, recency = simulate_bgnbd(**truth, T=T, seed=7)
    model = BetaGeoModel().fit(x, recency, T)
    for name, value in truth.items():
        assert abs(model.params_[name] - value) < 4 * model.standard_errors_[name], name
        assert model.params_[name] == pytest.approx(value, rel=0.10), name


def test_compressed_weights_give_the_same_fit(cdnow):
    """Reference: the same data as one row per customer and as distinct rows with counts."""
    frequency, recency, T = cdnow
    table = pd.DataFrame({"x": frequency, "tx": recency, "T": T})
    grouped = table.value_counts().reset_index()
    by_row = BetaGeoModel().fit(frequency, recency, T)
    by_count = BetaGeoModel().fit(grouped["x"], grouped["tx"], grouped["T"],
                                  weights=grouped["count"])
    for name in NAMES:
        assert by_count.params_[name] == pytest.approx(by_row.params_[name], rel=1e-6)
    assert by_count.log_likelihood_ == pytest.approx(by_row.log_likelihood_, rel=1e-9)
    assert by_count.n_customers_ == by_row.n_customers_


def test_large_data_uses_the_subsample_start():
    """Reference: the same fit from the subsample warm start (60,000 whole-week customers) and
    from rows given one by one with explicit unit weights."""
    rng = np.random.default_rng(3)
    T = rng.integers(10, 80, 60_000).astype(float)
    x, recency = simulate_bgnbd(0.3, 5.0, 0.7, 3.0, T=T, seed=3)
    recency = np.minimum(np.ceil(recency), T)
    fast = BetaGeoModel().fit(x, recency, T)
    weighted = BetaGeoModel().fit(x, recency, T, weights=np.ones(len(x)))
    for name in NAMES:
        assert fast.params_[name] == pytest.approx(weighted.params_[name], rel=1e-6)


def test_penalizer_shrinks_the_parameters(cdnow, ours):
    """Reference: the unpenalised fit; an L2 penalty lowers Σθ² and the likelihood."""
    penalised = BetaGeoModel(penalizer=0.1).fit(*cdnow)
    assert sum(v**2 for v in penalised.params_.values()) < sum(v**2 for v in ours.params_.values())
    assert penalised.log_likelihood_ < ours.log_likelihood_


# --- properties --------------------------------------------------------------------------------

params_strategy = st.fixed_dictionaries({
    "r": st.floats(0.01, 10), "alpha": st.floats(0.01, 100),
    "a": st.floats(0.05, 20), "b": st.floats(0.05, 200),
})


@settings(max_examples=25, deadline=None)
@given(params=params_strategy, x=st.integers(0, 200), T=st.floats(0.1, 1000),
       share=st.floats(0, 1))
def test_predict_purchases_increases_with_t(params, x, T, share):
    """Reference: E[X(T, T+t)] counts purchases in a growing window, so it cannot decrease."""
    model = BetaGeoModel.from_params(**params)
    recency = share * T if x > 0 else 0.0
    t = np.array([0.0, 1e-3, 0.1, 1, 10, 100, 1e3, 1e4])[:, None]
    values = model.predict_purchases(t, [x], [recency], [T])[:, 0]
    assert values[0] == 0
    assert np.all(np.diff(values) >= -1e-9 * values[1:])


@settings(max_examples=25, deadline=None)
@given(params=params_strategy, T=st.floats(0.1, 1000), t=st.floats(0.01, 1000))
def test_predict_purchases_increases_with_frequency_at_recency_T(params, T, t):
    """Reference: for a customer who just bought (t_x = T) more purchases mean both a higher
    rate and a higher P(alive) (for t_x < T a heavier buyer's silence is more ominous and the
    order can flip, so only t_x = T is a theorem)."""
    model = BetaGeoModel.from_params(**params)
    x = np.arange(1, 60, dtype=float)
    values = model.predict_purchases(t, x, np.full(len(x), T), np.full(len(x), T))
    assert np.all(np.diff(values) >= -1e-9 * values[1:])


@settings(max_examples=25, deadline=None)
@given(params=params_strategy, x=st.integers(1, 500), T=st.floats(0.1, 1000))
def test_probability_alive_increases_with_recency(params, x, T):
    """Reference: Hardie's note 021, P(alive) = 1/(1 + a/(b+x-1)·((α+T)/(α+t_x))^(r+x)),
    increasing in t_x; and 1 for x = 0 (BG/NBD customers drop out only after a purchase)."""
    model = BetaGeoModel.from_params(**params)
    recency = np.linspace(0, T, 30)
    values = model.probability_alive(np.full(30, x), recency, np.full(30, T))
    assert np.all(np.diff(values) >= -1e-12)
    assert np.all((values >= 0) & (values <= 1))
    assert model.probability_alive([0, 0], [0, 0], [T, 10 * T]).tolist() == [1.0, 1.0]


@settings(max_examples=25, deadline=None)
@given(params=params_strategy)
def test_expected_purchases_new_customer_increases(params):
    """Reference: E[X(t)] of eq. (9) is a cumulative count: 0 at t = 0, non-decreasing."""
    model = BetaGeoModel.from_params(**params)
    t = np.concatenate([[0.0], np.geomspace(1e-6, 1e6, 40)])
    values = model.expected_purchases_new_customer(t)
    assert values.shape == t.shape
    assert values[0] == 0
    assert np.all(np.diff(values) >= -1e-9 * values[1:])


@settings(max_examples=25, deadline=None)
@given(params=params_strategy)
def test_no_nan_or_inf_for_extreme_customers(params):
    """Reference: every prediction is a finite number, for no repeat purchase, huge T,
    recency = T and very heavy buyers alike."""
    rows = [(x, f * T, T) for x in (0, 1, 10_000, 100_000) for T in (1e-3, 1.0, 1e6)
            for f in (0.0, 0.5, 1.0) if x > 0 or f == 0]
    x, recency, T = (np.array(column) for column in zip(*rows, strict=True))
    model = BetaGeoModel.from_params(**params)
    t = np.array([0.0, 1e-9, 1.0, 1e6])[:, None]
    for values in (model.predict_purchases(t, x, recency, T),
                   model.probability_alive(x, recency, T), model.log_likelihood(x, recency, T),
                   model.expected_purchases_new_customer(t)):
        assert np.isfinite(values).all()


def test_gradient_and_hessian_match_finite_differences(cdnow):
    """Reference: central differences of the log-likelihood itself (step 1e-5 relative): the
    analytic gradient and Hessian that Newton's method and the standard errors use."""
    data = bgnbd._Data.build(*cdnow, np.ones(len(cdnow[0])), compressed=True)
    params = np.array([0.3, 5.0, 0.9, 2.0])  # away from the optimum: the gradient is not 0
    _, grad, hess = data.evaluate(params, 2, 0.0)
    steps = 1e-5 * params
    numeric_grad, numeric_hess = np.empty(4), np.empty((4, 4))
    for j in range(4):
        up, down = params.copy(), params.copy()
        up[j] += steps[j]
        down[j] -= steps[j]
        numeric_grad[j] = (data.evaluate(up, 0, 0.0)[0] - data.evaluate(down, 0, 0.0)[0]) / (
            2 * steps[j])
        numeric_hess[:, j] = (data.evaluate(up, 1, 0.0)[1] - data.evaluate(down, 1, 0.0)[1]) / (
            2 * steps[j])
    np.testing.assert_allclose(grad, numeric_grad, rtol=1e-7)
    np.testing.assert_allclose(hess, numeric_hess, rtol=1e-7)


def test_log_likelihood_per_customer_sums_to_fit(cdnow, ours):
    """Reference: log_likelihood_ is the sum of the per-customer log-likelihoods."""
    assert ours.log_likelihood(*cdnow).sum() == pytest.approx(ours.log_likelihood_, rel=1e-12)


# --- inputs and errors -------------------------------------------------------------------------

def test_input_types_give_the_same_result(cdnow):
    """Reference: the numpy fit; lists, pandas and polars Series must give the same result."""
    frequency, recency, T = cdnow
    base = BetaGeoModel().fit(frequency, recency, T)
    variants = [
        (frequency.tolist(), recency.tolist(), T.tolist()),
        (pd.Series(frequency), pd.Series(recency), pd.Series(T)),
        (pl.Series(frequency), pl.Series(recency), pl.Series(T)),
        (frequency.astype(int), recency, T),
    ]
    for variant in variants:
        model = BetaGeoModel().fit(*variant)
        assert model.params_ == pytest.approx(base.params_, rel=1e-12)
        np.testing.assert_allclose(model.predict_purchases(10, *variant),
                                   base.predict_purchases(10, frequency, recency, T), rtol=1e-12)


@pytest.mark.parametrize(("frequency", "recency", "T", "message"), [
    ([-1, 0], [0, 0], [5, 5], "frequency: negative value at position 0"),
    ([1.5, 0], [1, 0], [5, 5], "frequency: not a whole number at position 0"),
    ([1, 1], [2, 6], [5, 5], r"recency > T at position 1"),
    ([1, 0], [float("nan"), 0], [5, 5], "recency: NaN or infinite value at position 0"),
    ([1, 0], [1, 0], [5, -1], "T: negative value"),
    ([0, 0], [0, 1], [5, 5], "recency must be 0 when frequency is 0"),
    ([], [], [], "empty data"),
    ([1, 0], [1, 0], [5], "differ in length"),
    ([1, 0], [-1, 0], [5, 5], "recency: negative value"),
])
def test_invalid_input_raises_value_error(frequency, recency, T, message):
    """Reference: each bad input gets a ValueError naming it (and where)."""
    with pytest.raises(ValueError, match=message):
        BetaGeoModel().fit(frequency, recency, T)
    with pytest.raises(ValueError, match=message):
        BetaGeoModel.from_params(**CDNOW_PARAMS).predict_purchases(1, frequency, recency, T)


def test_invalid_settings_raise_value_error(cdnow):
    """Reference: penalizer, weights and horizons are checked too."""
    with pytest.raises(ValueError, match="penalizer"):
        BetaGeoModel(penalizer=-1).fit(*cdnow)
    with pytest.raises(ValueError, match="weights: length"):
        BetaGeoModel().fit(*cdnow, weights=[1, 2])
    with pytest.raises(ValueError, match="weights: negative"):
        BetaGeoModel().fit([1, 0], [1, 0], [2, 2], weights=[1, -1])
    model = BetaGeoModel.from_params(**CDNOW_PARAMS)
    with pytest.raises(ValueError, match="t: negative"):
        model.predict_purchases(-1, [1], [1], [2])
    with pytest.raises(ValueError, match="t: NaN"):
        model.expected_purchases_new_customer([1, float("nan")])
    with pytest.raises(ValueError, match="alpha: must be positive"):
        BetaGeoModel.from_params(r=1, alpha=0, a=1, b=1)


def test_not_fitted_error():
    """Reference: every method asks for fit() first."""
    model = BetaGeoModel()
    for call in (lambda: model.predict_purchases(1, [1], [1], [2]),
                 lambda: model.probability_alive([1], [1], [2]),
                 lambda: model.expected_purchases_new_customer(1),
                 lambda: model.log_likelihood([1], [1], [2])):
        with pytest.raises(NotFittedError, match="fit"):
            call()


def test_no_repeat_purchase_raises_convergence_error():
    """Reference: with every frequency 0 the likelihood r·log(α/(α+T)) has no interior maximum."""
    with pytest.raises(ConvergenceError, match="no customer made a repeat purchase"):
        BetaGeoModel().fit([0, 0, 0], [0, 0, 0], [10, 20, 30])


def test_no_dropout_raises_convergence_error():
    """Reference: Poisson purchasers who never drop out: the likelihood keeps rising as
    a/(a+b) → 0 (no proper maximum), for small data (full optimiser) and for large data (the
    subsample start, without the slow fallback)."""
    rng = np.random.default_rng(8)
    for n in (2_000, 60_000):
        T = rng.uniform(10, 50, n)
        x = rng.poisson(0.2 * T).astype(float)
        recency = np.where(x > 0, T * rng.beta(np.maximum(x, 1), 1), 0.0)
        with pytest.raises(ConvergenceError, match="no proper maximum|no maximum found"):
            BetaGeoModel().fit(x, recency, T)


def test_docstring_examples():
    """Reference: the Examples sections of the module."""
    result = doctest.testmod(bgnbd, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0 and result.failed == 0
