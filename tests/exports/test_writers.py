"""The pure writers: formula injection, typed cells, encodings, streaming (no database)."""

import csv
import io
import itertools
import zipfile
from datetime import date, datetime
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from kehu.exports import writers
from kehu.exports.writers import Sheet, csv_chunks, safe_cell, write_csv, write_csv_zip, write_xlsx

TRIGGERS = ["=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠"]
PAYLOADS = [f"{t}HYPERLINK(\"http://evil.example\",\"x\")" for t in TRIGGERS] + [
    "=1+2", "@SUM(A1:A2)", "-2+3", "+cmd|' /C calc'!A0", " =1+2", "\u3000＝1+2"]


def _csv_rows(data: bytes, encoding="utf-8-sig"):
    return list(csv.reader(io.StringIO(data.decode(encoding), newline="")))


def _xlsx(sheets):
    buffer = io.BytesIO()
    counts = write_xlsx(buffer, sheets)
    buffer.seek(0)
    return load_workbook(buffer), counts


@pytest.mark.parametrize("value", PAYLOADS)
def test_safe_cell_prefixes_every_formula_trigger(value):
    assert safe_cell(value) == "'" + value


@pytest.mark.parametrize("value", ["王小明", "a=b", "1+1", "x@example.com", "'quoted", "", "3.5"])
def test_safe_cell_leaves_ordinary_text_alone(value):
    assert safe_cell(value) == value


@pytest.mark.parametrize("value", [-5, Decimal("-1.50"), 0.25, None, date(2026, 1, 2)])
def test_safe_cell_leaves_numbers_and_dates_typed(value):
    assert safe_cell(value) is value


@pytest.mark.parametrize("value", PAYLOADS)
def test_csv_escapes_headers_and_cells(value):
    data = b"".join(csv_chunks([value, "name"], [[value, "王小明"], ["ok", value]]))
    rows = _csv_rows(data)
    assert rows == [["'" + value, "name"], ["'" + value, "王小明"], ["ok", "'" + value]]


@pytest.mark.parametrize("value", PAYLOADS)
def test_xlsx_escapes_headers_and_cells_and_never_writes_a_formula(value):
    book, counts = _xlsx([Sheet("Customers", [value, "name"], [[value, "王小明"], ["ok", value]])])
    sheet = book["Customers"]
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    escaped = ("'" + value).replace("\r", "\n")  # XML reads a carriage return back as a line feed
    assert values == [[escaped, "name"], [escaped, "王小明"], ["ok", escaped]]
    assert counts == [2]
    for row in sheet.iter_rows():
        for cell in row:
            assert cell.data_type == "s", (cell.coordinate, cell.value)


def test_xlsx_keeps_numbers_and_dates_typed():
    when = datetime(2026, 11, 22, 9, 30)  # noqa: DTZ001 - the writers take wall-clock times
    book, _ = _xlsx([Sheet("T", ["n", "money", "p", "day", "at", "none"],
                           [[42, Decimal("-1234.50"), 0.5, date(1985, 3, 4), when, None]])])
    row = [c for c in next(book["T"].iter_rows(min_row=2))]
    assert [c.value for c in row[:3]] == [42, -1234.5, 0.5]
    assert all(c.data_type == "n" for c in row[:3])
    assert row[3].is_date and row[3].value.date() == date(1985, 3, 4)
    assert row[4].is_date and row[4].value == when
    assert row[5].value is None


def test_xlsx_strips_characters_xml_cannot_carry_and_cuts_long_text():
    book, _ = _xlsx([Sheet("T", ["h"], [["a\x00b\x07c"], ["x" * 40_000]])])
    sheet = book["T"]
    assert sheet["A2"].value == "abc"
    assert len(sheet["A3"].value) == writers.XLSX_MAX_CHARS


def test_xlsx_continues_a_long_table_on_further_sheets():
    buffer = io.BytesIO()
    counts = write_xlsx(buffer, [Sheet("Orders", ["n"], ([i] for i in range(7)))], max_rows=4)
    buffer.seek(0)
    book = load_workbook(buffer)
    assert book.sheetnames == ["Orders", "Orders (2)", "Orders (3)"]
    assert counts == [7]
    assert [c.value for c in book["Orders (2)"]["A"]] == ["n", 3, 4, 5]


def test_sheet_titles_are_valid_and_unique():
    taken = set()
    assert writers.sheet_title("Orders/lines [P]: *all*?", taken) == "Orders lines P all"
    assert writers.sheet_title("a" * 40, taken) == "a" * 31
    assert writers.sheet_title("a" * 40, taken) == "a" * 27 + " (2)"


def test_utf8_csv_starts_with_a_bom_and_gb18030_encodes_chinese():
    utf8 = b"".join(csv_chunks(["姓名"], [["王小明"]]))
    assert utf8.startswith(b"\xef\xbb\xbf")
    assert _csv_rows(utf8) == [["姓名"], ["王小明"]]
    gb = b"".join(csv_chunks(["姓名"], [["王小明", "＝1"]], encoding="gb18030"))
    assert not gb.startswith(b"\xef\xbb\xbf")
    assert "王小明".encode("gb18030") in gb
    assert _csv_rows(gb, "gb18030") == [["姓名"], ["王小明", "'＝1"]]
    with pytest.raises(ValueError):
        next(csv_chunks(["h"], [], encoding="latin-1"))


def test_csv_streams_without_reading_every_row():
    endless = ([i, f"row {i}"] for i in itertools.count())
    first = next(csv_chunks(["n", "text"], endless, rows_per_chunk=100))
    rows = _csv_rows(first)
    assert rows[0] == ["n", "text"] and len(rows) == 101  # the header and the first 100 rows


def test_csv_values_dates_and_quoting():
    out = io.BytesIO()
    wall_clock = datetime(2026, 1, 2, 3, 4, 5)  # noqa: DTZ001 - the writers take wall-clock times
    n = write_csv(out, ["a", "b", "c", "d"], [[wall_clock, date(2026, 1, 2), 'say "hi", then\nleave', None]])
    assert n == 1
    assert _csv_rows(out.getvalue())[1] == ["2026-01-02 03:04:05", "2026-01-02", 'say "hi", then\nleave', ""]


def test_csv_zip_holds_one_safe_file_per_sheet():
    out = io.BytesIO()
    counts = write_csv_zip(out, [Sheet("Customer", ["=h"], [["=1"]]), Sheet("Orders", ["h"], [[1], [2]])])
    assert counts == [1, 2]
    with zipfile.ZipFile(out) as archive:
        assert archive.namelist() == ["01-customer.csv", "02-orders.csv"]
        assert _csv_rows(archive.read("01-customer.csv")) == [["'=h"], ["'=1"]]
