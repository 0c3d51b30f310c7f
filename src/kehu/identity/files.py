"""Deduplicating a spreadsheet before import: no database, the same matcher as the customer file."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import polars as pl

from kehu.identity import features, pipeline

FIELDS = features.RAW_FIELDS


class FileError(ValueError):
    """A problem with the input file or the column mapping, said in the user's terms."""


@dataclass
class DedupeResult:
    clusters: pl.DataFrame  # id, cluster_id (one row per input row)
    pairs: pl.DataFrame  # id_l, id_r, match_probability (pairs at or above the threshold)
    records: int
    duplicate_groups: int


def read_table(path: Path) -> pl.DataFrame:
    """Every column as text, read by the import readers (CSV in any encoding they detect, or
    XLSX), so a file that imports also dedupes and both say the same about a bad one."""
    from kehu.imports import readers

    try:
        table = readers.open_table(path)
        rows = []
        for number, cells in table.rows():
            if any(c is not None for c in cells[table.width:]):
                raise FileError(f"{path.name}: row {number} has {len(cells)} cells, the header has {table.width}")
            rows.append((cells + [None] * table.width)[:table.width])
    except readers.ReadError as exc:
        short = {"empty": f"{path.name} is empty", "header_only": f"{path.name} has a header but no rows"}
        raise FileError(short.get(exc.code, f"{path.name}: {exc.message}")) from None
    return pl.DataFrame(rows, schema={h: pl.Utf8 for h in table.headers}, orient="row")


def map_columns(table: pl.DataFrame, mapping: list[str]) -> pl.DataFrame:
    """Raw matcher records from ``table``: same-named columns as is, ``FIELD=COLUMN`` maps others.

    A field mapped several times (``address=province``, ``address=street``) or with ``+``
    (``address=province+street``) joins those columns with a space.
    """
    chosen: dict[str, list[str]] = {}
    for item in mapping:
        if "=" not in item:
            raise FileError(f"--column {item!r}: write FIELD=COLUMN, e.g. phone=手机")
        field, columns = (p.strip() for p in item.split("=", 1))
        if field not in FIELDS:
            raise FileError(f"--column {item!r}: unknown field {field!r}; fields are {', '.join(FIELDS)}")
        for column in columns.split("+"):
            if column not in table.columns:
                raise FileError(f"--column {item!r}: the file has no column {column!r}; "
                                f"its columns are {', '.join(table.columns)}")
            chosen.setdefault(field, []).append(column)
    for field in FIELDS:
        if field not in chosen and field in table.columns:
            chosen[field] = [field]
    usable = set(chosen) - {"id"}
    if not usable:
        raise FileError("no column to match on: name the columns like "
                        f"{', '.join(FIELDS[1:])} or map them with --column FIELD=COLUMN")
    exprs = [pl.concat_str([pl.col(c) for c in cols], separator=" ", ignore_nulls=True).alias(f)
             for f, cols in chosen.items()]
    out = table.select(exprs)
    if "id" not in chosen:
        out = out.with_columns(pl.int_range(1, pl.len() + 1).cast(pl.Utf8).alias("id"))
    dupes = out.filter(pl.col("id").is_duplicated())["id"].unique().head(5).to_list()
    if dupes:
        raise FileError(f"the id column repeats values (e.g. {', '.join(map(str, dupes))}); ids must be unique")
    return out


def dedupe(raw: pl.DataFrame, *, threshold: float = pipeline.LINK_THRESHOLD) -> DedupeResult:
    feats = features.prepare(raw)
    result = pipeline.link(feats, threshold=threshold)
    ids = feats["id"]
    cluster_ids = ids.gather(result.labels)
    clusters = pl.DataFrame({"id": ids, "cluster_id": cluster_ids})
    above = result.pairs.filter(pl.col("probability") >= threshold).sort("probability", descending=True)
    pairs = pl.DataFrame({"id_l": ids.gather(above["l"]), "id_r": ids.gather(above["r"]),
                          "match_probability": above["probability"].round(6)})
    groups = clusters.group_by("cluster_id").len().filter(pl.col("len") > 1).height
    return DedupeResult(clusters, pairs, raw.height, groups)
