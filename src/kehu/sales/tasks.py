"""Background work for the sales insight area (django-tasks; run by ``kehu worker``): the lead
score is retrained every week — and on demand from its page — and every open lead rescored."""

from datetime import timedelta

from django_tasks import task

RETRAIN_EVERY = timedelta(days=7)


@task()
def retrain_lead_score(actor_id: int | None = None) -> int:
    """Train the lead score on the closed leads so far and rescore the open ones. Returns the new
    LeadScoreModel's id. Idempotent in effect: a second run trains an equal model on the same data."""
    from django.contrib.auth import get_user_model

    from kehu.sales.lead_scoring import train_lead_score

    actor = get_user_model().objects.filter(pk=actor_id).first() if actor_id else None
    return train_lead_score(actor).pk


def register_jobs() -> None:
    """The weekly retraining on the worker's schedule (called from ``SalesConfig.ready``)."""
    from kehu import scheduling

    scheduling.register(scheduling.Job("sales.lead_score", RETRAIN_EVERY, retrain_lead_score.enqueue))
