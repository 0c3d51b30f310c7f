"""The words of a text, as the knowledge base's search index and queries compare them.

No Django here. One function, ``terms``, is used for articles and for queries alike, so both
sides always agree on what a word is:

1. NFKC (full-width letters and digits become ASCII), case-folded, traditional Chinese folded to
   simplified with OpenCC's ``tw2sp`` (characters and Taiwan's words: 配送時間 → 配送时间,
   印表機 → 打印机, 軟體 → 软件), so a reader in Taipei, Hong Kong or Shanghai finds the same
   article; 帐 is folded to 账 as well (帳單 and 账单 are both common);
2. runs of Chinese characters are cut by jieba in search mode, which also yields the shorter
   words inside long ones (门店营业时间 → 门店, 营业, 时间, 营业时间), so a query finds an
   article whether it names the long word or a part of it;
3. other runs of letters and digits are words, reduced by a small suffix stemmer (refunds,
   refunded → refund; policies → policy);
4. common function words (的, 了, the, how …) are dropped: they would match every article.

jieba loads its dictionary (shipped inside the package) once per process, on first use, under
a lock; its log lines are silenced.
"""

from __future__ import annotations

import logging
import re
import threading
import unicodedata
from functools import cache

_HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_RUNS = re.compile(rf"(?P<han>[{_HAN}]+)|(?P<word>[^\W_{_HAN}]+)")
MAX_TERM = 32  # longer "words" (hashes, glued URLs) are not indexed

STOP_ZH = frozenset(
    "的 了 是 在 和 与 及 或 也 都 就 还 又 而 但 但是 如果 因为 所以 我 你 您 他 她 它 我们 你们 他们 "
    "这 那 这个 那个 这些 那些 一个 吗 呢 吧 啊 呀 哦 么 之 其 被 把 给 对 从 到 于 为 以 将 "
    "有 没有 会 能 可 可以 要 想 请 让 如何 怎么 怎样 什么 哪 哪些 为什么 多少 个 上 下 中 等".split()
)
STOP_EN = frozenset(
    "a an the and or but if of to in on at by for from with about into as is are was were be been "
    "being am do does did doing have has had having i me my we our you your he she it its they them "
    "their this that these those what which who whom how why when where can could would should will "
    "shall may might must not no so than too very just also there here out up down".split()
)

_lock = threading.Lock()
_tokenizer = None
_VARIANTS = str.maketrans({"帐": "账"})


@cache
def _to_simplified():
    import opencc  # imported lazily, like kehu.identity.names (its dictionaries take ~50 ms)

    return opencc.OpenCC("tw2sp")


def _jieba():
    """jieba's tokenizer, initialised once per process (about a second; never downloads)."""
    global _tokenizer
    if _tokenizer is None:
        with _lock:
            if _tokenizer is None:
                import jieba

                # jieba logs "Building prefix dict…" at DEBUG on its own stderr handler.
                jieba.setLogLevel(logging.WARNING)
                tokenizer = jieba.Tokenizer()
                tokenizer.initialize()
                _tokenizer = tokenizer
    return _tokenizer


def fold(text: str) -> str:
    """Half-width, case-folded, simplified Chinese: the form terms are made from."""
    text = unicodedata.normalize("NFKC", text or "").casefold()
    if text.isascii():
        return text
    return _to_simplified().convert(text).translate(_VARIANTS)


_VOWEL = re.compile(r"[aeiouy]")


def stem(word: str) -> str:
    """A light English stemmer: plural and -ed/-ing endings and a final -e, applied to articles
    and queries alike (so it needs to be consistent, not linguistically exact)."""
    if not word.isascii() or not word.isalpha() or len(word) <= 3:
        return word
    if word.endswith("ies") and len(word) > 4:
        word = word[:-3] + "y"
    elif word.endswith(("sses", "shes", "ches", "xes", "zes")):
        word = word[:-2]
    elif word.endswith("s") and not word.endswith(("ss", "us", "is")):
        word = word[:-1]
    for ending in ("ing", "ed"):
        if word.endswith(ending) and len(word) - len(ending) >= 3 and _VOWEL.search(word[: -len(ending)]):
            word = word[: -len(ending)]
            if len(word) > 3 and word[-1] == word[-2] and word[-1] not in "lsz":
                word = word[:-1]  # shipping → ship
            break
    if word.endswith("e") and len(word) > 4:
        word = word[:-1]  # charge, charged, charging → charg
    return word


def terms(text: str) -> list[str]:
    """The words of ``text`` in order, repeated as often as they occur (see the module doc)."""
    out: list[str] = []
    for match in _RUNS.finditer(fold(text)):
        run = match.group("han")
        if run is not None:
            out.extend(w for w in _jieba().cut_for_search(run) if w not in STOP_ZH and len(w) <= MAX_TERM)
            continue
        word = match.group("word")
        if word in STOP_EN or (len(word) == 1 and not word.isdigit()) or len(word) > MAX_TERM:
            continue
        out.append(stem(word))
    return out


def query_terms(text: str, limit: int = 200) -> list[str]:
    """The distinct words of a query (or a case's text), in order of first use, at most ``limit``."""
    return list(dict.fromkeys(terms(text)))[:limit]
