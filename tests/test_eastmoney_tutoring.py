"""Eastmoney RPT_IPO_TUTRECORD: JSONP pages, the csrcfd vocabulary, gaps reported as warnings."""

import sqlite3

import pytest

from scraper import FIXTURES_DIR, ingest
from scraper.db import connection as dbconn
from scraper.parsers import eastmoney as parser
from scraper.parsers.common import ZeroRows
from scraper.sources import SOURCES

FIX = FIXTURES_DIR / "eastmoney_tutoring"


def test_jsonp_page_in_the_csrcfd_vocabulary():
    page = parser.parse_page((FIX / "tutrecord_1.json").read_bytes(), "u")
    assert (page.pages, page.count) == (2, 3)
    first = page.filings[0]
    assert (first.company, first.report_type, first.status, first.event_date) == (
        "上海澜芯智算科技有限公司", "completion_report", "tutoring_done", "2024-03-15")  # fmt: skip
    assert (first.broker, first.regulator) == ("中信证券股份有限公司", "上海证监局")
    assert (
        parser.parse_page((FIX / "tutrecord_2.json").read_bytes(), "u").filings[0].report_type
        == "filing_report"
    )


def test_unknown_status_is_kept_and_flagged():
    f = parser.to_filing({"TUTOR_OBJECT": "甲公司", "TUTOR_PROCESS_STATE": "辅导暂停",
                          "REPORT_TYPE": "", "RECORD_DATE": "2025-01-02 00:00:00"}, "u")  # fmt: skip
    assert (f.status, f.flags) == ("辅导暂停", ["unknown_status"])


def test_empty_answer_is_zero_rows():
    with pytest.raises(ZeroRows):
        parser.parse_page((FIX / "empty.json").read_bytes(), "u")


def test_source_is_registered_with_its_keys():
    spec = SOURCES["eastmoney_tutoring"]
    assert "page_size" in spec.extra_keys and "off by default" in spec.title


@pytest.mark.slow
def test_rows_the_csrc_list_lacks_are_warnings(replay, make_config, cli, tmp_path):
    cfg = make_config(replay.base_url, sources=("eastmoney_tutoring",))
    db = dbconn.open_db(tmp_path / "filingwatch.db")
    # csrcfd already holds the timeline company's filing report, under its later name
    from scraper.core.records import Filing

    ingest.write_filings(db, [Filing(source="csrcfd", native_id="x1",
                                      company="上海澜芯智算科技股份有限公司", kind="tutoring_report",
                                      title="关于…辅导备案报告", report_type="filing_report",
                                      status="tutoring", company_stage="tutoring")],
                          ingest.WriteContext())  # fmt: skip
    db.conn.close()
    run = cli("crawl", "eastmoney_tutoring", "--config", str(cfg))
    assert run.returncode == 0, run.stdout + run.stderr[-2000:]
    assert "health=ok" in run.stdout and "warnings=2" in run.stdout
    with sqlite3.connect(tmp_path / "filingwatch.db") as conn:
        problems = conn.execute("SELECT problems FROM source_runs WHERE source ="
                                " 'eastmoney_tutoring'").fetchone()[0]  # fmt: skip
    assert "csrcfd lacks completion_report of 上海澜芯智算科技有限公司" in problems
    assert "csrcfd lacks company of 杭州未名存储科技股份有限公司" in problems
    assert "lacks filing_report" not in problems  # the filing report csrcfd has is no gap
