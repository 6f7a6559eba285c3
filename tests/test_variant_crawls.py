"""Real Scrapy crawls against the replay answering in the sites' documented variant shapes
(issue 16): each one must land every project/document and leave the run healthy."""

from __future__ import annotations

import json
import sqlite3

import pytest

pytestmark = pytest.mark.slow


def query(cfg, sql, *params):
    with sqlite3.connect(cfg.parent / "filingwatch.db") as conn:
        return conn.execute(sql, params).fetchall()


def last_problems(cfg) -> list[dict]:
    (text,) = query(cfg, "SELECT problems FROM source_runs ORDER BY id DESC LIMIT 1")[0]
    return json.loads(text or "[]")


def test_sse_result_only_lists_short_names_and_the_file_search(replay, make_config, cli):
    site = replay.site("sse")
    site.control("variant", {"retire": ["GP_GPZCZ_SHXXPL"], "result_only": True})
    site.control("update", {"item": {
        "stockAuditNum": "9202", "stockAuditName": "芯穹算力", "currStatus": 2,
        "commitiResult": "", "registeResult": "", "suspendStatus": "", "issueMarketType": 1,
        "updateDate": "20261119170000", "auditApplyDate": "20261101170000", "intermediary": [],
    }})  # fmt: skip
    cfg = make_config(replay.base_url, sources=("sse",))
    run = cli("crawl", "sse", "--config", str(cfg))
    assert run.returncode == 0, run.stdout + run.stderr
    assert "health=ok" in run.stdout
    assert query(cfg, "SELECT count(*) FROM projects WHERE source = 'sse'") == [(9,)]
    # the short name is an alias of 9001's company, not a company of its own
    ids = query(cfg, "SELECT native_id, company_id FROM projects WHERE native_id IN"
                     " ('9001', '9202') ORDER BY native_id")  # fmt: skip
    assert ids[0][1] == ids[1][1]
    assert query(cfg, "SELECT count(*) FROM companies WHERE name = '芯穹算力'") == [(0,)]
    docs = query(cfg, "SELECT report_type, event_date FROM filings WHERE source = 'sse'"
                      " AND native_id LIKE '9004:%' ORDER BY native_id")  # fmt: skip
    assert docs == [("prospectus", "2026-11-05"), ("inquiry_reply", "2026-11-12"),
                    ("other", "2026-11-13")]  # fmt: skip
    # the unmapped code is a warning of the run, not silently 'other'
    problems = last_problems(cfg)
    assert any(p["kind"] == "unknown_file_type" and "I0099" in p["message"] for p in problems)
