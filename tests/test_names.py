"""Name keys, table-tested: width, script, brackets, legal suffixes, regions, English, codes."""

import pytest

from scraper.core.names import (
    code_key,
    core_key,
    en_key,
    en_trade_key,
    keys_for,
    legal_name_in,
    legal_rank,
    name_key,
    trade_key,
)


@pytest.mark.parametrize(
    "a, b",
    [
        ("摩尔线程智能科技（北京）股份有限公司", "摩尔线程智能科技(北京)股份有限公司"),
        ("摩尔线程智能科技 (北京) 股份有限公司", "摩尔线程智能科技(北京)股份有限公司"),
        ("中微半導體設備（上海）股份有限公司", "中微半导体设备(上海)股份有限公司"),
        ("長鑫科技集團股份有限公司", "长鑫科技集团股份有限公司"),
        ("ＢＩＲＥＮ　ＴＥＣＨ", "biren tech"),
        ("某某科技〔深圳〕有限公司", "某某科技(深圳)有限公司"),
    ],
)
def test_same_full_key(a, b):
    assert name_key(a) == name_key(b)


@pytest.mark.parametrize(
    "a, b",
    [
        ("超聚变数字技术有限公司", "超聚变数字技术股份有限公司"),  # 有限公司 -> 股份有限公司
        ("长鑫科技集团股份有限公司", "长鑫科技"),  # 集团 + legal suffix
        ("摩尔线程智能科技(北京)股份有限公司", "摩尔线程智能科技有限责任公司"),  # bracketed region
        ("壁仞科技-B", "壁仞科技"),  # HK share-class marker
        ("小米集团-W", "小米"),
        ("某某科技(集团)股份有限公司", "某某科技有限公司"),
    ],
)
def test_same_core_key(a, b):
    assert name_key(a) != name_key(b)
    assert core_key(a) == core_key(b)


@pytest.mark.parametrize(
    "name, trade",
    [
        ("上海壁仞科技股份有限公司", "壁仞科技"),
        ("壁仞科技", "壁仞科技"),
        ("北京市某某智能有限公司", "某某智能"),
        ("北京银行股份有限公司", "北京银行"),  # too short without the region: kept
        ("上海燧原科技股份有限公司", "燧原科技"),
    ],
)
def test_trade_key_drops_a_leading_region(name, trade):
    assert trade_key(name) == trade


@pytest.mark.parametrize(
    "name, key, trade",
    [
        ("Shanghai Biren Technology Co., Ltd.", "shanghai biren technology", "biren technology"),
        ("BIREN TECH", "biren technology", "biren technology"),
        (
            "Moore Threads Technology Co., Ltd.",
            "moore threads technology",
            "moore threads technology",
        ),
        ("XIAOMI-W", "xiaomi", "xiaomi"),
        (
            "Iluvatar CoreX Semiconductor Co., Limited",
            "iluvatar corex semiconductor",
            "iluvatar corex semiconductor",
        ),
        (
            "ChangXin Memory Technologies, Inc.",
            "changxin memory technology",
            "changxin memory technology",
        ),
    ],
)
def test_english_keys(name, key, trade):
    assert en_key(name) == key
    assert en_trade_key(name) == trade


@pytest.mark.parametrize(
    "code, key",
    [("688795", "688795"), ("688795.SH", "688795"), ("SZ301689", "301689"), ("09903", "hk:09903"),
     ("9903", "hk:09903"), ("6082.HK", "hk:06082"), ("", ""), ("abc", "")],
)  # fmt: skip
def test_code_key(code, key):
    assert code_key(code) == key


def test_legal_rank_prefers_share_company_names():
    assert legal_rank("超聚变数字技术股份有限公司") == 3
    assert legal_rank("超聚变数字技术有限公司") == 2
    assert legal_rank("超聚变") == 1
    assert legal_rank("xFusion Digital Technologies") == 1


def test_keys_for_collects_every_alias_kind():
    k = keys_for("上海壁仞科技股份有限公司", "Shanghai Biren Technology Co., Ltd.", "6082")
    assert dict(k.pairs()) == {
        "full": "上海壁仞科技股份有限公司", "core": "上海壁仞科技", "trade": "壁仞科技",
        "en": "shanghai biren technology", "en_trade": "biren technology", "code": "hk:06082",
    }  # fmt: skip
    english_only = keys_for("BIREN TECH")
    assert english_only.en_trade == "biren technology" and not english_only.cjk


@pytest.mark.parametrize(
    "title, name",
    [
        ("关于同意宇树科技股份有限公司首次公开发行股票注册的批复", "宇树科技股份有限公司"),
        ("关于同意摩尔线程智能科技（北京）股份有限公司首次公开发行股票注册的批复",
         "摩尔线程智能科技(北京)股份有限公司"),
        ("长鑫科技首次公开发行股票科创板上市公告书", None),
    ],
)  # fmt: skip
def test_legal_name_in_title(title, name):
    assert legal_name_in(title) == name
