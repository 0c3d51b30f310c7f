"""kehu.identity.names: pure functions, no database.

Speed sanity (by hand, not a timed test): `[syllables(n) for n in names]` over 1M random
three-hanzi names takes about as long as a trivial one-line function over the same list
(~1-1.5 s), because readings come from a per-character dict after the first sight.
"""

import pytest

from kehu.identity.names import (
    COMPOUND_SURNAMES,
    NameFeatures,
    fold_hanzi,
    has_hanzi,
    is_hanzi_name,
    latin_tokens,
    name_features,
    org_key,
    segment_pinyin,
    split_chinese_name,
    syllables,
    to_simplified,
)


@pytest.mark.parametrize(
    ("raw", "folded"),
    [
        ("张伟", "张伟"),
        ("歐陽修", "欧阳修"),
        ("張 偉", "张伟"),
        ("张\u3000伟", "张伟"),  # full-width space
        ("李·娜", "李娜"),
        ("阿卜杜拉・买买提", "阿卜杜拉买买提"),
        ("王-小_明.", "王小明"),
        ("ＡＢＣ１２", "ABC12"),  # full-width Latin and digits
        ("", ""),
    ],
)
def test_fold_hanzi(raw, folded):
    assert fold_hanzi(raw) == folded


def test_to_simplified_leaves_ascii_alone():
    assert to_simplified("Zhang Wei") == "Zhang Wei"
    assert to_simplified("廣州") == "广州"


@pytest.mark.parametrize(
    ("text", "hanzi", "name"),
    [
        ("张伟", True, True),
        ("歐陽 修", True, True),
        ("张伟1", True, False),
        ("张伟 David", True, False),
        ("Zhang Wei", False, False),
        ("", False, False),
    ],
)
def test_has_hanzi_and_is_hanzi_name(text, hanzi, name):
    assert has_hanzi(text) is hanzi
    assert is_hanzi_name(text) is name


@pytest.mark.parametrize(
    ("name", "parts"),
    [
        ("张伟", ("张", "伟")),
        ("欧阳修", ("欧阳", "修")),
        ("歐陽修", ("欧阳", "修")),
        ("司马相如", ("司马", "相如")),
        ("诸葛亮", ("诸葛", "亮")),
        ("尉迟恭", ("尉迟", "恭")),
        ("欧阳", ("欧", "阳")),  # two characters: no room for a given name after a compound
        ("王", ("王", "")),
        ("", ("", "")),
    ],
)
def test_split_chinese_name(name, parts):
    assert split_chinese_name(name) == parts


def test_compound_surnames_include_the_common_ones():
    assert {"欧阳", "司马", "上官", "诸葛", "万俟", "单于", "长孙", "澹台"} <= COMPOUND_SURNAMES
    assert all(len(s) == 2 for s in COMPOUND_SURNAMES)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("张伟", ["zhang", "wei"]),
        ("吕布", ["lv", "bu"]),  # ü written as v
        ("女", ["nv"]),
        ("張偉", ["zhang", "wei"]),  # traditional characters read directly
        ("张 伟 David 1", ["zhang", "wei"]),  # non-hanzi skipped
        ("曾国藩", ["ceng", "guo", "fan"]),  # without surname=True: everyday reading
        ("", []),
    ],
)
def test_syllables(text, expected):
    assert syllables(text) == expected


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("曾国藩", ["zeng", "guo", "fan"]),
        ("单雄信", ["shan", "xiong", "xin"]),
        ("單雄信", ["shan", "xiong", "xin"]),  # traditional surname character
        ("解缙", ["xie", "jin"]),
        ("仇英", ["qiu", "ying"]),
        ("朴树", ["piao", "shu"]),
        ("区伟", ["ou", "wei"]),
        ("查良镛", ["zha", "liang", "yong"]),
        ("翟志刚", ["zhai", "zhi", "gang"]),
        ("尉迟恭", ["yu", "chi", "gong"]),
        ("万俟卨", ["mo", "qi", "xie"]),
        ("长孙无忌", ["zhang", "sun", "wu", "ji"]),
        ("单于天", ["chan", "yu", "tian"]),
        ("张伟", ["zhang", "wei"]),  # ordinary surname untouched
        ("曾", ["zeng"]),
    ],
)
def test_syllables_surname_readings(name, expected):
    assert syllables(name, surname=True) == expected


def test_syllables_with_tones():
    assert syllables("张伟", tones=True) == ["zhang1", "wei3"]
    assert syllables("吕", tones=True) == ["lv3"]
    assert syllables("曾国藩", surname=True, tones=True) == ["zeng1", "guo2", "fan1"]
    assert syllables("任", surname=True, tones=True) == ["ren2"]
    # the toneless and toned caches are separate
    assert syllables("张") == ["zhang"]


def test_syllables_returns_a_fresh_list():
    first = syllables("张伟")
    first.append("x")
    assert syllables("张伟") == ["zhang", "wei"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("zhang wei", ["zhang", "wei"]),
        ("zhangwei", ["zhang", "wei"]),
        ("ZHANGWEI", ["zhang", "wei"]),
        ("Zhang-Wei", ["zhang", "wei"]),
        ("ouyangxiu", ["ou", "yang", "xiu"]),
        ("xian", ["xian"]),  # fewest syllables: not xi an
        ("Xi'an", ["xi", "an"]),  # the apostrophe splits
        ("fangan", ["fang", "an"]),  # tie: longest first syllable
        ("zhāng wěi", ["zhang", "wei"]),  # tone marks
        ("zhang1 wei3", ["zhang", "wei"]),  # tone digits
        ("zhang1wei3", ["zhang", "wei"]),
        ("lǚ", ["lv"]),
        ("Lü Bu", ["lv", "bu"]),
        ("lv", ["lv"]),
        ("LYU", ["lv"]),  # passport spelling of 吕
        ("nüe", ["nve"]),
        ("ＺＨＡＮＧ　ＷＥＩ", ["zhang", "wei"]),  # full-width
    ],
)
def test_segment_pinyin(text, expected):
    assert segment_pinyin(text) == expected


@pytest.mark.parametrize("text", ["smith", "John Smith", "zhang smith", "zhang6", "张伟", "", "  "])
def test_segment_pinyin_rejects_non_pinyin(text):
    assert segment_pinyin(text) is None


@pytest.mark.parametrize(
    ("text", "tokens"),
    [
        ("José Álvarez", ("jose", "alvarez")),
        ("O'Brien", ("obrien",)),
        ("Jean-Luc Picard", ("jean", "luc", "picard")),
        ("Straße", ("strasse",)),
        ("Søren Kierkegaard", ("soren", "kierkegaard")),
        ("张伟David", ("david",)),
        ("", ()),
    ],
)
def test_latin_tokens(text, tokens):
    assert latin_tokens(text) == tokens


def test_name_features_of_a_hanzi_name():
    assert name_features("張偉") == NameFeatures(
        script="hanzi",
        hanzi="张伟",
        surname="张",
        given="伟",
        pinyin="zhang wei",
        pinyin_key="wei zhang",
        latin_tokens=(),
        latin_key="",
        initials="zw",
    )


def test_name_features_compound_and_full_width():
    f = name_features("歐陽　修")
    assert (f.hanzi, f.surname, f.given, f.pinyin, f.initials) == (
        "欧阳修", "欧阳", "修", "ou yang xiu", "oyx",
    )
    assert f.pinyin_key == name_features("ouyangxiu").pinyin_key == "ou xiu yang"


@pytest.mark.parametrize(
    "other",
    ["章伟", "Zhang Wei", "zhang wei", "wei zhang", "Wei ZHANG", "ZHANGWEI", "ZHANG, Wei",
     "zhāng wěi"],
)
def test_pinyin_key_matches_zhang_wei(other):
    assert name_features(other).pinyin_key == name_features("张伟").pinyin_key == "wei zhang"


def test_homophones_share_pinyin_key_but_not_hanzi():
    a, b = name_features("张丽"), name_features("章莉")
    assert a.pinyin_key == b.pinyin_key == "li zhang"
    assert a.hanzi != b.hanzi


def test_polyphonic_surname_in_features():
    assert name_features("曾小明").pinyin == "zeng xiao ming"
    assert name_features("单田芳").pinyin == "shan tian fang"
    assert name_features("Zeng Xiaoming").pinyin_key == name_features("曾小明").pinyin_key


def test_latin_comma_order():
    a, b = name_features("Smith, John"), name_features("john smith")
    assert a.latin_key == b.latin_key == "john smith"
    assert (a.surname, a.given, a.latin_tokens, a.initials) == ("smith", "john", ("john", "smith"),
                                                                "js")
    assert (b.surname, b.given) == ("", "")  # order unknown without a comma
    assert a.pinyin == b.pinyin == ""


def test_latin_upper_case_surname_convention():
    f = name_features("Wei ZHANG")
    assert (f.surname, f.given, f.pinyin, f.latin_tokens) == ("zhang", "wei", "zhang wei",
                                                              ("wei", "zhang"))


def test_latin_accents():
    f = name_features("José García")
    assert f.latin_tokens == ("jose", "garcia")
    assert f.latin_key == name_features("Garcia, Jose").latin_key == "garcia jose"
    assert f.script == "latin"


def test_structured_fields_win_over_name():
    f = name_features("ignored 李四", surname="张", given="伟")
    assert (f.hanzi, f.surname, f.given, f.pinyin) == ("张伟", "张", "伟", "zhang wei")
    g = name_features(surname="Smith", given="John")
    assert (g.surname, g.given, g.latin_key, g.latin_tokens) == ("smith", "john", "john smith",
                                                                 ("john", "smith"))
    # a structured two-character compound surname keeps its surname reading
    assert name_features(surname="单于", given="天").pinyin == "chan yu tian"
    assert name_features(surname="Zhang", given="Wei").pinyin == "zhang wei"


def test_mixed_script_name():
    f = name_features("张伟 David")
    assert (f.script, f.hanzi, f.pinyin, f.latin_tokens) == ("mixed", "张伟", "zhang wei",
                                                             ("david",))


@pytest.mark.parametrize("blank", ["", "   ", "·", "\u3000"])
def test_empty_name_features(blank):
    assert name_features(blank) == NameFeatures()
    assert name_features(blank).script == ""


def test_non_pinyin_latin_name_has_no_pinyin():
    f = name_features("John Smith")
    assert (f.script, f.pinyin, f.pinyin_key, f.initials) == ("latin", "", "", "js")


def test_organisation_names_come_through():
    f = name_features("華為技術有限公司")
    assert (f.script, f.hanzi) == ("hanzi", "华为技术有限公司")
    assert name_features("Acme Co., Ltd.").latin_tokens == ("acme", "co", "ltd")
    assert name_features("Acme Co., Ltd.").surname == ""  # the comma is not Last, First


def test_comma_before_a_generational_suffix_is_not_last_first():
    f = name_features("John Smith, Jr.")
    assert (f.surname, f.latin_tokens) == ("", ("john", "smith", "jr"))


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("华为技术有限公司", "华为技术"),
        ("華為技術有限公司", "华为技术"),
        ("华为技术股份有限公司", "华为技术"),
        ("腾讯科技（深圳）有限公司", "腾讯科技深圳"),
        ("海尔集团公司", "海尔"),
        ("北京百度网讯科技有限公司", "北京百度网讯科技"),  # place prefix kept
        ("阿里巴巴（中国）有限责任公司", "阿里巴巴中国"),
        ("Acme Co., Ltd.", "acme"),
        ("ACME Inc", "acme"),
        ("Siemens GmbH", "siemens"),
        ("Procter & Gamble Co.", "procter and gamble"),
        ("Nestlé S.A.", "nestle"),  # dotted S.A. read as the suffix word "sa"
        ("IBM中国有限公司", "ibm中国"),
        ("公司", "公司"),  # never reduced to nothing
        ("", ""),
    ],
)
def test_org_key(name, key):
    assert org_key(name) == key
