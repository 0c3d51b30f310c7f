"""Clustering scored pairs into customers without chaining.

Connected components at a threshold chain: A≈B, B≈C, … and at a million records one shared
placeholder phone or one common name glues thousands of people together. Here clusters grow
greedily from the most certain pair down, and two clusters join only if

- their strong identifiers agree (two different ID numbers, or verified phones that do not
  overlap, can never be one person),
- the joined cluster stays under a size cap, and
- enough of the cross pairs support it: at least ``min_support`` of the pairs between the two
  clusters must themselves score above ``support_threshold`` (a weak-link chain fails this).

A wrong merge costs more than a missed duplicate, so every rule errs towards not joining.
The loop is plain Python because each step needs the state of the clusters built so far; it runs
over the few linked edges only (about one per duplicate record), not over all pairs.
"""

from __future__ import annotations

import numpy as np


def cluster(n: int, left: np.ndarray, right: np.ndarray, probability: np.ndarray, *,
            threshold: float = 0.7, support_threshold: float = 0.5, min_support: float = 0.3,
            max_size: int = 20, strong: dict[str, list] | None = None) -> np.ndarray:
    """Cluster label (the smallest row number in the cluster) for each of ``n`` records.

    ``strong`` maps an identifier kind to a per-record list of values (a value, a set of values,
    or None); two clusters with values of one kind that do not overlap never join.
    """
    left = np.asarray(left, dtype=np.int64)
    right = np.asarray(right, dtype=np.int64)
    probability = np.asarray(probability, dtype=float)
    supported = probability >= support_threshold
    support = set((left[supported] * n + right[supported]).tolist())
    order = np.flatnonzero(probability >= threshold)
    order = order[np.argsort(-probability[order], kind="stable")]

    parent = {}
    members: dict[int, list[int]] = {}
    ids: dict[int, dict[str, frozenset]] = {}
    strong = strong or {}

    def record_ids(i: int) -> dict[str, frozenset]:
        out = {}
        for kind, values in strong.items():
            v = values[i]
            if v:
                out[kind] = frozenset(v) if isinstance(v, (set, frozenset, list, tuple)) else frozenset([v])
        return out

    def find(i: int) -> int:
        root = i
        while parent.get(root, root) != root:
            root = parent[root]
        while parent.get(i, i) != root:  # path compression
            parent[i], i = root, parent[i]
        return root

    for e in order.tolist():
        a, b = find(int(left[e])), find(int(right[e]))
        if a == b:
            continue
        ma = members.get(a) or [a]
        mb = members.get(b) or [b]
        if len(ma) + len(mb) > max_size:
            continue
        ia = ids[a] if a in ids else record_ids(a)
        ib = ids[b] if b in ids else record_ids(b)
        if any(kind in ib and not (values & ib[kind]) for kind, values in ia.items()):
            continue
        cross = len(ma) * len(mb)
        if cross > 1:
            linked = sum(1 for x in ma for y in mb if (min(x, y) * n + max(x, y)) in support)
            if linked < min_support * cross:
                continue
        root, other = (a, b) if a < b else (b, a)
        parent[other] = root
        members[root] = ma + mb
        members.pop(other, None)
        merged = dict(ia)
        for kind, values in ib.items():
            merged[kind] = merged.get(kind, frozenset()) | values
        ids[root] = merged
        ids.pop(other, None)

    labels = np.arange(n, dtype=np.int64)
    for group in members.values():
        labels[group] = min(group)
    return labels
