"""Pareto/NBD model: oracle checks against lifetimes and the closed forms, properties, errors.

References used as oracles:

* ``lifetimes`` 0.11.3 ``ParetoNBDFitter`` on the CDNOW sample (2,357 customers, weeks), and
  the Pareto/NBD fit published in Fader, Hardie & Lee (2005), "Counting your customers the easy
  way": r = 0.553, α = 10.578, s = 0.606, β = 11.669, log-likelihood −9595.0.
* The closed form of the tail integral through Gauss' hypergeometric function (``scipy.special
  .hyp2f1``), for the quadrature the model uses instead.
* Data simulated from the model itself (a vectorised simulator below) for parameter recovery.
"""

from __future__ import annotations

import doctest
import subprocess
import sys
import warnings
from itertools import pairwise

import numpy as np
import pandas as pd
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import integrate
from scipy.special import hyp2f1

from kehu.analytics import paretonbd
from kehu.analytics._base import ConvergenceError, NotFittedError
from kehu.analytics.paretonbd import ParetoNBDModel

PUBLISHED = {"r": 0.553, "alpha": 10.578, "s": 0.606, "beta": 11.669}
NAMES = ("r", "alpha", "s", "beta")


def simulate_paretonbd(r, alpha, s, beta, T, *, seed=0):
    """(frequency, recency) of customers aged ``T`` under Pareto/NBD(r, α, s, β).

    λ ~ Gamma(r, rate α), μ ~ Gamma(s, rate β); the customer is active until min(death, T) with
    death ~ Exponential(μ), buys Poisson(λ · active) times in that span, and the last of x
    uniform purchase times is active · U^(1/x).
    """
    rng = np.random.default_rng(seed)
    T = np.asarray(T, dtype=float)
    n = len(T)
    lam = rng.gamma(r, 1.0 / alpha, n)
    mu = rng.gamma(s, 1.0 / beta, n)
    active = np.minimum(rng.exponential(1.0 / mu), T)
    x = rng.poisson(lam * active)
    recency = np.where(x > 0, active * rng.random(n) ** (1.0 / np.maximum(x, 1)), 0.0)
    return x.astype(float), recency


# -- CDNOW against lifetimes ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def cdnow():
    from lifetimes.datasets import load_cdnow_summary

    d = load_cdnow_summary(index_col=[0])
    # d["T"], not d.T (the transpose)
    return (d["frequency"].to_numpy(dtype=float), d["recency"].to_numpy(dtype=float),
            d["T"].to_numpy(dtype=float))


@pytest.fixture(scope="module")
def reference(cdnow):
    """lifetimes' fit, from a fixed start (its default start is random)."""
    from lifetimes import ParetoNBDFitter

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return ParetoNBDFitter().fit(*cdnow, initial_params=np.ones(4))


@pytest.fixture(scope="module")
def model(cdnow):
    return ParetoNBDModel().fit(*cdnow)


def lifetimes_log_likelihood(params, x, t_x, T):
    """lifetimes' own likelihood (``ParetoNBDFitter._negative_log_likelihood``, eq. 18 with the
    hyp2f1 "A0") on unscaled data; with unit weights it returns the total."""
    from lifetimes import ParetoNBDFitter

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return -ParetoNBDFitter._negative_log_likelihood(np.asarray(params), x, t_x, T,
                                                         np.ones(len(x)), 0.0)


def test_cdnow_parameters_match_lifetimes_and_the_paper(model, reference):
    """Against lifetimes' fit (1e-3 relative) and the published values (2e-3: printed to 3 dp)."""
    for name in NAMES:
        assert model.params_[name] == pytest.approx(reference.params_[name], rel=1e-3), name
        assert model.params_[name] == pytest.approx(PUBLISHED[name], rel=2e-3), name


def test_cdnow_log_likelihood(model, reference, cdnow):
    """log_likelihood_ against lifetimes' likelihood function evaluated at lifetimes' own
    parameters on the same unscaled data (1e-3), and the published −9595.0 (1e-4)."""
    at_reference = lifetimes_log_likelihood(reference.params_[list(NAMES)].to_numpy(), *cdnow)
    assert model.log_likelihood_ == pytest.approx(at_reference, rel=1e-3)
    assert model.log_likelihood_ >= at_reference - 1e-6  # ours is the maximum
    assert model.log_likelihood_ == pytest.approx(-9595.0, rel=1e-4)


def test_likelihood_formula_matches_lifetimes_at_the_same_parameters(cdnow):
    """Quadrature vs lifetimes' hyp2f1 closed form, per customer, at several parameter sets
    (including α < β and α > β, which take different branches in both): 1e-9 relative."""
    x, t_x, T = cdnow
    rows = paretonbd._Rows(x, t_x, T, np.ones(len(x)))
    for params in ([0.553, 10.578, 0.606, 11.669], [2.0, 3.0, 0.3, 40.0], [0.2, 50.0, 3.0, 1.5]):
        ours = rows.log_likelihood(np.array(params))
        theirs = np.array([lifetimes_log_likelihood(params, x[i:i + 1], t_x[i:i + 1], T[i:i + 1])
                           for i in range(0, len(x), 7)])
        np.testing.assert_allclose(ours[::7], theirs, rtol=1e-9)


@pytest.mark.parametrize("t", [10.0, 39.0])
def test_cdnow_predict_purchases_matches_lifetimes(model, reference, cdnow, t):
    """Conditional expectation (Fader & Hardie 2005 eq. 41) vs lifetimes' own fit's
    ``conditional_expected_number_of_purchases_up_to_time``, per customer: 1e-3 relative."""
    ours = model.predict_purchases(t, *cdnow)
    theirs = reference.conditional_expected_number_of_purchases_up_to_time(t, *cdnow)
    np.testing.assert_allclose(ours, theirs, rtol=1e-3)


def test_cdnow_probability_alive_matches_lifetimes(model, reference, cdnow):
    """P(alive) vs ``conditional_probability_alive``: 1e-3 relative per customer."""
    np.testing.assert_allclose(model.probability_alive(*cdnow),
                               reference.conditional_probability_alive(*cdnow), rtol=1e-3)


def test_cdnow_expected_purchases_new_customer_matches_lifetimes(model, reference):
    """E[X(t)] vs ``expected_number_of_purchases_up_to_time``: 1e-3 relative."""
    t = np.array([0.5, 1.0, 10.0, 39.0, 78.0, 500.0])
    np.testing.assert_allclose(model.expected_purchases_new_customer(t),
                               reference.expected_number_of_purchases_up_to_time(t), rtol=1e-3)
    assert model.expected_purchases_new_customer(0.0).tolist() == [0.0]


def test_predictions_match_lifetimes_formulas_at_the_same_parameters(cdnow):
    """With identical parameters the formulas themselves agree to 1e-9 (lifetimes as oracle)."""
    from lifetimes import ParetoNBDFitter

    params = {"r": 0.553, "alpha": 10.578, "s": 0.606, "beta": 11.669}
    ours = ParetoNBDModel()
    ours.params_ = params
    theirs = ParetoNBDFitter()
    theirs.params_ = pd.Series(params)
    np.testing.assert_allclose(ours.probability_alive(*cdnow),
                               theirs.conditional_probability_alive(*cdnow), rtol=1e-9)
    np.testing.assert_allclose(
        ours.predict_purchases(39.0, *cdnow),
        theirs.conditional_expected_number_of_purchases_up_to_time(39.0, *cdnow), rtol=1e-9)


# -- standard errors ---------------------------------------------------------------------------


def test_standard_errors_cdnow_match_a_finite_difference_hessian(model, cdnow):
    """Self-check: SEs from the inverse of a second-difference Hessian of the log-likelihood
    *values* (no gradient involved) agree with the model's to 1e-3 relative."""
    se = model.standard_errors_
    assert all(np.isfinite(se[k]) and se[k] > 0 for k in NAMES)
    rows = paretonbd._Rows(*cdnow, np.ones(len(cdnow[0])))
    p = np.array([model.params_[k] for k in NAMES])

    def ll(q):
        return rows.log_likelihood(q).sum()

    h = 1e-4 * p
    hess = np.empty((4, 4))
    for i in range(4):
        for j in range(4):
            ei, ej = np.eye(4)[i] * h[i], np.eye(4)[j] * h[j]
            hess[i, j] = (ll(p + ei + ej) - ll(p + ei - ej) - ll(p - ei + ej) + ll(p - ei - ej)) / (
                4 * h[i] * h[j])
    fd_se = np.sqrt(np.diag(np.linalg.inv(-hess)))
    np.testing.assert_allclose([se[k] for k in NAMES], fd_se, rtol=1e-3)
    # the CDNOW estimates are well identified: every SE well below its estimate
    assert all(se[k] < model.params_[k] for k in NAMES)


# -- the quadrature against the closed form ------------------------------------------------------


def _random_tail_cases(n, seed, lo, hi):
    rng = np.random.default_rng(seed)
    r, s = np.exp(rng.uniform(np.log(0.05), np.log(20), (2, n)))
    alpha, beta = np.exp(rng.uniform(np.log(lo), np.log(hi), (2, n)))
    x = rng.choice([0.0, 1.0, 2.0, 5.0, 20.0, 100.0, 1000.0, 10_000.0], n)
    t = np.where(rng.random(n) < 0.25, 0.0, np.exp(rng.uniform(np.log(1e-3), np.log(1e5), n)))
    return list(zip(r, alpha, s, beta, x, t, strict=True))


def _tier(r, alpha, s, beta, x, t):
    big, small = max(alpha, beta), min(alpha, beta)
    e = s + 1 if alpha >= beta else r + x
    p = paretonbd._sharpness(e, (big - small) / (big + t), r + s + x, (small + t) / (big + t))
    return int(np.searchsorted([limit for limit, _ in paretonbd._RULES[:-1]], p))


def _closed_form_log_tail(r, alpha, s, beta, x, t):
    """log ∫_t^∞ (α+τ)^-(r+x) (β+τ)^-(s+1) dτ = −c log(B+t) − log c + log 2F1(c, e; c+1; z),
    c = r+s+x, B = max(α, β), e the other base's exponent, z = |α−β|/(B+t) (Euler's integral)."""
    c = r + s + x
    big = max(alpha, beta)
    e = s + 1 if alpha >= beta else r + x
    with np.errstate(all="ignore"):
        return (-c * np.log(big + t) - np.log(c)
                + np.log(hyp2f1(c, e, c + 1, abs(alpha - beta) / (big + t))))


def _adaptive_tail(r, alpha, s, beta, x, t):
    """log ∫_t^∞ f and the means of log(α+τ), 1/(α+τ), log(β+τ), 1/(β+τ) under f, by QUADPACK
    (scipy.integrate.quad) in y = log((m+τ)/(m+t)), m = min(α, β), split at the knee where the
    other base takes over and at multiples of the decay scale 1/c."""
    small, big = min(alpha, beta), max(alpha, beta)
    e_small, e_big = (r + x, s + 1) if alpha <= beta else (s + 1, r + x)
    c = r + s + x
    l0 = np.log(small + t)
    gap = np.log(big - small) if big > small else -np.inf

    def log_small(y):
        return l0 + y

    def log_big(y):
        return np.logaddexp(gap, l0 + y)

    def log_f(y):  # the integrand times dτ/dy
        return l0 + y - e_small * log_small(y) - e_big * log_big(y)

    top = log_f(0.0)
    knee = max(gap - l0, 0.0)
    end = knee + 900 / c + 5
    cuts = {knee, *(k / c for k in (0.1, 1, 3, 10, 30)), *(knee + k / c for k in (1, 10, 40))}
    cuts = [0.0, *sorted(y for y in cuts if 0 < y < end), end]
    moments = [log_small, lambda y: np.exp(-log_small(y)), log_big, lambda y: np.exp(-log_big(y))]
    if alpha > beta:
        moments = moments[2:] + moments[:2]
    integrals = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for g in [lambda y: 1.0, *moments]:
            integrals.append(sum(
                integrate.quad(lambda y, g=g: np.exp(log_f(y) - top) * g(y), lo, hi, epsabs=0,
                               epsrel=1e-13, limit=400)[0] for lo, hi in pairwise(cuts)))
    return top + np.log(integrals[0]), np.array(integrals[1:]) / integrals[0]


def test_tail_quadrature_matches_hypergeometric_closed_form():
    """log F(t) from tanh–sinh vs scipy's hyp2f1 over r, s ∈ [0.05, 20], α, β ∈ [0.1, 1000],
    x ≤ 10,000, t ∈ {0} ∪ [1e-3, 1e5]: 1e-9 absolute on the log (so relative on F)."""
    for case in _random_tail_cases(400, seed=1, lo=0.1, hi=1000):
        exact = _closed_form_log_tail(*case)
        if not np.isfinite(exact):  # hyp2f1 overflows on a few
            continue
        got, _ = paretonbd._tails(case[:4], np.array([case[4]]), np.array([case[5]]), False)
        assert got[0] == pytest.approx(exact, abs=1e-9, rel=1e-12), case


def test_tail_and_moments_match_adaptive_quadrature_in_extreme_corners():
    """log F (1e-9 absolute) and the four moments the gradient is made of (1e-9 relative) vs
    QUADPACK, for α, β over eight orders of magnitude, heavy buyers and t = 0: the corners where
    the integrand piles up (hyp2f1 itself loses digits there). Every step tier is exercised."""
    cases = _random_tail_cases(60, seed=2, lo=1e-4, hi=1e4) + [
        (0.5, 1e-3, 0.6, 1e3, 0.0, 0.0), (0.5, 1e-5, 0.6, 1e4, 0.0, 0.0),
        (0.5, 1e-7, 0.6, 1e4, 0.0, 0.0), (2.0, 1e-6, 5.0, 1e3, 10.0, 0.0),
        (0.5, 1e3, 3.0, 1e-4, 5.0, 0.01), (0.3, 5.0, 0.1, 50.0, 10_000.0, 3.0)]
    tiers = set()
    for case in cases:
        log_f, mom = paretonbd._tails(case[:4], np.array([case[4]]), np.array([case[5]]), True)
        exact_log_f, exact_mom = _adaptive_tail(*case)
        assert log_f[0] == pytest.approx(exact_log_f, abs=1e-9), case
        np.testing.assert_allclose(mom[0], exact_mom, rtol=1e-9, err_msg=str(case))
        tiers.add(_tier(*case))
    assert tiers == set(range(len(paretonbd._RULES)))


@settings(max_examples=25, deadline=None, derandomize=True)
@given(r=st.floats(0.05, 20), alpha=st.floats(0.1, 1000), s=st.floats(0.05, 20),
       beta=st.floats(0.1, 1000), seed=st.integers(0, 2**16))
def test_gradient_matches_finite_differences(r, alpha, s, beta, seed):
    """The analytic gradient of the total log-likelihood vs central differences of its value
    on random customers (x up to 200, recency anywhere in [0, T], some recency = T)."""
    rng = np.random.default_rng(seed)
    n = 40
    T = rng.uniform(1, 100, n)
    x = np.where(rng.random(n) < 0.3, 0, rng.integers(1, 200, n)).astype(float)
    t_x = np.where(x > 0, T * np.where(rng.random(n) < 0.2, 1.0, rng.random(n)), 0.0)
    rows = paretonbd._Rows(x, t_x, T, rng.integers(1, 5, n).astype(float))
    theta = np.array([r, alpha, s, beta])
    value, grad = rows.neg_ll_and_grad(theta)
    assert np.isfinite(value) and np.isfinite(grad).all()
    scale = np.abs(rows.weights @ np.abs(rows.log_likelihood(theta)))
    for k in range(4):
        step = 1e-6 * theta[k]
        up, down = theta.copy(), theta.copy()
        up[k] += step
        down[k] -= step
        fd = (rows.neg_ll_and_grad(up)[0] - rows.neg_ll_and_grad(down)[0]) / (2 * step)
        # the differences' rounding error is about 1e-16 · |value| / step
        assert grad[k] == pytest.approx(fd, rel=1e-5, abs=1e-8 * scale / theta[k] + 1e-9), k


# -- simulated data ------------------------------------------------------------------------------


def test_recovers_known_parameters_from_simulated_data():
    """100,000 customers simulated from r=0.55, α=10.58, s=0.61, β=11.67, ages 1–3 years in whole
    days, recency rounded to the day: every estimate within 6% and within 3 of its standard
    errors (which are 1.1–3.7% of the values here)."""
    truth = {"r": 0.55, "alpha": 10.58, "s": 0.61, "beta": 11.67}
    rng = np.random.default_rng(7)
    T = rng.integers(52 * 7, 156 * 7, 100_000) / 7
    x, t_x = simulate_paretonbd(*truth.values(), T, seed=7)
    t_x = np.minimum(np.round(t_x * 7), T * 7) / 7
    fitted = ParetoNBDModel().fit(x, t_x, T)
    for name, value in truth.items():
        assert fitted.params_[name] == pytest.approx(value, rel=0.06), name
        assert abs(fitted.params_[name] - value) < 3 * fitted.standard_errors_[name], name
    assert fitted.n_customers_ == 100_000


def test_compressed_fit_equals_uncompressed(cdnow):
    """Unique (x, t_x, T) rows with their counts as weights give the same fit and total
    log-likelihood as all customers (1e-9 relative); doubling every weight doubles it."""
    x, t_x, T = cdnow
    rows, counts = np.unique(np.column_stack(cdnow), axis=0, return_counts=True)
    assert len(rows) < len(x) / 2
    full = ParetoNBDModel().fit(x, t_x, T)
    compact = ParetoNBDModel().fit(rows[:, 0], rows[:, 1], rows[:, 2], weights=counts)
    assert compact.log_likelihood_ == pytest.approx(full.log_likelihood_, rel=1e-9)
    for name in NAMES:
        assert compact.params_[name] == pytest.approx(full.params_[name], rel=1e-6)
    doubled = ParetoNBDModel().fit(x, t_x, T, weights=np.full(len(x), 2.0))
    assert doubled.log_likelihood_ == pytest.approx(2 * full.log_likelihood_, rel=1e-9)
    assert doubled.n_customers_ == 2 * len(x)


def _model(params):
    m = ParetoNBDModel()
    m.params_ = dict(zip(NAMES, params, strict=True))
    return m


PARAMS = st.tuples(st.floats(0.1, 5), st.floats(0.5, 100), st.floats(0.1, 5), st.floats(0.5, 100))


@settings(max_examples=30, deadline=None, derandomize=True)
@given(params=PARAMS, x=st.integers(0, 50), T=st.floats(1, 200), share=st.floats(0, 1),
       t=st.lists(st.floats(0, 500), min_size=2, max_size=6))
def test_predict_purchases_increases_with_horizon(params, x, T, share, t):
    """More time, at least as many expected purchases (E[X(T, T+t)] is a sum of non-negative
    increments)."""
    recency = share * T if x > 0 else 0.0
    t = np.sort(np.array(t))
    got = _model(params).predict_purchases(t, [x] * len(t), [recency] * len(t), [T] * len(t))
    assert np.all(np.diff(got) >= -1e-12 * np.abs(got[1:]))
    assert np.all(got >= 0)


@settings(max_examples=30, deadline=None, derandomize=True)
@given(params=PARAMS, x=st.integers(1, 200), T=st.floats(1, 200),
       shares=st.lists(st.floats(0.001, 1), min_size=2, max_size=6))
def test_probability_alive_increases_with_recency(params, x, T, shares):
    """Same purchases and age, a later last purchase: at least as likely alive (Fader & Hardie
    2005 §5: only the unseen-death integral from t_x to T depends on t_x, and it shrinks)."""
    recency = np.sort(np.array(shares)) * T
    n = len(recency)
    got = _model(params).probability_alive([x] * n, recency, [T] * n)
    assert np.all(np.diff(got) >= -1e-12)
    assert np.all((got > 0) & (got <= 1))
    assert got[-1] == pytest.approx(
        _model(params).probability_alive([x], [recency[-1]], [T])[0], rel=1e-12)


@settings(max_examples=30, deadline=None, derandomize=True)
@given(params=PARAMS, t=st.lists(st.floats(0, 1e6), min_size=2, max_size=8))
def test_expected_purchases_new_customer_increases(params, t):
    t = np.sort(np.array(t))
    got = _model(params).expected_purchases_new_customer(t)
    assert np.all(np.diff(got) >= -1e-12 * got[1:])
    assert np.all(got >= 0)


@settings(max_examples=40, deadline=None, derandomize=True)
@given(params=st.tuples(st.floats(0.01, 50), st.floats(1e-3, 1e4), st.floats(0.01, 50),
                        st.floats(1e-3, 1e4)),
       x=st.sampled_from([0, 1, 2, 10, 1000, 10_000]),
       T=st.sampled_from([1e-3, 1.0, 52.0, 1e4, 1e6]),
       share=st.sampled_from([0.0, 1e-9, 0.5, 1 - 1e-9, 1.0]))
def test_finite_for_extreme_inputs(params, x, T, share):
    """No NaN or inf for frequency 0, huge T, recency = T, and very heavy buyers."""
    m = _model(params)
    recency = share * T if x > 0 else 0.0
    alive = m.probability_alive([x], [recency], [T])
    pred = m.predict_purchases([10.0], [x], [recency], [T])
    assert np.isfinite(alive).all() and 0 <= alive[0] <= 1
    assert np.isfinite(pred).all() and pred[0] >= 0
    assert np.isfinite(m.expected_purchases_new_customer([0.0, T, 1e9])).all()
    rows = paretonbd._Rows(np.array([float(x)]), np.array([recency]), np.array([T]), np.ones(1))
    value, grad = rows.neg_ll_and_grad(np.array(params))
    assert np.isfinite(value) and np.isfinite(grad).all()


def test_specific_extremes_by_hand():
    """Recency = T leaves no time to have died unseen: P(alive) = 1 exactly. A buyer of 10,000
    purchases silent for a million weeks is dead; a one-time buyer that old nearly so."""
    m = _model([PUBLISHED[k] for k in NAMES])
    alive = m.probability_alive([10_000, 10_000, 0], [1e6, 10.0, 0.0], [1e6, 1e6, 1e6])
    assert alive[0] == 1.0
    assert alive[1] == 0.0
    assert 0 < alive[2] < 1e-3


# -- conveniences, penalizer ---------------------------------------------------------------------


def test_accepts_pandas_polars_and_lists(cdnow, model):
    x, t_x, T = cdnow
    from_polars = ParetoNBDModel().fit(pl.Series(x), pl.Series(t_x), pl.Series(T))
    from_lists = ParetoNBDModel().fit(x.tolist(), t_x.tolist(), T.tolist())
    for fitted in (from_polars, from_lists):
        assert fitted.params_ == pytest.approx(model.params_, rel=1e-9)
    got = model.predict_purchases(pd.Series([10.0] * 3), pd.Series(x[:3]), t_x[:3].tolist(),
                                  pl.Series(T[:3]))
    assert isinstance(got, np.ndarray) and got.shape == (3,)
    per_customer = model.predict_purchases([10.0, 39.0], x[:2], t_x[:2], T[:2])
    assert per_customer[1] == pytest.approx(model.predict_purchases(39.0, x[1:2], t_x[1:2],
                                                                    T[1:2])[0], rel=1e-12)


def test_penalizer_shrinks_and_costs_likelihood(cdnow, model):
    """A penalty moves the optimum away from the MLE, so the (unpenalised) log-likelihood falls;
    penalizer=0 is the plain MLE."""
    penalised = ParetoNBDModel(penalizer=0.1).fit(*cdnow)
    assert penalised.log_likelihood_ < model.log_likelihood_ - 1
    assert (penalised.params_["r"] ** 2 + penalised.params_["s"] ** 2
            < model.params_["r"] ** 2 + model.params_["s"] ** 2)
    with pytest.raises(ValueError, match="penalizer"):
        ParetoNBDModel(penalizer=-1).fit(*cdnow)


# -- errors -------------------------------------------------------------------------------------


@pytest.mark.parametrize(("frequency", "recency", "T", "message"), [
    ([1, -1], [1, 0], [2, 2], "frequency"),
    ([1, 1], [3, 1], [2, 2], "recency > T"),
    ([1, np.nan], [1, 1], [2, 2], "frequency"),
    ([1, 1], [1, np.nan], [2, 2], "recency"),
    ([], [], [], "empty"),
    ([1, 1], [1, 1], [2], "length"),
    ([1.5], [1], [2], "frequency"),
])
def test_bad_input_names_the_problem(frequency, recency, T, message):
    with pytest.raises(ValueError, match=message):
        ParetoNBDModel().fit(frequency, recency, T)
    m = _model([PUBLISHED[k] for k in NAMES])
    with pytest.raises(ValueError, match=message):
        m.probability_alive(frequency, recency, T)


def test_bad_weights_and_horizons(model):
    with pytest.raises(ValueError, match="weights"):
        ParetoNBDModel().fit([1, 2], [1, 2], [3, 3], weights=[1, -1])
    with pytest.raises(ValueError, match="^t: "):
        model.predict_purchases(-1.0, [1], [1], [2])
    with pytest.raises(ValueError, match="^t: "):
        model.predict_purchases([1.0, 2.0, 3.0], [1, 1], [1, 1], [2, 2])
    with pytest.raises(ValueError, match="^t: "):
        model.expected_purchases_new_customer([-1.0])


def test_not_fitted():
    m = ParetoNBDModel()
    for call in (lambda: m.probability_alive([1], [1], [2]),
                 lambda: m.predict_purchases(1.0, [1], [1], [2]),
                 lambda: m.expected_purchases_new_customer(1.0)):
        with pytest.raises(NotFittedError):
            call()


def test_no_repeat_purchases_cannot_be_fitted():
    with pytest.raises(ConvergenceError, match="repeat"):
        ParetoNBDModel().fit([0, 0, 0], [0, 0, 0], [10, 20, 30])


def test_unidentified_tiny_data_raises_convergence_error():
    """Ten customers whose history looks like a homogeneous population: the MLE runs off to the
    r, α → ∞ limit, which must be reported, not returned."""
    with pytest.raises(ConvergenceError):
        ParetoNBDModel().fit([0, 1, 4, 2, 0, 7, 1, 3, 0, 5], [0, 6, 30, 18, 0, 35, 2, 25, 0, 12],
                             [40, 38, 39, 40, 35, 40, 36, 39, 38, 40])


# -- module hygiene ------------------------------------------------------------------------------


def test_docstring_examples():
    result = doctest.testmod(paretonbd, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0 and result.failed == 0


def test_imports_neither_django_nor_pandas():
    code = ("import sys, kehu.analytics.paretonbd; "
            "bad = [m for m in ('django', 'pandas') if m in sys.modules]; "
            "print(*bad); sys.exit(1 if bad else 0)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=False)
    assert done.returncode == 0, done.stdout + done.stderr
