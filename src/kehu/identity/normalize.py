"""Normalise the non-name fields identity matching compares: phones, e-mails, dates, ID numbers,
addresses, postcodes.

No Django here (the identity CLI runs without a database). Every function is total: input that
cannot be normalised gives None (or an empty value), never an exception, so callers decide what
to report.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Literal

import phonenumbers

from kehu.identity.names import latin_tokens, to_simplified


def to_halfwidth(text: str) -> str:
    """Full-width digits, letters and punctuation (Chinese IME input) → ASCII, via NFKC."""
    return unicodedata.normalize("NFKC", text or "")


def _text(value: object) -> str:
    """Half-width, stripped text; ints accepted (spreadsheet cells), anything else is empty."""
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    return to_halfwidth(value).strip() if isinstance(value, str) else ""


# --- phones -------------------------------------------------------------------------------------

_PHONE_NOISE = re.compile(r"[\s\-.()\[\]/]")


def cn_mobile_pattern() -> str:
    """libphonenumber's own pattern for Chinese mobile numbers (national form)."""
    return phonenumbers.PhoneMetadata.metadata_for_region("CN").mobile.national_number_pattern


@functools.cache
def _cn_mobile() -> re.Pattern:
    """libphonenumber's own pattern for Chinese mobiles: most phones in a Chinese file are
    mobiles, and matching this is ~100× cheaper than ``phonenumbers.parse`` with the same answer
    (tests/identity check they agree)."""
    return re.compile(rf"(?:\+?86|0086)?({cn_mobile_pattern()})")


def normalize_phone(value: str, region: str = "CN") -> str | None:
    """E.164 ("+8613812345678"), or None when phonenumbers does not find a valid number."""
    text = _text(value)
    compact = _PHONE_NOISE.sub("", text)
    if not compact:
        return None
    if region == "CN":
        mobile = _cn_mobile().fullmatch(compact)
        if mobile:
            return "+86" + mobile.group(1)
    if compact.startswith("00"):
        text = "+" + compact[2:]
    elif region == "CN" and re.fullmatch(r"861[3-9]\d{9}", compact):
        text = "+" + compact  # 86 + mobile, country code typed without + or 00
    try:
        number = phonenumbers.parse(text, region or None)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


# --- e-mail -------------------------------------------------------------------------------------

_EMAIL = re.compile(r"[^@\s,;<>]+@(?:[^@\s,;<>.]+\.)+[^@\s,;<>.]{2,}")


def normalize_email(value: str) -> str | None:
    """Lowercase address, or None unless it looks like local@domain.tld."""
    text = _text(value).replace("。", ".").lower()  # 。: the Chinese IME full stop
    text = text.removeprefix("mailto:")
    return text if _EMAIL.fullmatch(text) else None


# Plus-tag ("user+tag@") delivery to "user@", documented by the provider:
_PLUS_TAG_DOMAINS = frozenset({
    # Google, "Create task-specific email addresses" (Gmail help): user+anything@gmail.com.
    "gmail.com",
    # Microsoft, "Plus addressing" in Outlook.com / Exchange Online; dots stay significant.
    "outlook.com", "hotmail.com", "live.com",
    # Apple, iCloud Mail sub-addressing (receive-only): user+tag@icloud.com.
    "icloud.com",
    # Fastmail, "Plus addressing and subdomain addressing".
    "fastmail.com", "fastmail.fm",
})
# qq.com / foxmail.com: no rule. QQ number and foxmail aliases are separate addresses we cannot
# link without the account, so they stay as typed.


def mailbox_key(email: str) -> str:
    """What two addresses of one mailbox share; unparseable input comes back lowercased as is."""
    normal = normalize_email(email)
    if normal is None:
        return _text(email).lower()
    local, domain = normal.rsplit("@", 1)
    if domain == "googlemail.com":  # Google: googlemail.com is the same account as gmail.com
        domain = "gmail.com"
    if domain in _PLUS_TAG_DOMAINS:
        local = local.split("+", 1)[0] or local
    if domain == "gmail.com":  # Google, "Dots don't matter in Gmail addresses"
        local = local.replace(".", "") or local
    return f"{local}@{domain}"


# --- dates --------------------------------------------------------------------------------------

_MONTH_NAMES = ("january", "february", "march", "april", "may", "june", "july", "august",
                "september", "october", "november", "december")
_MONTHS = {name[:3]: i for i, name in enumerate(_MONTH_NAMES, 1)}
_MONTHS |= {name: i for i, name in enumerate(_MONTH_NAMES, 1)} | {"sept": 9}
_TIME = r"(?:[t\s]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:z|[+-]\d{2}:?\d{2})?)?"
_YMD = re.compile(rf"(\d{{4}})[-/.](\d{{1,2}})[-/.](\d{{1,2}}){_TIME}")
_YMD_COMPACT = re.compile(r"(\d{4})(\d{2})(\d{2})")
_YMD_CJK = re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*[日号]?")
_XXY = re.compile(r"(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})")  # d/m/Y or m/d/Y: ambiguous
_D_MON_Y = re.compile(r"(\d{1,2})[-\s/.]*([a-z]+)\.?[-\s/.,]*(\d{4})")
_MON_D_Y = re.compile(r"([a-z]+)\.?[-\s/.]*(\d{1,2})(?:st|nd|rd|th)?,?[-\s/.]*(\d{4})")


_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)


def _date(year: int, month: int, day: int) -> date | None:
    if not 1900 <= year <= 2100:
        return None
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _ymd_readings(text: str, dayfirst: bool) -> list[tuple[int, int, int]]:
    for pattern in (_YMD, _YMD_COMPACT, _YMD_CJK):
        if m := pattern.fullmatch(text):
            return [(int(m[1]), int(m[2]), int(m[3]))]
    if m := _XXY.fullmatch(text):
        a, b, year = int(m[1]), int(m[2]), int(m[3])
        return [(year, b, a), (year, a, b)] if dayfirst else [(year, a, b), (year, b, a)]
    if (m := _D_MON_Y.fullmatch(text)) and m[2] in _MONTHS:
        return [(int(m[3]), _MONTHS[m[2]], int(m[1]))]
    if (m := _MON_D_Y.fullmatch(text)) and m[1] in _MONTHS:
        return [(int(m[3]), _MONTHS[m[1]], int(m[2]))]
    return []


def date_candidates(value: object, dayfirst: bool = True) -> tuple[date, ...]:
    """Every valid reading, preferred first: 03/04/1985 gives both 3 April and 4 March."""
    if isinstance(value, datetime):
        return (value.date(),)
    if isinstance(value, date):
        return (value,)
    if isinstance(value, str) and _ISO_DATE.fullmatch(value):  # the common case, without NFKC and the scan
        day = _date(int(value[:4]), int(value[5:7]), int(value[8:]))
        return (day,) if day else ()
    found = (_date(*ymd) for ymd in _ymd_readings(_text(value).lower(), dayfirst))
    return tuple(dict.fromkeys(d for d in found if d))


def parse_date(value: object, dayfirst: bool = True) -> date | None:
    """The preferred reading (day first unless dayfirst=False), or None."""
    candidates = date_candidates(value, dayfirst)
    return candidates[0] if candidates else None


def dates_swapped(a: date, b: date) -> bool:
    """Same date with day and month exchanged: the usual d/m vs m/d entry mistake."""
    return a != b and a.year == b.year and a.day == b.month and a.month == b.day


# --- Chinese resident ID (GB 11643-1999) --------------------------------------------------------

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)  # 2^(17-i) mod 11
_ID_PROVINCES = frozenset(
    "11 12 13 14 15 21 22 23 31 32 33 34 35 36 37 41 42 43 44 45 46 50 51 52 53 54"
    " 61 62 63 64 65 71 81 82 83".split()
)


def _id_check_char(body17: str) -> str:
    """ISO 7064 MOD 11-2 check character."""
    return "10X98765432"[sum(int(c) * w for c, w in zip(body17, _ID_WEIGHTS, strict=True)) % 11]


def cn_resident_id_birth_date(id18: str) -> date | None:
    """Birth date in positions 7-14; None when it is not a real, past date after 1900."""
    digits = (id18 or "")[6:14]
    if len(id18 or "") != 18 or not digits.isdigit():
        return None
    born = _date(int(digits[:4]), int(digits[4:6]), int(digits[6:]))
    return born if born and born <= datetime.now(UTC).date() else None


def cn_resident_id_sex(id18: str) -> Literal["M", "F"] | None:
    """The 17th digit is odd for men, even for women."""
    if len(id18 or "") != 18 or not id18[16].isdigit():
        return None
    return "M" if int(id18[16]) % 2 else "F"


def normalize_cn_resident_id(value: str) -> str | None:
    """18-character ID with a valid check character; 15-digit pre-1999 IDs are upgraded."""
    text = re.sub(r"\s", "", _text(value)).upper()
    if len(text) == 15 and text.isdigit():
        body = text[:6] + "19" + text[6:]  # 15-digit IDs were only issued to people born 19xx
        text = body + _id_check_char(body)
    if not re.fullmatch(r"\d{17}[\dX]", text):
        return None
    # Region: a GB/T 2260 province, or 9 for the 2023 foreigners' permanent residence card.
    if text[:2] not in _ID_PROVINCES and text[0] != "9":
        return None
    if _id_check_char(text[:17]) != text[17] or cn_resident_id_birth_date(text) is None:
        return None
    return text


# --- unified social credit code (GB 32100-2015) -------------------------------------------------

_USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # no I, O, S, V, Z
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)  # 3^i mod 31
_USCC = re.compile(r"[0-9A-HJ-NP-RTUW-Y]{18}")


def normalize_uscc(value: str) -> str | None:
    """Uppercase 18-character code with a valid MOD 31 check character, or None."""
    text = re.sub(r"[\s\-]", "", _text(value)).upper()
    if not _USCC.fullmatch(text):
        return None
    total = sum(_USCC_CHARS.index(c) * w for c, w in zip(text, _USCC_WEIGHTS, strict=False))
    return text if _USCC_CHARS[-total % 31] == text[17] else None


def normalize_id_number(value: str) -> tuple[str, str] | None:
    """("cn_id" | "uscc" | "other", value); "other" (passports…) is compared exactly."""
    if cn_id := normalize_cn_resident_id(value):
        return "cn_id", cn_id
    if uscc := normalize_uscc(value):
        return "uscc", uscc
    other = re.sub(r"[\s\-]", "", _text(value)).upper()
    return ("other", other) if other else None


# --- addresses ----------------------------------------------------------------------------------

_H = "[\u3400-\u4dbf\u4e00-\u9fff]"
_PROVINCE_STEMS = (
    "北京 天津 上海 重庆 河北 山西 辽宁 吉林 黑龙江 江苏 浙江 安徽 福建 江西 山东 河南 湖北 湖南"
    " 广东 海南 四川 贵州 云南 陕西 甘肃 青海 台湾 内蒙古 广西 西藏 宁夏 新疆 香港 澳门"
).split()
_CITY_LEVEL_PROVINCES = frozenset({"北京", "天津", "上海", "重庆", "香港", "澳门"})
# Prefecture-level cities, autonomous prefectures, 地区 and 盟: the level below a province.
_CITY_STEMS = """
石家庄 唐山 秦皇岛 邯郸 邢台 保定 张家口 承德 沧州 廊坊 衡水 太原 大同 阳泉 长治 晋城 朔州 晋中 运城 忻州
临汾 吕梁 呼和浩特 包头 乌海 赤峰 通辽 鄂尔多斯 呼伦贝尔 巴彦淖尔 乌兰察布 兴安 锡林郭勒 阿拉善 沈阳
大连 鞍山 抚顺 本溪 丹东 锦州 营口 阜新 辽阳 盘锦 铁岭 朝阳 葫芦岛 长春 吉林 四平 辽源 通化 白山 松原
白城 延边 哈尔滨 齐齐哈尔 鸡西 鹤岗 双鸭山 大庆 伊春 佳木斯 七台河 牡丹江 黑河 绥化 大兴安岭 南京 无锡
徐州 常州 苏州 南通 连云港 淮安 盐城 扬州 镇江 泰州 宿迁 杭州 宁波 温州 嘉兴 湖州 绍兴 金华 衢州 舟山
台州 丽水 合肥 芜湖 蚌埠 淮南 马鞍山 淮北 铜陵 安庆 黄山 滁州 阜阳 宿州 六安 亳州 池州 宣城 福州 厦门
莆田 三明 泉州 漳州 南平 龙岩 宁德 南昌 景德镇 萍乡 九江 新余 鹰潭 赣州 吉安 宜春 抚州 上饶 济南 青岛
淄博 枣庄 东营 烟台 潍坊 济宁 泰安 威海 日照 临沂 德州 聊城 滨州 菏泽 郑州 开封 洛阳 平顶山 安阳 鹤壁
新乡 焦作 濮阳 许昌 漯河 三门峡 南阳 商丘 信阳 周口 驻马店 济源 武汉 黄石 十堰 宜昌 襄阳 鄂州 荆门 孝感
荆州 黄冈 咸宁 随州 恩施 仙桃 潜江 天门 神农架 长沙 株洲 湘潭 衡阳 邵阳 岳阳 常德 张家界 益阳 郴州 永州
怀化 娄底 湘西 广州 韶关 深圳 珠海 汕头 佛山 江门 湛江 茂名 肇庆 惠州 梅州 汕尾 河源 阳江 清远 东莞
中山 潮州 揭阳 云浮 南宁 柳州 桂林 梧州 北海 防城港 钦州 贵港 玉林 百色 贺州 河池 来宾 崇左 海口 三亚
三沙 儋州 成都 自贡 攀枝花 泸州 德阳 绵阳 广元 遂宁 内江 乐山 南充 眉山 宜宾 广安 达州 雅安 巴中 资阳
阿坝 甘孜 凉山 贵阳 六盘水 遵义 安顺 毕节 铜仁 黔西南 黔东南 黔南 昆明 曲靖 玉溪 保山 昭通 丽江 普洱
临沧 楚雄 红河 文山 西双版纳 大理 德宏 怒江 迪庆 拉萨 日喀则 昌都 林芝 山南 那曲 阿里 西安 铜川 宝鸡
咸阳 渭南 延安 汉中 榆林 安康 商洛 兰州 嘉峪关 金昌 白银 天水 武威 张掖 平凉 酒泉 庆阳 定西 陇南 临夏
甘南 西宁 海东 海北 黄南 海南 果洛 玉树 海西 银川 石嘴山 吴忠 固原 中卫 乌鲁木齐 克拉玛依 吐鲁番 哈密
昌吉 博尔塔拉 巴音郭楞 阿克苏 克孜勒苏 喀什 和田 伊犁 塔城 阿勒泰 石河子 台北 新北 桃园 台中 台南 高雄
基隆 新竹 嘉义
""".split()
# Ethnic groups named in autonomous prefectures/counties/banners (延边朝鲜族自治州 → 延边).
_ETHNIC = """蒙古 回 藏 维吾尔 苗 彝 壮 布依 朝鲜 满 侗 瑶 白 土家 哈尼 哈萨克 傣 黎 傈僳 佤 畲 拉祜 水
东乡 纳西 景颇 柯尔克孜 土 达斡尔 仫佬 羌 布朗 撒拉 毛南 仡佬 锡伯 阿昌 普米 塔吉克 怒 鄂温克 德昂
保安 裕固 京 独龙 鄂伦春 赫哲 基诺 各""".split()


def _alternation(words: list[str]) -> str:
    return "|".join(sorted(words, key=len, reverse=True))


_AUTONOMOUS = rf"(?:(?:{_alternation(_ETHNIC)})族?)+自治"
_STREET_SUFFIX = "大道|大街|路|街|巷|胡同"
_NOT_NAME_END = rf"(?!{_STREET_SUFFIX}|区|县|旗)"  # 中山路 is a street, 黄山区 a district
_PROVINCE = re.compile(rf"(?P<stem>{_alternation(_PROVINCE_STEMS)})"
                       rf"(?:省|市|{_AUTONOMOUS}区|自治区|特别行政区)?{_NOT_NAME_END}")
_CITY = re.compile(rf"(?P<stem>{_alternation(_CITY_STEMS)})"
                   rf"(?:{_AUTONOMOUS}州|自治州|地区|市|盟|州)?{_NOT_NAME_END}")
_CITY_OTHER = re.compile(rf"(?P<stem>{_H}{{2,4}}?)(?:{_AUTONOMOUS}州|自治州|地区|盟|市(?!场))")
_DISTRICT = re.compile(rf"(?P<stem>{_H}{{1,6}}?)"
                       rf"(?:{_AUTONOMOUS}[县旗]|新区|(?<!小)区|县|旗|市(?!场))")
_DISTRICT_BARE = re.compile(rf"{_H}{{2,4}}(?<![路街巷道])")  # 广东广州天河: the whole rest
_TOWN = re.compile(rf"(?P<stem>{_H}{{1,6}}?)(?:街道|镇|乡)")
_STREET = re.compile(rf"{_H}{{1,10}}?(?:{_STREET_SUFFIX})")
_ADMIN_SUFFIX = re.compile(
    rf"(?P<stem>{_H}{{2,}}?)(?:{_AUTONOMOUS}[区州县旗]|特别行政区|自治区|自治州|地区|新区|省|市|区|县|盟|旗)"
)
_LATIN_ADMIN_WORDS = frozenset(
    "shi sheng qu xian city province district county prefecture municipality".split()
)
_ABBREVIATIONS = {
    "st": "street", "rd": "road", "ave": "avenue", "av": "avenue", "blvd": "boulevard",
    "dr": "drive", "ln": "lane", "hwy": "highway", "ct": "court", "pl": "place", "sq": "square",
    "apt": "apartment", "ste": "suite", "fl": "floor", "bldg": "building", "rm": "room",
    "n": "north", "s": "south", "e": "east", "w": "west",
}
_NUMBER_MARKERS = frozenset({"no", "nr", "number"})


def _fold(text: str) -> str:
    return to_simplified(to_halfwidth(text)).strip().lower()


def _admin_stem(value: str) -> str:
    """A province/city/district name without its administrative suffix."""
    text = _fold(value)
    if re.search(_H, text):
        text = re.sub(r"[\s,，、·]", "", text)
        for pattern in (_PROVINCE, _CITY, _ADMIN_SUFFIX):
            if m := pattern.fullmatch(text):
                return m["stem"]
        return text
    words = list(latin_tokens(text))
    while len(words) > 1 and words[-1] in _LATIN_ADMIN_WORDS:
        words.pop()
    return " ".join(words)


def normalize_city(value: str) -> str:
    """City stem: 北京市 → 北京, 廣州 → 广州; Latin stays Latin: "Beijing Shi" → "beijing"."""
    return _admin_stem(value)


@dataclass(frozen=True, slots=True)
class AddressTokens:
    province: str = ""
    city: str = ""
    district: str = ""
    street: str = ""
    numbers: tuple[str, ...] = ()
    tokens: frozenset[str] = frozenset()


def _latin_words(text: str) -> set[str]:
    words = (_ABBREVIATIONS.get(w, w) for w in latin_tokens(text))
    return {w for w in words if w not in _NUMBER_MARKERS}


def address_tokens(text: str, *, province: str = "", city: str = "",
                   district: str = "") -> AddressTokens:
    """Comparable parts of an address; the structured fields, when given, win over parsing."""
    folded = _fold(text)
    numbers = tuple(re.findall(r"\d+", folded))
    parts = {"province": "", "city": "", "district": "", "town": "", "street": ""}
    if re.search(_H, folded):
        rest = re.sub(r"^(?:中华人民共和国|中国)", "", re.sub(r"[\W_]", "", folded))
        if m := _PROVINCE.match(rest):
            parts["province"], rest = m["stem"], rest[m.end():]
        if parts["province"] in _CITY_LEVEL_PROVINCES:
            parts["city"] = parts["province"]
        elif m := _CITY.match(rest) or _CITY_OTHER.match(rest):
            parts["city"], rest = m["stem"], rest[m.end():]
        if m := _DISTRICT.match(rest):
            parts["district"], rest = m["stem"], rest[m.end():]
        elif (parts["province"] or parts["city"]) and _DISTRICT_BARE.fullmatch(rest):
            parts["district"], rest = rest, ""
        if m := _TOWN.match(rest):
            parts["town"], rest = m["stem"], rest[m.end():]
        if m := _STREET.match(rest):
            parts["street"] = m[0]
        words = {w for w in _latin_words(folded) if not w.isdigit()}
    else:
        words = _latin_words(folded)
    for key, given in (("province", province), ("city", city), ("district", district)):
        if given and (stem := _admin_stem(given)):
            parts[key] = stem
    return AddressTokens(
        province=parts["province"],
        city=parts["city"],
        district=parts["district"],
        street=parts["street"],
        numbers=numbers,
        tokens=frozenset(p for p in parts.values() if p) | frozenset(numbers) | words,
    )


def normalize_postcode(value: str, country: str = "CN") -> str | None:
    """CN: six digits. US: ZIP or ZIP+4. Elsewhere: uppercase, single-spaced, plausible shape."""
    text = " ".join(_text(value).upper().split())
    country = (country or "").upper()
    if country == "CN":
        text = text.replace(" ", "")
        return text if re.fullmatch(r"\d{6}", text) else None
    if country == "US":
        m = re.fullmatch(r"(\d{5})(?:\s*-?\s*(\d{4}))?", text)
        return None if not m else m[1] + (f"-{m[2]}" if m[2] else "")
    return text if re.fullmatch(r"[A-Z0-9](?:[A-Z0-9 \-]{1,9})", text) else None
