"""The P series: what each customer bought, when, where and for how much."""

from decimal import Decimal

from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

ZERO = Decimal("0.00")


class Product(models.Model):
    sku = models.CharField(_("SKU"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=200)
    category = models.CharField(_("category"), max_length=100, blank=True, db_index=True)
    price = models.DecimalField(_("price"), max_digits=12, decimal_places=2,
                                validators=[MinValueValidator(ZERO)])
    cost = models.DecimalField(_("cost"), max_digits=12, decimal_places=2, default=ZERO,
                               validators=[MinValueValidator(ZERO)])
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("product")
        verbose_name_plural = _("products")
        ordering = ["sku"]

    def __str__(self):
        return f"{self.sku} {self.name}"


class Order(models.Model):
    class Channel(models.TextChoices):
        STORE = "store", _("Store")
        ONLINE = "online", _("Online shop")
        PHONE = "phone", _("Phone")
        WECHAT = "wechat", _("WeChat")
        SALES_REP = "sales_rep", _("Sales rep")
        OTHER = "other", _("Other")

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        PAID = "paid", _("Paid")
        SHIPPED = "shipped", _("Shipped")
        COMPLETED = "completed", _("Completed")
        CANCELLED = "cancelled", _("Cancelled")
        REFUNDED = "refunded", _("Refunded")

    # orders that never became revenue: the value scores, referral values and sales reports skip them
    NOT_REVENUE = (Status.CANCELLED, Status.REFUNDED)

    customer = models.ForeignKey("customers.Customer", on_delete=models.CASCADE,
                                 related_name="orders", verbose_name=_("customer"), db_index=False)
    ordered_at = models.DateTimeField(_("ordered at"))
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices,
                               default=Channel.STORE)
    store = models.CharField(_("store"), max_length=100, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices,
                              default=Status.COMPLETED)
    total = models.DecimalField(_("total"), max_digits=14, decimal_places=2, default=ZERO)
    currency = models.CharField(_("currency"), max_length=3, default="CNY")
    # Unique when present, so re-loading the same file is idempotent (a table constraint: the
    # field option would add a LIKE-pattern index on PostgreSQL that imports pay for, unused).
    external_id = models.CharField(_("external id"), max_length=64, null=True, blank=True)

    class Meta:
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        ordering = ["-ordered_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["external_id"], name="uniq_order_external_id")]
        indexes = [
            models.Index(fields=["customer", "-ordered_at", "-id"], name="order_customer_at"),
            models.Index(fields=["-ordered_at"], name="order_at"),
        ]

    def __str__(self):
        return self.external_id or f"#{self.pk}"


class OrderLine(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines",
                              verbose_name=_("order"))
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="+",
                                verbose_name=_("product"))
    quantity = models.PositiveIntegerField(_("quantity"), validators=[MinValueValidator(1)])
    unit_price = models.DecimalField(_("unit price"), max_digits=12, decimal_places=2,
                                     validators=[MinValueValidator(ZERO)])
    discount = models.DecimalField(_("discount"), max_digits=12, decimal_places=2, default=ZERO,
                                   validators=[MinValueValidator(ZERO)])

    class Meta:
        verbose_name = _("order line")
        verbose_name_plural = _("order lines")
        ordering = ["id"]

    def __str__(self):
        return f"{self.quantity} × {self.product_id}"

    @property
    def amount(self) -> Decimal:
        return self.quantity * self.unit_price - self.discount
