"""Labels and rows for showing match evidence and merge choices, in the user's language."""

from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from kehu.customers.models import Customer
from kehu.identity import merge as merging
from kehu.privacy.masking import can_view_pii
from kehu.privacy.pii import mask_field

FIELD_LABELS = {
    "name": _("Name"), "phone": _("Phone"), "email": _("Email"), "birth_date": _("Date of birth"),
    "city": _("City"), "address": _("Address"), "postcode": _("Postal code"),
    "id_number": _("ID number"),
}
LEVEL_LABELS = {
    "different": pgettext_lazy("match evidence", "different"),
    "same surname, other given name": _("same surname, other given name"),
    "same surname, given name unknown": _("same surname, given name unknown"),
    "similar": pgettext_lazy("match evidence", "similar"),
    "same pinyin": _("same pinyin"),
    "exact": pgettext_lazy("match evidence", "same"),
    "one digit off": _("one digit off"),
    "close": pgettext_lazy("match evidence", "close"),
    "day/month swapped": _("day and month swapped"),
    "partly": pgettext_lazy("match evidence", "partly the same"),
    "mostly": pgettext_lazy("match evidence", "mostly the same"),
}


def percent(probability: float) -> str:
    """99.97 %, not "100 %": near-certain pairs still differ, and the order should show why."""
    value = probability * 100
    digits = 0 if value < 99 else 1 if value < 99.9 else 2 if value < 99.99 else 3
    return f"{min(value, 99.999):.{digits}f}%"


def evidence_rows(evidence: list[dict]) -> list[dict]:
    """Per field: what was found and how much it weighed (bits: + for, − against)."""
    rows = []
    for item in evidence or []:
        level = item.get("level")
        weight = float(item.get("weight") or 0)
        rows.append({
            "field": item["field"], "label": FIELD_LABELS.get(item["field"], item["field"]),
            "level": LEVEL_LABELS.get(level, level) if level else None,
            "weight": weight,
            "weight_text": f"{weight:+.1f}".replace("-", "−"),
            "tone": "none" if level is None else ("for" if weight > 0.5 else
                                                  "against" if weight < -0.5 else "neutral"),
        })
    return rows


def _display(user, customer: Customer, field: str):
    value = getattr(customer, field)
    if field in ("owner", "team"):
        return str(value) if value else ""
    if field == "custom_fields":
        return ", ".join(f"{k}: {v}" for k, v in sorted((value or {}).items()))
    display = getattr(customer, f"get_{field}_display", None)
    if display and value:
        return str(display())
    if value in (None, ""):
        return ""
    if not can_view_pii(user):
        return mask_field("customers.customer", field, str(value))
    return str(value)


def field_rows(user, a: Customer, b: Customer, choices: dict[str, str]) -> list[dict]:
    """One row per customer field: both values, whether they differ, the default pick (a/b)."""
    rows = []
    for field in merging.MERGE_FIELDS:
        va, vb = _display(user, a, field), _display(user, b, field)
        choice = choices.get(field, merging.SURVIVOR)
        rows.append({
            "field": field, "label": Customer._meta.get_field(field).verbose_name,
            "a": va, "b": vb, "differs": va != vb, "choosable": field != "custom_fields",
            "pick": "b" if choice == merging.MERGED else "a",
        })
    return rows
