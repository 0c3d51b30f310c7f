"""Background work for scoring (django-tasks; database backend, run by ``kehu worker``)."""

from django_tasks import task


@task()
def score_customers(run_id: int) -> str:
    """Execute a queued scoring run. Idempotent: a finished run is left as it is."""
    from kehu.scoring.services import execute_run

    return execute_run(run_id).status
