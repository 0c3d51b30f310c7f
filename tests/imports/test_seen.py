"""SeenKeys: the first row of every key across batches, as a dict would give it."""

import random

import numpy as np
import polars as pl

from kehu.imports.seen import SeenKeys, hashes


def test_first_rows_match_a_dict_across_many_batches():
    rng = random.Random(3)
    keys = SeenKeys()
    reference: dict = {}
    row = 2
    for _batch in range(40):
        values = [f"+86138{rng.randrange(3000):08d}" for _ in range(rng.randrange(1, 300))]
        rows = np.arange(row, row + len(values))
        row += len(values)
        got = keys.first_rows(hashes(pl.Series(values)), rows)
        expected = [reference.setdefault(v, r) for v, r in zip(values, rows.tolist(), strict=True)]
        assert got.tolist() == expected
    assert len(keys) == len(reference)
    assert list(keys.hashes) == sorted(keys.hashes)


def test_seen_does_not_record():
    keys = SeenKeys()
    h = hashes(pl.Series(["O1", "O2"]))
    assert keys.seen(h).tolist() == [False, False]
    keys.first_rows(h[:1], np.array([5]))
    assert keys.seen(h).tolist() == [True, False]
    assert keys.first_rows(h, np.array([7, 8])).tolist() == [5, 8]
