"""Money formatting with Babel (CLDR): ``¥1,234.50`` in Chinese, ``CN¥1,234.50`` in English."""

from decimal import Decimal

from babel.numbers import format_currency
from django.conf import settings
from django.utils import translation

BABEL_LOCALES = {"en": "en", "zh-hans": "zh_Hans_CN", "zh-hant": "zh_Hant_HK"}


def babel_locale(language: str | None = None) -> str:
    language = (language or translation.get_language() or "en").lower()
    return BABEL_LOCALES.get(language, "en")


def format_money(amount, currency: str | None = None, language: str | None = None) -> str:
    if amount is None:
        return ""
    return format_currency(Decimal(amount), currency or settings.KEHU_CURRENCY,
                           locale=babel_locale(language))
