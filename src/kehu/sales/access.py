"""The one place that decides which leads, opportunities and activities a user sees.

Like customers (``kehu.customers.access``), private by default:
- admins, and roles with ``sales.view_all_leads`` / ``sales.view_all_opportunities``, see all;
- a manager sees records of the teams they manage and those owned by their teams' members;
- everyone sees what they own.
Activities are personal: their owner and the owner's managers see them.
Lists, dashboards, the API and the calendar all start here; an invisible record is a 404.
"""

from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Q
from django.http import Http404

from kehu.accounts.models import TeamMembership

VIEW_ALL_LEADS = "sales.view_all_leads"
VIEW_ALL_OPPORTUNITIES = "sales.view_all_opportunities"


def _owned_scope(user, *, view_all: str | None, prefix: str = "", team_field: bool = True) -> Q:
    if not user or not user.is_authenticated or not user.is_active:
        return Q(pk__in=[])
    if user.is_superuser or (view_all and user.has_perm(view_all)):
        return Q()
    scope = Q(**{f"{prefix}owner_id": user.pk})
    managed = TeamMembership.objects.filter(user=user, is_manager=True).values("team_id")
    if managed.exists():
        owned_by_my_people = TeamMembership.objects.filter(user_id=OuterRef(f"{prefix}owner_id"), team_id__in=managed)
        scope |= Q(Exists(owned_by_my_people))
        if team_field:
            scope |= Q(**{f"{prefix}team_id__in": managed})
    return scope


def lead_scope(user, prefix: str = "") -> Q:
    return _owned_scope(user, view_all=VIEW_ALL_LEADS, prefix=prefix)


def opportunity_scope(user, prefix: str = "") -> Q:
    return _owned_scope(user, view_all=VIEW_ALL_OPPORTUNITIES, prefix=prefix)


def activity_scope(user, prefix: str = "") -> Q:
    return _owned_scope(user, view_all=None, prefix=prefix, team_field=False)


def visible_leads(user):
    from kehu.sales.models import Lead

    return Lead.objects.filter(lead_scope(user))


def visible_opportunities(user):
    from kehu.sales.models import Opportunity

    return Opportunity.objects.filter(opportunity_scope(user))


def visible_activities(user):
    from kehu.sales.models import Activity

    return Activity.objects.filter(activity_scope(user))


def _one(qs, pk, *, user, perm: str | None, what: str):
    try:
        record = qs.get(pk=pk)
    except (qs.model.DoesNotExist, ValueError, TypeError):
        raise Http404(f"No {what} matches the given query.") from None
    if perm and not user.has_perm(perm):
        raise PermissionDenied
    return record


LEAD_RELATED = ("source", "owner", "team", "referrer_customer", "referrer_contact")


def access_lead(user, pk, *, for_change: bool = False, related=LEAD_RELATED):
    """One lead for ``user``, or Http404 (invisible and missing look the same); PermissionDenied
    when they may see but not change it. ``related``: what the page shows of it, in the same query."""
    return _one(visible_leads(user).select_related(*related), pk, user=user,
                perm="sales.change_lead" if for_change else None, what="lead")


def access_opportunity(user, pk, *, for_change: bool = False):
    return _one(visible_opportunities(user).select_related("customer", "pipeline", "stage", "owner"), pk,
                user=user, perm="sales.change_opportunity" if for_change else None, what="opportunity")


def access_activity(user, pk, *, for_change: bool = False):
    return _one(visible_activities(user).select_related("customer", "lead", "opportunity", "owner"), pk,
                user=user, perm="sales.change_activity" if for_change else None, what="activity")
