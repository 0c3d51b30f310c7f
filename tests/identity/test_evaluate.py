"""kehu.identity.evaluate on hand-computed examples (no database)."""

import math

import numpy as np
import pytest

from kehu.identity.evaluate import (
    cluster_scores,
    hanzi_pinyin_recall,
    pair_list_scores,
    pairwise_scores,
)

# Entities: A has 3 records, B 2, C 1 → true pairs 3 + 1 + 0 = 4.
TRUE = np.array([1, 1, 1, 2, 2, 3])


def test_pairwise_perfect():
    s = pairwise_scores(np.array([7, 7, 7, 9, 9, 4]), TRUE)
    assert s == {"precision": 1.0, "recall": 1.0, "f1": 1.0, "true_pairs": 4, "predicted_pairs": 4,
                 "correct_pairs": 4}


def test_pairwise_one_wrong_merge():
    # C's record joins B's cluster: predicted pairs 3 + 3 = 6, correct 3 + 1 = 4.
    s = pairwise_scores(np.array([0, 0, 0, 1, 1, 1]), TRUE)
    assert (s["predicted_pairs"], s["correct_pairs"], s["true_pairs"]) == (6, 4, 4)
    assert s["precision"] == pytest.approx(4 / 6)
    assert s["recall"] == 1.0
    assert s["f1"] == pytest.approx(2 * (2 / 3) / (2 / 3 + 1))  # 0.8


def test_pairwise_split_and_merge():
    # A split into {0,1} and {2}; {2} merged with B: predicted 1 + 3 = 4, correct 1 + 0 + 1 = 2.
    s = pairwise_scores(np.array([0, 0, 1, 1, 1, 2]), TRUE)
    assert (s["predicted_pairs"], s["correct_pairs"]) == (4, 2)
    assert s["precision"] == 0.5 and s["recall"] == 0.5 and s["f1"] == 0.5


def test_pairwise_all_singletons():
    # No predicted pairs: precision is 1.0 by convention (nothing claimed wrongly), recall 0, F1 0.
    s = pairwise_scores(np.arange(6), TRUE)
    assert s["predicted_pairs"] == 0 and s["correct_pairs"] == 0
    assert (s["precision"], s["recall"], s["f1"]) == (1.0, 0.0, 0.0)


def test_pairwise_no_true_pairs():
    s = pairwise_scores(np.array([0, 0, 1]), np.array([5, 6, 7]))
    assert (s["precision"], s["recall"], s["f1"], s["true_pairs"]) == (0.0, 1.0, 0.0, 0)


def test_pairwise_string_labels_and_lists():
    pred = ["r1", "r1", "r1", "r4", "r4", "r6"]
    truth = ["张伟#1", "张伟#1", "张伟#1", "王芳", "王芳", "李娜"]
    assert pairwise_scores(pred, truth)["f1"] == 1.0
    assert pairwise_scores(np.array(pred, dtype=object), TRUE)["f1"] == 1.0


def test_pairwise_mixed_python_labels_stay_distinct():
    # 1 and "1" are different clusters; tuples are labels too.
    s = pairwise_scores([1, "1", 1, (2, 3)], ["a", "a", "a", "b"])
    assert (s["predicted_pairs"], s["correct_pairs"], s["true_pairs"]) == (1, 1, 3)


def test_pairwise_rejects_bad_input():
    with pytest.raises(ValueError):
        pairwise_scores([1, 2], [1, 2, 3])
    with pytest.raises(ValueError):
        pairwise_scores([1, None, 2], [1, 1, 2])


def test_pair_list_scores():
    ids = np.array(["x1", "x2", "x3", "x4", "x5", "x6"])
    # Duplicate (x2, x1), a self pair, and one wrong pair (x5, x6): unique pairs 3, correct 2.
    left = ["x1", "x2", "x4", "x3", "x5", "x3"]
    right = ["x2", "x1", "x5", "x3", "x6", "x3"]
    s = pair_list_scores(left, right, ids, TRUE)
    assert (s["predicted_pairs"], s["correct_pairs"], s["true_pairs"]) == (3, 2, 4)
    assert s["precision"] == pytest.approx(2 / 3)
    assert s["recall"] == pytest.approx(2 / 4)
    assert s["f1"] == pytest.approx(2 * (2 / 3) * 0.5 / (2 / 3 + 0.5))


def test_pair_list_scores_int_ids_unsorted_and_errors():
    ids = np.array([60, 10, 30, 20, 50, 40])  # ids in any order; truth aligned with ids
    truth = np.array(["c", "a", "a", "a", "b", "b"])
    s = pair_list_scores(np.array([10, 20, 10, 40]), np.array([20, 30, 30, 50]), ids, truth)
    assert (s["precision"], s["recall"], s["f1"]) == (1.0, 1.0, 1.0)
    empty = pair_list_scores(np.array([], dtype=int), np.array([], dtype=int), ids, truth)
    assert (empty["precision"], empty["recall"]) == (1.0, 0.0)
    with pytest.raises(ValueError):
        pair_list_scores([10], [99], ids, truth)
    with pytest.raises(ValueError):
        pair_list_scores([10], [20], np.array([1, 1, 2, 3, 4, 5]), truth)


def test_cluster_scores_perfect():
    s = cluster_scores(np.array([7, 7, 7, 9, 9, 4]), TRUE)
    assert (s["precision"], s["recall"], s["f1"]) == (1.0, 1.0, 1.0)
    assert (s["largest_cluster"], s["n_clusters_multi"], s["n_entities_multi"]) == (3, 2, 2)


def test_cluster_scores_wrong_merge():
    # Clusters {A,A,A} pure, {B,B,C} impure → precision 1/2. A exact, B not (its cluster holds C)
    # → recall 1/2.
    s = cluster_scores(np.array([0, 0, 0, 1, 1, 1]), TRUE)
    assert (s["precision"], s["recall"], s["f1"]) == (0.5, 0.5, 0.5)
    assert (s["pure_clusters"], s["exact_entities"], s["largest_cluster"], s["n_clusters_multi"]) == (1, 1, 3, 2)


def test_cluster_scores_split():
    # A split into {0,1} + {2}: both multi clusters pure → precision 1; A not exact, B exact → 1/2.
    s = cluster_scores(np.array(["a", "a", "c", "b", "b", "d"]), TRUE)
    assert (s["precision"], s["recall"]) == (1.0, 0.5)
    assert s["f1"] == pytest.approx(2 / 3)
    assert s["largest_cluster"] == 2


def test_cluster_scores_all_singletons():
    s = cluster_scores(np.arange(6), TRUE)
    assert (s["precision"], s["recall"], s["f1"]) == (1.0, 0.0, 0.0)
    assert (s["largest_cluster"], s["n_clusters_multi"]) == (1, 0)


def test_hanzi_pinyin_recall():
    # Entity 1: 2 hanzi + 1 pinyin (2 cross pairs); entity 2: 1 hanzi + 2 pinyin (2 cross pairs).
    truth = np.array([1, 1, 1, 2, 2, 2, 3])
    is_hanzi = np.array([1, 1, 0, 1, 0, 0, 1], dtype=bool)
    is_latin = ~is_hanzi
    # Entity 1 whole; entity 2's hanzi record apart from its pinyin records → 2 of 4 found.
    pred = np.array([0, 0, 0, 5, 6, 6, 9])
    assert hanzi_pinyin_recall(pred, truth, is_hanzi, is_latin) == 0.5
    # One pinyin record of entity 2 with its hanzi record → 3 of 4.
    pred = np.array([0, 0, 0, 5, 5, 6, 9])
    assert hanzi_pinyin_recall(pred, truth, is_hanzi, is_latin) == 0.75
    assert hanzi_pinyin_recall(np.array(["p"] * 7), truth, is_hanzi, is_latin) == 1.0
    # No cross pairs in the truth → NaN.
    assert math.isnan(hanzi_pinyin_recall(pred, truth, np.ones(7, bool), np.zeros(7, bool)))
    with pytest.raises(ValueError):
        hanzi_pinyin_recall(pred, truth, np.ones(7, bool), np.ones(7, bool))


def test_large_labels_without_pairs_enumeration():
    rng = np.random.default_rng(0)
    truth = rng.integers(0, 200_000, 1_000_000)
    s = pairwise_scores(truth, truth)
    assert s["f1"] == 1.0 and s["true_pairs"] > 2_000_000
