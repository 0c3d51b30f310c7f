"""A scoring run end to end on the database: read in bulk, fit, write back, history, audit."""

from zoneinfo import ZoneInfo

import numpy as np
import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command

from kehu.analytics import BetaGeoModel, summarize_transactions
from kehu.customers.models import Customer
from kehu.orders.models import Order
from kehu.privacy.models import AuditEntry
from kehu.scoring import services
from kehu.scoring.loading import read_inputs
from kehu.scoring.models import CustomerScore, ScoreHistory, ScoreRun

SHANGHAI = ZoneInfo("Asia/Shanghai")


def _run(actor=None, now=None):
    run = services.request_run(actor, trigger=ScoreRun.Trigger.CLI, enqueue=False)
    return services.execute_run(run.pk, now=now)


@pytest.mark.django_db(transaction=False)
def test_a_run_scores_every_customer_and_copies_the_tier(history, admin):
    run = _run(admin, now=history)
    assert run.status == ScoreRun.Status.DONE, run.error
    customers = Customer.objects.count()
    assert run.customers == customers == CustomerScore.objects.count()
    assert ScoreHistory.objects.filter(run=run).count() == customers
    assert run.buyers == CustomerScore.objects.filter(purchases__gt=0).count()
    assert run.transactions == Order.objects.exclude(status__in=["cancelled", "refunded"]).count()
    # the pyramid: A is the top 1% by CLV, and the customer record carries the same tier
    tiers = dict(CustomerScore.objects.values_list("customer_id", "tier"))
    assert dict(Customer.objects.values_list("id", "tier")) == tiers
    assert sum(t == "A" for t in tiers.values()) == int(0.01 * customers)
    assert set(CustomerScore.objects.filter(purchases=0).values_list("tier", flat=True)) == {"D"}
    assert set(CustomerScore.objects.filter(purchases=0).values_list("segment", flat=True)) <= {"new", "lost"}
    assert not CustomerScore.objects.filter(purchases=0, p_alive__isnull=False).exists()
    top = CustomerScore.objects.order_by("-clv").first()
    assert top.tier == "A" and top.p_alive is not None
    bought = Order.objects.filter(customer_id=top.customer_id).exclude(status__in=["cancelled", "refunded"])
    assert top.first_purchase_at == bought.order_by("ordered_at").first().ordered_at  # UTC, to the second
    assert top.last_purchase_at == bought.order_by("-ordered_at").first().ordered_at
    assert top.purchases == len({o.ordered_at.astimezone(SHANGHAI).date() for o in bought})  # shop days
    assert AuditEntry.objects.filter(object_type="scoring.scorerun", object_id=str(run.pk),
                                     action="update").exists()
    assert set(run.fit["purchase"]["params"]) == {"r", "alpha", "a", "b"}
    assert run.diagnostics["holdout"]["customers"] > 0
    assert len(run.diagnostics["tracking"]["actual"]) == len(run.diagnostics["tracking"]["expected"])


@pytest.mark.django_db
def test_stored_scores_are_the_library_s_predictions(history):
    """The run must store exactly what kehu.analytics computes from the same purchases."""
    run = _run(now=history)
    inputs = read_inputs(history)
    summary = summarize_transactions(inputs.order_customer, inputs.order_time.astype("datetime64[s]"),
                                     inputs.order_amount, observation_end=np.datetime64(inputs.now, "s"),
                                     time_unit="D").sort("customer_id")
    model = BetaGeoModel().fit(summary["frequency"], summary["recency"], summary["T"])
    for name, value in model.params_.items():
        assert run.fit["purchase"]["params"][name] == pytest.approx(value, rel=1e-9)
    expected = dict(zip(summary["customer_id"].to_list(),
                        model.probability_alive(summary["frequency"], summary["recency"], summary["T"]),
                        strict=True))
    stored = dict(CustomerScore.objects.filter(purchases__gt=0).values_list("customer_id", "p_alive"))
    assert stored.keys() == expected.keys()
    for cid, p in stored.items():
        assert p == pytest.approx(expected[cid], rel=1e-9, abs=1e-12)


@pytest.mark.django_db
def test_reading_orders_skips_cancelled_and_refunded(history):
    inputs = read_inputs(history)
    kept = Order.objects.exclude(status__in=["cancelled", "refunded"])
    assert len(inputs.order_customer) == kept.count()
    assert inputs.order_amount.sum() == pytest.approx(float(sum(kept.values_list("total", flat=True))))


@pytest.mark.django_db
def test_a_second_run_keeps_history_and_prunes_old_runs(history):
    settings_obj = services.current_settings()
    services.save_settings(None, settings_obj, keep_runs=2)
    first, second, third = _run(now=history), _run(now=history), _run(now=history)
    assert {r.status for r in (first, second, third)} == {ScoreRun.Status.DONE}
    assert not ScoreHistory.objects.filter(run=first).exists()
    assert ScoreHistory.objects.filter(run=second).count() == Customer.objects.count()
    assert set(CustomerScore.objects.values_list("run_id", flat=True)) == {third.pk}


@pytest.mark.django_db
def test_only_one_run_at_a_time(history):
    running = services.request_run(None, enqueue=False)
    with pytest.raises(services.RunAlreadyActive) as excinfo:
        services.request_run(None, enqueue=False)
    assert excinfo.value.run == running
    assert ScoreRun.objects.count() == 1


@pytest.mark.django_db
def test_settings_validation_and_audit(admin):
    obj = services.current_settings()
    with pytest.raises(ValidationError) as excinfo:
        services.save_settings(admin, obj, tier_a_share=0.3)
    assert "tier_b_share" in excinfo.value.message_dict
    obj.refresh_from_db()
    assert obj.tier_a_share == 0.01
    services.save_settings(admin, obj, margin_rate=0.45, purchase_model="paretonbd")
    entry = AuditEntry.objects.get(object_type="scoring.scoringsettings")
    assert entry.changes["margin_rate"] == [0.3, 0.45]
    assert entry.actor == admin


@pytest.mark.django_db
def test_settings_shape_the_next_run(history):
    services.save_settings(None, services.current_settings(), tier_by="profit", tier_a_share=0.1,
                           tier_b_share=0.2, tier_c_share=0.5, update_customer_tier=False)
    run = _run(now=history)
    assert run.settings["tier_by"] == "profit" and run.settings["cutoffs"] == [0.1, 0.2, 0.5]
    customers = Customer.objects.count()
    assert CustomerScore.objects.filter(tier="A").count() == int(0.1 * customers)
    best = CustomerScore.objects.order_by("-total_spend").first()
    assert best.tier == "A"
    assert not Customer.objects.exclude(tier="").exists()  # the customer record was left alone


@pytest.mark.django_db
def test_pareto_nbd_can_be_chosen(history):
    services.save_settings(None, services.current_settings(), purchase_model="paretonbd", time_unit="W")
    run = _run(now=history)
    assert run.status == ScoreRun.Status.DONE, run.error
    assert set(run.fit["purchase"]["params"]) == {"r", "alpha", "s", "beta"}


@pytest.mark.django_db
def test_a_failed_run_is_recorded_with_its_error(history, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(services, "compute_scores", broken)
    run = _run(now=history)
    assert run.status == ScoreRun.Status.FAILED
    assert "disk on fire" in run.error
    assert not CustomerScore.objects.exists()
    # a failed run does not block the next one
    assert services.active_run() is None


# The worker commits and closes stale connections like it does in production: real transactions.
@pytest.mark.django_db(transaction=True)
def test_the_background_worker_runs_a_queued_run(history):
    from django_tasks_db.models import DBTaskResult

    run = services.request_run(None, trigger=ScoreRun.Trigger.WEB)  # enqueued on commit
    task = DBTaskResult.objects.get()
    assert task.args_kwargs["args"] == [run.pk]
    call_command("worker", "--once")
    run.refresh_from_db()
    assert run.status == ScoreRun.Status.DONE, run.error
    assert CustomerScore.objects.count() == Customer.objects.count()
    assert DBTaskResult.objects.get(pk=task.pk).status == "SUCCESSFUL"  # (the worker also starts due scheduled jobs)


@pytest.mark.django_db(transaction=True)
def test_the_schedule(history):
    assert services.due_for_schedule()
    call_command("worker", "--once")  # queues the due run, then executes it
    run = ScoreRun.objects.get()
    assert run.trigger == "schedule" and run.status == "done", run.error
    assert not services.due_for_schedule()
    ScoreRun.objects.update(created_at="2000-01-01T00:00:00Z")
    assert services.due_for_schedule()  # the interval has passed
    services.save_settings(None, services.current_settings(), rescore_every_hours=0)
    assert not services.due_for_schedule()  # 0 = only on demand


@pytest.mark.django_db
def test_kehu_score_prints_the_fit_and_a_progress_bar(history, capsys):
    call_command("score")
    out, err = capsys.readouterr()
    run = ScoreRun.objects.get()
    assert f"Scoring run #{run.pk}: {run.customers:,} customers" in out
    assert "bgnbd: r=" in out
    assert "writing" in err  # tqdm's bar names the stage


@pytest.mark.django_db
def test_kehu_score_refuses_while_a_run_is_active(history):
    from django.core.management.base import CommandError

    services.request_run(None, enqueue=False)
    with pytest.raises(CommandError, match="already queued"):
        call_command("score")
