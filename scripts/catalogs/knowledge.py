"""Translations of kehu.knowledge strings (merged by scripts/translate_catalogs.py)."""

ZH_HANS = {
    "Knowledge base": "知识库",
}

ZH_HANT = {
    "Knowledge base": "知識庫",
}
