"""Background work for exports (django-tasks; database backend, run by ``kehu worker``)."""

from django_tasks import task


@task()
def run_export(job_id: int) -> str:
    """Write a queued export to its file. Idempotent: a finished or failed job is left as it is."""
    from kehu.exports.services import run_job

    return run_job(job_id).status
