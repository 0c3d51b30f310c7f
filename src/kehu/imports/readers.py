"""Streaming readers for uploaded tables: CSV (UTF-8/16, GB18030, Big5) and XLSX.

Rows come out one at a time with the row number a spreadsheet user sees, so a million-row file
reads in constant memory and every problem can name its row. Whatever csv, openpyxl or a codec
raises becomes a ReadError with a message for the user, never a traceback.

Imports read in batches (``Table.batches``): columns of text, the same cells and row numbers as
``rows`` gives. A plain UTF-8 CSV (no quotes) is read by polars' CSV reader (~15x faster than the
csv module plus the Python loop that turns rows into columns). Where polars could read a file
differently from the csv module (quotes, a long row, a bad byte: property-tested), the csv module
reads it, or reads on from the row where polars stopped, and says what is wrong.
"""

from __future__ import annotations

import codecs
import csv
import re
import warnings
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from itertools import islice
from pathlib import Path

import charset_normalizer
import numpy as np
import polars as pl
from django.utils.translation import gettext as _

SAMPLE_BYTES = 1 << 20  # encoding and delimiter are judged on the first MiB
SNIFF_CHARS = 16 * 1024  # csv.Sniffer is slow on long text (64 KiB: 0.6 s); ~150 lines decide
ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # .xls, and password-protected .xlsx
DELIMITERS = ",\t;|"
# cp950 is Big5 as Windows (and Excel) writes it: Big5 plus 恒 碁 裏 and a few more.
CHINESE_ENCODINGS = ("gb18030", "cp950")
_BOMS = (  # UTF-32 first: its little-endian BOM starts like UTF-16's
    (codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"),
)
_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")

csv.field_size_limit(max(csv.field_size_limit(), 1 << 24))  # long notes cells (16 MiB each)


class ReadError(ValueError):
    """The file cannot be read as a table; ``message`` says why in the user's language."""

    def __init__(self, code: str, message: str, row: int | None = None):
        super().__init__(message)
        self.code, self.message, self.row = code, message, row


Row = tuple[int, list[str | None]]


@dataclass
class Batch:
    """Consecutive data rows as columns: ``frame`` has one text column per header position
    (``c0`` …; None = empty), ``numbers`` the file row of each, ``long_rows`` the full cells of
    rows with non-empty cells past the header (each one an error for the caller)."""

    numbers: np.ndarray
    frame: pl.DataFrame
    long_rows: dict[int, list] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.numbers)

    def cells(self, positions: np.ndarray) -> list[list]:
        """The original cells of the rows at these positions (for the error file)."""
        picked = self.frame[positions.tolist()].rows()
        return [self.long_rows.get(int(self.numbers[i]), list(r)) for i, r in zip(positions, picked, strict=True)]


def column_names(width: int) -> list[str]:
    return [f"c{i}" for i in range(width)]


@dataclass
class Table:
    path: Path
    format: str  # "csv" | "xlsx"
    encoding: str | None = None
    delimiter: str | None = None
    sheets: list[str] = field(default_factory=list)
    sheet: str | None = None
    headers: list[str] = field(default_factory=list)
    header_number: int = 1

    @property
    def width(self) -> int:
        return len(self.headers)

    def batches(self, size: int, *, after: int = 0) -> Iterator[Batch]:
        """Data rows after file row ``after``, ``size`` at a time (blank rows skipped)."""
        last = after
        if self._polars_can_read():
            frames = _polars_batches(self, size, after)
            while True:
                try:
                    batch = next(frames, None)
                except (pl.exceptions.PolarsError, _Fallback):
                    break  # the csv module reads on from the last good row and says what is wrong
                if batch is None:
                    return
                last = int(batch.numbers[-1])
                yield batch
        yield from _python_batches(self, size, last)

    def _polars_can_read(self) -> bool:
        return (self.format == "csv" and self.encoding in ("utf-8", "utf-8-sig") and self.header_number == 1
                and self.delimiter not in (None, '"') and self._plain_bytes())

    def _plain_bytes(self) -> bool:
        """No quote and no CR alone anywhere in the file (one pass at disk speed). The csv module
        reads malformed quoting in its own way (",";" is ,;" and a newline to it, ,;, to polars)
        and old Mac line ends (a CR alone) split lines for it only: such files are its to read."""
        with self.path.open("rb") as f:
            tail = b""
            while block := f.read(4 << 20):
                if b'"' in block:
                    return False
                data = tail + block
                lone = re.search(rb"\r(?!\n)", data)
                if lone and lone.start() < len(data) - 1:  # a CR last may be followed by the next block's LF
                    return False
                tail = block[-1:]
            return tail != b"\r"

    def rows(self) -> Iterator[Row]:
        """Data rows (header skipped, blank rows skipped); each call reads the file afresh."""
        records = self._records()
        try:
            next(records, None)  # the header
            for number, values in records:
                if self.format == "xlsx" and len(values) < self.width:
                    values += [None] * (self.width - len(values))  # a sheet is never ragged short
                yield number, values
        finally:
            records.close()

    def preview(self, n: int = 20) -> list[Row]:
        rows = self.rows()
        try:
            return list(islice(rows, n))
        finally:
            rows.close()

    def _records(self) -> Iterator[Row]:
        if self.format == "xlsx":
            return _xlsx_records(self.path, self.sheet)
        return _csv_records(self.path, self.encoding, self.delimiter)


def open_table(path: str | Path, *, encoding: str | None = None, sheet: str | None = None,
               delimiter: str | None = None) -> Table:
    """Detect the format (by content), encoding and delimiter; read the header."""
    path = Path(path)
    try:
        with path.open("rb") as f:
            sample = f.read(SAMPLE_BYTES)
    except OSError as exc:
        raise ReadError("unreadable", _("The file cannot be read: %(detail)s") % {
            "detail": exc.strerror or exc}) from None
    if not sample:
        raise _empty()
    if sample.startswith(OLE_MAGIC):
        raise ReadError("xls", _("This is an old Excel (.xls) file or a password-protected "
                                 "workbook: save it as .xlsx or CSV (without a password)."))
    if sample.startswith(ZIP_MAGIC):
        table = _open_xlsx(path, sample, sheet)
    else:
        table = _open_csv(path, sample, encoding, delimiter)
    records = table._records()
    try:
        header, first = next(records, None), next(records, None)
    finally:
        records.close()
    if header is None:
        raise _empty()
    if first is None:
        raise ReadError("header_only", _("The file has a header row but no data rows."))
    table.headers = _headers(header[1])
    table.header_number = header[0]
    return table


class _Fallback(Exception):
    """A batch polars read but the csv module would not (a NUL byte): read it with csv instead."""


def _polars_batches(table: Table, size: int, after: int) -> Iterator[Batch]:
    names = column_names(table.width)
    scan = pl.scan_csv(table.path, has_header=True, separator=table.delimiter, infer_schema=False,
                       quote_char='"', encoding="utf8", truncate_ragged_lines=False, raise_if_empty=False)
    start = 2  # the row number of the first data row (the header is row 1)
    for frame in scan.collect_batches(chunk_size=size):
        if frame.width != table.width:
            raise _Fallback
        numbers = np.arange(start, start + frame.height, dtype=np.int64)
        start += frame.height
        frame = frame.rename(dict(zip(frame.columns, names, strict=True)))
        if frame.select(pl.any_horizontal(pl.col(names).str.contains("\x00", literal=True))).to_series().any():
            raise _Fallback
        frame = frame.with_columns(pl.col(names).replace("", None))
        keep = frame.select(pl.any_horizontal(pl.col(names).str.strip_chars().str.len_bytes() > 0)
                            .fill_null(False)).to_series().to_numpy()
        keep &= numbers > after
        if not keep.all():
            numbers, frame = numbers[keep], frame.filter(pl.Series(keep))
        if len(numbers):
            yield Batch(numbers, frame)


def _python_batches(table: Table, size: int, after: int) -> Iterator[Batch]:
    names = column_names(table.width)
    width = table.width
    numbers, rows, long_rows = [], [], {}
    for number, cells in table.rows():
        if number <= after:
            continue
        if len(cells) > width and any(c not in (None, "") for c in cells[width:]):
            long_rows[number] = cells
        numbers.append(number)
        rows.append(cells)
        if len(rows) >= size:
            yield _batch_of(numbers, rows, long_rows, names)
            numbers, rows, long_rows = [], [], {}
    if rows:
        yield _batch_of(numbers, rows, long_rows, names)


def _batch_of(numbers, rows, long_rows, names) -> Batch:
    columns = {name: [r[i] if i < len(r) else None for r in rows] for i, name in enumerate(names)}
    return Batch(np.array(numbers, dtype=np.int64), pl.DataFrame(columns, schema={n: pl.Utf8 for n in names}),
                 long_rows)


def _empty() -> ReadError:
    return ReadError("empty", _("The file is empty."))


def _not_a_table(detail: str) -> ReadError:
    return ReadError("binary", _("This does not look like a CSV or Excel file (%(detail)s). "
                                 "Upload a .csv or .xlsx file.") % {"detail": detail})


def _headers(cells: list[str | None]) -> list[str]:
    """Stripped, never blank, unique: the mapping is keyed by header."""
    out: list[str] = []
    for i, cell in enumerate(cells, 1):
        name = " ".join((cell or "").replace("\ufeff", "").split())
        base = name or _("column %(number)s") % {"number": i}
        name, k = base, 1
        while name in out:
            k += 1
            name = f"{base} ({k})"
        out.append(name)
    return out


# --- CSV ----------------------------------------------------------------------------------------

def _decode(data: bytes, encoding: str, final: bool, errors: str = "strict") -> str:
    """Incremental, so a multibyte character cut at the sample's end is not an error."""
    return codecs.getincrementaldecoder(encoding)(errors).decode(data, final=final)


def _detect_encoding(sample: bytes, final: bool) -> str:
    if b"\x00" in sample:
        raise _not_a_table(_("it contains binary data"))
    decodable = []
    for encoding in ("utf-8", *CHINESE_ENCODINGS):
        try:
            _decode(sample, encoding, final)
        except UnicodeDecodeError:
            continue
        if encoding == "utf-8":
            return encoding
        decodable.append(encoding)
    if not decodable:
        raise ReadError("encoding", _(
            "This does not look like a CSV or Excel file: its text is not UTF-8, GB18030 or Big5. "
            "If it is a CSV file, choose its encoding or save it as UTF-8."))
    if len(decodable) == 1:
        return decodable[0]
    cut = sample[:256 * 1024]
    cut = cut[:cut.rfind(b"\n") + 1] or cut  # whole lines: charset_normalizer rejects cut chars
    best = charset_normalizer.from_bytes(cut, cp_isolation=list(decodable)).best()
    return best.encoding if best and best.encoding in decodable else decodable[0]


def _open_csv(path: Path, sample: bytes, encoding: str | None, delimiter: str | None) -> Table:
    final = len(sample) < SAMPLE_BYTES
    bom = next((name for mark, name in _BOMS if sample.startswith(mark)), None)
    if encoding:
        try:
            encoding = codecs.lookup(encoding).name
        except LookupError:
            raise ReadError("unknown_encoding", _("Unknown encoding “%(encoding)s”.") % {
                "encoding": encoding}) from None
        if encoding == "utf-8" and bom == "utf-8-sig":
            encoding = bom
    else:
        encoding = bom or _detect_encoding(sample, final)
    # Only to judge the content: a wrong user-chosen encoding fails later, naming the row.
    text = _decode(sample, encoding, final, errors="replace")
    if not text.replace("\ufeff", "").strip():
        raise _empty()
    controls = len(_CONTROL.findall(text[:SNIFF_CHARS]))
    if "\x00" in text or controls > max(2, len(text[:SNIFF_CHARS]) // 100):
        raise _not_a_table(_("it contains binary data"))
    if delimiter is None:
        delimiter = _sniff_delimiter(text)
    elif len(delimiter) != 1 or delimiter in "\r\n\"":
        raise ReadError("delimiter", _("The delimiter must be one character, e.g. “,” or “;”."))
    return Table(path, "csv", encoding=encoding, delimiter=delimiter)


def _sniff_delimiter(text: str) -> str:
    head = text[:SNIFF_CHARS]
    head = head[:head.rfind("\n") + 1] or head
    try:
        return csv.Sniffer().sniff(head, delimiters=DELIMITERS).delimiter
    except csv.Error:
        return ","  # one column, or nothing to go on


def _text_lines(raw: Iterable[bytes], encoding: str) -> Iterator[str]:
    """Decoded lines with their endings (as ``open(newline="")`` gives), decoded lazily so a
    decode error surfaces while csv reads the record it is in."""
    decoder = codecs.getincrementaldecoder(encoding)()
    pending = ""
    for chunk in raw:
        text = decoder.decode(chunk)
        if (not pending and text.find("\n") == len(text) - 1
                and text.find("\r") in (-1, len(text) - 2)):
            yield text  # the usual case: one whole \n or \r\n line
            continue
        pending += text
        end = 0
        for m in _LINE.finditer(pending):
            if m.end() == len(pending) and pending.endswith("\r"):
                break  # maybe the \r of a \r\n cut by the chunk
            yield m.group()
            end = m.end()
        pending = pending[end:]
    pending += decoder.decode(b"", final=True)
    yield from (m.group() for m in re.finditer(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$", pending))


def _csv_records(path: Path, encoding: str, delimiter: str) -> Iterator[Row]:
    number = 0
    with path.open("rb") as raw:
        reader = csv.reader(_text_lines(raw, encoding), delimiter=delimiter)
        while True:
            try:
                record = next(reader)
            except StopIteration:
                return
            except UnicodeError:
                raise ReadError("decode", _(
                    "Row %(row)s cannot be decoded as %(encoding)s; choose another encoding.") % {
                    "row": number + 1, "encoding": encoding.upper()}, number + 1) from None
            except (csv.Error, MemoryError) as exc:
                raise ReadError("csv", _("Row %(row)s is not valid CSV: %(detail)s") % {
                    "row": number + 1, "detail": exc}, number + 1) from None
            number += 1
            if any(cell.strip() for cell in record):
                if any("\x00" in cell for cell in record):  # no database stores it in text
                    raise ReadError("binary", _("Row %(row)s contains binary data (a NUL character): this "
                                                "part of the file is not text.") % {"row": number}, number)
                yield number, [cell or None for cell in record]


# --- XLSX ---------------------------------------------------------------------------------------

def _open_xlsx(path: Path, sample: bytes, sheet: str | None) -> Table:
    if sample[30:38] == b"mimetype" and b"opendocument" in sample[:100]:
        raise ReadError("ods", _("This is an OpenDocument (.ods) spreadsheet: save it as .xlsx "
                                 "or CSV."))
    with _workbook(path) as book:
        sheets = [ws.title for ws in book.worksheets]
    if not sheets:
        raise _empty()
    if sheet is None:
        sheet = sheets[0]
    elif sheet not in sheets:
        raise ReadError("unknown_sheet", _("The workbook has no sheet “%(sheet)s”; its sheets "
                                           "are: %(sheets)s.") % {
            "sheet": sheet, "sheets": ", ".join(sheets)})
    return Table(path, "xlsx", sheets=sheets, sheet=sheet)


def _xlsx_error(detail: object, row: int | None = None) -> ReadError:
    detail = str(detail) or type(detail).__name__
    if row is None:
        return ReadError("xlsx", _("The Excel file cannot be opened: %(detail)s") % {
            "detail": detail})
    return ReadError("xlsx", _("Row %(row)s of the Excel file cannot be read: %(detail)s") % {
        "row": row, "detail": detail}, row)


@contextmanager
def _workbook(path: Path):
    import openpyxl  # ~100 ms to import; CSV-only runs skip it

    # A file object, not the path: openpyxl refuses paths not ending in .xlsx (uploads may not).
    with path.open("rb") as fh:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # "no default style" and similar
                book = openpyxl.load_workbook(fh, read_only=True, data_only=True)
        except Exception as exc:  # zip, XML and openpyxl errors alike
            raise _xlsx_error(exc) from None
        try:
            yield book
        finally:
            book.close()


def _xlsx_records(path: Path, sheet: str) -> Iterator[Row]:
    with _workbook(path) as book:
        rows = book[sheet].iter_rows(values_only=True)  # read-only fills gaps: row i is i-th
        number = 0
        while True:
            try:
                cells = next(rows)
            except StopIteration:
                return
            except Exception as exc:
                raise _xlsx_error(exc, number + 1) from None
            number += 1
            values = [_cell_text(v) for v in cells]
            while values and values[-1] is None:
                values.pop()  # formatted but empty columns at the right
            if any(v is not None and v.strip() for v in values):
                yield number, values


def _cell_text(value: object) -> str | None:
    """What the cell shows, as text the value parsers read (no "13812345678.0" phones)."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        return repr(float(f"{value:.15g}"))  # Excel keeps 15 digits: 0.1+0.2 shows as 0.3
    if isinstance(value, datetime):
        if value.microsecond >= 500_000:
            value += timedelta(seconds=1)
        value = value.replace(microsecond=0)
        return value.date().isoformat() if value.time() == time() else value.isoformat(" ")
    if isinstance(value, date | time):
        return value.isoformat()
    return str(value)
