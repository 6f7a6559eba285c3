"""csrcfd shapes (issue 16): 200-empty past the end, period phrases in titles, two groups of one
company. Fixtures: tests/fixtures/csrcfd/two_groups.html; the replay's `variant` control."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from scraper.core import stages as st
from scraper.core.records import PageBatch
from scraper.db import connection as dbconn
from scraper.parsers.csrcfd import company_from_title, parse_list_page, to_filing
from tests.helpers import write_batch

FIX = Path(__file__).parent / "fixtures" / "csrcfd"


@pytest.mark.parametrize(
    "title",
    [
        "XX证券股份有限公司关于YY科技股份有限公司第二十一期辅导进展工作报告",
        "XX证券股份有限公司关于YY科技股份有限公司第21期辅导进展工作报告",
        "关于YY科技股份有限公司（第5期）辅导工作进展报告",
        "关于YY科技股份有限公司(第 12 期)辅导工作进展报告",
        "关于YY科技股份有限公司【第三期】辅导进展情况报告",
        "关于YY科技股份有限公司第５期辅导工作进展报告",
    ],
)
def test_title_helper_cuts_the_period_phrase(title):
    assert company_from_title(title) == "YY科技股份有限公司"


def _batch(order):
    page = parse_list_page((FIX / "two_groups.html").read_bytes(), "http://x/csrcfd/index.html")
    filings = [to_filing(r, "http://x/csrcfd/index.html") for r in page.records]
    return PageBatch(source="csrcfd", url="u", page=1, filings=[filings[i] for i in order])


def _status(db):
    return db.conn.execute("SELECT status, status_date FROM company_status").fetchall()


@pytest.mark.parametrize("order", [(0, 1, 2), (2, 0, 1)])
def test_two_groups_of_one_company_the_newest_filing_stands(tmp_path, order):
    db = dbconn.open_db(tmp_path / "fw.db")
    for _sweep in range(3):
        write_batch(db, _batch(order))
        assert _status(db) == [(st.TUTORING, "2026-10-12")]
    # the old group alone (a later page of a sweep) does not flip it either
    write_batch(
        db, PageBatch(source="csrcfd", url="u", page=2, filings=_batch((0, 1, 2)).filings[:2])
    )
    assert _status(db) == [(st.TUTORING, "2026-10-12")]
    kinds = db.conn.execute("SELECT stage FROM events WHERE kind = 'stage'").fetchall()
    assert kinds == [(st.TUTORING,)]


@pytest.mark.slow
def test_full_sweep_ends_at_a_200_empty_page_past_the_last(replay, make_config, cli):
    """No pager we can read, and 200 with an empty table after the last page (CMS sites)."""
    site = replay.site("csrcfd")
    site.control("generate", {"rows": 25, "per_page": 10})
    site.control("variant", {"pager": False, "past_end": "empty"})
    cfg = make_config(replay.base_url)
    run = cli("crawl", "csrcfd", "--config", str(cfg), "--full")
    assert run.returncode == 0, run.stdout + run.stderr[-1500:]
    assert "health=ok" in run.stdout, run.stdout
    with sqlite3.connect(cfg.parent / "filingwatch.db") as conn:
        assert conn.execute("SELECT count(*) FROM filings").fetchone() == (25,)
        assert conn.execute("SELECT last_full_at IS NOT NULL FROM crawl_state"
                            " WHERE source = 'csrcfd'").fetchone() == (1,)  # fmt: skip


@pytest.mark.slow
def test_an_empty_first_page_is_still_loud(replay, make_config, cli):
    site = replay.site("csrcfd")
    site.control("generate", {"rows": 0, "per_page": 10})
    site.control("variant", {"pager": False, "past_end": "empty"})
    cfg = make_config(replay.base_url)
    run = cli("crawl", "csrcfd", "--config", str(cfg), "--full")
    assert "health=unhealthy" in run.stdout, run.stdout
