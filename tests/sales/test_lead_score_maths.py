"""``kehu.analytics.lead_score`` on its own (no database): the stored JSON predicts exactly what
scikit-learn predicts, the Odoo-style frequency table and the quality measures by hand."""

import numpy as np
import pytest

from kehu.analytics import lead_score as ls


def _raw(n=400, seed=0):
    rng = np.random.default_rng(seed)
    raw = {
        "source": rng.choice(["referral", "online", "sms"], n), "channel": rng.choice(["phone", "web", ""], n),
        "region": rng.choice(["浙江", "广东", "上海", "x1", "x2"], n, p=[0.4, 0.3, 0.26, 0.02, 0.02]),
        "company_size": rng.choice(["", "1-9"], n), "nature": rng.choice(["", "company"], n),
        "has_phone": rng.integers(0, 2, n), "has_email": rng.integers(0, 2, n), "has_wechat": rng.integers(0, 2, n),
        "has_company": rng.integers(0, 2, n), "referred": rng.integers(0, 2, n),
        "referrer_tier_a": rng.integers(0, 2, n), "activities": rng.poisson(1.0, n).astype(float),
        "interactions": rng.poisson(0.5, n).astype(float), "email_replies": rng.poisson(0.2, n).astype(float),
        "age_days": rng.uniform(0, 100, n),
    }
    logit = -1 + 1.5 * raw["has_phone"] + 1.0 * raw["referred"] + 0.4 * raw["activities"]
    y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
    return raw, y


def _standardised(params, raw):
    X, _columns = ls.encode(raw, params["encoding"])
    return (X - np.asarray(params["mean"])) / np.asarray(params["scale"])


def test_the_stored_parameters_predict_what_scikit_learn_predicts():
    """Reference: scikit-learn's LogisticRegression on the same standardised matrix."""
    from sklearn.linear_model import LogisticRegression

    raw, y = _raw()
    scorer = ls.LeadScorer(calibration="none").fit(raw, y)
    Z = _standardised(scorer.params_, raw)
    reference = LogisticRegression(C=1.0, max_iter=2000).fit(Z, y).predict_proba(Z)[:, 1]
    again = ls.LeadScorer.from_params(scorer.params_).predict_proba(raw)
    assert np.allclose(again, reference, atol=1e-6)
    # contributions add up to the log-odds, less the intercept and the average lead's part
    f = scorer.decision_function(raw)
    assert np.allclose(scorer.contributions(raw).sum(axis=1) + scorer.params_["intercept"], f)


def test_sigmoid_calibration_is_scikit_learns_and_keeps_the_coefficients():
    """Reference: CalibratedClassifierCV(method="sigmoid", ensemble=False) with the same folds."""
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold

    raw, y = _raw(seed=1)
    scorer = ls.LeadScorer(calibration="sigmoid", random_state=3).fit(raw, y)
    assert scorer.params_["calibration"]["method"] == "sigmoid"
    Z = _standardised(scorer.params_, raw)
    cv = StratifiedKFold(5, shuffle=True, random_state=3)
    reference = CalibratedClassifierCV(LogisticRegression(max_iter=2000), method="sigmoid", cv=cv,
                                       ensemble=False).fit(Z, y)
    assert np.allclose(scorer.predict_proba(raw), reference.predict_proba(Z)[:, 1], atol=1e-6)
    coef = scorer.params_["coef"]
    assert np.allclose(coef, LogisticRegression(max_iter=2000).fit(Z, y).coef_[0], atol=1e-6)
    slope = -scorer.params_["calibration"]["a"]
    f = scorer.decision_function(raw)
    assert np.allclose(scorer.contributions(raw).sum(axis=1), (f - scorer.params_["intercept"]) * slope)


def test_rare_categories_and_unseen_ones_are_other():
    raw, y = _raw()
    enc = ls.build_encoding(raw, min_count=20)
    assert enc["categories"]["region"] == ["上海", "广东", "浙江", ls.OTHER]  # x1, x2 are rare
    assert ls.OTHER not in enc["categories"]["source"]
    scorer = ls.LeadScorer(calibration="none", min_count=20).fit(raw, y)
    unseen = {k: v[:1].copy() for k, v in raw.items()}
    unseen["region"] = np.array(["西藏"])
    rare = {**unseen, "region": np.array(["x1"])}
    assert scorer.predict_proba(unseen)[0] == pytest.approx(scorer.predict_proba(rare)[0])


def test_the_frequency_table_by_hand():
    """Two leads won (source a, a), two lost (a, b); one field, smoothing 0.1:
    P(a|won) = 2.1 / (2.1 + 0.1), P(a|lost) = 1.1 / (1.1 + 1.1); prior 1/2 each."""
    raw = {"source": np.array(["a", "a", "a", "b"])}
    baseline = ls.FrequencyBaseline(fields=("source",)).fit(raw, [1, 1, 0, 0])
    p = baseline.predict_proba({"source": np.array(["a", "b", "unseen"])})
    won_a, lost_a = 2.1 / 2.2, 1.1 / 2.2
    won_b, lost_b = 0.1 / 2.2, 1.1 / 2.2
    assert p == pytest.approx([won_a / (won_a + lost_a), won_b / (won_b + lost_b), 0.5])


def test_quality_measures_by_hand():
    y = [0, 0, 1, 1]
    p = [0.05, 0.15, 0.12, 0.95]
    assert ls.auc(y, p) == pytest.approx(0.75)
    assert ls.auc([1, 1], [0.2, 0.3]) is None
    assert ls.brier(y, p) == pytest.approx((0.05**2 + 0.15**2 + 0.88**2 + 0.05**2) / 4)
    bins = ls.calibration_bins(y, p)
    assert [b["n"] for b in bins] == [1, 2, 0, 0, 0, 0, 0, 0, 0, 1]
    assert bins[1]["predicted"] == pytest.approx(0.135) and bins[1]["observed"] == 0.5
    assert ls.expected_calibration_error(bins) == pytest.approx((0.05 + 2 * 0.365 + 0.05) / 4)


def test_time_split_keeps_the_newest_fifth():
    created = np.arange(100.0)[::-1]
    holdout, cut = ls.time_split(created)
    assert holdout.sum() == 20 and cut == 80.0 and created[holdout].min() == 80.0


def test_top_reasons_by_size():
    contributions = np.array([[0.5, -0.9, 0.01, 0.2], [0.0, 0.0, 0.0, 0.03]])
    which, values = ls.top_reasons(contributions, k=3, min_abs=0.05)
    assert which.tolist() == [[1, 0, 3], [-1, -1, -1]]
    assert values[0].tolist() == [-0.9, 0.5, 0.2]


def test_rules_points_are_documented_numbers():
    raw, _y = _raw(n=3)
    raw.update({"has_phone": np.array([1, 0, 1]), "has_email": np.array([1, 0, 0]), "has_wechat": np.array([0, 0, 1]),
                "has_company": np.array([0, 0, 0]), "referred": np.array([1, 0, 0]),
                "referrer_tier_a": np.array([1, 0, 0]), "activities": np.array([2.0, 0, 9]),
                "interactions": np.array([0.0, 0, 0]), "email_replies": np.array([0.0, 0, 0]),
                "age_days": np.array([10.0, 100, 44]), "source": np.array(["referral", "online", "sms"])})
    points = ls.RuleScore().contributions(raw).sum(axis=1)
    # 25 + 15 + 10 + 5 + 2·4 + 10 ; −10 − 5 − 10 (ten weeks past the month) ; 10 − 5 + 5 + 20 (cap) − 2
    assert points.tolist() == [73, -25, 28]
