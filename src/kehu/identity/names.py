"""Fold person and organisation names (Chinese and Latin) into keys that compare.

No Django here: the identity CLI runs these over whole customer files without a database.
Speed: syllables() reads each character once and keeps it in a dict, so a batch of
1M three-character names takes about a second (pypinyin.lazy_pinyin costs ~40 µs a call).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache, lru_cache

from pypinyin import Style, lazy_pinyin

_H = "\u3400-\u4dbf\u4e00-\u9fff\U00020000-\U000323af"  # CJK unified ideographs (+ ext. A-H)
_HANZI = re.compile(f"[{_H}]")
_HANZI_ONLY = re.compile(f"[{_H}]+")
_NOT_HANZI = re.compile(f"[^{_H}]+")
# Separators people type inside names: middle dots (Uyghur, transliterated names), dots, dashes.
_NAME_PUNCT = str.maketrans("", "", "·・•‧∙⋅.-_‐‑")


@cache
def _converter():
    import opencc  # imported lazily: loading the dictionaries costs ~50 ms

    return opencc.OpenCC("t2s")


@cache
def _to_traditional():
    import opencc

    return opencc.OpenCC("s2t")


def to_traditional(text: str) -> str:
    """Simplified → traditional (for generating test and demo data in Hong Kong/Taiwan form)."""
    return _to_traditional().convert(text) if text and not text.isascii() else text


def to_simplified(text: str) -> str:
    """Traditional → simplified, so 歐陽 and 欧阳 are the same surname."""
    return _converter().convert(text) if text and not text.isascii() else text


def fold_hanzi(text: str) -> str:
    """Half-width, no spaces or name punctuation, simplified: the form names are compared in."""
    text = "".join(unicodedata.normalize("NFKC", text or "").split()).translate(_NAME_PUNCT)
    return to_simplified(text)


def has_hanzi(text: str) -> bool:
    return bool(_HANZI.search(text or ""))


def is_hanzi_name(text: str) -> bool:
    return bool(_HANZI_ONLY.fullmatch(fold_hanzi(text)))


COMPOUND_SURNAMES = frozenset(
    "欧阳 司马 上官 诸葛 东方 皇甫 尉迟 公孙 慕容 长孙 宇文 司徒 令狐 夏侯 轩辕 端木 南宫 西门"
    " 独孤 百里 呼延 钟离 闻人 赫连 万俟 澹台 公冶 太叔 申屠 濮阳 淳于 单于 宗政 司空 司寇"
    " 拓跋 东郭 即墨 亓官 第五 左丘 梁丘 仲孙 颛孙 漆雕 巫马 公西 公良 子车 羊舌 微生 谷梁"
    " 宰父 段干 东门 归海 乐正".split()
)


def split_chinese_name(name: str) -> tuple[str, str]:
    """(surname, given); a compound surname only with a given name after it (欧阳 alone is 欧 + 阳)."""
    h = fold_hanzi(name)
    if len(h) >= 3 and h[:2] in COMPOUND_SURNAMES:
        return h[:2], h[2:]
    return h[:1], h[1:]


# Surname readings that differ (in sound or tone) from the character's everyday reading.
_SURNAME_TONED = dict(
    pair.split(":")
    for pair in (
        "单:shan4 曾:zeng1 解:xie4 仇:qiu2 朴:piao2 区:ou1 查:zha1 乐:yue4 盖:ge3 缪:miao4"
        " 覃:qin2 翟:zhai2 召:shao4 种:chong2 秘:bi4 繁:po2 员:yun4 宿:su4 折:she2 葛:ge3"
        " 华:hua4 任:ren2 沈:shen3 薄:bo2 柏:bai3 卜:bu3 过:guo1 祭:zhai4 车:che1 纪:ji3"
        " 燕:yan1 隗:wei3 句:gou1 重:chong2 那:na1 相:xiang4 都:du1 能:nai4 尉:wei4"
    ).split()
)
_COMPOUND_TONED = {
    "尉迟": ("yu4", "chi2"),
    "万俟": ("mo4", "qi2"),
    "长孙": ("zhang3", "sun1"),
    "单于": ("chan2", "yu2"),
    "澹台": ("tan2", "tai2"),
    "令狐": ("ling2", "hu2"),
    "乐正": ("yue4", "zheng4"),
}
# Indexed by `tones`: [0] toneless, [1] tone-numbered.
_SURNAME_READINGS = (
    {k: (v.rstrip("12345"),) for k, v in _SURNAME_TONED.items()},
    {k: (v,) for k, v in _SURNAME_TONED.items()},
)
_COMPOUND_READINGS = (
    {k: tuple(r.rstrip("12345") for r in v) for k, v in _COMPOUND_TONED.items()},
    _COMPOUND_TONED,
)

_PLAIN: dict[str, str] = {}
_TONED: dict[str, str] = {}


def _read(ch: str, tones: bool) -> str:
    reading = ""
    if _HANZI.match(ch):
        style = Style.TONE3 if tones else Style.NORMAL
        found = lazy_pinyin(ch, style=style, v_to_u=False, neutral_tone_with_five=True,
                            errors="ignore")
        reading = found[0] if found else ""
    (_TONED if tones else _PLAIN)[ch] = reading
    return reading


_SIMPLIFIED: dict[str, str] = {}


def _simplified(ch: str) -> str:
    found = _SIMPLIFIED.get(ch)
    if found is None:
        found = _SIMPLIFIED[ch] = to_simplified(ch)
    return found


def _surname_readings(head: str, compound: bool, tones: bool) -> tuple[str, ...]:
    first = _simplified(head[0])
    if compound and len(head) > 1 and (pair := first + _simplified(head[1])) in COMPOUND_SURNAMES:
        return _COMPOUND_READINGS[tones].get(pair, ())
    return _SURNAME_READINGS[tones].get(first, ())


def syllables(text: str, *, surname: bool = False, tones: bool = False) -> list[str]:
    """Pinyin, one syllable per hanzi ("lv" for ü; "zhang1" with tones); other chars skipped.

    surname=True reads the first character(s) as a surname (曾 zeng, 单 shan, 尉迟 yu chi).
    """
    cache = _TONED if tones else _PLAIN
    try:
        out = [cache[ch] for ch in text]
    except KeyError:
        for ch in text:
            if ch not in cache:
                _read(ch, tones)
        out = [cache[ch] for ch in text]
    if "" in out:
        out = [reading for reading in out if reading]
    if surname and out:
        head = text[:2]
        if not (cache[text[0]] and (len(text) < 2 or cache[text[1]])):
            head = "".join(ch for ch in text if cache[ch])[:2]
        override = _surname_readings(head, len(out) >= 3, tones)
        out[: len(override)] = override
    return out


def _surname_syllables(surname: str) -> list[str]:
    """A surname given on its own (structured field): 2 chars may be a compound surname."""
    out = syllables(surname)
    override = _surname_readings(surname[:2], len(surname) >= 2, False) if out else ()
    out[: len(override)] = override
    return out


_PINYIN = frozenset(
    """a ai an ang ao ba bai ban bang bao bei ben beng bi bian biao bie bin bing bo bu ca cai can
    cang cao ce cen ceng cha chai chan chang chao che chen cheng chi chong chou chu chua chuai chuan
    chuang chui chun chuo ci cong cou cu cuan cui cun cuo da dai dan dang dao de dei deng di dia
    dian diao die ding diu dong dou du duan dui dun duo e ei en eng er fa fan fang fei fen feng fo
    fou fu ga gai gan gang gao ge gei gen geng gong gou gu gua guai guan guang gui gun guo ha hai
    han hang hao he hei hen heng hong hou hu hua huai huan huang hui hun huo ji jia jian jiang jiao
    jie jin jing jiong jiu ju juan jue jun ka kai kan kang kao ke ken keng kong kou ku kua kuai kuan
    kuang kui kun kuo la lai lan lang lao le lei leng li lia lian liang liao lie lin ling liu long
    lou lu luan lun luo lv lve ma mai man mang mao me mei men meng mi mian miao mie min ming miu mo
    mou mu na nai nan nang nao ne nei nen neng ni nian niang niao nie nin ning niu nong nou nu nuan
    nuo nv nve o ou pa pai pan pang pao pei pen peng pi pian piao pie pin ping po pou pu qi qia
    qian qiang qiao qie qin qing qiong qiu qu quan que qun ran rang rao re ren reng ri rong rou ru
    ruan rui run ruo sa sai san sang sao se sen seng sha shai shan shang shao she shei shen sheng
    shi shou shu shua shuai shuan shuang shui shun shuo si song sou su suan sui sun suo ta tai tan
    tang tao te teng ti tian tiao tie ting tong tou tu tuan tui tun tuo wa wai wan wang wei wen weng
    wo wu xi xia xian xiang xiao xie xin xing xiong xiu xu xuan xue xun ya yan yang yao ye yi yin
    ying yong you yu yuan yue yun za zai zan zang zao ze zei zen zeng zha zhai zhan zhang zhao zhe
    zhen zheng zhi zhong zhou zhu zhua zhuai zhuan zhuang zhui zhun zhuo zi zong zou zu zuan zui zun
    zuo""".split()
)
# Passport spelling writes ü after l/n as "yu" (吕 LYU); "lue"/"nue" are the common typed forms.
_PINYIN_ALIASES = {
    "lyu": "lv", "nyu": "nv", "lyue": "lve", "nyue": "nve", "lue": "lve", "nue": "nve",
}
_SEGMENTS = _PINYIN | _PINYIN_ALIASES.keys()
_PINYIN_SEPARATORS = re.compile(r"[\s,.\-_'’‘`·0-5]+")


@lru_cache(maxsize=131072)
def _segment(token: str) -> tuple[str, ...] | None:
    """Fewest syllables; on a tie the longest first syllable (xian, not xi an)."""
    n = len(token)
    best: list[tuple[str, ...] | None] = [None] * n + [()]
    for i in range(n - 1, -1, -1):
        for size in range(min(6, n - i), 0, -1):
            rest = best[i + size]
            piece = token[i : i + size]
            if rest is not None and piece in _SEGMENTS:
                if best[i] is None or len(rest) + 1 < len(best[i]):
                    best[i] = (piece, *rest)
    return None if best[0] is None else tuple(_PINYIN_ALIASES.get(s, s) for s in best[0])


def segment_pinyin(text: str) -> list[str] | None:
    """Split Latin text into toneless pinyin syllables; None if any part is not pinyin."""
    text = unicodedata.normalize("NFKC", text or "").lower().replace("u:", "v")
    text = unicodedata.normalize("NFD", text).replace("u\u0308", "v")
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    out: list[str] = []
    for token in _PINYIN_SEPARATORS.split(text):
        if not token:
            continue
        if not (token.isascii() and token.isalpha()):
            return None
        found = _segment(token)
        if found is None:
            return None
        out.extend(found)
    return out or None


_LATIN_FOLD = str.maketrans({"ß": "ss", "ø": "o", "æ": "ae", "œ": "oe", "đ": "d", "ð": "d",
                             "ł": "l", "þ": "th", "ı": "i", "'": None, "’": None})
_LATIN_TOKEN = re.compile(r"[a-z0-9]+")
_ACCENTS = re.compile("[\u0300-\u036f]")


def latin_tokens(text: str) -> tuple[str, ...]:
    """Lowercase ASCII words, accents stripped (José → jose); apostrophes join (O'Brien → obrien).

    Any other character (hanzi, Cyrillic, punctuation) separates words.
    """
    text = unicodedata.normalize("NFKD", (text or "").lower()).translate(_LATIN_FOLD)
    return tuple(_LATIN_TOKEN.findall(_ACCENTS.sub("", text)))


@dataclass(frozen=True, slots=True)
class NameFeatures:
    script: str = ""  # "hanzi", "latin", "mixed", or "" when there is nothing to compare
    hanzi: str = ""
    surname: str = ""
    given: str = ""
    pinyin: str = ""  # surname first when the surname is known: "zhang wei"
    pinyin_key: str = ""  # sorted syllables: 张伟 == 章伟 == "Wei ZHANG" == "zhangwei"
    latin_tokens: tuple[str, ...] = ()
    latin_key: str = ""  # sorted tokens: "Smith, John" == "john smith"
    initials: str = ""


def _script(text: str) -> str:
    rest = _HANZI.sub("", text)
    if len(rest) < len(text):
        return "mixed" if any(ch.isalpha() for ch in rest) else "hanzi"
    return "latin" if any(ch.isalnum() for ch in rest) else ""


def _latin_parts(name: str, surname: str, given: str) -> tuple[str, str] | None:
    """Raw (surname, given) of a Latin name when known: fields, "Last, First", or "Wei ZHANG"."""
    if surname or given:
        return surname, given
    if "," in name:
        last, first = name.split(",", 1)
        after = latin_tokens(first)
        # "Smith, Jr." and "Acme Co., Ltd." are not in Last, First order
        if latin_tokens(last) and after and not set(after) <= _AFTER_COMMA_SUFFIXES:
            return last, first
        return None
    words = name.split()
    upper = [i for i, w in enumerate(words) if w.isupper() and len(w) > 1]
    if len(words) > 1 and len(upper) == 1:
        return words[upper[0]], " ".join(words[: upper[0]] + words[upper[0] + 1 :])
    return None


def name_features(name: str = "", *, surname: str = "", given: str = "") -> NameFeatures:
    """Everything the matcher compares about one name; surname/given fields win over `name`."""
    structured = bool(surname or given)
    text = unicodedata.normalize("NFKC", f"{surname} {given}" if structured else name or "")
    script = _script(text)
    if not script:
        return NameFeatures()
    if script != "latin":
        if structured:
            sur = _NOT_HANZI.sub("", fold_hanzi(surname))
            giv = _NOT_HANZI.sub("", fold_hanzi(given))
        else:
            sur, giv = split_chinese_name(_NOT_HANZI.sub("", fold_hanzi(text)))
        pin = _surname_syllables(sur) + syllables(giv)
        tokens = latin_tokens(text) if script == "mixed" else ()
        hanzi = sur + giv
    else:
        hanzi = ""
        parts = _latin_parts(text, surname, given)
        if parts is None:
            sur = giv = ""
            tokens = latin_tokens(text)
            pin = segment_pinyin(text) or []
        else:
            sur, giv = (" ".join(latin_tokens(p)) for p in parts)
            # Reordered given-first only where the input had its own order ("Last, First", fields).
            keep_order = not structured and "," not in text
            tokens = latin_tokens(text) if keep_order else latin_tokens(f"{giv} {sur}")
            split = [segment_pinyin(p) for p in parts if latin_tokens(p)]
            pin = [] if None in split else [s for part in split for s in part]
    return NameFeatures(
        script=script,
        hanzi=hanzi,
        surname=sur,
        given=giv,
        pinyin=" ".join(pin),
        pinyin_key=" ".join(sorted(pin)),
        latin_tokens=tokens,
        latin_key=" ".join(sorted(tokens)),
        initials="".join(s[0] for s in (pin or tokens)),
    )


_ORG_SUFFIXES_ZH = ("集团股份有限公司", "集团有限公司", "股份有限公司", "有限责任公司", "有限公司",
                    "股份公司", "集团公司", "公司", "集团")
_ORG_SUFFIXES_LATIN = frozenset(
    "co company corp corporation inc incorporated ltd limited llc llp lp plc gmbh ag kg sa sas"
    " sarl srl spa bv nv oy ab pte pty sdn bhd kk group holdings".split()
)
_AFTER_COMMA_SUFFIXES = _ORG_SUFFIXES_LATIN | {"jr", "sr", "ii", "iii", "iv", "phd", "md", "esq"}
_SPACE_BY_HANZI = re.compile(f"(?<=[{_H}]) | (?=[{_H}])")


def org_key(name: str) -> str:
    """Organisation name without legal form, for comparing: 腾讯科技（深圳）有限公司 → 腾讯科技深圳.

    Place prefixes (北京…, 深圳…) stay: they usually tell different legal entities apart.
    """
    text = to_simplified(unicodedata.normalize("NFKC", name or "").lower()).replace("&", " and ")
    text = _ACCENTS.sub("", unicodedata.normalize("NFKD", text))
    text = re.sub(r"\b([a-z])\.(?=[a-z]\b)", r"\1", text)  # S.A. → SA., so it is a suffix word
    key = _SPACE_BY_HANZI.sub("", " ".join(re.findall(r"[^\W_]+", text)))
    changed = True
    while changed:
        changed = False
        for suffix in _ORG_SUFFIXES_ZH:
            if key.endswith(suffix) and len(key) > len(suffix):
                key, changed = key[: -len(suffix)].rstrip(), True
                break
        words = key.split(" ")
        if len(words) > 1 and words[-1] in _ORG_SUFFIXES_LATIN:
            key, changed = " ".join(words[:-1]), True
    return key
