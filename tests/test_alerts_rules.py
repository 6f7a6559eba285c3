"""Sectors and watch rules: what matches, why, and config errors that name the rule and key."""

import json

import pytest

from alerts import rules
from alerts.config import settings
from alerts.delivery import check_channels
from alerts.render import render_events
from alerts.sectors import default_taxonomy
from scraper import config
from scraper.config import ConfigError

TAX = default_taxonomy()

XFUSION = {
    "id": 1, "kind": "stage", "stage": "tutoring", "old_stage": None, "source": "csrcfd",
    "company": "超聚变数字技术股份有限公司", "broker": "中信证券股份有限公司", "regulator": "河南证监局",
    "event_date": "2026-01-05", "url": "http://x/a.pdf", "title": "关于超聚变…辅导备案报告",
    "report_type": "filing_report",
}  # fmt: skip


def event(**kw):
    return {**XFUSION, **kw}


def fire(rule, ev):
    return rules.match(rule, ev, TAX.classify(ev["company"]))


@pytest.mark.parametrize(
    "name, sector, by, match",
    [
        ("南京微光半导体股份有限公司", "chips", "keyword", "半导体"),
        ("北京星河智算科技股份有限公司", "ai_server", "keyword", "智算"),
        ("杭州GPU计算科技有限公司", "chips", "keyword", "GPU"),
        ("超聚变数字技术股份有限公司", "ai_server", "company", "超聚变"),
        ("摩尔线程智能科技(北京)股份有限公司", "chips", "company", "摩尔线程"),  # half-width brackets
        ("长江存储科技有限责任公司", "chips", "company", "长江存储"),
    ],
)  # fmt: skip
def test_sector_by_keyword_and_by_company_list(name, sector, by, match):
    result = TAX.classify(name)
    assert sector in result.sectors
    assert {"sector": sector, "by": by, "match": match} in [
        {k: r[k] for k in ("sector", "by", "match")} for r in result.reasons
    ]


@pytest.mark.parametrize(
    "name",
    [
        "上海冷链存储物流股份有限公司",  # 存储 inside an excluded phrase
        "上海光电科技股份有限公司",  # contains 海光 but is not Hygon
        "青海光伏发电股份有限公司",
        "Medallion Foods",  # EDA only as a whole word
        "Golden Potato Chips Co",
    ],
)
def test_false_positives_are_excluded(name):
    assert TAX.classify(name).sectors == []


def test_english_name_and_industry_code():
    assert TAX.classify("某某技术有限公司", "Biren Technology").known.name_en == "Biren Technology"
    result = TAX.classify("某某电子股份有限公司", industry="C3973")
    assert result.sectors == ["ai_server", "chips"]
    assert result.reasons[0] == {"sector": "ai_server", "by": "industry", "match": "C39"}
    assert TAX.classify("某某软件股份有限公司", industry="I65").sectors == []


def test_rule_fires_by_sector_company_and_broker():
    by_sector = rules.Rule("r", ("c",), sectors=("ai_server",))
    assert fire(by_sector, XFUSION) == [{"by": "sector", "match": "ai_server"}]
    assert fire(by_sector, event(company="苏州精工新材料股份有限公司")) is None

    by_alias = rules.Rule("r", ("c",), companies=("xFusion",))  # English alias of a Chinese name
    assert fire(by_alias, XFUSION) == [{"by": "company", "match": "xFusion"}]

    by_broker = rules.Rule("r", ("c",), brokers=("中信证券",))
    assert fire(by_broker, event(company="苏州精工新材料股份有限公司")) == [
        {"by": "broker", "match": "中信证券"}
    ]
    assert fire(by_broker, event(broker="中信建投证券股份有限公司")) is None


def test_every_given_key_must_match_and_events_filter():
    rule = rules.Rule(
        "r", ("c",), sectors=("chips", "ai_server"), regulators=("河南",), sources=("csrcfd",)
    )
    assert fire(rule, XFUSION) is not None
    assert fire(rule, event(regulator="北京证监局")) is None
    assert fire(rule, event(source="sse")) is None
    done_only = rules.Rule("r", ("c",), events=rules.resolve_events(["tutoring_done"])[0])
    assert fire(done_only, XFUSION) is None
    assert fire(done_only, event(stage="tutoring_done", old_stage="tutoring")) is not None
    # plain documents (progress reports) only when asked for
    doc = event(kind="filing", report_type="progress_report")
    assert fire(rules.Rule("r", ("c",)), doc) is None
    assert fire(rules.Rule("r", ("c",), events=frozenset({"filing"})), doc) is not None


def test_new_filing_with_its_stage_change_is_one_alert():
    rule = rules.Rule("r", ("c",), events=frozenset({"filing", "tutoring"}))
    batch = [event(id=1, kind="filing"), event(id=2, kind="stage")]
    classes = {XFUSION["company"]: TAX.classify(XFUSION["company"])}
    assert [e["id"] for e, _ in rules.select(rule, batch, classes)] == [2]


def test_messages_in_chinese_and_english():
    item = {**XFUSION, "company_en": "xFusion", "rule": "ai", "why": ["ai_server: known company xFusion"],
            "sectors": [{"name": "ai_server", "zh": "AI服务器/算力", "en": "AI servers & computing"}]}  # fmt: skip
    title, body = render_events([item], "zh")
    assert title == "超聚变数字技术股份有限公司 (xFusion) — 辅导备案"
    assert (
        "券商：中信证券\n监管/交易所：河南证监局" in body and "板块" not in body
    )  # empty lines dropped
    title, body = render_events([item], "en")
    assert title == "超聚变数字技术股份有限公司 (xFusion) — tutoring filed"
    assert "Broker: 中信证券" in body and "AI servers & computing" in body
    title, body = render_events([item, {**item, "company": "乙"}], "both")
    assert "2 条新动态" in title and "2 new events" in title and body.count("超聚变") >= 4


BASE = """
[[channels]]
name = "mail"
url = "mailto://user:pass@smtp.example.com?to=me@example.com"
[[channels]]
name = "hook"
url = "json://127.0.0.1:9/hook"
"""


def parse(text):
    return config.parse(text, "cfg.toml")


@pytest.mark.parametrize(
    "watch, key, line, expected",
    [
        ('[[watch]]\nname = "ai"\nsectors = ["chip"]\nchannels = ["mail"]\n', "watch[0].sectors", 10,
         "rule 'ai': unknown sector 'chip'; known: ai, ai_server, chips"),
        ('[[watch]]\nsectors = ["chips"]\nchannels = ["sms"]\n', "watch[0].channels", 10, "unknown channel 'sms'"),
        ('[[watch]]\nsectors = ["chips"]\n', "watch[0].channels", 8, "expected the channels"),
        ('[[watch]]\nchannels = ["mail"]\n[[watch]]\nname = "b"\nevents = ["listing"]\nchannels = ["mail"]\n',
         "watch[1].events", 12, "rule 'b': unknown event 'listing'"),
        ('[[watch]]\nchannels = ["mail"]\ndigest = "soon"\n', "watch[0].digest", 10, "duration"),
        ('[[watch]]\nchannels = ["mail"]\nbrokers = "中信证券"\ncolour = 1\n', "watch[0].colour", 11, "unknown key"),
        ('[alerts]\nops_channels = ["pager"]\n', "alerts.ops_channels", 9, "unknown channel 'pager'"),
        ('[sectors.chips]\nkeywords = "芯"\nexclude = [1]\n', "sectors.chips.exclude", 10, "list of non-empty strings"),
    ],
)  # fmt: skip
def test_config_errors_name_rule_key_and_line(watch, key, line, expected):
    with pytest.raises(ConfigError) as info:
        parse(BASE + watch)
    assert info.value.key == key and expected in str(info.value)
    assert info.value.line == line, str(info.value)


def test_invalid_apprise_url_names_its_key_at_startup():
    cfg = parse(
        BASE.replace("json://127.0.0.1:9/hook", "tgram://") + '[[watch]]\nchannels = ["hook"]\n'
    )
    with pytest.raises(ConfigError) as info:
        check_channels(cfg)
    assert info.value.key == "channels[1].url" and info.value.line == 7
    assert "channel 'hook'" in str(info.value)


def test_rules_and_sector_extensions_are_parsed():
    cfg = parse(BASE + """
[sectors.chips]
keywords = ["光子"]
companies = ["某某光子科技", {name = "甲乙丙科技", name_en = "ABC Tech", aliases = ["ABC"]}]
[sectors.robots]
label_zh = "机器人"
keywords = ["机器人"]
[[watch]]
name = "hw"
sectors = ["chips", "robots"]
companies = ["沐曦"]
brokers = ["中信证券"]
events = ["tutoring_filed", "committee"]
channels = ["mail", "hook"]
digest = "30m"
max_per_message = 5
""")  # fmt: skip
    s = settings(cfg)
    (rule,) = s.rules
    assert rule.digest == 1800 and rule.max_per_message == 5 and "committee_passed" in rule.events
    assert s.taxonomy.classify("上海光子芯技术公司").sectors == ["chips"]
    assert s.taxonomy.classify("深圳ABC有限公司").known.name_en == "ABC Tech"
    assert s.taxonomy.classify("深圳服务机器人股份有限公司").sectors == [
        "robots"
    ]  # 服务机器人 is not 服务器


def test_match_command_explains(cli):
    out = cli("match", "超聚变数字技术股份有限公司", "--json", check=True).stdout
    data = json.loads(out)
    assert data["name"] == "超聚变数字技术股份有限公司" and data["sectors"] == ["ai_server"]
    assert data["reasons"][0]["by"] == "company" and data["reasons"][0]["match"] == "超聚变"
    text = cli("match", "上海冷链存储物流股份有限公司", check=True).stdout
    assert "no sector matched" in text and "冷链存储" in text
