"""Per-customer summaries of a transaction log: the inputs of the repeat-buying models.

Fast enough for tens of millions of transactions: the work is a sort of one packed int64 key per
transaction (customer code, seconds) and vectorised passes over it in chunks; no per-customer
Python. pandas is never imported here unless the caller passes pandas objects.
"""

from __future__ import annotations

import datetime as dt
import sys

import numpy as np
import polars as pl

__all__ = ["SUMMARY_COLUMNS", "TIME_UNITS", "calibration_holdout_split", "summarize_transactions"]

#: Accepted ``time_unit`` values.
TIME_UNITS = ("H", "D", "W", "M")

#: Columns of :func:`summarize_transactions` (the customer id is the index with pandas output).
SUMMARY_COLUMNS = ("customer_id", "frequency", "recency", "T", "monetary_value", "first_purchase",
                   "last_purchase", "total_spend", "n_periods")

_SECONDS = {"H": 3600, "D": 86400, "W": 7 * 86400}
# 1970-01-01 was a Thursday: shifting by 3 days makes weeks start on Monday, i.e. pandas' "W"
# (= "W-SUN", weeks ending on Sunday) periods that lifetimes uses
_WEEK_SHIFT = 3 * 86400
_CHUNK = 1 << 21
_NAT = np.iinfo(np.int64).min


def summarize_transactions(customer_id, timestamp, amount=None, *, observation_end,
                           time_unit: str = "D"):
    """One row per customer: frequency, recency, T and spend, as the BG/NBD family needs them.

    Transactions are first placed in periods of ``time_unit`` ("H" hour, "D" day, "W" week from
    Monday to Sunday, "M" calendar month); several purchases in one period count as one
    purchase, their amounts summed. Then, per customer:

    - ``frequency``: number of periods with a purchase, minus 1 — the *repeat* purchases;
    - ``recency``: periods from the first purchase to the last (0 if frequency is 0);
    - ``T``: periods from the first purchase to ``observation_end``;
    - ``monetary_value``: mean amount per repeat period (the first period excluded), 0 when
      frequency is 0;
    - ``first_purchase`` / ``last_purchase``: times of the first and last transactions (to the
      second, wall-clock time);
    - ``total_spend``: sum of all amounts, the first period included;
    - ``n_periods``: number of periods with a purchase (frequency + 1).

    These are the definitions of Fader, Hardie & Lee and match lifetimes'
    ``summary_data_from_transaction_data(..., monetary_value_col=..., freq=time_unit)``:
    ``observation_end`` is placed in its period too, and the transactions of periods after it
    are ignored (so with "D", purchases later on the day of ``observation_end`` count).

    Parameters
    ----------
    customer_id : array-like
        Customer of each transaction (integers are fastest; strings work). Lists, numpy arrays,
        pandas or polars Series.
    timestamp : array-like
        Time of each transaction: datetime64 / datetime values (time-zone aware pandas or
        polars values are read as wall-clock time in their zone), ISO strings, or integers =
        seconds since 1970-01-01.
    amount : array-like, optional
        Value of each transaction; if None the monetary columns are 0.
    observation_end : datetime, date, numpy.datetime64, str or int
        End of the observation (same conventions as ``timestamp``; an aware datetime is read as
        wall-clock time).
    time_unit : {"D", "W", "H", "M"}, default "D"

    Returns
    -------
    polars.DataFrame or pandas.DataFrame
        Sorted by customer id, with the columns :data:`SUMMARY_COLUMNS`; a pandas DataFrame
        indexed by ``customer_id`` (like lifetimes) when any input is a pandas object.

    Raises
    ------
    ValueError
        Empty input, length mismatch, missing or NaN values, unknown ``time_unit``.

    Examples
    --------
    >>> import numpy as np
    >>> from kehu.analytics.summary import summarize_transactions
    >>> days = np.array(["2024-01-01", "2024-01-01", "2024-01-05", "2024-01-10", "2024-01-03"],
    ...                 dtype="datetime64[D]")
    >>> out = summarize_transactions([1, 1, 1, 1, 2], days, [10.0, 5.0, 20.0, 30.0, 8.0],
    ...                              observation_end="2024-01-31")
    >>> out.select("customer_id", "frequency", "recency", "T", "monetary_value",
    ...            "total_spend").rows()
    [(1, 2, 9.0, 30.0, 25.0, 65.0), (2, 0, 0.0, 28.0, 0.0, 8.0)]
    """
    unit = _check_unit(time_unit)
    data = _Transactions(customer_id, timestamp, amount)
    end = _instant_seconds("observation_end", observation_end)
    end_period = int(_periods(np.array([end]), unit)[0])
    # the transactions of end's period count, those of later periods do not
    last_second = int(_period_starts(np.array([end_period + 1]), unit)[0]) - 1
    stats = data.per_customer(unit, after=None, until=last_second)
    return data.output(_summary_columns(stats, end_period))


def calibration_holdout_split(customer_id, timestamp, amount=None, *, calibration_end,
                              observation_end, time_unit: str = "D"):
    """Summaries for a calibration period and what the customers then did in a holdout period.

    The calibration columns are those of :func:`summarize_transactions`, computed from the
    transactions at or before ``calibration_end`` with ``T`` measured to ``calibration_end``.
    Holdout columns count the transactions after ``calibration_end`` up to ``observation_end``
    (inclusive):

    - ``frequency_holdout``: number of periods with a purchase in the holdout;
    - ``monetary_value_holdout``: mean amount per such period (0 if none);
    - ``duration_holdout``: length of the holdout in periods (period of ``observation_end`` minus
      period of ``calibration_end``).

    Customers whose first purchase is after ``calibration_end`` are left out. This matches
    lifetimes' ``calibration_and_holdout_data`` (there named ``*_cal``), except that its
    ``monetary_value_holdout`` is a mean per *transaction*, not per period, and that an empty
    holdout gives zeros here, not an error.

    Examples
    --------
    >>> import numpy as np
    >>> days = np.array(["2024-01-01", "2024-01-05", "2024-02-10", "2024-01-03", "2024-02-20"],
    ...                 dtype="datetime64[D]")
    >>> out = calibration_holdout_split([1, 1, 1, 2, 3], days, [10.0, 20.0, 30.0, 8.0, 5.0],
    ...                                 calibration_end="2024-01-31", observation_end="2024-02-29")
    >>> out.select("customer_id", "frequency", "T", "frequency_holdout", "monetary_value_holdout",
    ...            "duration_holdout").rows()
    [(1, 1, 30.0, 1, 30.0, 29.0), (2, 0, 28.0, 0, 0.0, 29.0)]
    """
    unit = _check_unit(time_unit)
    data = _Transactions(customer_id, timestamp, amount)
    cal_end = _instant_seconds("calibration_end", calibration_end)
    obs_end = _instant_seconds("observation_end", observation_end)
    if obs_end <= cal_end:
        raise ValueError("observation_end must be after calibration_end")
    cal_period, obs_period = (int(v) for v in _periods(np.array([cal_end, obs_end]), unit))
    calibration = data.per_customer(unit, after=None, until=cal_end)
    holdout = data.per_customer(unit, after=cal_end, until=obs_end)
    columns = _summary_columns(calibration, cal_period)
    # both are sorted by customer code: place the holdout customers among the calibration ones
    position = np.searchsorted(calibration.codes, holdout.codes)
    found = position < len(calibration.codes)
    found[found] = calibration.codes[position[found]] == holdout.codes[found]
    n_holdout = np.zeros(len(calibration.codes), dtype=np.int64)
    spend_holdout = np.zeros(len(calibration.codes))
    n_holdout[position[found]] = holdout.n_periods[found]
    spend_holdout[position[found]] = holdout.total[found]
    columns["frequency_holdout"] = n_holdout
    columns["monetary_value_holdout"] = np.where(n_holdout > 0, spend_holdout, 0.0) / np.maximum(
        n_holdout, 1)
    columns["duration_holdout"] = np.full(len(n_holdout), float(obs_period - cal_period))
    return data.output(columns)


def _check_unit(time_unit) -> str:
    if time_unit not in TIME_UNITS:
        raise ValueError(f"time_unit: expected one of {', '.join(TIME_UNITS)}, got {time_unit!r}")
    return time_unit


def _periods(seconds: np.ndarray, unit: str) -> np.ndarray:
    """Period number of each time (seconds since the epoch, wall clock)."""
    if unit == "M":
        return seconds.astype("datetime64[s]").astype("datetime64[M]").astype(np.int64)
    if unit == "W":
        return (seconds + _WEEK_SHIFT) // _SECONDS["W"]
    return seconds // _SECONDS[unit]


def _period_starts(periods: np.ndarray, unit: str) -> np.ndarray:
    """First second of each period (the inverse of ``_periods``)."""
    if unit == "M":
        return periods.astype("datetime64[M]").astype("datetime64[s]").astype(np.int64)
    if unit == "W":
        return periods * _SECONDS["W"] - _WEEK_SHIFT
    return periods * _SECONDS[unit]


def _summary_columns(stats: _Stats, end_period: int) -> dict:
    # in place where possible: at 10M customers each column is 80 MB
    first_period = _periods(stats.first_second, stats.unit)
    recency = _periods(stats.last_second, stats.unit)
    recency -= first_period
    np.subtract(end_period, first_period, out=first_period)  # now T
    frequency = stats.n_periods - 1
    repeat_spend = np.subtract(stats.total, stats.first_total, out=stats.first_total)
    repeat_spend[frequency == 0] = 0.0
    repeat_spend /= np.maximum(frequency, 1)
    return {
        "customer_id": stats.codes,  # replaced by the ids in output()
        "frequency": frequency,
        "recency": recency.astype(float),
        "T": first_period.astype(float),
        "monetary_value": repeat_spend,
        "first_purchase": _to_datetime(stats.first_second),
        "last_purchase": _to_datetime(stats.last_second),
        "total_spend": stats.total,
        "n_periods": stats.n_periods,
    }


def _to_datetime(seconds: np.ndarray) -> np.ndarray:
    seconds *= 1_000_000  # in place: the seconds are not needed any more
    return seconds.view("datetime64[us]")


class _Stats:
    """Per-customer results of one pass, sorted by customer code."""

    def __init__(self, unit, codes, n_periods, first_second, last_second, total, first_total):
        self.unit, self.codes, self.n_periods = unit, codes, n_periods
        self.first_second, self.last_second = first_second, last_second
        self.total, self.first_total = total, first_total


class _Transactions:
    """The three input columns as numpy arrays: customer codes, raw times, amounts."""

    def __init__(self, customer_id, timestamp, amount):
        self.pandas = any(_is_pandas(v) for v in (customer_id, timestamp, amount))
        ids = _ids_to_numpy(customer_id)
        self.raw, self.per_second = _times_to_numpy(timestamp)
        n = len(ids)
        if n == 0:
            raise ValueError("empty data: customer_id has no rows")
        if len(self.raw) != n:
            raise ValueError(f"customer_id and timestamp differ in length ({n}, {len(self.raw)})")
        self.amount = None
        if amount is not None:
            self.amount = _amounts_to_numpy(amount)
            if len(self.amount) != n:
                raise ValueError(f"customer_id and amount differ in length ({n}, "
                                 f"{len(self.amount)})")
        self.n = n
        self._code_ids(ids)

    def _code_ids(self, ids: np.ndarray) -> None:
        """Customer codes 0 … m-1 in id order: the id itself minus the smallest for integers in a
        dense enough range (no work), else ranks of the sorted distinct ids.

        Per-customer sums are kept in arrays of m values (24 bytes each): hence "dense enough",
        at most two codes per transaction.
        """
        if ids.dtype.kind in "iu" and len(ids):
            lo, hi = int(ids.min()), int(ids.max())
            if hi - lo < 2 * self.n + 1024:
                self.id_source, self.id_offset, self.id_values = ids, lo, None
                self.id_dtype, self.m = ids.dtype, hi - lo + 1
                return
        series = pl.Series("id", ids)
        if series.null_count():
            i = int(np.flatnonzero(series.is_null().to_numpy())[0])
            raise ValueError(f"customer_id: missing value at position {i}")
        self.id_source = (series.rank("dense").to_numpy().astype(np.int64) - 1)
        self.id_offset = 0
        self.id_values = series.unique().sort()  # a polars Series: strings stay strings
        self.id_dtype, self.m = None, len(self.id_values)

    def _codes(self, start: int, stop: int) -> np.ndarray:
        codes = self.id_source[start:stop].astype(np.int64)
        if self.id_offset:
            codes -= self.id_offset
        return codes

    def _seconds(self, start: int, stop: int) -> np.ndarray:
        raw = self.raw[start:stop]
        return raw // self.per_second if self.per_second != 1 else raw.astype(np.int64)

    def per_customer(self, unit: str, *, after: int | None, until: int) -> _Stats:
        """Stats of the transactions with ``after < second ≤ until``, per customer."""
        # seconds are packed under the customer code in one int64, so that a single sort (of
        # plain integers: fast) orders the transactions by customer, then time
        lo_raw, hi_raw = int(self.raw.min()), int(self.raw.max())
        lo = lo_raw // self.per_second if after is None else max(after + 1,
                                                                  lo_raw // self.per_second)
        hi = min(until, hi_raw // self.per_second)
        time_bits = max(1, int(hi - lo).bit_length()) if hi >= lo else 1
        code_bits = max(1, int(self.m - 1).bit_length())
        if time_bits + code_bits > 63:
            raise ValueError("timestamp: the time span is too long to summarise (more than "
                             "~10^18 customer-seconds)")
        key = np.empty(self.n, dtype=np.int64)
        k = 0
        for start in range(0, self.n, _CHUNK):
            stop = min(self.n, start + _CHUNK)
            seconds = self._seconds(start, stop)
            keep = seconds <= until
            if after is not None:
                keep &= seconds > after
            chunk = self._codes(start, stop)
            chunk <<= time_bits
            chunk |= seconds - lo
            if keep.all():
                key[k:k + len(chunk)] = chunk
                k += len(chunk)
            else:
                kept = chunk[keep]
                key[k:k + len(kept)] = kept
                k += len(kept)
        key = key[:k]
        if k == 0:
            empty = np.zeros(0, dtype=np.int64)
            return _Stats(unit, empty, empty, empty, empty, np.zeros(0), np.zeros(0))
        key.sort()
        mask = (1 << time_bits) - 1
        # a new customer where the code changes, a new period where the period changes
        new_customer = np.empty(k, dtype=bool)
        new_period = np.empty(k, dtype=bool)
        for start in range(0, k, _CHUNK):
            stop = min(k, start + _CHUNK)
            window = key[max(start - 1, 0):stop]
            codes = window >> time_bits
            periods = _periods((window & mask) + lo, unit)
            first = 0 if start else 1
            if start == 0:
                new_customer[0] = new_period[0] = True
            np.not_equal(codes[1:], codes[:-1], out=new_customer[start + first:stop])
            np.not_equal(periods[1:], periods[:-1], out=new_period[start + first:stop])
        new_period |= new_customer
        starts = np.flatnonzero(new_customer)
        del new_customer
        n_periods = np.add.reduceat(new_period, starts, dtype=np.int64)
        del new_period
        first_key = key[starts]
        starts[:-1] = starts[1:] - 1  # now the last row of each customer
        starts[-1] = k - 1
        last_second = key[starts]
        del key, starts
        codes = first_key >> time_bits
        first_key &= mask
        first_key += lo
        last_second &= mask
        last_second += lo
        total, first_total = self._amount_sums(unit, codes, first_key, after, until)
        return _Stats(unit, codes, n_periods, first_key, last_second, total, first_total)

    def _amount_sums(self, unit, codes, first_second, after, until):
        """Total amount per customer, and the amount of their first period."""
        if self.amount is None:
            zeros = np.zeros(len(codes))
            return zeros, zeros.copy()
        # transactions before the end of a customer's first period are in that period
        first_period_end = np.zeros(self.m, dtype=np.int64)
        first_period_end[codes] = _period_starts(_periods(first_second, unit) + 1, unit)
        total = np.zeros(self.m)
        first_total = np.zeros(self.m)
        for start in range(0, self.n, _CHUNK):
            stop = min(self.n, start + _CHUNK)
            seconds = self._seconds(start, stop)
            keep = seconds <= until
            if after is not None:
                keep &= seconds > after
            chunk_codes = self._codes(start, stop)
            amounts = self.amount[start:stop]
            if not keep.all():
                chunk_codes, amounts, seconds = chunk_codes[keep], amounts[keep], seconds[keep]
            # ufunc.at is as fast as bincount nowadays, without allocating m sums per chunk
            np.add.at(total, chunk_codes, amounts)
            in_first = seconds < first_period_end[chunk_codes]
            np.add.at(first_total, chunk_codes[in_first], amounts[in_first])
        del first_period_end
        return total[codes], first_total[codes]

    def output(self, columns: dict):
        codes = columns["customer_id"]
        if self.id_values is None:
            ids = (codes + self.id_offset).astype(self.id_dtype)
        else:
            ids = self.id_values.gather(codes).rename("customer_id")
        columns["customer_id"] = ids
        if self.pandas:
            pd = sys.modules["pandas"]
            index = pd.Index(ids if isinstance(ids, np.ndarray) else ids.to_list(),
                             name="customer_id")
            return pd.DataFrame({k: v for k, v in columns.items() if k != "customer_id"},
                                index=index)
        return pl.DataFrame(columns)


def _is_pandas(values) -> bool:
    return type(values).__module__.partition(".")[0] == "pandas"


def _is_polars(values) -> bool:
    return type(values).__module__.partition(".")[0] == "polars"


def _ids_to_numpy(values) -> np.ndarray:
    if _is_polars(values):
        if values.null_count():
            i = int(np.flatnonzero(values.is_null().to_numpy())[0])
            raise ValueError(f"customer_id: missing value at position {i}")
        return values.to_numpy()
    if _is_pandas(values):
        if values.isna().any():
            i = int(np.flatnonzero(values.isna().to_numpy())[0])
            raise ValueError(f"customer_id: missing value at position {i}")
        values = values.to_numpy()
    ids = np.asarray(values)
    if ids.ndim != 1:
        raise ValueError(f"customer_id: expected a 1-D array, got shape {ids.shape}")
    if ids.dtype.kind == "f":
        if np.isnan(ids).any():
            raise ValueError(f"customer_id: missing value at position "
                             f"{int(np.flatnonzero(np.isnan(ids))[0])}")
        if np.array_equal(ids, np.floor(ids)):
            ids = ids.astype(np.int64)
    elif ids.dtype.kind == "O":
        missing = np.array([v is None for v in ids], dtype=bool)
        if missing.any():
            raise ValueError(f"customer_id: missing value at position "
                             f"{int(np.flatnonzero(missing)[0])}")
    return ids


_PER_SECOND = {"s": 1, "ms": 1_000, "us": 1_000_000, "ns": 1_000_000_000}


def _times_to_numpy(values) -> tuple[np.ndarray, int]:
    """Integer times and how many of them make a second (wall-clock time, no time zone)."""
    if _is_polars(values):
        values = _polars_naive(values)
        if values.null_count():
            i = int(np.flatnonzero(values.is_null().to_numpy())[0])
            raise ValueError(f"timestamp: missing value at position {i}")
        values = values.to_numpy()
    elif _is_pandas(values):
        pd = sys.modules["pandas"]
        if values.dtype.kind not in "iufM":
            try:
                values = pd.to_datetime(values)
            except (TypeError, ValueError) as error:
                raise ValueError(f"timestamp: cannot read as times ({error})") from None
        if getattr(values.dtype, "tz", None) is not None:
            values = values.dt.tz_localize(None)  # wall-clock time in the values' zone
        values = values.to_numpy()
    array = np.asarray(values)
    if array.ndim != 1:
        raise ValueError(f"timestamp: expected a 1-D array, got shape {array.shape}")
    if array.dtype.kind in "OUS":
        array = _parse_objects(array)
    if array.dtype.kind == "M":
        unit, _ = np.datetime_data(array.dtype)
        if unit not in _PER_SECOND:
            array = array.astype("datetime64[s]")
            unit = "s"
        raw = array.view(np.int64)
        if (raw == _NAT).any():
            raise ValueError(f"timestamp: missing value (NaT) at position "
                             f"{int(np.flatnonzero(raw == _NAT)[0])}")
        return raw, _PER_SECOND[unit]
    if array.dtype.kind in "iu":
        return array.astype(np.int64, copy=False), 1
    if array.dtype.kind == "f":
        if not np.isfinite(array).all():
            raise ValueError(f"timestamp: NaN or infinite value at position "
                             f"{int(np.flatnonzero(~np.isfinite(array))[0])}")
        return np.floor(array).astype(np.int64), 1
    raise ValueError(f"timestamp: expected datetimes or epoch seconds, got {array.dtype}")


def _polars_naive(series: pl.Series) -> pl.Series:
    dtype = series.dtype
    if dtype == pl.String:
        try:
            series = series.str.to_datetime(time_unit="us")
        except pl.exceptions.PolarsError as error:
            raise ValueError(f"timestamp: cannot read as times ({error})") from None
        dtype = series.dtype
    if dtype == pl.Date:
        return series.cast(pl.Datetime("ms"))
    if isinstance(dtype, pl.Datetime) and dtype.time_zone is not None:
        return series.dt.replace_time_zone(None)  # wall-clock time in the values' zone
    return series


def _parse_objects(array: np.ndarray) -> np.ndarray:
    """datetime objects (naive or aware) or ISO strings → datetime64[us]."""
    if array.dtype.kind == "O":
        if any(v is None for v in array):
            i = next(i for i, v in enumerate(array) if v is None)
            raise ValueError(f"timestamp: missing value at position {i}")
        # aware datetimes: keep their wall-clock time, like aware pandas/polars values
        array = np.array([v.replace(tzinfo=None) if isinstance(v, dt.datetime) else v
                          for v in array], dtype=object)
    try:
        return array.astype("datetime64[us]")
    except (TypeError, ValueError) as error:
        raise ValueError(f"timestamp: cannot read as times ({error})") from None


def _amounts_to_numpy(values) -> np.ndarray:
    if _is_polars(values) and values.null_count():
        i = int(np.flatnonzero(values.is_null().to_numpy())[0])
        raise ValueError(f"amount: missing value at position {i}")
    if hasattr(values, "to_numpy"):
        values = values.to_numpy()
    try:
        array = np.asarray(values, dtype=float)
    except (TypeError, ValueError):
        raise ValueError("amount: expected numbers") from None
    if array.ndim != 1:
        raise ValueError(f"amount: expected a 1-D array, got shape {array.shape}")
    if not np.isfinite(array).all():
        raise ValueError(f"amount: NaN or infinite value at position "
                         f"{int(np.flatnonzero(~np.isfinite(array))[0])}")
    return array


def _instant_seconds(name: str, value) -> int:
    """Seconds since the epoch (wall clock) of a datetime-like scalar."""
    if isinstance(value, np.ndarray) and value.ndim == 0:
        value = value[()]
    if isinstance(value, bool) or value is None:
        raise ValueError(f"{name}: expected a date or time, got {value!r}")
    if isinstance(value, int | np.integer | float | np.floating):
        if not np.isfinite(value):
            raise ValueError(f"{name}: expected a date or time, got {value!r}")
        return int(np.floor(value))
    if isinstance(value, dt.datetime):
        value = value.replace(tzinfo=None)  # wall-clock time, like the timestamps
    try:
        instant = np.datetime64(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name}: cannot read {value!r} as a date or time") from None
    if np.isnat(instant):
        raise ValueError(f"{name}: missing (NaT)")
    return int(instant.astype("datetime64[s]").astype(np.int64))
