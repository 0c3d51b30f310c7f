"""Table.batches gives exactly the rows and row numbers Table.rows gives, whichever reader ran:
polars for a plain UTF-8 CSV, the csv module from the first row polars would read differently."""

import csv
import io

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kehu.imports import readers
from kehu.imports.readers import ReadError, open_table


def _rows_of(table):
    return [(n, cells + [None] * (table.width - len(cells))) for n, cells in table.rows()]


def _batched(table, size=3):
    out, long_rows = [], {}
    for batch in table.batches(size):
        for number, cells in zip(batch.numbers.tolist(), batch.frame.rows(), strict=True):
            out.append((number, list(cells)))
        long_rows |= batch.long_rows
    return out, long_rows


def _same(path):
    table = open_table(path)
    expected = _rows_of(table)
    got, long_rows = _batched(table)
    assert got == [(n, cells[:table.width]) for n, cells in expected]
    assert long_rows == {n: cells for n, cells in table.rows() if len(cells) > table.width
                         and any(cells[table.width:])}
    return table, got


CASES = {
    "plain": "a,b\n1,2\n3,4\n",
    "mid_quote": 'a,b\nab"c,d\n1,2\n',
    "quote_then_text": 'a,b\n1,2\n"abc"def,x\n',
    "doubled": 'a,b\n"he said ""hi""",x\n',
    "multiline": 'a,b\n"l1\nl2",x\n5,6\n',
    "crlf": "a,b\r\n1,2\r\n3,4\r\n",
    "space_before_quote": 'a,b\n1,2\n1, "x,y"\n',
    "empty_quoted": 'a,b\n"",x\n',
    "blank_lines": "a,b\n1,2\n\n\n3,4\n",
    "whitespace_row": "a,b\n1,2\n   ,\t\n3,4\n",
    "short": "a,b,c\n1\n2,3\n",
    "long_row": "a,b\n1,2\n3,4,5\n6,7,,\n",
    "no_final_newline": "a,b\n1,2",
    "lone_cr": "a,b\r1,2\r3,4\r",
    "semicolons": "a;b\n1;2\n",
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_batches_equal_rows(tmp_path, name):
    path = tmp_path / f"{name}.csv"
    path.write_text(CASES[name], encoding="utf-8", newline="")
    _same(path)


def test_polars_reads_plain_files_and_hands_over_at_the_first_odd_row(tmp_path, monkeypatch):
    path = tmp_path / "odd.csv"
    path.write_text("a,b\n" + "".join(f"{i},x\n" for i in range(50_000)) + "ab,c,d\n1,2\n", encoding="utf-8")
    used = []
    real = readers._python_batches
    monkeypatch.setattr(readers, "_python_batches", lambda t, size, after: used.append(after) or real(t, size, after))
    table = open_table(path)
    got, _long = _batched(table, size=5000)
    assert table._polars_can_read()
    assert used and used[0] > 2  # polars gave the first rows, csv went on from there
    assert got == [(n, cells[:table.width]) for n, cells in _rows_of(table)]
    assert got[-2] == (50_002, ["ab", "c"])


def test_a_bad_byte_mid_file_is_the_csv_readers_error(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_bytes(b"a,b\n" + b"1,2\n" * 300_000 + b"\xff\xfe,3\n")  # past the sniffed first MiB
    table = open_table(path)
    with pytest.raises(ReadError) as info:
        list(table.batches(5000))
    assert info.value.code == "decode" and info.value.row == 300_002


def test_a_nul_byte_mid_file_is_the_csv_readers_error(tmp_path):
    path = tmp_path / "nul.csv"
    path.write_bytes(b"a,b\n" + b"1,2\n" * 300_000 + b"x\x00y,3\n")
    table = open_table(path)
    with pytest.raises(ReadError) as info:
        list(table.batches(5000))
    assert info.value.code == "binary" and info.value.row == 300_002


def test_files_with_quotes_or_lone_carriage_returns_are_the_csv_modules(tmp_path):
    for name, text in {"q.csv": 'a,b\n"x, y",2\n', "cr.csv": "a,b\r1,2\r", "end.csv": "a,b\n1,2\r"}.items():
        path = tmp_path / name
        path.write_text(text, encoding="utf-8", newline="")
        assert not open_table(path)._polars_can_read()
        _same(path)
    plain = tmp_path / "plain.csv"
    plain.write_text("a,b\r\n1,2\r\n", encoding="utf-8", newline="")
    assert open_table(plain)._polars_can_read()


def test_gbk_files_and_xlsx_come_in_batches_too(tmp_path):
    path = tmp_path / "gbk.csv"
    path.write_bytes("姓名,手机\n王伟,13812345678\n李娜,\n".encode("gb18030"))
    table, got = _same(path)
    assert table.encoding == "gb18030" and got == [(2, ["王伟", "13812345678"]), (3, ["李娜", None])]


cells = st.text(alphabet=st.sampled_from(list('ab,"\n\r 张;\t') + ["x"]), max_size=6)
plain_cells = st.lists(st.sampled_from(list("ab,\n\r 张;\t\u3000") + ["x", "\r\n"]), max_size=6).map("".join)


@settings(max_examples=600, deadline=None)
@given(st.lists(st.lists(cells, min_size=0, max_size=4), min_size=1, max_size=8))
def test_any_csv_text_reads_the_same_both_ways(tmp_path_factory, records):
    _check_both_ways(tmp_path_factory, records)


@settings(max_examples=600, deadline=None)
@given(st.lists(st.lists(plain_cells, min_size=0, max_size=4), min_size=1, max_size=8))
def test_csv_text_without_quotes_reads_the_same_with_polars(tmp_path_factory, records):
    """Without quotes polars reads the file (unless a row is long or a CR stands alone)."""
    _check_both_ways(tmp_path_factory, records)


def _check_both_ways(tmp_path_factory, records):
    out = io.StringIO(newline="")
    csv.writer(out).writerow(["h1", "h2", "h3"])
    for record in records:
        out.write(",".join(record) + "\n")  # written raw: stray quotes and ragged rows included
    path = tmp_path_factory.mktemp("csv") / "t.csv"
    path.write_text(out.getvalue(), encoding="utf-8", newline="")
    try:
        table = open_table(path)
    except ReadError:
        return  # empty or header-only: nothing to batch
    try:
        expected = _rows_of(table)
    except ReadError as exc:
        with pytest.raises(ReadError) as info:
            _batched(table)
        assert (info.value.code, info.value.row) == (exc.code, exc.row)
        return
    got, _long = _batched(table)
    assert got == [(n, cells[:table.width]) for n, cells in expected]
