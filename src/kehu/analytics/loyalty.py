"""Customer loyalty classes: repeat behaviour × attitude (Dick & Basu's 2 × 2).

Loyalty has two sides. *Behaviour* — does the customer keep buying? — is in the transaction data.
*Attitude* — do they like us, would they recommend us? — is not: it comes from surveys
(satisfaction, NPS). Crossing the two gives four classes (:data:`LOYALTY_CLASSES`)::

                        attitude high          attitude low
    behaviour high      true    超值忠诚       spurious  虚假忠诚
    behaviour low       latent  潜在忠诚       none      不忠诚

Without a survey answer a customer is ``unknown``: behaviour alone cannot tell true loyalty from
spurious loyalty (the regular buyer who would leave for a cheaper offer), nor latent loyalty from
none, and those are the distinctions that decide what to do. Guessing them from purchases would
only relabel behaviour.

Pure numpy: never imports Django, nor pandas or polars.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from kehu.analytics._base import as_array, check_frequency_recency_T
from kehu.analytics._labels import Label, label_table

__all__ = ["LOYALTY_CLASSES", "attitude_score", "behaviour_score", "loyalty_class"]

LOYALTY_CLASSES: Mapping[str, Label] = label_table(
    Label("true", "True loyalty", "超值忠诚",
          "Reward and retain them; turn them into advocates (referrals, reviews, case studies).",
          "重点维护与回馈，把他们发展为口碑推荐者（转介绍、评价、案例）。"),
    Label("latent", "Latent loyalty", "潜在忠诚",
          "They like you but buy little: remove the barriers (price, access, range) and give "
          "reasons to buy more often.",
          "认同你但购买不多：消除价格、渠道或品类上的障碍，创造更多购买理由。"),
    Label("spurious", "Spurious loyalty", "虚假忠诚",
          "Satisfied by price or habit, easy to poach: build attachment — service, membership, "
          "personal contact.",
          "因价格或习惯而购买，容易被竞争对手挖走：用服务、会员和个人联系建立情感纽带。"),
    Label("none", "No loyalty", "不忠诚",
          "Little to build on: serve efficiently at low cost and don't over-invest.",
          "可依托的基础很少：以低成本高效服务，不宜过度投入。"),
    Label("unknown", "Unknown (no attitude data)", "未知（缺少态度数据）",
          "Survey them (satisfaction, NPS) to tell true from spurious and latent from no loyalty.",
          "开展满意度或NPS调查，以区分超值忠诚与虚假忠诚、潜在忠诚与不忠诚。"),
)

_CLASS_KEYS = np.array(list(LOYALTY_CLASSES))
_UNKNOWN = list(LOYALTY_CLASSES).index("unknown")


def _with_gaps(name: str, values) -> np.ndarray:
    """A 1-D float array in which NaN (or a pandas/polars null) means "no answer"."""
    return as_array(name, values, allow_nan=True)


def _check_range(name: str, a: np.ndarray, lo: float, hi: float) -> None:
    bad = (a < lo) | (a > hi)  # NaN compares False: missing answers pass
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise ValueError(f"{name}: must lie between {lo:g} and {hi:g}, got {a[i]:g} "
                         f"at position {i}")


def _check_threshold(name: str, value) -> float:
    try:
        t = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name}: expected a number, got {value!r}") from None
    if not 0 <= t <= 1:  # also rejects NaN
        raise ValueError(f"{name}: must lie between 0 and 1, got {value!r}")
    return t


def behaviour_score(frequency, recency, T, *, half_life: float) -> np.ndarray:
    """Repeat-purchase behaviour in [0, 1]: how established the habit is, times how fresh it is.

    ``score = x / (x + 1) × 0.5 ** ((T − recency) / half_life)`` with ``x`` the number of repeat
    purchases:

    * ``x / (x + 1)`` is 0 for a one-time buyer, ½ after one repeat purchase, ¾ after three, and
      approaches 1 — each further purchase adds less, and no period length is involved;
    * the second factor halves for every ``half_life`` since the last purchase: a habit that has
      stopped is no longer behavioural loyalty.

    With the default threshold of 0.5 in :func:`loyalty_class`, "high" behaviour thus means at
    least two repeat purchases and a last purchase well within one half-life (two repeats: within
    0.42 half-lives; many: within one).

    Parameters
    ----------
    frequency : array-like of int
        Repeat purchases (purchases − 1), ≥ 0.
    recency : array-like of float
        Time from the first to the last purchase (0 for one-time buyers), ≤ ``T``.
    T : array-like of float
        Time from the first purchase to now, > 0.
    half_life : float
        Time since the last purchase after which the score halves, in the unit of ``recency``
        and ``T`` (e.g. 13 for a quarter when they count weeks). Required: it depends on the
        product's natural buying cycle.

    Returns
    -------
    numpy.ndarray of float
        Scores in [0, 1).

    Raises
    ------
    ValueError
        For NaN, negative or non-whole ``frequency``, ``recency > T``, ``T ≤ 0``, a non-zero
        recency with no repeat purchase, mismatched lengths, or ``half_life ≤ 0``.

    Examples
    --------
    >>> behaviour_score([0, 1, 3, 3], [0, 10, 30, 20], [30, 10, 30, 30], half_life=10).tolist()
    [0.0, 0.5, 0.75, 0.375]
    """
    h = float(half_life)
    if not (np.isfinite(h) and h > 0):
        raise ValueError(f"half_life: must be a positive number, got {half_life!r}")
    x, t_x, big_t = check_frequency_recency_T(frequency, recency, T)
    return x / (x + 1) * np.exp2(-(big_t - t_x) / h)


def attitude_score(satisfaction=None, nps=None) -> np.ndarray:
    """Attitude in [0, 1] from survey answers: CSAT 1–5 → (s − 1) / 4, NPS 0–10 → n / 10.

    When a customer gave both, the mean; when only one, that one; when neither, NaN (which
    :func:`loyalty_class` reports as ``unknown``). Missing answers are NaN (or pandas/polars
    nulls).

    Parameters
    ----------
    satisfaction : array-like of float, optional
        Satisfaction (CSAT) on a 1–5 scale.
    nps : array-like of float, optional
        "How likely are you to recommend us?" on the 0–10 NPS scale.

    Returns
    -------
    numpy.ndarray of float
        Scores in [0, 1], NaN where there is no answer.

    Raises
    ------
    ValueError
        When neither is given, for answers off their scale or infinite, or mismatched lengths.

    Examples
    --------
    >>> attitude_score(satisfaction=[5, 1, 4, float("nan")], nps=[10, 5, float("nan"), 7]).tolist()
    [1.0, 0.25, 0.75, 0.7]
    >>> attitude_score(nps=[9, float("nan")]).tolist()
    [0.9, nan]
    """
    if satisfaction is None and nps is None:
        raise ValueError("attitude_score: give satisfaction, nps or both")
    parts = []
    if satisfaction is not None:
        s = _with_gaps("satisfaction", satisfaction)
        _check_range("satisfaction", s, 1, 5)
        parts.append((s - 1) / 4)
    if nps is not None:
        p = _with_gaps("nps", nps)
        _check_range("nps", p, 0, 10)
        parts.append(p / 10)
    if len(parts) == 1:
        return parts[0]
    s, p = parts
    if len(s) != len(p):
        raise ValueError(f"satisfaction and nps differ in length ({len(s)}, {len(p)})")
    # nanmean without its "mean of empty slice" warning for customers with neither answer
    return np.where(np.isnan(s), p, np.where(np.isnan(p), s, (s + p) / 2))


def loyalty_class(behaviour, attitude, *, behaviour_threshold: float = 0.5,
                  attitude_threshold: float = 0.5) -> np.ndarray:
    """The loyalty class of every customer: ``true``, ``latent``, ``spurious``, ``none`` or
    ``unknown``.

    A score is "high" when it is ≥ its threshold. ``unknown`` wherever the attitude is NaN: see
    the module notes — without survey data the attitude-dependent classes cannot be told apart
    (behaviour still can: compare ``behaviour`` with the threshold directly).

    Parameters
    ----------
    behaviour : array-like of float
        Behaviour scores in [0, 1], e.g. from :func:`behaviour_score`; no NaN.
    attitude : array-like of float
        Attitude scores in [0, 1], e.g. from :func:`attitude_score`; NaN where unknown.
    behaviour_threshold, attitude_threshold : float, default 0.5
        Where "high" starts, in [0, 1].

    Returns
    -------
    numpy.ndarray of str
        Keys of :data:`LOYALTY_CLASSES`.

    Raises
    ------
    ValueError
        For NaN or out-of-range behaviour, out-of-range attitude, mismatched lengths, an empty
        input or a threshold outside [0, 1].

    Examples
    --------
    >>> loyalty_class([0.9, 0.1, 0.9, 0.1, 0.9], [0.8, 0.8, 0.2, 0.2, float("nan")]).tolist()
    ['true', 'latent', 'spurious', 'none', 'unknown']
    """
    tb = _check_threshold("behaviour_threshold", behaviour_threshold)
    ta = _check_threshold("attitude_threshold", attitude_threshold)
    b = as_array("behaviour", behaviour)
    a = _with_gaps("attitude", attitude)
    if len(b) != len(a):
        raise ValueError(f"behaviour and attitude differ in length ({len(b)}, {len(a)})")
    if len(b) == 0:
        raise ValueError("behaviour: empty")
    _check_range("behaviour", b, 0, 1)
    _check_range("attitude", a, 0, 1)
    # code = 2·(attitude low) + (behaviour low): true 0, latent 1, spurious 2, none 3
    code = 2 * (a < ta).astype(np.int8) + (b < tb)
    code[np.isnan(a)] = _UNKNOWN
    return _CLASS_KEYS[code]
