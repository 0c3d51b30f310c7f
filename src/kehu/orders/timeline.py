from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kehu.customers.timeline import TimelineEvent, TimelineSource, register
from kehu.orders.models import Order
from kehu.web.money import format_money


def _orders(customer_id):
    return Order.objects.filter(customer_id=customer_id)


def _render(rows, pii_visible):
    for order in rows:
        where = order.get_channel_display() + (f" · {order.store}" if order.store else "")
        yield TimelineEvent(
            occurred_at=order.ordered_at, source="orders.order", pk=order.pk, kind="order",
            title=_("Order %(ref)s: %(total)s") % {"ref": order, "total": format_money(order.total, order.currency)},
            lines=(where, order.get_status_display()),
        )


register(TimelineSource("orders.order", _orders, _render, time_field="ordered_at",
                        label=gettext_lazy("Orders")))
