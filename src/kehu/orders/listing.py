"""The order list's filters, shared by the list page and its exports."""

from collections.abc import Mapping

from django.db.models import QuerySet
from django.utils.dateparse import parse_date

from kehu.customers.access import customer_scope_for
from kehu.orders.models import Order

# Every query parameter the list understands (an export keeps these and drops the rest).
PARAMS = ("channel", "status", "store", "from", "to")


def list_params(params: Mapping) -> dict[str, str]:
    """The list parameters of a request (or a stored export job) as a plain ``{name: value}``."""
    return {name: str(params.get(name)) for name in PARAMS if params.get(name)}


def filter_orders(user, params: Mapping) -> QuerySet[Order]:
    """Orders of the customers ``user`` sees, filtered by the list's ``params``, newest first."""
    qs = Order.objects.filter(customer_scope_for(user, "customer__"))
    for name in ("channel", "status"):
        if params.get(name):
            qs = qs.filter(**{name: params[name]})
    if params.get("store"):
        qs = qs.filter(store=params["store"])
    start, end = parse_date(params.get("from") or ""), parse_date(params.get("to") or "")
    if start:
        qs = qs.filter(ordered_at__date__gte=start)
    if end:
        qs = qs.filter(ordered_at__date__lte=end)
    return qs.order_by("-ordered_at", "-id")
