"""Cell text → typed values, and the reasons given when a cell cannot be read."""

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from django.utils.translation import override

from kehu.customers.models import Customer
from kehu.imports import fields as f
from kehu.imports.values import ValueProblem, parse

PHONE = f.Field("phone", "phone", f.PHONE)
EMAIL = f.Field("email", "email", f.EMAIL)
DATE = f.Field("born", "born", f.DATE)
DATETIME = f.Field("at", "at", f.DATETIME)
DECIMAL = f.Field("price", "price", f.DECIMAL)
INTEGER = f.Field("qty", "qty", f.INTEGER)
BOOLEAN = f.Field("ok", "ok", f.BOOLEAN)
LIST = f.Field("tags", "tags", f.LIST)
TEXT = f.Field("name", "name", max_length=200)
KIND = f.Field("kind", "kind", f.CHOICE, choices=tuple(Customer.Kind.values))
SHANGHAI = timezone(timedelta(hours=8))


def reason(field, raw, **kwargs) -> str:
    with pytest.raises(ValueProblem) as info:
        parse(field, raw, **kwargs)
    return info.value.reason


@pytest.mark.parametrize("field", [PHONE, EMAIL, DATE, DATETIME, DECIMAL, INTEGER, BOOLEAN, LIST,
                                   TEXT, KIND])
@pytest.mark.parametrize("raw", [None, "", "   ", "\t\n"])
def test_empty_is_none(field, raw):
    assert parse(field, raw) is None


@pytest.mark.parametrize("raw", ["13812345678", "+86 138-1234-5678", "0086 13812345678",
                                 "8613812345678", "１３８１２３４５６７８", "(138) 1234 5678"])
def test_phone_forms(raw):
    assert parse(PHONE, raw) == "+8613812345678"


def test_phone_landline_and_rejections():
    assert parse(PHONE, "010-12345678") == "+861012345678"
    assert "not a phone number" in reason(PHONE, "12345")
    assert "format the column as text" in reason(PHONE, "1.38123E+10")


@pytest.mark.parametrize("raw, expected", [("Wang.Fang@Example.COM", "wang.fang@example.com"),
                                           ("ｗａｎｇ＠ｅｘａｍｐｌｅ．ｃｏｍ", "wang@example.com"),
                                           (" li@example.cn ", "li@example.cn")])
def test_email_forms(raw, expected):
    assert parse(EMAIL, raw) == expected


@pytest.mark.parametrize("raw", ["wang@", "wang@example", "wang example.com", "a@b@c.com"])
def test_email_rejected(raw):
    assert "not a valid email address" in reason(EMAIL, raw)


@pytest.mark.parametrize("raw", ["2024-03-01", "2024/3/1", "2024.03.01", "2024年3月1日", "20240301",
                                 "２０２４－０３－０１", "2024-03-01 00:00:00", "1 March 2024"])
def test_date_forms(raw):
    assert parse(DATE, raw) == date(2024, 3, 1)


def test_date_day_first_only_when_unambiguous():
    assert parse(DATE, "13/04/2024") == date(2024, 4, 13)
    assert parse(DATE, "04/13/2024") == date(2024, 4, 13)
    assert parse(DATE, "05/05/2024") == date(2024, 5, 5)
    text = reason(DATE, "03/04/2024")
    assert "ambiguous" in text and "2024-03-04" in text and "2024-04-03" in text


@pytest.mark.parametrize("raw", ["45292", "yesterday", "2024-02-30", "2024-13-01", "3/1"])
def test_date_rejected(raw):
    assert "not a date" in reason(DATE, raw)
    assert "2024年3月1日" in reason(DATE, raw)


@pytest.mark.parametrize("raw, expected", [
    ("2024-03-01 14:30", datetime(2024, 3, 1, 14, 30, tzinfo=SHANGHAI)),
    ("2024/3/1 14:30:05", datetime(2024, 3, 1, 14, 30, 5, tzinfo=SHANGHAI)),
    ("2024年3月1日 14:30", datetime(2024, 3, 1, 14, 30, tzinfo=SHANGHAI)),
    ("2024年3月1日下午2:30", datetime(2024, 3, 1, 14, 30, tzinfo=SHANGHAI)),
    ("2024-03-01T14:30:00+08:00", datetime(2024, 3, 1, 14, 30, tzinfo=SHANGHAI)),
    ("2024-03-01T06:30:00Z", datetime(2024, 3, 1, 6, 30, tzinfo=UTC)),
    ("2024-03-01", datetime(2024, 3, 1, tzinfo=SHANGHAI)),
    ("13/1/2024 2:30 PM", datetime(2024, 1, 13, 14, 30, tzinfo=SHANGHAI)),
])
def test_datetime_forms(raw, expected):
    value = parse(DATETIME, raw)
    assert value.tzinfo is not None  # naive values are local time (Asia/Shanghai in tests)
    assert value == expected


def test_datetime_rejected():
    assert "not a date and time" in reason(DATETIME, "next tuesday")
    assert "not a valid time" in reason(DATETIME, "2024-03-01 25:10")
    assert "ambiguous" in reason(DATETIME, "03/04/2024 10:00")


@pytest.mark.parametrize("raw, expected", [("1,234.50", "1234.50"), ("¥1234.5", "1234.5"),
                                           ("￥ 1,000", "1000"), ("１２３", "123"), ("-12.5", "-12.5"),
                                           ("12元", "12"), ("-¥3", "-3"), ("RMB 8.8", "8.8"),
                                           (".5", "0.5")])
def test_decimal_forms(raw, expected):
    assert parse(DECIMAL, raw) == Decimal(expected)


@pytest.mark.parametrize("raw", ["NaN", "inf", "-Infinity", "1,5", "1.2.3", "12,34", "abc",
                                 "10%", "--1"])
def test_decimal_rejected(raw):
    assert "not a number" in reason(DECIMAL, raw)


@pytest.mark.parametrize("raw, expected", [("3", 3), ("3.0", 3), ("+3", 3), ("1,000", 1000),
                                           ("-2", -2), ("３", 3)])
def test_integer_forms(raw, expected):
    value = parse(INTEGER, raw)
    assert value == expected and type(value) is int


def test_integer_rejected():
    assert "not a whole number" in reason(INTEGER, "3.5")
    assert "not a number" in reason(INTEGER, "three")


@pytest.mark.parametrize("raw", ["true", "TRUE", "yes", "Y", "1", "是", "对", "真", "√", "Ｙｅｓ"])
def test_boolean_true(raw):
    assert parse(BOOLEAN, raw) is True


@pytest.mark.parametrize("raw", ["false", "No", "n", "0", "否", "错", "假", "×"])
def test_boolean_false(raw):
    assert parse(BOOLEAN, raw) is False


def test_boolean_rejected():
    assert "not yes or no" in reason(BOOLEAN, "maybe")


@pytest.mark.parametrize("raw", ["person", "PERSON", "Person", "个人", "個人"])
def test_choice_matches_value_and_labels(raw):
    assert parse(KIND, raw, choices_labels=Customer.Kind.choices) == "person"


def test_choice_labels_found_from_the_model_field():
    status = f.targets()["orders"].field("status")
    assert parse(status, "已付款") == "paid"
    assert parse(status, "Cancelled") == "cancelled"
    tier = f.targets()["customers"].field("tier")
    assert parse(tier, "vip") == "A"  # "A · VIP": the part after the dot is enough


def test_choice_rejected_lists_the_choices():
    text = reason(KIND, "robot", choices_labels=Customer.Kind.choices)
    assert "not one of" in text and "Person" in text and "Organisation" in text
    with override("zh-hans"):
        assert "个人" in reason(KIND, "robot", choices_labels=Customer.Kind.choices)
    custom = f.Field("custom:size", "size", f.CHOICE, choices=("S", "M", "L"))
    assert parse(custom, "m") == "M"
    assert "S, M, L" in reason(custom, "XL")


def test_list_split_on_any_separator():
    assert parse(LIST, "vip, 老客户，北京;团购；a|b、 c ,,") == [
        "vip", "老客户", "北京", "团购", "a", "b", "c"]


def test_text_stripped_and_length_checked():
    assert parse(TEXT, "  王芳 ") == "王芳"
    assert parse(TEXT, "x" * 200) == "x" * 200
    text = reason(TEXT, "x" * 10_000)
    assert "longer than 200 characters" in text and "10,000" in text
