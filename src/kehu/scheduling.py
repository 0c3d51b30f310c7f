"""Periodic jobs the worker starts: apps register them in ``AppConfig.ready``.

Each job runs at most once per interval across every worker process: the first worker to add the
job's key to the shared (database) cache runs it; the key expires after the interval.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from django.core.cache import cache

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Job:
    name: str
    every: timedelta
    start: Callable[[], object]  # enqueue a task (cheap: the work runs as a queued job)
    enabled: Callable[[], bool] = lambda: True


_JOBS: dict[str, Job] = {}


def register(job: Job) -> None:
    _JOBS[job.name] = job


def jobs() -> list[Job]:
    return [_JOBS[k] for k in sorted(_JOBS)]


def start_due() -> list[str]:
    """Start every enabled job whose interval has passed; returns their names."""
    started = []
    for job in jobs():
        if not job.enabled():
            continue
        if cache.add(f"kehu:schedule:{job.name}", True, timeout=job.every.total_seconds()):
            try:
                job.start()
                started.append(job.name)
            except Exception:  # one broken job must not stop the others, nor the worker
                logger.exception("could not start the scheduled job %s", job.name)
    return started
