"""Exports: any list (with its filters) and one customer's whole file, to CSV or Excel.

- Visibility: lists are read through the list pages' own filters (``customers.listing``,
  ``orders.listing``), which start from ``customers.access``; a customer file goes through
  ``access_customer``. An export holds exactly the rows its user may see.
- Personal data is masked with ``privacy.masking``/``privacy.pii`` for users without
  ``privacy.view_pii``, as the pages and the API mask it.
- Every header and cell is made safe against formula injection by ``exports.writers``.
- Exporting needs ``exports.export_data``; every export is an ``ExportJob`` and an audit entry.
- A list of at most ``KEHU_EXPORT_STREAM_LIMIT`` rows (5,000) is sent at once; a longer one is
  written by the background worker (``exports.tasks``) to a file that only its requester (or an
  admin) may download, kept ``KEHU_EXPORT_KEEP_DAYS`` days (7).
"""

from __future__ import annotations

import logging
import os
import secrets
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist, PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Prefetch
from django.http import Http404
from django.utils import timezone, translation
from django.utils.dateparse import parse_date
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from kehu.customers import listing as customer_listing
from kehu.customers.access import access_customer
from kehu.customers.models import (
    Address,
    ChannelIdentity,
    Contact,
    Customer,
    CustomFieldDefinition,
    Interaction,
)
from kehu.customers.timeline import sources, timeline_page
from kehu.env import setting_int
from kehu.exports import writers
from kehu.exports.models import ExportJob
from kehu.orders import listing as order_listing
from kehu.orders.models import Order, OrderLine
from kehu.privacy import audit
from kehu.privacy.masking import can_view_pii, mask_identity
from kehu.privacy.models import Consent
from kehu.privacy.pii import mask_field
from kehu.scoring.models import CustomerScore
from kehu.scoring.presentation import LOYALTY, segment_label

logger = logging.getLogger(__name__)

EXPORT_PERMISSION = "exports.export_data"
ORDERS_PERMISSION = "orders.view_order"
VALUE_PERMISSION = "scoring.view_customerscore"
CHUNK_SIZE = 2000
TIMELINE_PAGE = 500  # events per timeline page read for a customer file
CONTENT_TYPES = {
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "zip": "application/zip",
}


def stream_limit() -> int:
    """Lists up to this many rows are sent at once; longer ones become a background job."""
    return setting_int("KEHU_EXPORT_STREAM_LIMIT", 5000)


def export_dir() -> Path:
    """Where background exports are kept: the data directory, never a web-served folder."""
    return Path(getattr(settings, "KEHU_EXPORT_DIR", Path(settings.DATA_DIR) / "exports"))


def keep_days() -> int:
    """Background exports' files are deleted after this many days (the jobs stay as history)."""
    return setting_int("KEHU_EXPORT_KEEP_DAYS", 7)


def can_export(user, kind: str = ExportJob.Kind.CUSTOMERS) -> bool:
    if not (user and user.is_authenticated and user.is_active and user.has_perm(EXPORT_PERMISSION)):
        return False
    return kind != ExportJob.Kind.ORDERS or user.has_perm(ORDERS_PERMISSION)


def check_can_export(user, kind: str = ExportJob.Kind.CUSTOMERS) -> None:
    if not can_export(user, kind):
        raise PermissionDenied(_("You may not export data."))


# --- values as a spreadsheet shows them ----------------------------------------------------

def _local(value):
    """An aware datetime as the wall-clock time of the site's time zone (Excel has no zones)."""
    return timezone.localtime(value).replace(tzinfo=None) if value else None


def _yes_no(value) -> str:
    return _("yes") if value else _("no")


def _label(model, field: str) -> str:
    return capfirst(str(model._meta.get_field(field).verbose_name))


def _user(user) -> str:
    return user.get_username() if user is not None else ""


@dataclass
class Column:
    header: str
    value: Callable


def _sheet(title: str, columns: list[Column], objects: Iterable) -> writers.Sheet:
    getters = [c.value for c in columns]
    return writers.Sheet(title, [c.header for c in columns],
                         ([get(obj) for get in getters] for obj in objects))


# --- the customer list --------------------------------------------------------------------

def _phone_or_email(channel: str, pii: bool):
    """The customer's primary phone (or email), else their first, as the customer list shows it."""
    from kehu.web.templatetags.kehu import display_phone

    def value(customer):
        identity = next((i for i in customer.export_identities if i.channel == channel), None)
        if identity is None:
            return ""
        if not pii:
            return mask_identity(identity.channel, identity.normalized)
        return display_phone(identity.normalized) if channel == "phone" else identity.value

    return value


def _score(customer):
    try:
        return customer.score
    except CustomerScore.DoesNotExist:
        return None


def _score_value(field: str, present: Callable = lambda v: v):
    def value(customer):
        score = _score(customer)
        raw = getattr(score, field) if score is not None else None
        return present(raw) if raw not in (None, "") else None

    return value


def _custom_value(defn: CustomFieldDefinition):
    types = CustomFieldDefinition.Type

    def value(customer):
        raw = customer.custom_fields.get(defn.key)
        if raw in (None, "", []):
            return None
        if isinstance(raw, list):
            return ", ".join(map(str, raw))
        if isinstance(raw, bool) or defn.type == types.BOOLEAN:
            return _yes_no(raw)
        if defn.type == types.DECIMAL:
            try:
                return Decimal(str(raw))
            except InvalidOperation:
                return str(raw)
        if defn.type == types.DATE:
            return parse_date(str(raw)) or str(raw)
        return raw

    return value


def customer_columns(user) -> list[Column]:
    """The list's columns and the C series, masked as ``user`` sees them."""
    pii = can_view_pii(user)

    def pii_field(field):
        if pii:
            return lambda c: getattr(c, field)
        return lambda c: mask_field("customers.customer", field, getattr(c, field))

    columns = [Column(_("ID"), lambda c: c.pk)]
    try:
        Customer._meta.get_field("external_id")
        columns.append(Column(_label(Customer, "external_id"), lambda c: c.external_id))
    except FieldDoesNotExist:
        pass
    columns += [
        Column(_label(Customer, "display_name"), lambda c: c.display_name),
        Column(_label(Customer, "kind"), _choice_label(Customer, "kind")),
        Column(_label(Customer, "family_name"), lambda c: c.family_name),
        Column(_label(Customer, "given_name"), lambda c: c.given_name),
        Column(_label(Customer, "legal_name"), lambda c: c.legal_name),
        Column(_label(Customer, "nature"), _choice_label(Customer, "nature")),
        Column(_label(Customer, "lifecycle_stage"), _choice_label(Customer, "lifecycle_stage")),
        Column(_label(Customer, "tier"), lambda c: c.tier),
        Column(_label(Customer, "acquisition_source"), _choice_label(Customer, "acquisition_source")),
        Column(_label(Customer, "owner"), lambda c: _user(c.owner)),
        Column(_label(Customer, "team"), lambda c: c.team.name if c.team else ""),
        Column(_label(Customer, "tags"), lambda c: ", ".join(t.name for t in c.tags.all())),
        Column(_("Phone"), _phone_or_email("phone", pii)),
        Column(_("Email"), _phone_or_email("email", pii)),
        Column(_label(Address, "city"),
               lambda c: c.export_addresses[0].city if c.export_addresses else ""),
        Column(_label(Customer, "birth_date"), pii_field("birth_date")),
        Column(_label(Customer, "id_number"), pii_field("id_number")),
        Column(_label(Customer, "registration_number"), pii_field("registration_number")),
    ]
    language = translation.get_language()
    columns += [Column(defn.label(language), _custom_value(defn))
                for defn in CustomFieldDefinition.objects.all()]
    if user.has_perm(VALUE_PERMISSION):
        columns += [
            Column(_label(CustomerScore, "segment"), _score_value("segment", segment_label)),
            Column(_label(CustomerScore, "rfm_code"), _score_value("rfm_code")),
            Column(_label(CustomerScore, "r_score"), _score_value("r_score")),
            Column(_label(CustomerScore, "f_score"), _score_value("f_score")),
            Column(_label(CustomerScore, "m_score"), _score_value("m_score")),
            Column(_label(CustomerScore, "clv"), _score_value("clv")),
            Column(_label(CustomerScore, "p_alive"), _score_value("p_alive")),
            Column(_label(CustomerScore, "expected_purchases"), _score_value("expected_purchases")),
            Column(_label(CustomerScore, "loyalty"),
                   _score_value("loyalty", lambda v: str(LOYALTY[v][0]) if v in LOYALTY else v)),
            Column(_label(CustomerScore, "purchases"), _score_value("purchases")),
            Column(_label(CustomerScore, "total_spend"), _score_value("total_spend")),
            Column(_label(CustomerScore, "last_purchase_at"), _score_value("last_purchase_at", _local)),
        ]
    columns += [
        Column(_label(Customer, "created_at"), lambda c: _local(c.created_at)),
        Column(_label(Customer, "updated_at"), lambda c: _local(c.updated_at)),
    ]
    return columns


def _with_related(qs, user):
    """Everything a row shows, in one query per chunk for each of tags, identities and addresses."""
    related = ["owner", "team"] + (["score"] if user.has_perm(VALUE_PERMISSION) else [])
    identities = ChannelIdentity.objects.filter(channel__in=["phone", "email"]).order_by(
        "channel", "-is_primary", "id")
    return qs.select_related(*related).prefetch_related(
        "tags",
        Prefetch("identities", queryset=identities, to_attr="export_identities"),
        Prefetch("addresses", queryset=Address.objects.order_by("-is_primary", "id"),
                 to_attr="export_addresses"),
    )


def customer_sheet(user, qs) -> writers.Sheet:
    """The customer list's rows ``qs`` (from ``customers.listing.filter_customers``) as a table."""
    columns = customer_columns(user)
    return _sheet(capfirst(str(Customer._meta.verbose_name_plural)), columns,
                  _with_related(qs, user).iterator(chunk_size=CHUNK_SIZE))



def _choice_label(model, name: str):
    """``obj.get_<name>_display()`` with the labels translated once per export, not per cell
    (translating them per cell was half the time of a long export)."""
    field = model._meta.get_field(name)
    labels = {value: str(label) for value, label in field.flatchoices}
    return lambda obj: labels.get(getattr(obj, field.attname), getattr(obj, field.attname))


# --- the order list -----------------------------------------------------------------------

def order_columns() -> list[Column]:
    return [
        Column(_("ID"), lambda o: o.pk),
        Column(_label(Order, "external_id"), lambda o: o.external_id),
        Column(_label(Order, "ordered_at"), lambda o: _local(o.ordered_at)),
        Column(_("Customer ID"), lambda o: o.customer_id),
        Column(_label(Order, "customer"), lambda o: o.customer.display_name),
        Column(_label(Order, "channel"), _choice_label(Order, "channel")),
        Column(_label(Order, "store"), lambda o: o.store),
        Column(_label(Order, "status"), _choice_label(Order, "status")),
        Column(_label(Order, "total"), lambda o: o.total),
        Column(_label(Order, "currency"), lambda o: o.currency),
    ]


def order_sheet(user, qs) -> writers.Sheet:
    """The order list's rows ``qs`` (from ``orders.listing.filter_orders``) as a table."""
    return _sheet(capfirst(str(Order._meta.verbose_name_plural)), order_columns(),
                  qs.select_related("customer").iterator(chunk_size=CHUNK_SIZE))


@dataclass(frozen=True)
class ListKind:
    params: Callable[[Mapping], dict]  # the list's own query parameters, as stored on the job
    queryset: Callable  # (user, params) -> the list's rows, unevaluated
    sheet: Callable[..., writers.Sheet]  # (user, rows) -> the table
    stem: str


LISTS = {
    ExportJob.Kind.CUSTOMERS: ListKind(customer_listing.list_params,
                                       lambda user, p: customer_listing.filter_customers(user, p)[0],
                                       customer_sheet, "customers"),
    ExportJob.Kind.ORDERS: ListKind(order_listing.list_params, order_listing.filter_orders,
                                    order_sheet, "orders"),
}


# --- one customer's whole file ------------------------------------------------------------

def _mask(model_label: str, field: str, pii: bool, channel: str | None = None):
    def value(obj):
        raw = getattr(obj, field)
        return raw if pii else mask_field(model_label, field, raw, identity_channel=channel)

    return value


def _identity_value(pii: bool):
    from kehu.web.templatetags.kehu import display_phone

    def value(identity):
        if not pii:
            return mask_identity(identity.channel, identity.normalized)
        return display_phone(identity.normalized) if identity.channel == "phone" else identity.value

    return value


def _order_line_rows(customer_id: int) -> Iterator[tuple[Order, OrderLine | None]]:
    lines = Prefetch("lines", queryset=OrderLine.objects.select_related("product").order_by("id"))
    orders = (Order.objects.filter(customer_id=customer_id).order_by("-ordered_at", "-id")
              .prefetch_related(lines))
    for order in orders.iterator(chunk_size=CHUNK_SIZE):
        lines = list(order.lines.all())
        if not lines:
            yield order, None
        for line in lines:
            yield order, line


def _line(get):
    return lambda pair: get(pair[1]) if pair[1] is not None else None


def _timeline_rows(customer_id: int, pii: bool) -> Iterator[list]:
    labels = {s.key: str(s.label) for s in sources()}
    cursor = None
    while True:
        page = timeline_page(customer_id, cursor=cursor, limit=TIMELINE_PAGE, pii_visible=pii)
        for event in page.events:
            yield [_local(event.occurred_at), labels.get(event.source, event.source), event.title,
                   "\n".join(event.lines), event.actor]
        if not page.next_cursor:
            return
        cursor = page.next_cursor


def customer_file_sheets(user, customer: Customer) -> list[writers.Sheet]:
    """The customer (C), identities, contacts, addresses, orders with their lines (P),
    interactions, consents (every decision) and the whole timeline: one table each."""
    pii = can_view_pii(user)
    pk = customer.pk
    plural = lambda model: capfirst(str(model._meta.verbose_name_plural))  # noqa: E731
    one = _with_related(Customer.objects.filter(pk=pk), user)
    identities = ChannelIdentity.objects.filter(customer_id=pk).order_by("channel", "-is_primary", "id")
    consents = Consent.objects.filter(customer_id=pk).select_related("recorded_by").order_by(
        "-recorded_at", "-id")
    interactions = Interaction.objects.filter(customer_id=pk).select_related("user").order_by(
        "-occurred_at", "-id")
    return [
        _sheet(capfirst(str(Customer._meta.verbose_name)), customer_columns(user), one),
        _sheet(plural(ChannelIdentity), [
            Column(_label(ChannelIdentity, "channel"), lambda i: i.get_channel_display()),
            Column(_label(ChannelIdentity, "value"), _identity_value(pii)),
            Column(_label(ChannelIdentity, "verified"), lambda i: _yes_no(i.verified)),
            Column(_label(ChannelIdentity, "is_primary"), lambda i: _yes_no(i.is_primary)),
            Column(_label(ChannelIdentity, "source"), lambda i: i.get_source_display()),
            Column(_label(ChannelIdentity, "created_at"), lambda i: _local(i.created_at)),
        ], identities.iterator(chunk_size=CHUNK_SIZE)),
        _sheet(plural(Contact), [
            Column(_label(Contact, "name"), lambda c: c.name),
            Column(_label(Contact, "role"), lambda c: c.role),
            Column(_label(Contact, "phone"), _mask("customers.contact", "phone", pii)),
            Column(_label(Contact, "email"), _mask("customers.contact", "email", pii)),
            Column(_label(Contact, "is_primary"), lambda c: _yes_no(c.is_primary)),
        ], Contact.objects.filter(customer_id=pk).order_by("-is_primary", "name", "id")),
        _sheet(plural(Address), [
            Column(_label(Address, "kind"), lambda a: a.get_kind_display()),
            Column(_label(Address, "country"), lambda a: a.country),
            Column(_label(Address, "province"), lambda a: a.province),
            Column(_label(Address, "city"), lambda a: a.city),
            Column(_label(Address, "district"), _mask("customers.address", "district", pii)),
            Column(_label(Address, "line1"), _mask("customers.address", "line1", pii)),
            Column(_label(Address, "postal_code"), _mask("customers.address", "postal_code", pii)),
            Column(_label(Address, "is_primary"), lambda a: _yes_no(a.is_primary)),
        ], Address.objects.filter(customer_id=pk).order_by("-is_primary", "id")),
        _sheet(plural(Order), [
            Column(_("Order ID"), lambda p: p[0].pk),
            Column(_label(Order, "external_id"), lambda p: p[0].external_id),
            Column(_label(Order, "ordered_at"), lambda p: _local(p[0].ordered_at)),
            Column(_label(Order, "channel"), lambda p: p[0].get_channel_display()),
            Column(_label(Order, "store"), lambda p: p[0].store),
            Column(_label(Order, "status"), lambda p: p[0].get_status_display()),
            Column(_label(Order, "total"), lambda p: p[0].total),
            Column(_label(Order, "currency"), lambda p: p[0].currency),
            Column(_("SKU"), _line(lambda line: line.product.sku)),
            Column(_label(OrderLine, "product"), _line(lambda line: line.product.name)),
            Column(_label(OrderLine, "quantity"), _line(lambda line: line.quantity)),
            Column(_label(OrderLine, "unit_price"), _line(lambda line: line.unit_price)),
            Column(_label(OrderLine, "discount"), _line(lambda line: line.discount)),
            Column(_("Amount"), _line(lambda line: line.amount)),
        ], _order_line_rows(pk)),
        _sheet(plural(Interaction), [
            Column(_label(Interaction, "occurred_at"), lambda i: _local(i.occurred_at)),
            Column(_label(Interaction, "channel"), lambda i: i.get_channel_display()),
            Column(_label(Interaction, "direction"), lambda i: i.get_direction_display()),
            Column(_label(Interaction, "type"), lambda i: i.get_type_display()),
            Column(_label(Interaction, "subject"), lambda i: i.subject),
            Column(_label(Interaction, "notes"), lambda i: i.notes),
            Column(_label(Interaction, "user"), lambda i: _user(i.user)),
        ], interactions.iterator(chunk_size=CHUNK_SIZE)),
        _sheet(plural(Consent), [
            Column(_label(Consent, "purpose"), _choice_label(Consent, "purpose")),
            Column(_label(Consent, "channel"), _choice_label(Consent, "channel")),
            Column(_label(Consent, "granted"), lambda c: _("granted") if c.granted else _("withdrawn")),
            Column(_label(Consent, "recorded_at"), lambda c: _local(c.recorded_at)),
            Column(_label(Consent, "source"), _choice_label(Consent, "source")),
            Column(_label(Consent, "note"), lambda c: c.note),
            Column(_label(Consent, "is_current"), lambda c: _yes_no(c.is_current)),
            Column(_label(Consent, "recorded_by"), lambda c: _user(c.recorded_by)),
        ], consents.iterator(chunk_size=CHUNK_SIZE)),
        writers.Sheet(_("Timeline"), [_("When"), _("Source"), _("Event"), _("Details"), _("By")],
                      _timeline_rows(pk, pii)),
    ]


# --- writing ------------------------------------------------------------------------------

def _extension(kind: str, fmt: str) -> str:
    if fmt == ExportJob.Format.CSV and kind == ExportJob.Kind.CUSTOMER_FILE:
        return "zip"  # one CSV per part
    return fmt


def content_type(kind: str, fmt: str, encoding: str = writers.UTF8) -> str:
    ext = _extension(kind, fmt)
    return f"{CONTENT_TYPES[ext]}; charset={encoding}" if ext == "csv" else CONTENT_TYPES[ext]


def download_name(kind: str, fmt: str, *, customer_id=None, at=None) -> str:
    """``customers-20261123-1530.csv``, ``orders-….xlsx``, ``customer-42-….zip`` (local time)."""
    stamp = timezone.localtime(at).strftime("%Y%m%d-%H%M")
    stem = f"customer-{customer_id}" if kind == ExportJob.Kind.CUSTOMER_FILE else LISTS[kind].stem
    return f"{stem}-{stamp}.{_extension(kind, fmt)}"


def _write(target, kind: str, fmt: str, encoding: str, sheets: list[writers.Sheet]) -> list[int]:
    if fmt == ExportJob.Format.XLSX:
        return writers.write_xlsx(target, sheets)
    if kind == ExportJob.Kind.CUSTOMER_FILE:
        return writers.write_csv_zip(target, sheets, encoding=encoding)
    (sheet,) = sheets
    return [writers.write_csv(target, sheet.headers, sheet.rows, encoding=encoding)]


def _spooled(write: Callable) -> tuple:
    """A file written by ``write(file)`` in memory (on disk past 16 MB), and what it returned."""
    spool = tempfile.SpooledTemporaryFile(max_size=16 * 1024 * 1024)  # closed by _file_chunks
    try:
        return spool, write(spool)
    except BaseException:
        spool.close()
        raise


def _file_chunks(spool, size: int = 64 * 1024) -> Iterator[bytes]:
    try:
        spool.seek(0)
        while chunk := spool.read(size):
            yield chunk
    finally:
        spool.close()


def _check_format(fmt: str, encoding: str) -> None:
    errors = {}
    if fmt not in ExportJob.Format.values:
        errors["format"] = [_("Choose CSV or Excel.")]
    if encoding not in ExportJob.Encoding.values:
        errors["encoding"] = [_("Choose UTF-8 or GB18030.")]
    if errors:
        raise ValidationError(errors)


# --- exporting ----------------------------------------------------------------------------

@dataclass
class Export:
    """What an export produced: a finished, audited job and the file's bytes to send now, or a
    queued job (``chunks is None``) the background worker will write."""

    job: ExportJob
    filename: str
    content_type: str
    chunks: Iterator[bytes] | None = None

    @property
    def queued(self) -> bool:
        return self.chunks is None


def _audit(actor, job: ExportJob, **extra) -> None:
    changes = {"kind": [None, job.kind], "format": [None, job.format]}
    if job.kind == ExportJob.Kind.CUSTOMER_FILE:
        changes["customer"] = [None, job.customer_id]
    else:
        changes["filters"] = [None, job.filters]
    changes.update({k: [None, v] for k, v in extra.items()})
    audit.record(actor, "export", job, customer_id=job.customer_id, changes=changes)


def _sent_now(user, kind: str, fmt: str, encoding: str, *, filters=None, customer_id=None,
              row_count: int, **audit_extra) -> ExportJob:
    """The job and audit entry of an export sent in this response."""
    now = timezone.now()
    with transaction.atomic():
        job = ExportJob.objects.create(
            requested_by=user, kind=kind, format=fmt, encoding=encoding, filters=filters or {},
            customer_id=customer_id, language=translation.get_language() or "",
            status=ExportJob.Status.DONE, streamed=True, row_count=row_count, started_at=now,
            finished_at=now, file_name=download_name(kind, fmt, customer_id=customer_id, at=now))
        _audit(user, job, row_count=row_count, **audit_extra)
    return job


def _list_query(user, kind: str, filters: Mapping | None):
    """The list's parameters and its rows (a query built, which checks the values, not run)."""
    params = LISTS[kind].params(filters or {})
    try:
        return params, LISTS[kind].queryset(user, params)
    except (ValueError, TypeError, ValidationError) as exc:
        raise ValidationError({"filters": [_("These filters are not valid: %(error)s") % {
            "error": exc}]}) from None


def _in_language(rows: Iterable, language: str | None) -> Iterator:
    """Rows made while the response streams, in the language of the request that asked."""
    with translation.override(language):
        yield from rows


def export_list(user, kind: str, filters: Mapping | None, fmt: str, *, encoding: str = writers.UTF8,
                limit: int | None = None, enqueue: bool = True) -> Export:
    """Export a list as its page shows it (same filters and order, only visible rows, masked).

    Up to ``limit`` rows (``KEHU_EXPORT_STREAM_LIMIT``) are returned as chunks to send now; a
    longer list becomes a queued job (found by a bounded count: never a full COUNT(*)).
    """
    check_can_export(user, kind)
    _check_format(fmt, encoding)
    params, qs = _list_query(user, kind, filters)
    limit = stream_limit() if limit is None else limit
    rows = qs.order_by()[: limit + 1].count()
    if rows > limit:
        job = request_export(user, kind, fmt, encoding=encoding, filters=params, enqueue=enqueue)
        return Export(job, job.file_name, content_type(kind, fmt, encoding))
    sheet = LISTS[kind].sheet(user, qs)
    if fmt == ExportJob.Format.CSV:  # streamed as the response is sent: audited before
        rows_now = _in_language(sheet.rows, translation.get_language())
        chunks = writers.csv_chunks(sheet.headers, rows_now, encoding=encoding)
    else:  # written first (a workbook is a zip), audited once it exists
        chunks = _file_chunks(_spooled(lambda out: writers.write_xlsx(out, [sheet]))[0])
    job = _sent_now(user, kind, fmt, encoding, filters=params, row_count=rows)
    return Export(job, job.file_name, content_type(kind, fmt, encoding), chunks)


def export_customers(user, filters: Mapping | None, fmt: str, **options) -> Export:
    """The customer list (``filters``: the list page's query parameters)."""
    return export_list(user, ExportJob.Kind.CUSTOMERS, filters, fmt, **options)


def export_orders(user, filters: Mapping | None, fmt: str, **options) -> Export:
    """The order list (``filters``: the order page's query parameters)."""
    return export_list(user, ExportJob.Kind.ORDERS, filters, fmt, **options)


def export_customer_file(user, customer, fmt: str = ExportJob.Format.XLSX, *,
                         encoding: str = writers.UTF8) -> Export:
    """One customer's whole file: XLSX with one sheet per part, or a zip of one CSV per part."""
    check_can_export(user, ExportJob.Kind.CUSTOMER_FILE)
    _check_format(fmt, encoding)
    kind = ExportJob.Kind.CUSTOMER_FILE
    customer = access_customer(user, getattr(customer, "pk", customer))
    sheets = customer_file_sheets(user, customer)
    spool, counts = _spooled(lambda out: _write(out, kind, fmt, encoding, sheets))
    job = _sent_now(user, kind, fmt, encoding, customer_id=customer.pk, row_count=sum(counts),
                    sheets=dict(zip((s.title for s in sheets), counts, strict=True)))
    return Export(job, job.file_name, content_type(kind, fmt, encoding), _file_chunks(spool))


def request_export(user, kind: str, fmt: str, *, encoding: str = writers.UTF8, filters=None,
                   customer_id=None, enqueue: bool = True) -> ExportJob:
    """Queue an export for the background worker (large lists, and every API export)."""
    check_can_export(user, kind)
    _check_format(fmt, encoding)
    if kind == ExportJob.Kind.CUSTOMER_FILE:
        customer_id = access_customer(user, customer_id).pk
        params = {}
    elif kind in LISTS:
        params, _rows = _list_query(user, kind, filters)
        customer_id = None
    else:
        raise ValidationError({"kind": [_("Unknown export.")]})
    with transaction.atomic():
        job = ExportJob.objects.create(
            requested_by=user, kind=kind, format=fmt, encoding=encoding, filters=params,
            customer_id=customer_id, language=translation.get_language() or "",
            file_name=download_name(kind, fmt, customer_id=customer_id, at=timezone.now()))
        if enqueue:
            from kehu.exports.tasks import run_export

            job_id = job.pk
            transaction.on_commit(lambda: run_export.enqueue(job_id))
    return job


def _new_file(ext: str, job_id: int) -> Path:
    folder = export_dir()
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    return folder / f"{job_id}-{secrets.token_hex(8)}.{ext}"


def run_job(job_id: int) -> ExportJob:
    """Write a queued export to its file. Idempotent: a finished or failed job is left as it is.

    The rows are those the requester may see *now*, masked as they would see them now.
    """
    purge_expired()
    job = ExportJob.objects.select_related("requested_by").get(pk=job_id)
    if job.status in (ExportJob.Status.DONE, ExportJob.Status.FAILED):
        return job
    ExportJob.objects.filter(pk=job.pk).update(status=ExportJob.Status.RUNNING, started_at=timezone.now())
    path = tmp = None
    try:
        user = job.requested_by
        check_can_export(user, job.kind)
        with translation.override(job.language or settings.LANGUAGE_CODE):
            if job.kind == ExportJob.Kind.CUSTOMER_FILE:
                sheets = customer_file_sheets(user, access_customer(user, job.customer_id))
            else:
                _params, qs = _list_query(user, job.kind, job.filters)
                sheets = [LISTS[job.kind].sheet(user, qs)]
            path = _new_file(_extension(job.kind, job.format), job.pk)
            tmp = path.with_name(path.name + ".part")
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as out:
                counts = _write(out, job.kind, job.format, job.encoding, sheets)
            os.replace(tmp, path)
    except Exception as exc:
        logger.exception("export job %s failed", job.pk)
        if tmp is not None:
            tmp.unlink(missing_ok=True)
        error = _("You may no longer export this.") if isinstance(exc, (PermissionDenied, Http404)) \
            else f"{type(exc).__name__}: {exc}"
        ExportJob.objects.filter(pk=job.pk).update(status=ExportJob.Status.FAILED,
                                                   finished_at=timezone.now(), error=error[:2000])
        job.refresh_from_db()
        return job
    with transaction.atomic():
        job.refresh_from_db()
        job.status, job.finished_at = ExportJob.Status.DONE, timezone.now()
        job.row_count, job.file = sum(counts), path.name
        job.save(update_fields=["status", "finished_at", "row_count", "file"])
        _audit(job.requested_by, job, row_count=job.row_count)
    return job


# --- the user's jobs and their files ------------------------------------------------------

def jobs_of(user):
    return ExportJob.objects.filter(requested_by=user)


def job_for(user, job_id) -> ExportJob:
    """A job its requester (or an admin) may see; anyone else gets a 404, as for a missing one."""
    check_can_export(user)
    qs = ExportJob.objects.all() if user.is_superuser else jobs_of(user)
    try:
        return qs.get(pk=job_id)
    except (ExportJob.DoesNotExist, ValueError, TypeError):
        raise Http404("No export matches the given query.") from None


def _file_path(job: ExportJob) -> Path | None:
    if not job.downloadable:
        return None
    folder = export_dir().resolve()
    path = (folder / job.file).resolve()
    if path.parent != folder or not path.is_file():
        return None
    return path


def open_download(user, job_id):
    """The finished job's file, opened for reading, and the job; the download is audited."""
    job = job_for(user, job_id)
    check_can_export(user, job.kind)
    path = _file_path(job)
    if path is None:
        raise Http404("This export has no file to download.")
    handle = path.open("rb")
    with transaction.atomic():
        _audit(user, job, download=job.file_name, row_count=job.row_count)
    return job, handle


def purge_expired(now=None) -> int:
    """Delete the files of exports older than ``KEHU_EXPORT_KEEP_DAYS``; the jobs stay as history."""
    now = now or timezone.now()
    old = ExportJob.objects.filter(finished_at__lt=now - timedelta(days=keep_days())).exclude(file="")
    n = 0
    for job in old:
        path = export_dir() / job.file
        try:
            path.unlink(missing_ok=True)
        except OSError:
            logger.warning("could not delete export file %s", path)
            continue
        ExportJob.objects.filter(pk=job.pk).update(file="", expired_at=now)
        n += 1
    return n
