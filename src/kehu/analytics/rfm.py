"""RFM scoring and the 11-segment RFM grid.

Each customer gets three scores from 1 (worst) to ``bins`` (best):

* **R**ecency — time since the last purchase; *shorter is better*, so the score is inverted;
* **F**requency — how many purchases;
* **M**onetary — how much they spent.

By default the scores are relative (quantiles of the customer base); fixed thresholds can be given
instead. R and the combined F–M score then place the customer on a 5 × 5 grid of eleven named
segments (:data:`SEGMENT_RULES`), each with a one-line piece of advice in :data:`SEGMENTS`.

Pure numpy: never imports Django, nor pandas or polars unless the caller passes such a frame.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from kehu.analytics._base import as_array
from kehu.analytics._labels import Label, label_table

__all__ = [
    "MAX_BINS",
    "SEGMENTS",
    "SEGMENT_RULES",
    "edge_scores",
    "quantile_scores",
    "rfm_scores",
    "segment_for",
]

#: The largest number of score levels; beyond it an "RFM code" stops being something people read.
MAX_BINS = 20

SEGMENTS: Mapping[str, Label] = label_table(
    Label("champions", "Champions", "冠军客户",
          "Reward them; ask for reviews and referrals; early access to new products.",
          "奖励他们，邀请评价和转介绍，新品优先体验。"),
    Label("loyal", "Loyal customers", "忠诚客户",
          "Up-sell higher-value products; enrol them in the loyalty programme; ask for reviews.",
          "推荐更高价值的产品，邀请加入会员计划，请他们写评价。"),
    Label("potential_loyalist", "Potential loyalists", "潜力客户",
          "Offer membership or a loyalty programme; recommend related products.",
          "邀请加入会员或积分计划，推荐相关产品。"),
    Label("new", "New customers", "新客户",
          "Onboard them well: a welcome message, help with first use, an early repeat offer.",
          "做好新客引导：欢迎问候、使用指导，尽早给出复购优惠。"),
    Label("promising", "Promising", "有希望的客户",
          "Build brand awareness; free trials or small offers to bring them back.",
          "加深品牌印象，用试用装或小额优惠吸引再次购买。"),
    Label("need_attention", "Need attention", "需要关注的客户",
          "Limited-time offers and personal recommendations before they slip away.",
          "趁其尚未流失，推送限时优惠和个性化推荐。"),
    Label("about_to_sleep", "About to sleep", "即将沉睡的客户",
          "Reconnect now with popular products and discounts, before they go quiet.",
          "用热销产品和折扣及时唤醒，在其沉睡前重新建立联系。"),
    Label("at_risk", "At risk", "有流失风险的客户",
          "Reach out personally with tailored offers; find out why they stopped buying.",
          "主动联系并提供专属优惠，了解其停止购买的原因。"),
    Label("cant_lose", "Can't lose them", "不能失去的客户",
          "Win them back in person (call or visit) before a competitor does.",
          "由专人电话或上门挽回，避免被竞争对手夺走。"),
    Label("hibernating", "Hibernating", "沉睡客户",
          "Low-cost reactivation: relevant offers and new products; don't overspend.",
          "以低成本方式唤醒：推送相关优惠和新品，不宜投入过多。"),
    Label("lost", "Lost", "已流失客户",
          "Try one low-cost win-back campaign, then stop spending on them.",
          "尝试一次低成本的挽回活动，无效则停止投入。"),
)

#: The RFM grid: segment key → (R range, FM range), inclusive, both on the 1–5 scale.
#: The rectangles tile the 5 × 5 grid exactly once (checked at import)::
#:
#:             R=1        R=2          R=3             R=4                 R=5
#:     FM=5  cant_lose  cant_lose    loyal           loyal               champions
#:     FM=4  at_risk    at_risk      loyal           loyal               champions
#:     FM=3  at_risk    at_risk      need_attention  potential_loyalist  potential_loyalist
#:     FM=2  lost       hibernating  about_to_sleep  potential_loyalist  potential_loyalist
#:     FM=1  lost       hibernating  about_to_sleep  promising           new
#:
#: This is the widely used R × F segment map with FM in place of F, and its "hibernating" corner
#: (R 1–2, FM 1–2) split so that the customers gone longest are "lost".
SEGMENT_RULES: Mapping[str, tuple[tuple[int, int], tuple[int, int]]] = {
    "champions": ((5, 5), (4, 5)),
    "loyal": ((3, 4), (4, 5)),
    "potential_loyalist": ((4, 5), (2, 3)),
    "new": ((5, 5), (1, 1)),
    "promising": ((4, 4), (1, 1)),
    "need_attention": ((3, 3), (3, 3)),
    "about_to_sleep": ((3, 3), (1, 2)),
    "at_risk": ((1, 2), (3, 4)),
    "cant_lose": ((1, 2), (5, 5)),
    "hibernating": ((2, 2), (1, 2)),
    "lost": ((1, 1), (1, 2)),
}


def _build_grid() -> np.ndarray:
    """``grid[r - 1, fm - 1]`` = position of the segment in :data:`SEGMENTS`."""
    keys = list(SEGMENTS)
    if list(SEGMENT_RULES) != keys:
        raise RuntimeError("SEGMENT_RULES and SEGMENTS list different segments")
    grid = np.full((5, 5), -1, dtype=np.int8)
    for i, ((r_lo, r_hi), (fm_lo, fm_hi)) in enumerate(SEGMENT_RULES.values()):
        cells = grid[r_lo - 1:r_hi, fm_lo - 1:fm_hi]
        if cells.size == 0 or (cells != -1).any():
            raise RuntimeError(f"SEGMENT_RULES: {keys[i]} is empty or overlaps another segment")
        cells[...] = i
    if (grid == -1).any():
        raise RuntimeError("SEGMENT_RULES leave a cell of the 5 × 5 grid without a segment")
    return grid


_GRID = _build_grid()
_SEGMENT_KEYS = np.array(list(SEGMENTS))


# -- scores -------------------------------------------------------------------------------------


def _check_bins(bins) -> int:
    if isinstance(bins, bool) or not isinstance(bins, int | np.integer):
        raise ValueError(f"bins: expected a whole number, got {bins!r}")
    if not 2 <= bins <= MAX_BINS:
        raise ValueError(f"bins: must be between 2 and {MAX_BINS}, got {bins}")
    return int(bins)


def _dense_codes(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``codes`` such that ``x[i] < x[j]`` ⇔ ``codes[i] < codes[j]``, and each code's count.

    Codes may skip values (with a count of 0): only the order and the counts matter.
    """
    lo, hi = x.min(), x.max()
    # Counts and periods (the usual F and R) are small whole numbers: counting them is ~10×
    # faster than the sort the general path needs.
    if hi - lo <= 4 * len(x) and (x == np.floor(x)).all():
        codes = (x - lo).astype(np.int64)
        return codes, np.bincount(codes)
    _, codes, counts = np.unique(x, return_inverse=True, return_counts=True)
    return codes.reshape(-1), counts


def _quantile_scores(x: np.ndarray, bins: int, higher_is_better: bool) -> np.ndarray:
    n = len(x)
    codes, counts = _dense_codes(x)
    below = np.cumsum(counts) - counts  # customers with a strictly smaller value
    beaten = below if higher_is_better else n - below - counts
    # integer arithmetic: 1 + ⌊bins × beaten / n⌋ with no rounding at the bin edges
    table = 1 + (bins * beaten) // n
    return table.astype(np.int8)[codes]


def quantile_scores(values, bins: int = 5, *, higher_is_better: bool = True) -> np.ndarray:
    """Scores 1..``bins`` by rank: 1 + ⌊bins × share of customers strictly beaten⌋.

    A customer's score counts the customers with a strictly *worse* value (smaller, or larger when
    ``higher_is_better=False``). With distinct values this is plain quantile binning: each score
    holds ``n / bins`` customers when ``bins`` divides ``n``. Equal values always get the same
    score, and a tie never lifts anyone: a tied group gets the lowest score its rank span would
    allow, and the scores it spans are left empty.

    Heavy ties are therefore visible, not hidden: if 60 % of customers bought once, all of them
    get F = 1 and the two-time buyers (who beat 60 %) jump to 1 + ⌊5 × 0.6⌋ = 4; scores 2 and 3
    stay empty. A column where everybody ties carries no information and scores 1 throughout.
    When that matters, use fixed thresholds (:func:`edge_scores`) instead.

    Parameters
    ----------
    values : array-like of float
        One value per customer (list, numpy, pandas or polars Series); no NaN.
    bins : int, default 5
        Number of score levels, 2 to :data:`MAX_BINS`.
    higher_is_better : bool, default True
        ``False`` inverts the score (as for the time since the last purchase).

    Returns
    -------
    numpy.ndarray of int8
        Scores 1..``bins``.

    Raises
    ------
    ValueError
        For NaN or infinite values, an empty input, or ``bins`` out of range.

    Examples
    --------
    >>> quantile_scores([10, 20, 30, 40, 50, 60, 70, 80, 90, 100]).tolist()
    [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]
    >>> quantile_scores([1, 1, 1, 2, 3], bins=5).tolist()
    [1, 1, 1, 4, 5]
    >>> quantile_scores([3, 30, 300], bins=3, higher_is_better=False).tolist()
    [3, 2, 1]
    """
    bins = _check_bins(bins)
    x = as_array("values", values)
    if len(x) == 0:
        raise ValueError("values: empty")
    return _quantile_scores(x, bins, higher_is_better)


def _check_edges(name: str, edges, bins: int | None = None) -> np.ndarray:
    e = as_array(name, edges)
    if len(e) == 0:
        raise ValueError(f"{name}: needs at least one threshold")
    if bins is not None and len(e) != bins - 1:
        raise ValueError(f"{name}: {bins} scores need {bins - 1} thresholds, got {len(e)}")
    if len(e) + 1 > MAX_BINS:
        raise ValueError(f"{name}: at most {MAX_BINS - 1} thresholds, got {len(e)}")
    if (np.diff(e) <= 0).any():
        raise ValueError(f"{name}: thresholds must be strictly increasing, got {e.tolist()}")
    return e


def _edge_scores(x: np.ndarray, e: np.ndarray, higher_is_better: bool) -> np.ndarray:
    if higher_is_better:
        scores = 1 + np.searchsorted(e, x, side="right")  # thresholds reached (≤ x)
    else:
        scores = len(e) + 1 - np.searchsorted(e, x, side="left")  # thresholds exceeded (< x)
    return scores.astype(np.int8)


def edge_scores(values, edges, *, higher_is_better: bool = True) -> np.ndarray:
    """Scores 1..``len(edges) + 1`` from fixed thresholds instead of quantiles.

    With ``higher_is_better`` each threshold is the *lowest value* of the next score up:
    ``f_edges=(2, 3, 5, 10)`` gives 1 purchase → 1, 2 → 2, 3–4 → 3, 5–9 → 4, 10+ → 5. Otherwise
    each threshold is the *highest value* still earning the score: days since the last purchase
    with ``(30, 90, 180, 365)`` give ≤ 30 → 5, 31–90 → 4, 91–180 → 3, 181–365 → 2, > 365 → 1.

    Parameters
    ----------
    values : array-like of float
        One value per customer; no NaN.
    edges : array-like of float
        Strictly increasing thresholds, at most ``MAX_BINS - 1`` of them.
    higher_is_better : bool, default True
        ``False`` for "smaller is better" (time since the last purchase).

    Returns
    -------
    numpy.ndarray of int8

    Raises
    ------
    ValueError
        For NaN values, or thresholds that are empty, not finite or not increasing.

    Examples
    --------
    >>> edge_scores([1, 2, 4, 12], [2, 3, 5, 10]).tolist()
    [1, 2, 3, 5]
    >>> edge_scores([0, 30, 31, 400], [30, 90, 180, 365], higher_is_better=False).tolist()
    [5, 5, 4, 1]
    """
    e = _check_edges("edges", edges)
    return _edge_scores(as_array("values", values), e, higher_is_better)


# -- segments -----------------------------------------------------------------------------------


def _to_five(scores: np.ndarray, bins: int) -> np.ndarray:
    """Stretch scores 1..bins linearly onto 1..5 (1 → 1, bins → 5), rounding half up.

    Integer form of ⌊1 + 4 (s − 1) / (bins − 1) + ½⌋, so e.g. deciles pair up (1–2 → 1, …,
    9–10 → 5) and terciles land on 1, 3 and 5.
    """
    if bins == 5:
        return scores
    s = scores.astype(np.int64) - 1
    return (1 + (8 * s + bins - 1) // (2 * (bins - 1))).astype(np.int8)


def _segment_codes(r5: np.ndarray, f5: np.ndarray, m5: np.ndarray) -> np.ndarray:
    # FM is the mean of F and M rounded *down*: a half point does not lift a customer into a
    # better segment, so a one-time buyer (F = 1) with M = 2 still counts as FM = 1 ("new").
    fm = (f5.astype(np.int16) + m5) // 2
    return _GRID[r5 - 1, fm - 1]


def segment_for(r_score, fm_score):
    """The segment key for R and FM scores on the 1–5 scale (see :data:`SEGMENT_RULES`).

    ``fm_score`` is the combined frequency–monetary score; :func:`rfm_scores` uses
    ⌊(F + M) / 2⌋.

    Parameters
    ----------
    r_score, fm_score : int or array-like of int
        Whole numbers from 1 to 5, of equal length when arrays.

    Returns
    -------
    str or numpy.ndarray of str
        A key of :data:`SEGMENTS`; an array when either argument is an array.

    Raises
    ------
    ValueError
        For scores outside 1–5, non-whole numbers or a length mismatch.

    Examples
    --------
    >>> segment_for(5, 5)
    'champions'
    >>> segment_for([1, 3, 5], [5, 3, 1]).tolist()
    ['cant_lose', 'need_attention', 'new']
    """
    scalar = np.ndim(r_score) == 0 and np.ndim(fm_score) == 0
    r = as_array("r_score", r_score)
    fm = as_array("fm_score", fm_score)
    if len(r) != len(fm):
        raise ValueError(f"r_score and fm_score differ in length ({len(r)}, {len(fm)})")
    for name, s in (("r_score", r), ("fm_score", fm)):
        bad = (s < 1) | (s > 5) | (s != np.floor(s))
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise ValueError(f"{name}: expected a whole number from 1 to 5, got {s[i]} "
                             f"at position {i}")
    keys = _SEGMENT_KEYS[_GRID[r.astype(np.int64) - 1, fm.astype(np.int64) - 1]]
    return str(keys[0]) if scalar else keys


# -- the frame-level entry point ----------------------------------------------------------------


def _frame_kind(summary) -> str:
    module = type(summary).__module__.split(".")[0]
    if module in ("polars", "pandas") and type(summary).__name__ == "DataFrame":
        return module
    if isinstance(summary, Mapping):
        return "dict"
    raise TypeError(f"summary: expected a polars or pandas DataFrame or a dict of arrays, "
                    f"got {type(summary).__name__}")


def _column(summary, name: str) -> np.ndarray:
    columns = list(summary.columns) if hasattr(summary, "columns") else list(summary)
    if name not in columns:
        raise ValueError(f"summary: no column {name!r} (has {', '.join(map(str, columns))})")
    return as_array(name, summary[name])


def _code_table(bins: int) -> np.ndarray:
    """Every "RFM code" for ``bins`` levels, indexed by (r−1)·bins² + (f−1)·bins + (m−1)."""
    sep = "" if bins <= 9 else "-"  # "545", but "10-3-7" once a score can have two digits
    levels = range(1, bins + 1)
    return np.array([f"{r}{sep}{f}{sep}{m}" for r in levels for f in levels for m in levels])


def _attach(summary, kind: str, scores: dict[str, np.ndarray],
            texts: dict[str, tuple[np.ndarray, np.ndarray]]):
    """Return ``summary`` with the new columns; ``texts`` are (table, codes) pairs to decode."""
    if kind == "polars":
        import polars as pl

        new = [pl.Series(k, v) for k, v in scores.items()]
        # gather in polars: building a string Series from a numpy array is ~10× slower
        new += [pl.Series(k, table.tolist()).gather(codes) for k, (table, codes) in texts.items()]
        return summary.with_columns(new)
    if kind == "pandas":
        import pandas as pd  # only reached when the caller passed a pandas frame

        # take() on a string array: assigning a numpy unicode array is ~10× slower
        decoded = {k: pd.array(table, dtype="str").take(codes)
                   for k, (table, codes) in texts.items()}
        return summary.assign(**scores, **decoded)
    return {**summary, **scores, **{k: table[codes] for k, (table, codes) in texts.items()}}


def rfm_scores(summary, bins: int = 5, *, recency: str | tuple[str, str] = ("T", "recency"),
               frequency: str = "n_periods", monetary: str = "total_spend",
               r_edges=None, f_edges=None, m_edges=None):
    """Score every customer on recency, frequency and monetary value, and name their segment.

    The default columns are those of ``summarize_transactions``:

    * R = ``T − recency``, the time since the last purchase (there, ``recency`` is the time from
      the first purchase to the last, and ``T`` from the first purchase to now). Smaller is
      better, so R is inverted: the most recent buyers score highest.
    * F = ``n_periods``, the number of periods with a purchase. ``frequency`` (repeat purchases,
      one less) gives the same quantile scores; it matters only with fixed ``f_edges``.
    * M = ``total_spend``. Pass ``monetary="monetary_value"`` to score the mean repeat spend
      instead (0 for one-time buyers there). Negative net spend is allowed and ranks lowest.

    Scores run from 1 to ``bins``, by quantile (:func:`quantile_scores`: equal values always share
    a score, ties take the lower one) or, per dimension, by fixed thresholds
    (:func:`edge_scores`). The segment comes from the 5 × 5 grid :data:`SEGMENT_RULES` on R and
    FM = ⌊(F + M) / 2⌋; with ``bins ≠ 5`` each score is first stretched linearly onto 1–5
    (1 → 1, ``bins`` → 5, rounding half up).

    Parameters
    ----------
    summary : polars.DataFrame, pandas.DataFrame or dict of array-like
        One row per customer.
    bins : int, default 5
        Number of score levels, 2 to :data:`MAX_BINS`.
    recency : str or (str, str), default ("T", "recency")
        Where the time since the last purchase comes from: a column holding it (e.g.
        ``"days_since_last"``), or a pair ``(a, b)`` meaning column ``a`` minus column ``b``.
    frequency, monetary : str
        The columns scored as F and M.
    r_edges, f_edges, m_edges : array-like of float, optional
        ``bins − 1`` strictly increasing thresholds replacing the quantiles for that dimension;
        see :func:`edge_scores` (``r_edges`` are upper bounds of time since the last purchase,
        best score first).

    Returns
    -------
    Same type as ``summary``
        A copy with the columns ``r_score``, ``f_score``, ``m_score`` (int8), ``rfm_code`` (e.g.
        ``"545"``; ``"10-3-7"`` when ``bins ≥ 10``) and ``segment`` (a key of :data:`SEGMENTS`),
        as strings (numpy unicode arrays in a dict). Existing columns of those names are
        replaced.

    Raises
    ------
    ValueError
        For a missing column, no rows, NaN, a negative time since the last purchase or negative
        frequency, columns of different lengths, ``bins`` out of range or bad thresholds.
    TypeError
        When ``summary`` is not a frame or a dict.

    Examples
    --------
    >>> import numpy as np
    >>> out = rfm_scores({"T": np.array([10, 10, 10, 10, 10]),
    ...                   "recency": np.array([9, 5, 0, 8, 2]),
    ...                   "n_periods": np.array([6, 3, 1, 5, 2]),
    ...                   "total_spend": np.array([500.0, 120.0, 15.0, 300.0, 40.0])})
    >>> out["rfm_code"].tolist()
    ['555', '333', '111', '444', '222']
    >>> out["segment"].tolist()
    ['champions', 'need_attention', 'lost', 'loyal', 'hibernating']
    """
    bins = _check_bins(bins)
    kind = _frame_kind(summary)
    if isinstance(recency, str):
        since = _column(summary, recency)
        r_name = recency
    elif (isinstance(recency, tuple | list) and len(recency) == 2
          and all(isinstance(c, str) for c in recency)):
        a, b = (_column(summary, c) for c in recency)
        if len(a) != len(b):
            raise ValueError(f"summary: columns differ in length ({recency[0]}: {len(a)}, "
                             f"{recency[1]}: {len(b)})")
        since = a - b
        r_name = f"{recency[0]} − {recency[1]}"
    else:
        raise ValueError(f"recency: expected a column name or a pair of them, got {recency!r}")
    f = _column(summary, frequency)
    m = _column(summary, monetary)
    n = len(f)
    lengths = {r_name: len(since), frequency: n, monetary: len(m)}
    if len(set(lengths.values())) != 1:
        raise ValueError("summary: columns differ in length ("
                         + ", ".join(f"{k}: {v}" for k, v in lengths.items()) + ")")
    if n == 0:
        raise ValueError("summary: no rows")
    # recency and T often come out of the same float arithmetic: forgive rounding noise
    if (since < -1e-9).any():
        i = int(np.flatnonzero(since < -1e-9)[0])
        raise ValueError(f"recency: negative time since the last purchase ({r_name} = {since[i]}) "
                         f"at position {i}")
    if (f < 0).any():
        raise ValueError(f"{frequency}: negative value at position {int(np.flatnonzero(f < 0)[0])}")

    def score(x, edges, name, higher_is_better):
        if edges is None:
            return _quantile_scores(x, bins, higher_is_better)
        return _edge_scores(x, _check_edges(name, edges, bins), higher_is_better)

    r_score = score(np.maximum(since, 0.0), r_edges, "r_edges", False)
    f_score = score(f, f_edges, "f_edges", True)
    m_score = score(m, m_edges, "m_edges", True)
    segment = _segment_codes(_to_five(r_score, bins), _to_five(f_score, bins),
                             _to_five(m_score, bins))
    ri, fi, mi = (s.astype(np.int64) - 1 for s in (r_score, f_score, m_score))  # int8 overflows
    code = (ri * bins + fi) * bins + mi
    return _attach(summary, kind, {"r_score": r_score, "f_score": f_score, "m_score": m_score},
                   {"rfm_code": (_code_table(bins), code), "segment": (_SEGMENT_KEYS, segment)})

