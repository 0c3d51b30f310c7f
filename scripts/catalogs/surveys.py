"""Translations of kehu.surveys strings (merged by scripts/translate_catalogs.py)."""

ZH_HANS = {
    "Satisfaction surveys": "满意度调查",
}

ZH_HANT = {
    "Satisfaction surveys": "滿意度調查",
}
