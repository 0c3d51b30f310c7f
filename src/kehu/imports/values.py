"""Cell text → typed value for one import field, or a ValueProblem saying what is wrong.

Reasons are short and specific ("not a phone number") because the import report shows them per
cell, next to the value. Empty cells give None: whether that is allowed is the caller's check.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal, InvalidOperation
from functools import cache

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator
from django.utils import formats
from django.utils import timezone as dj_timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from kehu.identity.normalize import date_candidates, normalize_email, normalize_phone

from . import fields as f


class ValueProblem(ValueError):
    """Why a cell's text is not a value of its field, in the user's language."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def parse(field: f.Field, raw: object, *, choices_labels: Iterable[tuple[str, object]] | None = None):
    """The typed value of ``raw`` for ``field``; ``choices_labels`` are (value, lazy label)
    pairs for CHOICE fields, e.g. ``Customer.Tier.choices`` (default: the labels of the model
    field with exactly these choices; none for custom fields)."""
    if raw is None or not str(raw).strip():
        return None
    text = str(raw).strip()
    if field.type == f.CHOICE:
        return _choice(field, text, choices_labels)
    parser = _PARSERS.get(field.type)
    if parser is None:
        return _text(field, text)
    value = parser(text)
    if field.max_abs is not None and abs(value) > field.max_abs:
        raise ValueProblem(_("too large (at most %(max)s)") % {
            "max": formats.number_format(field.max_abs, force_grouping=True)})
    return value


def _half(text: str) -> str:
    """Full-width digits and punctuation (Chinese input methods) → ASCII."""
    return unicodedata.normalize("NFKC", text).strip()


def _text(field: f.Field, text: str) -> str:
    if field.max_length and len(text) > field.max_length:
        raise ValueProblem(_("longer than %(max)s characters (%(length)s)") % {
            "max": formats.number_format(field.max_length, force_grouping=True),
            "length": formats.number_format(len(text), force_grouping=True)})
    return text


def parse_phone(text: str) -> str:
    phone = normalize_phone(text, getattr(settings, "KEHU_DEFAULT_PHONE_REGION", "CN"))
    if phone:
        return phone
    if re.fullmatch(r"\d(\.\d+)?e\+\d+", _half(text), re.IGNORECASE):
        raise ValueProblem(_("not a phone number (Excel shortened it to %(text)s: format the "
                             "column as text and export again)") % {"text": text})
    raise ValueProblem(_("not a phone number"))


def parse_email(text: str) -> str:
    email = normalize_email(text)
    try:
        EmailValidator()(email or "")
    except ValidationError:
        raise ValueProblem(_("not a valid email address")) from None
    return email


_DATE_EXAMPLES = "2024-03-01, 2024/3/1, 2024年3月1日"


def parse_date(text: str) -> date:
    candidates = date_candidates(_half(text))
    if not candidates:
        raise ValueProblem(_("not a date (expected e.g. %(examples)s)") % {
            "examples": _DATE_EXAMPLES})
    if len(candidates) > 1:  # 03/04/2024: day/month or month/day, both real dates
        raise ValueProblem(_("ambiguous date: day and month could be either way round; write it "
                             "as %(one)s or %(other)s") % {
            "one": candidates[0].isoformat(), "other": candidates[1].isoformat()})
    return candidates[0]


_DATETIME = re.compile(
    r"(?P<date>.+?)(?:[t\s]+|(?<=[日号])\s*)(?P<cn>上午|下午)?\s*"
    r"(?P<h>\d{1,2}):(?P<m>\d{2})(?::(?P<s>\d{2})(?:\.(?P<f>\d{1,6})\d*)?)?"
    r"\s*(?P<ampm>am|pm)?\s*(?P<tz>z|[+-]\d{2}:?\d{2})?", re.IGNORECASE)


_ISO_MINUTES = re.compile(r"\d{4}-\d{2}-\d{2}[ Tt]\d{2}:\d{2}(?::\d{2})?", re.ASCII)


def parse_datetime(text: str) -> datetime:
    """Aware; a value without an offset is local time (settings.TIME_ZONE)."""
    if m := _ISO_MINUTES.fullmatch(text):  # "2024-03-01 14:30[:05]", local time: the common case
        try:
            value = datetime.fromisoformat(text.replace("T", " ").replace("t", " "))
        except ValueError:
            value = None
        if value is not None and 1900 <= value.year <= 2100:
            return dj_timezone.make_aware(value, dj_timezone.get_default_timezone())
    half = _half(text)
    m = _DATETIME.fullmatch(half)
    date_text = m["date"] if m else half
    try:
        day = parse_date(date_text)
    except ValueProblem:
        if len(date_candidates(date_text)) > 1:
            raise  # ambiguous day/month: that reason is the useful one
        raise ValueProblem(_("not a date and time (expected e.g. 2024-03-01 14:30 or "
                             "2024/3/1 14:30)")) from None
    hour, minute = (int(m["h"]), int(m["m"])) if m else (0, 0)
    pm = m and (m["cn"] == "下午" or (m["ampm"] or "").lower() == "pm")
    if m and (m["cn"] or m["ampm"]):
        if not 1 <= hour <= 12:
            raise ValueProblem(_("not a valid time of day"))
        hour = hour % 12 + (12 if pm else 0)
    second, micro = (int(m["s"] or 0), int((m["f"] or "0").ljust(6, "0"))) if m else (0, 0)
    if hour > 23 or minute > 59 or second > 59:
        raise ValueProblem(_("not a valid time of day"))
    value = datetime(day.year, day.month, day.day, hour, minute, second, micro)  # noqa: DTZ001
    if m and m["tz"]:
        offset = m["tz"].replace(":", "")
        if offset.lower() == "z":
            return value.replace(tzinfo=UTC)
        minutes = int(offset[1:3]) * 60 + int(offset[3:5])
        return value.replace(tzinfo=timezone(timedelta(minutes=minutes if offset[0] == "+"
                                                       else -minutes)))
    return dj_timezone.make_aware(value, dj_timezone.get_default_timezone())


_CURRENCY = r"(?:[¥$€£]|rmb|cny|usd|hkd|twd|eur|元|人民币)"
_NUMBER = re.compile(rf"(?P<sign>[+-]?){_CURRENCY}?(?P<sign2>[+-]?)"
                     r"(?P<num>(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?|\.\d+)(?:e[+-]?\d+)?"
                     rf"{_CURRENCY}?", re.IGNORECASE)


_PLAIN_NUMBER = re.compile(r"-?\d{1,15}(?:\.\d{1,10})?", re.ASCII)


def parse_decimal(text: str) -> Decimal:
    """"1,234.50", "¥1234.5", "１２３"; a comma only as a thousands separator ("1,5" is not 1.5
    and not 15)."""
    if _PLAIN_NUMBER.fullmatch(text):  # "12.50": most cells, without NFKC and the currency scan
        return Decimal(text)
    compact = re.sub(r"\s", "", _half(text))
    m = _NUMBER.fullmatch(compact)
    if not m or (m["sign"] and m["sign2"]):
        raise ValueProblem(_("not a number"))
    number = compact[m.start("num"):].lower()
    number = re.sub(_CURRENCY + "$", "", number, flags=re.IGNORECASE).replace(",", "")
    try:
        value = Decimal((m["sign"] or m["sign2"]) + number)
    except InvalidOperation:
        raise ValueProblem(_("not a number")) from None
    return value


def parse_integer(text: str) -> int:
    value = parse_decimal(text)
    if value != value.to_integral_value():
        raise ValueProblem(_("not a whole number"))
    return int(value)


_TRUE = frozenset("true t yes y 1 是 对 對 真 √ ✓ ✔ on".split())
_FALSE = frozenset("false f no n 0 否 错 錯 假 × ✗ ✘ off".split())


def parse_boolean(text: str) -> bool:
    word = _half(text).casefold()
    if word in _TRUE:
        return True
    if word in _FALSE:
        return False
    raise ValueProblem(_("not yes or no (expected e.g. yes, no, 是, 否, 1, 0)"))


_LIST_SEPARATORS = re.compile(r"[,，;；|、\n]")


def parse_list(text: str) -> list[str]:
    return [item.strip() for item in _LIST_SEPARATORS.split(text) if item.strip()]


_PARSERS = {
    f.PHONE: parse_phone, f.EMAIL: parse_email, f.DATE: parse_date, f.DATETIME: parse_datetime,
    f.DECIMAL: parse_decimal, f.INTEGER: parse_integer, f.BOOLEAN: parse_boolean,
    f.LIST: parse_list,
}


# --- choices ------------------------------------------------------------------------------------

def _fold(text: str) -> str:
    return " ".join(_half(text).casefold().split())


_LOOKUPS: dict[tuple, tuple[tuple, dict[str, str]]] = {}


def _choice_lookup(field: f.Field, labels: tuple[tuple[str, object], ...]) -> dict[str, str]:
    """Folded text → stored value: values, and labels in English and both Chinese scripts.

    Cached by the labels' identity (choice labels are long-lived lazy strings; the cache holds
    them, so an id is never reused while its entry lives): translating per cell would be slow."""
    key = (field.choices, tuple((value, id(label)) for value, label in labels))
    if hit := _LOOKUPS.get(key):
        return hit[1]
    by_label: dict[str, set[str]] = {}
    for value, label in labels:
        for language in ("en", "zh-hans", "zh-hant"):
            with override(language):
                text = str(label)
            for part in {text, *text.split(" · ")}:  # "A · VIP": "VIP" alone too
                by_label.setdefault(_fold(part), set()).add(value)
    lookup = {text: values.pop() for text, values in by_label.items() if len(values) == 1}
    lookup |= {_fold(value): value for value in field.choices}  # stored values always win
    if len(_LOOKUPS) > 256:
        _LOOKUPS.clear()
    _LOOKUPS[key] = (labels, lookup)
    return lookup


@cache
def _model_labels(choices: tuple[str, ...]) -> tuple[tuple[str, object], ...]:
    """Labels of the model field whose choices are exactly these values: fields.py keeps only
    the values, and callers need not pass the labels for 已付款 to read as "paid"."""
    from django.apps import apps

    if not choices or not apps.ready:
        return ()
    for model in apps.get_models():
        for model_field in model._meta.get_fields():
            flat = getattr(model_field, "flatchoices", None)
            if flat and tuple(str(v) for v, _label in flat) == choices:
                return tuple(flat)
    return ()


def _choice(field: f.Field, text: str, choices_labels) -> str:
    if choices_labels is None:
        choices_labels = _model_labels(field.choices)
    labels = tuple((v, label) for v, label in choices_labels if v in field.choices)
    found = _choice_lookup(field, labels).get(_fold(text))
    if found is not None:
        return found
    shown = [str(label) for _value, label in labels] or list(field.choices)
    raise ValueProblem(_("not one of: %(choices)s") % {"choices": ", ".join(shown)})
