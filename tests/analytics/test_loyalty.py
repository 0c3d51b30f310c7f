"""Loyalty classes: behaviour and attitude scores, the 2 × 2 plus unknown, errors, properties."""

import math

import numpy as np
import pandas as pd
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kehu.analytics.loyalty import (
    LOYALTY_CLASSES,
    attitude_score,
    behaviour_score,
    loyalty_class,
)

NAN = float("nan")

# -- behaviour_score ----------------------------------------------------------------------------


@pytest.mark.parametrize(("frequency", "recency", "T", "half_life", "expected"), [
    (0, 0, 30, 10, 0.0),        # a one-time buyer has no repeat behaviour
    (1, 10, 10, 10, 0.5),       # one repeat, bought just now
    (3, 30, 30, 10, 0.75),
    (3, 20, 30, 10, 0.375),     # one half-life since the last purchase halves it
    (3, 10, 30, 10, 0.1875),    # two half-lives: a quarter
    (9, 52, 52, 13, 0.9),
    (1, 4, 17, 13, 0.25),
])
def test_behaviour_by_hand(frequency, recency, T, half_life, expected):
    assert behaviour_score([frequency], [recency], [T], half_life=half_life).tolist() == [expected]


def test_behaviour_vectorised_and_frame_inputs():
    f, r, t = [0, 1, 3, 3], [0, 10, 30, 20], [30, 10, 30, 30]
    expected = [0.0, 0.5, 0.75, 0.375]
    assert behaviour_score(f, r, t, half_life=10).tolist() == expected
    for series in (pd.Series, pl.Series):
        out = behaviour_score(series(f), series(r), series(t), half_life=10)
        assert out.tolist() == expected


@pytest.mark.parametrize(("args", "half_life", "message"), [
    (([1], [5], [10]), 0, "half_life: must be a positive number, got 0"),
    (([1], [5], [10]), -2.0, "half_life: must be a positive number"),
    (([1], [5], [10]), NAN, "half_life: must be a positive number"),
    (([1], [12], [10]), 5, r"recency > T at position 0"),
    (([-1], [0], [10]), 5, "frequency: negative value at position 0"),
    (([0], [3], [10]), 5, r"recency must be 0 when frequency is 0 \(position 0\)"),
    (([1, 2], [5], [10, 10]), 5, "frequency, recency and T differ in length"),
    (([1], [NAN], [10]), 5, "recency: NaN or infinite value at position 0"),
    (([], [], []), 5, "empty data"),
])
def test_behaviour_errors(args, half_life, message):
    with pytest.raises(ValueError, match=message):
        behaviour_score(*args, half_life=half_life)


def test_behaviour_needs_a_half_life():
    with pytest.raises(TypeError):
        behaviour_score([1], [5], [10])  # no default: it depends on the buying cycle's unit


@settings(max_examples=100, deadline=None)
@given(x=st.integers(1, 50), gap=st.floats(0, 100), more=st.integers(1, 5),
       later=st.floats(0.5, 50), half_life=st.floats(0.5, 100))
def test_behaviour_monotone(x, gap, more, later, half_life):
    t = 100.0 + gap
    base = behaviour_score([x], [100.0], [t], half_life=half_life)[0]
    assert 0 <= base < 1
    # more repeat purchases never lower it; a longer silence never raises it
    assert behaviour_score([x + more], [100.0], [t], half_life=half_life)[0] >= base
    assert behaviour_score([x], [100.0], [t + later], half_life=half_life)[0] <= base


# -- attitude_score -----------------------------------------------------------------------------


@pytest.mark.parametrize(("satisfaction", "nps", "expected"), [
    ([1, 2, 3, 4, 5], None, [0.0, 0.25, 0.5, 0.75, 1.0]),
    (None, [0, 5, 10, 7], [0.0, 0.5, 1.0, 0.7]),
    ([5, 1, 4, NAN], [10, 5, NAN, 7], [1.0, 0.25, 0.75, 0.7]),
    ([3.5], [6], [0.6125]),
])
def test_attitude_by_hand(satisfaction, nps, expected):
    out = attitude_score(satisfaction=satisfaction, nps=nps)
    assert out.tolist() == pytest.approx(expected, abs=1e-15)


def test_attitude_missing_everywhere_is_nan():
    out = attitude_score(satisfaction=[NAN, 5], nps=[NAN, NAN])
    assert math.isnan(out[0]) and out[1] == 1.0
    assert math.isnan(attitude_score(nps=[NAN])[0])


def test_attitude_nullable_frames():
    sat = pd.Series([5, None, 3], dtype="Int64")  # pd.NA, not NaN
    nps = pl.Series([None, 8, 10])
    out = attitude_score(satisfaction=sat, nps=nps)
    assert out.tolist() == [1.0, 0.8, 0.75]


@pytest.mark.parametrize(("kwargs", "message"), [
    ({}, "attitude_score: give satisfaction, nps or both"),
    ({"satisfaction": [0, 3]}, "satisfaction: must lie between 1 and 5, got 0 at position 0"),
    ({"satisfaction": [3, 6]}, "satisfaction: must lie between 1 and 5, got 6 at position 1"),
    ({"nps": [11]}, "nps: must lie between 0 and 10, got 11 at position 0"),
    ({"nps": [-1]}, "nps: must lie between 0 and 10, got -1 at position 0"),
    ({"nps": [float("inf")]}, "nps: infinite value at position 0"),
    ({"nps": ["good"]}, "nps: expected numbers"),
    ({"nps": [[1, 2]]}, r"nps: expected a 1-D array, got shape \(1, 2\)"),
    ({"satisfaction": [3, 4], "nps": [5]}, r"satisfaction and nps differ in length \(2, 1\)"),
])
def test_attitude_errors(kwargs, message):
    with pytest.raises(ValueError, match=message):
        attitude_score(**kwargs)


# -- loyalty_class ------------------------------------------------------------------------------


def test_the_four_classes_and_unknown():
    out = loyalty_class([0.9, 0.1, 0.9, 0.1, 0.9, 0.1], [0.8, 0.8, 0.2, 0.2, NAN, NAN])
    assert out.tolist() == ["true", "latent", "spurious", "none", "unknown", "unknown"]


@pytest.mark.parametrize(("behaviour", "attitude", "expected"), [
    (0.5, 0.5, "true"),        # "high" starts at the threshold itself
    (0.4999, 0.5, "latent"),
    (0.5, 0.4999, "spurious"),
    (0.0, 0.0, "none"),
    (1.0, 1.0, "true"),
])
def test_thresholds_are_inclusive(behaviour, attitude, expected):
    assert loyalty_class([behaviour], [attitude]).tolist() == [expected]


def test_custom_thresholds():
    b, a = [0.3, 0.3, 0.1, 0.1], [0.9, 0.7, 0.9, 0.7]
    assert loyalty_class(b, a).tolist() == ["latent", "latent", "latent", "latent"]
    out = loyalty_class(b, a, behaviour_threshold=0.25, attitude_threshold=0.8)
    assert out.tolist() == ["true", "spurious", "latent", "none"]


def test_pipeline_from_raw_data():
    behaviour = behaviour_score([6, 0, 6, 0, 6], [50, 0, 50, 0, 50], [52, 20, 52, 20, 52],
                                half_life=13)
    attitude = attitude_score(satisfaction=[5, 5, 2, 2, NAN], nps=[9, 10, 3, NAN, NAN])
    assert loyalty_class(behaviour, attitude).tolist() == [
        "true", "latent", "spurious", "none", "unknown"]


def test_frame_inputs_agree():
    b, a = [0.9, 0.1, 0.9, 0.1], [0.8, 0.8, 0.2, None]
    expected = ["true", "latent", "spurious", "unknown"]
    assert loyalty_class(pl.Series(b), pl.Series(a)).tolist() == expected
    assert loyalty_class(pd.Series(b), pd.Series(a, dtype="Float64")).tolist() == expected
    assert loyalty_class(np.array(b), np.array(a, dtype=float)).tolist() == expected


@pytest.mark.parametrize(("behaviour", "attitude", "kwargs", "message"), [
    ([NAN], [0.5], {}, "behaviour: NaN or infinite value at position 0"),
    ([1.2], [0.5], {}, "behaviour: must lie between 0 and 1, got 1.2 at position 0"),
    ([0.5, -0.1], [0.5, 0.5], {}, "behaviour: must lie between 0 and 1, got -0.1 at position 1"),
    ([0.5], [1.5], {}, "attitude: must lie between 0 and 1, got 1.5 at position 0"),
    ([0.5, 0.5], [0.5], {}, r"behaviour and attitude differ in length \(2, 1\)"),
    ([], [], {}, "behaviour: empty"),
    ([0.5], [0.5], {"behaviour_threshold": 1.5}, "behaviour_threshold: must lie between 0 and 1"),
    ([0.5], [0.5], {"attitude_threshold": NAN}, "attitude_threshold: must lie between 0 and 1"),
    ([0.5], [0.5], {"attitude_threshold": "high"}, "attitude_threshold: expected a number"),
])
def test_class_errors(behaviour, attitude, kwargs, message):
    with pytest.raises(ValueError, match=message):
        loyalty_class(behaviour, attitude, **kwargs)


def test_labels():
    assert list(LOYALTY_CLASSES) == ["true", "latent", "spurious", "none", "unknown"]
    assert [c.name_zh for c in LOYALTY_CLASSES.values()][:4] == ["超值忠诚", "潜在忠诚", "虚假忠诚",
                                                              "不忠诚"]
    assert "easy to poach" in LOYALTY_CLASSES["spurious"].advice_en
    for key, label in LOYALTY_CLASSES.items():
        assert label.key == key and label.name_en and label.advice_en and label.advice_zh


@settings(max_examples=100, deadline=None)
@given(rows=st.lists(st.tuples(st.floats(0, 1), st.one_of(st.just(NAN), st.floats(0, 1))),
                     min_size=1, max_size=50),
       tb=st.floats(0, 1), ta=st.floats(0, 1))
def test_class_properties(rows, tb, ta):
    b, a = (np.array(c) for c in zip(*rows, strict=True))
    out = loyalty_class(b, a, behaviour_threshold=tb, attitude_threshold=ta)
    known = ~np.isnan(a)
    assert (out[~known] == "unknown").all()
    high_b, high_a = b >= tb, a >= ta
    assert (np.isin(out[known & high_b], ["true", "spurious"])).all()
    assert (np.isin(out[known & ~high_b], ["latent", "none"])).all()
    assert (np.isin(out[known & high_a], ["true", "latent"])).all()
    assert (np.isin(out[known & ~high_a], ["spurious", "none"])).all()
