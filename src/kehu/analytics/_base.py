"""What every model in ``kehu.analytics`` shares: input checks, compression, the optimiser.

Kept free of Django (and of pandas: frames from pandas or polars are read as numpy columns).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


class ConvergenceError(RuntimeError):
    """The optimiser did not reach a maximum of the likelihood (the message says why)."""


class NotFittedError(RuntimeError):
    """A fitted value or a prediction was asked of a model before ``fit()``."""


def as_array(name: str, values, *, dtype=float, allow_nan: bool = False) -> np.ndarray:
    """A 1-D numpy array from a list, numpy array, pandas Series or polars Series.

    Raises ``ValueError`` naming ``name`` for NaN/inf, non-numeric or multi-dimensional input.
    ``allow_nan=True`` keeps NaN (and pandas/polars nulls, as NaN) for "no answer"; inf still fails.
    """
    if hasattr(values, "to_numpy"):  # pandas / polars Series
        try:  # pandas nullable columns hold pd.NA, which numpy cannot turn into a float by itself
            values = values.to_numpy(dtype=float, na_value=np.nan) if allow_nan else values.to_numpy()
        except TypeError:  # polars: nulls already come out as NaN
            values = values.to_numpy()
    try:
        array = np.asarray(values, dtype=dtype)
    except (TypeError, ValueError):
        raise ValueError(f"{name}: expected numbers") from None
    if array.ndim == 0:
        array = array.reshape(1)
    if array.ndim != 1:
        raise ValueError(f"{name}: expected a 1-D array, got shape {array.shape}")
    if array.dtype.kind == "f":
        bad = np.isinf(array) if allow_nan else ~np.isfinite(array)
        if bad.any():
            what = "infinite value" if allow_nan else "NaN or infinite value"
            raise ValueError(f"{name}: {what} at position {int(np.flatnonzero(bad)[0])}")
    return array


def _dot(a: np.ndarray, b: np.ndarray) -> float:
    """Σ a·b of two 1-D arrays, without BLAS.

    ``a @ b`` goes to a multithreaded BLAS whose thread hand-off costs milliseconds per call
    for mid-sized vectors on a busy machine (2 ms for 20,000 values); the likelihoods make dozens
    of such calls per evaluation. einsum's plain loop takes microseconds.
    """
    return float(np.einsum("i,i->", a, b))


def _first_bad(mask: np.ndarray) -> int:
    return int(np.flatnonzero(mask)[0])


def check_frequency_recency_T(frequency, recency, T) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Validate the (x, t_x, T) summary every repeat-buying model reads.

    ``frequency`` = repeat purchases (whole numbers ≥ 0), ``recency`` = time of the last purchase
    since the first (0 when frequency is 0), ``T`` = time since the first purchase; 0 ≤ recency ≤ T.
    """
    x = as_array("frequency", frequency)
    t_x = as_array("recency", recency)
    big_t = as_array("T", T)
    n = len(x)
    if n == 0:
        raise ValueError("empty data: frequency, recency and T have no rows")
    if len(t_x) != n or len(big_t) != n:
        raise ValueError(f"frequency, recency and T differ in length "
                         f"({n}, {len(t_x)}, {len(big_t)})")
    if (x < 0).any():
        raise ValueError(f"frequency: negative value at position {_first_bad(x < 0)}")
    if (x != np.floor(x)).any():
        raise ValueError("frequency: not a whole number at position "
                         f"{_first_bad(x != np.floor(x))}")
    if (t_x < 0).any():
        raise ValueError(f"recency: negative value at position {_first_bad(t_x < 0)}")
    # T = 0 is a customer whose first purchase is in the last period: valid, and common in a
    # calibration split; only a negative age is an error.
    if (big_t < 0).any():
        raise ValueError(f"T: negative value {big_t[big_t < 0][0]} at position {_first_bad(big_t < 0)}")
    # a tiny tolerance: recency and T often come from the same float arithmetic
    over = t_x > big_t * (1 + 1e-12)
    if over.any():
        i = _first_bad(over)
        raise ValueError(f"recency > T at position {i} (recency={t_x[i]}, T={big_t[i]})")
    stray = (x == 0) & (t_x != 0)
    if stray.any():
        raise ValueError(f"recency must be 0 when frequency is 0 (position {_first_bad(stray)})")
    return x, np.minimum(t_x, big_t), big_t


def check_weights(weights, n: int) -> np.ndarray:
    if weights is None:
        return np.ones(n)
    w = as_array("weights", weights)
    if len(w) != n:
        raise ValueError(f"weights: length {len(w)} differs from the data's {n}")
    if (w < 0).any():
        raise ValueError(f"weights: negative value at position {_first_bad(w < 0)}")
    if w.sum() <= 0:
        raise ValueError("weights: all zero")
    return w


@dataclass(frozen=True)
class Compressed:
    """Unique rows of the sufficient statistics, with how many customers share each one."""

    columns: tuple[np.ndarray, ...]
    weights: np.ndarray
    inverse: np.ndarray | None  # row i of the input is unique row inverse[i]; None if not asked


def _dense_codes(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Order-preserving dense codes (0, 1, …) of ``values`` and the sorted unique values.

    An argsort plus a scatter: ``np.unique(return_inverse=True)`` does more work and is ~3× slower.
    """
    order = np.argsort(values)
    ordered = values[order]
    new = np.empty(len(values), dtype=bool)
    new[:1] = True
    np.not_equal(ordered[1:], ordered[:-1], out=new[1:])
    codes = np.empty(len(values), dtype=np.int64)
    codes[order] = np.cumsum(new) - 1
    return codes, ordered[new]


def _column_codes(column: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Order-preserving codes of one column and the value each code stands for."""
    lo, hi = float(column.min()), float(column.max())
    # whole numbers in a moderate range (counts, days, weeks: what summaries produce) are their
    # own codes, one pass instead of a sort
    if hi - lo < 2**24 and np.array_equal(column, np.floor(column)):
        return (column - lo).astype(np.int64), lo + np.arange(int(hi - lo) + 1, dtype=float)
    return _dense_codes(column)


def _unpack(keys: np.ndarray, prefix: np.ndarray, radices: list[int]) -> np.ndarray:
    """Per-column codes (one row per key) of mixed-radix keys built on top of ``prefix`` rows."""
    keys = keys.copy()
    tail = []
    for size in reversed(radices):
        tail.append(keys % size)
        keys //= size
    return np.column_stack([prefix[keys], *reversed(tail)])


def compress(*columns: np.ndarray, weights: np.ndarray | None = None,
             with_inverse: bool = True) -> Compressed:
    """Collapse identical rows (e.g. (x, t_x, T) tuples) and sum their weights.

    Fitting on the unique rows gives the same likelihood as on all customers: at a million
    customers measured in weeks there are a few hundred thousand tuples, and everyone with no repeat
    purchase in the same cohort collapses to one. Unique rows come out in lexicographic order
    (first column slowest), as from ``np.unique(axis=0)``. ``with_inverse=False`` skips the row →
    unique-row map when only the counts are needed (a plain sort instead of an argsort).
    """
    n = len(columns[0])
    # np.unique(axis=0) sorts rows as opaque bytes (seconds at a million rows): instead code each
    # column, pack the codes into one int64 key (mixed radix) and sort that
    key = np.zeros(n, dtype=np.int64)
    bound = 1  # key < bound
    prefix = np.zeros((1, 0), dtype=np.int64)  # column codes of each value of the key's prefix
    radices: list[int] = []
    values = []
    for column in columns:
        codes, column_values = _column_codes(np.asarray(column, dtype=float))
        values.append(column_values)
        size = len(column_values)
        if bound * size >= 2**62:  # would overflow: renumber the prefix densely first
            key, unique_keys = _dense_codes(key)
            prefix = _unpack(unique_keys, prefix, radices)
            radices, bound = [], len(unique_keys)
        key = key * size + codes
        radices.append(size)
        bound *= size
    w = np.ones(n) if weights is None else np.asarray(weights, dtype=float)
    if with_inverse or weights is not None:
        inverse, unique_keys = _dense_codes(key)
        summed = np.bincount(inverse, weights=w, minlength=len(unique_keys))
    else:
        ordered = np.sort(key)
        new = np.empty(n, dtype=bool)
        new[:1] = True
        np.not_equal(ordered[1:], ordered[:-1], out=new[1:])
        starts = np.flatnonzero(new)
        unique_keys, inverse = ordered[starts], None
        summed = np.diff(np.append(starts, n)).astype(float)
    keep = summed > 0
    if not keep.all():  # rows that only zero weights pointed at
        unique_keys, summed = unique_keys[keep], summed[keep]
        if inverse is not None:
            inverse = (np.cumsum(keep) - 1)[inverse]
    codes = _unpack(unique_keys, prefix, radices)
    unique_columns = tuple(values[j][codes[:, j]] for j in range(len(columns)))
    return Compressed(unique_columns, summed, inverse)


@dataclass
class FitResult:
    params: np.ndarray  # natural scale
    log_likelihood: float  # total, weighted
    standard_errors: np.ndarray
    iterations: int


LOG_BOUND = (np.log(1e-8), np.log(1e8))


def fit_log_space(neg_ll_and_grad, x0: np.ndarray, *, total_weight: float, names: tuple[str, ...],
                  max_iter: int = 2000, value_grad_hess=None, fallback: bool = True) -> FitResult:
    """Maximise a likelihood over positive parameters, optimising their logarithms.

    ``neg_ll_and_grad(params)`` returns the *total* weighted negative log-likelihood and its
    gradient with respect to the natural parameters. L-BFGS-B works on the mean (so tolerances
    mean the same at 1,000 and 10,000,000 customers) in log space (positivity for free, better
    conditioned), within wide bounds; a few Newton steps on a finite-difference Hessian of the
    analytic gradient then polish the optimum, which also gives the standard errors.

    ``value_grad_hess(params)``, optional, returns the value, gradient *and* Hessian (natural
    parameters). With it, damped Newton steps run first from ``x0``: from a good start they
    converge in a handful of evaluations, where L-BFGS-B needs dozens; if they stall (a poor start
    in a non-concave region), L-BFGS-B takes over as above, unless ``fallback=False``: then a
    ConvergenceError is raised at once (for a caller who already knows the start is good, and
    that failing there means the data do not identify the model). The analytic Hessian also
    replaces the finite differences in the polish and the standard errors.
    """

    def objective(theta):
        params = np.exp(theta)
        value, grad = neg_ll_and_grad(params)
        if not np.isfinite(value) or not np.isfinite(grad).all():
            return np.inf, np.zeros_like(theta)
        return value / total_weight, grad * params / total_weight

    theta0 = np.log(np.asarray(x0, dtype=float))
    log_vgh = None if value_grad_hess is None else _log_space(value_grad_hess, total_weight)
    theta = None if log_vgh is None else _damped_newton(log_vgh, theta0)
    nit = 0
    if theta is None and not fallback:
        raise ConvergenceError("no maximum found: Newton's method did not converge from the "
                               "start, the likelihood may keep rising towards an edge (data that "
                               "do not identify the model)")
    if theta is None:
        # imported here: scipy.optimize takes ~0.4 s to import, and Newton usually suffices
        from scipy.optimize import minimize

        bounds = [LOG_BOUND] * len(theta0)
        result = minimize(objective, theta0, jac=True, method="L-BFGS-B", bounds=bounds,
                          options={"maxiter": max_iter, "ftol": 1e-15, "gtol": 1e-10, "maxcor": 20})
        if not np.isfinite(result.fun):
            raise ConvergenceError("the likelihood is not finite at the start or optimum "
                                   f"({result.message})")
        nit, message = int(result.nit), result.message
        theta = (_newton_polish(objective, result.x) if log_vgh is None
                 else _damped_newton(log_vgh, result.x, max_steps=8, polish=True))
    else:
        message = "Newton steps converged"
    params = np.exp(theta)
    at_bound = (theta <= LOG_BOUND[0] + 1e-6) | (theta >= LOG_BOUND[1] - 1e-6)
    if at_bound.any():
        which = ", ".join(n for n, b in zip(names, at_bound, strict=True) if b)
        raise ConvergenceError(f"{which} ran to the edge of the search space (1e-8 … 1e8): the "
                               "data do not identify the model (too few customers or repeat "
                               "purchases?)")
    if value_grad_hess is None:
        value, grad = neg_ll_and_grad(params)
        hessian = _hessian(neg_ll_and_grad, params)
    else:
        value, grad, hessian = value_grad_hess(params)
    scale = np.maximum(np.abs(params), 1e-12)
    if np.max(np.abs(grad * scale)) / total_weight > 1e-3:
        raise ConvergenceError(f"no maximum found after {nit} iterations: {message}")
    try:
        covariance = np.linalg.inv(hessian)
        se = np.sqrt(np.where(np.diag(covariance) > 0, np.diag(covariance), np.nan))
    except np.linalg.LinAlgError:
        se = np.full(len(params), np.nan)
    if np.isnan(se).any() and (params > 1e4).any():
        # Stopped far out on a flat ridge (a negative variance there): where the optimiser halts
        # before the search bound depends on floating-point details, but either way the data
        # do not identify the model, which the bound check above reports for the same data.
        raise ConvergenceError("no proper maximum: the likelihood is flat towards large "
                               "parameters; the data do not identify the model (too few "
                               "customers or repeat purchases?)")
    return FitResult(params=params, log_likelihood=-float(value), standard_errors=se,
                     iterations=nit)


def _log_space(value_grad_hess, total_weight):
    """Mean value, gradient and Hessian with respect to θ = log(params)."""

    def evaluate(theta):
        params = np.exp(theta)
        value, grad, hess = value_grad_hess(params)
        if not (np.isfinite(value) and np.isfinite(grad).all() and np.isfinite(hess).all()):
            return np.inf, None, None
        # chain rule for params = exp(θ): H_θ = D H D + diag(g ⊙ params), D = diag(params)
        hess_theta = hess * np.outer(params, params) + np.diag(grad * params)
        return value / total_weight, grad * params / total_weight, hess_theta / total_weight

    return evaluate


def _damped_newton(evaluate, theta, *, max_steps: int = 20, polish: bool = False):
    """Projected Newton's method in log space with Levenberg damping and backtracking.

    A parameter on a bound of the search space whose step points out of it is held there, and
    the others converge: data that push a parameter to 0 or ∞ end here quickly (and are then
    reported by the caller) instead of after thousands of L-BFGS-B iterations.

    Returns the converged θ, or None when it stalls (then the caller falls back to L-BFGS-B);
    with ``polish=True`` (after L-BFGS-B) it returns the best θ it reached instead of None.
    From a good start it converges in a handful of steps: ``max_steps`` is small so that a
    hopeless start (a likelihood rising forever along a ridge) costs little before L-BFGS-B.
    """
    lower, upper = LOG_BOUND
    value, grad, hess = evaluate(theta)
    if not np.isfinite(value):
        return theta if polish else None
    for _ in range(max_steps):
        held = ((theta <= lower + 1e-9) & (grad > 0)) | ((theta >= upper - 1e-9) & (grad < 0))
        free = ~held
        sub = hess[np.ix_(free, free)]
        eig_min = np.linalg.eigvalsh(sub)[0]
        # shift an indefinite Hessian until it is safely positive definite (Levenberg)
        shift = 0.0 if eig_min > 1e-10 * max(1.0, np.abs(sub).max()) else 1e-6 - eig_min
        step = np.zeros(len(theta))
        step[free] = np.linalg.solve(sub + shift * np.eye(int(free.sum())), grad[free])
        slope = float(grad @ step)  # the Newton decrement: twice the predicted gain
        if shift == 0.0 and (np.max(np.abs(step)) < 1e-10 or slope < 1e-15 * max(1.0, abs(value))):
            # the gain is below the rounding of the value: one last plain Newton step (safe
            # this close, and it squares the remaining error) and done
            return np.clip(theta - step, lower, upper)
        longest = np.max(np.abs(step))
        if longest > 2.0:  # never more than a factor e² per step from far away
            step *= 2.0 / longest
            slope = float(grad @ step)
        t = 1.0
        for _ in range(20):
            candidate = np.clip(theta - t * step, lower, upper)
            new_value, new_grad, new_hess = evaluate(candidate)
            if np.isfinite(new_value) and new_value <= value - 1e-4 * t * slope:
                break
            t /= 2
        else:
            # the predicted gain (slope / 2) drowns in the rounding of the value: at the optimum
            return theta if polish or slope < 1e-12 else None
        theta, value, grad, hess = candidate, new_value, new_grad, new_hess
    return theta if polish else None


def _newton_polish(objective, theta, steps: int = 4):
    """Newton steps in log space with a finite-difference Hessian of the analytic gradient."""
    for _ in range(steps):
        value, grad = objective(theta)
        if np.max(np.abs(grad)) < 1e-12:
            break
        h = _jacobian(lambda t: objective(t)[1], theta, 1e-5)
        h = (h + h.T) / 2
        try:
            step = np.linalg.solve(h, grad)
        except np.linalg.LinAlgError:
            break
        if not np.all(np.linalg.eigvalsh(h) > 0):
            break  # not locally convex: keep what L-BFGS-B found
        candidate = np.clip(theta - step, *LOG_BOUND)
        new_value, _ = objective(candidate)
        if not new_value <= value:
            break
        theta = candidate
    return theta


def _jacobian(f, x, rel):
    x = np.asarray(x, dtype=float)
    cols = []
    for j in range(len(x)):
        h = rel * max(abs(x[j]), 1.0)
        up, down = x.copy(), x.copy()
        up[j] += h
        down[j] -= h
        cols.append((f(up) - f(down)) / (2 * h))
    return np.column_stack(cols)


def _hessian(neg_ll_and_grad, params):
    """Hessian of the total negative log-likelihood in the natural parameters (central
    differences of the analytic gradient, relative steps)."""
    def grad(p):
        return neg_ll_and_grad(p)[1]

    cols = []
    for j in range(len(params)):
        h = 1e-5 * params[j]
        up, down = params.copy(), params.copy()
        up[j] += h
        down[j] -= h
        cols.append((grad(up) - grad(down)) / (2 * h))
    hess = np.column_stack(cols)
    return (hess + hess.T) / 2


class FittedMixin:
    """``check_fitted()`` for models: a clear error instead of an AttributeError."""

    def check_fitted(self):
        if not hasattr(self, "params_"):
            raise NotFittedError(f"{type(self).__name__} is not fitted yet: call fit() first")


def model_with_params(model, names, values):
    """``model`` set up as if fitted with the given (positive) parameters, for ``from_params``."""
    checked = [as_array(name, value)[0] for name, value in zip(names, values, strict=True)]
    for name, value in zip(names, checked, strict=True):
        if not value > 0:
            raise ValueError(f"{name}: must be positive, got {value}")
    model.params_ = dict(zip(names, map(float, checked), strict=True))
    model.standard_errors_ = dict.fromkeys(names, float("nan"))
    model.log_likelihood_ = float("nan")
    model.n_customers_ = 0.0
    return model
