"""Labels an admin types in three languages (categories, sources, stages …): which one to show."""

from django import forms
from django.utils.translation import get_language

TRADITIONAL = ("zh-hant", "zh-tw", "zh-hk", "zh-mo")


def pick(en: str, zh_hans: str = "", zh_hant: str = "", language: str | None = None) -> str:
    """The label in ``language`` (default: the active one); Traditional falls back to Simplified,
    and both to English, so a half-translated list still reads."""
    language = (language or get_language() or "en").lower()
    if language.startswith("zh"):
        if language in TRADITIONAL:
            return zh_hant or zh_hans or en
        return zh_hans or zh_hant or en
    return en


class LabelledMixin:
    """For models with ``label_en``, ``label_zh_hans``, ``label_zh_hant``."""

    def label(self, language: str | None = None) -> str:
        return pick(self.label_en, self.label_zh_hans, self.label_zh_hant, language)


class LabelledChoiceField(forms.ModelChoiceField):
    """A choice of such rows (sources, stages, reasons, categories) in the user's language."""

    def label_from_instance(self, obj):
        return obj.label()
