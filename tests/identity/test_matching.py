"""On-entry matching against the stored profiles, and the profiles kept in step with writes."""

import datetime as dt

import pytest

from kehu.customers import services as customer_services
from kehu.identity import services
from kehu.identity.models import MatchKey, MatchProfile, NotDuplicate

pytestmark = pytest.mark.django_db


@pytest.fixture
def zhang(admin, make_customer):
    return make_customer(admin, family_name="张", given_name="伟", phone="13812345678",
                         email="zhangwei@example.com", birth_date=dt.date(1985, 3, 12))


def test_profile_and_keys_follow_every_write(admin, zhang):
    profile = MatchProfile.objects.get(customer=zhang)
    assert profile.hanzi == "张伟"
    assert profile.pinyin_key == "wei zhang"
    assert profile.phone1 == "+8613812345678"
    assert MatchKey.objects.filter(customer=zhang, key="phone:+8613812345678").exists()
    customer_services.update_customer(admin, zhang, expected_version=zhang.version, given_name="丽")
    profile.refresh_from_db()
    assert profile.hanzi == "张丽"
    identity = zhang.identities.get(channel="phone")
    customer_services.delete_identity(admin, identity)
    profile.refresh_from_db()
    assert profile.phone1 is None
    assert not MatchKey.objects.filter(customer=zhang, key__startswith="phone:").exists()


def test_pinyin_web_entry_finds_the_store_customer(zhang):
    found = services.find_matches({"name": "Zhang Wei", "phone": "+86 138-1234-5678",
                                   "birth_date": "12/03/1985"})
    assert [m.customer_id for m in found] == [zhang.pk]
    assert found[0].sure
    levels = {e["field"]: e["level"] for e in found[0].evidence}
    assert levels["name"] == "same pinyin"
    assert levels["phone"] == "exact"
    assert levels["birth_date"] == "exact"


def test_homophone_and_phone_typo_are_probable_not_sure(zhang):
    # a call-centre agent typed 章 for 张 and one digit of the phone wrong
    found = services.find_matches({"name": "章伟", "phone": "13812345670", "birth_date": "1985-03-12"})
    assert found and found[0].customer_id == zhang.pk
    assert not found[0].sure
    levels = {e["field"]: e["level"] for e in found[0].evidence}
    assert levels["name"] == "same pinyin"
    assert levels["phone"] == "one digit off"


def test_a_stranger_matches_nobody(zhang):
    assert services.find_matches({"name": "李娜", "phone": "13900001111", "birth_date": "1990-01-01"}) == []


def test_conflicting_id_numbers_outweigh_a_shared_phone(admin, make_customer):
    first = make_customer(admin, family_name="王", given_name="芳", phone="13911112222",
                          id_number="11010519491231002X")
    same = services.find_matches({"name": "王芳", "phone": "13911112222"})
    assert same[0].customer_id == first.pk
    # two valid resident IDs that differ: two people (a family sharing a phone), not a duplicate
    other_id = services.find_matches({"name": "王芳", "phone": "13911112222",
                                      "id_number": "110101199003070035"}, threshold=0.0)
    assert other_id[0].customer_id == first.pk
    assert not other_id[0].sure
    assert other_id[0].probability < same[0].probability / 1.5
    id_evidence = next(e for e in other_id[0].evidence if e["field"] == "id_number")
    assert id_evidence["level"] == "different" and id_evidence["weight"] < -5


def test_not_duplicate_pairs_are_not_proposed_for_the_edited_customer(admin, make_customer, zhang):
    other = make_customer(admin, family_name="张", given_name="伟", phone="13812349999",
                          birth_date=dt.date(1985, 3, 12))
    record = {"name": "张伟", "phone": "13812349999", "birth_date": "1985-03-12"}
    assert zhang.pk in [m.customer_id for m in services.find_matches(record, exclude={other.pk})]
    services.mark_not_duplicate(admin, zhang.pk, other.pk)
    assert NotDuplicate.objects.filter(customer_a=min(zhang, other, key=lambda c: c.pk)).exists()
    assert zhang.pk not in [m.customer_id for m in services.find_matches(record, exclude={other.pk})]


def test_merged_customers_are_no_match_target(admin, make_customer, zhang):
    from kehu.identity.merge import do_merge_customers

    twin = make_customer(admin, family_name="张", given_name="伟", email="zw85@example.com",
                         birth_date=dt.date(1985, 3, 12))
    do_merge_customers(admin, zhang, twin)
    found = services.find_matches({"name": "张伟", "email": "zw85@example.com", "birth_date": "1985-03-12"})
    assert [m.customer_id for m in found] == [zhang.pk]


def test_one_record_keys_are_the_batch_keys():
    """The on-entry lookup (pure Python) and the stored keys (polars) must agree exactly."""
    import importlib.util
    from pathlib import Path

    import polars as pl

    from kehu.identity import blocking, features

    path = Path(__file__).resolve().parents[2] / "bench" / "identity_data.py"
    spec = importlib.util.spec_from_file_location("identity_data", path)
    identity_data = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(identity_data)
    feats = features.prepare(identity_data.generate(400, seed=3).drop("entity_id"))
    base, phones, mails = blocking.key_frame(feats)
    batch = pl.concat([blocking.rule_keys(rule, base, phones, mails)
                       .with_columns(pl.lit(rule.name).alias("rule")) for rule in blocking.RULES])
    expected = {(row["rid"], row["rule"], row["key"]) for row in batch.iter_rows(named=True)}
    single = {(i, rule.name, key) for i in range(feats.height)
              for rule, key in blocking.record_keys(feats.row(i, named=True))}
    assert single == expected
    assert len(expected) > 2 * feats.height


def test_a_field_no_rule_can_learn_keeps_the_shipped_weights():
    """Every phone unique and re-entered customers without theirs: EM sees no matching pair
    agree on the phone. The learned model must still treat an equal phone as strong evidence."""
    import numpy as np
    import polars as pl

    from kehu.identity import blocking, features, pipeline
    from kehu.identity.compare import compare

    rows = []
    for i in range(3000):
        rows.append({"id": f"c{i}", "name": f"客户{i % 1500}", "phone": f"139{i:08d}",
                     "birth_date": f"19{50 + i % 50}-0{1 + i % 9}-1{i % 9}"})
    raw = pl.DataFrame(rows)
    feats = features.prepare(raw)
    pairs, _ = blocking.candidate_pairs(feats)
    levels = compare(feats, pairs["l"].to_numpy(), pairs["r"].to_numpy())
    model = pipeline.train(feats, pairs, levels)
    assert "phone" in model.trained_on["shipped_m"]
    shipped = pipeline.default_model()
    assert model.m["phone"] == shipped.m["phone"]
    assert np.log2(model.m["phone"][-1] / model.u["phone"][-1]) > 10


def test_many_records_find_the_same_with_the_known_keys_loaded(zhang, monkeypatch):
    """An import loads the stored keys once (a small customer file) and asks only for those: the
    matches are those it finds asking for every key; a bigger file is not loaded."""
    import polars as pl

    from kehu.identity import features

    raw = pl.DataFrame({"id": ["0", "1"], "name": ["章伟", "李娜"], "phone": ["13812345670", "13900001111"],
                        "birth_date": ["1985-03-12", "1990-01-01"]})
    feats = features.prepare(raw)
    every = services.match_features(feats)
    known = services.KnownKeys.load(expected_keys=100)
    assert known is not None and len(known.hashes) == MatchKey.objects.count()
    assert services.match_features(feats, known=known).to_dicts() == every.to_dicts()
    assert every["customer_id"].to_list() == [zhang.pk]
    nothing = services.KnownKeys(known.hashes[:0])
    assert services.match_features(feats, known=nothing).height == 0  # only known keys are asked for
    monkeypatch.setattr(services.KnownKeys, "LIMIT", 3)
    assert services.KnownKeys.load(expected_keys=100) is None
