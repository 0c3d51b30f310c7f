"""The lead score page and API: who may see it and retrain it, what it shows for a trained model
and for the rule fallback."""

import pytest
from django.test import Client
from django_tasks_db.models import DBTaskResult

from kehu.sales import lead_scoring
from kehu.sales.models import LeadScoreModel
from tests.sales.conftest_insight import closed_history

pytestmark = pytest.mark.django_db


def _client(user):
    client = Client()
    client.force_login(user)
    return client


def test_the_page_shows_the_model_its_quality_and_its_coefficients(make_user, admin):
    closed_history(600, seed=8)
    model = lead_scoring.train_lead_score(admin)
    manager = make_user("manager")
    html = _client(manager).get("/sales/lead-score/").content.decode()
    assert "Trained model" in html and f"{model.auc:.3f}" in html and f"{model.baseline_auc:.3f}" in html
    assert "What moves the score" in html and "has a phone number" in html
    assert 'id="calibration-chart"' in html and 'id="calibration-table"' in html
    assert 'action="/sales/lead-score/train/"' in html and "csrfmiddlewaretoken" in html


def test_the_page_says_when_the_rules_are_used(make_user, admin):
    closed_history(50, seed=8)
    lead_scoring.train_lead_score(admin)
    html = _client(make_user("manager")).get("/sales/lead-score/").content.decode()
    assert "Rule score (too little history)" in html and "Too little history to learn from: 50 closed leads" in html
    assert "The rule score's points" in html and "referral from a VIP customer" in html


def test_the_page_before_any_training(make_user):
    html = _client(make_user("manager")).get("/sales/lead-score/").content.decode()
    assert "has not been trained yet" in html


def test_who_may_see_and_retrain(make_user, rep, django_capture_on_commit_callbacks):
    assert _client(rep).get("/sales/lead-score/").status_code == 403  # reps see scores on leads, not the model
    assert _client(rep).post("/sales/lead-score/train/").status_code == 403
    assert not DBTaskResult.objects.exists()
    manager = make_user("manager")
    assert _client(manager).get("/sales/lead-score/train/").status_code == 405
    with django_capture_on_commit_callbacks(execute=True):
        response = _client(manager).post("/sales/lead-score/train/")
    assert response.status_code == 302 and response["Location"] == "/sales/lead-score/"
    (queued,) = DBTaskResult.objects.all()
    assert queued.task_path == "kehu.sales.tasks.retrain_lead_score" and queued.args_kwargs["args"] == [manager.pk]


def test_the_api_lists_trainings_with_quality(api, make_user, admin, rep):
    closed_history(400, seed=9)
    first = lead_scoring.train_lead_score(admin)
    second = lead_scoring.train_lead_score(None)
    response = api(make_user("manager")).get("/api/v1/lead-score-models/")
    assert response.status_code == 200
    rows = response.json()["results"]
    assert [r["id"] for r in rows] == [second.pk, first.pk]
    assert rows[0]["is_active"] and not rows[1]["is_active"] and rows[1]["trained_by"] == admin.username
    assert rows[0]["kind"] == LeadScoreModel.Kind.MODEL and rows[0]["auc"] > 0.6 and len(rows[0]["calibration"]) == 10
    assert "coef" in rows[0]["parameters"]
    assert api(rep).get("/api/v1/lead-score-models/").status_code == 403


def test_the_command_line(admin):
    from io import StringIO

    from django.core.management import call_command

    from tests.sales.conftest_insight import open_leads

    closed_history(400, seed=10)
    (one,) = open_leads(1)
    out = StringIO()
    call_command("sales", "train-lead-score", stdout=out)
    model = lead_scoring.active_model()
    assert f"Lead score #{model.pk}: trained on 320 leads, checked on 80: AUC {model.auc:.3f}" in out.getvalue()
    one.refresh_from_db()
    assert one.score_model == model
    LeadScoreModel.objects.update(is_active=False)
    rules = lead_scoring.train_lead_score(None, rescore=False)
    LeadScoreModel.objects.filter(pk=rules.pk).update(kind=LeadScoreModel.Kind.RULES, parameters={})
    out = StringIO()
    call_command("sales", "score-leads", stdout=out)
    assert "1 open leads scored" in out.getvalue()
    one.refresh_from_db()
    assert one.score_model_id == rules.pk
    call_command("sales", "train-lead-score", "--enqueue", stdout=StringIO())
    from django_tasks_db.models import DBTaskResult

    assert DBTaskResult.objects.filter(task_path="kehu.sales.tasks.retrain_lead_score").count() == 1
