"""bench/identity_data.py: the synthetic identity-resolution data set (no database)."""

import datetime as dt
import importlib.util
import re
from pathlib import Path

import numpy as np
import phonenumbers
import polars as pl
import pytest
from pypinyin import lazy_pinyin

BENCH = Path(__file__).resolve().parents[2] / "bench" / "identity_data.py"
COLUMNS = ["id", "entity_id", "channel", "name", "given_name", "surname", "phone", "email",
           "birth_date", "city", "address", "postcode", "id_number"]
HANZI_NAME = re.compile(r"^[\u4e00-\u9fff]{2,4}$")
LATIN_NAME = re.compile(r"^[A-Za-zü' -]+$")


@pytest.fixture(scope="module")
def identity_data():
    spec = importlib.util.spec_from_file_location("identity_data", BENCH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def df(identity_data):
    return identity_data.generate(2000, seed=1)


def test_shape_and_columns(df):
    assert df.height == 2000
    assert df.columns == COLUMNS
    assert df.schema["entity_id"] == pl.Int64
    assert all(df.schema[c] == pl.Utf8 for c in COLUMNS if c != "entity_id")
    assert df["id"].n_unique() == 2000
    assert df["id"].str.contains(r"^r\d{7}$").all()
    assert df["name"].null_count() == 0
    assert set(df["channel"].unique()) == {"store", "phone", "web"}


def test_entity_sizes(df):
    sizes = df.group_by("entity_id").len()["len"]
    assert sizes.min() >= 1 and sizes.max() <= 5
    share = (sizes == 1).mean()
    assert 0.4 < share < 0.7  # P(1) = 0.55
    assert df["entity_id"].n_unique() < 2000


def _check_digit(body: str) -> str:
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    return "10X98765432"[sum(int(c) * w for c, w in zip(body, weights, strict=True)) % 11]


def test_resident_ids_valid_and_match_birth_date(df):
    ids = df.filter(pl.col("id_number").is_not_null())
    assert ids.height > 20
    for number in ids["id_number"].str.to_uppercase():
        assert re.fullmatch(r"\d{17}[\dX]", number)
        assert number[17] == _check_digit(number[:17])
        born = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
        assert 17 <= (dt.date(2026, 1, 1) - born).days / 365.25 <= 81
    # One person, one ID number.
    per_entity = ids.group_by("entity_id").agg(pl.col("id_number").str.to_uppercase().n_unique())
    assert (per_entity["id_number"] == 1).all()
    # The birth-date part is the birth date (the record's date is corrupted now and then).
    iso = ids.filter(pl.col("birth_date").str.contains(r"^\d{4}-\d{2}-\d{2}$"))
    same = (iso["id_number"].str.slice(6, 8) == iso["birth_date"].str.replace_all("-", "")).mean()
    assert iso.height > 10 and same >= 0.9


def test_web_pinyin_names_spell_the_hanzi_name(df):
    def norm(s):
        return re.sub(r"[^a-z]", "", s.lower().replace("ü", "v"))

    hanzi = {}
    for entity, name in df.filter(pl.col("channel") != "web").select("entity_id", "name").iter_rows():
        if HANZI_NAME.match(name) and not name.endswith(("先生", "女士")):
            hanzi.setdefault(entity, set()).add("".join(lazy_pinyin(name)))
    matched = 0
    web = df.filter(pl.col("channel") == "web")
    for entity, name in web.select("entity_id", "name").iter_rows():
        if entity in hanzi and LATIN_NAME.match(name):
            spelled = norm(name)
            # Surname first ("zhang wei") or given name first ("Wei Zhang"): a rotation.
            if any(spelled in {py, *(py[k:] + py[:k] for k in range(1, len(py)))}
                   for py in (p.replace("ü", "v") for p in hanzi[entity])):
                matched += 1
    assert matched >= 10
    # And plenty of web records are Latin-lettered at all.
    assert web["name"].str.contains(r"^[A-Za-z]").mean() > 0.3


def test_same_full_name_across_entities(identity_data):
    df = identity_data.generate(20000, seed=3)
    hanzi = df.filter((pl.col("channel") == "store") & pl.col("name").str.contains(r"^[\u4e00-\u9fff]{2,3}$"))
    shared = hanzi.group_by("name").agg(pl.col("entity_id").n_unique()).filter(pl.col("entity_id") >= 3)
    assert shared.height >= 5


def test_phones_are_real_numbers(df):
    plain = df.filter((pl.col("channel") == "store") & pl.col("phone").str.contains(r"^1\d{10}$"))
    valid = [phonenumbers.is_valid_number(phonenumbers.parse(p, "CN")) for p in plain["phone"]]
    assert len(valid) > 100 and np.mean(valid) > 0.95


def test_deterministic(identity_data, df):
    assert identity_data.generate(2000, seed=1).equals(df)
    assert not identity_data.generate(2000, seed=2).equals(df)


def test_small_sizes(identity_data):
    for n in (1, 2, 7):
        out = identity_data.generate(n, seed=0)
        assert out.height == n and out["id"].n_unique() == n
