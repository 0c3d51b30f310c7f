"""Who takes a new case: the category's team, by round-robin or to the least-loaded agent."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db.models import Count, Q

from kehu.service.models import Case, CaseCategory


def agents(team_id: int) -> list:
    """Active service agents and managers of the team, in a stable order (a sales rep in the team
    may open and answer cases of their customers, but the queue is not theirs)."""
    from kehu.accounts.roles import MANAGER, SERVICE

    users = get_user_model().objects.filter(is_active=True, memberships__team_id=team_id)
    able = Q(is_superuser=True) | Q(groups__name__in=[SERVICE, MANAGER])
    return list(users.filter(able).distinct().order_by("pk"))


def assign(category: CaseCategory) -> tuple:
    """(owner or None, team or None) for a new case of this category. Call inside the transaction
    that creates the case: the category row is locked so two cases never take the same turn."""
    if category.team_id is None:
        return None, None
    if category.routing == CaseCategory.Routing.MANUAL:
        return None, category.team
    locked = CaseCategory.objects.select_for_update().get(pk=category.pk)
    people = agents(locked.team_id)
    if not people:
        return None, locked.team
    if locked.routing == CaseCategory.Routing.LEAST_LOADED:
        load = dict(Case.objects.filter(owner__in=people).exclude(stage=Case.Stage.CLOSED)
                    .values_list("owner").annotate(n=Count("id")))
        owner = min(people, key=lambda u: (load.get(u.pk, 0), u.pk))
    else:
        after = [u for u in people if locked.last_assigned_id is not None and u.pk > locked.last_assigned_id]
        owner = after[0] if after else people[0]
    locked.last_assigned = owner
    locked.save(update_fields=["last_assigned"])
    return owner, locked.team
