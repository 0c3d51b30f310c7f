"""Who sees which case: the permission choke point of the service app.

Whoever sees every customer (service agents, admins) sees every case. Others (sales reps,
managers) see the cases of the customers they may see, the cases they own, and the unidentified
cases (no customer yet) routed to their teams.
"""

from django.db.models import Q, QuerySet
from django.http import Http404

from kehu.accounts.models import TeamMembership
from kehu.customers.access import customer_scope_for, sees_all_customers
from kehu.service.models import Case, FollowUp


def case_scope(user) -> Q:
    if not user or not user.is_authenticated or not user.is_active or not user.has_perm("service.view_case"):
        return Q(pk__in=[])
    if sees_all_customers(user):
        return Q()
    my_teams = TeamMembership.objects.filter(user=user).values("team_id")
    return (Q(customer__isnull=False) & customer_scope_for(user, "customer__")) | Q(owner=user) | Q(
        customer__isnull=True, team_id__in=my_teams)


def visible_cases(user) -> QuerySet[Case]:
    return Case.objects.filter(case_scope(user))


def access_case(user, pk, *, for_change: bool = False) -> Case:
    """One case for ``user`` or Http404 (invisible and missing look the same)."""
    from django.core.exceptions import PermissionDenied

    case = visible_cases(user).select_related("customer", "category", "owner", "team").filter(pk=pk).first()
    if case is None:
        raise Http404
    if for_change and not user.has_perm("service.change_case"):
        raise PermissionDenied
    return case


def visible_follow_ups(user) -> QuerySet[FollowUp]:
    if not user.has_perm("service.view_followup"):
        return FollowUp.objects.none()
    if sees_all_customers(user):
        return FollowUp.objects.all()
    return FollowUp.objects.filter(Q(owner=user) | (Q(customer__isnull=False) & customer_scope_for(user, "customer__")))
