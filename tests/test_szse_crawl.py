"""The szse spider against the replay server, through the real CLI (one process per crawl)."""

from __future__ import annotations

import sqlite3

import pytest

from scraper.core.timeutil import today_shanghai

pytestmark = pytest.mark.slow


def crawl(cli, cfg, *args):
    return cli("crawl", "szse", "--config", str(cfg), *args)


def query(cfg, sql, *params):
    with sqlite3.connect(cfg.parent / "filingwatch.db") as conn:
        return conn.execute(sql, params).fetchall()


def inquire_2000202(replay, day):
    """福建闽江食品 (main board, 已受理) receives its inquiry letter today."""
    node = {"caption": "已问询", "value": 30, "finished": True, "date": f"{day} 20:10",
            "stageType": 1, "orderNo": 1, "status": []}  # fmt: skip
    progs = [{"caption": "已受理", "value": 20, "finished": True, "date": "2026-11-20 18:00",
              "stageType": 0, "orderNo": 0, "status": []}, node,
             {**node, "orderNo": -1, "stageType": None, "finished": False}]  # fmt: skip
    replay.site("szse").control("update", {
        "item": {"prjid": 2000202, "prjstatus": 30, "prjst": "已问询", "updtdt": day.isoformat()},
        "detail": {"prjprogs": progs},
    })  # fmt: skip


def test_first_crawl_steady_state_and_one_change(replay, make_config, cli):
    cfg = make_config(replay.base_url, sources=("szse",))
    first = crawl(cli, cfg)
    assert first.returncode == 0, first.stdout + first.stderr
    assert query(cfg, "SELECT count(*), count(detail_key) FROM projects") == [(8, 8)]
    assert query(cfg, "SELECT e.stage, e.event_date, e.stage_detail FROM events e JOIN projects p"
                      " ON p.id = e.project_id WHERE p.native_id = '2000102' AND e.kind = 'stage'"
                      " ORDER BY e.event_date") == [
        ("accepted", "2026-06-19", None), ("inquired", "2026-07-15", None),
        ("suspended", "2026-08-28", None), ("inquired", "2026-11-12", "resumed")]  # fmt: skip
    assert query(cfg, "SELECT sponsors FROM projects WHERE native_id = '2000101'") == [
        ('["华泰联合证券有限责任公司", "招商证券股份有限公司"]',)
    ]
    assert query(
        cfg, "SELECT industry_code FROM companies WHERE name = '福建闽江食品股份有限公司'"
    ) == [("C14",)]

    replay.clear_log()
    steady = crawl(cli, cfg)
    assert steady.returncode == 0 and "mode=incremental" in steady.stdout
    log = replay.requests("szse")
    assert sorted(r["query"]["boardCode"][0] for r in log) == ["12", "16"]  # one request per board
    assert all(r["query"]["pageIndex"] == ["0"] for r in log)

    today = today_shanghai()
    inquire_2000202(replay, today)
    replay.clear_log()
    changed = crawl(cli, cfg)
    assert changed.returncode == 0, changed.stdout
    details = [
        r["query"]["id"][0] for r in replay.requests("szse") if r["path"].endswith("/details")
    ]
    assert details == ["2000202"] and len(replay.requests("szse")) == 3
    assert query(cfg, "SELECT e.stage, e.old_stage, e.event_date, e.baseline FROM events e JOIN"
                      " projects p ON p.id = e.project_id WHERE p.native_id = '2000202'"
                      " AND e.run_id = (SELECT max(id) FROM source_runs)") == [
        ("inquired", "accepted", today.isoformat(), 0)]  # fmt: skip

    # updtdt is a date: a project stamped today is checked again today, without new events
    replay.clear_log()
    again = crawl(cli, cfg)
    assert len(replay.requests("szse")) == 3 and "events=0" in again.stdout


def test_empty_list_and_broken_details_are_errors(replay, make_config, cli):
    cfg = make_config(replay.base_url, sources=("szse",))
    replay.add_fault("html_error", site="szse", path="/details", count=1)
    run = crawl(cli, cfg)
    assert run.returncode == 1 and "health=unhealthy" in run.stdout
    assert query(cfg, "SELECT count(*) FROM projects WHERE detail_key IS NULL") == [(1,)]
    replay.clear_log()
    retry = crawl(cli, cfg)
    assert retry.returncode == 0, retry.stdout
    assert [r["path"] for r in replay.requests("szse")].count("/api/ras/projectrends/details") == 1
    assert query(cfg, "SELECT count(*) FROM projects WHERE detail_key IS NULL") == [(0,)]

    replay.add_fault("empty", site="szse", path="/query")
    empty = crawl(cli, cfg)
    assert empty.returncode == 1
    assert query(cfg, "SELECT json_extract(problems, '$[0].kind') FROM source_runs ORDER BY id DESC"
                      " LIMIT 1") == [("zero_rows",)]  # fmt: skip
