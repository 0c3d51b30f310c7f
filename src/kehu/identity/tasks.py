"""Background work for identity (django-tasks; database backend, run by ``kehu worker``)."""

from django_tasks import task


@task()
def scan_duplicates(run_id: int) -> str:
    """Execute a queued duplicate scan. Idempotent: a finished scan is left as it is."""
    from kehu.identity.services import execute_scan

    return execute_scan(run_id).status
