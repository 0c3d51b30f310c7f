"""Normalising channel identities so one phone number or email is one key.

Full matching (pinyin, fuzzy names …) belongs to the identity app; this is the exact-key part
every write needs.
"""

import unicodedata

import phonenumbers
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _


def to_halfwidth(value: str) -> str:
    """Full-width digits/letters (１３８, ＠) to ASCII, as Chinese input methods often produce."""
    return unicodedata.normalize("NFKC", value)


def normalize_phone(value: str, region: str | None = None) -> str:
    """E.164 (``+8613812345678``); default region CN. Raises ValidationError if not a number."""
    region = region or settings.KEHU_DEFAULT_PHONE_REGION
    raw = to_halfwidth(value or "").strip()
    if not raw:
        raise ValidationError(_("Enter a phone number."), code="required")
    if raw.startswith("00"):
        raw = "+" + raw[2:]
    try:
        parsed = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        raise ValidationError(_("“%(value)s” is not a phone number."), code="invalid_phone",
                              params={"value": value}) from None
    if not phonenumbers.is_valid_number(parsed):
        raise ValidationError(_("“%(value)s” is not a valid phone number."), code="invalid_phone",
                              params={"value": value})
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def normalize_email(value: str) -> str:
    email = to_halfwidth(value or "").strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        raise ValidationError(_("“%(value)s” is not an email address."), code="invalid_email",
                              params={"value": value}) from None
    return email


def normalize_identity(channel: str, value: str) -> str:
    if channel == "phone":
        return normalize_phone(value)
    if channel == "email":
        return normalize_email(value)
    cleaned = " ".join(to_halfwidth(value or "").split())
    if not cleaned:
        raise ValidationError(_("Enter a value."), code="required")
    return cleaned.lower() if channel in ("wechat", "web_account") else cleaned


def looks_like_phone(query: str) -> bool:
    digits = [c for c in to_halfwidth(query) if c.isdigit()]
    rest = [c for c in to_halfwidth(query) if not c.isdigit() and c not in "+-() "]
    return len(digits) >= 7 and not rest


def exact_contact(query: str) -> tuple[str, str] | None:
    """``("email", address)`` or ``("phone", E.164)`` when a search box holds a whole email
    address or phone number (searched exactly, through an index); else None (search the text)."""
    if "@" in query:
        try:
            return "email", normalize_email(query)
        except ValidationError:
            pass
    if looks_like_phone(query):
        try:
            return "phone", normalize_phone(query)
        except ValidationError:
            pass
    return None
