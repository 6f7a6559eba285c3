"""cninfo hisAnnouncement/query: title classes, <em> stripping, Beijing dates, PDFs, paging."""

import json
import sqlite3

import pytest

from scraper import FIXTURES_DIR
from scraper.parsers import cninfo
from scraper.parsers.common import BadPayload, ChallengePage, ZeroRows

FIX = FIXTURES_DIR / "cninfo"


@pytest.mark.parametrize(
    "title, cls",
    [
        ("上海澜芯智算科技股份有限公司首次公开发行股票并在科创板上市招股说明书", "prospectus"),
        ("XX股份有限公司首次公开发行股票并在科创板上市招股意向书", "prospectus"),
        ("XX股份有限公司首次公开发行股票并在创业板上市招股说明书（申报稿）", "prospectus"),
        ("XX股份有限公司首次公开发行股票并在科创板上市招股说明书提示性公告", "prospectus_summary"),
        ("XX股份有限公司首次公开发行股票招股意向书摘要", "prospectus_summary"),
        ("XX股份有限公司首次公开发行股票并在科创板上市发行公告", "issuance_notice"),
        ("XX股份有限公司首次公开发行股票并在科创板上市发行安排及初步询价公告", "issuance_notice"),
        ("XX股份有限公司首次公开发行股票并在科创板上市投资风险特别公告", "issuance_notice"),
        ("XX股份有限公司首次公开发行股票并在科创板上市网上路演公告", "issuance_notice"),
        ("XX股份有限公司首次公开发行股票并在科创板上市发行结果公告", "issuance_result"),
        ("XX股份有限公司首次公开发行股票并在科创板上市网上发行申购情况及中签率公告", "issuance_result"),
        ("XX股份有限公司首次公开发行股票并在科创板上市网下初步配售结果及网上中签结果公告", "issuance_result"),
        ("XX首次公开发行股票科创板上市公告书", "listing_announcement"),
        ("XX：首次公开发行股票并在创业板上市之上市公告书提示性公告", "listing_announcement"),
        ("XX首次公开发行股票科创板上市首日风险提示公告", "first_day_risk_notice"),
        ("XX股份有限公司首次公开发行股票并上市之战略投资者的专项核查报告", "other"),
        ("关于公司董事辞职的公告", "other"),
        ("", "other"),
    ],
)  # fmt: skip
def test_title_classes(title, cls):
    assert cninfo.classify(title) == cls


def test_draft_prospectuses_mark_review_stages():
    assert cninfo.doc_stage("prospectus", "招股说明书（申报稿）") == "accepted"
    assert cninfo.doc_stage("prospectus", "招股说明书（注册稿）") == "submitted_for_registration"
    assert cninfo.doc_stage("prospectus", "招股说明书（上会稿）") is None
    assert cninfo.doc_stage("prospectus", "招股说明书") == "issued"
    assert cninfo.doc_stage("other", "任何") is None


def test_page_one_strips_em_dates_in_beijing_and_builds_pdf_links():
    page = cninfo.parse_query((FIX / "query_szse_1.json").read_bytes(), "http://x/q",
                              pdf_base_url="http://static.cninfo.com.cn/")  # fmt: skip
    assert page.has_more and page.total == 6 and page.raw_count == 3
    first = page.filings[0]
    assert first.title == "澜芯智算首次公开发行股票科创板上市公告书"  # <em> gone
    assert first.report_type == "listing_announcement" and first.status == "listed"
    assert first.company_stage == "listed"
    # 1761494400000 ms = 2025-10-26T16:00Z = midnight 2025-10-27 in Beijing
    assert first.disclosed_date == "2025-10-27" and first.event_date == "2025-10-27"
    assert first.pdf_url == "http://static.cninfo.com.cn/finalpage/2025-10-27/1224990003.PDF"
    assert first.company == "澜芯智算" and first.stock_code == "688999" and first.board == "star"
    assert "announcementId=1224990003" in first.url
    result = page.filings[2]
    assert result.company == "上海澜芯智算科技股份有限公司"  # full name from the title
    assert result.report_type == "issuance_result" and result.company_stage is None


def test_a_title_naming_the_sponsor_first_belongs_to_the_issuer_and_is_kept_as_other():
    page = cninfo.parse_query((FIX / "query_szse_2.json").read_bytes(), "http://x/q")
    other = [f for f in page.filings if f.report_type == "other"]
    assert len(other) == 1 and other[0].company == "上海澜芯智算科技股份有限公司"
    assert not page.has_more


def test_one_second_before_midnight_beijing_stays_on_its_day():
    page = cninfo.parse_query((FIX / "query_pre_disclosure_1.json").read_bytes(), "http://x/q")
    draft = page.filings[0]
    assert draft.disclosed_date == "2025-09-12"  # 1757692799000 = 2025-09-12T15:59:59Z
    assert draft.status == "submitted_for_registration" and draft.stock_code is None
    assert draft.company == "深圳芯衡半导体股份有限公司"


def test_pdf_base_url_is_configurable():
    page = cninfo.parse_query((FIX / "query_szse_1.json").read_bytes(), "http://x/q",
                              pdf_base_url="http://127.0.0.1:1/static/")  # fmt: skip
    assert (
        page.filings[0].pdf_url == "http://127.0.0.1:1/static/finalpage/2025-10-27/1224990003.PDF"
    )


def test_bad_bodies_are_page_errors():
    with pytest.raises(ZeroRows):
        cninfo.parse_query((FIX / "empty.json").read_bytes(), "http://x/q")
    with pytest.raises(BadPayload):
        cninfo.parse_query(b'{"classifiedAnnouncements": null}', "http://x/q")
    with pytest.raises(BadPayload):
        cninfo.parse_query(b'{"announcements": [', "http://x/q")
    with pytest.raises(ChallengePage):
        cninfo.parse_query("<html><title>访问验证</title>acw_sc__v2</html>".encode(), "http://x/q")


def test_real_shared_samples(shared_sources):
    real = json.loads((shared_sources / "cninfo/hisAnnouncement_query_announcements_real.json")
                      .read_text("utf-8"))  # fmt: skip
    page = cninfo.parse_query(json.dumps({"announcements": real["announcements"]}), "http://x")
    dates = [(f.native_id, f.disclosed_date, f.report_type) for f in page.filings]
    # epoch ms at midnight Beijing: the date must match the adjunctUrl folder, not UTC's day
    assert dates == [("1206997843", "2019-10-22", "other"), ("1205488844", "2018-10-10", "other")]
    recon = json.loads((shared_sources / "cninfo/hisAnnouncement_query_response-reconstructed.json")
                       .read_text("utf-8"))["response"]  # fmt: skip
    page = cninfo.parse_query(json.dumps(recon), "http://x")
    first = page.filings[0]
    assert first.report_type == "listing_announcement" and first.stock_code == "688825"
    assert first.disclosed_date == "2026-07-24"
    assert first.pdf_url == "http://static.cninfo.com.cn/finalpage/2026-07-24/1225439534.PDF"
    assert page.filings[1].report_type == "other"  # a placeholder title: kept, not dropped


# ---------------------------------------------------------------- the spider on the replay


def q(cfg, sql):
    with sqlite3.connect(cfg.parent / "filingwatch.db") as conn:
        return conn.execute(sql).fetchall()


@pytest.mark.slow
def test_crawl_pages_on_has_more_then_stops_when_nothing_is_new(replay, make_config, cli):
    cfg = make_config(replay.base_url, sources=("cninfo",))
    run = cli("crawl", "cninfo", "--config", str(cfg))
    assert run.returncode == 0, run.stdout + run.stderr[-2000:]
    assert "health=ok pages=3 requests=3 rows=8 new=8" in run.stdout
    forms = [(e["form"]["column"], e["form"]["pageNum"], e["form"]["category"])
             for e in replay.requests("cninfo")]  # fmt: skip
    assert sorted(forms) == [("pre_disclosure", "1", ""), ("szse", "1", "category_sf_szsh"),
                             ("szse", "2", "category_sf_szsh")]  # fmt: skip
    se_date = replay.requests("cninfo")[0]["form"]["seDate"]
    assert "~" in se_date and replay.requests("cninfo")[0]["form"]["isHLtitle"] == "true"
    assert q(cfg, "SELECT count(*) FROM filings WHERE title LIKE '%<em>%'") == [(0,)]

    replay.clear_log()
    replay.site("cninfo").control("publish", {"column": "szse", "announcements": [{
        "secCode": "688997", "secName": "新芯科技", "orgId": "x", "announcementId": "1225000001",
        "announcementTitle": "新芯科技首次公开发行股票科创板<em>上市公告书</em>",
        "announcementTime": 1764691200000, "adjunctUrl": "finalpage/2025-12-03/1225000001.PDF"}]})  # fmt: skip
    again = cli("crawl", "cninfo", "--config", str(cfg))
    assert again.returncode == 0 and "mode=incremental" in again.stdout and "new=1" in again.stdout
    # page 1 of szse brought the new one, so page 2 is read; page 2 brought nothing: stop
    pages = sorted((e["form"]["column"], e["form"]["pageNum"]) for e in replay.requests("cninfo"))
    assert pages == [("pre_disclosure", "1"), ("szse", "1"), ("szse", "2")]
    assert q(cfg, "SELECT event_date, baseline FROM events WHERE kind = 'filing' AND"
                  " title LIKE '新芯科技%'") == [("2025-12-03", 0)]  # fmt: skip


@pytest.mark.slow
def test_challenge_page_makes_the_run_unhealthy(replay, make_config, cli):
    cfg = make_config(replay.base_url, sources=("cninfo",))
    replay.add_fault("challenge", site="cninfo")
    run = cli("crawl", "cninfo", "--config", str(cfg))
    assert run.returncode == 1 and "health=unhealthy" in run.stdout
    assert "challenge_page" in run.stdout or "challenge" in run.stdout
