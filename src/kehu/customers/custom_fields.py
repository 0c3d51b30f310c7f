"""Validating ``Customer.custom_fields`` against the schema admins define."""

from datetime import date
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _

from kehu.customers.models import CustomFieldDefinition


def _coerce(defn: CustomFieldDefinition, value):
    t = CustomFieldDefinition.Type
    if defn.type == t.TEXT:
        if not isinstance(value, str):
            raise ValueError(_("must be text"))
        return value.strip()
    if defn.type == t.INTEGER:
        if isinstance(value, bool):
            raise ValueError(_("must be a whole number"))
        try:
            if isinstance(value, float) and not value.is_integer():
                raise ValueError
            return int(str(value).strip())
        except (TypeError, ValueError):
            raise ValueError(_("must be a whole number")) from None
    if defn.type == t.DECIMAL:
        try:
            return str(Decimal(str(value).strip()))
        except (InvalidOperation, TypeError):
            raise ValueError(_("must be a number")) from None
    if defn.type == t.DATE:
        parsed = value if isinstance(value, date) else parse_date(str(value).strip())
        if parsed is None:
            raise ValueError(_("must be a date (YYYY-MM-DD)"))
        return parsed.isoformat()
    if defn.type == t.BOOLEAN:
        if isinstance(value, bool):
            return value
        raise ValueError(_("must be true or false"))
    if defn.type == t.CHOICE:
        if value not in defn.choices:
            raise ValueError(_("must be one of: %(choices)s") % {"choices": ", ".join(map(str, defn.choices))})
        return value
    if defn.type == t.MULTI_CHOICE:
        if not isinstance(value, list) or any(v not in defn.choices for v in value):
            raise ValueError(_("must be a list of: %(choices)s") % {"choices": ", ".join(map(str, defn.choices))})
        return value
    raise ValueError(_("has an unknown type"))


def _empty(value) -> bool:
    return value is None or value == "" or value == []


def clean_custom_fields(kind: str, data: dict | None, definitions=None) -> dict:
    """Return the cleaned values or raise ValidationError keyed ``custom_fields.<key>``."""
    data = dict(data or {})
    if definitions is None:
        definitions = list(CustomFieldDefinition.objects.all())
    errors: dict[str, list[str]] = {}
    cleaned = {}
    known = set()
    for defn in definitions:
        if defn.applies_to and defn.applies_to != kind:
            continue
        known.add(defn.key)
        value = data.get(defn.key)
        if _empty(value):
            if defn.required:
                errors[f"custom_fields.{defn.key}"] = [_("This field is required.")]
            continue
        try:
            cleaned[defn.key] = _coerce(defn, value)
        except ValueError as exc:
            errors[f"custom_fields.{defn.key}"] = [
                _("%(label)s %(reason)s (got %(value)r).") % {"label": defn.label_en, "reason": exc, "value": value}
            ]
    for key in data:
        if key not in known:
            errors[f"custom_fields.{key}"] = [_("Unknown custom field “%(key)s”.") % {"key": key}]
    if errors:
        raise ValidationError(errors)
    return cleaned
