"""The Gamma-Gamma model of spend per transaction (Fader, Hardie & Lee 2005; Hardie's note 025).

Each purchase of a customer is worth z ~ Gamma(p, ν), with the customer's ν ~ Gamma(q, γ) across
customers, independently of how often they buy. Given a customer's x repeat purchases averaging
m̄, the model shrinks m̄ towards the population mean p·γ/(q-1).

References: P. S. Fader, B. G. S. Hardie and K. L. Lee, "RFM and CLV: Using Iso-Value Curves for
Customer Base Analysis", Journal of Marketing Research 42(4), 2005, pp. 415-430; B. Hardie, "The
Gamma-Gamma Model of Monetary Value" (note 025, brucehardie.com). lifetimes calls γ "v".
"""

from __future__ import annotations

import numpy as np
from scipy.special import digamma, gammaln, polygamma

from ._base import (
    ConvergenceError,
    FittedMixin,
    _column_codes,
    _dot,
    _first_bad,
    as_array,
    check_weights,
    compress,
    model_with_params,
)
from ._base import fit_log_space as _fit_log_space

__all__ = ["GammaGammaModel"]

_NAMES = ("p", "q", "gamma")


class GammaGammaModel(FittedMixin):
    """Gamma-Gamma model: expected spend per purchase, shrunk towards the population mean.

    Parameters
    ----------
    penalizer : float, default 0.0
        L2 penalty ``penalizer * (p² + q² + γ²)`` added to the *mean* negative log-likelihood
        (lifetimes' ``penalizer_coef``).
    max_iter : int, default 2000
        Iteration cap of the fallback optimiser (L-BFGS-B).

    Attributes
    ----------
    params_ : dict
        ``{"p", "q", "gamma"}`` (lifetimes' p, q, v).
    log_likelihood_ : float
        Total (weighted) log-likelihood of the repeat customers' mean spends, without penalty.
    standard_errors_ : dict
        Asymptotic standard errors (inverse Hessian).
    n_customers_ : float
        Number of customers fitted: those with frequency > 0 (sum of their weights).

    Notes
    -----
    ``monetary_value`` is the mean value of a customer's *repeat* purchases (the first purchase
    excluded), as :func:`kehu.analytics.summary.summarize_transactions` computes it. The model
    assumes spend is independent of purchase frequency: check that their correlation among repeat
    customers is small before relying on it.

    Examples
    --------
    >>> from kehu.analytics.gamma_gamma import GammaGammaModel
    >>> model = GammaGammaModel.from_params(p=6.25, q=3.74, gamma=15.44)
    >>> model.conditional_expected_average_profit([0, 2, 10], [0.0, 20.0, 20.0]).round(2)
    array([35.22, 22.74, 20.64])
    >>> fitted = GammaGammaModel().fit(frequency=[1, 2, 5, 1, 3, 0, 2, 4],
    ...                                monetary_value=[20, 35, 28, 12, 60, 0, 22, 41])
    >>> fitted.n_customers_
    7.0
    """

    def __init__(self, penalizer: float = 0.0, max_iter: int = 2000):
        self.penalizer = penalizer
        self.max_iter = max_iter

    @classmethod
    def from_params(cls, *, p: float, q: float, gamma: float) -> GammaGammaModel:
        """A model with the given parameters (e.g. stored from an earlier fit), ready to predict.

        ``log_likelihood_`` and ``standard_errors_`` are NaN and ``n_customers_`` is 0.

        Examples
        --------
        >>> GammaGammaModel.from_params(p=6.25, q=3.74, gamma=15.44).params_["q"]
        3.74
        """
        return model_with_params(cls(), _NAMES, (p, q, gamma))

    def fit(self, frequency, monetary_value, weights=None) -> GammaGammaModel:
        """Fit by maximum likelihood on the customers with at least one repeat purchase.

        Rows with ``frequency == 0`` are ignored: without a repeat purchase there is no repeat
        spend to learn from (their ``monetary_value`` is not read).

        Parameters
        ----------
        frequency : array-like
            Repeat purchases x ≥ 0 (whole numbers).
        monetary_value : array-like
            Mean value of the repeat purchases, > 0 where x > 0.
        weights : array-like, optional
            How many customers each row stands for (default 1 each).

        Returns
        -------
        self

        Raises
        ------
        ValueError
            Invalid data, no customer with x > 0, or a repeat customer with monetary_value ≤ 0.
        ConvergenceError
            No maximum found (e.g. too few or identical spends).
        """
        penalizer = float(self.penalizer)
        if not (np.isfinite(penalizer) and penalizer >= 0):
            raise ValueError(f"penalizer: must be a finite number ≥ 0, got {self.penalizer!r}")
        x, m = _check_x_m(frequency, monetary_value)
        w = check_weights(weights, len(x))
        repeat = (x > 0) & (w > 0)
        if not repeat.any():
            raise ValueError("frequency: no customer with a repeat purchase (frequency > 0); the "
                             "Gamma-Gamma model is fitted on repeat customers only")
        bad = repeat & (m <= 0)
        if bad.any():
            i = _first_bad(bad)
            raise ValueError(f"monetary_value: must be positive where frequency > 0, got {m[i]} "
                             f"at position {i}")
        packed = compress(x[repeat], m[repeat], weights=None if weights is None else w[repeat],
                          with_inverse=False)
        data = _Data(*packed.columns, packed.weights)
        mean_m = _dot(data.w, data.m) / data.total_weight
        # p = 2, q = 3 and γ matching the mean spend p·γ/(q-1): a safe start for Newton
        start = np.array([2.0, 3.0, mean_m])
        result = _fit_log_space(
            lambda prm: _neg(data.evaluate(prm, 1, penalizer)), start,
            total_weight=data.total_weight, names=_NAMES, max_iter=self.max_iter,
            value_grad_hess=lambda prm: _neg(data.evaluate(prm, 2, penalizer)))
        if not np.isfinite(result.standard_errors).all():
            # an indefinite Hessian: the likelihood keeps rising along some direction (e.g. no
            # spread of spend between customers: q, γ → ∞)
            raise ConvergenceError("the likelihood has no proper maximum: the data do not "
                                   "identify the model (spends too similar, or too few repeat "
                                   "customers?)")
        self.params_ = dict(zip(_NAMES, map(float, result.params), strict=True))
        self.log_likelihood_ = (result.log_likelihood if penalizer == 0
                                else float(data.evaluate(result.params, 0, 0.0)[0]))
        self.standard_errors_ = dict(zip(_NAMES, map(float, result.standard_errors), strict=True))
        self.n_customers_ = float(w[repeat].sum())
        return self

    def conditional_expected_average_profit(self, frequency, monetary_value) -> np.ndarray:
        """E[spend per purchase | x, m̄] = p(γ + x·m̄) / (p·x + q - 1) (note 025, eq. 5).

        A weighted average of the customer's own mean m̄ and the population mean p·γ/(q-1), the
        customer's weight growing with x. Customers with x = 0 get the population mean (their
        ``monetary_value`` is not read).

        Raises
        ------
        ValueError
            For bad input, and when q ≤ 1 for a customer with p·x + q ≤ 1 (in particular every
            x = 0 customer): the spend distribution then has no mean, the formula would give a
            negative or infinite value.

        Examples
        --------
        >>> model = GammaGammaModel.from_params(p=6.25, q=3.74, gamma=15.44)
        >>> model.conditional_expected_average_profit(1, 100.0).round(2)
        array([80.26])
        """
        self.check_fitted()
        p, q, gamma = (self.params_[name] for name in _NAMES)
        x, m = _check_x_m(frequency, monetary_value)
        if (m < 0).any():
            i = _first_bad(m < 0)
            raise ValueError(f"monetary_value: negative value {m[i]} at position {i}")
        denominator = p * x + q - 1
        if (denominator <= 0).any():
            i = _first_bad(denominator <= 0)
            raise ValueError(f"q = {q:.4g} ≤ 1: the fitted spend distribution has no mean, so "
                             f"customers with frequency {x[i]:g} (position {i}) have no "
                             "expected spend")
        return p * (gamma + x * np.where(x > 0, m, 0.0)) / denominator


def _neg(result):
    return tuple(-part for part in result)


def _check_x_m(frequency, monetary_value):
    x = as_array("frequency", frequency)
    m = as_array("monetary_value", monetary_value)
    if len(x) == 0:
        raise ValueError("empty data: frequency and monetary_value have no rows")
    if len(m) != len(x):
        raise ValueError(f"frequency and monetary_value differ in length ({len(x)}, {len(m)})")
    if (x < 0).any():
        raise ValueError(f"frequency: negative value at position {_first_bad(x < 0)}")
    if (x != np.floor(x)).any():
        raise ValueError("frequency: not a whole number at position "
                         f"{_first_bad(x != np.floor(x))}")
    return x, m


class _Data:
    """Distinct (x, m̄) rows with weights; terms of x alone are computed per distinct x."""

    def __init__(self, x, m, w):
        self.x, self.m, self.w = x, m, w
        self.total_weight = float(w.sum())
        self.x_codes, self.x_values = _column_codes(x)
        self.wx = np.bincount(self.x_codes, weights=w, minlength=len(self.x_values))
        log_m, log_x = np.log(m), np.log(x)
        self.sum_x_log_mx = _dot(w * x, log_m + log_x)  # Σ w x (ln m + ln x)
        self.sum_log_m = _dot(w, log_m)
        self.xm = x * m
        self.wx_row = w * x

    def evaluate(self, params, order: int, penalizer: float):
        """Total log-likelihood (minus the penalty), gradient and Hessian up to ``order``.

        Per customer: lnΓ(px+q) - lnΓ(px) - lnΓ(q) + q ln γ + (px-1) ln m + px ln x
        - (px+q) ln(xm + γ).
        """
        p, q, gamma = (float(v) for v in params)
        xv, wx, w = self.x_values, self.wx, self.w
        pxq, px = p * xv + q, p * xv
        log_den = np.log(self.xm + gamma)
        w_log_den, wx_log_den = _dot(w, log_den), _dot(self.wx_row, log_den)
        total = self.total_weight
        ll = (_dot(wx, gammaln(pxq) - gammaln(px)) - total * gammaln(q)
              + total * q * np.log(gamma)
              + p * self.sum_x_log_mx - self.sum_log_m - p * wx_log_den - q * w_log_den)
        ll -= penalizer * total * float(np.sum(np.square(params)))
        if order == 0:
            return (ll,)
        psi_pxq, psi_px = digamma(pxq), digamma(px)
        inv_den = 1.0 / (self.xm + gamma)
        w_inv, wx_inv = _dot(w, inv_den), _dot(self.wx_row, inv_den)
        grad = np.array([
            _dot((wx * xv), (psi_pxq - psi_px)) + self.sum_x_log_mx - wx_log_den,
            _dot(wx, psi_pxq) - total * digamma(q) + total * np.log(gamma) - w_log_den,
            total * q / gamma - p * wx_inv - q * w_inv,
        ]) - 2 * penalizer * total * np.asarray(params, dtype=float)
        if order == 1:
            return ll, grad
        tri_pxq, tri_px = polygamma(1, pxq), polygamma(1, px)
        inv_den2 = inv_den * inv_den
        hess = np.empty((3, 3))
        hess[0, 0] = _dot((wx * xv * xv), (tri_pxq - tri_px))
        hess[0, 1] = _dot((wx * xv), tri_pxq)
        hess[0, 2] = -wx_inv
        hess[1, 1] = _dot(wx, tri_pxq) - total * polygamma(1, q)
        hess[1, 2] = total / gamma - w_inv
        hess[2, 2] = (-total * q / gamma**2 + p * _dot(self.wx_row, inv_den2)
                      + q * _dot(w, inv_den2))
        lower = np.tril_indices(3, -1)
        hess[lower] = hess.T[lower]
        hess -= 2 * penalizer * total * np.eye(3)
        return ll, grad, hess
