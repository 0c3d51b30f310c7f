from django import template
from django.utils.formats import number_format

from kehu.scoring.presentation import segment_label as _segment_label

register = template.Library()


@register.filter
def segment_label(key):
    return _segment_label(key) if key else ""


@register.filter
def percent(value):
    """0.823 → "82%" (localised number)."""
    if value is None or value == "":
        return ""
    return f"{number_format(round(100 * float(value)))}%"
