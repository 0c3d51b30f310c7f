"""What each import target accepts: its fields, their types and whether they are required.

The wizard lists these as mapping choices, ``mapping.suggest`` matches headers against them, and
the validators in ``targets`` check values against them. Custom fields of customers are added at
run time as ``custom:<key>`` (see ``customer_fields``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext_lazy as _

# value types (validators in kehu.imports.values)
TEXT, PHONE, EMAIL, DATE, DATETIME, DECIMAL, INTEGER, BOOLEAN, CHOICE, LIST = (
    "text", "phone", "email", "date", "datetime", "decimal", "integer", "boolean", "choice", "list")


@dataclass(frozen=True)
class Field:
    key: str
    label: str  # lazy translation
    type: str = TEXT
    required: bool = False
    max_length: int | None = None
    choices: tuple[str, ...] = ()  # for CHOICE: the stored values (labels are matched too)
    key_of: str = ""  # usable as an upsert / lookup key ("customer", "product", "order")
    max_abs: Decimal | int | None = None  # DECIMAL / INTEGER: what the database column holds


MONEY = Decimal("9999999999.99")  # DecimalField(max_digits=12, decimal_places=2)
POSITIVE_INT = 2_147_483_647  # PositiveIntegerField on every backend


@dataclass(frozen=True)
class Target:
    name: str  # customers, contacts, products, orders, interactions, consents, leads
    label: str
    fields: tuple[Field, ...]
    upsert_keys: tuple[str, ...] = ()  # field keys that can identify an existing record
    extra: dict = field(default_factory=dict)

    def field(self, key: str) -> Field | None:
        return next((f for f in self.fields if f.key == key), None)


def _choices(choices_class) -> tuple[str, ...]:
    return tuple(choices_class.values)


def _customer_ref_fields() -> tuple[Field, ...]:
    """How a row of contacts, orders, interactions or consents names its customer."""
    return (
        Field("customer_external_id", _("customer external id"), max_length=64, key_of="customer"),
        Field("customer_phone", _("customer phone"), PHONE, key_of="customer"),
        Field("customer_email", _("customer email"), EMAIL, key_of="customer"),
        Field("customer_registration_number", _("customer registration number"), max_length=64,
              key_of="customer"),
    )


def targets() -> dict[str, Target]:
    from kehu.customers.models import Address, Customer, Interaction
    from kehu.orders.models import Order
    from kehu.privacy.models import Consent

    customer = Target("customers", _("Customers"), (
        Field("external_id", _("external id"), max_length=64, key_of="customer"),
        Field("kind", _("kind"), CHOICE, choices=_choices(Customer.Kind)),
        Field("display_name", _("name"), max_length=200, required=True),
        Field("given_name", _("given name"), max_length=100),
        Field("family_name", _("family name"), max_length=100),
        Field("legal_name", _("legal name"), max_length=200),
        Field("registration_number", _("registration number"), max_length=64, key_of="customer"),
        Field("id_number", _("ID number"), max_length=64),
        Field("birth_date", _("date of birth"), DATE),
        Field("nature", _("nature"), CHOICE, choices=_choices(Customer.Nature)),
        Field("lifecycle_stage", _("lifecycle stage"), CHOICE, choices=_choices(Customer.Stage)),
        Field("tier", _("tier"), CHOICE, choices=_choices(Customer.Tier)),
        Field("acquisition_source", _("acquisition source"), CHOICE, choices=_choices(Customer.Source)),
        Field("owner", _("owner (user name or email)"), max_length=150),
        Field("tags", _("tags"), LIST),
        Field("phone", _("phone"), PHONE, key_of="customer"),
        Field("phone2", _("second phone"), PHONE),
        Field("email", _("email"), EMAIL, key_of="customer"),
        Field("wechat", _("WeChat ID"), max_length=200),
        Field("address_province", _("province"), max_length=60),
        Field("address_city", _("city"), max_length=60),
        Field("address_district", _("district"), max_length=60),
        Field("address_line1", _("street address"), max_length=200),
        Field("address_postal_code", _("postal code"), max_length=12),
        Field("address_kind", _("address kind"), CHOICE, choices=_choices(Address.Kind)),
    ), upsert_keys=("external_id", "phone", "email", "registration_number"))

    contact = Target("contacts", _("Contacts"), (
        *_customer_ref_fields(),
        Field("name", _("name"), max_length=120, required=True),
        Field("role", _("role"), max_length=120),
        Field("phone", _("phone"), PHONE),
        Field("email", _("email"), EMAIL),
        Field("is_primary", _("primary contact"), BOOLEAN),
    ))

    product = Target("products", _("Products"), (
        Field("sku", _("SKU"), max_length=64, required=True, key_of="product"),
        Field("name", _("name"), max_length=200, required=True),
        Field("category", _("category"), max_length=100),
        Field("price", _("price"), DECIMAL, max_abs=MONEY),
        Field("cost", _("cost"), DECIMAL, max_abs=MONEY),
        Field("is_active", _("active"), BOOLEAN),
    ), upsert_keys=("sku",))

    order = Target("orders", _("Orders"), (
        Field("order_external_id", _("order number"), max_length=64, key_of="order"),
        *_customer_ref_fields(),
        Field("ordered_at", _("ordered at"), DATETIME, required=True),
        Field("channel", _("channel"), CHOICE, choices=_choices(Order.Channel)),
        Field("store", _("store"), max_length=100),
        Field("status", _("status"), CHOICE, choices=_choices(Order.Status)),
        Field("currency", _("currency"), max_length=3),
        Field("sku", _("SKU"), max_length=64, required=True, key_of="product"),
        Field("quantity", _("quantity"), INTEGER, required=True, max_abs=POSITIVE_INT),
        Field("unit_price", _("unit price"), DECIMAL, required=True, max_abs=MONEY),
        Field("discount", _("discount"), DECIMAL, max_abs=MONEY),
    ), upsert_keys=("order_external_id",))

    interaction = Target("interactions", _("Interactions"), (
        *_customer_ref_fields(),
        Field("occurred_at", _("when"), DATETIME, required=True),
        Field("channel", _("channel"), CHOICE, choices=_choices(Interaction.Channel)),
        Field("direction", _("direction"), CHOICE, choices=_choices(Interaction.Direction)),
        Field("type", _("type"), CHOICE, choices=_choices(Interaction.Type)),
        Field("subject", _("subject"), max_length=200),
        Field("notes", _("notes")),
    ))

    consent = Target("consents", _("Consents"), (
        *_customer_ref_fields(),
        Field("purpose", _("purpose"), CHOICE, required=True, choices=_choices(Consent.Purpose)),
        Field("channel", _("channel"), CHOICE, required=True, choices=_choices(Consent.Channel)),
        Field("granted", _("granted"), BOOLEAN, required=True),
        Field("recorded_at", _("when"), DATETIME),
        Field("source", _("how"), CHOICE, choices=_choices(Consent.Source)),
        Field("note", _("note"), max_length=255),
    ))
    lead = Target("leads", _("Leads"), (
        Field("name", _("name"), max_length=200, required=True),
        Field("company", _("company"), max_length=200),
        Field("job_title", _("job title"), max_length=120),
        Field("phone", _("phone"), PHONE),
        Field("email", _("email"), EMAIL),
        Field("wechat", _("WeChat ID"), max_length=64),
        Field("region", _("region"), max_length=100),
        Field("source", _("lead source (code or name)"), max_length=100, required=True),
        Field("campaign", _("campaign or event"), max_length=200),
        Field("owner", _("owner (user name or email)"), max_length=150),
        Field("referrer_phone", _("referrer's phone (a customer)"), PHONE),
        Field("referrer_email", _("referrer's email (a customer)"), EMAIL),
        Field("notes", _("notes")),
    ))
    return {t.name: t for t in (customer, contact, product, order, interaction, consent, lead)}
