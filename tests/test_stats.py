"""Stage statistics: days per step per project agree with the stage_days view Datasette charts,
percentiles are the spreadsheet's, and the CLI prints table/CSV/JSON."""

from __future__ import annotations

import json

import pytest

from scraper import ingest
from scraper import stats as stats_mod
from scraper.core import stages as st
from scraper.core.records import Filing, Project, ProjectBatch, StageStep
from scraper.db import connection as dbconn

NOW = "2026-11-01T10:00:00+08:00"


def seed(path):
    db = dbconn.open_db(path)
    ctx = ingest.WriteContext(run_id=1, now=NOW)
    tut = Filing(source="csrcfd", native_id="t1", company="甲芯片股份有限公司",
                 kind="tutoring_report", title="辅导备案报告", report_type="filing_report",
                 company_stage=st.TUTORING, event_date="2025-01-10", disclosed_date="2025-01-10")  # fmt: skip
    ingest.write_filings(db, [tut], ctx)
    plans = [("1", "甲芯片股份有限公司", "star", "中信证券股份有限公司",
              [("accepted", "2025-06-01"), ("committee_passed", "2025-10-01"),
               ("registered", "2025-11-10"), ("listed", "2025-12-20")]),
             ("2", "乙数据股份有限公司", "star", "中信证券股份有限公司",
              [("accepted", "2025-03-01"), ("committee_passed", "2025-05-01")]),
             ("3", "丙电子股份有限公司", "main", "华泰联合证券有限责任公司",
              [("accepted", "2025-02-01"), ("committee_passed", "2025-12-01")])]  # fmt: skip
    projects = [
        Project(source="sse", native_id=nid, company=name, board=board, stage=steps[-1][0],
                status_raw="x", sponsors=[sponsor], updated="2026-01-01",
                timeline=[StageStep(s, s, s, d) for s, d in steps])
        for nid, name, board, sponsor, steps in plans
    ]  # fmt: skip
    ingest.ingest(db, ProjectBatch("sse", "u", 1, [], projects=projects), ctx)
    db.conn.execute("UPDATE companies SET sectors = '[\"chips\"]' WHERE name LIKE '%芯片%'")
    db.conn.close()


def test_python_rows_agree_with_the_view(tmp_path):
    seed(tmp_path / "fw.db")
    conn = dbconn.open_readonly(tmp_path / "fw.db")
    view = [dict(r) for r in conn.execute("SELECT * FROM stage_days ORDER BY native_id")]
    rows = sorted(stats_mod.project_rows(conn), key=lambda r: r["native_id"])
    cols = ("tutoring", "accepted", "committee", "registered", "listed", *stats_mod.A_STEPS)
    assert [{c: r[c] for c in cols} for r in rows] == [{c: r[c] for c in cols} for r in view]
    assert rows[0]["tutoring_days"] == 142 and rows[0]["total_days"] == 202


def test_medians_per_board_and_filters(tmp_path):
    seed(tmp_path / "fw.db")
    conn = dbconn.open_readonly(tmp_path / "fw.db")
    got = {(r["by"], r["group"], r["step"]): (r["n"], r["median"])
           for r in stats_mod.stats(conn) if r["market"] == "a_share"}  # fmt: skip
    assert got[("board", "star", "review_days")] == (2, (122 + 61) / 2)
    assert got[("board", "main", "review_days")] == (1, 303)
    assert got[("sector", "chips", "listing_days")] == (1, 40)
    assert ("board", "main", "registration_days") not in got  # not reached: left out, never 0
    only = stats_mod.stats(conn, board="main", groupings=["board"])
    assert {r["group"] for r in only} == {"main"}
    since = stats_mod.project_rows(conn, since="2025-03-01")
    assert sorted(r["native_id"] for r in since) == ["1", "2"]


@pytest.mark.parametrize(("q", "expected"), [(0.5, 2.5), (0.25, 1.75), (0.9, 3.7)])
def test_percentile_is_linear_between_ranks(q, expected):
    assert stats_mod.percentile([1, 2, 3, 4], q) == pytest.approx(expected)


def test_stats_cli_formats(tmp_path, cli):
    seed(tmp_path / "fw.db")
    run = cli("stats", "--db", str(tmp_path / "fw.db"), "--by", "board", "--format", "json")
    assert run.returncode == 0, run.stderr
    rows = json.loads(run.stdout)
    assert {"market": "a_share", "by": "board", "group": "main", "step": "review_days", "n": 1,
            "median": 303, "p25": 303, "p75": 303, "p90": 303} in rows  # fmt: skip
    csv = cli("stats", "--db", str(tmp_path / "fw.db"), "--per-company", "--format", "csv")
    assert csv.stdout.splitlines()[0].startswith("source,native_id,company_id,company,board")
    bad = cli("stats", "--db", str(tmp_path / "fw.db"), "--since", "2025/01/01")
    assert bad.returncode != 0 and "expected YYYY-MM-DD" in bad.stderr
