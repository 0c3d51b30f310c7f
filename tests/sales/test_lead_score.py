"""The lead score: trained on a synthetic history with a known signal it must find, the fallback
to rules when history is thin, reasons in words, bulk scoring in a bounded number of queries."""

import datetime as dt
import json

import numpy as np
import pytest
from django.utils import timezone

from kehu.analytics import lead_score as ls
from kehu.customers.models import Interaction
from kehu.privacy.models import AuditEntry
from kehu.sales import lead_scoring
from kehu.sales.models import Activity, Lead, LeadScoreModel
from tests.sales.conftest_insight import closed_history, customers, lead, open_leads

pytestmark = pytest.mark.django_db


def test_the_model_finds_the_known_signal_and_beats_the_baseline(admin):
    """Given 800 closed leads whose conversion rises with a referral (more from a VIP) and a
    phone, when the score is trained, then on the newest 20 % its AUC is well above chance, at
    least the frequency table's, the coefficients have the right signs and the largest effects,
    and the parameters are plain JSON."""
    closed_history(800, seed=3)

    model = lead_scoring.train_lead_score(admin)

    assert model.kind == LeadScoreModel.Kind.MODEL and model.is_active
    assert (model.n_train, model.n_holdout) == (640, 160)
    assert model.auc > 0.75, model.auc
    assert model.auc >= model.baseline_auc - 0.005, (model.auc, model.baseline_auc)
    assert 0 < model.brier < 0.2
    assert len(model.calibration) == 10 and sum(b["n"] for b in model.calibration) == 160
    params = model.parameters
    assert json.loads(json.dumps(params)) == params  # JSON, no pickle
    coef = {c["name"]: c for c in ls.LeadScorer.from_params(params).coefficients()}
    assert coef["has_phone"]["coef"] > 0.5 and coef["referred"]["coef"] > 0.3
    assert coef["referrer_tier_a"]["coef"] > 0
    top = [c["group"] for c in ls.LeadScorer.from_params(params).coefficients()[:4]]
    assert "has_phone" in top and ({"referred", "referrer_tier_a", "source"} & set(top))
    assert abs(coef["channel=web"]["coef"]) < 0.3 and abs(coef["region=浙江"]["coef"]) < 0.3  # noise stays small
    assert AuditEntry.objects.filter(action="create", object_type="sales.leadscoremodel",
                                     object_id=str(model.pk), actor=admin).exists()


def test_open_leads_get_scores_and_reasons(admin):
    closed_history(800, seed=5)
    (vip,) = customers(1, tier="A")
    good = lead("被贵宾介绍", source_code="referral", referrer=vip, phone="13900000000", email="x@example.com")
    bare = lead("什么都没有", source_code="online")
    closed = lead("已关闭", source_code="online", status=Lead.Status.DISQUALIFIED, closed_at=timezone.now())

    model = lead_scoring.train_lead_score(admin)

    good.refresh_from_db()
    bare.refresh_from_db()
    closed.refresh_from_db()
    assert good.score_model_id == model.pk and good.scored_at is not None
    assert good.score > 0.6 > 0.25 > bare.score
    assert closed.score is None  # only open leads are scored
    good_text = lead_scoring.describe_reasons(good.score_reasons)
    bare_text = lead_scoring.describe_reasons(bare.score_reasons)
    assert all(t.startswith("+ ") for t in good_text) and "+ has a phone number" in good_text
    assert {"+ referral from a VIP customer", "+ referred by a customer or contact",
            "+ source: Chain referral"} & set(good_text)
    assert "\u2212 no phone" in bare_text
    assert len(good.score_reasons) <= lead_scoring.TOP_REASONS
    assert all(set(r) == {"feature", "value", "contribution"} for r in good.score_reasons)


def test_thin_history_falls_back_to_the_rule_score_and_says_so(admin):
    closed_history(120, seed=2)
    (vip,) = customers(1, tier="A")
    good = lead("有推荐", source_code="referral", referrer=vip, phone="13900000000")
    bare = lead("没推荐", source_code="online")

    model = lead_scoring.train_lead_score(admin)

    assert model.kind == LeadScoreModel.Kind.RULES
    assert model.n_holdout == 120 and model.auc is not None  # the rules measured on what history there is
    note = lead_scoring.model_note(model)
    assert "Too little history" in note and "120 closed leads" in note
    good.refresh_from_db()
    bare.refresh_from_db()
    # rules: VIP 25 + referred 15 + phone 10 − no email 5 + referral source 10 = 55 points
    assert good.score == pytest.approx(round(1 / (1 + np.exp(-(55 - 20) / 15)), 4))
    # no phone −10, no email −5 = −15 points
    assert bare.score == pytest.approx(round(1 / (1 + np.exp(-(-15 - 20) / 15)), 4))
    assert lead_scoring.describe_reasons(good.score_reasons)[0] == "+ referral from a VIP customer"
    assert lead_scoring.describe_reasons(bare.score_reasons) == ["\u2212 no phone", "\u2212 no email"]


def test_too_few_of_one_outcome_is_thin_too(admin):
    closed_history(300, seed=4, converted_share=0.04)
    assert lead_scoring.train_lead_score(admin).kind == LeadScoreModel.Kind.RULES


def test_no_history_at_all_still_scores_by_rules(admin):
    (one,) = open_leads(1, phone="13900000000")
    model = lead_scoring.train_lead_score(None)
    assert model.kind == LeadScoreModel.Kind.RULES and model.auc is None and model.trained_by is None
    one.refresh_from_db()
    assert one.score is not None and one.score_model_id == model.pk


def test_a_new_training_replaces_the_active_model(admin):
    first = lead_scoring.train_lead_score(admin)
    second = lead_scoring.train_lead_score(admin)
    first.refresh_from_db()
    assert not first.is_active and second.is_active and lead_scoring.active_model() == second


def test_training_needs_the_permission(rep):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        lead_scoring.train_lead_score(rep)
    assert not LeadScoreModel.objects.exists()


@pytest.mark.parametrize("n", [40, 1200])
def test_scoring_all_open_leads_takes_a_bounded_number_of_queries(admin, n, django_assert_max_num_queries):
    closed_history(300, seed=6)
    model = lead_scoring.train_lead_score(admin, rescore=False)
    open_leads(n, phone="13900000000")
    from django.db import connection

    chunks = -(-n // lead_scoring.CHUNK)
    fields = ["score", "score_reasons", "score_model", "scored_at"]
    per_update = min(lead_scoring.CHUNK, connection.ops.bulk_batch_size(["pk", "pk", *fields], [None] * n))
    updates = sum(-(-min(lead_scoring.CHUNK, n - start) // per_update) for start in range(0, n, lead_scoring.CHUNK))
    # one read of the features; per chunk a SAVEPOINT and a RELEASE (inside the test's
    # transaction) and as many UPDATEs as the database's parameter limit needs — never per lead
    with django_assert_max_num_queries(1 + 2 * chunks + updates):
        scored = lead_scoring.score_open_leads(model)
    assert scored == n
    assert Lead.objects.filter(score__isnull=False, score_model=model).count() == n


def test_engagement_counts_only_before_the_cut_off(admin, make_customer):
    """A disqualified lead's activity done after it was closed, and an interaction after the
    close, are not features of its history."""
    now = timezone.now()
    customer = make_customer(admin)
    history = lead("关闭了", status=Lead.Status.DISQUALIFIED, closed_at=now - dt.timedelta(days=10),
                   created_at=now - dt.timedelta(days=40))
    Lead.objects.filter(pk=history.pk).update(customer=customer)
    for days_ago in (20, 5):  # one before the close, one after
        Activity.objects.create(subject="电话", owner=admin, lead=history, done_at=now - dt.timedelta(days=days_ago))
        Interaction.objects.create(customer=customer, channel="email", direction="in", type="email", subject="回信",
                                   occurred_at=now - dt.timedelta(days=days_ago))
    Activity.objects.create(subject="未完成", owner=admin, lead=history)  # never done: not engagement

    features = lead_scoring.load_features(Lead.objects.filter(pk=history.pk), now=now)

    raw = features.raw
    assert (raw["activities"][0], raw["interactions"][0], raw["email_replies"][0]) == (1, 1, 1)
    assert raw["age_days"][0] == pytest.approx(30, abs=0.01)  # measured at the close, not now


def test_reasons_in_words():
    sources = {"referral": "Chain referral"}
    text = lead_scoring.reason_text
    assert text({"feature": "referrer_tier_a", "value": 1, "contribution": 0.9}) == "+ referral from a VIP customer"
    assert text({"feature": "has_phone", "value": 0, "contribution": -0.4}) == "\u2212 no phone"
    assert text({"feature": "source", "value": "referral", "contribution": 0.2},
                sources=sources) == "+ source: Chain referral"
    assert text({"feature": "activities", "value": 1, "contribution": 0.2}) == "+ 1 activity done"
    assert text({"feature": "activities", "value": 3, "contribution": 0.2}) == "+ 3 activities done"
    assert text({"feature": "age_days", "value": 90, "contribution": -0.3}) == "\u2212 90 days old"
    assert text({"feature": "region", "value": ls.OTHER, "contribution": -0.1}) == "\u2212 a less common region"
    assert text({"feature": "channel", "value": "wechat", "contribution": 0.1}) == "+ channel: WeChat"
    assert lead_scoring.describe_reasons([]) == []


def test_the_weekly_retraining_is_scheduled_and_the_task_trains(admin):
    from kehu import scheduling
    from kehu.sales import tasks

    job = {j.name: j for j in scheduling.jobs()}["sales.lead_score"]
    assert job.every == dt.timedelta(days=7)
    model_id = tasks.retrain_lead_score.call(admin.pk)
    assert LeadScoreModel.objects.get(pk=model_id).trained_by == admin
