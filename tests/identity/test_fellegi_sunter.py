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


def _model():
    """A model with plain weights: name exact m/u 0.5/1e-4, phone exact 0.8/1e-5 …"""
    from kehu.identity.compare import COMPARISONS
    from kehu.identity.fellegi_sunter import MatchModel

    m, u = {}, {}
    for c in COMPARISONS:
        n = c.n_levels
        m[c.name] = [0.1 / (n - 1)] * (n - 1) + [0.9]
        u[c.name] = [0.99] + [0.01 / (n - 1)] * (n - 1)
    return MatchModel(m=m, u=u, prior=1e-4)


def _levels(rows):
    """Rows of {comparison: level}; every other comparison missing."""
    from kehu.identity.compare import COMPARISONS, NULL

    out = np.full((len(rows), len(COMPARISONS)), NULL, dtype=np.int8)
    for i, row in enumerate(rows):
        for name, level in row.items():
            out[i, [c.name for c in COMPARISONS].index(name)] = level
    return out


def test_match_share_recovers_the_share_of_matches_from_other_evidence():
    from kehu.identity.fellegi_sunter import match_share

    rng = np.random.default_rng(1)
    truth = rng.random(20_000) < 0.8
    # other evidence: matches mostly +12 bits, non-matches mostly −12 bits, 10 % the other way
    flip = rng.random(truth.size) < 0.1
    evidence = np.where(truth ^ flip, 12.0, -12.0)
    assert abs(match_share(evidence) - truth.mean()) < 0.1 + 0.01
    clean = np.where(truth, 12.0, -12.0)
    assert abs(match_share(clean) - truth.mean()) < 0.01


def test_calibrated_band_puts_a_name_only_pair_on_the_share_the_other_fields_show():
    from kehu.identity.compare import INDEX

    model = _model()
    model.m["phone"], model.u["phone"] = [0.001, 0.009, 0.99], [0.99998, 1e-5, 1e-5]  # decisive
    n = 1000
    # 400 pairs sharing a name seen twice (freq 1/n); 300 of them agree on the phone, 100 do not
    rows = [{"name": 5, "phone": 2}] * 300 + [{"name": 5, "phone": 0}] * 100
    rows += [{"name": 5}] * 50  # nothing else to compare
    levels = _levels(rows)
    values = {"name_exact": np.array(["li"] * len(rows), dtype=object),
              "name": np.array(["li"] * len(rows), dtype=object)}
    model.tf = {"name_exact": {"li": 1 / n}, "name": {"li": 1 / n}}
    model.tf_floor = {"name_exact": 1 / n, "name": 1 / n}
    weights = model.field_weights(levels, values)
    shared = model.shared_frequencies(levels, values)
    bands = model.name_band_shares(levels, weights, shared, n, (2, 3, 10))
    shares = bands["name_exact"]["share"]
    assert abs(shares[0] - 0.75) < 0.02
    assert shares[1:] == [None, None]  # no pair in those bands
    model.apply_band_shares(bands)
    # a pair with nothing but the name now scores the share of matches among its like
    alone = _levels([{"name": 5}])
    p = model.probability(alone, {k: v[:1] for k, v in values.items()})[0]
    assert abs(p - shares[0]) < 0.01
    model.prior = 3e-5  # bits are relative to the prior: re-applied, the pair stays on the share
    model.apply_band_shares(bands)
    assert abs(model.probability(alone, {k: v[:1] for k, v in values.items()})[0] - shares[0]) < 0.01
    # a name in an uncalibrated band keeps the plain term-frequency weight
    model.tf["name_exact"]["wang"] = 50 / n
    common = {"name_exact": np.array(["wang"], dtype=object), "name": np.array(["wang"], dtype=object)}
    plain = _model()
    plain.tf, plain.tf_floor = model.tf, model.tf_floor
    assert model.field_weights(alone, common)[0, INDEX["name"]] == plain.field_weights(alone, common)[0, INDEX["name"]]


def test_band_bits_survive_json():
    from kehu.identity.fellegi_sunter import MatchModel

    model = _model()
    model.tf_bits = {"name_exact": {"edges": [1.5e-5, 2.5e-5], "bits": [3.0, 2.5]}}
    again = MatchModel.from_json(model.to_json())
    assert again.tf_bits == model.tf_bits
    assert MatchModel.from_json('{"m": {}, "u": {}, "prior": 0.1, "tf": {}, "tf_floor": {}, '
                                '"trained_on": {}}').tf_bits == {}  # models stored before bands


def test_household_fields_count_once_between_different_names():
    from kehu.identity.compare import INDEX

    model = _model()
    same_home = {"phone": 2, "address": 2, "postcode": 1, "city": 1}
    family = _levels([{"name": 1, **same_home}, {"name": 0, **same_home}])
    one_person = _levels([{"name": 5, **same_home}])
    w_family = model.field_weights(family)
    w_person = model.field_weights(one_person)
    household = [INDEX[f] for f in ("phone", "address", "postcode", "city")]
    for row in w_family:
        positive = row[household][row[household] > 0]
        assert len(positive) == 1  # only the strongest household field counts
        assert positive[0] == w_person[0, household].max()
    assert (w_person[0, household] > 0).all()  # the same name: all four count
    # a disagreeing household field still counts against a pair with different names
    moved = model.field_weights(_levels([{"name": 0, "phone": 2, "city": 0}]))[0]
    assert moved[INDEX["city"]] < 0 and moved[INDEX["phone"]] > 0
    # evidence beyond the household (an equal e-mail) still adds up
    mailed = model.field_weights(_levels([{"name": 0, "phone": 2, "address": 2, "email": 2}]))[0]
    assert mailed[INDEX["email"]] > 0 and mailed[INDEX["address"]] == 0
