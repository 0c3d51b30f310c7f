"""Terms: the same cut for articles and queries (no database)."""

import subprocess
import sys

import pytest

from kehu.knowledge import tokens
from kehu.knowledge.tokens import query_terms, stem, terms


def test_chinese_is_cut_into_words_and_the_parts_of_long_words():
    assert terms("退款政策") == ["退款", "政策"]
    assert set(terms("门店营业时间")) == {"门店", "营业", "时间", "营业时间"}


def test_traditional_chinese_is_folded_to_simplified():
    assert terms("配送時間") == terms("配送时间") == ["配送", "时间"]
    assert terms("發票與帳單") == terms("发票与账单") == ["发票", "账单"]
    assert terms("印表機") == terms("打印机")  # Taiwan's word for the mainland's


def test_english_words_are_case_folded_and_stemmed():
    assert terms("Refund POLICY") == ["refund", "policy"]
    assert terms("refunds refunded refunding") == ["refund", "refund", "refund"]
    assert terms("Policies, deliveries") == ["policy", "delivery"]
    assert terms("shipping shipped ships") == ["ship", "ship", "ship"]
    assert terms("invoice invoices") == ["invoic", "invoic"]


@pytest.mark.parametrize("word, expected", [
    ("status", "status"), ("address", "address"), ("addresses", "address"), ("bills", "bill"),
    ("billing", "bill"), ("opening", "open"), ("hours", "hour"), ("fee", "fee"), ("is", "is"),
])
def test_stem(word, expected):
    assert stem(word) == expected


def test_function_words_and_punctuation_are_dropped():
    assert terms("How do I get a refund?") == ["get", "refund"]
    assert terms("我想退款，但是订单已经发货了") == ["退款", "订单", "已经", "发货"]


def test_full_width_letters_and_mixed_text():
    assert terms("ＶＩＰ会员积分") == ["vip", "会员", "积分"]


def test_query_terms_are_distinct_in_order_and_limited():
    assert query_terms("退款 refund 退款 Refunds") == ["退款", "refund"]
    assert query_terms(" ".join(f"word{i}" for i in range(300)), limit=5) == [
        "word0", "word1", "word2", "word3", "word4"]


def test_jieba_is_loaded_once_per_process():
    terms("初始化")
    first = tokens._jieba()
    terms("再一次")
    assert tokens._jieba() is first


def test_a_fresh_process_segments_without_a_word_on_stderr():
    """jieba logs "Building prefix dict … Loading model cost …" to stderr unless silenced."""
    code = "from kehu.knowledge.tokens import terms; print(' '.join(terms('退款政策')))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                          check=True)
    assert done.stdout.strip() == "退款 政策"
    assert done.stderr == ""
