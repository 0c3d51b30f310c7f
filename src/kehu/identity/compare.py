"""Comparing two records field by field: each comparison gives an agreement *level*.

Levels are small ints, 0 = disagree, higher = closer agreement, ``NULL`` = one side has no value
(the field then says nothing, neither for nor against). Everything is vectorised over arrays of
record pairs; one new record against 50 candidates goes through the same code as a million pairs.

The Chinese-name comparison is written here because no record-linkage library has one: Splink's
comparisons (and every fuzzy matcher we know) work on characters, but 张丽 and 章莉 (a call-centre
agent typing what they heard) or 张伟 and "Wei Zhang" (a web form) share no character. Comparing
the folded hanzi, then the toneless pinyin syllables as a sorted set, then a string similarity of
the pinyin finds them; rapidfuzz supplies the string metrics.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl
from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA, JaroWinkler

NULL = -1


@dataclass(frozen=True)
class Comparison:
    name: str
    levels: tuple[str, ...]  # from 0 (disagree) upwards; labels are msgids shown as evidence
    strong: bool = False  # a conflict on this field blocks merging clusters

    @property
    def n_levels(self) -> int:
        return len(self.levels)


COMPARISONS = (
    Comparison("name", ("different", "same surname, other given name", "same surname, given name unknown",
                        "similar", "same pinyin", "exact")),
    Comparison("phone", ("different", "one digit off", "exact")),
    Comparison("email", ("different", "similar", "exact")),
    Comparison("birth_date", ("different", "close", "day/month swapped", "exact")),
    Comparison("city", ("different", "exact")),
    Comparison("address", ("different", "partly", "mostly")),
    Comparison("postcode", ("different", "exact")),
    Comparison("id_number", ("different", "exact"), strong=True),
)
INDEX = {c.name: i for i, c in enumerate(COMPARISONS)}


def _pick(frame: pl.DataFrame, column: str, idx: np.ndarray) -> pl.Series:
    return frame[column].gather(idx)


def _eq(a: pl.Series, b: pl.Series) -> np.ndarray:
    """Elementwise equality where a missing value never equals anything."""
    return (a == b).fill_null(False).to_numpy()


def _present(a: pl.Series) -> np.ndarray:
    return a.is_not_null().to_numpy()


def _sim(a: pl.Series, b: pl.Series, scorer) -> np.ndarray:
    if len(a) == 0:
        return np.zeros(0)
    return process.cpdist(a.to_list(), b.to_list(), scorer=scorer, workers=-1)


def _coalesce(a: pl.Series, b: pl.Series) -> pl.Series:
    return pl.DataFrame({"a": a, "b": b}).select(pl.coalesce("a", "b")).to_series()


def _name(frame, li, ri):
    hl, hr = _pick(frame, "hanzi", li), _pick(frame, "hanzi", ri)
    pl_, pr = _pick(frame, "pinyin_key", li), _pick(frame, "pinyin_key", ri)
    ll, lr = _pick(frame, "latin_key", li), _pick(frame, "latin_key", ri)
    sl, sr = _pick(frame, "surname_key", li), _pick(frame, "surname_key", ri)
    present_l = _present(hl) | _present(pl_) | _present(ll) | _present(sl)
    present_r = _present(hr) | _present(pr) | _present(lr) | _present(sr)
    exact = _eq(hl, hr) | (~_present(hl) & ~_present(hr) & _eq(ll, lr))
    same_pinyin = _eq(pl_, pr)
    # Typos: Jaro-Winkler on the pinyin (or Latin) key; one hanzi dropped or replaced.
    candidates = np.flatnonzero(present_l & present_r & ~exact & ~same_pinyin)
    similar = np.zeros(len(li), dtype=bool)
    if len(candidates):
        kl = _coalesce(pl_, ll).gather(candidates)
        kr = _coalesce(pr, lr).gather(candidates)
        similar[candidates] = _sim(kl, kr, JaroWinkler.normalized_similarity) >= 0.9
        ha, hb = hl.gather(candidates), hr.gather(candidates)
        both = np.flatnonzero(_present(ha) & _present(hb))
        if len(both):
            ha, hb = ha.gather(both), hb.gather(both)
            one_char = _sim(ha, hb, OSA.distance) <= 1
            same_surname = _eq(ha.str.slice(0, 1), hb.str.slice(0, 1))
            similar[candidates[both]] |= one_char & same_surname
    same_surname = _eq(sl, sr)
    # "王先生" (a surname and a courtesy title) has no given name to compare.
    partial = (~(_present(hl) | _present(pl_) | _present(ll))) | (~(_present(hr) | _present(pr) | _present(lr)))
    level = np.select([exact, same_pinyin, similar, same_surname & partial, same_surname],
                      [5, 4, 3, 2, 1], default=0)
    return np.where(present_l & present_r, level, NULL)


def _pairs_best(frame, columns, li, ri, exact_level, near):
    """Best level over every combination of the two records' values (two phones, two emails)."""
    any_l = np.zeros(len(li), dtype=bool)
    any_r = np.zeros(len(li), dtype=bool)
    for col in columns:
        any_l |= _present(_pick(frame, col, li))
        any_r |= _present(_pick(frame, col, ri))
    best = np.where(any_l & any_r, 0, NULL).astype(np.int8)
    for cl in columns:
        a = _pick(frame, cl, li)
        for cr in columns:
            b = _pick(frame, cr, ri)
            ok = _present(a) & _present(b)
            best = np.where(ok & _eq(a, b), np.maximum(best, exact_level), best).astype(np.int8)
            idx = np.flatnonzero(ok & (best < 1))
            if len(idx):
                best[idx] = np.maximum(best[idx], near(a.gather(idx), b.gather(idx)))
    return best


def _phone_near(a: pl.Series, b: pl.Series) -> np.ndarray:
    same_len = (a.str.len_chars() == b.str.len_chars()).to_numpy()
    return (same_len & (_sim(a, b, OSA.distance) <= 1)).astype(np.int8)


def _email_near(a: pl.Series, b: pl.Series) -> np.ndarray:
    local_a = a.str.split("@").list.first()
    local_b = b.str.split("@").list.first()
    long_enough = (local_a.str.len_chars() >= 4).to_numpy()
    return (long_enough & (_sim(local_a, local_b, OSA.distance) <= 1)).astype(np.int8)


def _birth_date(frame, li, ri):
    da, db = _pick(frame, "dob", li), _pick(frame, "dob", ri)
    ok = _present(da) & _present(db)
    exact = _eq(da, db)
    swapped = ok & _eq(da.dt.year(), db.dt.year()) & _eq(da.dt.month(), db.dt.day()) \
        & _eq(da.dt.day(), db.dt.month()) & ~exact
    close = np.zeros(len(li), dtype=bool)
    idx = np.flatnonzero(ok & ~exact & ~swapped)
    if len(idx):
        sa = da.gather(idx).dt.strftime("%Y%m%d")
        sb = db.gather(idx).dt.strftime("%Y%m%d")
        close[idx] = _sim(sa, sb, OSA.distance) <= 1
    level = np.where(exact, 3, np.where(swapped, 2, np.where(close, 1, 0)))
    return np.where(ok, level, NULL)


def _exact(frame, column, li, ri):
    a, b = _pick(frame, column, li), _pick(frame, column, ri)
    ok = _present(a) & _present(b)
    return np.where(ok, np.where(_eq(a, b), 1, 0), NULL)


def _address(frame, li, ri):
    a, b = _pick(frame, "addr", li), _pick(frame, "addr", ri)
    ok = _present(a) & _present(b)
    level = np.full(len(li), NULL, dtype=np.int8)
    idx = np.flatnonzero(ok)
    if len(idx):
        score = _sim(a.gather(idx), b.gather(idx), fuzz.token_set_ratio)
        na = _pick(frame, "addr_num", li).gather(idx)
        nb = _pick(frame, "addr_num", ri).gather(idx)
        same_numbers = _eq(na, nb)
        level[idx] = np.where((score >= 90) & same_numbers, 2,
                              np.where((score >= 70) | same_numbers, 1, 0))
    return level


def compare(frame: pl.DataFrame, li: np.ndarray, ri: np.ndarray) -> np.ndarray:
    """Levels for each pair (rows ``li[k]``, ``ri[k]`` of ``frame``): int8 array, pairs × comparisons."""
    li = np.asarray(li, dtype=np.int64)
    ri = np.asarray(ri, dtype=np.int64)
    out = np.empty((len(li), len(COMPARISONS)), dtype=np.int8)
    out[:, INDEX["name"]] = _name(frame, li, ri)
    out[:, INDEX["phone"]] = _pairs_best(frame, ("phone1", "phone2"), li, ri, 2, _phone_near)
    out[:, INDEX["email"]] = _pairs_best(frame, ("mailbox1", "mailbox2"), li, ri, 2, _email_near)
    out[:, INDEX["birth_date"]] = _birth_date(frame, li, ri)
    out[:, INDEX["city"]] = _exact(frame, "city", li, ri)
    out[:, INDEX["address"]] = _address(frame, li, ri)
    out[:, INDEX["postcode"]] = _exact(frame, "postcode", li, ri)
    out[:, INDEX["id_number"]] = _exact(frame, "id_number", li, ri)
    return out
