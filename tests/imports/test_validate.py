"""BatchParser: a column at a time, with exactly the values and problems ``values.parse`` gives
for each cell (the vectorised shortcuts must never change an answer), every problem named by row
and column."""

from datetime import UTC, datetime
from decimal import Decimal

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kehu.imports import fields, values
from kehu.imports.fields import Field
from kehu.imports.readers import Batch
from kehu.imports.validate import BatchParser, to_rows

HEADERS = ["姓名", "手机", "生日", "标签"]
MAPPING = {"姓名": "display_name", "手机": "phone", "生日": "birth_date", "标签": "tags"}


def _batch(rows, width=None, first=2):
    width = width or len(rows[0])
    cols = {f"c{i}": [r[i] if i < len(r) else None for r in rows] for i in range(width)}
    return Batch(np.arange(first, first + len(rows)), pl.DataFrame(cols, schema={c: pl.Utf8 for c in cols}))


def _parser(target="customers", headers=HEADERS, mapping=MAPPING):
    return BatchParser(fields.targets()[target], headers, mapping)


def test_repeated_bad_cells_are_reported_on_every_row():
    frame, errors = _parser().parse(_batch([["王伟", "12345", "1990-02-30", ""]] * 3))
    assert {(e.row, e.column) for e in errors} == {(n, c) for n in (2, 3, 4) for c in ("手机", "生日")}
    assert [e.row for e in errors] == sorted(e.row for e in errors)
    assert frame["phone"].to_list() == [None] * 3


def test_values_come_typed_and_rows_get_separate_lists():
    frame, errors = _parser().parse(_batch([["王伟", "138 1234 5678", "1990-02-03", "VIP, 新客"]] * 2))
    assert errors == []
    rows = to_rows(frame, fields.targets()["customers"].fields and {f.key: f for f in fields.targets()["customers"].fields})
    assert rows[0].data["phone"] == "+8613812345678" and str(rows[0].data["birth_date"]) == "1990-02-03"
    rows[0].data["tags"].append("changed")
    assert rows[1].data["tags"] == ["VIP", "新客"]


def test_a_missing_required_column_is_reported_per_row():
    parser = _parser(headers=["手机"], mapping={"手机": "phone"})
    required = [f for f in fields.targets()["customers"].fields if f.required]
    _frame, errors = parser.parse(_batch([["13812345678"], ["13912345678"]]))
    assert len([e for e in errors if e.column == "" and e.row == 2]) == len(required)


def test_a_long_row_and_an_empty_required_cell():
    batch = _batch([["", "13812345678", "", ""]])
    batch.long_rows = {2: ["", "13812345678", "", "", "extra"]}
    _frame, errors = _parser().parse(batch)
    assert [e.reason for e in errors][0] == "the row has 5 cells, the header has 4"
    assert any(e.column == "姓名" and "required" in e.reason for e in errors)


# --- the same answer as values.parse, cell by cell ------------------------------------------------

FIELDS = {
    "text": Field("t", "text", fields.TEXT, max_length=5),
    "phone": Field("p", "phone", fields.PHONE),
    "email": Field("e", "email", fields.EMAIL),
    "date": Field("d", "date", fields.DATE),
    "datetime": Field("dt", "when", fields.DATETIME),
    "decimal": Field("m", "money", fields.DECIMAL, max_abs=fields.MONEY),
    "integer": Field("q", "quantity", fields.INTEGER, max_abs=fields.POSITIVE_INT),
    "plain_integer": Field("n", "number", fields.INTEGER),
    "boolean": Field("b", "yes/no", fields.BOOLEAN),
    "choice": Field("c", "channel", fields.CHOICE, choices=("store", "online", "phone")),
    "list": Field("l", "tags", fields.LIST),
}

EDGES = {
    "text": ["abc", " abc ", "abcdef", "张三李四王", "张三李四王五", "\x1c", " ", "\u3000x\u3000"],
    "phone": ["13812345678", "+86 138-1234-5678", "008613812345678", "8613812345678", "12345678901",
              "１３８１２３４５６７８", "010-62345678", "+1 650 253 0000", "1.38123E+10", "138123456789",
              "(138)12345678", "13812345678 ", "+8619912345678", "19212345678"],
    "email": ["a@b.cn", "A.B@Example.COM", "a..b@x.com", ".a@x.com", "a@-x.com", "a@x.c", "mailto:a@x.com",
              "a@x。com", "a b@x.com", "user+tag@gmail.com", "a@localhost", "x@" + "a" * 64 + ".com",
              "a_b-c@sub.example.org", "a@x.com.", "ａ@x.com"],
    "date": ["1990-02-03", "1990-02-30", "1899-12-31", "2100-12-31", "2101-01-01", "1990/2/3", "03/04/1990",
             "1990年2月3日", "19900203", "1990-2-3", "０１９９０-02-03", "٢٠٢٤-01-01"],
    "datetime": ["2024-05-01 10:00", "2024-05-01T10:00:30", "2024-05-01t10:00", "2024-05-01 24:00",
                 "2024-05-01 10:60", "2024-05-01", "2024/5/1 下午3:30", "2024-05-01 10:00:00+08:00",
                 "2024-05-01 10:00Z", "1899-01-01 10:00", "1988-04-10 02:30", "1988-09-11 01:30", "2024-02-30 10:00"],
    "decimal": ["12.50", "-0", "007", "1,234.50", "¥12", "12.12345678901", "9999999999.99", "10000000000",
                "9999999999.995", "1e3", "abc", "-", ".5", "0.5", "１２３", "12.5元", "-12.00"],
    "integer": ["1", "0", "-3", "007", "1.0", "1.5", "2147483647", "2147483648", "１２", "1e2", "٣"],
    "plain_integer": ["99999999999999999", "123456789012345", "-5"],
    "boolean": ["yes", "是", "0", "maybe", "Y", "×"],
    "choice": ["store", "Store", "门店", "online", "wherever", "PHONE"],
    "list": ["VIP, 新客", "a;b|c", ",,", "x"],
}


def _reference(field, cell):
    try:
        value = values.parse(field, cell)
    except values.ValueProblem as exc:
        return None, exc.reason
    if isinstance(value, Decimal):
        value = format(value, "f")
    if isinstance(value, datetime):
        value = value.astimezone(UTC)
    return value, None


def _columnar(field, cells):
    parser = BatchParser(fields.Target("t", "t", (field,)), ["h"], {"h": field.key})
    frame, errors = parser.parse(_batch([[c] for c in cells]))
    reasons = {e.row: e.reason for e in errors}
    return [(v, reasons.get(n)) for n, v in zip(frame["row"].to_list(), frame[field.key].to_list(), strict=True)]


@pytest.mark.parametrize("kind", sorted(FIELDS))
def test_every_edge_case_reads_as_values_parse_reads_it(kind):
    field = FIELDS[kind]
    cells = EDGES[kind] + [None]
    expected = [_reference(field, c) if c is not None else (None, None) for c in cells]
    assert _columnar(field, cells) == expected


TEXT_BITS = st.sampled_from(["1", "3", "8", "0", "9", "-", ".", ":", " ", "+", "@", "a", "x", "é", "张", "年", "月",
                             "日", "T", "/", "¥", ",", "１", "com", "cn", "86", "138", "2024", "12"])


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(sorted(FIELDS)), st.lists(st.lists(TEXT_BITS, max_size=12).map("".join), min_size=1,
                                                  max_size=20))
def test_random_cells_read_as_values_parse_reads_them(kind, cells):
    field = FIELDS[kind]
    expected = [_reference(field, c) if c.strip() else (None, None) for c in cells]
    assert _columnar(field, cells) == expected
