"""SeenKeys: the first row of every key, across merges, as a dict would give it."""

import random

from kehu.imports import seen as seen_module
from kehu.imports.seen import SeenKeys


def test_first_rows_match_a_dict_across_many_merges(monkeypatch):
    monkeypatch.setattr(seen_module, "PENDING", 50)
    rng = random.Random(3)
    keys = SeenKeys()
    reference: dict = {}
    for row in range(2, 5000):
        key = ("phone", f"+86138{rng.randrange(3000):08d}")
        assert keys.first_row(key, row) == reference.setdefault(key, row)
        if row % 700 == 0:
            keys.flush()
    assert len(keys.hashes) + len(keys.pending) == len(reference)
    assert list(keys.hashes) == sorted(keys.hashes)


def test_membership_and_add():
    keys = SeenKeys()
    keys.add("O1")
    assert "O1" in keys and "O2" not in keys
    keys.flush()
    assert "O1" in keys and "O2" not in keys
