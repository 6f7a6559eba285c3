"""csrcfd rows whose downloadPdf1 sits on an <a> inside a cell, and rows that have no link or date.

Parser rules on tests/fixtures/csrcfd/anchor_rows.html, then a real crawl of that page served
by the replay (as a captured page at /csrcfd/index.html): the run stores the linked rows with
their PDF and disclosure date, warns about a row without a PDF, and is unhealthy because of the
row that has neither a PDF nor any date (that row is not stored).
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from helpers import crawl_captured_csrcfd_page

from scraper.parsers.csrcfd import parse_list_page, to_filing

FIX = Path(__file__).parent / "fixtures" / "csrcfd"
URL = "http://eid.csrc.gov.cn/csrcfd/index.html"
PDF_HOST = "http://eid.csrc.gov.cn/mnt/storage/stock/pre_ipo/"


def records():
    return {
        r.company: r for r in parse_list_page((FIX / "anchor_rows.html").read_bytes(), URL).records
    }


def test_onclick_on_an_anchor_gives_pdf_and_disclosure_date():
    r = records()["合肥星链智算科技股份有限公司"]
    assert r.raw["onclick_on"] == "a"
    assert r.pdf_path.startswith("/mnt/storage/stock/pre_ipo/2026/10/12/PREIPO_F0101_V01_20261012_")
    assert r.pdf_url.startswith(PDF_HOST + "2026/10/12/") and r.pdf_url.endswith(".pdf")
    assert (r.filing_date, r.disclosed_date, r.flags) == ("2026-10-09", "2026-10-12", [])
    assert to_filing(r, URL).event_date == "2026-10-09"  # a filing report: dated by 备案时间


def test_javascript_href_on_an_anchor_gives_pdf_and_disclosure_date():
    r = records()["南京极光存储技术股份有限公司"]
    assert r.raw["onclick_on"] == "a_href"
    assert r.pdf_url == (PDF_HOST + "2026/10/15/PREIPO_F0101_V01_20261015_31266_Q/"
                         "0B9D5E7F3A214C8C9E6F2D1B7A8C3E40/4F2A9C1D7E6B5A3908C1D2E3F4A5B6C7.pdf")  # fmt: skip
    assert (r.disclosed_date, r.period, r.flags) == ("2026-10-15", 2, [])
    assert to_filing(r, URL).event_date == "2026-10-15"  # a progress report: dated by disclosure


def test_rows_without_link_or_date_are_flagged():
    rs = records()
    assert rs["厦门海岳光电股份有限公司"].flags == ["missing_pdf"]
    assert rs["厦门海岳光电股份有限公司"].filing_date == "2026-09-28"
    assert rs["成都蜀山精密制造股份有限公司"].flags == ["missing_pdf", "missing_date"]


def test_the_anchor_is_not_looked_at_when_the_row_has_its_own_onclick():
    page = parse_list_page((FIX / "index.html").read_bytes(), URL)
    assert {r.raw["onclick_on"] for r in page.records} == {"tr", "td"}


@pytest.mark.slow
def test_crawl_of_anchor_rows_stores_links_and_the_undated_row_makes_the_run_unhealthy(
    tmp_path, make_config, cli
):
    run, cfg = crawl_captured_csrcfd_page(tmp_path, make_config, cli, FIX / "anchor_rows.html")
    assert run.returncode == 1, run.stdout + run.stderr[-2000:]
    assert "health=unhealthy" in run.stdout and "rows=3" in run.stdout
    with sqlite3.connect(cfg.parent / "filingwatch.db") as conn:
        stored = conn.execute(
            "SELECT company, pdf_url IS NOT NULL, disclosed_date, flags FROM filings ORDER BY company"
        ).fetchall()
        health, problems = conn.execute("SELECT health, problems FROM source_runs").fetchone()
    assert sorted(stored) == sorted([
        ("合肥星链智算科技股份有限公司", 1, "2026-10-12", None),
        ("南京极光存储技术股份有限公司", 1, "2026-10-15", None),
        ("厦门海岳光电股份有限公司", 0, None, '["missing_pdf"]'),
    ])  # fmt: skip
    assert health == "unhealthy"
    got = [
        (p["kind"], p["severity"], p["url"].endswith("/csrcfd/index.html"))
        for p in json.loads(problems)
    ]
    assert sorted(got) == [("missing_field", "error", True), ("missing_pdf", "warning", True)]
    error = next(p for p in json.loads(problems) if p["kind"] == "missing_field")
    assert "pdf_url, date" in error["message"] and "成都蜀山精密制造" in error["message"]
