"""Scoring runs: request one, execute it, read the settings. The one write path for scores."""

from __future__ import annotations

import logging
import time
import traceback
from collections.abc import Callable
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from kehu.privacy import audit
from kehu.scoring.compute import Config, compute_scores
from kehu.scoring.loading import read_inputs
from kehu.scoring.models import ScoreHistory, ScoreRun, ScoringSettings
from kehu.scoring.writing import write_scores

logger = logging.getLogger(__name__)
ACTIVE = (ScoreRun.Status.QUEUED, ScoreRun.Status.RUNNING)
# a run that has not moved for this long is taken as crashed (worker killed), not as running
STALE_AFTER = timedelta(hours=2)
# what a run copies from ScoringSettings: exactly what the calculation reads (compute.Config)
SETTINGS_FIELDS = [name for name in Config.__dataclass_fields__ if name != "cutoffs"]


class RunAlreadyActive(Exception):
    def __init__(self, run: ScoreRun):
        super().__init__(f"scoring run #{run.pk} is already {run.status}")
        self.run = run


def current_settings() -> ScoringSettings:
    obj, _created = ScoringSettings.objects.get_or_create(pk=1)
    return obj


def settings_snapshot(obj: ScoringSettings) -> dict:
    data = {name: getattr(obj, name) for name in SETTINGS_FIELDS}
    data["cutoffs"] = list(obj.cutoffs)
    data["update_customer_tier"] = obj.update_customer_tier
    return data


def save_settings(actor, obj: ScoringSettings, **values) -> ScoringSettings:
    """Change the model settings (validated, audited); the next run uses them."""
    before = audit.snapshot(obj, list(values))
    for name, value in values.items():
        setattr(obj, name, value)
    obj.full_clean()
    with transaction.atomic():
        obj.updated_by = actor if actor is not None and actor.is_authenticated else None
        obj.save()
        audit.record(actor, "update", obj, changes=audit.diff(before, audit.snapshot(obj, list(values))))
    return obj


def active_run() -> ScoreRun | None:
    cutoff = timezone.now() - STALE_AFTER
    fresh = Q(status=ScoreRun.Status.QUEUED, created_at__gte=cutoff) | Q(
        status=ScoreRun.Status.RUNNING, started_at__gte=cutoff)
    return ScoreRun.objects.filter(fresh).order_by("-created_at").first()


def latest_run() -> ScoreRun | None:
    return ScoreRun.objects.filter(status=ScoreRun.Status.DONE).order_by("-finished_at", "-id").first()


def request_run(actor, *, trigger: str = ScoreRun.Trigger.WEB, enqueue: bool = True) -> ScoreRun:
    """Create a queued run (refused while another is queued or running) and hand it to the worker."""
    with transaction.atomic():
        running = active_run()
        if running is not None:
            raise RunAlreadyActive(running)
        run = ScoreRun.objects.create(trigger=trigger, requested_by=actor if actor and actor.is_authenticated else None,
                                      settings=settings_snapshot(current_settings()))
        audit.record(actor, "create", run)
        if enqueue:
            from kehu.scoring.tasks import score_customers

            run_id = run.pk
            transaction.on_commit(lambda: score_customers.enqueue(run_id))
    return run


def execute_run(run_id: int, *, progress: Callable[[ScoreRun], None] = lambda run: None,
                now: datetime | None = None) -> ScoreRun:
    """Score every customer for run ``run_id``. Idempotent: a finished run is returned as it is."""
    run = ScoreRun.objects.get(pk=run_id)
    if run.status in (ScoreRun.Status.DONE, ScoreRun.Status.FAILED):
        return run
    now = now or timezone.now()
    settings_obj = current_settings()
    run.status, run.started_at, run.observation_end = ScoreRun.Status.RUNNING, timezone.now(), now
    run.save(update_fields=["status", "started_at", "observation_end"])
    started = time.perf_counter()

    def stage(name: str, done: int | None = None, total: int | None = None):
        run.stage = name
        fields = ["stage"]
        if done is not None:
            run.done, run.total = done, total
            fields += ["done", "total"]
        ScoreRun.objects.filter(pk=run.pk).update(**{f: getattr(run, f) for f in fields})
        progress(run)

    try:
        t0 = time.perf_counter()
        inputs = read_inputs(now, progress=stage)
        load_s = time.perf_counter() - t0
        stage("computing", 0, len(inputs.customer_id))
        result = compute_scores(inputs, Config.from_settings(run.settings), progress=stage)
        stage("writing", 0, len(inputs.customer_id))
        t1 = time.perf_counter()

        def written(done):
            run.done = done
            progress(run)

        write_parts: dict[str, float] = {}
        changed = write_scores(run, result.columns, update_tier=run.settings.get("update_customer_tier", True),
                               on_chunk=written, timings=write_parts)
        write_s = time.perf_counter() - t1
    except Exception as exc:
        logger.exception("scoring run %s failed", run.pk)
        ScoreRun.objects.filter(pk=run.pk).update(
            status=ScoreRun.Status.FAILED, finished_at=timezone.now(),
            error=f"{type(exc).__name__}: {exc}\n\n{traceback.format_exc(limit=5)}")
        run.refresh_from_db()
        progress(run)
        return run
    run.status, run.stage, run.finished_at = ScoreRun.Status.DONE, "done", timezone.now()
    run.fit, run.diagnostics = result.fit, result.diagnostics
    run.timings = {"load": round(load_s, 3), **result.timings, "write": round(write_s, 3),
                   **{f"write_{k}": v for k, v in write_parts.items()},
                   "total": round(time.perf_counter() - started, 3)}
    run.customers, run.buyers, run.transactions = len(inputs.customer_id), result.buyers, len(inputs.order_customer)
    run.done = run.total = run.customers
    with transaction.atomic():
        run.save()
        # the bulk path records one audit entry for the run, not one per customer
        audit.record(run.requested_by, "update", run,
                     changes={"customers_scored": [None, run.customers], "tiers_changed": [None, changed]})
    _prune_history(settings_obj.keep_runs)
    progress(run)
    return run


def _prune_history(keep: int) -> None:
    old = list(ScoreRun.objects.filter(status=ScoreRun.Status.DONE).order_by("-finished_at", "-id")
               .values_list("pk", flat=True)[keep:])
    if old:
        ScoreHistory.objects.filter(run_id__in=old).delete()


def due_for_schedule(now: datetime | None = None) -> bool:
    """True when the settings ask for periodic runs and the last one is older than the interval."""
    hours = current_settings().rescore_every_hours
    if not hours or active_run() is not None:
        return False
    last = ScoreRun.objects.exclude(status=ScoreRun.Status.FAILED).order_by("-created_at").first()
    now = now or timezone.now()
    return last is None or last.created_at <= now - timedelta(hours=hours)
