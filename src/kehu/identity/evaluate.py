"""Scores for identity resolution against known truth (pure numpy / polars; no Django).

A *clustering* is one label per record: records with the same label were resolved to the same
customer; a singleton's label can be its own id. Labels may be ints or strings (any values polars
can hold in one column; nulls are refused). The truth is the same kind of array of entity labels.

Pair counts come from group sizes, never from enumerating pairs: a group of n records holds
n·(n−1)/2 pairs, so

* true pairs      = Σ over true entities of n(n−1)/2,
* predicted pairs = Σ over predicted clusters of n(n−1)/2,
* correct pairs   = Σ over (cluster, entity) joint groups of n(n−1)/2.

Empty denominators: a ratio whose denominator is 0 is **1.0** (nothing was claimed, so nothing was
claimed wrongly; nothing was to be found, so nothing was missed). So all-singleton predictions
score precision 1.0, recall 0.0, F1 0.0 when the truth has pairs — F1 is the number to read.
"""

import numpy as np
import polars as pl

__all__ = ["pairwise_scores", "pair_list_scores", "cluster_scores", "hanzi_pinyin_recall"]


def _factorise(items, name):
    if any(x is None for x in items):
        raise ValueError(f"{name} labels contain nulls")
    codes = {}
    return pl.Series(name, [codes.setdefault(x, len(codes)) for x in items], dtype=pl.Int64)


def _series(values, name):
    """Labels as a polars Series; mixed or nested Python values are factorised by equality."""
    if isinstance(values, pl.Series):
        s = values.alias(name)
    elif isinstance(values, np.ndarray) and values.dtype != object:
        if values.ndim != 1:
            raise ValueError(f"{name} labels must be one-dimensional")
        s = pl.Series(name, values)
    else:
        items = values.tolist() if isinstance(values, np.ndarray) else list(values)
        try:
            s = pl.Series(name, items, strict=True)
        except (TypeError, ValueError, OverflowError, pl.exceptions.PolarsError):
            s = _factorise(items, name)
        else:
            if s.dtype.is_nested() or s.dtype == pl.Object:
                s = _factorise(items, name)
    if s.null_count():
        raise ValueError(f"{name} labels contain nulls")
    return s


def _frame(pred_cluster, true_entity):
    p, t = _series(pred_cluster, "pred"), _series(true_entity, "true")
    if len(p) != len(t):
        raise ValueError(f"pred_cluster has {len(p)} labels, true_entity {len(t)}")
    return pl.DataFrame([p, t])


def _pairs(sizes) -> int:
    n = np.asarray(sizes, dtype=np.int64)
    return int((n * (n - 1) // 2).sum())


def _ratio(num, den) -> float:
    return 1.0 if den == 0 else num / den


def _f1(precision, recall) -> float:
    return 0.0 if precision + recall == 0 else 2 * precision * recall / (precision + recall)


def _scores(correct, predicted, true) -> dict:
    precision, recall = _ratio(correct, predicted), _ratio(correct, true)
    return {"precision": precision, "recall": recall, "f1": _f1(precision, recall),
            "true_pairs": true, "predicted_pairs": predicted, "correct_pairs": correct}


def pairwise_scores(pred_cluster, true_entity) -> dict:
    """Pairwise precision, recall and F1 of a clustering against the truth.

    precision = correct pairs / predicted pairs, recall = correct pairs / true pairs, where a pair
    is two records in the same predicted cluster (predicted), the same entity (true), or both
    (correct). Returns precision, recall, f1, true_pairs, predicted_pairs, correct_pairs.
    """
    df = _frame(pred_cluster, true_entity)
    predicted = _pairs(df.group_by("pred").len()["len"].to_numpy())
    true = _pairs(df.group_by("true").len()["len"].to_numpy())
    correct = _pairs(df.group_by("pred", "true").len()["len"].to_numpy())
    return _scores(correct, predicted, true)


def pair_list_scores(pairs_l, pairs_r, ids, true_entity) -> dict:
    """Precision, recall and F1 of an explicit list of predicted matching pairs.

    ``pairs_l[i]``–``pairs_r[i]`` is a predicted pair of record ids; ``ids`` and ``true_entity``
    are aligned (record ``ids[j]`` belongs to entity ``true_entity[j]``; ids unique). Pairs are
    unordered and de-duplicated (a–b and b–a count once); a record paired with itself is ignored.
    No transitive closure is taken: this scores the pairs as listed. True pairs are counted from
    the entity group sizes. Unknown ids raise ValueError.
    """
    ids = np.asarray(ids)
    left, right = np.asarray(pairs_l), np.asarray(pairs_r)
    if len(left) != len(right):
        raise ValueError("pairs_l and pairs_r differ in length")
    truth = _series(true_entity, "true")
    if len(truth) != len(ids):
        raise ValueError("ids and true_entity differ in length")
    order = np.argsort(ids, kind="stable")
    sorted_ids = ids[order]
    if len(ids) > 1 and np.any(sorted_ids[1:] == sorted_ids[:-1]):
        raise ValueError("ids are not unique")

    def positions(x):
        if len(x) == 0:
            return np.zeros(0, dtype=np.int64)
        at = np.clip(np.searchsorted(sorted_ids, x), 0, max(len(ids) - 1, 0))
        if len(ids) == 0 or np.any(sorted_ids[at] != x):
            raise ValueError("a pair refers to an id that is not in ids")
        return order[at].astype(np.int64)

    a, b = positions(left), positions(right)
    lo, hi = np.minimum(a, b), np.maximum(a, b)
    keep = lo != hi
    unique = np.unique(lo[keep] * len(ids) + hi[keep])
    lo, hi = unique // max(len(ids), 1), unique % max(len(ids), 1)
    codes = truth.to_frame().select(pl.col("true").rank("dense")).to_series().to_numpy()
    correct = int(np.count_nonzero(codes[lo] == codes[hi]))
    true = _pairs(truth.to_frame().group_by("true").len()["len"].to_numpy())
    return _scores(correct, len(unique), true)


def cluster_scores(pred_cluster, true_entity) -> dict:
    """Cluster-level precision and recall (exact reconstruction), for multi-record groups.

    * cluster precision = share of predicted clusters with ≥ 2 records whose records all belong
      to one entity (a pure cluster; it may still be only part of that entity);
    * cluster recall = share of true entities with ≥ 2 records that are reconstructed exactly:
      all their records sit in one predicted cluster and that cluster holds nothing else;
    * f1 of the two; ``largest_cluster`` = size of the biggest predicted cluster;
      ``n_clusters_multi`` = predicted clusters with ≥ 2 records; ``n_entities_multi`` = true
      entities with ≥ 2 records; ``pure_clusters`` and ``exact_entities`` are the numerators.

    Singletons are left out of both shares (a singleton cluster is trivially pure, a one-record
    entity trivially whole); empty denominators give 1.0.
    """
    df = _frame(pred_cluster, true_entity)
    joint = df.group_by("pred", "true").len()
    per_pred = joint.group_by("pred").agg(pl.col("len").sum().alias("size"), pl.len().alias("entities"))
    per_true = joint.group_by("true").agg(pl.col("len").sum().alias("size"), pl.len().alias("clusters"))
    multi_pred = per_pred.filter(pl.col("size") >= 2)
    pure = multi_pred.filter(pl.col("entities") == 1).height
    # Exact: the entity's records form one joint group whose size equals both the entity's size
    # and its cluster's size.
    exact = (joint.join(per_pred.select("pred", pl.col("size").alias("pred_size")), on="pred")
             .join(per_true.select("true", pl.col("size").alias("true_size")), on="true")
             .filter((pl.col("true_size") >= 2) & (pl.col("len") == pl.col("true_size"))
                     & (pl.col("len") == pl.col("pred_size")))
             .height)
    n_true_multi = per_true.filter(pl.col("size") >= 2).height
    precision, recall = _ratio(pure, multi_pred.height), _ratio(exact, n_true_multi)
    return {"precision": precision, "recall": recall, "f1": _f1(precision, recall),
            "largest_cluster": int(per_pred["size"].max() or 0), "n_clusters_multi": multi_pred.height,
            "n_entities_multi": n_true_multi, "pure_clusters": pure, "exact_entities": exact}


def hanzi_pinyin_recall(pred_cluster, true_entity, is_hanzi, is_latin) -> float:
    """Among true pairs of one hanzi-named and one Latin-named (pinyin) record, the share that the
    clustering put in the same cluster.

    For each entity the cross pairs are h·l (h hanzi records, l Latin records); the found ones are
    Σ h·l over the (cluster, entity) joint groups. Returns NaN when the truth holds no such pair
    (nothing to measure). A record may not be both hanzi and Latin.
    """
    df = _frame(pred_cluster, true_entity)
    h, la = np.asarray(is_hanzi, dtype=bool), np.asarray(is_latin, dtype=bool)
    if len(h) != df.height or len(la) != df.height:
        raise ValueError("is_hanzi / is_latin must have one flag per record")
    if np.any(h & la):
        raise ValueError("a record is flagged both hanzi and Latin")
    df = df.with_columns(h=pl.Series(h.astype(np.int64)), la=pl.Series(la.astype(np.int64)))

    def cross(keys):
        g = df.group_by(keys).agg(pl.col("h").sum(), pl.col("la").sum())
        return int((g["h"].to_numpy() * g["la"].to_numpy()).sum())

    total = cross(["true"])
    return float("nan") if total == 0 else cross(["pred", "true"]) / total
