"""RowParser: each cell parsed once per distinct text per column, with the same result as parsing
every cell (the cache must not leak one row's value or list into another)."""

from kehu.imports import fields
from kehu.imports.validate import RowParser

HEADERS = ["姓名", "手机", "生日", "标签"]
MAPPING = {"姓名": "display_name", "手机": "phone", "生日": "birth_date", "标签": "tags"}


def _parser():
    return RowParser(fields.targets()["customers"], HEADERS, MAPPING)


def test_repeated_bad_cells_are_reported_on_every_row():
    parser = _parser()
    problems = [parser.parse(n, ["王伟", "12345", "1990-02-30", ""])[1] for n in (2, 3, 4)]
    for number, errors in zip((2, 3, 4), problems, strict=True):
        assert {(e.row, e.column) for e in errors} == {(number, "手机"), (number, "生日")}
    assert problems[0][0].reason == problems[2][0].reason


def test_repeated_cells_give_the_same_values_and_separate_lists():
    parser = _parser()
    first, _ = parser.parse(2, ["王伟", "138 1234 5678", "1990-02-03", "VIP, 新客"])
    second, _ = parser.parse(3, ["王伟", "138 1234 5678", "1990-02-03", "VIP, 新客"])
    fresh, _ = _parser().parse(2, ["王伟", "138 1234 5678", "1990-02-03", "VIP, 新客"])
    assert first.data == second.data == fresh.data
    assert first.data["phone"] == "+8613812345678"
    first.data["tags"].append("changed")
    assert second.data["tags"] == ["VIP", "新客"]


def test_a_missing_required_column_is_reported_per_row():
    parser = RowParser(fields.targets()["customers"], ["手机"], {"手机": "phone"})
    required = [f for f in fields.targets()["customers"].fields if f.required]
    _row, errors = parser.parse(2, ["13812345678"])
    assert len([e for e in errors if e.column == ""]) == len(required)
