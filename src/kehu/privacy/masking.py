"""PII masking. The same functions serve the UI, the API, the timeline and exports."""

PII_PERMISSION = "privacy.view_pii"


def can_view_pii(user) -> bool:
    return bool(user and user.is_authenticated and user.has_perm(PII_PERMISSION))


def mask_phone(value: str) -> str:
    """``+8613812345678`` → ``138****5678``; keeps the last four digits."""
    if not value:
        return value
    digits = value[3:] if value.startswith("+86") else value.lstrip("+")
    if len(digits) <= 4:
        return "*" * len(digits)
    head = digits[:3] if len(digits) >= 10 else digits[:1]
    return f"{head}****{digits[-4:]}"


def mask_email(value: str) -> str:
    if not value or "@" not in value:
        return mask_text(value)
    local, domain = value.split("@", 1)
    return f"{local[:1]}***@{domain}"


def mask_text(value: str) -> str:
    """Addresses and free text: keep a short prefix so staff can tell records apart."""
    if not value:
        return value
    keep = min(3, max(1, len(value) // 4))
    return value[:keep] + "***"


def mask_id_number(value: str) -> str:
    if not value:
        return value
    if len(value) <= 6:
        return "*" * len(value)
    return f"{value[:3]}{'*' * (len(value) - 7)}{value[-4:]}"


def mask_date(value: str) -> str:
    """A birth date keeps its year (enough to tell generations apart): ``1985-**-**``."""
    return f"{value[:4]}-**-**" if len(value) >= 4 else "*" * len(value)


MASKERS = {
    "date": mask_date,
    "phone": mask_phone,
    "email": mask_email,
    "text": mask_text,
    "address": mask_text,
    "id": mask_id_number,
}


def mask(value, kind: str):
    if value in (None, ""):
        return value
    return MASKERS[kind](str(value))


def mask_identity(channel: str, value: str) -> str:
    return mask(value, {"phone": "phone", "email": "email"}.get(channel, "id"))
