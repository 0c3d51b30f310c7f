"""Background work for surveys (django-tasks; database backend, run by ``kehu worker``)."""

from django_tasks import task


@task()
def run_batch_send(batch_id: int) -> str:
    """Invite a large segment, chunk by chunk. Idempotent: a finished batch is left as it is."""
    from kehu.surveys.invitations import run_batch

    return run_batch(batch_id).status


@task()
def invite_after_orders() -> int:
    """The daily after-order run (started by the worker's schedule, ``SurveysConfig.ready``):
    invite the customers of completed orders that are N days old. Idempotent: an order is
    invited once (a unique constraint), a customer at most once per 30 days per survey."""
    from kehu.surveys.invitations import invite_after_orders as run

    return sum(batch.invited for batch in run())
