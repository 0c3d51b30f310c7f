"""Transaction summaries: checked against lifetimes and a naive per-customer reference."""

import datetime as dt
import doctest
import warnings
from collections import defaultdict
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lifetimes.datasets import load_dataset, load_transaction_data
from lifetimes.utils import calibration_and_holdout_data, summary_data_from_transaction_data

from kehu.analytics import summary
from kehu.analytics.summary import (
    SUMMARY_COLUMNS,
    calibration_holdout_split,
    summarize_transactions,
)

RFM = ["frequency", "recency", "T", "monetary_value"]


@pytest.fixture(scope="module")
def cdnow_log():
    """The CDNOW master log lifetimes ships: 69,659 transactions of 23,570 customers (several
    on the same day for some)."""
    log = load_dataset("CDNOW_master.txt", header=0, sep=r"\s+", dtype={"date": str},
                       names=["customer_id", "date", "cds", "amount"])
    log["date"] = pd.to_datetime(log["date"], format="%Y%m%d")
    return log


def lifetimes_summary(log, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return summary_data_from_transaction_data(log, "customer_id", "date", **kwargs).sort_index()


@pytest.mark.parametrize("unit", ["D", "W"])
def test_matches_lifetimes_on_cdnow(cdnow_log, unit):
    """Reference: lifetimes summary_data_from_transaction_data(monetary_value_col="amount",
    freq=unit) on the CDNOW master log."""
    expected = lifetimes_summary(cdnow_log, monetary_value_col="amount",
                                 observation_period_end="1998-06-30", freq=unit)
    ours = summarize_transactions(cdnow_log["customer_id"], cdnow_log["date"],
                                  cdnow_log["amount"], observation_end="1998-06-30",
                                  time_unit=unit)
    assert isinstance(ours, pd.DataFrame) and ours.index.name == "customer_id"
    np.testing.assert_array_equal(ours.index.to_numpy(), expected.index.to_numpy())
    for column in RFM:
        np.testing.assert_allclose(ours[column].to_numpy(), expected[column].to_numpy(),
                                   rtol=1e-12, atol=1e-9, err_msg=column)
    np.testing.assert_array_equal(ours["n_periods"], ours["frequency"] + 1)
    spend = cdnow_log[cdnow_log["date"] <= "1998-06-30"].groupby("customer_id")["amount"].sum()
    np.testing.assert_allclose(ours["total_spend"].to_numpy(), spend.sort_index().to_numpy())


@pytest.mark.parametrize("unit", ["D", "W"])
def test_matches_lifetimes_on_example_transactions(unit):
    """Reference: lifetimes summary_data_from_transaction_data on its simulated example log
    (string timestamps, no amounts), observed to mid-2014: later purchases are ignored."""
    log = load_transaction_data()
    expected = lifetimes_summary(log.rename(columns={"id": "customer_id"}),
                                 observation_period_end="2014-06-30", freq=unit)
    ours = summarize_transactions(pl.Series(log["id"].to_numpy()),
                                  pl.Series(log["date"].to_numpy().astype(str)), None,
                                  observation_end=dt.date(2014, 6, 30), time_unit=unit)
    assert isinstance(ours, pl.DataFrame)
    np.testing.assert_array_equal(ours["customer_id"].to_numpy(), expected.index.to_numpy())
    for column in ("frequency", "recency", "T"):
        np.testing.assert_array_equal(ours[column].to_numpy(), expected[column].to_numpy())
    assert (ours["monetary_value"] == 0).all() and (ours["total_spend"] == 0).all()


def lifetimes_split(log, unit, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return calibration_and_holdout_data(
            log, "customer_id", "date", calibration_period_end="1997-09-30",
            observation_period_end="1998-06-30", freq=unit, **kwargs).sort_index()


@pytest.mark.parametrize("unit", ["D", "W"])
def test_calibration_holdout_matches_lifetimes(cdnow_log, unit):
    """Reference: lifetimes calibration_and_holdout_data (its *_cal columns are our unsuffixed
    ones) on the CDNOW master log, calibration to 1997-09-30, holdout to 1998-06-30."""
    expected = lifetimes_split(cdnow_log, unit, monetary_value_col="amount")
    ours = calibration_holdout_split(cdnow_log["customer_id"], cdnow_log["date"],
                                     cdnow_log["amount"], calibration_end="1997-09-30",
                                     observation_end="1998-06-30", time_unit=unit)
    np.testing.assert_array_equal(ours.index.to_numpy(), expected.index.to_numpy())
    for column in RFM:
        np.testing.assert_allclose(ours[column].to_numpy(), expected[column + "_cal"].to_numpy(),
                                   rtol=1e-12, atol=1e-9, err_msg=column)
    for column in ("frequency_holdout", "duration_holdout"):
        np.testing.assert_array_equal(ours[column].to_numpy(), expected[column].to_numpy())


def test_monetary_value_holdout_is_a_mean_per_period(cdnow_log):
    """Reference: lifetimes' monetary_value_holdout, a mean per *transaction*, equals ours (a
    mean per purchase period) once the log has one row per customer and day."""
    daily = cdnow_log.groupby(["customer_id", "date"], as_index=False)["amount"].sum()
    expected = lifetimes_split(daily, "D", monetary_value_col="amount")
    ours = calibration_holdout_split(cdnow_log["customer_id"], cdnow_log["date"],
                                     cdnow_log["amount"], calibration_end="1997-09-30",
                                     observation_end="1998-06-30", time_unit="D")
    np.testing.assert_allclose(ours["monetary_value_holdout"].to_numpy(),
                               expected["monetary_value_holdout"].to_numpy(), rtol=1e-12)


# --- definitions -------------------------------------------------------------------------------

def day(text):
    return np.datetime64(text, "s")


def small_log():
    rows = [  # customer, time, amount
        (7, "2024-01-01T09:00", 10.0), (7, "2024-01-01T18:30", 5.0),  # one period, 15
        (7, "2024-01-05T12:00", 20.0), (7, "2024-01-10T08:00", 30.0),
        (7, "2024-01-31T23:00", 1.0),  # on the day of observation_end: counts
        (7, "2024-02-01T00:00", 99.0),  # after it: ignored
        (3, "2024-01-03T10:00", 8.0),
        (9, "2024-02-02T10:00", 8.0),  # first purchase after the end: not a customer yet
    ]
    ids, times, amounts = zip(*rows, strict=True)
    return np.array(ids), np.array([day(t) for t in times]), np.array(amounts)


def test_definitions_on_a_small_log():
    """Reference: the definitions worked by hand (Fader, Hardie & Lee; lifetimes' docs)."""
    ids, times, amounts = small_log()
    out = summarize_transactions(ids, times, amounts, observation_end="2024-01-31T12:00")
    assert out.columns == list(SUMMARY_COLUMNS)
    rows = {row["customer_id"]: row for row in out.iter_rows(named=True)}
    assert list(rows) == [3, 7]
    seven = rows[7]
    assert seven["n_periods"] == 4 and seven["frequency"] == 3
    assert (seven["recency"], seven["T"]) == (30.0, 30.0)
    assert seven["monetary_value"] == pytest.approx((20 + 30 + 1) / 3)
    assert seven["total_spend"] == pytest.approx(66.0)
    assert seven["first_purchase"] == dt.datetime.fromisoformat("2024-01-01T09:00")
    assert seven["last_purchase"] == dt.datetime.fromisoformat("2024-01-31T23:00")
    three = rows[3]
    assert (three["frequency"], three["recency"], three["T"]) == (0, 0.0, 28.0)
    assert (three["monetary_value"], three["total_spend"]) == (0.0, 8.0)


def test_weeks_run_monday_to_sunday():
    """Reference: pandas' "W" (= W-SUN) periods, which lifetimes uses: 2024-01-07 is a Sunday."""
    times = np.array([day("2024-01-01"), day("2024-01-07T23:59"), day("2024-01-08"),
                      day("2024-01-21")])
    out = summarize_transactions([1, 1, 1, 1], times, [1.0, 2.0, 4.0, 8.0],
                                 observation_end="2024-01-28", time_unit="W")
    row = out.row(0, named=True)
    assert (row["frequency"], row["recency"], row["T"]) == (2, 2.0, 3.0)
    assert row["monetary_value"] == pytest.approx(6.0)  # (4 + 8) / 2, first week's 1 + 2 out


def test_hours_and_months():
    """Reference: periods worked by hand for "H" and calendar months "M"."""
    times = np.array([day("2024-01-31T10:05"), day("2024-01-31T10:55"), day("2024-01-31T13:00"),
                      day("2024-03-01T00:00")])
    hours = summarize_transactions([1] * 4, times, None, observation_end="2024-03-01T05:30",
                                   time_unit="H").row(0, named=True)
    assert (hours["frequency"], hours["recency"]) == (2, 29 * 24 + 14.0)
    assert hours["T"] == 29 * 24 + 19.0
    months = summarize_transactions([1] * 4, times, None, observation_end="2024-05-15",
                                    time_unit="M").row(0, named=True)
    assert (months["frequency"], months["recency"], months["T"]) == (1, 2.0, 4.0)


def test_time_zone_aware_times_use_the_wall_clock():
    """Reference: 23:30 and 00:30 Helsinki time are different local days (same UTC day): the
    summary follows the customer's calendar, whatever the input type."""
    zone = ZoneInfo("Europe/Helsinki")
    local = [dt.datetime(2024, 3, 4, 23, 30, tzinfo=zone), dt.datetime(2024, 3, 5, 0, 30,
                                                                       tzinfo=zone)]
    end = dt.datetime(2024, 3, 10, 1, 0, tzinfo=zone)
    variants = [
        pd.Series(pd.to_datetime(local)),
        pl.Series([t.astimezone(dt.UTC) for t in local]).dt.convert_time_zone("Europe/Helsinki"),
        local,
    ]
    for times in variants:
        out = summarize_transactions([1, 1], times, [1.0, 2.0], observation_end=end)
        row = out.iloc[0] if isinstance(out, pd.DataFrame) else out.row(0, named=True)
        assert (row["frequency"], row["recency"], row["T"]) == (1, 1.0, 6.0), type(times)
        assert pd.Timestamp(row["first_purchase"]) == pd.Timestamp("2024-03-04 23:30")


def test_input_types_agree():
    """Reference: the numpy datetime64[s] result; other encodings of the same log must match."""
    ids, times, amounts = small_log()
    base = summarize_transactions(ids, times, amounts, observation_end="2024-01-31")
    seconds = times.astype(np.int64)
    variants = [
        (ids, times.astype("datetime64[ns]"), amounts),
        (ids.tolist(), times.astype("datetime64[us]").tolist(), amounts.tolist()),
        (ids, times.astype(str).tolist(), amounts),
        (ids, seconds, amounts),
        (ids, seconds.astype(float), amounts),
        (pl.Series(ids), pl.Series(times.astype("datetime64[ms]")), pl.Series(amounts)),
        (pl.Series(ids), pl.Series(times.astype(str).tolist()), pl.Series(amounts)),
        (ids.astype(np.int32), times, amounts.astype(np.float32).astype(float)),
    ]
    for variant in variants:
        out = summarize_transactions(*variant, observation_end=np.datetime64("2024-01-31"))
        assert out.drop("customer_id").equals(base.drop("customer_id"))
        assert out["customer_id"].to_list() == base["customer_id"].to_list()
    pandas_out = summarize_transactions(pd.Series(ids), pd.Series(times), pd.Series(amounts),
                                        observation_end=pd.Timestamp("2024-01-31"))
    assert isinstance(pandas_out, pd.DataFrame)
    assert pandas_out.index.tolist() == base["customer_id"].to_list()
    for column in SUMMARY_COLUMNS[1:]:
        assert pandas_out[column].tolist() == base[column].to_list(), column


def test_string_and_sparse_ids():
    """Reference: the same log keyed by small integers; string ids and huge sparse integer ids
    (which cannot index an array directly) give the same rows, in id order."""
    ids, times, amounts = small_log()
    base = summarize_transactions(ids, times, amounts, observation_end="2024-01-31")
    names = {3: "ann", 7: "bob", 9: "cy"}
    as_text = summarize_transactions([names[i] for i in ids], times, amounts,
                                     observation_end="2024-01-31")
    assert as_text["customer_id"].to_list() == ["ann", "bob"]
    sparse = summarize_transactions(ids * 10**15, times, amounts, observation_end="2024-01-31")
    assert sparse["customer_id"].to_list() == [3 * 10**15, 7 * 10**15]
    for out in (as_text, sparse):
        assert out.drop("customer_id").equals(base.drop("customer_id"))


def test_nothing_observed_gives_an_empty_summary():
    """Reference: an observation_end before every transaction leaves no customer (the columns
    and their types stay, string ids included)."""
    ids, times, amounts = small_log()
    out = summarize_transactions([str(i) for i in ids], times, amounts,
                                 observation_end="2023-12-31")
    assert out.height == 0 and out.columns == list(SUMMARY_COLUMNS)
    assert out.schema["customer_id"] == pl.String and out.schema["frequency"] == pl.Int64


def test_customers_who_start_after_calibration_are_left_out():
    """Reference: lifetimes' calibration_and_holdout_data keeps calibration customers only."""
    ids, times, amounts = small_log()
    out = calibration_holdout_split(ids, times, amounts, calibration_end="2024-01-04",
                                    observation_end="2024-02-29")
    rows = {row["customer_id"]: row for row in out.iter_rows(named=True)}
    assert list(rows) == [3, 7]
    assert rows[7]["frequency"] == 0 and rows[7]["T"] == 3.0
    # holdout periods of customer 7: Jan 5, Jan 10, Jan 31, Feb 1
    assert rows[7]["frequency_holdout"] == 4
    assert rows[7]["monetary_value_holdout"] == pytest.approx((20 + 30 + 1 + 99) / 4)
    assert rows[3]["frequency_holdout"] == 0 and rows[3]["monetary_value_holdout"] == 0
    assert rows[3]["duration_holdout"] == 56.0


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"customer_id": [], "timestamp": [], "amount": []}, "empty data"),
    ({"customer_id": [1, 2], "timestamp": [1, 2, 3]}, "differ in length"),
    ({"customer_id": [1, 2], "timestamp": [1, 2], "amount": [1.0]}, "amount differ in length"),
    ({"customer_id": [1, 2], "timestamp": np.array(["2024-01-01", "NaT"], dtype="datetime64[s]")},
     r"timestamp: missing value \(NaT\) at position 1"),
    ({"customer_id": [1, 2], "timestamp": [1, 2], "amount": [1.0, float("nan")]},
     "amount: NaN or infinite value at position 1"),
    ({"customer_id": [1.0, float("nan")], "timestamp": [1, 2]},
     "customer_id: missing value at position 1"),
    ({"customer_id": pl.Series([1, None]), "timestamp": [1, 2]},
     "customer_id: missing value at position 1"),
    ({"customer_id": [1, 2], "timestamp": ["2024-01-01", "yesterday"]}, "timestamp: cannot read"),
    ({"customer_id": [1, 2], "timestamp": [1, 2], "time_unit": "Y"}, "time_unit: expected"),
    ({"customer_id": [1, 2], "timestamp": [1, 2], "observation_end": "soon"},
     "observation_end: cannot read"),
])
def test_invalid_input_raises_value_error(kwargs, message):
    """Reference: each bad input gets a ValueError naming it."""
    kwargs = {"amount": None, "observation_end": 100, **kwargs}
    with pytest.raises(ValueError, match=message):
        summarize_transactions(**kwargs)


def test_split_needs_an_observation_end_after_the_calibration_end():
    """Reference: a holdout must have positive length."""
    ids, times, amounts = small_log()
    with pytest.raises(ValueError, match="observation_end must be after calibration_end"):
        calibration_holdout_split(ids, times, amounts, calibration_end="2024-01-31",
                                  observation_end="2024-01-30")


# --- a naive reference ------------------------------------------------------------------------

def naive_period(moment: dt.datetime, unit: str) -> int:
    ordinal = moment.toordinal()
    return {"D": ordinal, "H": ordinal * 24 + moment.hour, "M": moment.year * 12 + moment.month,
            "W": (ordinal - moment.weekday()) // 7}[unit]


def naive_summary(ids, moments, amounts, end, unit):
    """One customer at a time, with Python dicts: the definitions, literally."""
    end_period = naive_period(end, unit)
    periods = defaultdict(lambda: defaultdict(float))
    for customer, moment, amount in zip(ids, moments, amounts, strict=True):
        period = naive_period(moment, unit)
        if period <= end_period:
            periods[customer][period] += amount
    rows = []
    for customer in sorted(periods):
        spend = periods[customer]
        first, last = min(spend), max(spend)
        frequency = len(spend) - 1
        repeat = sum(spend.values()) - spend[first]
        rows.append((customer, frequency, last - first, end_period - first,
                     repeat / frequency if frequency else 0.0, sum(spend.values())))
    return rows


log_strategy = st.lists(
    st.tuples(st.integers(0, 6), st.integers(0, 120 * 86400), st.integers(0, 10_000)),
    min_size=1, max_size=60)


@settings(max_examples=30, deadline=None)
@given(log=log_strategy, end=st.integers(0, 150 * 86400), unit=st.sampled_from(["H", "D", "W",
                                                                                   "M"]),
       chunk=st.sampled_from([3, 1 << 21]))
def test_matches_the_naive_reference(log, end, unit, chunk):
    """Reference: naive_summary above on random logs, for every time unit, also with chunks of
    3 rows (so that the chunked passes meet customers split across chunks)."""
    origin = dt.datetime.fromisoformat("2023-12-25T07:00")  # wall-clock times are naive
    ids = [row[0] for row in log]
    moments = [origin + dt.timedelta(seconds=row[1]) for row in log]
    amounts = [row[2] / 100 for row in log]
    end_moment = origin + dt.timedelta(seconds=end)
    default_chunk, summary._CHUNK = summary._CHUNK, chunk
    try:
        out = summarize_transactions(ids, np.array(moments, dtype="datetime64[s]"), amounts,
                                     observation_end=end_moment, time_unit=unit)
    finally:
        summary._CHUNK = default_chunk
    expected = naive_summary(ids, moments, amounts, end_moment, unit)
    got = out.select("customer_id", "frequency", "recency", "T", "monetary_value",
                     "total_spend").rows()
    assert [row[:4] for row in got] == [row[:4] for row in expected]
    for ours, theirs in zip(got, expected, strict=True):
        assert ours[4:] == pytest.approx(theirs[4:], rel=1e-12, abs=1e-9)


def test_docstring_examples():
    """Reference: the Examples sections of the module."""
    result = doctest.testmod(summary, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0 and result.failed == 0
