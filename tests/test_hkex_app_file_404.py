"""hkex_app: a status file that loaded before and now answers 404 is an error that moves nobody.

Two real crawls against the replay: the first loads every status file; before the second, the
replay's fault switch makes both language files of the PHIP group answer 404. Without the rule
the group counts as "complete and empty", so the PHIP applicants move back to AP.
"""

from __future__ import annotations

import json
import sqlite3

import pytest

pytestmark = pytest.mark.slow

PHIP = r"appactive_appphip_sehk_[ce]\.json"


def q(cfg, sql, params=()):
    with sqlite3.connect(cfg.parent / "filingwatch.db") as conn:
        return conn.execute(sql, params).fetchall()


def crawl(cli, cfg):
    return cli("crawl", "hkex_app", "--config", str(cfg))


def snapshot(cfg):
    return {
        "applicants": q(
            cfg,
            "SELECT app_id, stage, stage_date, status_file, present"
            " FROM hkex_applicants ORDER BY app_id",
        ),  # fmt: skip
        "companies": q(cfg, "SELECT id, stage, stage_date FROM companies ORDER BY id"),
        "status": q(cfg, "SELECT company_id, source, status FROM company_status ORDER BY 1, 2"),
        "stage_events": q(cfg, "SELECT count(*) FROM events WHERE kind = 'stage'"),
    }


def test_404_of_a_file_that_loaded_before_is_an_error_and_moves_nobody(replay, make_config, cli):
    cfg = make_config(replay.base_url, sources=("hkex_app",))
    first = crawl(cli, cfg)
    assert first.returncode == 0, first.stdout + first.stderr[-2000:]
    assert q(cfg, "SELECT app_id, stage FROM hkex_applicants WHERE status_file = 'appactive_appphip'"
                  " ORDER BY app_id") == [(108820, "hk_phip"), (108830, "hk_phip")]  # fmt: skip
    before = snapshot(cfg)

    replay.add_fault("status", site="hkex_app", path=PHIP, status=404)
    for attempt in (1, 2):  # the second 404 in a row is still an error (it loaded at some point)
        run = crawl(cli, cfg)
        assert run.returncode == 1 and "health=unhealthy" in run.stdout, run.stdout
        assert snapshot(cfg) == before, f"run {attempt} moved someone"
        assert q(cfg, "SELECT count(*) FROM events WHERE run_id = ?", [attempt + 1]) == [(0,)]
        health, problems = q(cfg, "SELECT health, problems FROM source_runs ORDER BY id DESC")[0]
        assert health == "unhealthy"
        errors = sorted(
            (p["kind"], p["url"].rsplit("/", 1)[1]) for p in json.loads(problems)
            if p["severity"] == "error"
        )  # fmt: skip
        assert errors == [("file_missing", "appactive_appphip_sehk_c.json"),
                          ("file_missing", "appactive_appphip_sehk_e.json")]  # fmt: skip
        assert q(cfg, "SELECT outcome FROM hkex_files WHERE name LIKE 'appactive_appphip_sehk_%'") == [
            ("error",), ("error",)]  # fmt: skip
    # files that never loaded (no PHIP file on GEM) are still a normal, known-empty 404
    assert q(cfg, "SELECT DISTINCT outcome FROM hkex_files WHERE name LIKE 'appactive_appphip_gem_%'") == [
        ("missing",)]  # fmt: skip

    replay.clear_faults()
    again = crawl(cli, cfg)
    assert again.returncode == 0 and "health=ok" in again.stdout
    assert snapshot(cfg) == before
