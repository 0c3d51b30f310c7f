"""The write path for products and orders (the P series)."""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from kehu.orders.models import ZERO, Order, OrderLine, Product
from kehu.privacy import audit

PRODUCT_FIELDS = ["sku", "name", "category", "price", "cost", "is_active"]
ORDER_FIELDS = ["customer", "ordered_at", "channel", "store", "status", "total", "currency", "external_id"]


@transaction.atomic
def save_product(actor, product: Product, **fields) -> Product:
    creating = product.pk is None
    before = {} if creating else audit.snapshot(Product.objects.get(pk=product.pk), PRODUCT_FIELDS)
    for name, value in fields.items():
        setattr(product, name, value)
    product.full_clean()
    product.save()
    delta = audit.diff(before, audit.snapshot(product, PRODUCT_FIELDS))
    audit.record(actor, "create" if creating else "update", product, changes=delta)
    return product


def _build_lines(order: Order, lines) -> list[OrderLine]:
    errors = {}
    built = []
    product_ids = {line.get("product") if not isinstance(line.get("product"), Product)
                   else line["product"].pk for line in lines}
    products = Product.objects.in_bulk([p for p in product_ids if p is not None])
    for i, line in enumerate(lines):
        product = line.get("product")
        product = products.get(product.pk if isinstance(product, Product) else product)
        if product is None:
            errors[f"lines.{i}.product"] = [_("Unknown product.")]
            continue
        unit_price = line.get("unit_price")
        ol = OrderLine(order=order, product=product, quantity=line.get("quantity", 1),
                       unit_price=product.price if unit_price is None else Decimal(str(unit_price)),
                       discount=Decimal(str(line.get("discount") or ZERO)))
        try:
            ol.full_clean(exclude=["order"])
        except ValidationError as exc:
            for field, msgs in exc.message_dict.items():
                errors[f"lines.{i}.{field}"] = msgs
            continue
        if ol.amount < ZERO:
            errors[f"lines.{i}.discount"] = [_("The discount is larger than the line amount.")]
        built.append(ol)
    if errors:
        raise ValidationError(errors)
    return built


@transaction.atomic
def save_order(actor, order: Order, *, lines=None, **fields) -> Order:
    """Create or update an order. With ``lines`` (list of dicts) the lines are replaced and the
    total recomputed from them; without, the given total stands."""
    creating = order.pk is None
    before = {} if creating else audit.snapshot(Order.objects.get(pk=order.pk), ORDER_FIELDS)
    for name, value in fields.items():
        setattr(order, name, value)
    if order.external_id == "":
        order.external_id = None
    built = _build_lines(order, lines) if lines is not None else None
    if built is not None:
        order.total = sum((line.amount for line in built), ZERO)
    order.full_clean(exclude=["customer"])
    order.save()
    if built is not None:
        order.lines.all().delete()
        for line in built:
            line.order = order
        OrderLine.objects.bulk_create(built)
    delta = audit.diff(before, audit.snapshot(order, ORDER_FIELDS))
    if built is not None:
        delta["lines"] = [None, len(built)]
    audit.record(actor, "create" if creating else "update", order, customer_id=order.customer_id,
                 changes=delta)
    return order


@transaction.atomic
def delete_order(actor, order: Order) -> None:
    audit.record(actor, "delete", order, customer_id=order.customer_id,
                 changes=audit.diff({}, audit.snapshot(order, ["total", "ordered_at"])))
    order.delete()
