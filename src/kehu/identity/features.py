"""Turning raw customer records into the comparison features the matcher reads.

One frame layout serves every caller: a spreadsheet (``kehu identity dedupe``), the stored
profiles of the whole customer file (batch scan) and one record typed into a form (on entry).
Expensive normalisers (pinyin, phone parsing, address parsing) run once per *distinct* value,
which is what keeps a million rows at a few seconds: names, cities and streets repeat a lot.
"""

from __future__ import annotations

import functools

import polars as pl

from kehu.identity import names, normalize

RAW_FIELDS = ("id", "name", "given_name", "surname", "phone", "email", "birth_date", "city",
              "address", "postcode", "id_number")

# The matcher's view of a record. Two phones and two emails per record cover nearly every
# customer; a third adds blocking cost for no measurable gain.
FEATURES = {
    "hanzi": pl.Utf8, "pinyin_key": pl.Utf8, "latin_key": pl.Utf8, "surname_key": pl.Utf8,
    "initials": pl.Utf8,
    "phone1": pl.Utf8, "phone2": pl.Utf8, "mailbox1": pl.Utf8, "mailbox2": pl.Utf8,
    "dob": pl.Date, "city": pl.Utf8, "addr": pl.Utf8, "addr_num": pl.Utf8, "postcode": pl.Utf8,
    "id_number": pl.Utf8, "strong_phone": pl.Utf8,
}


def _none_if_empty(value):
    return value if value else None


def _map_unique(series: pl.Series, fn, dtype) -> pl.Series:
    """Apply ``fn`` once per distinct value and broadcast back (names repeat a lot)."""
    if len(series) <= 16:  # one record typed in: a join would cost more than the calls
        return pl.Series([fn(v) for v in series.to_list()], dtype=dtype)
    uniq = series.unique()
    mapping = pl.DataFrame({"k": uniq, "v": pl.Series([fn(v) for v in uniq.to_list()], dtype=dtype)})
    return (series.to_frame("k").join(mapping, on="k", how="left", nulls_equal=True,
                                      maintain_order="left")["v"])


HONORIFICS = ("先生", "女士", "小姐", "太太", "夫人", "老师", "师傅", "同学")


@functools.cache
def _surname_weights() -> dict[str, float]:
    """How common each surname is, by its pinyin: picks the surname in "wei zhang"."""
    from faker.providers.person.zh_CN import Provider

    weights: dict[str, float] = {}
    for surname, weight in Provider.last_names.items():
        key = "".join(names.syllables(surname, surname=True))
        weights[key] = weights.get(key, 0.0) + float(weight)
    return weights


def _latin_surname(f: names.NameFeatures) -> str | None:
    syllables = f.pinyin.split()
    if syllables:
        ends = {syllables[0], syllables[-1]}
        weights = _surname_weights()
        best = max(ends, key=lambda s: (weights.get(s, 0.0), s == syllables[0]))
        if weights.get(best):
            return best
    if f.surname:
        return f.surname.replace(" ", "")
    return f.latin_tokens[-1] if f.latin_tokens else None


def name_row(name: str, surname: str, given: str) -> dict:
    """The name columns of one record. "王先生" (surname and a courtesy title, as call-centre
    agents often record a caller) keeps only the surname: it neither matches nor contradicts
    a given name."""
    folded = names.fold_hanzi(name) if name and not (surname or given) else ""
    for title in HONORIFICS:
        if folded.endswith(title) and 1 <= len(folded) - len(title) <= 2:
            head = folded[: -len(title)]
            return {"hanzi": None, "pinyin_key": None, "latin_key": None,
                    "surname_key": "".join(names.syllables(head, surname=True)) or None,
                    "initials": None}
    f = names.name_features(name, surname=surname, given=given)
    if f.script == "hanzi" or (f.hanzi and f.surname):
        surname_key = "".join(names.syllables(f.surname, surname=True)) or None
    else:
        surname_key = _latin_surname(f)
    return {
        "hanzi": _none_if_empty(f.hanzi), "pinyin_key": _none_if_empty(f.pinyin_key),
        "latin_key": _none_if_empty(f.latin_key), "surname_key": surname_key,
        "initials": _none_if_empty(f.initials),
    }


def _name_columns(frame: pl.DataFrame) -> pl.DataFrame:
    parts = frame.select(
        pl.col("name").fill_null(""), pl.col("surname").fill_null(""),
        pl.col("given_name").fill_null(""),
    )
    combined = parts.select(pl.concat_str(["name", "surname", "given_name"], separator="\x1f")).to_series()
    dtype = pl.Struct({k: pl.Utf8 for k in ("hanzi", "pinyin_key", "latin_key", "surname_key",
                                            "initials")})
    return _map_unique(combined, _name_row_joined, dtype).struct.unnest()


# An import prepares the same values twice (matching the file's rows, then profiling the
# customers it created): a bounded cache per process makes the second pass lookups.
CACHE = 1 << 16


@functools.lru_cache(maxsize=CACHE)
def _name_row_joined(joined: str) -> dict:
    return name_row(*joined.split("\x1f"))


@functools.lru_cache(maxsize=CACHE)
def _phone(value):
    return normalize.normalize_phone(value) if value else None


def _split_multi(col: pl.Series) -> pl.DataFrame:
    """"a; b" → two columns: a spreadsheet cell may hold two phones or emails."""
    parts = col.fill_null("").str.split_exact(";", 1).struct.unnest()
    return parts.select(pl.all().str.strip_chars().replace("", None))


def _phone_columns(frame: pl.DataFrame) -> pl.DataFrame:
    multi = _split_multi(frame["phone"])
    out = {}
    for i, name in enumerate(multi.columns[:2], start=1):
        out[f"phone{i}"] = _map_unique(multi[name], _phone, pl.Utf8)
    return pl.DataFrame(out)


def _email_columns(frame: pl.DataFrame) -> pl.DataFrame:
    multi = _split_multi(frame["email"])

    def key(value):
        email = normalize.normalize_email(value) if value else None
        return normalize.mailbox_key(email) if email else None

    return pl.DataFrame({f"mailbox{i}": _map_unique(multi[c], key, pl.Utf8)
                         for i, c in enumerate(multi.columns[:2], start=1)})


@functools.lru_cache(maxsize=CACHE)
def _address_tokens(value):
    if not value:
        return {"addr": None, "addr_num": None}
    t = normalize.address_tokens(value)
    words = sorted(t.tokens - set(t.numbers))
    return {"addr": _none_if_empty(" ".join(words)), "addr_num": _none_if_empty(" ".join(t.numbers))}


def _address_columns(frame: pl.DataFrame) -> pl.DataFrame:
    dtype = pl.Struct({"addr": pl.Utf8, "addr_num": pl.Utf8})
    return _map_unique(frame["address"], _address_tokens, dtype).struct.unnest()


def prepare(raw: pl.DataFrame) -> pl.DataFrame:
    """Raw records (columns from ``RAW_FIELDS``; missing ones are treated as empty) → features.

    The result keeps ``id`` and adds ``FEATURES``; row order is preserved.
    """
    raw = raw.with_columns(pl.lit(None, dtype=pl.Utf8).alias(c)
                           for c in RAW_FIELDS if c not in raw.columns)
    raw = raw.with_columns(pl.col(c).cast(pl.Utf8) for c in RAW_FIELDS)
    dob = _map_unique(raw["birth_date"], lambda v: normalize.parse_date(v) if v else None, pl.Date)
    id_number = _map_unique(raw["id_number"], _id_key, pl.Utf8)
    # A resident ID carries the birth date (GB 11643): use it where none was given.
    born = _map_unique(id_number, _id_birth_date, pl.Date)
    dob = pl.DataFrame({"a": dob, "b": born}).select(pl.coalesce("a", "b")).to_series()
    city = _map_unique(raw["city"], city_key, pl.Utf8)
    postcode = _map_unique(raw["postcode"], lambda v: normalize.normalize_postcode(v) if v else None,
                           pl.Utf8)
    return pl.concat([
        raw.select(pl.col("id")),
        _name_columns(raw), _phone_columns(raw), _email_columns(raw),
        pl.DataFrame({"dob": dob, "city": city}),
        _address_columns(raw),
        pl.DataFrame({"postcode": postcode, "id_number": id_number,
                      "strong_phone": pl.Series([None] * raw.height, dtype=pl.Utf8)}),
    ], how="horizontal")


def city_key(value):
    """City as toneless pinyin, so 石家庄市, 石家莊 and "Shijiazhuang" are one city."""
    stem = normalize.normalize_city(value) if value else ""
    if not stem:
        return None
    if names.has_hanzi(stem):
        return "".join(names.syllables(stem)) or None
    return stem.replace(" ", "").replace("-", "") or None


def _id_birth_date(key):
    if not key or not key.startswith("cn_id:"):
        return None
    return normalize.cn_resident_id_birth_date(key.split(":", 1)[1])


def _id_key(value):
    if not value:
        return None
    parsed = normalize.normalize_id_number(value)
    return f"{parsed[0]}:{parsed[1]}" if parsed else None


def empty_features() -> pl.DataFrame:
    return pl.DataFrame(schema={"id": pl.Utf8, **FEATURES})
