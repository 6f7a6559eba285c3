"""SSE 上市交易公告: list pages, notice bodies (listing date, code, short name), the spider."""

import sqlite3

import pytest

from scraper import FIXTURES_DIR
from scraper.parsers import sse_notices as parser
from scraper.parsers.common import ChallengePage, TableMissing, ZeroRows

FIX = FIXTURES_DIR / "sse_notices"
BASE = "https://www.sse.com.cn/disclosure/announcement/listing/ipo/index.shtml"


def test_list_page_keeps_listing_notices_only():
    page = parser.parse_list((FIX / "index.shtml").read_bytes(), BASE)
    assert page.total_pages == 2
    assert [(link.native_id, link.date) for link in page.links] == [
        ("c_20251027_10999999", "2025-10-27"), ("c_20251020_10999001", "2025-10-20")]  # fmt: skip
    assert page.links[0].url == (
        "https://www.sse.com.cn/disclosure/announcement/listing/ipo/c/c_20251027_10999999.shtml"
    )


def test_older_listing_path_is_recognised():
    page = parser.parse_list((FIX / "index_2.shtml").read_bytes(), BASE)
    assert [link.native_id for link in page.links] == ["c_20250929_10998000"]


def test_notice_body():
    notice = parser.parse_notice((FIX / "c/c_20251027_10999999.shtml").read_bytes(), "u")
    assert notice.company == "上海澜芯智算科技股份有限公司"
    assert notice.listing_date == "2025-10-28"  # the trading day, not the notice date
    assert (notice.stock_code, notice.short_name) == ("688999", "澜芯智算")
    assert notice.notice_no == "上证公告（股票）〔2025〕188号"
    link = parser.parse_list((FIX / "index.shtml").read_bytes(), BASE).links[0]
    filing = parser.to_filing(link, notice)
    assert (filing.event_date, filing.disclosed_date) == ("2025-10-28", "2025-10-27")
    assert filing.company_stage == "listed" and filing.board == "star" and not filing.flags


def test_ascii_quotes_and_main_board():
    notice = parser.parse_notice((FIX / "c/c_20251020_10999001.shtml").read_bytes(), "u")
    assert (notice.stock_code, notice.short_name, notice.listing_date) == (
        "688998", "星衡光电", "2025-10-21")  # fmt: skip
    main = parser.parse_notice((FIX / "c/c_20250929_10998000.shtml").read_bytes(), "u")
    link = parser.parse_list((FIX / "index_2.shtml").read_bytes(), BASE).links[0]
    assert parser.to_filing(link, main).board == "main"


def test_a_notice_without_date_or_code_is_flagged_not_dropped():
    html = "<html><body><h2>关于某某科技股份有限公司人民币普通股股票科创板上市交易的公告</h2></body></html>"
    notice = parser.parse_notice(html, "u")
    link = parser.NoticeLink("c_20250101_1", "u", notice.title, "2025-01-01")
    filing = parser.to_filing(link, notice)
    assert filing.flags == ["no_listing_date", "no_stock_code"]
    assert filing.event_date == "2025-01-01"


def test_bad_pages():
    with pytest.raises(ChallengePage):
        parser.parse_list("<html>访问验证 acw_tc</html>".encode(), BASE)
    with pytest.raises(ZeroRows):
        parser.parse_list('<html><body><a href="/home/">首页</a></body></html>', BASE)
    with pytest.raises(TableMissing):
        parser.parse_list("<html><body>nothing</body></html>", BASE)
    with pytest.raises(TableMissing):
        parser.parse_notice("<html><body><p>系统繁忙</p></body></html>", "u")


@pytest.mark.slow
def test_crawl_opens_new_notices_once(replay, make_config, cli):
    cfg = make_config(replay.base_url, sources=("sse_notices",))
    run = cli("crawl", "sse_notices", "--config", str(cfg))
    assert run.returncode == 0, run.stdout + run.stderr[-2000:]
    assert "health=ok" in run.stdout and "new=3" in run.stdout
    with sqlite3.connect(cfg.parent / "filingwatch.db") as conn:
        rows = conn.execute("SELECT company, stock_code, event_date, status_raw FROM filings"
                            " ORDER BY event_date").fetchall()  # fmt: skip
    assert rows[-1] == (
        "上海澜芯智算科技股份有限公司",
        "688999",
        "2025-10-28",
        "上证公告（股票）〔2025〕188号",
    )
    assert len(rows) == 3
    replay.clear_log()
    again = cli("crawl", "sse_notices", "--config", str(cfg))
    assert again.returncode == 0 and "health=ok" in again.stdout and "new=0" in again.stdout
    assert [e["path"] for e in replay.requests("sse_notices")] == [
        "/disclosure/announcement/listing/ipo/index.shtml"]  # fmt: skip
    with sqlite3.connect(cfg.parent / "filingwatch.db") as conn:  # stored facts survive
        assert conn.execute("SELECT status_raw, stock_code FROM filings WHERE native_id ="
                            " 'c_20251027_10999999'").fetchone() == (
            "上证公告（股票）〔2025〕188号", "688999")  # fmt: skip
