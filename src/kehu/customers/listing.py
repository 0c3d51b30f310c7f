"""The customer list's filters and sort orders, shared by the list page and its exports.

``filter_customers(user, params)`` starts from ``access.visible_customers(user)``, so whatever
reads a list through it (the page, a CSV/Excel export, a background export job) sees exactly the
rows the user may see, filtered and ordered the same way.
"""

from collections.abc import Mapping

from django.db.models import QuerySet

from kehu.customers.access import visible_customers
from kehu.customers.api import search_customers
from kehu.customers.models import Customer

SORTS = {
    "name": "display_name", "-name": "-display_name",
    "created": "created_at", "-created": "-created_at",
    "stage": "lifecycle_stage", "-stage": "-lifecycle_stage",
    "tier": "tier", "-tier": "-tier",
    # value scores (kehu.scoring), indexed columns of the one-to-one score row
    "clv": "score__clv", "-clv": "-score__clv",
    "alive": "score__p_alive", "-alive": "-score__p_alive",
}
DEFAULT_SORT = "-created"
FILTERS = ("kind", "nature", "lifecycle_stage", "tier", "owner", "team")
SCORE_FILTERS = {"segment": "score__segment", "r_score": "score__r_score", "f_score": "score__f_score",
                 "loyalty": "score__loyalty"}
# Every query parameter the list understands (an export keeps these and drops the rest).
PARAMS = (*FILTERS, *SCORE_FILTERS, "tag", "q", "sort")


def list_params(params: Mapping) -> dict[str, str]:
    """The list parameters of a request (or a stored export job) as a plain ``{name: value}``."""
    return {name: str(params.get(name)) for name in PARAMS if params.get(name)}


def filter_customers(user, params: Mapping) -> tuple[QuerySet[Customer], str]:
    """The customers ``user`` sees, filtered and ordered by the list's ``params``; and the sort key."""
    qs = visible_customers(user)
    for name in FILTERS:
        value = params.get(name)
        if value:
            qs = qs.filter(**{f"{name}_id" if name in ("owner", "team") else name: value})
    for name, lookup in SCORE_FILTERS.items():
        value = params.get(name)
        if value:
            qs = qs.filter(**{lookup: value})
    if params.get("tag"):
        qs = qs.filter(tags__name=params["tag"])
    if params.get("q"):
        qs = search_customers(qs, params["q"])
    sort = params.get("sort", DEFAULT_SORT)
    order = SORTS.get(sort, "-created_at")
    return qs.order_by(order, "-id"), sort
