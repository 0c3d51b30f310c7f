"""Keys already seen in a file (duplicate external ids, phones, order numbers …), in memory that
stays small at millions of rows.

A dict of (field, value) → first row costs ~200 bytes a key: 4 keys a row made a 1M-row import
hold a gigabyte. Here a key is its 64-bit hash (Python's SipHash; a false "duplicate" needs two
of a file's values to collide, odds ~1e-7 at 4 M keys), kept with its first row in sorted numpy
arrays (16 bytes a key); the keys of the current chunk wait in a small dict and are merged in
with one sorted insert per chunk (or per 65,536 keys).
"""

from __future__ import annotations

import numpy as np

PENDING = 1 << 16  # keys waiting in the dict before they are merged into the arrays


class SeenKeys:
    def __init__(self):
        self.hashes = np.empty(0, dtype=np.int64)
        self.rows = np.empty(0, dtype=np.int64)
        self.pending: dict[int, int] = {}

    def first_row(self, key: object, row: int) -> int:
        """The row where ``key`` first appeared; records it at ``row`` when new."""
        h = hash(key)
        if (first := self._first(h)) is not None:
            return first
        self.pending[h] = row
        if len(self.pending) >= PENDING:
            self.flush()
        return row

    def __contains__(self, key: object) -> bool:
        return self._first(hash(key)) is not None

    def _first(self, h: int) -> int | None:
        if (first := self.pending.get(h)) is not None:
            return first
        i = int(np.searchsorted(self.hashes, h))
        return int(self.rows[i]) if i < len(self.hashes) and self.hashes[i] == h else None

    def add(self, key: object, row: int = 0) -> None:
        self.first_row(key, row)

    def flush(self) -> None:
        """Merge the pending keys into the sorted arrays (call once per chunk)."""
        if not self.pending:
            return
        new = np.fromiter(self.pending.keys(), np.int64, len(self.pending))
        rows = np.fromiter(self.pending.values(), np.int64, len(self.pending))
        order = np.argsort(new)
        new, rows = new[order], rows[order]
        at = np.searchsorted(self.hashes, new)  # one copy of the arrays, no re-sort of them
        self.hashes, self.rows = np.insert(self.hashes, at, new), np.insert(self.rows, at, rows)
        self.pending = {}
