"""The customer pyramid (客户金字塔): A/B/C/D tiers by customer value.

Ranked by value, the top 1 % of customers are the VIPs (A), the next 4 % the major customers
(B), the next 15 % the ordinary ones (C) and the remaining 80 % the small ones (D); each tier has
its own way of being served (:data:`TIERS`). The value can be anything "more is better" per
customer: last year's spend, margin, or a predicted customer lifetime value.

Pure numpy: never imports Django, nor pandas or polars.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np

from kehu.analytics._base import as_array
from kehu.analytics._labels import Label, label_table

__all__ = ["TIERS", "pyramid_summary", "pyramid_tiers"]

TIERS: Mapping[str, Label] = label_table(
    Label("A", "VIP customers", "VIP客户",
          "VIP club and a dedicated key-account manager: protect, reward and listen to them first.",
          "建立VIP俱乐部，配备专属客户经理：优先维护、回馈并倾听他们。"),
    Label("B", "Major customers", "主要客户",
          "Key-account management with priority service; develop them towards VIP.",
          "实行重点客户管理，提供优先服务，培养其成长为VIP客户。"),
    Label("C", "Ordinary customers", "普通客户",
          "Standard service; upgrade campaigns (cross-selling, up-selling, points) to lift them.",
          "提供标准化服务，通过升级营销（交叉销售、向上销售、积分激励）推动其升级。"),
    Label("D", "Small customers", "小客户",
          "Low-cost self-service; offer an upgrade path, or reduce the cost to serve them.",
          "以低成本的自助服务为主；提供升级通道，或降低服务成本。"),
)

_TIER_KEYS = np.array(list(TIERS))


def _check_cutoffs(cutoffs) -> np.ndarray:
    c = as_array("cutoffs", cutoffs)
    if len(c) != len(TIERS) - 1:
        raise ValueError(f"cutoffs: expected {len(TIERS) - 1} cumulative shares (for the tiers "
                         f"A, B and C), got {len(c)}")
    if ((c <= 0) | (c >= 1)).any():
        raise ValueError(f"cutoffs: shares must lie strictly between 0 and 1, got {c.tolist()}")
    if (np.diff(c) <= 0).any():
        raise ValueError(f"cutoffs: shares must be strictly increasing, got {c.tolist()}")
    return c


def pyramid_tiers(values, cutoffs=(0.01, 0.05, 0.20)) -> np.ndarray:
    """The pyramid tier, ``"A"`` to ``"D"``, of every customer.

    Customers are ranked by value, highest first. ``cutoffs`` are cumulative shares of customers:
    with the default, A holds at most the top 1 %, A and B together at most 5 %, A to C at most
    20 %, and D the rest. "At most" is how ties are settled: a group of equal values that would
    straddle a boundary goes *entirely to the worse tier*, so the tiers from A down never hold
    more than ⌊cutoff × n⌋ customers (a VIP budget is never overrun) and equal customers are
    always treated alike. With ``n`` distinct positive values, A holds exactly ⌊0.01 n⌋
    customers — none when ``n < 100``.

    A value ≤ 0 always gives D: a customer who brings nothing is never a VIP, however small the
    data set. Those customers still count in ``n``.

    Parameters
    ----------
    values : array-like of float
        One value per customer (list, numpy, pandas or polars Series); no NaN.
    cutoffs : sequence of 3 floats, default (0.01, 0.05, 0.20)
        Cumulative shares of customers in A, A+B and A+B+C; strictly increasing, in (0, 1).

    Returns
    -------
    numpy.ndarray of str
        ``"A"``, ``"B"``, ``"C"`` or ``"D"`` (keys of :data:`TIERS`), in the input order.

    Raises
    ------
    ValueError
        For NaN or infinite values, an empty input, or bad ``cutoffs``.

    Examples
    --------
    >>> pyramid_tiers([50, 40, 30, 20, 10, 0, 0, 0, 0, 0],
    ...               cutoffs=(0.1, 0.2, 0.5)).tolist()
    ['A', 'B', 'C', 'C', 'C', 'D', 'D', 'D', 'D', 'D']
    >>> pyramid_tiers([9, 9, 5, 1, 1, 1, 1, 1, 1, 1],   # the two 9s do not fit in A's 10 %
    ...               cutoffs=(0.1, 0.2, 0.5)).tolist()
    ['B', 'B', 'C', 'D', 'D', 'D', 'D', 'D', 'D', 'D']
    """
    c = _check_cutoffs(cutoffs)
    v = as_array("values", values)
    n = len(v)
    if n == 0:
        raise ValueError("values: empty")
    # A customer is within the top q iff at most q customers have a value ≥ theirs, i.e. iff
    # their value exceeds the (q+1)-th largest: one partial sort finds all three thresholds, and
    # a tied group at a boundary drops out whole. The tiny tolerance keeps 0.29 × 100 =
    # 28.999… from costing a customer.
    quotas = np.array([min(math.floor(share * n + 1e-9), n) for share in c])
    inside = quotas < n
    kth = n - 1 - quotas[inside]  # ascending position of the (q+1)-th largest value
    ordered = np.partition(v, kth) if len(kth) else v
    thresholds = np.full(len(c), -np.inf)
    thresholds[inside] = ordered[kth]
    # nobody with value ≤ 0 rises above D
    thresholds = np.maximum(thresholds, 0.0)
    tier = np.full(n, len(c), dtype=np.int8)  # D
    for t in thresholds:  # thresholds fall from A to C, so a customer above A's is above all
        tier -= v > t
    return _TIER_KEYS[tier]


def pyramid_summary(values, tiers) -> list[dict]:
    """Customers and value per tier, for the dashboard's pyramid.

    Parameters
    ----------
    values : array-like of float
        One value per customer; no NaN.
    tiers : array-like of str
        The tier of each customer, as returned by :func:`pyramid_tiers`.

    Returns
    -------
    list of dict
        One dict per tier, A to D (tiers without customers included), with ``tier``,
        ``customers`` (int), ``customer_share``, ``value`` (the tier's total) and ``value_share``
        (of the total over all customers; NaN when that total is 0, and it can fall outside 0–1
        when some values are negative).

    Raises
    ------
    ValueError
        For NaN values, an empty input, unknown tier keys or a length mismatch.

    Examples
    --------
    >>> values = [50, 40, 30, 20, 10, 0, 0, 0, 0, 0]
    >>> rows = pyramid_summary(values, pyramid_tiers(values, cutoffs=(0.1, 0.2, 0.5)))
    >>> [(r["tier"], r["customers"], r["customer_share"], r["value"]) for r in rows]
    [('A', 1, 0.1, 50.0), ('B', 1, 0.1, 40.0), ('C', 3, 0.3, 60.0), ('D', 5, 0.5, 0.0)]
    >>> [round(r["value_share"], 3) for r in rows]
    [0.333, 0.267, 0.4, 0.0]
    """
    v = as_array("values", values)
    if hasattr(tiers, "to_numpy"):  # pandas / polars Series
        tiers = tiers.to_numpy()
    t = np.asarray(tiers)
    if t.ndim != 1:
        raise ValueError(f"tiers: expected a 1-D array, got shape {t.shape}")
    if len(v) != len(t):
        raise ValueError(f"values and tiers differ in length ({len(v)}, {len(t)})")
    if len(v) == 0:
        raise ValueError("values: empty")
    labels = t if t.dtype.kind == "U" else t.astype(str)  # polars/pandas give objects: convert once
    # codes via a sorted lookup: one pass instead of one string comparison per tier
    codes = np.minimum(np.searchsorted(_TIER_KEYS, labels), len(_TIER_KEYS) - 1)
    bad = _TIER_KEYS[codes] != labels
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise ValueError(f"tiers: unknown tier {t.astype(object)[i]!r} at position {i} "
                         "(expected A, B, C or D)")
    n = len(v)
    counts = np.bincount(codes, minlength=len(TIERS))
    totals = np.bincount(codes, weights=v, minlength=len(TIERS))
    grand = float(v.sum())
    return [
        {"tier": key, "customers": int(counts[i]), "customer_share": float(counts[i] / n),
         "value": float(totals[i]), "value_share": float(totals[i] / grand) if grand else math.nan}
        for i, key in enumerate(TIERS)
    ]
