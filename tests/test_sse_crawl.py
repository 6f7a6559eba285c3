"""The sse spider against the replay server, through the real CLI (one process per crawl)."""

from __future__ import annotations

import sqlite3

import pytest

from scraper.core.timeutil import today_shanghai

pytestmark = pytest.mark.slow


def crawl(cli, cfg, *args):
    return cli("crawl", "sse", "--config", str(cfg), *args)


def query(cfg, sql, *params):
    db = cfg.parent / "filingwatch.db"
    with sqlite3.connect(db) as conn:
        return conn.execute(sql, params).fetchall()


def advance_9004(replay, day, documents=True, events=True):
    """苏州光刻新材料 (STAR, 已问询) passes the listing committee today."""
    stamp = day.strftime("%Y%m%d") + "173000"
    row = {"auditStatus": 3, "commitiResult": 1, "registeResult": "", "suspendStatus": "",
           "publishDate": day.isoformat(), "qianDate": f"{day} 17:30:00",
           "timesave": f"{day} 17:30:00", "stockAuditNum": "9004", "auditItemId": "new-3-1"}  # fmt: skip
    docs = [{"fileId": "77000001", "fileTitle": "苏州光刻新材料股份有限公司科创板首次公开发行股票招股说明书（上会稿）",
             "filePath": "/information/c/202611/0a0b0c0d0e0f.pdf", "fileType": 30, "fileVersion": 2,
             "publishDate": day.isoformat(), "auditStatus": 3, "stockAuditNum": "9004"}]  # fmt: skip
    replay.site("sse").control("update", {
        "item": {"stockAuditNum": "9004", "currStatus": 3, "commitiResult": 1, "updateDate": stamp},
        "milestones": [row], "events": [{**row, "reasonDesc": ""}] if events else [],
        "documents": docs if documents else [],
    })  # fmt: skip


def test_first_crawl_then_one_request_per_board(replay, make_config, cli):
    cfg = make_config(replay.base_url, sources=("sse",))
    first = crawl(cli, cfg)
    assert first.returncode == 0, first.stdout + first.stderr
    assert "mode=full health=ok" in first.stdout
    assert query(cfg, "SELECT count(*) FROM projects WHERE source = 'sse'") == [(8,)]
    # the registered project: every step dated by its timeline, all history (baseline)
    assert query(cfg, "SELECT e.stage, e.event_date, e.baseline FROM events e JOIN projects p"
                      " ON p.id = e.project_id WHERE p.native_id = '9001' ORDER BY e.id") == [
        ("accepted", "2026-03-30", 1), ("inquired", "2026-04-24", 1),
        ("committee_passed", "2026-08-14", 1), ("submitted_for_registration", "2026-08-20", 1),
        ("registered", "2026-10-20", 1)]  # fmt: skip
    assert query(cfg, "SELECT sponsor, industry_code, stage_date FROM projects WHERE native_id = '9001'") == [
        ("中信证券股份有限公司", "C39", "2026-10-20")]  # fmt: skip
    # the terminated project and its re-filing share one company
    assert (
        len(
            query(
                cfg, "SELECT DISTINCT company_id FROM projects WHERE native_id IN ('9003','9006')"
            )
        )
        == 1
    )
    # the unknown status code is a warning in source_runs
    assert query(cfg, "SELECT warnings, health FROM source_runs ORDER BY id DESC LIMIT 1") == [
        (1, "ok")
    ]

    replay.clear_log()
    second = crawl(cli, cfg)
    assert second.returncode == 0 and "mode=incremental" in second.stdout
    paths = [(r["path"], r["query"].get("issueMarketType")) for r in replay.requests("sse")]
    assert sorted(paths) == [
        ("/statusAction.do", ["1"]),
        ("/statusAction.do", ["2"]),
    ]  # 1 per board
    assert "events=0" in second.stdout

    replay.clear_log()
    full = crawl(cli, cfg, "--full")
    assert full.returncode == 0 and "mode=full" in full.stdout
    assert len(replay.requests("sse")) == 3  # every list page, no details: nothing changed


@pytest.mark.parametrize("events", [True, False], ids=["events-reach-status", "milestones-needed"])
def test_a_change_fetches_details_of_that_project_only(replay, make_config, cli, events):
    cfg = make_config(replay.base_url, sources=("sse",))
    assert crawl(cli, cfg).returncode == 0
    today = today_shanghai()
    advance_9004(replay, today, events=events)
    replay.clear_log()
    run = crawl(cli, cfg)
    assert run.returncode == 0, run.stdout
    details = [
        r["query"]["sqlId"][0] for r in replay.requests("sse") if r["path"] == "/commonSoaQuery.do"
    ]
    # status events (with reasons) and documents; the milestones only when the events lack 3-1
    expected = ["GP_GPZCZ_XMDTZTYYLB", "GP_GPZCZ_SHXXPL"] + (
        [] if events else ["GP_GPZCZ_XMDTZTTLB"]
    )
    assert details == expected
    assert {
        r["query"]["stockAuditNum"][0]
        for r in replay.requests("sse")
        if "stockAuditNum" in r["query"]
    } == {"9004"}
    assert len(replay.requests("sse")) == 2 + len(expected)
    events = query(cfg, "SELECT e.kind, e.stage, e.old_stage, e.event_date, e.baseline FROM events e"
                        " JOIN projects p ON p.id = e.project_id WHERE p.native_id = '9004'"
                        " AND e.run_id = (SELECT max(id) FROM source_runs)")  # fmt: skip
    assert ("stage", "committee_passed", "inquired", today.isoformat(), 0) in events
    assert query(cfg, "SELECT count(*) FROM events WHERE kind = 'filing' AND title LIKE '%上会稿%'"
                      " AND baseline = 0") == [(1,)]  # fmt: skip


def test_a_failing_detail_keeps_the_list_update_and_is_retried(replay, make_config, cli):
    cfg = make_config(replay.base_url, sources=("sse",))
    assert crawl(cli, cfg).returncode == 0
    advance_9004(replay, today_shanghai())
    replay.add_fault("status", site="sse", path="commonSoaQuery", status=500)
    broken = crawl(cli, cfg)
    assert broken.returncode == 1 and "health=unhealthy" in broken.stdout
    assert "commonSoaQuery.do" in broken.stdout  # the error names the URL
    row = query(
        cfg,
        "SELECT status_raw, stage, list_key = detail_key FROM projects WHERE native_id = '9004'",
    )
    assert row == [("3-1", "committee_passed", 0)]  # the list update is stored; details pending
    assert query(cfg, "SELECT count(*) FROM events WHERE stage = 'committee_passed' AND run_id ="
                      " (SELECT max(id) FROM source_runs)") == [(0,)]  # fmt: skip

    replay.clear_faults()
    replay.clear_log()
    fixed = crawl(cli, cfg)
    assert fixed.returncode == 0, fixed.stdout
    assert {r["query"].get("stockAuditNum", [""])[0] for r in replay.requests("sse")} == {
        "",
        "9004",
    }
    assert query(cfg, "SELECT list_key = detail_key FROM projects WHERE native_id = '9004'") == [
        (1,)
    ]
    assert query(cfg, "SELECT count(*) FROM events e JOIN projects p ON p.id = e.project_id"
                      " WHERE p.native_id = '9004' AND e.stage = 'committee_passed'") == [(1,)]  # fmt: skip


def test_plain_json_on_the_commonsoaquery_endpoint(replay, make_config, cli):
    cfg = make_config(replay.base_url, sources=("sse",),
                      source_extra='jsonp = false\nlist_endpoint = "commonSoaQuery.do"')  # fmt: skip
    run = crawl(cli, cfg)
    assert run.returncode == 0, run.stdout + run.stderr
    log = replay.requests("sse")
    assert all("jsonCallBack" not in r["query"] for r in log)
    assert {r["path"] for r in log} == {"/commonSoaQuery.do"}
    assert query(cfg, "SELECT count(*) FROM projects") == [(8,)]


def test_truncated_list_body_is_a_recorded_error_with_its_url(replay, make_config, cli, tmp_path):
    cfg = make_config(replay.base_url, sources=("sse",))
    replay.add_fault("truncate", site="sse", path="statusAction", count=1)
    run = crawl(cli, cfg)
    assert run.returncode == 1
    kind, url = query(
        cfg, "SELECT json_extract(problems, '$[0].kind'), last_error_url FROM source_runs"
    )[0]
    assert kind == "bad_payload" and "/statusAction.do?" in url
    assert list((tmp_path / "broken" / "sse").glob("*.body"))
