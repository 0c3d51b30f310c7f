"""Vectorised simulators of the BG/NBD and Gamma-Gamma models (test data with known parameters)."""

from __future__ import annotations

import numpy as np


def simulate_bgnbd(r, alpha, a, b, T, *, seed=0):
    """(frequency, recency) of customers with ages ``T`` under BG/NBD(r, α, a, b).

    Each customer has λ ~ Gamma(r, rate α) and p ~ Beta(a, b). Ignoring dropout, the purchases in
    (0, T] are N ~ Poisson(λT) points spread uniformly; the customer drops out right after their
    J-th repeat purchase, J ~ Geometric(p) on {1, 2, …}. So x = min(J, N), and the x-th of N
    uniform points on (0, T) is T · Beta(x, N - x + 1).
    """
    rng = np.random.default_rng(seed)
    T = np.asarray(T, dtype=float)
    n = len(T)
    lam = rng.gamma(r, 1.0 / alpha, n)
    p = rng.beta(a, b, n)
    n_poisson = rng.poisson(lam * T)
    n_alive = rng.geometric(np.clip(p, 1e-300, 1.0))
    x = np.minimum(n_alive, n_poisson)
    recency = np.where(x > 0, T * rng.beta(np.maximum(x, 1), n_poisson - x + 1), 0.0)
    return x.astype(float), recency


def simulate_gamma_gamma(p, q, gamma, frequency, *, seed=0):
    """Mean spend per repeat purchase of customers with the given frequencies (x ≥ 1).

    ν ~ Gamma(q, rate γ) per customer; each purchase ~ Gamma(p, rate ν), so the mean of x of them
    is Gamma(p·x, rate ν·x).
    """
    rng = np.random.default_rng(seed)
    x = np.asarray(frequency, dtype=float)
    nu = rng.gamma(q, 1.0 / gamma, len(x))
    return rng.gamma(p * x, 1.0 / (nu * x))
