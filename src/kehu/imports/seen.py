"""Keys already seen in a file (duplicate external ids, phones, order numbers …), in memory that
stays small at millions of rows.

A dict of value → first row costs ~200 bytes a key: 4 keys a row made a 1M-row import hold a
gigabyte. Here a key is its 64-bit hash (polars' hash of the text; a false "duplicate" needs two of
a file's values to collide, odds ~1e-7 at 4 M keys), kept with its first row in sorted numpy
arrays (16 bytes a key); a batch of keys is looked up and merged in with one sorted insert.
"""

from __future__ import annotations

import numpy as np
import polars as pl


def hashes(values: pl.Series) -> np.ndarray:
    """64-bit hashes of text values (stable within a process, which is all a file needs)."""
    return values.cast(pl.Utf8).hash(seed=0).to_numpy().view(np.int64)


class SeenKeys:
    def __init__(self):
        self.hashes = np.empty(0, dtype=np.int64)
        self.rows = np.empty(0, dtype=np.int64)

    def __len__(self) -> int:
        return len(self.hashes)

    def first_rows(self, keys: np.ndarray, rows: np.ndarray) -> np.ndarray:
        """For each key (a hash, in file order with its row), the row where it first appeared:
        its own row when new. New keys are recorded."""
        keys = np.asarray(keys, dtype=np.int64)
        rows = np.asarray(rows, dtype=np.int64)
        if not len(keys):
            return rows.copy()
        unique, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
        earliest = rows[first]  # the first row of each distinct key in this batch
        at = np.searchsorted(self.hashes, unique)
        known = at < len(self.hashes)
        known[known] = self.hashes[at[known]] == unique[known]
        result = np.where(known, self.rows[np.minimum(at, len(self.rows) - 1)] if len(self.rows) else 0, earliest)
        new = ~known
        if new.any():
            self.hashes = np.insert(self.hashes, at[new], unique[new])
            self.rows = np.insert(self.rows, at[new], earliest[new])
        return result[inverse.reshape(-1)]

    def seen(self, keys: np.ndarray) -> np.ndarray:
        """Which keys were recorded before (nothing is recorded)."""
        keys = np.asarray(keys, dtype=np.int64)
        at = np.searchsorted(self.hashes, keys)
        found = at < len(self.hashes)
        found[found] = self.hashes[at[found]] == keys[found]
        return found
