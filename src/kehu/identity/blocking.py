"""Blocking: which pairs of records are worth comparing at all.

A million records make 5·10¹¹ pairs; the blocking rules below keep the few million that share a
key (the same phone, the same pinyin name and birth date …). Every rule has a block-size cap: a
key shared by hundreds of records (a shop's own phone typed for walk-ins, 张伟 alone) says little
and would flood the comparison, so such blocks are skipped and counted instead.

The same keys, stored in ``MatchKey``, find the candidates for one new record through an index.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
import polars as pl

from kehu.identity.compare import INDEX


@dataclass(frozen=True)
class Rule:
    name: str
    columns: tuple[str, ...]
    max_block: int = 200

    @property
    def compared_fields(self) -> set[int]:
        """Comparisons this rule forces to agree (hidden from the EM on its pairs)."""
        return {INDEX[KEY_FIELD[c]] for c in self.columns}


# Key columns derived from the features (see ``key_frame``) and the comparison each one stands for.
KEY_FIELD = {
    "phone": "phone", "phone_tail": "phone", "phone_head": "phone", "mailbox": "email", "id_number": "id_number",
    "pinyin_key": "name", "latin_key": "name", "surname_key": "name", "initials": "name",
    "dob": "birth_date", "city": "city",
}

RULES = (
    Rule("phone", ("phone",), 50),
    Rule("email", ("mailbox",), 50),
    Rule("id_number", ("id_number",), 20),
    Rule("name_dob", ("pinyin_key", "dob")),
    Rule("name_city", ("pinyin_key", "city")),
    Rule("rare_name", ("pinyin_key",), 25),
    Rule("latin_name", ("latin_key",), 25),
    Rule("surname_dob", ("surname_key", "dob")),
    Rule("surname_phone_tail", ("surname_key", "phone_tail")),
    Rule("surname_phone_head", ("surname_key", "phone_head")),
    Rule("initials_dob_city", ("initials", "dob", "city")),
)


def key_frame(features: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """One row per record and key value: multi-valued keys (two phones) give two rows."""
    base = features.select(
        pl.int_range(pl.len(), dtype=pl.Int64).alias("rid"),
        "id_number", "pinyin_key", "latin_key", "surname_key", "initials", "city",
        pl.col("dob").cast(pl.Utf8).alias("dob"),
        "phone1", "phone2", "mailbox1", "mailbox2",
    )
    phones = pl.concat([
        base.select("rid", pl.col("phone1").alias("phone")),
        base.select("rid", pl.col("phone2").alias("phone")),
    ]).drop_nulls().unique()
    mails = pl.concat([
        base.select("rid", pl.col("mailbox1").alias("mailbox")),
        base.select("rid", pl.col("mailbox2").alias("mailbox")),
    ]).drop_nulls().unique()
    # a mistyped digit leaves either the first seven digits or the last four intact
    return base, phones.with_columns(pl.col("phone").str.slice(-4).alias("phone_tail"),
                                     pl.col("phone").str.slice(0, 10).alias("phone_head")), mails


def rule_keys(rule: Rule, base, phones, mails) -> pl.DataFrame:
    cols = list(rule.columns)
    frame = base
    if {"phone", "phone_tail", "phone_head"} & set(cols):
        frame = frame.select([c for c in base.columns if c not in ("phone1", "phone2")]).join(
            phones, on="rid")
    if "mailbox" in cols:
        frame = frame.join(mails, on="rid")
    keyed = frame.select("rid", pl.concat_str(cols, separator="\x1f").alias("key")).drop_nulls()
    return keyed.unique()


def record_keys(row: dict) -> list[tuple[Rule, str]]:
    """The blocking keys of one record (a features row as a dict), as ``rule_keys`` would give
    them: the on-entry lookup uses this pure-Python form, which costs microseconds."""
    phones = sorted({p for p in (row.get("phone1"), row.get("phone2")) if p})
    mails = sorted({m for m in (row.get("mailbox1"), row.get("mailbox2")) if m})
    dob = row.get("dob")
    values = {**row, "dob": dob.isoformat() if dob is not None else None}
    out = []
    for rule in RULES:
        choices = []
        for column in rule.columns:
            if column == "phone":
                choices.append(phones)
            elif column == "phone_tail":
                choices.append(sorted({p[-4:] for p in phones}))
            elif column == "phone_head":
                choices.append(sorted({p[:10] for p in phones}))
            elif column == "mailbox":
                choices.append(mails)
            else:
                value = values.get(column)
                choices.append([value] if value is not None else [])
        for combo in itertools.product(*choices):
            out.append((rule, "\x1f".join(combo)))
    return out


def candidate_pairs(features: pl.DataFrame, rules=RULES) -> tuple[pl.DataFrame, dict]:
    """Pairs (``l`` < ``r`` row numbers) sharing a key of some rule, with ``rules``, the bit set
    of the rules that found it; plus statistics per rule (pairs found, blocks skipped for size)."""
    base, phones, mails = key_frame(features)
    found = []
    stats = {}
    for number, rule in enumerate(rules):
        keyed = rule_keys(rule, base, phones, mails)
        sizes = keyed.group_by("key").len()
        big = sizes.filter(pl.col("len") > rule.max_block)
        keyed = keyed.join(sizes.filter((pl.col("len") > 1) & (pl.col("len") <= rule.max_block)),
                           on="key", how="semi")
        pairs = (keyed.join(keyed, on="key", suffix="_r")
                 .filter(pl.col("rid") < pl.col("rid_r"))
                 .select(pl.col("rid").alias("l"), pl.col("rid_r").alias("r"))
                 .unique()
                 .with_columns(pl.lit(1 << number, dtype=pl.Int32).alias("rule")))
        stats[rule.name] = {"pairs": pairs.height, "skipped_blocks": big.height,
                            "skipped_records": int(big["len"].sum() or 0)}
        found.append(pairs)
    if not found:
        return pl.DataFrame(schema={"l": pl.Int64, "r": pl.Int64, "rules": pl.Int32}), stats
    pairs = (pl.concat(found)
             .group_by("l", "r").agg(pl.col("rule").sum().alias("rules"))
             .sort("l", "r"))
    return pairs, stats


def pairs_of_rule(rules_bits: np.ndarray, name: str, rules=RULES) -> np.ndarray:
    """Boolean mask of the pairs a rule found (from the ``rules`` bit set)."""
    number = [r.name for r in rules].index(name)
    return (np.asarray(rules_bits) >> number) & 1 == 1
