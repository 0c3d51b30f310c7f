"""Translations of kehu.service strings (merged by scripts/translate_catalogs.py)."""

ZH_HANS = {
    "Customer service": "客户服务",
}

ZH_HANT = {
    "Customer service": "客戶服務",
}
