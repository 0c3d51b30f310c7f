"""The EM's distinct comparison patterns (no database)."""

import numpy as np

from kehu.identity.fellegi_sunter import unique_rows


def _as_dict(patterns, counts):
    return {tuple(row): int(c) for row, c in zip(patterns.tolist(), counts.tolist(), strict=True)}


def test_unique_rows_counts_the_same_patterns_as_numpy():
    rng = np.random.default_rng(0)
    levels = rng.integers(-1, 6, size=(5000, 8)).astype(np.int8)
    levels[::7] = levels[0]  # one pattern many times
    patterns, counts = unique_rows(levels)
    assert patterns.dtype == np.int8
    assert _as_dict(patterns, counts) == _as_dict(*np.unique(levels, axis=0, return_counts=True))
    assert counts.sum() == len(levels)


def test_unique_rows_of_nothing():
    patterns, counts = unique_rows(np.empty((0, 8), dtype=np.int8))
    assert patterns.shape == (0, 8) and counts.shape == (0,)


def test_term_frequencies_take_numpy_object_arrays_that_start_with_a_gap():
    from kehu.identity.fellegi_sunter import MatchModel

    model = MatchModel(tf={"city": {"shenzhen": 0.25}}, tf_floor={"city": 1e-6})
    values = np.array([None, "shenzhen", "lhasa"], dtype=object)  # as Series.to_numpy() gives them
    assert model.term_frequencies("city", values).tolist() == [1e-6, 0.25, 1e-6]
    assert model.term_frequencies("city", [None]).tolist() == [1e-6]


def test_term_frequencies_are_the_same_on_both_paths():
    from kehu.identity import fellegi_sunter
    from kehu.identity.fellegi_sunter import MatchModel

    model = MatchModel(tf={"name": {"wei zhang": 0.003, "fang wang": 0.002}}, tf_floor={"name": 1e-6})
    values = np.array([None, "wei zhang", "xiu ouyang", "fang wang"] * 5000, dtype=object)
    assert len(values) >= fellegi_sunter.TF_POLARS_MIN
    fast = model.term_frequencies("name", values)
    small = np.concatenate([model.term_frequencies("name", values[i:i + 100])
                            for i in range(0, len(values), 100)])
    assert fast.tolist() == small.tolist() == [1e-6, 0.003, 1e-6, 0.002] * 5000
