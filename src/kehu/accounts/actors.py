"""Who is acting in a service call: a user, or ``None`` for the system (the public forms, the
worker, the demo data). Every app's services check and record the actor the same way."""

from django.core.exceptions import PermissionDenied


def require(actor, perm: str) -> None:
    """Refuse a user without ``perm``; the system (``None``) has no user to check."""
    if actor is not None and not actor.has_perm(perm):
        raise PermissionDenied


def person_or_none(actor):
    """The user to record as having done it (``created_by`` …): nobody for the system or anonymous."""
    return actor if actor is not None and actor.is_authenticated else None
