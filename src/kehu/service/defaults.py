"""What a new installation starts with: the case categories the course texts name, an SLA per
severity (stricter for VIPs) and opening hours. Created after every migrate (and after a test
database is flushed), never overwriting what an admin changed."""

from django.db import DEFAULT_DB_ALIAS

CATEGORIES = [
    ("product", "Product", "产品", "產品"),
    ("service", "Service", "服务", "服務"),
    ("price", "Price", "价格", "價格"),
    ("delivery", "Delivery", "配送", "配送"),
    ("staff", "Staff attitude", "员工态度", "員工態度"),
    ("billing", "Billing", "账单", "帳單"),
    ("other", "Other", "其他", "其他"),
]
DAY = 9 * 60  # business minutes in a 09:00–18:00 day
POLICIES = [  # name, severity, tier, first response, resolution (business minutes)
    ("Critical", "critical", "", 60, DAY),
    ("High", "high", "", 120, 2 * DAY),
    ("Normal", "normal", "", 240, 3 * DAY),
    ("Low", "low", "", 8 * 60, 5 * DAY),
    ("VIP (tier A)", "", "A", 30, DAY),
]


def ensure_defaults(sender=None, using=DEFAULT_DB_ALIAS, **kwargs) -> None:
    from kehu.service.models import BusinessHours, CaseCategory, SlaPolicy

    if CaseCategory.objects.using(using).exists():
        return  # set up already: the admin's list is the list
    for position, (code, en, hans, hant) in enumerate(CATEGORIES):
        CaseCategory.objects.using(using).get_or_create(
            code=code, defaults={"label_en": en, "label_zh_hans": hans, "label_zh_hant": hant, "position": position})
    if not SlaPolicy.objects.using(using).exists():
        for name, severity, tier, first, resolution in POLICIES:
            SlaPolicy.objects.using(using).create(name=name, severity=severity, tier=tier,
                                                  first_response_minutes=first, resolution_minutes=resolution)
    if not BusinessHours.objects.using(using).exists():
        BusinessHours.objects.using(using).create()
