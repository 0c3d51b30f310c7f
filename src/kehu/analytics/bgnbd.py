"""The BG/NBD model of repeat buying (Fader, Hardie & Lee 2005).

While active, a customer buys as a Poisson process with rate λ ~ Gamma(r, α); after each repeat
purchase they drop out for good with probability p ~ Beta(a, b). Fitted on each customer's
(frequency x, recency t_x, age T), it predicts future purchases and the probability that a
customer is still active.

References: P. S. Fader, B. G. S. Hardie and K. L. Lee, "Counting Your Customers the Easy Way: An
Alternative to the Pareto/NBD Model", Marketing Science 24(2), 2005, pp. 275-284, and B. Hardie's
notes 004 (likelihood) and 021 (P(alive)) at brucehardie.com.
"""

from __future__ import annotations

import numpy as np
from scipy.special import digamma, expit, exprel, gammaln, hyp2f1, polygamma

from ._base import (
    ConvergenceError,
    FittedMixin,
    _column_codes,
    _dot,
    check_frequency_recency_T,
    check_weights,
    compress,
    fit_log_space,
    model_with_params,
)

__all__ = ["BetaGeoModel"]

_NAMES = ("r", "alpha", "a", "b")


class BetaGeoModel(FittedMixin):
    """BG/NBD model: purchase counts and "alive" probabilities for non-contractual customers.

    Parameters
    ----------
    penalizer : float, default 0.0
        L2 penalty ``penalizer * (r² + α² + a² + b²)`` added to the *mean* negative
        log-likelihood, as lifetimes' ``penalizer_coef`` (but on the parameters in the data's own
        time unit: lifetimes rescales time first, so its α penalty differs). It shrinks the
        parameters when the data barely identify them.
    max_iter : int, default 2000
        Iteration cap of the fallback optimiser (L-BFGS-B).

    Attributes
    ----------
    params_ : dict
        ``{"r", "alpha", "a", "b"}``. α is in the time unit of ``recency`` and ``T``.
    log_likelihood_ : float
        Total (weighted) log-likelihood at ``params_``, without the penalty; the constant terms
        are those of the published likelihood (CDNOW in weeks: -9582.4).
    standard_errors_ : dict
        Asymptotic standard errors of ``params_`` (inverse Hessian of the log-likelihood).
    n_customers_ : float
        Number of customers fitted (the sum of the weights).

    Notes
    -----
    Inputs are each customer's ``frequency`` x (number of repeat purchases: purchase periods
    after the first), ``recency`` t_x (time from the first to the last purchase, 0 if x = 0) and
    ``T`` (time from the first purchase to the end of observation), as produced by
    :func:`kehu.analytics.summary.summarize_transactions`.

    The fit runs on the distinct (x, t_x, T) rows with counts as weights, with the analytic
    gradient and Hessian: damped Newton steps in log-parameter space from a start fitted on a
    subsample, L-BFGS-B as a fallback. Data with no sign of dropout (everyone still buying at a
    steady pace) or no spread in purchase rates have no proper maximum (a/(a+b) → 0, or r, α →
    ∞): that is a ConvergenceError, not a fit with arbitrary huge parameters.

    Predictions never overflow and keep ~12 significant digits (~7 when a and b are in the
    millions; checked against 60-digit arithmetic): the hypergeometric function is
    Euler-transformed, summed as a series for short horizons, and replaced by a quadrature over
    p where scipy's ``hyp2f1`` fails (large b with a long horizon).

    Examples
    --------
    >>> from kehu.analytics.bgnbd import BetaGeoModel
    >>> model = BetaGeoModel.from_params(r=0.243, alpha=4.414, a=0.793, b=2.426)
    >>> model.predict_purchases(39, frequency=[0, 2], recency=[0, 30.43], T=[38.86, 38.86]).round(3)
    array([0.195, 1.226])
    >>> model.probability_alive(frequency=[0, 2], recency=[0, 30.43], T=[38.86, 38.86]).round(3)
    array([1.   , 0.727])
    >>> model.expected_purchases_new_customer([39, 78]).round(3)
    array([1.197, 1.861])
    >>> fitted = BetaGeoModel().fit(frequency=[0, 1, 4, 0, 2, 7, 1, 0, 3, 0],
    ...                             recency=[0, 20, 35, 0, 12, 38, 3, 0, 25, 0],
    ...                             T=[39, 39, 39, 38, 38, 38, 37, 37, 36, 36])
    >>> sorted(fitted.params_)
    ['a', 'alpha', 'b', 'r']
    """

    def __init__(self, penalizer: float = 0.0, max_iter: int = 2000):
        self.penalizer = penalizer
        self.max_iter = max_iter

    @classmethod
    def from_params(cls, *, r: float, alpha: float, a: float, b: float) -> BetaGeoModel:
        """A model with the given parameters (e.g. stored from an earlier fit), ready to predict.

        ``log_likelihood_`` and ``standard_errors_`` are NaN and ``n_customers_`` is 0.

        Examples
        --------
        >>> BetaGeoModel.from_params(r=0.24, alpha=4.4, a=0.79, b=2.4).params_["alpha"]
        4.4
        """
        return model_with_params(cls(), _NAMES, (r, alpha, a, b))

    def fit(self, frequency, recency, T, weights=None) -> BetaGeoModel:
        """Fit by maximum likelihood.

        Parameters
        ----------
        frequency, recency, T : array-like
            One value per customer (or per group of identical customers, see ``weights``):
            repeat purchases x ≥ 0 (whole numbers), recency 0 ≤ t_x ≤ T (0 when x = 0), age T ≥ 0.
            Lists, numpy arrays, pandas or polars Series.
        weights : array-like, optional
            How many customers each row stands for (default 1 each).

        Returns
        -------
        self

        Raises
        ------
        ValueError
            Invalid data (the message names the column and the first bad position).
        ConvergenceError
            No repeat purchase at all, or the optimiser found no maximum (data that do not
            identify the model; a small ``penalizer`` may help).
        """
        penalizer = float(self.penalizer)
        if not (np.isfinite(penalizer) and penalizer >= 0):
            raise ValueError(f"penalizer: must be a finite number ≥ 0, got {self.penalizer!r}")
        x, t_x, big_t = check_frequency_recency_T(frequency, recency, T)
        w = check_weights(weights, len(x))
        if not (x[w > 0] > 0).any():
            raise ConvergenceError("no customer made a repeat purchase (all frequency are 0): "
                                   "the BG/NBD model cannot be identified")
        data = _Data.build(x, t_x, big_t, w, compressed=weights is None)
        start, trusted = _subsample_start(data, penalizer, self.max_iter)
        # from a subsample's optimum Newton converges in a few steps; if even the subsample had
        # no proper maximum and Newton fails too, L-BFGS-B would crawl along the same ridge for
        # seconds (at a million customers) to the same conclusion
        result = fit_log_space(
            lambda p: _neg(data.evaluate(p, 1, penalizer)), start,
            total_weight=data.total_weight, names=_NAMES, max_iter=self.max_iter,
            value_grad_hess=lambda p: _neg(data.evaluate(p, 2, penalizer)), fallback=trusted)
        _check_identified(result)
        self.params_ = dict(zip(_NAMES, map(float, result.params), strict=True))
        self.log_likelihood_ = (result.log_likelihood if penalizer == 0
                                else float(data.evaluate(result.params, 0, 0.0)[0]))
        self.standard_errors_ = dict(zip(_NAMES, map(float, result.standard_errors), strict=True))
        self.n_customers_ = float(w.sum())
        return self

    def _params(self):
        self.check_fitted()
        return (self.params_[name] for name in _NAMES)

    def log_likelihood(self, frequency, recency, T) -> np.ndarray:
        """Log-likelihood of each customer's (x, t_x, T) under the fitted parameters.

        Examples
        --------
        >>> model = BetaGeoModel.from_params(r=0.243, alpha=4.414, a=0.793, b=2.426)
        >>> model.log_likelihood([0, 2], [0, 30.43], [38.86, 38.86]).round(3)
        array([-0.555, -9.459])
        """
        r, alpha, a, b = self._params()
        x, t_x, big_t = check_frequency_recency_T(frequency, recency, T)
        repeat = x > 0
        xm = np.maximum(x, 1)  # keeps log(b + x - 1) defined on rows it does not apply to
        a3 = -(r + x) * np.log(alpha + big_t)
        a4 = np.log(a) - np.log(b + xm - 1) - (r + x) * np.log(alpha + t_x)
        head = (gammaln(r + x) - gammaln(r) + r * np.log(alpha)
                + gammaln(a + b) + gammaln(b + x) - gammaln(b) - gammaln(a + b + x))
        return head + np.where(repeat, np.logaddexp(a3, a4), a3)

    def probability_alive(self, frequency, recency, T) -> np.ndarray:
        """P(the customer is still active at T | x, t_x, T) (Hardie's note 021).

        1 for customers without a repeat purchase: in the BG/NBD model customers can only drop
        out right after a repeat purchase.

        Examples
        --------
        >>> model = BetaGeoModel.from_params(r=0.243, alpha=4.414, a=0.793, b=2.426)
        >>> model.probability_alive([0, 1, 1], [0, 1, 30], [39, 39, 39]).round(3)
        array([1.   , 0.187, 0.696])
        """
        r, alpha, a, b = self._params()
        x, t_x, big_t = check_frequency_recency_T(frequency, recency, T)
        return _p_alive(x, t_x, big_t, r, alpha, a, b)

    def predict_purchases(self, t, frequency, recency, T) -> np.ndarray:
        """Expected number of purchases in (T, T + t] given the history (x, t_x, T).

        Equation (10) of Fader, Hardie & Lee (2005), evaluated after an Euler transformation of
        the Gauss hypergeometric function so that it neither overflows for heavy buyers nor loses
        its digits for small t (see the module's ``_expected_if_alive``).

        Parameters
        ----------
        t : float or array-like
            Horizon(s) ≥ 0 in the time unit of T; broadcast against the customers (e.g. shape
            ``(k, 1)`` gives a ``(k, n)`` result).
        frequency, recency, T : array-like
            The customers' histories.

        Examples
        --------
        >>> model = BetaGeoModel.from_params(r=0.243, alpha=4.414, a=0.793, b=2.426)
        >>> model.predict_purchases([[10], [20]], [0, 3], [0, 35], [39, 39]).round(3)
        array([[0.054, 0.566],
               [0.105, 1.074]])
        """
        r, alpha, a, b = self._params()
        x, t_x, big_t = check_frequency_recency_T(frequency, recency, T)
        horizon = _check_horizon(t)
        alive = _p_alive(x, t_x, big_t, r, alpha, a, b)
        return np.maximum(_expected_if_alive(horizon, x, big_t, r, alpha, a, b), 0.0) * alive

    def expected_purchases_new_customer(self, t) -> np.ndarray:
        """Expected number of repeat purchases in (0, t] of a customer who first bought at 0.

        Equation (9) of Fader, Hardie & Lee (2005): the population's average curve, which the
        "tracking chart" compares with the cumulative repeat purchases actually observed.
        Returns an array of the shape of ``t``.

        Examples
        --------
        >>> model = BetaGeoModel.from_params(r=0.243, alpha=4.414, a=0.793, b=2.426)
        >>> model.expected_purchases_new_customer([13, 26, 52]).round(3)
        array([0.534, 0.903, 1.446])
        """
        r, alpha, a, b = self._params()
        horizon = _check_horizon(t)
        # rounding can leave -1e-17 where the value is 0
        return np.maximum(_expected_if_alive(horizon, 0.0, 0.0, r, alpha, a, b), 0.0)


def _neg(result):
    return tuple(-part for part in result)


def _check_horizon(t) -> np.ndarray:
    if hasattr(t, "to_numpy"):
        t = t.to_numpy()
    try:
        horizon = np.asarray(t, dtype=float)
    except (TypeError, ValueError):
        raise ValueError("t: expected numbers") from None
    if not np.isfinite(horizon).all():
        raise ValueError("t: NaN or infinite value")
    if (horizon < 0).any():
        raise ValueError("t: negative horizon")
    return horizon


def _p_alive(x, t_x, big_t, r, alpha, a, b):
    # log of a/(b+x-1) * ((α+T)/(α+t_x))^(r+x); log1p keeps T - t_x ≪ α + t_x exact
    log_odds_dead = (np.log(a) - np.log(b + np.maximum(x, 1) - 1)
                     + (r + x) * np.log1p((big_t - t_x) / (alpha + t_x)))
    return np.where(x > 0, expit(-log_odds_dead), 1.0)


# Below this z = t/(α+T+t) the hypergeometric tail is summed as a series (full relative precision,
# a = 1 included); above it scipy's hyp2f1 is accurate enough and the series would be long.
_Z_SERIES = 0.05
_A_NEAR_ONE = 1e-4


def _expected_if_alive(t, x, big_t, r, alpha, a, b):
    """E[purchases in (T, T+t] | alive at T, x] = (a+b+x-1)/(a-1) · G.

    With z = t/(α+T+t), the published G = 1 - (1-z)^(r+x) 2F1(r+x, b+x; a+b+x-1; z) overflows
    for heavy buyers (the 2F1 grows like (1-z)^-(r+x)). Euler's transformation gives
    G = 1 - (1-z)^(a-1) 2F1(a-1, a+b-1-r; a+b+x-1; z), whose first two parameters do not grow with
    x. The 0/0 at a = 1 and the cancellation in 1 - … for small z are handled by computing
    G/(a-1) directly (see ``_g_over_a_minus_1``).
    """
    t, x, big_t = np.broadcast_arrays(np.asarray(t, dtype=float), np.asarray(x, dtype=float),
                                      np.asarray(big_t, dtype=float))
    shape = t.shape
    t, x, big_t = t.ravel(), x.ravel(), big_t.ravel()
    if abs(a + b - 1) < _A_NEAR_ONE / 2 and (x == 0).any():
        # a + b - 1 is the 2F1's c for x = 0: a 0 · ∞ there, smooth around it. Interpolate in
        # the larger of a and b (≥ 1/2, so that both nodes stay positive).
        if b >= a:
            nodes = [(a, 1 - a - _A_NEAR_ONE), (a, 1 - a + _A_NEAR_ONE)]
            share = (b - nodes[0][1]) / (2 * _A_NEAR_ONE)
        else:
            nodes = [(1 - b - _A_NEAR_ONE, b), (1 - b + _A_NEAR_ONE, b)]
            share = (a - nodes[0][0]) / (2 * _A_NEAR_ONE)
        e_lo, e_hi = ((na + nb + x - 1) * _g_over_a_minus_1(t, x, big_t, r, alpha, na, nb)
                      for na, nb in nodes)
        return (e_lo + share * (e_hi - e_lo)).reshape(shape)
    c = a + b + x - 1
    return (c * _g_over_a_minus_1(t, x, big_t, r, alpha, a, b)).reshape(shape)


def _g_over_a_minus_1(t, x, big_t, r, alpha, a, b):
    """G/(a-1) on flat arrays: a series for small z, scipy's hyp2f1 above, and a quadrature
    wherever those fail."""
    z = t / (alpha + big_t + t)
    log_1mz = -np.log1p(t / (alpha + big_t))
    c = a + b + x - 1
    beta_ = a + b - 1 - r
    out = np.empty(np.shape(z))
    small = z < _Z_SERIES
    if small.any():
        # F = 1 + (a-1)·S with S = Σ_{k≥1} (a)_{k-1} (β)_k / ((c)_k k!) z^k, so that with
        # L = log(1-z): G/(a-1) = -L·exprel((a-1)L) - e^((a-1)L)·S, exact at a = 1 too
        zs, cs, ls = z[small], c[small], log_1mz[small]
        s, converged = _tail_series(a, beta_, cs, zs)
        value = -ls * exprel((a - 1) * ls) - np.exp((a - 1) * ls) * s
        out[small] = np.where(converged, value, np.nan)
        small[small] = converged  # the rare unconverged ones go to hyp2f1 below
    large = ~small
    if large.any():
        with np.errstate(all="ignore"):
            out[large] = _g_ratio_hyp2f1(z[large], log_1mz[large], c[large] - a, r, a, b)
    # scipy's hyp2f1 gives up (NaN) for large parameters with z near 1, e.g. b = 1000 and
    # t ≫ α + T. Whatever fails, or breaks 0 ≤ E ≤ (r+x)·t/(α+T) (a customer's rate is
    # Gamma(r+x, α+T) a posteriori), is integrated numerically instead.
    u = t / (alpha + big_t)
    bound = (r + x) * u
    with np.errstate(all="ignore"):
        expected = c * out
        bad = ~(np.isfinite(expected) & (expected >= -1e-12 * bound)
                & (expected <= bound * (1 + 1e-9)))
    if bad.any():
        out[bad] = _expected_alive_quadrature(u[bad], r + x[bad], a, b + x[bad]) / c[bad]
    return out


_QUAD_STEP = 0.25  # in y = logit(p): the integrand is analytic in |Im y| < π/2, error ~e^(-π²/h)


def _expected_alive_quadrature(u, s, a, big_b):
    """E[(1 - (1 + p·u)^-s) / p] for p ~ Beta(a, B): the expected purchases in the next t of a
    customer alive at T, with u = t/(α+T), s = r+x, B = b+x.

    (Given λ and p, an active customer makes (1 - e^(-λpt))/p purchases in t on average;
    averaging over λ ~ Gamma(s, α+T) gives the integrand.) The trapezoidal rule in y = logit(p)
    converges geometrically: the integrand decays exponentially at both ends (like e^(a·y) and
    e^(-B·y)) and is smooth in between.
    """
    out = np.empty(len(u))
    # the integrand is h(y)·e^g(y): g(y) = a·y - (a+B)·softplus(y) is the log-density of logit p
    # (concave, peak at log(a/B), width ~σ) and h = (1 - (1+pu)^-s)/p lies in (0, s·u]; so
    # beyond where g is 40 + log(s·u / h(peak)) below its peak the integrand is negligible
    p_peak = a / (a + big_b)
    h_peak = -np.expm1(-s * np.log1p(p_peak * u)) / p_peak
    margin = 40.0 + np.log(np.maximum(s * u / h_peak, 1.0))
    y_lo, y_hi = _logit_beta_limits(a, big_b, margin)
    sigma = np.sqrt(1.0 / a + 1.0 / big_b)
    step = np.minimum(_QUAD_STEP, sigma / 2)  # trapezoid error ~e^(-2π²σ²/h²) on the peak
    n_nodes = np.ceil((y_hi - y_lo) / step).astype(np.int64) + 1
    order = np.argsort(n_nodes)  # rows of similar length together: less padding
    start = 0
    while start < len(u):
        width = int(n_nodes[order[start]])
        stop = start + max(1, (1 << 21) // width)
        rows = order[start:stop]
        width = int(n_nodes[rows].max())
        y = y_lo[rows, None] + step[rows, None] * np.arange(width)
        log_p, log_1mp = -np.logaddexp(0.0, -y), -np.logaddexp(0.0, y)
        q = s[rows, None] * np.log1p(np.exp(log_p) * u[rows, None])
        with np.errstate(divide="ignore"):
            log_first = np.where(q < np.log(2), np.log(-np.expm1(-q)), np.log1p(-np.exp(-q)))
        # self-normalised: Σ weight·h / Σ weight on the same nodes, so that neither lnB(a, B)
        # (huge for huge a, B, and not exact) nor the rule's own error on the density count
        log_weight = a * log_p + big_b[rows, None] * log_1mp
        weight = np.exp(log_weight - log_weight.max(axis=1, keepdims=True))
        out[rows] = (weight * np.exp(log_first - log_p)).sum(axis=1) / weight.sum(axis=1)
        start = stop
    return out


def _g_ratio_hyp2f1(z, log_1mz, x_plus_b_minus_1, r, a, b):
    """G/(a-1) with scipy's hyp2f1 (NaN where it fails, for the quadrature to take over)."""
    if abs(a - 1) < _A_NEAR_ONE / 2:
        return np.full(len(z), np.nan)  # 0/0: the quadrature has no such singularity
    c = a + x_plus_b_minus_1
    f = hyp2f1(a - 1, a + b - 1 - r, c, z)
    positive = f > 0  # F < 0 only when c < 0 (x = 0, a + b < 1); then G ≥ 1, no cancellation
    with np.errstate(divide="ignore", invalid="ignore"):
        g = np.where(positive, -np.expm1((a - 1) * log_1mz + np.log(np.where(positive, f, 1.0))),
                     1 - np.exp((a - 1) * log_1mz) * f)
    return g / (a - 1)


def _logit_beta_limits(a, big_b, margin):
    """Where g(y) = a·y - (a+B)·softplus(y) has fallen ``margin`` below its maximum, on each
    side of the maximum (at y = log(a/B)): doubling, then bisection (g is concave)."""
    peak = np.log(a / big_b)

    def g(y):
        return a * y - (a + big_b) * np.logaddexp(0.0, y)

    target = g(peak) - margin
    limits = []
    for side in (-1.0, 1.0):
        far = np.ones(len(peak))
        for _ in range(200):
            short = g(peak + side * far) > target
            if not short.any():
                break
            far[short] *= 2
        near = np.zeros(len(peak))
        for _ in range(50):
            middle = (near + far) / 2
            above = g(peak + side * middle) > target
            near, far = np.where(above, middle, near), np.where(above, far, middle)
        limits.append(peak + side * far)
    return limits


def _tail_series(a, beta_, c, z, max_terms: int = 400):
    term = beta_ / c * z
    total = term.copy()
    active = np.flatnonzero(np.abs(term) > 1e-17 * np.abs(total))
    for k in range(1, max_terms):
        if len(active) == 0:
            break
        term[active] *= (a + k - 1) * (beta_ + k) / ((c[active] + k) * (k + 1)) * z[active]
        total[active] += term[active]
        keep = np.abs(term[active]) > 1e-17 * np.abs(total[active])
        active = active[keep]
    converged = np.ones(len(z), dtype=bool)
    converged[active] = False
    return total, converged


class _Column:
    """log(α + v) and 1/(α + v) per row, computed on the distinct values when they are few."""

    def __init__(self, values: np.ndarray):
        self.values, self.codes = values, None
        if len(values) > 1000:
            lo, hi = float(values.min()), float(values.max())
            # days or weeks: few distinct whole numbers, coded in one pass
            if hi - lo < len(values) / 4 and np.array_equal(values, np.floor(values)):
                self.codes, self.values = _column_codes(values)

    def log_and_inverse(self, alpha: float):
        shifted = alpha + self.values
        log, inverse = np.log(shifted), 1.0 / shifted
        if self.codes is not None:
            log, inverse = log[self.codes], inverse[self.codes]
        return log, inverse


class _Data:
    """The sufficient statistics, arranged for fast likelihood evaluations.

    Customers without a repeat purchase (x = 0) only need their T; for the others, terms that
    depend on x alone are computed once per distinct x and gathered.
    """

    def __init__(self, x, t_x, big_t, w):
        if not (w > 0).all():  # customers of weight 0 add nothing, and would only get in the way
            x, t_x, big_t, w = x[w > 0], t_x[w > 0], big_t[w > 0], w[w > 0]
        zero = x == 0
        self.total_weight = float(w.sum())
        self.t0, self.w0 = big_t[zero], w[zero]
        repeat = ~zero
        xr, self.wr = x[repeat], w[repeat]
        if len(xr):
            self.x_codes, self.x_values = _column_codes(xr)
        else:
            self.x_codes, self.x_values = np.zeros(0, dtype=np.int64), np.zeros(0)
        self.wx = np.bincount(self.x_codes, weights=self.wr, minlength=len(self.x_values))
        used = self.wx > 0
        if not used.all():
            self.x_codes = (np.cumsum(used) - 1)[self.x_codes]
            self.x_values, self.wx = self.x_values[used], self.wx[used]
        self.xr = xr
        self.wx_t = self.wr * xr
        self.w_repeat = float(self.wr.sum())
        self.big_t, self.t_x = _Column(big_t[repeat]), _Column(t_x[repeat])

    @classmethod
    def build(cls, x, t_x, big_t, w, *, compressed: bool):
        n = len(x)
        if n > 2000:
            # worth it only when tuples repeat (whole days or weeks do, continuous times do not):
            # judge from a sample of 20,000 rows
            step = max(1, n // 20_000)
            sample_t, sample_tx = big_t[::step], t_x[::step]
            if len(np.unique(sample_t)) + len(np.unique(sample_tx)) < len(sample_t):
                packed = compress(x, t_x, big_t, weights=None if compressed else w,
                                  with_inverse=False)
                x, t_x, big_t = packed.columns
                w = packed.weights
        return cls(x, t_x, big_t, w)

    def subsample(self, size: int, seed: int = 0) -> _Data:
        """A weighted subsample whose likelihood estimates this one's (Horvitz-Thompson).

        Rows are kept with probability proportional to their weight (heavy rows always), and
        their weight is divided by that probability.
        """
        rng = np.random.default_rng(seed)
        w = np.concatenate([self.w0, self.wr])
        keep_p = np.minimum(1.0, w * size / w.sum())
        kept = rng.random(len(w)) < keep_p
        n0 = len(self.w0)
        x = np.concatenate([np.zeros(n0), self.xr])
        big_t = np.concatenate([self.t0, _expand(self.big_t)])
        t_x = np.concatenate([np.zeros(n0), _expand(self.t_x)])
        return _Data(x[kept], t_x[kept], big_t[kept], w[kept] / keep_p[kept])

    def evaluate(self, params, order: int, penalizer: float):
        """Total log-likelihood (minus the penalty) and, for order ≥ 1 / 2, gradient / Hessian.

        Per customer, LL = A1 + A2 + log(e^A3 + δ(x>0) e^A4) (Hardie's note 004):
        A1 = lnΓ(r+x) - lnΓ(r) + r ln α, A2 = ln B(a, b+x) - ln B(a, b),
        A3 = -(r+x) ln(α+T), A4 = ln a - ln(b+x-1) - (r+x) ln(α+t_x).
        """
        r, alpha, a, b = (float(v) for v in params)
        w_all, w_rep = self.total_weight, self.w_repeat
        xv, wx = self.x_values, self.wx
        log_alpha = np.log(alpha)
        log_t0 = np.log(alpha + self.t0)
        ll = (w_all * r * log_alpha - w_rep * (gammaln(r) - gammaln(a + b) + gammaln(b))
              + _dot(wx, (gammaln(r + xv) + gammaln(b + xv) - gammaln(a + b + xv)))
              - r * (_dot(self.w0, log_t0)))
        # repeat buyers: log(e^A3 + e^A4) = A3 + softplus(d) with d = A4 - A3
        wr, xr = self.wr, self.xr
        log_t, inv_t = self.big_t.log_and_inverse(alpha)
        log_tx, inv_tx = self.t_x.log_and_inverse(alpha)
        dl = log_tx - log_t  # ≤ 0
        rx = xr + r
        inv_bx = 1.0 / (b + xv - 1)
        d = (np.log(a) + np.log(inv_bx))[self.x_codes]
        d -= rx * dl
        e = np.exp(-np.abs(d))  # softplus and logistic from one exp, without overflow
        ll += (_dot(wr, np.maximum(d, 0.0)) + _dot(wr, np.log1p(e)) - r * _dot(wr, log_t)
               - _dot(self.wx_t, log_t))
        ll -= penalizer * w_all * float(np.sum(np.square(params)))
        if order == 0:
            return (ll,)
        inv_1pe = 1.0 / (1.0 + e)
        w4 = np.where(d >= 0, inv_1pe, e * inv_1pe)  # posterior P(dropped out at t_x)
        ww4 = wr * w4
        di = inv_tx - inv_t
        rx_di = rx * di
        g = inv_bx[self.x_codes]
        psi_rx, psi_bx, psi_abx = digamma(r + xv), digamma(b + xv), digamma(a + b + xv)
        psi_ab = digamma(a + b)
        sum_ww4 = ww4.sum()
        inv_t0 = 1.0 / (alpha + self.t0)
        wrx_inv_t = r * _dot(wr, inv_t) + _dot(self.wx_t, inv_t)
        grad = np.array([
            w_all * log_alpha - w_rep * digamma(r) + _dot(wx, psi_rx) - _dot(self.w0, log_t0)
            - _dot(wr, log_t) - _dot(ww4, dl),
            w_all * r / alpha - r * (_dot(self.w0, inv_t0)) - wrx_inv_t - _dot(ww4, rx_di),
            w_rep * psi_ab - _dot(wx, psi_abx) + sum_ww4 / a,
            w_rep * (psi_ab - digamma(b)) + _dot(wx, (psi_bx - psi_abx)) - _dot(ww4, g),
        ]) - 2 * penalizer * w_all * np.asarray(params, dtype=float)
        if order == 1:
            return ll, grad
        v = ww4 * (1 - w4)  # weight × w3 × w4: variance of the two-point mixture
        v_dl, v_rx_di, v_g = v * dl, v * rx_di, v * g
        tri_ab, tri_abx = polygamma(1, a + b), polygamma(1, a + b + xv)
        h_aa_ab = w_rep * tri_ab - _dot(wx, tri_abx)
        inv_t2 = inv_t * inv_t
        hess = np.empty((4, 4))
        hess[0, 0] = -w_rep * polygamma(1, r) + _dot(wx, polygamma(1, r + xv)) + _dot(v_dl, dl)
        hess[0, 1] = (w_all / alpha - _dot(self.w0, inv_t0) - _dot(wr, inv_t) - _dot(ww4, di)
                      + _dot(v_dl, rx_di))
        hess[1, 1] = (-w_all * r / alpha**2 + r * (_dot(self.w0, inv_t0**2))
                      + r * (_dot(wr, inv_t2)) + _dot(self.wx_t, inv_t2)
                      + _dot(ww4, (rx * (inv_tx * inv_tx - inv_t2))) + _dot(v_rx_di, rx_di))
        hess[0, 2] = -v_dl.sum() / a
        hess[0, 3] = _dot(v_dl, g)
        hess[1, 2] = -v_rx_di.sum() / a
        hess[1, 3] = _dot(v_rx_di, g)
        hess[2, 2] = h_aa_ab - sum_ww4 / a**2 + v.sum() / a**2
        hess[2, 3] = h_aa_ab - v_g.sum() / a
        hess[3, 3] = (w_rep * (tri_ab - polygamma(1, b))
                      + _dot(wx, polygamma(1, b + xv) - tri_abx)
                      + _dot(ww4, (g * g)) + _dot(v_g, g))
        lower = np.tril_indices(4, -1)
        hess[lower] = hess.T[lower]
        hess -= 2 * penalizer * w_all * np.eye(4)
        return ll, grad, hess


def _expand(column: _Column) -> np.ndarray:
    return column.values if column.codes is None else column.values[column.codes]


_SUBSAMPLE_ROWS = 20_000


def _crude_start(data: _Data) -> np.ndarray:
    """A rough but safe start: purchase rate from the repeat buyers' x/T, a = 1, b = 3."""
    mean_x = _dot(data.wr, data.xr) / data.total_weight
    mean_t = (_dot(data.w0, data.t0) + _dot(data.wr, _expand(data.big_t))) / data.total_weight
    r = 1.0
    alpha = r * mean_t / max(mean_x, 1e-6)
    return np.array([r, alpha, 1.0, 3.0])


def _subsample_start(data: _Data, penalizer: float, max_iter: int) -> tuple[np.ndarray, bool]:
    """Starting values, and whether it is worth falling back to L-BFGS-B from them.

    Small data: a crude guess (any optimiser may need its fallback). Large data: the fit on a
    subsample of ~20,000 rows; if that has no proper maximum either, the data most likely do not
    identify the model and the full fit gets no slow fallback.
    """
    start = _crude_start(data)
    n_rows = len(data.w0) + len(data.wr)
    if n_rows <= 2 * _SUBSAMPLE_ROWS:
        return start, True
    sample = data.subsample(_SUBSAMPLE_ROWS)
    if len(sample.wr) == 0:
        return start, True
    try:
        result = fit_log_space(
            lambda p: _neg(sample.evaluate(p, 1, penalizer)), start,
            total_weight=sample.total_weight, names=_NAMES, max_iter=max_iter,
            value_grad_hess=lambda p: _neg(sample.evaluate(p, 2, penalizer)))
        _check_identified(result)
    except ConvergenceError:
        return start, False
    return result.params, True


def _check_identified(result) -> None:
    """A maximum must be a proper one: an indefinite Hessian (no standard errors) means the
    likelihood keeps rising along some direction, e.g. no sign of dropout (a/(a+b) → 0) or no
    spread in purchase rates (r, α → ∞)."""
    if not np.isfinite(result.standard_errors).all():
        flat = ", ".join(n for n, se in zip(_NAMES, result.standard_errors, strict=True)
                         if not np.isfinite(se))
        raise ConvergenceError(f"the likelihood has no proper maximum (flat in {flat}): the data "
                               "do not identify the model (no sign of dropout, or too few "
                               "repeat purchases?)")
