#!/usr/bin/env python3
"""Synthetic customer records with known truth, for measuring identity resolution honestly.

    .venv/bin/python bench/identity_data.py 1000000 --seed 0 --out /tmp/identity.parquet
    .venv/bin/python bench/identity_data.py 100000 --out /tmp/identity.csv --stats

Importable too: ``generate(n_records, seed=0) -> polars.DataFrame`` (bench/ is not a package; load
this file with importlib). Every row is one record as a channel captured it; ``entity_id`` is the
truth (the person behind the record) and must be ignored by a matcher. Row order and ``id`` are
shuffled, so neither says anything about the entity.

Entities
    * records per entity: 1, 2, 3, 4, 5 with P = 0.55, 0.22, 0.12, 0.07, 0.04 (mean 1.83); entities
      are drawn until ``n_records`` is reached and the last one is truncated;
    * 85 % Chinese: surname drawn with Faker zh_CN frequencies (王 李 张 ≈ 7 % each), given name of
      one character (30 %) or two (70 %) from gendered pools weighted towards the popular
      characters, so the same full name (张伟, 王芳, 李娜 …) belongs to many different people, as in
      reality; 8 % of them also use an English given name ("David Wang"). 15 % Latin names
      (Faker en_US weighted first/last names, some with a middle initial);
    * birth date (ages 18–80 on 2026-01-01, Beta-shaped around 40); 0–2 mobile numbers (CN
      mobiles with real prefixes, half of the Latin entities' numbers are +1 US numbers); 0–2 emails
      (from the name's pinyin / latin letters with digits, QQ numbers at qq.com, or unrelated
      handles; unique across entities); a city from 60 Chinese cities with population weights; an
      address (district + street + number + estate / building / unit / room) and its postcode; 12 %
      also have an older address (40 % of those in another city) that some records still carry;
    * 30 % of the Chinese entities hold a resident ID number (GB 11643) whose birth-date part is
      the true birth date, whose sequence parity is the sex and whose check digit is valid
      (ISO 7064 MOD 11-2); ID numbers are never corrupted (only "x" for "X" on the web);
    * 5 % live in a household with an earlier entity: same address, 70 % the same phone number
      (the family's), half of the Chinese pairs the same surname — hard negatives.

Channels (store 40 %, phone 25 %, web 35 %; Latin entities 30/15/55)
    * store: the name as written on a membership form (10 % in traditional characters, 3 % with a
      space after the surname); phone usually, birth date often, ID number sometimes, address often;
    * phone (call centre): the name typed by an agent from hearing it: each given-name character is
      replaced by another character of the same toneless pinyin with P = 0.2 (the agent picks the
      common one: 莉 → 丽, 玮 → 伟) and the surname with P = 0.06 (章 → 张); 4 % "王先生" /
      "李女士"; the phone is the caller's, with one digit changed (8 %) or two adjacent digits
      swapped (4 %); emails rarely (and then with typos);
    * web (self-service form): 55 % of the Chinese type the name in pinyin (zhang wei, Zhang Wei,
      ZHANG WEI, Wei Zhang, zhangwei, ZhangWei, Zhang Wei-Ming, Zhang Wei Ming; ü as v, u or ü),
      the rest in hanzi (3 % IME homophone slips per character) or with their English name; the
      given/surname fields of the form are swapped by 20 % of the pinyin typists; email usually
      (a second address of the person 35 % of the time when there is one), phones in many formats
      (138 1234 5678, +86 138-1234-5678, +8613812345678, 0086 …, full-width digits), birth dates
      in many formats (1985-03-12, 1985/3/12, 12/03/1985, 03/12/1985, 19850312, 1985年3月12日);
    * everywhere, with small probabilities: a dropped given-name character, Latin typos (insertion,
      deletion, substitution, transposition), Latin order swaps and nicknames (Robert → Bob), day
      and month swapped in the stored date, a year digit wrong, city with or without 市 (or in
      pinyin on the web), abbreviated addresses (3-2-501, no district, estate only), postcode typos.

Not part of the test suite (tests/identity/test_identity_data.py imports it).
"""

import argparse
import functools
import sys
import time
from pathlib import Path

import numpy as np
import polars as pl

REF_DATE = np.datetime64("2026-01-01", "D")
SIZE_P = np.array([0.55, 0.22, 0.12, 0.07, 0.04])
CHANNELS = np.array(["store", "phone", "web"], dtype=object)
CHANNEL_P_ZH = [0.40, 0.25, 0.35]
CHANNEL_P_LATIN = [0.30, 0.15, 0.55]
STORE, PHONE, WEB = 0, 1, 2

# Per channel (store, phone, web): the chance that a field is captured when the entity has it.
CAPTURE = {
    "phone": (0.92, 0.93, 0.70),
    "email": (0.25, 0.10, 0.97),
    "birth_date": (0.60, 0.30, 0.45),
    "city": (0.85, 0.50, 0.60),
    "address": (0.70, 0.25, 0.50),
    "postcode": (0.45, 0.20, 0.80),  # given that the address was captured
    "id_number": (0.45, 0.10, 0.08),
}

# Given-name characters by popularity (most common first); Faker's lists are merged in below.
MALE_CHARS = ("伟强磊军勇杰涛明超刚平辉鹏华飞鑫波斌宇浩凯健俊帆帅旭宁龙林欢佳阳亮成建峰国晨瑞志兵"
              "雷东博彬坤岩文利楠子轩泽睿铭然一航嘉豪天翔宏鸿毅永德福兴家立振新光庆春海金玉伦昊哲"
              "诚晓小亮")
FEMALE_CHARS = ("芳娜敏静丽艳娟霞秀英玲燕桂丹萍红兰梅莉婷玉珍凤晶颖雪慧倩琴畅云洁柳淑荣莹琳欣瑜璐"
                "怡萱涵悦雨思诗嘉佳梓馨妍婉雅琪瑶可心依梦语安晓小彤蕾薇菲露月美霖")
# Less common name characters that sound like popular ones: the homophones an agent can type.
HOMOPHONE_CHARS = ("维玮炜威巍俐力立励荔菁婧靖京敬君钧均峻骏鸣铭茗名虹弘桦骅苹屏婕捷劼韬滔镭潮朝彦"
                   "雁延霖麟凌灵翎亭庭霆纳方舫民闽旻晖慧惠卉蕙鹤贺赫涵寒晗瀚翰韩宇雨语羽禹玉钰郁"
                   "煜昱毓育芸耘筠韵蕴婕杰颉倩茜芊骞谦芹勤沁琴秦青清卿晴磬馨昕鑫欣心新忻薪莹滢盈"
                   "颖瑛楹荧娅亚雅琊涵轩萱宣暄璇悬玄瑄浩昊灏皓颢豪好郝")
NO_SINGLE = set("子一小晓可心依然语梦安")  # rarely a one-character given name on their own
SURNAME_PINYIN = {"单": "shan", "曾": "zeng", "解": "xie", "仇": "qiu", "区": "ou", "查": "zha",
                  "朴": "piao", "盖": "ge", "覃": "qin", "乐": "yue", "缪": "miao", "翟": "zhai",
                  "柏": "bai", "尉": "yu", "种": "chong", "秘": "bi", "繁": "po", "员": "yun",
                  "隗": "wei", "长": "chang", "燕": "yan", "宿": "su", "能": "nai", "华": "hua",
                  "任": "ren", "万": "wan", "沈": "shen", "贾": "jia", "那": "na", "冼": "xian"}
NICKNAMES = {"William": "Bill", "Robert": "Bob", "James": "Jim", "Michael": "Mike",
             "Elizabeth": "Liz", "Katherine": "Kate", "Jennifer": "Jen", "Christopher": "Chris",
             "Richard": "Rick", "Thomas": "Tom", "Joseph": "Joe", "Daniel": "Dan",
             "Matthew": "Matt", "Anthony": "Tony", "Patricia": "Pat", "Steven": "Steve",
             "Andrew": "Andy", "Joshua": "Josh", "Benjamin": "Ben", "Samuel": "Sam",
             "Alexander": "Alex", "Nicholas": "Nick", "Jonathan": "Jon", "Timothy": "Tim",
             "Edward": "Ed", "Deborah": "Debbie", "Susan": "Sue", "Rebecca": "Becky",
             "Margaret": "Maggie", "Victoria": "Vicky", "Jessica": "Jess", "Charles": "Charlie",
             "David": "Dave", "Kenneth": "Ken", "Donald": "Don", "Ronald": "Ron",
             "Gregory": "Greg", "Jacob": "Jake", "Zachary": "Zach", "Abigail": "Abby"}
# City, population (millions, urban), postcode prefix, resident-ID area prefix (4 digits).
CITY_TABLE = [
    ("上海", 24.9, "200", "3101"), ("北京", 21.9, "100", "1101"), ("深圳", 17.7, "518", "4403"),
    ("重庆", 16.0, "400", "5001"), ("广州", 18.8, "510", "4401"), ("成都", 21.4, "610", "5101"),
    ("天津", 13.7, "300", "1201"), ("武汉", 13.7, "430", "4201"), ("西安", 13.0, "710", "6101"),
    ("杭州", 12.4, "310", "3301"), ("南京", 9.5, "210", "3201"), ("郑州", 12.8, "450", "4101"),
    ("长沙", 10.4, "410", "4301"), ("东莞", 10.5, "523", "4419"), ("苏州", 12.9, "215", "3205"),
    ("沈阳", 9.1, "110", "2101"), ("青岛", 10.3, "266", "3702"), ("合肥", 9.6, "230", "3401"),
    ("佛山", 9.6, "528", "4406"), ("宁波", 9.6, "315", "3302"), ("昆明", 8.6, "650", "5301"),
    ("济南", 9.4, "250", "3701"), ("哈尔滨", 9.9, "150", "2301"), ("石家庄", 11.2, "050", "1301"),
    ("大连", 7.5, "116", "2102"), ("福州", 8.4, "350", "3501"), ("厦门", 5.3, "361", "3502"),
    ("无锡", 7.5, "214", "3202"), ("长春", 9.0, "130", "2201"), ("南宁", 8.9, "530", "4501"),
    ("温州", 9.6, "325", "3303"), ("贵阳", 6.2, "550", "5201"), ("南昌", 6.5, "330", "3601"),
    ("太原", 5.4, "030", "1401"), ("泉州", 8.8, "362", "3505"), ("金华", 7.1, "321", "3307"),
    ("常州", 5.3, "213", "3204"), ("烟台", 7.1, "264", "3706"), ("嘉兴", 5.5, "314", "3304"),
    ("南通", 7.7, "226", "3206"), ("徐州", 9.0, "221", "3203"), ("珠海", 2.5, "519", "4404"),
    ("中山", 4.4, "528", "4420"), ("惠州", 6.0, "516", "4413"), ("兰州", 4.4, "730", "6201"),
    ("乌鲁木齐", 4.1, "830", "6501"), ("呼和浩特", 3.5, "010", "1501"), ("海口", 2.9, "570", "4601"),
    ("银川", 2.9, "750", "6401"), ("西宁", 2.5, "810", "6301"), ("拉萨", 0.9, "850", "5401"),
    ("洛阳", 7.0, "471", "4103"), ("扬州", 4.6, "225", "3210"), ("绍兴", 5.3, "312", "3306"),
    ("台州", 6.6, "318", "3310"), ("潍坊", 9.4, "261", "3707"), ("临沂", 11.0, "276", "3713"),
    ("保定", 9.2, "071", "1306"), ("唐山", 7.7, "063", "1302"), ("邯郸", 9.4, "056", "1304"),
]
CITY_LATIN = {"哈尔滨": "Harbin", "乌鲁木齐": "Urumqi", "呼和浩特": "Hohhot", "拉萨": "Lhasa",
              "西安": "Xi'an"}
STREETS = ["人民", "解放", "中山", "建设", "和平", "长江", "黄河", "文化", "新华", "光明", "科技",
           "学府", "滨江", "青年", "朝阳", "东风", "胜利", "幸福", "南京", "北京", "延安", "湖滨",
           "振兴", "工业", "花园", "迎宾", "育才", "金桥", "紫荆", "红旗"]
STREET_SUFFIX = ["路", "街", "大道", "东路", "西路", "南路", "北路"]
ESTATES = ["阳光花园", "幸福里", "锦绣华庭", "碧桂园", "万科城", "金色家园", "翠湖苑", "和平新村",
           "龙湖天街", "绿地世纪城", "保利花园", "华润中心", "恒大名都", "世纪花园", "东方明珠苑",
           "滨江豪庭", "春天花园", "怡景湾", "丽都小区", "书香门第"]
CN_MOBILE_PREFIXES = [130, 131, 132, 133, 134, 135, 136, 137, 138, 139, 150, 151, 152, 155, 156,
                      157, 158, 159, 180, 181, 182, 183, 185, 186, 187, 188, 189]
US_AREA_CODES = [201, 202, 206, 212, 213, 214, 303, 305, 312, 347, 404, 408, 415, 425, 503, 510,
                 512, 602, 617, 619, 646, 650, 702, 713, 718, 773, 805, 818, 858, 917, 949]
ZH_DOMAINS = (["qq.com", "163.com", "126.com", "sina.com", "gmail.com", "outlook.com",
               "foxmail.com", "hotmail.com", "139.com", "yeah.net", "sohu.com"],
              [0.30, 0.22, 0.10, 0.06, 0.08, 0.07, 0.05, 0.04, 0.04, 0.02, 0.02])
LATIN_DOMAINS = (["gmail.com", "outlook.com", "hotmail.com", "yahoo.com", "icloud.com", "qq.com"],
                 [0.45, 0.20, 0.10, 0.12, 0.08, 0.05])
DOMAIN_TYPOS = {"qq.com": "qq.con", "163.com": "163.cm", "126.com": "162.com", "gmail.com": "gmial.com",
                "outlook.com": "outlok.com", "hotmail.com": "hotmial.com", "sina.com": "sina.cn",
                "yahoo.com": "yaho.com", "foxmail.com": "foxmial.com"}
HANDLE_WORDS = ["sunny", "tiger", "happy", "lucky", "angel", "blue", "star", "moon", "dragon",
                "panda", "candy", "rain", "cool", "smile", "dream", "ocean", "apple", "snow",
                "kitty", "hero", "wind", "cloud", "fish", "little", "sky", "love", "leaf"]
FULLWIDTH = str.maketrans("0123456789+-", "０１２３４５６７８９＋－")
LETTERS = np.array(list("abcdefghijklmnopqrstuvwxyz"))


def _rank_weights(n, shift=3.0):
    w = 1.0 / (np.arange(n) + shift)
    return w / w.sum()


def _weighted(mapping):
    keys = list(mapping.keys())
    w = np.array(list(mapping.values()), dtype=float)
    return np.array(keys, dtype=object), w / w.sum()


def _pad_groups(groups, weights):
    """Alternatives for each item (other members of its group) as padded index / cumulative-p arrays."""
    n = len(weights)
    width = max(1, max((len(g) for g in groups.values()), default=1) - 1)
    alt = np.zeros((n, width), dtype=np.int64)
    cum = np.ones((n, width))
    has = np.zeros(n, dtype=bool)
    for members in groups.values():
        if len(members) < 2:
            continue
        for i in members:
            others = [j for j in members if j != i]
            p = weights[others] / weights[others].sum()
            alt[i, : len(others)] = others
            alt[i, len(others):] = others[-1]
            cum[i, : len(others)] = np.cumsum(p)
            has[i] = True
    return alt, cum, has


@functools.cache
def _vocab():
    """Word lists as numpy arrays (built once; pinyin and traditional forms cached per character)."""
    import opencc
    from faker.providers.person.en_US import Provider as EnPerson
    from faker.providers.person.zh_CN import Provider as ZhPerson
    from pypinyin import lazy_pinyin

    s2t = opencc.OpenCC("s2t")
    v = {}
    # Surnames.
    sur, sur_p = _weighted(ZhPerson.last_names)
    v["sur_h"], v["sur_p"] = sur, sur_p
    v["sur_t"] = np.array([s2t.convert(s) for s in sur], dtype=object)
    v["sur_py"] = np.array(["".join(SURNAME_PINYIN.get(c) or lazy_pinyin(c)[0] for c in s) if len(s) == 1
                            else "".join(lazy_pinyin(s)) for s in sur], dtype=object)
    groups = {}
    for i, _s in enumerate(sur):
        groups.setdefault(v["sur_py"][i], []).append(i)
    v["sur_alt"], v["sur_cum"], v["sur_has"] = _pad_groups(groups, sur_p)
    v["sur_index"] = {s: i for i, s in enumerate(sur)}

    # Given-name characters: one index space for both sexes; each sex has its own weights.
    faker_male, faker_female = list(ZhPerson.first_names_male), list(ZhPerson.first_names_female)
    chars = []
    for source in (MALE_CHARS, FEMALE_CHARS, "".join(faker_male), "".join(faker_female), HOMOPHONE_CHARS):
        for c in source:
            if c not in chars:
                chars.append(c)
    idx = {c: i for i, c in enumerate(chars)}
    n = len(chars)

    def char_weights(ordered, faker_names, extra_share):
        w = np.zeros(n)
        ranked = []
        for c in ordered + "".join(faker_names):
            if c not in ranked:
                ranked.append(c)
        w[[idx[c] for c in ranked]] = _rank_weights(len(ranked))
        extra = [idx[c] for c in HOMOPHONE_CHARS if w[idx[c]] == 0]
        w[extra] = extra_share * w[w > 0].min()
        return w / w.sum()

    w_m = char_weights(MALE_CHARS, faker_male, 0.3)
    w_f = char_weights(FEMALE_CHARS, faker_female, 0.3)
    v["g_weights"] = (w_m, w_f)
    single = np.array([c not in NO_SINGLE for c in chars])
    v["g_single"] = tuple(w * single / (w * single).sum() for w in (w_m, w_f))
    pairs = []
    for names in (faker_male, faker_female):
        two = [nm for nm in names if len(nm) == 2]
        pairs.append((np.array([[idx[nm[0]], idx[nm[1]]] for nm in two]), _rank_weights(len(two), 6.0)))
    v["g_faker_pairs"] = pairs
    # Index -1 selects the trailing "" (no second character).
    v["g_h"] = np.array(chars + [""], dtype=object)
    v["g_t"] = np.array([s2t.convert(c) for c in chars] + [""], dtype=object)
    g_py = [lazy_pinyin(c)[0] for c in chars]
    v["g_py"] = np.array(g_py + [""], dtype=object)
    groups = {}
    for i, p in enumerate(g_py):
        groups.setdefault(p, []).append(i)
    v["g_alt"], v["g_cum"], v["g_has"] = _pad_groups(groups, w_m + w_f)

    # Latin names.
    v["en_first"] = tuple(_weighted(d) for d in (EnPerson.first_names_male, EnPerson.first_names_female))
    v["en_last"] = _weighted(EnPerson.last_names)

    # Cities, districts (8 per city, from Faker's district names, fixed across seeds), postcodes.
    from faker.providers.address.zh_CN import Provider as ZhAddress

    fixed = np.random.default_rng(20261123)
    v["city"] = np.array([c[0] for c in CITY_TABLE], dtype=object)
    pop = np.array([c[1] for c in CITY_TABLE])
    v["city_p"] = pop / pop.sum()
    v["city_py"] = np.array([CITY_LATIN.get(c[0]) or "".join(lazy_pinyin(c[0])).capitalize()
                             for c in CITY_TABLE], dtype=object)
    v["city_id_prefix"] = np.array([int(c[3]) for c in CITY_TABLE])
    districts = np.array(ZhAddress.districts, dtype=object)
    v["district"] = np.stack([districts[fixed.choice(len(districts), 8, replace=False)]
                              for _ in CITY_TABLE])
    suffixes = fixed.choice(1000, size=(len(CITY_TABLE), 8), replace=False)
    v["postcode"] = np.array([[f"{c[2]}{s:03d}" for s in row] for c, row in zip(CITY_TABLE, suffixes, strict=True)],
                             dtype=object)
    v["street"] = np.array(STREETS, dtype=object)
    v["street_suffix"] = np.array(STREET_SUFFIX, dtype=object)
    v["estate"] = np.array(ESTATES + [""], dtype=object)
    v["handle"] = np.array(HANDLE_WORDS, dtype=object)
    return v


def _choice(rng, n, p):
    return rng.choice(len(p), size=n, p=np.asarray(p, dtype=float) / np.sum(p))


def _substitute(rng, idx, mask, alt, cum, has):
    """Replace idx[mask] (where the item has alternatives) by a draw from its homophone group."""
    sel = np.flatnonzero(mask & (idx >= 0))
    sel = sel[has[idx[sel]]]
    if len(sel):
        rows = idx[sel]
        k = (rng.random(len(sel))[:, None] > cum[rows]).sum(axis=1)
        idx[sel] = alt[rows, np.minimum(k, alt.shape[1] - 1)]


def _latin_typo(s, op, frac, letter):
    if len(s) < 3:
        return s
    i = min(int(frac * len(s)), len(s) - 1)
    if op == 0:  # insertion
        return s[:i] + letter + s[i:]
    if op == 1:  # deletion
        return s[:i] + s[i + 1:]
    if op == 2:  # substitution
        return s[:i] + (letter.upper() if s[i].isupper() else letter) + s[i + 1:]
    i = min(i, len(s) - 2)  # transposition
    return s[:i] + s[i + 1] + s[i] + s[i + 2:]


def _digit_typo(s, op, frac, digit):
    i = 3 + min(int(frac * (len(s) - 3)), len(s) - 4)  # keep the operator prefix
    if op == 0:
        return s[:i] + str(digit if str(digit) != s[i] else (digit + 1) % 10) + s[i + 1:]
    i = min(i, len(s) - 2)
    return s[:i] + s[i + 1] + s[i] + s[i + 2:]


def _id_numbers(area, y, m, d, seq):
    """GB 11643 resident ID numbers (18 characters, ISO 7064 MOD 11-2 check digit)."""
    body = area * 10**11 + y * 10**7 + m * 10**5 + d * 10**3 + seq  # 17 digits fit in int64
    weights = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2])
    digits = (body[:, None] // 10 ** np.arange(16, -1, -1)) % 10
    check = np.array(list("10X98765432"))[(digits * weights).sum(axis=1) % 11]
    return [f"{b:017d}{c}" for b, c in zip(body.tolist(), check.tolist(), strict=True)]


# --------------------------------------------------------------------------------------- entities


def _entity_sizes(rng, n_records):
    chunks, total = [], 0
    while total < n_records:
        s = rng.choice(5, size=int((n_records - total) / 1.83 * 1.05) + 16, p=SIZE_P) + 1
        chunks.append(s)
        total += int(s.sum())
    sizes = np.concatenate(chunks)
    cum = np.cumsum(sizes)
    n_entities = int(np.searchsorted(cum, n_records)) + 1
    sizes = sizes[:n_entities].copy()
    sizes[-1] -= int(cum[n_entities - 1]) - n_records
    return sizes


def _entities(rng, v, n_records):
    sizes = _entity_sizes(rng, n_records)
    n = len(sizes)
    e = {"sizes": sizes, "n": n}
    latin = rng.random(n) < 0.15
    female = rng.random(n) < 0.5
    e["latin"], e["female"] = latin, female

    # Chinese names (drawn for everyone; used where not latin).
    sur = _choice(rng, n, v["sur_p"])
    given = np.full((n, 2), -1, dtype=np.int64)
    two = rng.random(n) < 0.7
    from_faker = rng.random(n) < 0.15
    for sex in (0, 1):
        is_sex = female == bool(sex)
        one = is_sex & ~two
        given[one, 0] = _choice(rng, int(one.sum()), v["g_single"][sex])
        fk = is_sex & two & from_faker
        pairs, p = v["g_faker_pairs"][sex]
        given[fk] = pairs[_choice(rng, int(fk.sum()), p)]
        comp = is_sex & two & ~from_faker
        given[comp, 0] = _choice(rng, int(comp.sum()), v["g_weights"][sex])
        given[comp, 1] = _choice(rng, int(comp.sum()), v["g_weights"][sex])
    e["sur"], e["given"] = sur, given
    # Latin names, and English given names for 8 % of the Chinese.
    first = np.empty(n, dtype=object)
    for sex in (0, 1):
        is_sex = female == bool(sex)
        names, p = v["en_first"][sex]
        first[is_sex] = names[_choice(rng, int(is_sex.sum()), p)]
    last_names, last_p = v["en_last"]
    e["first"], e["last"] = first, last_names[_choice(rng, n, last_p)]
    e["middle"] = np.where(rng.random(n) < 0.4, LETTERS[rng.integers(0, 26, n)].astype(object), None)
    e["english"] = ~latin & (rng.random(n) < 0.08)

    # Birth date.
    age_days = (18 * 365.25 + rng.beta(2.0, 3.0, n) * 62 * 365.25).astype(np.int64)
    birth = REF_DATE - age_days
    e["birth"] = birth
    years = birth.astype("datetime64[Y]")
    months = birth.astype("datetime64[M]")
    e["y"] = years.astype(np.int64) + 1970
    e["m"] = (months - years.astype("datetime64[M]")).astype(np.int64) + 1
    e["d"] = (birth - months.astype("datetime64[D]")).astype(np.int64) + 1

    # Phones: 0–2, stored as canonical digits (11 for CN, 10 for US) plus an is-US flag.
    n_phones = _choice(rng, n, [0.08, 0.72, 0.20])
    us = latin[:, None] & (rng.random((n, 2)) < 0.5)
    prefix = np.array(CN_MOBILE_PREFIXES)[rng.integers(0, len(CN_MOBILE_PREFIXES), (n, 2))]
    rest = rng.integers(0, 10**8, (n, 2))
    area = np.array(US_AREA_CODES)[rng.integers(0, len(US_AREA_CODES), (n, 2))]
    exchange = rng.integers(200, 1000, (n, 2))
    exchange = np.where((exchange % 100 == 11) | (exchange == 555), exchange + 1, exchange)
    line = rng.integers(0, 10**4, (n, 2))
    phones = np.empty((n, 2), dtype=object)
    for k in (0, 1):
        has = n_phones > k
        cn_rows = np.flatnonzero(has & ~us[:, k])
        phones[cn_rows, k] = [f"{a}{b:08d}" for a, b in zip(prefix[cn_rows, k].tolist(), rest[cn_rows, k].tolist(), strict=True)]
        us_rows = np.flatnonzero(has & us[:, k])
        phones[us_rows, k] = [f"{a}{b}{c:04d}" for a, b, c in
                              zip(area[us_rows, k].tolist(), exchange[us_rows, k].tolist(), line[us_rows, k].tolist(), strict=True)]
    e["phones"], e["us"] = phones, us

    # Addresses: slot 0 is the current one; 12 % also have an older one (slot 1).
    city = _choice(rng, n, v["city_p"])
    moved = rng.random(n) < 0.12
    city2 = np.where(rng.random(n) < 0.4, _choice(rng, n, v["city_p"]), city)
    e["moved"] = moved
    addr = {"city": np.stack([city, city2], axis=1)}
    addr["district"] = rng.integers(0, 8, (n, 2))
    addr["street"] = rng.integers(0, len(STREETS), (n, 2))
    addr["suffix"] = _choice(rng, 2 * n, [0.35, 0.25, 0.12, 0.07, 0.07, 0.07, 0.07]).reshape(n, 2)
    addr["number"] = (rng.pareto(1.2, (n, 2)) * 20).astype(np.int64) % 999 + 1
    addr["estate"] = np.where(rng.random((n, 2)) < 0.6, rng.integers(0, len(ESTATES), (n, 2)), -1)
    addr["building"] = rng.integers(1, 31, (n, 2))
    addr["unit"] = rng.integers(1, 7, (n, 2))
    addr["room"] = rng.integers(1, 34, (n, 2)) * 100 + rng.integers(1, 5, (n, 2))

    # Households: 5 % share an earlier entity's address (and mostly its phone, often its surname).
    member = np.flatnonzero((rng.random(n) < 0.05) & (np.arange(n) > 0))
    host = (rng.random(len(member)) * member).astype(np.int64)
    for key in addr:
        addr[key][member, 0] = addr[key][host, 0]
    share_phone = member[(rng.random(len(member)) < 0.7) & (phones[host, 0] != None)]  # noqa: E711
    share_host = host[np.isin(member, share_phone)]
    phones[share_phone, 0] = phones[share_host, 0]
    us[share_phone, 0] = us[share_host, 0]
    same_sur = (rng.random(len(member)) < 0.5) & (latin[member] == latin[host])
    sur[member[same_sur]] = sur[host[same_sur]]
    e["last"][member[same_sur]] = e["last"][host[same_sur]]
    e["addr"] = addr
    e["household"] = np.zeros(n, dtype=bool)
    e["household"][member] = True

    # Emails (after the surnames are final).
    e["emails"] = _emails(rng, v, e)

    # Resident ID numbers: 30 % of the Chinese; 60 % registered in the city they live in.
    has_id = ~latin & (rng.random(n) < 0.30)
    rows = np.flatnonzero(has_id)
    id_city = np.where(rng.random(len(rows)) < 0.6, city[rows], _choice(rng, len(rows), v["city_p"]))
    area_code = v["city_id_prefix"][id_city] * 100 + rng.integers(1, 19, len(rows))
    seq = rng.integers(0, 500, len(rows)) * 2 + np.where(female[rows], 0, 1)  # odd = male
    ids = np.full(n, None, dtype=object)
    ids[rows] = _id_numbers(area_code, e["y"][rows], e["m"][rows], e["d"][rows], seq)
    e["id_number"] = ids
    return e


def _emails(rng, v, e):
    n = e["n"]
    latin, sur, given = e["latin"], e["sur"], e["given"]
    n_emails = _choice(rng, n, [0.15, 0.60, 0.25])
    sp = v["sur_py"][sur]
    g0, g1 = v["g_py"][given[:, 0]], v["g_py"][given[:, 1]]
    first = np.array([f.lower() for f in e["first"]], dtype=object)
    last = np.array([s.lower().replace(" ", "").replace("'", "") for s in e["last"]], dtype=object)
    yy = e["y"]
    out = np.full((n, 2), None, dtype=object)
    for k in (0, 1):
        rows = np.flatnonzero(n_emails > k)
        m = len(rows)
        style = rng.integers(0, 10, m)
        suffix = _choice(rng, m, [0.35, 0.15, 0.15, 0.30, 0.05])
        rnd = rng.integers(1, 10 ** rng.integers(1, 5, m))
        qq = rng.integers(10**4, 10**10, m)
        handle = v["handle"][rng.integers(0, len(HANDLE_WORDS), m)]
        zh_dom = np.array(ZH_DOMAINS[0], dtype=object)[_choice(rng, m, ZH_DOMAINS[1])]
        la_dom = np.array(LATIN_DOMAINS[0], dtype=object)[_choice(rng, m, LATIN_DOMAINS[1])]
        result = []
        for j, i in enumerate(rows.tolist()):
            st = int(style[j])
            if latin[i]:
                f, s, dom = first[i], last[i], la_dom[j]
                local = (f"{f}.{s}", f"{f[0]}{s}", f"{f}{s}", f"{f}_{s}", f"{s}{f[0]}", f"{f}",
                         f"{f}.{s}", f"{f[0]}.{s}", f"{handle[j]}", f"{f}{s[0]}")[st]
            else:
                s, a, b, dom = sp[i], g0[i], g1[i], zh_dom[j]
                if e["english"][i] and st >= 8:
                    local = f"{first[i]}.{s}" if st == 8 else f"{first[i]}{s}"
                elif st == 7 or (st == 6 and dom == "qq.com"):
                    result.append(f"{qq[j]}@qq.com")
                    continue
                else:
                    local = (f"{s}{a}{b}", f"{s}.{a}{b}", f"{s}_{a}{b}", f"{a[0]}{b[:1]}{s}",
                             f"{s}{a[0]}{b[:1]}", f"{a}{b}{s}", f"{s[0]}{a[0]}{b[:1]}",
                             "", f"{handle[j]}", f"{s}{a}{b}")[st]
            sf = int(suffix[j])
            if sf == 1:
                local += str(int(yy[i]))
            elif sf == 2:
                local += f"{int(yy[i]) % 100:02d}"
            elif sf == 3 or len(local) < 4:
                local += str(int(rnd[j]))
            elif sf == 4:
                local += f"{int(e['m'][i]):02d}{int(e['d'][i]):02d}"
            result.append(f"{local}@{dom}")
        out[rows, k] = result
    # Email addresses are unique across people (and a person's two addresses differ).
    for _ in range(20):
        flat = out.reshape(-1)
        present = np.flatnonzero(flat != None)  # noqa: E711
        s = pl.Series(flat[present].tolist(), dtype=pl.Utf8)
        dup = present[(s.is_duplicated() & ~s.is_first_distinct()).to_numpy()]
        if not len(dup):
            break
        digits = rng.integers(1, 1000, len(dup))
        flat[dup] = [x.replace("@", f"{d}@", 1) for x, d in zip(flat[dup].tolist(), digits.tolist(), strict=True)]
        out = flat.reshape(n, 2)
    return out


# ---------------------------------------------------------------------------------------- records


def _generate(n_records, seed=0):
    """The frame and, per record, how its name was written (hanzi, trad, pinyin, english, latin, honorific)."""
    if n_records < 1:
        raise ValueError("n_records must be positive")
    v = _vocab()
    rng = np.random.default_rng(seed)
    e = _entities(rng, v, n_records)
    n = n_records
    ent = np.repeat(np.arange(e["n"]), e["sizes"])
    ent = ent[rng.permutation(n)]
    latin = e["latin"][ent]
    zh = ~latin
    channel = np.where(latin, _choice(rng, n, CHANNEL_P_LATIN), _choice(rng, n, CHANNEL_P_ZH))
    store, phone_ch, web = channel == STORE, channel == PHONE, channel == WEB
    female = e["female"][ent]

    def captured(field):
        return rng.random(n) < np.array(CAPTURE[field])[channel]

    name = np.empty(n, dtype=object)
    given_col = np.full(n, None, dtype=object)
    sur_col = np.full(n, None, dtype=object)
    kind = np.empty(n, dtype=object)

    # ---- Chinese names.
    rs = e["sur"][ent].copy()
    g0 = e["given"][ent, 0].copy()
    g1 = e["given"][ent, 1].copy()
    drop = zh & (g1 >= 0) & (rng.random(n) < 0.02)
    first_kept = rng.random(n) < 0.5
    g0 = np.where(drop & ~first_kept, g1, g0)
    g1 = np.where(drop, -1, g1)
    web_kind = _choice(rng, n, [0.42, 0.58])  # 0 hanzi, 1 pinyin
    english = zh & web & e["english"][ent] & (rng.random(n) < 0.35)
    english |= zh & store & e["english"][ent] & (rng.random(n) < 0.05)
    pinyin = zh & web & (web_kind == 1) & ~english
    hanzi = zh & ~pinyin & ~english
    # Homophones: agents by ear, IME slips on the web.
    p_given = np.select([phone_ch, web], [0.20, 0.03], 0.0)
    p_sur = np.select([phone_ch, web], [0.06, 0.01], 0.0)
    _substitute(rng, g0, hanzi & (rng.random(n) < p_given), v["g_alt"], v["g_cum"], v["g_has"])
    _substitute(rng, g1, hanzi & (rng.random(n) < p_given), v["g_alt"], v["g_cum"], v["g_has"])
    _substitute(rng, rs, hanzi & (rng.random(n) < p_sur), v["sur_alt"], v["sur_cum"], v["sur_has"])
    trad = hanzi & store & (rng.random(n) < 0.10)
    table_s = np.where(trad, v["sur_t"][rs], v["sur_h"][rs])
    table_g0 = np.where(trad, v["g_t"][g0], v["g_h"][g0])
    table_g1 = np.where(trad, v["g_t"][g1], v["g_h"][g1])
    rows = np.flatnonzero(hanzi)
    spaced = store[rows] & (rng.random(len(rows)) < 0.03)
    name[rows] = [f"{s} {a}{b}" if sp else f"{s}{a}{b}" for s, a, b, sp in
                  zip(table_s[rows].tolist(), table_g0[rows].tolist(), table_g1[rows].tolist(), spaced.tolist(), strict=True)]
    kind[rows] = np.where(trad[rows], "trad", "hanzi")
    honorific = hanzi & phone_ch & (rng.random(n) < 0.04)
    rows = np.flatnonzero(honorific)
    name[rows] = [s + ("女士" if f else "先生") for s, f in zip(table_s[rows].tolist(), female[rows].tolist(), strict=True)]
    kind[rows] = "honorific"
    rows = np.flatnonzero(hanzi & web)
    swap = rng.random(len(rows)) < 0.03
    sur_col[rows] = np.where(swap, table_g0[rows] + table_g1[rows], table_s[rows])
    given_col[rows] = np.where(swap, table_s[rows], table_g0[rows] + table_g1[rows])

    # Pinyin on the web.
    rows = np.flatnonzero(pinyin)
    m = len(rows)
    style = _choice(rng, m, [0.18, 0.28, 0.08, 0.16, 0.08, 0.06, 0.04, 0.06, 0.06])
    umlaut = _choice(rng, m, [0.5, 0.35, 0.15])
    field_swap = rng.random(m) < 0.20
    names, gs, ss = [], [], []
    for s, a, b, st, u, fs in zip(v["sur_py"][rs[rows]].tolist(), v["g_py"][g0[rows]].tolist(),
                                  v["g_py"][g1[rows]].tolist(), style.tolist(), umlaut.tolist(),
                                  field_swap.tolist(), strict=True):
        if u and "v" in s + a + b:
            r = "u" if u == 1 else "ü"
            s, a, b = s.replace("v", r), a.replace("v", r), b.replace("v", r)
        S, A, B = s.capitalize(), a.capitalize(), b.capitalize()
        if st == 0:
            g_txt, s_txt, full = a + b, s, f"{s} {a}{b}"
        elif st == 1:
            g_txt, s_txt, full = A + b, S, f"{S} {A}{b}"
        elif st == 2:
            g_txt, s_txt = (a + b).upper(), s.upper()
            full = f"{s_txt} {g_txt}"
        elif st == 3:
            g_txt, s_txt, full = A + b, S, f"{A}{b} {S}"
        elif st == 4:
            g_txt, s_txt, full = None, None, f"{s}{a}{b}"
        elif st == 5:
            g_txt = f"{A} {B}" if b else A
            s_txt, full = S, f"{S} {g_txt}"
        elif st == 6:
            g_txt = f"{A}-{B}" if b else A
            s_txt, full = S, f"{S} {g_txt}"
        elif st == 7:
            g_txt, s_txt, full = a + b, s, f"{a}{b} {s}"
        else:
            g_txt, s_txt, full = None, None, f"{S}{A}{b}"
        if fs and g_txt is not None:
            g_txt, s_txt = s_txt, g_txt
        names.append(full)
        gs.append(g_txt)
        ss.append(s_txt)
    name[rows], given_col[rows], sur_col[rows] = names, gs, ss
    kind[rows] = "pinyin"

    # English given name + pinyin surname ("David Wang").
    rows = np.flatnonzero(english)
    f_txt = e["first"][ent[rows]]
    s_txt = np.array([s.capitalize() for s in v["sur_py"][rs[rows]].tolist()], dtype=object)
    name[rows] = f_txt + " " + s_txt
    kind[rows] = "english"
    on_web = web[rows]
    given_col[rows[on_web]], sur_col[rows[on_web]] = f_txt[on_web], s_txt[on_web]

    # ---- Latin names.
    rows = np.flatnonzero(latin)
    m = len(rows)
    first = e["first"][ent[rows]].copy()
    last = e["last"][ent[rows]].copy()
    nick = rng.random(m) < 0.06
    first[nick] = [NICKNAMES.get(f, f) for f in first[nick].tolist()]
    ch = channel[rows]
    p_typo = np.where(ch == PHONE, 0.12, 0.03)
    for arr in (first, last):
        sel = np.flatnonzero(rng.random(m) < p_typo)
        arr[sel] = [_latin_typo(s, op, fr, le) for s, op, fr, le in
                    zip(arr[sel].tolist(), rng.integers(0, 4, len(sel)).tolist(),
                        rng.random(len(sel)).tolist(), LETTERS[rng.integers(0, 26, len(sel))].tolist(), strict=True)]
    fmt = _choice(rng, m, [0.66, 0.06, 0.06, 0.06, 0.05, 0.04, 0.04, 0.03])
    fmt = np.where((ch == PHONE) & (rng.random(m) < 0.03), 8, fmt)
    middle = e["middle"][ent[rows]]
    fem = female[rows]
    out = []
    for f, s, k, mid, fe in zip(first.tolist(), last.tolist(), fmt.tolist(), middle.tolist(), fem.tolist(), strict=True):
        if k == 6 and mid is None:
            k = 0
        out.append((f"{f} {s}", f"{f} {s}".upper(), f"{f} {s}".lower(), f"{s} {f}", f"{s}, {f}",
                    f"{s.upper()} {f}", f"{f} {(mid or '').upper()}. {s}", f"{f[0]}. {s}",
                    f"{'Ms' if fe else 'Mr'} {s}")[k])
    name[rows] = out
    kind[rows] = "latin"
    on_web = ch == WEB
    swap = rng.random(m) < 0.03
    given_col[rows[on_web]] = np.where(swap, last, first)[on_web]
    sur_col[rows[on_web]] = np.where(swap, first, last)[on_web]

    # ---- Phone.
    slot = np.where((e["phones"][ent, 1] != None) & (rng.random(n) < 0.3), 1, 0)  # noqa: E711
    raw = e["phones"][ent, slot]
    us = e["us"][ent, slot]
    rows = np.flatnonzero(captured("phone") & (raw != None))  # noqa: E711
    digits = raw[rows].copy()
    ch = channel[rows]
    u = rng.random(len(rows))
    p_sub = np.select([ch == STORE, ch == PHONE], [0.02, 0.08], 0.01)
    p_swap = np.select([ch == STORE, ch == PHONE], [0.01, 0.04], 0.01)
    op = np.where(u < p_sub, 0, np.where(u < p_sub + p_swap, 1, -1))
    sel = np.flatnonzero(op >= 0)
    digits[sel] = [_digit_typo(s, o, fr, d) for s, o, fr, d in
                   zip(digits[sel].tolist(), op[sel].tolist(), rng.random(len(sel)).tolist(),
                       rng.integers(0, 10, len(sel)).tolist(), strict=True)]
    fmt_cn = np.select([ch == STORE, ch == PHONE],
                       [_choice(rng, len(rows), [0.80, 0.10, 0.10, 0, 0, 0, 0, 0]),
                        _choice(rng, len(rows), [0.90, 0, 0, 0.10, 0, 0, 0, 0])],
                       _choice(rng, len(rows), [0.30, 0.15, 0.05, 0.15, 0.10, 0.10, 0.05, 0.10]))
    fmt_us = _choice(rng, len(rows), [0.25, 0.2, 0.2, 0.15, 0.1, 0.1])
    phone_out = []
    for s, is_us, fc, fu in zip(digits.tolist(), us[rows].tolist(), fmt_cn.tolist(), fmt_us.tolist(), strict=True):
        if is_us:
            a, b, c = s[:3], s[3:6], s[6:]
            phone_out.append((f"+1 {a}-{b}-{c}", f"({a}) {b}-{c}", f"{a}-{b}-{c}", f"+1{s}", s,
                              f"1-{a}-{b}-{c}")[fu])
        else:
            a, b, c = s[:3], s[3:7], s[7:]
            phone_out.append((s, f"{a}-{b}-{c}", f"{a} {b} {c}", f"+86{s}", f"+86 {a}-{b}-{c}",
                              f"+86 {s}", f"0086 {a} {b} {c}", s.translate(FULLWIDTH))[fc])
    phone = np.full(n, None, dtype=object)
    phone[rows] = phone_out

    # ---- Email.
    second = e["emails"][ent, 1] != None  # noqa: E711
    slot = np.where(second & (rng.random(n) < np.where(web, 0.35, 0.2)), 1, 0)
    raw = e["emails"][ent, slot]
    rows = np.flatnonzero(captured("email") & (raw != None))  # noqa: E711
    em = raw[rows].copy()
    ch = channel[rows]
    u = rng.random(len(rows))
    typo = u < np.select([ch == STORE, ch == PHONE], [0.05, 0.10], 0.01)
    dom_typo = typo & (rng.random(len(rows)) < 0.4)
    sel = np.flatnonzero(dom_typo)
    em[sel] = [x.split("@")[0] + "@" + DOMAIN_TYPOS.get(x.split("@")[1], x.split("@")[1] + ".cn")
               for x in em[sel].tolist()]
    sel = np.flatnonzero(typo & ~dom_typo)
    em[sel] = [_latin_typo(x.split("@")[0], op, fr, le) + "@" + x.split("@")[1] for x, op, fr, le in
               zip(em[sel].tolist(), rng.integers(0, 4, len(sel)).tolist(), rng.random(len(sel)).tolist(),
                   LETTERS[rng.integers(0, 26, len(sel))].tolist(), strict=True)]
    sel = np.flatnonzero((ch == WEB) & (rng.random(len(rows)) < 0.03))
    em[sel] = [x[0].upper() + x[1:] for x in em[sel].tolist()]
    sel = np.flatnonzero((ch == WEB) & (rng.random(len(rows)) < 0.01))
    em[sel] = [x + " " for x in em[sel].tolist()]
    email = np.full(n, None, dtype=object)
    email[rows] = em

    # ---- Birth date.
    rows = np.flatnonzero(captured("birth_date"))
    y, mo, d = e["y"][ent[rows]].copy(), e["m"][ent[rows]].copy(), e["d"][ent[rows]].copy()
    swap = (d <= 12) & (d != mo) & (rng.random(len(rows)) < 0.02)
    mo, d = np.where(swap, d, mo), np.where(swap, mo, d)
    year_typo = rng.random(len(rows)) < 0.005
    y = np.where(year_typo, y - y % 10 + (y % 10 + rng.choice([1, 9], len(rows))) % 10, y)
    ch = channel[rows]
    lat = latin[rows]
    fmt = np.select(
        [ch == STORE, ch == PHONE, lat],
        [_choice(rng, len(rows), [0.60, 0.20, 0, 0, 0, 0.05, 0.15, 0]),
         _choice(rng, len(rows), [0.95, 0, 0, 0, 0, 0.05, 0, 0]),
         _choice(rng, len(rows), [0.30, 0, 0, 0.10, 0.50, 0, 0, 0.10])],
        _choice(rng, len(rows), [0.45, 0.15, 0.10, 0.08, 0.07, 0.10, 0.05, 0]))
    month_names = ["January", "February", "March", "April", "May", "June", "July", "August",
                   "September", "October", "November", "December"]
    birth = np.full(n, None, dtype=object)
    birth[rows] = [(f"{a:04d}-{b:02d}-{c:02d}", f"{a}/{b}/{c}", f"{a}/{b:02d}/{c:02d}",
                    f"{c:02d}/{b:02d}/{a}", f"{b:02d}/{c:02d}/{a}", f"{a:04d}{b:02d}{c:02d}",
                    f"{a}年{b}月{c}日", f"{month_names[b - 1]} {c}, {a}")[k]
                   for a, b, c, k in zip(y.tolist(), mo.tolist(), d.tolist(), fmt.tolist(), strict=True)]

    # ---- City, address, postcode.
    addr = e["addr"]
    slot = np.where(e["moved"][ent] & (rng.random(n) < 0.4), 1, 0)
    city_idx = addr["city"][ent, slot]
    rows = np.flatnonzero(captured("city"))
    style = np.where(web[rows] & (rng.random(len(rows)) < 0.05), 2, (rng.random(len(rows)) < 0.5).astype(int))
    names_c = v["city"][city_idx[rows]]
    city = np.full(n, None, dtype=object)
    city[rows] = np.select([style == 0, style == 1], [names_c, names_c + "市"], v["city_py"][city_idx[rows]])

    rows = np.flatnonzero(captured("address"))
    r_ent, r_slot = ent[rows], slot[rows]
    a_city = city_idx[rows]
    dist = v["district"][a_city, addr["district"][r_ent, r_slot]]
    street = v["street"][addr["street"][r_ent, r_slot]] + v["street_suffix"][addr["suffix"][r_ent, r_slot]]
    est = v["estate"][addr["estate"][r_ent, r_slot]]
    ch = channel[rows]
    fmt = np.where(ch == STORE, _choice(rng, len(rows), [0.45, 0.25, 0.10, 0.08, 0.07, 0.05]),
                   _choice(rng, len(rows), [0.55, 0.05, 0.15, 0.10, 0.10, 0.05]))
    address = np.full(n, None, dtype=object)
    address[rows] = [
        (f"{di}区{st}{no}号{es}{b}栋{un}单元{ro}室",
         f"{ci}市{di}区{st}{no}号{es}{b}栋{un}单元{ro}室",
         f"{st}{no}号{es}{b}栋{un}单元{ro}室",
         f"{st}{no}号{b}-{un}-{ro}",
         f"{di}区{st}{no}号{es}{b}号楼{un}单元{ro}",
         f"{es}{b}栋{un}单元{ro}" if es else f"{st}{no}号{b}-{un}-{ro}")[k]
        for di, st, no, es, b, un, ro, ci, k in zip(
            dist.tolist(), street.tolist(), addr["number"][r_ent, r_slot].tolist(), est.tolist(),
            addr["building"][r_ent, r_slot].tolist(), addr["unit"][r_ent, r_slot].tolist(),
            addr["room"][r_ent, r_slot].tolist(), v["city"][a_city].tolist(), fmt.tolist(), strict=True)]
    p_post = np.array(CAPTURE["postcode"])[ch]
    rows_p = rows[rng.random(len(rows)) < p_post]
    pc = v["postcode"][city_idx[rows_p], addr["district"][ent[rows_p], slot[rows_p]]].copy()
    sel = np.flatnonzero(rng.random(len(rows_p)) < 0.01)
    pc[sel] = [s[:5] + str((int(s[5]) + 1) % 10) for s in pc[sel].tolist()]
    postcode = np.full(n, None, dtype=object)
    postcode[rows_p] = pc

    # ---- Resident ID number.
    raw = e["id_number"][ent]
    rows = np.flatnonzero(captured("id_number") & (raw != None))  # noqa: E711
    ids_out = raw[rows].copy()
    sel = np.flatnonzero(web[rows] & (rng.random(len(rows)) < 0.3))
    ids_out[sel] = [s.lower() for s in ids_out[sel].tolist()]
    id_number = np.full(n, None, dtype=object)
    id_number[rows] = ids_out

    width = max(7, len(str(n)))
    df = pl.DataFrame({
        "id": [f"r{i:0{width}d}" for i in range(1, n + 1)],
        "entity_id": pl.Series(ent, dtype=pl.Int64),
        "channel": pl.Series(CHANNELS[channel].tolist(), dtype=pl.Utf8),
        **{col: pl.Series(arr.tolist(), dtype=pl.Utf8) for col, arr in [
            ("name", name), ("given_name", given_col), ("surname", sur_col), ("phone", phone),
            ("email", email), ("birth_date", birth), ("city", city), ("address", address),
            ("postcode", postcode), ("id_number", id_number)]},
    })
    return df, kind


def generate(n_records: int, seed: int = 0) -> pl.DataFrame:
    """``n_records`` synthetic customer records with the truth in ``entity_id`` (see the module doc).

    Columns: id ("r0000001"…, unique, shuffled), entity_id (Int64, the person), channel ("store",
    "phone", "web"), name, given_name, surname, phone, email, birth_date, city, address, postcode,
    id_number — all Utf8, null where the channel did not capture the field. Entities have 1–5
    records (P = 0.55, 0.22, 0.12, 0.07, 0.04); the last entity is truncated to hit n_records.
    The same seed gives the same frame.
    """
    return _generate(n_records, seed)[0]


def describe(df: pl.DataFrame, kind=None) -> dict:
    """Summary numbers: channel shares, pinyin-named web records, the most shared hanzi full names."""
    out = {"records": df.height, "entities": df["entity_id"].n_unique()}
    out["channel_share"] = {r["channel"]: r["len"] / df.height for r in
                            df.group_by("channel").len().sort("channel").iter_rows(named=True)}
    if kind is not None:
        web = (df["channel"] == "web").to_numpy()
        out["web_pinyin_share"] = float((kind[web] == "pinyin").mean())
        out["name_kind_share"] = {k: float((kind == k).mean()) for k in sorted(set(kind.tolist()))}
        hz = np.isin(kind, ["hanzi"]) & (df["channel"] == "store").to_numpy()
        shared = (df.filter(pl.Series(hz)).group_by("name").agg(pl.col("entity_id").n_unique().alias("entities"))
                  .sort("entities", descending=True))
        out["same_hanzi_name_top5"] = [(r["name"], r["entities"]) for r in shared.head(5).iter_rows(named=True)]
        out["hanzi_names_shared_by_2plus_entities"] = int((shared["entities"] >= 2).sum())
        out["entities_in_shared_hanzi_names"] = int(shared.filter(pl.col("entities") >= 2)["entities"].sum())
    return out


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("n", type=int, help="number of records")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", help="write the frame to FILE.csv (UTF-8) or FILE.parquet")
    parser.add_argument("--stats", action="store_true", help="print channel shares and name collisions")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    df, kind = _generate(args.n, args.seed)
    elapsed = time.perf_counter() - started
    print(f"generated {df.height:,} records of {df['entity_id'].n_unique():,} entities "
          f"in {elapsed:.1f} s ({df.height / elapsed:,.0f} records/s)")
    if args.stats:
        for key, value in describe(df, kind).items():
            print(f"  {key}: {value}")
    if args.out:
        started = time.perf_counter()
        path = Path(args.out)
        if path.suffix == ".parquet":
            df.write_parquet(path)
        elif path.suffix == ".csv":
            df.write_csv(path)
        else:
            sys.exit("--out must end in .csv or .parquet")
        print(f"wrote {path} in {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()
