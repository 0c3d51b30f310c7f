"""Translations of kehu.imports strings added after the main dictionaries (see translate_catalogs)."""

ZH_HANS = {
    "Row %(row)s contains binary data (a NUL character): this part of the file is not text.":
        "第 %(row)s 行含有二进制数据（NUL 字符）：这部分文件不是文本。",
    "too large (at most %(max)s)": "过大（最多 %(max)s）",
}

ZH_HANT = {
    "Row %(row)s contains binary data (a NUL character): this part of the file is not text.":
        "第 %(row)s 列含有二進位資料（NUL 字元）：這部分檔案不是文字。",
    "too large (at most %(max)s)": "過大（最多 %(max)s）",
}
