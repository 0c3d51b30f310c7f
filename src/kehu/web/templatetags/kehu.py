import phonenumbers
from django import template
from django.conf import settings
from django.utils.formats import number_format

from kehu.privacy.masking import mask, mask_identity
from kehu.web.money import format_money

register = template.Library()


@register.simple_tag(takes_context=True)
def pii(context, value, kind):
    """Show ``value`` as is to users with the PII permission, masked to everyone else."""
    if context.get("pii_visible"):
        return value
    return mask(value, kind)


@register.simple_tag(takes_context=True)
def identity_value(context, identity):
    if not context.get("pii_visible"):
        return mask_identity(identity.channel, identity.normalized)
    if identity.channel == "phone":
        return display_phone(identity.normalized)
    return identity.value


def display_phone(e164: str) -> str:
    """Home-region numbers in national format (``138 1234 5678``), others international."""
    try:
        number = phonenumbers.parse(e164)
    except phonenumbers.NumberParseException:
        return e164
    region = settings.KEHU_DEFAULT_PHONE_REGION
    fmt = (phonenumbers.PhoneNumberFormat.NATIONAL
           if phonenumbers.region_code_for_number(number) == region
           else phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    return phonenumbers.format_number(number, fmt)


@register.filter
def money(value, currency=None):
    return format_money(value, currency)


@register.filter
def num(value):
    return number_format(value, force_grouping=True)


@register.simple_tag(takes_context=True)
def sort_link(context, key):
    """Query string that sorts by ``key``, toggling direction when already sorted by it."""
    request = context["request"]
    params = request.GET.copy()
    current = context.get("sort", "")
    params["sort"] = f"-{key}" if current == key else key
    params.pop("page", None)
    return "?" + params.urlencode()


@register.simple_tag(takes_context=True)
def aria_sort(context, key):
    current = context.get("sort", "")
    if current == key:
        return "ascending"
    if current == f"-{key}":
        return "descending"
    return "none"
