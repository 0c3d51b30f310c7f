"""The table readers: formats and encodings detected by content, errors said plainly, streaming."""

import datetime as dt
import os
import tracemalloc

import openpyxl
import pytest

from kehu.imports.readers import ReadError, open_table


def write(tmp_path, name, data, encoding="utf-8"):
    path = tmp_path / name
    if isinstance(data, str):
        data = data.encode(encoding)
    path.write_bytes(data)
    return path


def error(path, **kwargs) -> ReadError:
    with pytest.raises(ReadError) as info:
        table = open_table(path, **kwargs)
        list(table.rows())
    return info.value


# --- file errors --------------------------------------------------------------------------------

@pytest.mark.parametrize("data", [b"", b"\xef\xbb\xbf", b"  \r\n\t\n", b"\xff\xfe"])
def test_empty_file(tmp_path, data):
    e = error(write(tmp_path, "e.csv", data))
    assert e.code == "empty"
    assert "empty" in e.message


def test_header_only_csv(tmp_path):
    e = error(write(tmp_path, "h.csv", "name,phone\n\n,\n"))
    assert e.code == "header_only"
    assert "no data rows" in e.message


def test_header_only_xlsx(tmp_path):
    book = openpyxl.Workbook()
    book.active.append(["name", "phone"])
    book.save(tmp_path / "h.xlsx")
    assert error(tmp_path / "h.xlsx").code == "header_only"


def test_binary_file_renamed_csv(tmp_path):
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + os.urandom(4000)
    e = error(write(tmp_path, "photo.csv", png))
    assert e.code == "binary"
    assert "does not look like a CSV or Excel file" in e.message


def test_nul_bytes_in_text(tmp_path):
    e = error(write(tmp_path, "n.csv", b"name,phone\nann,1\x00\x00\x002\n"))
    assert e.code == "binary"


def test_undecodable_in_every_encoding(tmp_path):
    e = error(write(tmp_path, "x.csv", b"name\n\x80\xff\x80\xff\n"))
    assert e.code == "encoding"
    assert "GB18030" in e.message


def test_old_xls(tmp_path):
    e = error(write(tmp_path, "old.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(512)))
    assert e.code == "xls"
    assert ".xlsx or CSV" in e.message


def test_corrupt_xlsx(tmp_path):
    e = error(write(tmp_path, "bad.xlsx", b"PK\x03\x04" + b"not really a zip" * 20))
    assert e.code == "xlsx"
    assert e.message.startswith("The Excel file cannot be opened:")


def test_unknown_sheet(tmp_path):
    book = openpyxl.Workbook()
    book.active.title = "Customers"
    book.active.append(["name"])
    book.active.append(["Ann"])
    book.save(tmp_path / "s.xlsx")
    e = error(tmp_path / "s.xlsx", sheet="Orders")
    assert e.code == "unknown_sheet"
    assert "Orders" in e.message and "Customers" in e.message


def test_decode_error_mid_file_names_the_row(tmp_path):
    # Beyond the 1 MiB sample, so detection says UTF-8; row 120,003 is GBK.
    body = ("name,city\n" + "ann,paris\n" * 120_000 + "bob,london\n").encode()
    e = error(write(tmp_path, "mixed.csv", body + "张三,北京\n".encode("gbk")))
    assert e.code == "decode"
    assert e.row == 120_003
    assert "Row 120003 cannot be decoded as UTF-8" in e.message


def test_wrong_user_encoding_names_the_row(tmp_path):
    path = write(tmp_path, "g.csv", "姓名,手机\n张三,138\n", "gbk")
    e = error(path, encoding="utf-8")
    assert (e.code, e.row) == ("decode", 1)


def test_unknown_encoding_name(tmp_path):
    e = error(write(tmp_path, "a.csv", "a\n1\n"), encoding="klingon")
    assert e.code == "unknown_encoding"


# --- rows ---------------------------------------------------------------------------------------

def test_row_numbers_as_a_spreadsheet_shows_them(tmp_path):
    path = write(tmp_path, "r.csv", 'name,note\nann,"two\nlines"\n\n,\nbob,x\n')
    table = open_table(path)
    assert list(table.rows()) == [(2, ["ann", "two\nlines"]), (5, ["bob", "x"])]


def test_ragged_rows_are_yielded_as_they_are(tmp_path):
    table = open_table(write(tmp_path, "r.csv", "a,b,c,d\n1,2,3,4\n1,2,3,4,5\n1,2\n"))
    assert table.width == 4
    assert [len(values) for _n, values in table.rows()] == [4, 5, 2]


def test_headers_blank_and_duplicate(tmp_path):
    table = open_table(write(tmp_path, "h.csv", " phone ,,phone,Phone,phone\n1,2,3,4,5\n"))
    assert table.headers == ["phone", "column 2", "phone (2)", "Phone", "phone (3)"]


def test_long_cells_read_intact(tmp_path):
    note, longer = "备注" * 5_000, "x" * 200_000  # 200,000 > csv's default field limit
    table = open_table(write(tmp_path, "l.csv", f'name,note\nann,{note}\nbob,"{longer}"\n'))
    assert [values[1] for _n, values in table.rows()] == [note, longer]


def test_preview_does_not_consume_rows(tmp_path):
    table = open_table(write(tmp_path, "p.csv", "n\n" + "".join(f"{i}\n" for i in range(50))))
    assert [n for n, _v in table.preview(3)] == [2, 3, 4]
    assert sum(1 for _row in table.rows()) == 50


def test_old_mac_line_endings(tmp_path):
    table = open_table(write(tmp_path, "m.csv", "name,phone\r张三,1\rann,2\r"))
    assert list(table.rows()) == [(2, ["张三", "1"]), (3, ["ann", "2"])]


def test_streams_in_constant_memory(tmp_path):
    path = tmp_path / "big.csv"
    with path.open("w", encoding="utf-8") as f:
        f.write("id,name,phone,city\n")
        f.writelines(f"{i},客户{i},138{i:08d},上海\n" for i in range(200_000))
    table = open_table(path)
    tracemalloc.start()
    try:
        count = last = 0
        for number, _values in table.rows():
            count, last = count + 1, number
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert (count, last) == (200_000, 200_001)
    assert peak < 20 * 1024 * 1024


# --- encodings and delimiters -------------------------------------------------------------------

def test_gbk_detected_as_gb18030(tmp_path):
    table = open_table(write(tmp_path, "g.csv", "姓名,手机\n张三,13812345678\n李四,13900001111\n",
                             "gbk"))
    assert table.encoding == "gb18030"
    assert table.headers == ["姓名", "手机"]
    assert [v for _n, v in table.rows()] == [["张三", "13812345678"], ["李四", "13900001111"]]


def test_big5_detected(tmp_path):
    text = "客戶名稱,地址\n台灣積體電路,新竹市\n陳大文,臺北市信義區\n恒春商行,屏東縣\n"
    table = open_table(write(tmp_path, "b.csv", text, "cp950"))
    assert table.encoding == "cp950"
    assert table.headers == ["客戶名稱", "地址"]
    assert [v[0] for _n, v in table.rows()] == ["台灣積體電路", "陳大文", "恒春商行"]


def test_user_encoding_overrides_detection(tmp_path):
    table = open_table(write(tmp_path, "g.csv", "姓名\n张三\n", "gbk"), encoding="GBK")
    assert table.encoding == "gbk"
    assert table.preview() == [(2, ["张三"])]


@pytest.mark.parametrize("encoding, reported", [("utf-8-sig", "utf-8-sig"), ("utf-16", "utf-16")])
def test_unicode_with_bom(tmp_path, encoding, reported):
    table = open_table(write(tmp_path, "u.csv", "姓名,email\r\n王芳,w@example.com\r\n", encoding))
    assert table.encoding == reported
    assert table.headers == ["姓名", "email"]  # no BOM glued to the first header
    assert list(table.rows()) == [(2, ["王芳", "w@example.com"])]


@pytest.mark.parametrize("delimiter", [";", "\t", "|", ","])
def test_delimiter_sniffed(tmp_path, delimiter):
    rows = [["name", "city", "amount"], ["Ann", "Paris", "1,5"], ["Bob", "Lyon", "2,0"]]
    text = "\n".join(delimiter.join(r if delimiter != "," else [f'"{c}"' for c in r])
                     for r in rows) + "\n"
    table = open_table(write(tmp_path, "d.csv", text))
    assert table.delimiter == delimiter
    assert table.preview(1) == [(2, ["Ann", "Paris", "1,5"])]


def test_one_column_falls_back_to_comma(tmp_path):
    assert open_table(write(tmp_path, "o.csv", "phone\n138\n139\n")).delimiter == ","


# --- XLSX ---------------------------------------------------------------------------------------

def test_xlsx_values_and_formulas(tmp_path):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["name", "qty", "price", "born", "at", "vip", "total", None])
    sheet.append(["Ann", 3, 12.5, dt.date(1990, 5, 17), dt.datetime(2024, 3, 1, 14, 30),  # noqa: DTZ001 (Excel has no zones)
                  True, "=B2*C2"])
    sheet.append([])
    sheet.append(["Bob", 2.0, 0.1 + 0.2, None, None, False, 7])
    book.create_sheet("Other").append(["x"])
    path = tmp_path / "upload.bin"  # detected by content, not by name
    book.save(path)
    table = open_table(path)
    assert (table.format, table.encoding, table.sheets) == ("xlsx", None, ["Sheet", "Other"])
    assert table.headers == ["name", "qty", "price", "born", "at", "vip", "total"]
    assert list(table.rows()) == [
        # openpyxl writes no cached value for a formula: it reads as None
        (2, ["Ann", "3", "12.5", "1990-05-17", "2024-03-01 14:30:00", "true", None]),
        (4, ["Bob", "2", "0.3", None, None, "false", "7"]),
    ]


def test_xlsx_other_sheet(tmp_path):
    book = openpyxl.Workbook()
    book.active.append(["ignored"])
    other = book.create_sheet("订单")
    other.append(["订单号"])
    other.append(["A-1"])
    book.save(tmp_path / "b.xlsx")
    table = open_table(tmp_path / "b.xlsx", sheet="订单")
    assert table.headers == ["订单号"]
    assert list(table.rows()) == [(2, ["A-1"])]
