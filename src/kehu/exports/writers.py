"""Tables to CSV and XLSX with constant memory, safe to open in a spreadsheet. No Django here.

A table is a title, a header row and an iterator of rows. Rows are consumed one at a time and
written out: CSV in batches of bytes (so a web response can stream them), XLSX through openpyxl's
write-only workbook (rows go to a temporary file per sheet, never into memory).

Every header and every cell passes through :func:`safe_cell`: a text that a spreadsheet would read
as a formula (CSV/formula injection, OWASP) gets a leading apostrophe and stays text.
"""

from __future__ import annotations

import csv
import re
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from typing import IO, Any

# What makes a spreadsheet read a cell as a formula (OWASP's list, the line feed too) and the
# full-width forms that Excel and WPS also accept from a Chinese input method.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠")
# Leading blanks a spreadsheet may skip before it looks at the first character.
_BLANKS = " \u3000"

UTF8 = "utf-8"
GB18030 = "gb18030"
ENCODINGS = (UTF8, GB18030)

XLSX_MAX_ROWS = 1_048_576  # per sheet, the header row included
XLSX_MAX_CHARS = 32_767  # per cell
# XML 1.0 cannot carry these control characters; openpyxl refuses them.
_ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_BAD_TITLE = re.compile(r"[\[\]:*?/\\]")

Primitive = str | int | float | Decimal | date | datetime | time | None


@dataclass
class Sheet:
    """One table: a CSV file on its own, a sheet of a workbook, or a CSV file inside a zip."""

    title: str
    headers: list[str]
    rows: Iterable[Iterable[Any]]


def safe_cell(value):
    """``value`` unchanged, unless it is a text a spreadsheet would run as a formula: then
    the same text after an apostrophe (``=1+2`` → ``'=1+2``), which shows it as typed."""
    if isinstance(value, str) and value.lstrip(_BLANKS).startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def _primitive(value) -> Primitive:
    """Numbers, dates and text as they are; anything else (lazy translations, UUIDs …) as text."""
    if value is None or isinstance(value, (str, int, float, Decimal, date, time)):
        return value  # datetime is a date
    return str(value)


# --- CSV ------------------------------------------------------------------------------------

def _csv_text(value) -> str:
    value = safe_cell(_primitive(value))
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, (date, time)):
        return value.isoformat()
    return str(value)


class _Lines:
    """A file-like sink for ``csv.writer`` that hands back what was written since last asked."""

    def __init__(self):
        self.parts: list[str] = []

    def write(self, text: str) -> int:
        self.parts.append(text)
        return len(text)

    def take(self) -> str:
        text = "".join(self.parts)
        self.parts.clear()
        return text


def csv_chunks(headers: Iterable[str], rows: Iterable[Iterable[Any]], *, encoding: str = UTF8,
               rows_per_chunk: int = 500) -> Iterator[bytes]:
    """The CSV file as a stream of byte chunks: UTF-8 with a byte-order mark (so Excel reads
    Chinese correctly) or GB18030 (for older Chinese software), Excel's dialect (``\\r\\n``)."""
    if encoding not in ENCODINGS:
        raise ValueError(f"unknown encoding {encoding!r}")
    sink = _Lines()
    writer = csv.writer(sink, dialect="excel")
    if encoding == UTF8:
        sink.write("\ufeff")
    writer.writerow([_csv_text(h) for h in headers])
    pending = 0
    for row in rows:
        writer.writerow([_csv_text(v) for v in row])
        pending += 1
        if pending >= rows_per_chunk:
            yield sink.take().encode(encoding, errors="replace")
            pending = 0
    yield sink.take().encode(encoding, errors="replace")


def write_csv(stream: IO[bytes], headers: Iterable[str], rows: Iterable[Iterable[Any]], *,
              encoding: str = UTF8) -> int:
    """Write one CSV file to a binary stream; the number of data rows written."""
    counted = _Counter(rows)
    for chunk in csv_chunks(headers, counted, encoding=encoding):
        stream.write(chunk)
    return counted.n


def write_csv_zip(target: str | IO[bytes], sheets: Iterable[Sheet], *, encoding: str = UTF8) -> list[int]:
    """A zip holding one CSV file per sheet (``01-customer.csv`` …); the rows of each sheet."""
    counts = []
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for i, sheet in enumerate(sheets, 1):
            name = f"{i:02d}-{_file_part(sheet.title)}.csv"
            with archive.open(name, "w", force_zip64=True) as member:
                counts.append(write_csv(member, sheet.headers, sheet.rows, encoding=encoding))
    return counts


def _file_part(title: str) -> str:
    cleaned = re.sub(r"[^\w\-]+", "-", title.strip().lower(), flags=re.UNICODE).strip("-")
    return cleaned or "sheet"


class _Counter:
    def __init__(self, rows: Iterable):
        self.rows, self.n = rows, 0

    def __iter__(self):
        for row in self.rows:
            self.n += 1
            yield row


# --- XLSX -----------------------------------------------------------------------------------

def _xlsx_value(value):
    value = _primitive(value)
    if isinstance(value, str):
        value = safe_cell(_ILLEGAL_XML.sub("", value))[:XLSX_MAX_CHARS]
        # safe_cell leaves no text starting with "=", so openpyxl stores every text as a string
        # (it would make "=…" a formula); a text cut at the length limit is still a text.
        return value
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.replace(tzinfo=None)  # Excel has no time zones: the wall-clock time given
    if isinstance(value, time) and value.tzinfo is not None:
        return value.replace(tzinfo=None)
    return value


def sheet_title(title: str, taken: set[str]) -> str:
    """A valid, unique sheet name: at most 31 characters, none of ``[]:*?/\\``."""
    base = " ".join(_BAD_TITLE.sub(" ", title).split()).strip("'")[:31].strip() or "Sheet"
    name, n = base, 2
    while name.lower() in taken:
        suffix = f" ({n})"
        name, n = base[: 31 - len(suffix)] + suffix, n + 1
    taken.add(name.lower())
    return name


def write_xlsx(target: str | IO[bytes], sheets: Iterable[Sheet], *,
               max_rows: int = XLSX_MAX_ROWS) -> list[int]:
    """A workbook with one sheet per table (write-only: constant memory); the rows of each table.

    Numbers, dates and times stay typed; text is always text. A table longer than a sheet
    continues on sheets named "Title (2)" … with the header repeated.
    """
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    taken: set[str] = set()
    counts = []
    for sheet in sheets:
        headers = [_xlsx_value(h) for h in sheet.headers]
        worksheet = workbook.create_sheet(sheet_title(sheet.title, taken))
        worksheet.append(headers)
        on_sheet, n = 1, 0
        for row in sheet.rows:
            if on_sheet >= max_rows:
                worksheet = workbook.create_sheet(sheet_title(sheet.title, taken))
                worksheet.append(headers)
                on_sheet = 1
            worksheet.append([_xlsx_value(v) for v in row])
            on_sheet += 1
            n += 1
        counts.append(n)
    if not counts:
        workbook.create_sheet("Sheet")
    workbook.save(target)
    return counts

