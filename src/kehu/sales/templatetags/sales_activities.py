"""``{% activity_panel record %}``: the activities of a lead, opportunity or customer, with a
quick "log / plan an activity" form, for the detail pages of each.

Open activities first (soonest due first), then the most recently done, ten in all, with a link to
the whole list; only what the user may see (``kehu.sales.access``). The form posts to the
activity views and comes back to the page; it is there only for users who may add activities.
Two queries (open, then done) whatever the record's history.
"""

from urllib.parse import urlsplit

from django import template
from django.db.models import F
from django.utils import timezone

from kehu.customers.models import Customer
from kehu.sales.access import visible_activities
from kehu.sales.forms_activities import ActivityForm
from kehu.sales.models import Activity, Lead, Opportunity

register = template.Library()

LIMIT = 10
FIELD_OF = {Lead: "lead", Opportunity: "opportunity", Customer: "customer"}


def panel_context(user, record, *, next_url: str = "") -> dict:
    field = FIELD_OF.get(type(record))
    if field is None:
        raise TypeError(f"activity_panel takes a lead, an opportunity or a customer, not {type(record).__name__}")
    mine = (visible_activities(user).filter(**{field: record})
            .select_related("customer", "lead", "opportunity", "owner"))
    rows = list(mine.filter(done_at__isnull=True).order_by(F("due_at").asc(nulls_last=True), "pk")[: LIMIT + 1])
    if len(rows) <= LIMIT:
        rows += list(mine.filter(done_at__isnull=False).order_by("-done_at", "-pk")[: LIMIT + 1 - len(rows)])
    can_add = user.has_perm("sales.add_activity")
    form = None
    if can_add:
        form = ActivityForm(user=user, compact=True, initial={field: record.pk}, auto_id=f"panel_{field}_%s")
    return {"record": record, "field": field, "activities": rows[:LIMIT], "more": len(rows) > LIMIT,
            "can_add": can_add, "can_change": user.has_perm("sales.change_activity"), "form": form,
            "next": next_url, "now": timezone.now(), "outcomes": Activity.Outcome.choices}


@register.inclusion_tag("sales/activities/_panel.html", takes_context=True)
def activity_panel(context, record):
    request = context.get("request")
    if request is None or not request.user.has_perm("sales.view_activity"):
        return {"record": record, "hidden": True}
    return {**panel_context(request.user, record, next_url=_page_url(request)), "request": request}


def _page_url(request) -> str:
    """The page the panel is on, to come back to after a post: the browser's page when the panel
    was loaded into it by htmx (the customer page loads its panels so), else this request's."""
    current = getattr(getattr(request, "htmx", None), "current_url", None)
    if current:
        parts = urlsplit(current)
        return parts.path + (f"?{parts.query}" if parts.query else "")
    return request.get_full_path()
