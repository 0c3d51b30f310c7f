"""Which fields of which records hold personal data, and how to mask each kind."""

from kehu.privacy.masking import mask

# model label -> {field: mask kind}
PII_FIELDS: dict[str, dict[str, str]] = {
    "customers.customer": {"registration_number": "id", "id_number": "id", "birth_date": "date"},
    "customers.channelidentity": {"value": "id", "normalized": "id"},
    "customers.contact": {"phone": "phone", "email": "email"},
    "customers.address": {"line1": "address", "postal_code": "id", "district": "address"},
    "sales.lead": {"phone": "phone", "phone_normalized": "phone", "email": "email", "email_normalized": "email",
                   "wechat": "id"},
}


def mask_field(model_label: str, field: str, value, *, identity_channel: str | None = None):
    kind = PII_FIELDS.get(model_label, {}).get(field)
    if kind is None:
        return value
    if model_label == "customers.channelidentity" and identity_channel in ("phone", "email"):
        kind = identity_channel
    if isinstance(value, list):
        return [mask(v, kind) for v in value]
    return mask(value, kind)
