"""Run-health rules, through real crawls against the replay.

* required-field validation (scraper/pipelines.py ValidatePipeline, items.REQUIRED_FIELDS): a
  record without a company is a run error and is not stored;
* "zero items = unhealthy" (scraper/health.py RunRecorder.health): a run that stored nothing,
  even with no single problem to point at, is not ok.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from helpers import crawl_captured_csrcfd_page

pytestmark = pytest.mark.slow

FIX = Path(__file__).parent / "fixtures" / "csrcfd"


def q(cfg, sql, params=()):
    with sqlite3.connect(cfg.parent / "filingwatch.db") as conn:
        return conn.execute(sql, params).fetchall()


def test_a_record_without_company_is_a_run_error_and_is_not_stored(tmp_path, make_config, cli):
    run, cfg = crawl_captured_csrcfd_page(tmp_path, make_config, cli, FIX / "missing_company.html")
    assert run.returncode == 1 and "health=unhealthy" in run.stdout, run.stdout + run.stderr[-2000:]
    assert q(cfg, "SELECT company FROM filings") == [("上海澜舟数控科技股份有限公司",)]
    assert q(cfg, "SELECT count(*) FROM companies WHERE name = ''") == [(0,)]
    (problems,) = q(cfg, "SELECT problems FROM source_runs")[0]
    (problem,) = json.loads(problems)
    assert (problem["kind"], problem["severity"]) == ("missing_field", "error")
    assert "lacks company" in problem["message"] and problem["url"].endswith("/csrcfd/index.html")


def test_a_run_that_stores_nothing_is_unhealthy_even_without_a_problem(replay, make_config, cli):
    """hkex_app on a fresh database, every status file answering 404: each such 404 alone is a
    normal answer (a file that never loaded), so only the empty result says something is off."""
    replay.add_fault("status", site="hkex_app", status=404)
    cfg = make_config(replay.base_url, sources=("hkex_app",))
    run = cli("crawl", "hkex_app", "--config", str(cfg))
    assert run.returncode == 1 and "health=unhealthy" in run.stdout and "rows=0" in run.stdout, (
        run.stdout
    )
    assert q(cfg, "SELECT health, items, errors, warnings, problems FROM source_runs") == [
        ("unhealthy", 0, 0, 0, None)]  # fmt: skip
    assert q(cfg, "SELECT DISTINCT outcome FROM hkex_files") == [("missing",)]
