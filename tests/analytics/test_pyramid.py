"""The customer pyramid: exact tier sizes, ties, non-positive values, summaries, errors."""

import math

import numpy as np
import pandas as pd
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kehu.analytics.pyramid import TIERS, pyramid_summary, pyramid_tiers

RANK = {"A": 0, "B": 1, "C": 2, "D": 3}


def test_shares_at_1000_distinct():
    rng = np.random.default_rng(5)
    values = rng.permutation(1000) + 1.0  # 1 … 1000, shuffled
    tiers = pyramid_tiers(values)
    assert [int((tiers == t).sum()) for t in "ABCD"] == [10, 40, 150, 800]
    assert set(values[tiers == "A"]) == set(range(991, 1001))
    assert set(values[tiers == "B"]) == set(range(951, 991))
    assert set(values[tiers == "C"]) == set(range(801, 951))


@pytest.mark.parametrize(("values", "cutoffs", "expected"), [
    ([50, 40, 30, 20, 10, 0, 0, 0, 0, 0], (0.1, 0.2, 0.5), "ABCCCDDDDD"),
    ([10, 20, 30, 40, 50, 60, 70, 80, 90, 100], (0.1, 0.3, 0.6), "DDDDCCCBBA"),
    # ties at a boundary go to the worse tier, whole: the two 9s do not fit in A's one place
    ([9, 9, 5, 1, 1, 1, 1, 1, 1, 1], (0.1, 0.2, 0.5), "BBCDDDDDDD"),
    ([9, 8, 8, 8, 1, 1, 1, 1, 1, 1], (0.1, 0.2, 0.5), "ACCCDDDDDD"),
    ([9, 8, 8, 8, 8, 8, 1, 1, 1, 1], (0.1, 0.2, 0.5), "ADDDDDDDDD"),
    ([3, 3, 3, 3], (0.01, 0.05, 0.20), "DDDD"),  # all equal: nobody stands out
    # values ≤ 0 are D whatever the quota: 0.5 × 10 leaves room for five in A…C
    ([5, 0, 0, -1, -2, -3, -4, -5, -6, -7], (0.1, 0.2, 0.5), "ADDDDDDDDD"),
    ([-1, -2, -3, -4, -5, -6, -7, -8, -9, -10], (0.1, 0.2, 0.5), "DDDDDDDDDD"),
    ([1e-12, 0.0], (0.5, 0.6, 0.7), "AD"),
    ([7.0], (0.01, 0.05, 0.20), "D"),  # 1 % of one customer is nobody
])
def test_tiers_by_hand(values, cutoffs, expected):
    assert "".join(pyramid_tiers(values, cutoffs)) == expected


def test_small_data_sets_follow_the_quotas():
    values = np.arange(1, 51) * 10.0  # 50 customers: 0.5 A, 2.5 A+B, 10 A+B+C → 0, 2, 8
    tiers = pyramid_tiers(values)
    assert [int((tiers == t).sum()) for t in "ABCD"] == [0, 2, 8, 40]
    assert tiers[-2:].tolist() == ["B", "B"]


def test_zero_value_customers_count_but_stay_d():
    values = np.r_[np.zeros(995), [5.0, 4.0, 3.0, 2.0, 1.0]]
    tiers = pyramid_tiers(values)
    assert tiers[-5:].tolist() == ["A"] * 5  # A has room for ten; only five bring anything
    assert (tiers[:995] == "D").all()


def test_cutoff_float_rounding_keeps_every_customer():
    # 0.29 × 100 = 28.999999999999996 in floating point: still 29 customers
    tiers = pyramid_tiers(np.arange(100, 0, -1.0), cutoffs=(0.29, 0.5, 0.7))
    assert [int((tiers == t).sum()) for t in "ABCD"] == [29, 21, 20, 30]


def test_input_types_agree():
    values = [3.0, 0.0, 12.5, 7.0, 1.0, 9.0, 2.0, 4.0, 5.0, 6.0]
    expected = pyramid_tiers(np.array(values), (0.1, 0.2, 0.5)).tolist()
    assert expected == ["D", "D", "A", "C", "D", "B", "D", "D", "C", "C"]
    for given_values in (values, pd.Series(values, index=range(10, 20)), pl.Series(values),
                         np.array(values, dtype=np.int64)):
        assert pyramid_tiers(given_values, (0.1, 0.2, 0.5)).tolist() == expected


@pytest.mark.parametrize(("values", "cutoffs", "message"), [
    ([1.0, float("nan")], (0.01, 0.05, 0.2), "values: NaN or infinite value at position 1"),
    ([1.0, float("inf")], (0.01, 0.05, 0.2), "values: NaN or infinite value at position 1"),
    ([], (0.01, 0.05, 0.2), "values: empty"),
    ([1.0], (0.05, 0.01, 0.2), "cutoffs: shares must be strictly increasing"),
    ([1.0], (0.05, 0.05, 0.2), "cutoffs: shares must be strictly increasing"),
    ([1.0], (0.0, 0.05, 0.2), "cutoffs: shares must lie strictly between 0 and 1"),
    ([1.0], (0.01, 0.05, 1.0), "cutoffs: shares must lie strictly between 0 and 1"),
    ([1.0], (0.01, 0.05), r"cutoffs: expected 3 cumulative shares .*, got 2"),
    ([1.0], (0.01, float("nan"), 0.2), "cutoffs: NaN or infinite value at position 1"),
])
def test_tier_errors(values, cutoffs, message):
    with pytest.raises(ValueError, match=message):
        pyramid_tiers(values, cutoffs)


def test_summary_by_hand():
    values = [50, 40, 30, 20, 10, 0, 0, 0, 0, 0]
    rows = pyramid_summary(values, list("ABCCCDDDDD"))
    assert rows == [
        {"tier": "A", "customers": 1, "customer_share": 0.1, "value": 50.0,
         "value_share": 50 / 150},
        {"tier": "B", "customers": 1, "customer_share": 0.1, "value": 40.0,
         "value_share": 40 / 150},
        {"tier": "C", "customers": 3, "customer_share": 0.3, "value": 60.0, "value_share": 0.4},
        {"tier": "D", "customers": 5, "customer_share": 0.5, "value": 0.0, "value_share": 0.0},
    ]
    assert all(type(v) in (str, int, float) for row in rows for v in row.values())


def test_summary_empty_tiers_and_zero_total():
    rows = pyramid_summary([0.0, 0.0, 0.0], pyramid_tiers([0.0, 0.0, 0.0]))
    assert [(r["tier"], r["customers"], r["value"]) for r in rows] == [
        ("A", 0, 0.0), ("B", 0, 0.0), ("C", 0, 0.0), ("D", 3, 0.0)]
    assert all(math.isnan(r["value_share"]) for r in rows)


def test_summary_at_1000_and_frame_inputs():
    values = np.arange(1, 1001, dtype=float)
    tiers = pyramid_tiers(values)
    rows = pyramid_summary(pl.Series(values), pl.Series(tiers))
    assert [r["customers"] for r in rows] == [10, 40, 150, 800]
    assert [r["customer_share"] for r in rows] == [0.01, 0.04, 0.15, 0.8]
    total = values.sum()
    assert [r["value"] for r in rows] == [sum(range(991, 1001)), sum(range(951, 991)),
                                          sum(range(801, 951)), sum(range(1, 801))]
    assert math.isclose(sum(r["value_share"] for r in rows), 1.0)
    assert rows[0]["value_share"] == sum(range(991, 1001)) / total
    assert pyramid_summary(pd.Series(values), pd.Series(tiers)) == rows


@pytest.mark.parametrize(("values", "tiers", "message"), [
    ([1.0, 2.0], ["A"], r"values and tiers differ in length \(2, 1\)"),
    ([1.0, 2.0], ["A", "E"], "tiers: unknown tier 'E' at position 1"),
    ([1.0, 2.0], ["A", "AB"], "tiers: unknown tier 'AB' at position 1"),
    ([1.0, 2.0], ["a", "B"], "tiers: unknown tier 'a' at position 0"),
    ([1.0, 2.0], np.array([None, "B"], dtype=object), "tiers: unknown tier None at position 0"),
    ([1.0, float("nan")], ["A", "B"], "values: NaN or infinite value at position 1"),
    ([], [], "values: empty"),
])
def test_summary_errors(values, tiers, message):
    with pytest.raises(ValueError, match=message):
        pyramid_summary(values, tiers)


def test_tier_labels():
    assert list(TIERS) == ["A", "B", "C", "D"]
    assert [t.name_zh for t in TIERS.values()] == ["VIP客户", "主要客户", "普通客户", "小客户"]
    assert "VIP俱乐部" in TIERS["A"].advice_zh and "专属客户经理" in TIERS["A"].advice_zh
    assert "key-account" in TIERS["A"].advice_en
    for key, tier in TIERS.items():
        assert tier.key == key and tier.name_en and tier.advice_en and tier.advice_zh


@settings(max_examples=150, deadline=None)
@given(values=st.lists(st.one_of(st.integers(-3, 8).map(float),
                                 st.floats(-1e6, 1e6, allow_nan=False)), min_size=1, max_size=300),
       cutoffs=st.lists(st.floats(0.001, 0.999), min_size=3, max_size=3, unique=True).map(sorted))
def test_tier_properties(values, cutoffs):
    v = np.array(values)
    tiers = pyramid_tiers(v, cutoffs)
    rank = np.array([RANK[t] for t in tiers])
    # monotone: a larger value never sits in a worse tier; equal values share a tier
    order = np.argsort(-v, kind="stable")
    assert (np.diff(rank[order]) >= 0).all()
    for value in np.unique(v):
        assert len(set(rank[v == value].tolist())) == 1
    # nothing for nothing, and no tier (cumulatively) above its quota
    assert (tiers[v <= 0] == "D").all()
    for level, share in enumerate(cutoffs):
        assert (rank <= level).sum() <= math.floor(share * len(v) + 1e-9)
    # the quota is filled unless a tie or a value ≤ 0 stops it: the best customer left out of
    # tier `level` has a value ≤ 0 or ties with someone who would overflow the quota
    for level, share in enumerate(cutoffs):
        quota = math.floor(share * len(v) + 1e-9)
        outside = v[rank > level]
        if (rank <= level).sum() < quota and len(outside):
            best = outside.max()
            assert best <= 0 or (v >= best).sum() > quota
