"""Background work for customer service (django-tasks; run by ``kehu worker``)."""

from django_tasks import task


@task()
def refresh_sla() -> int:
    """Flag late cases and notify their owners once."""
    from kehu.service.sla import refresh_breaches

    return len(refresh_breaches())


@task()
def poll_mailbox() -> dict:
    from kehu.service import mailbox

    return dict(mailbox.poll()) if mailbox.configured() else {}


@task()
def link_unidentified_cases() -> int:
    from kehu.service.intake import link_unidentified

    return link_unidentified()
