"""kehu.identity.normalize: pure functions, no database."""

from datetime import date, datetime

import pytest

from kehu.identity.normalize import (
    AddressTokens,
    address_tokens,
    cn_resident_id_birth_date,
    cn_resident_id_sex,
    date_candidates,
    dates_swapped,
    mailbox_key,
    normalize_city,
    normalize_cn_resident_id,
    normalize_email,
    normalize_id_number,
    normalize_phone,
    normalize_postcode,
    normalize_uscc,
    parse_date,
    to_halfwidth,
)


def test_to_halfwidth():
    assert to_halfwidth("１３８ＡＢＣ＠（）\u3000") == "138ABC@() "
    assert to_halfwidth("") == ""


# --- phones ---


@pytest.mark.parametrize(
    ("raw", "e164"),
    [
        ("13812345678", "+8613812345678"),
        ("+86 138-1234-5678", "+8613812345678"),
        ("0086 13812345678", "+8613812345678"),
        ("8613812345678", "+8613812345678"),
        ("１３８１２３４５６７８", "+8613812345678"),
        ("138.1234.5678", "+8613812345678"),
        (13812345678, "+8613812345678"),  # a spreadsheet number cell
        ("(010) 6552 9988", "+861065529988"),
        ("010-65529988", "+861065529988"),
        ("+86 (0)10 6552 9988", "+861065529988"),
        ("+1 650-253-0000", "+16502530000"),
        ("001 650 253 0000", "+16502530000"),
    ],
)
def test_normalize_phone(raw, e164):
    assert normalize_phone(raw) == e164


@pytest.mark.parametrize("raw", ["", "   ", "12345", "138 1234 567", "abc", "+86 000", None, 1.5])
def test_normalize_phone_invalid(raw):
    assert normalize_phone(raw) is None


def test_cn_mobile_shortcut_agrees_with_phonenumbers():
    """The regex shortcut for Chinese mobiles gives exactly what phonenumbers gives, on numbers
    across every 1xx prefix (valid and unallocated) and with the country code written three ways."""
    import random

    import phonenumbers

    rng = random.Random(4)
    samples = [f"1{a}{b}{rng.randrange(10**8):08d}" for a in range(10) for b in range(10) for _ in range(3)]
    samples += ["86" + s for s in samples[:100]] + ["+86 " + s for s in samples[100:200]]
    samples += ["0086" + s for s in samples[200:300]]
    agree = 0
    for text in samples:
        compact = text.replace(" ", "")
        try:
            number = phonenumbers.parse("+" + compact[2:] if compact.startswith("00") else
                                        ("+" + compact if compact.startswith("86") and len(compact) == 13
                                         else compact), "CN")
            slow = (phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
                    if phonenumbers.is_valid_number(number) else None)
        except phonenumbers.NumberParseException:
            slow = None
        assert normalize_phone(text) == slow, text
        agree += slow is not None
    assert 0 < agree < len(samples)  # both valid and invalid prefixes were tried


def test_normalize_phone_region():
    assert normalize_phone("650-253-0000", region="US") == "+16502530000"
    assert normalize_phone("650-253-0000", region="") is None  # no region, no country code


# --- e-mail ---


@pytest.mark.parametrize(
    ("raw", "normal"),
    [
        (" John.Smith@Example.COM ", "john.smith@example.com"),
        ("a＠b．com", "a@b.com"),  # full-width @ and dot
        ("ＪＯＨＮ＠ＱＱ．ＣＯＭ", "john@qq.com"),
        ("john@gmail。com", "john@gmail.com"),  # IME full stop
        ("mailto:x@y.org", "x@y.org"),
        ("a.b+tag@sub.example.co.uk", "a.b+tag@sub.example.co.uk"),
    ],
)
def test_normalize_email(raw, normal):
    assert normalize_email(raw) == normal


@pytest.mark.parametrize(
    "raw", ["", "x@y", "a b@c.com", "a@b@c.com", "@b.com", "a@.com", "a@b..com", "a@b.c", None]
)
def test_normalize_email_invalid(raw):
    assert normalize_email(raw) is None


@pytest.mark.parametrize(
    ("raw", "key"),
    [
        ("John.Smith@gmail.com", "johnsmith@gmail.com"),
        ("j.o.h.n.s.m.i.t.h+news@GMAIL.com", "johnsmith@gmail.com"),
        ("john.smith@googlemail.com", "johnsmith@gmail.com"),
        ("john.smith+x@outlook.com", "john.smith@outlook.com"),
        ("john+x@hotmail.com", "john@hotmail.com"),
        ("john+x@live.com", "john@live.com"),
        ("john+x@icloud.com", "john@icloud.com"),
        ("john+x@fastmail.com", "john@fastmail.com"),
        ("john.smith@example.com", "john.smith@example.com"),  # other providers keep dots
        ("john+x@example.com", "john+x@example.com"),  # ... and plus tags
        ("a.b+c@qq.com", "a.b+c@qq.com"),
        ("12345@foxmail.com", "12345@foxmail.com"),
        ("+tag@gmail.com", "+tag@gmail.com"),  # nothing left before the tag: keep as typed
        ("  Not An Email ", "not an email"),  # unparseable: lowercased, compared exactly
    ],
)
def test_mailbox_key(raw, key):
    assert mailbox_key(raw) == key


def test_gmail_variants_share_a_mailbox_but_not_other_providers():
    assert mailbox_key("j.smith+a@gmail.com") == mailbox_key("JSmith@googlemail.com")
    assert mailbox_key("j.smith@example.com") != mailbox_key("jsmith@example.com")
    assert mailbox_key("j.smith@outlook.com") != mailbox_key("jsmith@outlook.com")


# --- dates ---

MARCH_12 = date(1985, 3, 12)


@pytest.mark.parametrize(
    "raw",
    [
        "1985-03-12",
        "1985-3-12",
        "1985/3/12",
        "1985.3.12",
        "19850312",
        19850312,
        "1985年3月12日",
        "1985年03月12日",
        "１９８５年３月１２日",
        "１９８５－０３－１２",
        "12-Mar-1985",
        "12 March 1985",
        "12mar1985",
        "Mar 12 1985",
        "March 12, 1985",
        "Mar. 12th, 1985",
        "1985-03-12T10:22:00Z",
        "1985-03-12 10:22",
        " 1985-03-12 ",
    ],
)
def test_parse_date_formats(raw):
    assert parse_date(raw) == MARCH_12
    assert date_candidates(raw) == (MARCH_12,)


def test_parse_date_passes_dates_through():
    assert parse_date(MARCH_12) == MARCH_12
    assert parse_date(datetime(1985, 3, 12, 10, 30)) == MARCH_12  # noqa: DTZ001


def test_ambiguous_day_month():
    assert date_candidates("12/03/1985") == (date(1985, 3, 12), date(1985, 12, 3))
    assert date_candidates("12/03/1985", dayfirst=False) == (date(1985, 12, 3), date(1985, 3, 12))
    assert parse_date("03/12/1985") == date(1985, 12, 3)
    assert parse_date("03/12/1985", dayfirst=False) == date(1985, 3, 12)
    assert parse_date("12.03.1985") == date(1985, 3, 12)


def test_unambiguous_day_month():
    assert date_candidates("13/03/1985") == (date(1985, 3, 13),)
    assert date_candidates("03/13/1985") == (date(1985, 3, 13),)
    assert parse_date("03/13/1985") == date(1985, 3, 13)  # only reading, whatever dayfirst says
    assert date_candidates("05/05/1985") == (date(1985, 5, 5),)  # both readings are one date


@pytest.mark.parametrize(
    "raw",
    ["1985-02-30", "30/02/1985", "1985-13-01", "1899-12-31", "2101-01-01", "12/03/85", "1985",
     "Foo 12 1985", "", "not a date", None],
)
def test_parse_date_rejects(raw):
    assert parse_date(raw) is None
    assert date_candidates(raw) == ()


def test_dates_swapped():
    assert dates_swapped(date(1985, 3, 12), date(1985, 12, 3))
    assert not dates_swapped(date(1985, 3, 12), date(1985, 3, 12))
    assert not dates_swapped(date(1985, 3, 12), date(1986, 12, 3))
    assert not dates_swapped(date(1985, 3, 12), date(1985, 3, 13))
    a, b = date_candidates("12/03/1985")
    assert dates_swapped(a, b)


# --- Chinese resident ID ---


def _gb11643_check(body17: str) -> str:
    """Check character computed from the standard's definition: weights 2^(17-i) mod 11."""
    total = sum(int(c) * pow(2, 17 - i, 11) for i, c in enumerate(body17))
    return "10X98765432"[total % 11]


SAMPLE_ID = "11010519491231002X"  # the published GB 11643 sample


def test_sample_resident_id():
    assert _gb11643_check(SAMPLE_ID[:17]) == "X"
    assert normalize_cn_resident_id(SAMPLE_ID) == SAMPLE_ID
    assert normalize_cn_resident_id("11010519491231002x") == SAMPLE_ID
    assert normalize_cn_resident_id(" 110105 19491231 002X ") == SAMPLE_ID
    assert normalize_cn_resident_id("１１０１０５１９４９１２３１００２Ｘ") == SAMPLE_ID
    assert cn_resident_id_birth_date(SAMPLE_ID) == date(1949, 12, 31)
    assert cn_resident_id_sex(SAMPLE_ID) == "F"


def test_computed_resident_id():
    body = "440106" + "19850312" + "123"  # Guangzhou Tianhe, born 1985-03-12, odd: male
    valid = body + _gb11643_check(body)
    assert normalize_cn_resident_id(valid) == valid
    assert cn_resident_id_birth_date(valid) == MARCH_12
    assert cn_resident_id_sex(valid) == "M"
    wrong = body + ("0" if valid[-1] != "0" else "1")
    assert normalize_cn_resident_id(wrong) is None


def test_fifteen_digit_resident_id_is_upgraded():
    old = "110105491231002"  # 18-digit form is the sample above
    assert normalize_cn_resident_id(old) == SAMPLE_ID


@pytest.mark.parametrize(
    "raw",
    [
        "110105194912310021",  # wrong check digit
        "11010519491331002" + "X",  # month 13
        "00010519491231002X",  # no such province
        "1101051949123100",  # too short
        "11010519491231002Y",
        "",
        None,
    ],
)
def test_invalid_resident_ids(raw):
    assert normalize_cn_resident_id(raw) is None


def test_resident_id_with_future_birth_date_is_rejected():
    body = "440106" + "20990101" + "123"
    assert normalize_cn_resident_id(body + _gb11643_check(body)) is None


def test_resident_id_helpers_on_bad_input():
    assert cn_resident_id_birth_date("123") is None
    assert cn_resident_id_sex("123") is None


# --- unified social credit code ---

SAMPLE_USCC = "91350100M000100Y43"


def test_uscc():
    assert normalize_uscc(SAMPLE_USCC) == SAMPLE_USCC
    assert normalize_uscc("91350100m000100y43") == SAMPLE_USCC
    assert normalize_uscc("9135 0100 M000 100Y 43") == SAMPLE_USCC


@pytest.mark.parametrize(
    "raw",
    [
        "91350100M000100Y44",  # check character
        "91350100M000101Y43",  # one body character changed
        "91350100I000100Y43",  # I is not in the alphabet
        "91350100M000100Y4",  # too short
        "",
        None,
    ],
)
def test_uscc_invalid(raw):
    assert normalize_uscc(raw) is None


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("11010519491231002x", ("cn_id", SAMPLE_ID)),
        ("110105491231002", ("cn_id", SAMPLE_ID)),
        ("91350100m000100y43", ("uscc", SAMPLE_USCC)),
        ("e1234-5678", ("other", "E12345678")),  # passport: exact compare
        ("110105194912310021", ("other", "110105194912310021")),  # invalid ID stays comparable
        ("", None),
        ("  ", None),
    ],
)
def test_normalize_id_number(raw, expected):
    assert normalize_id_number(raw) == expected


# --- addresses ---


def test_address_suffixes_and_bare_stems_agree():
    full = address_tokens("广东省广州市天河区")
    bare = address_tokens("广东广州天河")
    trad = address_tokens("廣東省廣州市天河區")
    for a in (full, bare, trad):
        assert (a.province, a.city, a.district) == ("广东", "广州", "天河")
        assert a.tokens == frozenset({"广东", "广州", "天河"})


def test_address_street_and_numbers():
    a = address_tokens("广东省广州市天河区体育西路88号3栋502")
    assert a == AddressTokens(
        province="广东",
        city="广州",
        district="天河",
        street="体育西路",
        numbers=("88", "3", "502"),
        tokens=frozenset({"广东", "广州", "天河", "体育西路", "88", "3", "502"}),
    )


def test_address_full_width_digits():
    assert address_tokens("天河区体育西路８８号").numbers == ("88",)


@pytest.mark.parametrize(
    ("text", "province", "city", "district", "street"),
    [
        ("北京市朝阳区建国路88号", "北京", "北京", "朝阳", "建国路"),
        ("上海市浦东新区世纪大道100号", "上海", "上海", "浦东", "世纪大道"),
        ("中国广东省深圳市南山区", "广东", "深圳", "南山", ""),
        ("吉林省长春市朝阳区", "吉林", "长春", "朝阳", ""),
        ("浙江省金华市义乌市", "浙江", "金华", "义乌", ""),
        ("湖北省恩施州利川市", "湖北", "恩施", "利川", ""),
        ("吉林省延边朝鲜族自治州延吉市", "吉林", "延边", "延吉", ""),
        ("内蒙古自治区呼和浩特市", "内蒙古", "呼和浩特", "", ""),
        ("广西壮族自治区南宁市", "广西", "南宁", "", ""),
        ("南京市上海路5号", "", "南京", "", "上海路"),  # 上海路 is a street, not the city
        ("广州大道中100号", "", "", "", "广州大道"),
    ],
)
def test_address_parsing(text, province, city, district, street):
    a = address_tokens(text)
    assert (a.province, a.city, a.district, a.street) == (province, city, district, street)


def test_address_structured_fields_win():
    a = address_tokens("天河区体育西路", province="廣東省", city="广州市")
    assert (a.province, a.city, a.district) == ("广东", "广州", "天河")
    assert a.tokens == frozenset({"广东", "广州", "天河", "体育西路"})


def test_latin_address():
    a = address_tokens("123 Main St., Apt 4, Springfield")
    assert a.numbers == ("123", "4")
    assert a.tokens == frozenset({"123", "main", "street", "apartment", "4", "springfield"})
    assert a.tokens == address_tokens("123 main street apartment 4 springfield").tokens
    assert (a.province, a.city, a.district, a.street) == ("", "", "", "")


def test_latin_address_accents_and_city_field():
    a = address_tokens("5 Av. des Champs-Élysées", city="Paris")
    assert a.tokens == frozenset({"5", "avenue", "des", "champs", "elysees", "paris"})
    assert a.city == "paris"


def test_empty_address():
    assert address_tokens("") == AddressTokens()


@pytest.mark.parametrize(
    ("raw", "stem"),
    [
        ("北京市", "北京"),
        ("北京", "北京"),
        ("廣州", "广州"),
        ("广州市", "广州"),
        ("恩施州", "恩施"),
        ("延边朝鲜族自治州", "延边"),
        ("天河区", "天河"),
        ("Beijing", "beijing"),
        ("beijing shi", "beijing"),
        ("Guangzhou City", "guangzhou"),
        ("  ", ""),
    ],
)
def test_normalize_city(raw, stem):
    assert normalize_city(raw) == stem


@pytest.mark.parametrize(
    ("raw", "country", "expected"),
    [
        ("510620", "CN", "510620"),
        ("５１０６２０", "CN", "510620"),
        ("510 620", "CN", "510620"),
        (100000, "CN", "100000"),
        ("51062", "CN", None),
        ("5106201", "CN", None),
        ("51062A", "CN", None),
        ("", "CN", None),
        ("94043", "US", "94043"),
        ("94043-1351", "US", "94043-1351"),
        ("9404", "US", None),
        ("sw1a  1aa", "GB", "SW1A 1AA"),
    ],
)
def test_normalize_postcode(raw, country, expected):
    assert normalize_postcode(raw, country) == expected
