"""The one place that decides which customers a user may see and change.

Lists, search, the 360 page, the API and exports all start from ``visible_customers`` or
``access_customer``; a customer outside the scope is a 404, exactly like one that does not exist.

Sharing model (like Salesforce with private defaults):
- admins and roles with ``customers.view_all_customers`` (service, marketing) see everyone;
- a manager sees customers of the teams they manage and those owned by their team's members;
- everyone sees customers they own and those shared with one of their teams (CustomerShare).
"""

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404

from kehu.accounts.models import TeamMembership
from kehu.customers.models import Customer, CustomerShare

VIEW_ALL = "customers.view_all_customers"


def sees_all_customers(user) -> bool:
    return user.is_superuser or user.has_perm(VIEW_ALL)


def customer_scope(user) -> Q:
    """The visibility filter for Customer itself."""
    return customer_scope_for(user, "")


def customer_scope_for(user, prefix: str) -> Q:
    """The visibility filter for any model reached from Customer through ``prefix``
    (``""`` for Customer, ``"customer__"`` for orders, identities …). ``Q()`` means everything."""
    if not user or not user.is_authenticated or not user.is_active:
        return Q(pk__in=[])
    if sees_all_customers(user):
        return Q()
    customer_pk = OuterRef(f"{prefix}pk" if prefix else "pk")
    memberships = TeamMembership.objects.filter(user=user)
    my_teams = memberships.values("team_id")
    shared_with_me = CustomerShare.objects.filter(customer_id=customer_pk, team_id__in=my_teams)
    scope = Q(**{f"{prefix}owner_id": user.pk}) | Q(Exists(shared_with_me))
    managed = memberships.filter(is_manager=True).values("team_id")
    if memberships.filter(is_manager=True).exists():
        owned_by_my_people = TeamMembership.objects.filter(user_id=OuterRef(f"{prefix}owner_id"),
                                                           team_id__in=managed)
        scope |= Q(**{f"{prefix}team_id__in": managed}) | Q(Exists(owned_by_my_people))
    return scope


def visible_customers(user, *, include_merged: bool = False) -> QuerySet[Customer]:
    """Customers ``user`` may see; merged-away records are hidden unless asked for."""
    qs = Customer.objects.filter(customer_scope(user))
    return qs if include_merged else qs.filter(merged_into__isnull=True)


def access_customer(user, customer_id, *, for_change: bool = False) -> Customer:
    """Fetch one customer for ``user`` or raise Http404 (invisible and missing look the same).

    ``for_change`` additionally needs the change permission; without it the record is still a
    404 for a user who cannot see it, and a PermissionDenied for one who can see but not edit.
    """
    from django.core.exceptions import PermissionDenied

    try:
        customer = visible_customers(user).select_related("owner", "team").get(pk=customer_id)
    except (Customer.DoesNotExist, ValueError, TypeError):
        raise Http404("No customer matches the given query.") from None
    if for_change and not user.has_perm("customers.change_customer"):
        raise PermissionDenied
    return customer
