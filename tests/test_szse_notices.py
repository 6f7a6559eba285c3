"""SZSE listing notices: annList title filter and classes, the notice list and bodies, the spider."""

import json
import sqlite3

import pytest

from scraper import FIXTURES_DIR
from scraper.parsers import szse_notices as parser
from scraper.parsers.common import BadPayload, TableMissing, ZeroRows

FIX = FIXTURES_DIR / "szse_notices"


def test_ann_list_keeps_ipo_titles_with_classes():
    page = parser.parse_ann_list((FIX / "annList_1.json").read_bytes(), "u")
    assert (page.count, page.raw_count) == (5, 3)
    got = [(f.report_type, f.company, f.stock_code, f.disclosed_date) for f in page.filings]
    assert got == [
        ("listing_announcement", "芯衡半导", "301999", "2025-10-23"),
        ("first_day_risk_notice", "芯衡半导", "301999", "2025-10-23"),
    ]  # the quarterly report is not an IPO document
    first = page.filings[0]
    assert first.status == "listed" and first.board == "chinext"
    assert first.company_stage is None  # the exchange's notice states the listing and its date
    assert first.pdf_url == ("https://disc.static.szse.cn/download/disc/disk03/finalpage/"
                             "2025-10-23/6f1d2c3b-0001-4a5b-9c8d-7e6f5a4b3c21.PDF")  # fmt: skip
    assert first.native_id == "ann:6f1d2c3b-0001-4a5b-9c8d-7e6f5a4b3c21"


def test_ann_list_page_two_keeps_other_ipo_documents():
    page = parser.parse_ann_list((FIX / "annList_2.json").read_bytes(), "u")
    assert [f.report_type for f in page.filings] == ["prospectus", "other"]


def test_ann_list_errors():
    with pytest.raises(ZeroRows):
        parser.parse_ann_list(b'{"announceCount": 0, "data": []}', "u")
    with pytest.raises(BadPayload):
        parser.parse_ann_list(b'{"result": 1}', "u")


def test_notice_list_skips_bond_and_rule_notices():
    links = parser.parse_notice_list((FIX / "notice_index.html").read_bytes(),
                                     "https://www.szse.cn/disclosure/notice/company/index.html")  # fmt: skip
    assert [(link.native_id, link.date) for link in links] == [
        ("notice:t20251023_619999", "2025-10-23")
    ]
    assert links[0].url == "https://www.szse.cn/www/disclosure/notice/t20251023_619999.html"
    with pytest.raises(TableMissing):
        parser.parse_notice_list("<html><body></body></html>", "u")


def test_notice_body_gives_listing_date_code_and_short_name():
    links = parser.parse_notice_list((FIX / "notice_index.html").read_bytes(), "https://x/")
    notice = parser.parse_notice((FIX / "t20251023_619999.html").read_bytes(), "u", links[0].title)
    assert notice.company == "深圳芯衡半导体股份有限公司"
    assert (notice.listing_date, notice.stock_code, notice.short_name) == (
        "2025-10-24", "301999", "芯衡半导")  # fmt: skip
    filing = parser.notice_filing(links[0], notice)
    assert (filing.event_date, filing.disclosed_date, filing.board) == (
        "2025-10-24",
        "2025-10-23",
        "chinext",
    )


def test_real_shared_ann_list_sample(shared_sources):
    body = (shared_sources / "szse/annList_response_2020-04_subset.json").read_bytes()
    page = parser.parse_ann_list(body, "u")
    assert page.count == 31 and page.raw_count == 3 and page.filings == []  # annual reports only
    rec = json.loads(body)["data"][2]
    f = parser.ann_filing(rec, "u")  # stored as a document if it were let through
    assert (f.company, f.stock_code, f.disclosed_date, f.report_type) == (
        "大族激光", "002008", "2012-04-18", "other")  # fmt: skip


@pytest.mark.slow
def test_crawl_reads_ann_list_and_the_notice_list(replay, make_config, cli):
    cfg = make_config(replay.base_url, sources=("szse_notices",),
                      source_extra="page_size = 3\nlookback_days = 3650")  # fmt: skip
    run = cli("crawl", "szse_notices", "--config", str(cfg))
    assert run.returncode == 0, run.stdout + run.stderr[-2000:]
    assert "health=ok" in run.stdout and "new=5" in run.stdout
    body = replay.site("szse_notices").bodies[0]
    assert body["channelCode"] == ["listedNotice_disc"] and "searchKey" not in body
    assert len(body["seDate"]) == 2 and body["pageNum"] == 1 and body["pageSize"] == 3
    assert [b["pageNum"] for b in replay.site("szse_notices").bodies] == [1, 2]  # ceil(5 / 3)
    with sqlite3.connect(cfg.parent / "filingwatch.db") as conn:
        assert conn.execute("SELECT count(DISTINCT company_id) FROM filings").fetchone() == (1,)
        assert conn.execute("SELECT name, stock_code, stage, stage_date FROM companies").fetchall() == [
            ("深圳芯衡半导体股份有限公司", "301999", "listed", "2025-10-24")]  # fmt: skip
