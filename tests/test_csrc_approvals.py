"""CSRC searchList: channel id lookups, approval titles, document numbers, the one date rule."""

import json
import sqlite3

import pytest

from scraper import FIXTURES_DIR
from scraper.parsers import csrc_approvals as parser
from scraper.parsers.common import BadPayload, ChallengePage, ZeroRows

FIX = FIXTURES_DIR / "csrc_approvals"
APPROVALS = "5d6b1a7cf1e84a0c9d7e2b3c4a5f6e90"


def test_channel_id_from_get_local_list_matches_the_code_not_a_parent():
    body = (FIX / "getLocalList_c105906.json").read_bytes()
    assert parser.channel_id_from_local_list(body, "c105906") == APPROVALS
    with pytest.raises(BadPayload):
        parser.channel_id_from_local_list(body, "c999999")
    with pytest.raises(BadPayload):
        parser.channel_id_from_local_list(b'{"results": {}}', "c105906")


def test_channel_id_from_the_channel_pages_meta():
    assert parser.channel_id_from_page((FIX / "channel_c105906.shtml").read_bytes()) == APPROVALS
    reversed_attrs = '<html><head><meta content="abc123" name="channelid"></head></html>'
    assert parser.channel_id_from_page(reversed_attrs) == "abc123"
    with pytest.raises(BadPayload):
        parser.channel_id_from_page("<html><head></head><body>x</body></html>")


@pytest.mark.parametrize(
    "title, report_type, company",
    [
        ("关于同意宇树科技股份有限公司首次公开发行股票注册的批复", "ipo_registration_approval",
         "宇树科技股份有限公司"),
        ("关于同意摩尔线程智能科技（北京）股份有限公司首次公开发行股票并在科创板上市注册的批复",
         "ipo_registration_approval", "摩尔线程智能科技（北京）股份有限公司"),
        ("关于同意北京云启智联科技股份有限公司向不特定合格投资者公开发行股票注册的批复",
         "ipo_registration_approval", "北京云启智联科技股份有限公司"),
        ("关于上海壁仞科技股份有限公司境外发行上市备案通知书", "overseas_filing_notice",
         "上海壁仞科技股份有限公司"),
        ("关于某某控股有限公司境外发行上市及境内未上市股份“全流通”备案通知书",
         "overseas_filing_notice", "某某控股有限公司"),
        ("关于同意杭州远帆电子股份有限公司向特定对象发行股票注册的批复", "other_approval",
         "杭州远帆电子股份有限公司"),
        ("证监会发布《上市公司监管指引》", "other", None),
    ],
)  # fmt: skip
def test_titles(title, report_type, company):
    assert parser.classify(title) == (report_type, company)


@pytest.mark.parametrize(
    "text, number",
    [
        ("证监许可〔2026〕1612号", "证监许可〔2026〕1612号"),
        ("证监许可［2025］2188号 深圳…", "证监许可〔2025〕2188号"),
        ("证监许可[2025]99号", "证监许可〔2025〕99号"),
        ("证监许可（2024）5号", "证监许可〔2024〕5号"),
        ("国合函〔2025〕1188号", "国合函〔2025〕1188号"),
        ("没有文号", None),
    ],
)
def test_document_numbers(text, number):
    assert parser.doc_number(text) == number


@pytest.mark.parametrize(
    "item, date, flags",
    [
        # 00:30 in Beijing is 16:30 UTC the day before: the Beijing date wins
        ({"publishedTime": 1758126600000, "publishedTimeStr": "2025-09-18 00:30:00"}, "2025-09-18", []),
        # 23:59:59 Beijing = 15:59:59 UTC the same day
        ({"publishedTime": 1757692799000, "publishedTimeStr": "2025-09-12 23:59:59"}, "2025-09-12", []),
        # exactly midnight Beijing = 16:00 UTC the day before
        ({"publishedTime": 1761494400000}, "2025-10-27", []),
        # no epoch: the local string is the fallback
        ({"publishedTimeStr": "2025-09-18 00:30:00"}, "2025-09-18", []),
        # a string written as UTC by mistake is flagged, the epoch still wins
        ({"publishedTime": 1758126600000, "publishedTimeStr": "2025-09-17 16:30:00"}, "2025-09-18",
         ["date_mismatch"]),
    ],
)  # fmt: skip
def test_one_date_rule(item, date, flags):
    assert parser.published_date(item) == (date, flags)


def test_search_list_page():
    page = parser.parse_search_list((FIX / f"searchList_{APPROVALS}_1.json").read_bytes(),
                                    "http://x/searchList", base_url="http://www.csrc.gov.cn")  # fmt: skip
    assert (page.total, page.rows, page.page_count) == (4, 2, 2)
    ipo, other = page.filings
    assert ipo.report_type == "ipo_registration_approval" and ipo.company_stage == "registered"
    assert ipo.company == "上海澜芯智算科技股份有限公司"
    assert ipo.status_raw == "证监许可〔2025〕2101号" and ipo.raw["doc_number"] == ipo.status_raw
    assert ipo.event_date == "2025-09-18"
    assert ipo.url == "http://www.csrc.gov.cn/csrc/c105906/c7610001/content.shtml"
    assert ipo.native_id == "7610001"
    # 文号 "null" in the metadata: the number comes from the content; kept as other_approval
    assert other.report_type == "other_approval" and other.company_stage is None
    assert other.status_raw == "证监许可〔2025〕2050号"
    assert other.pdf_url == "http://www.csrc.gov.cn/csrc/c105906/c7608877/7608877/files/批复.pdf"
    page2 = parser.parse_search_list((FIX / f"searchList_{APPROVALS}_2.json").read_bytes(), "u")
    assert [f.status_raw for f in page2.filings] == [
        "证监许可〔2025〕2188号",
        "证监许可〔2025〕2170号",
    ]
    assert page2.filings[1].board == "bse"


def test_overseas_filing_notice():
    page = parser.parse_search_list(
        (FIX / "searchList_8f3f0d4be56b4f8aa8183b3234b88ede_1.json").read_bytes(), "u"
    )
    (notice,) = page.filings
    assert notice.report_type == "overseas_filing_notice" and notice.company_stage is None
    assert notice.status_raw == "国合函〔2025〕1188号" and notice.event_date == "2025-07-01"


def test_bad_pages():
    with pytest.raises(ZeroRows):
        parser.parse_search_list(b'{"data": {"total": 0, "rows": 20, "results": []}}', "u")
    with pytest.raises(BadPayload):
        parser.parse_search_list(b'{"data": null}', "u")
    with pytest.raises(ChallengePage):
        parser.parse_search_list(b'{"msg": "Auth Failed"}', "u")
    with pytest.raises(ChallengePage):
        parser.parse_search_list("<html>访问验证 acw_tc</html>".encode(), "u")


def test_shared_reconstructed_sample(shared_sources):
    body = (shared_sources / "csrc/csrc_searchList_response-reconstructed.json").read_bytes()
    page = parser.parse_search_list(body, "u", base_url="https://www.csrc.gov.cn")
    (item,) = page.filings
    # publishedTime 1790548212000 = 2026-09-28 06:30:12 UTC = 14:30:12 Beijing, as the string says
    assert item.event_date == "2026-09-28" and item.flags == []
    assert item.report_type == "other"
    assert item.url == "https://www.csrc.gov.cn/xiamen/c101757/c7661505/content.shtml"
    assert (
        json.loads(body)["data"]["results"][0]["domainMetaList"][0]["resultList"][0]["value"]
        == "null"
    )


# ---------------------------------------------------------------- the spider on the replay


def q(cfg, sql):
    with sqlite3.connect(cfg.parent / "filingwatch.db") as conn:
        return conn.execute(sql).fetchall()


@pytest.mark.slow
def test_crawl_looks_up_channel_ids_and_pages(replay, make_config, cli):
    cfg = make_config(replay.base_url, sources=("csrc_approvals",))
    run = cli("crawl", "csrc_approvals", "--config", str(cfg))
    assert run.returncode == 0, run.stdout + run.stderr[-2000:]
    assert "health=ok pages=3 requests=5 rows=5 new=5" in run.stdout
    paths = sorted((e["path"], e["query"].get("page", [""])[0])
                   for e in replay.requests("csrc_approvals"))  # fmt: skip
    assert paths == [("/getLocalList", ""), ("/getLocalList", ""),
                     (f"/searchList/{APPROVALS}", "1"), (f"/searchList/{APPROVALS}", "2"),
                     ("/searchList/8f3f0d4be56b4f8aa8183b3234b88ede", "1")]  # fmt: skip
    assert q(cfg, "SELECT company, status_raw, event_date FROM filings WHERE status = 'registered'"
                  " ORDER BY event_date") == [
        ("上海澜芯智算科技股份有限公司", "证监许可〔2025〕2101号", "2025-09-18"),
        ("北京云启智联科技股份有限公司", "证监许可〔2025〕2170号", "2025-09-25"),
        ("深圳芯衡半导体股份有限公司", "证监许可〔2025〕2188号", "2025-09-26"),
    ]  # fmt: skip
    assert q(cfg, "SELECT count(*) FROM events WHERE kind = 'stage' AND stage = 'registered'") == [
        (3,)
    ]


@pytest.mark.slow
def test_channel_id_from_the_page_when_get_local_list_fails(replay, make_config, cli):
    cfg = make_config(replay.base_url, sources=("csrc_approvals",),
                      source_extra='channels = "c105906"')  # fmt: skip
    replay.add_fault("status", site="csrc_approvals", path="^/getLocalList", status=500)
    run = cli("crawl", "csrc_approvals", "--config", str(cfg), "-s", "RETRY_TIMES=0")
    assert run.returncode == 0, run.stdout + run.stderr[-2000:]
    paths = [e["path"] for e in replay.requests("csrc_approvals")]
    assert paths[:2] == ["/getLocalList", "/csrc/c105906/zfxxgk_zdgk.shtml"]
    assert f"/searchList/{APPROVALS}" in paths


@pytest.mark.slow
def test_a_notice_naming_no_company_is_a_warning_not_a_row(replay, make_config, cli):
    cfg = make_config(replay.base_url, sources=("csrc_approvals",),
                      source_extra='channels = "c101935"')  # fmt: skip
    replay.site("csrc_approvals").control("publish", {
        "channel_id": "8f3f0d4be56b4f8aa8183b3234b88ede",
        "results": [{"manuscriptId": "7700001", "title": "境外发行上市备案情况表（2025年9月）",
                     "url": "//www.csrc.gov.cn/csrc/c101935/c7700001/content.shtml",
                     "publishedTime": 1758852000000}]})  # fmt: skip
    run = cli("crawl", "csrc_approvals", "--config", str(cfg))
    assert run.returncode == 0 and "health=ok" in run.stdout and "warnings=1" in run.stdout
    assert q(cfg, "SELECT count(*) FROM filings") == [(1,)]
