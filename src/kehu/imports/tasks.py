"""Background work for imports (django-tasks; database backend, run by ``kehu worker``).

Both tasks are idempotent and never raise: the services mark a job failed, with a message for
the user, and log the traceback."""

from django_tasks import task


@task()
def check_import(job_id: int) -> str:
    """The dry run of a job the wizard queued: counts, possible duplicates, the error file."""
    from kehu.imports.services import execute_check

    return execute_check(job_id).status


@task()
def run_import(job_id: int) -> str:
    """Apply a checked (or resumed) import in chunks; honours cancel between chunks."""
    from kehu.imports.services import execute_run

    return execute_run(job_id).status
