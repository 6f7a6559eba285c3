"""The bse spider against the replay server (cookie WAF included), through the real CLI."""

from __future__ import annotations

import json
import sqlite3

import pytest

pytestmark = pytest.mark.slow


def crawl(cli, cfg, *args):
    return cli("crawl", "bse", "--config", str(cfg), *args)


def query(cfg, sql, *params):
    with sqlite3.connect(cfg.parent / "filingwatch.db") as conn:
        return conn.execute(sql, params).fetchall()


def paths(replay):
    return [r["path"] for r in replay.requests("bse")]


def test_warm_up_once_then_one_request(replay, make_config, cli):
    cfg = make_config(replay.base_url, sources=("bse",))
    first = crawl(cli, cfg)
    assert first.returncode == 0, first.stdout + first.stderr
    log = paths(replay)
    assert log[:2] == ["/", "/audit/project_news.html"]  # cookie warm-up before the API
    assert log.count("/projectNewsController/infoResult.do") == 3
    assert log.count("/projectNewsController/infoDetailResult.do") == 7
    cursor = json.loads(query(cfg, "SELECT cursor FROM crawl_state WHERE source = 'bse'")[0][0])
    assert cursor["cookies"]["C3VK"] == replay.site("bse").token
    assert query(cfg, "SELECT native_id, stage FROM projects WHERE native_id IN ('3001','3004','3007')"
                      " ORDER BY native_id") == [
        ("3001", "registered"), ("3004", "registration_refused"), ("3007", "P08")]  # fmt: skip
    assert query(cfg, "SELECT e.event_date FROM events e JOIN projects p ON p.id = e.project_id"
                      " WHERE p.native_id = '3001' AND e.stage = 'inquired'") == [("2026-03-20",)]  # fmt: skip
    assert "unknown_status in 3007" in query(cfg, "SELECT problems FROM source_runs")[0][0]

    replay.clear_log()
    steady = crawl(cli, cfg)
    assert steady.returncode == 0 and "mode=incremental" in steady.stdout
    assert paths(replay) == ["/projectNewsController/infoResult.do"]  # stored cookie, one request
    assert "C3VK=" in replay.requests("bse")[0]["headers"]["cookie"]


@pytest.mark.parametrize("mode", ["verify", "redirect"])
def test_expired_cookie_re_warms_and_retries(replay, make_config, cli, mode):
    cfg = make_config(replay.base_url, sources=("bse",))
    assert crawl(cli, cfg).returncode == 0
    replay.site("bse").control("rotate_cookie", {"mode": mode})
    replay.clear_log()
    run = crawl(cli, cfg)
    assert run.returncode == 0, run.stdout + run.stderr
    assert paths(replay) == ["/projectNewsController/infoResult.do", "/",
                             "/audit/project_news.html", "/projectNewsController/infoResult.do"]  # fmt: skip
    cursor = json.loads(query(cfg, "SELECT cursor FROM crawl_state WHERE source = 'bse'")[0][0])
    assert cursor["cookies"]["C3VK"] == replay.site("bse").token


def test_waf_challenge_page_once_then_data(replay, make_config, cli):
    cfg = make_config(replay.base_url, sources=("bse",))
    assert crawl(cli, cfg).returncode == 0
    replay.add_fault("challenge", site="bse", path="infoResult", count=1)
    replay.clear_log()
    run = crawl(cli, cfg)
    assert run.returncode == 0, run.stdout
    assert paths(replay).count("/") == 1


def test_a_page_that_stays_a_verification_page_is_unhealthy(replay, make_config, cli):
    cfg = make_config(replay.base_url, sources=("bse",))
    replay.add_fault("challenge", site="bse", path="infoResult")
    run = crawl(cli, cfg)
    assert run.returncode == 1 and "health=unhealthy" in run.stdout
    assert paths(replay).count("/") == 2  # MAX_WARMUPS
    assert query(cfg, "SELECT json_extract(problems, '$[0].kind') FROM source_runs") == [
        ("challenge_page",)
    ]


def test_post_form_list(replay, make_config, cli):
    cfg = make_config(replay.base_url, sources=("bse",), source_extra='list_method = "post"')
    run = crawl(cli, cfg)
    assert run.returncode == 0, run.stdout + run.stderr
    lists = [r for r in replay.requests("bse") if r["path"].endswith("infoResult.do")]
    assert {r["method"] for r in lists} == {"POST"} and [r["form"]["page"] for r in lists] == [
        "0",
        "1",
        "2",
    ]
    assert query(cfg, "SELECT count(*) FROM projects") == [(7,)]


def test_a_full_recrawl_keeps_what_details_resolved(replay, make_config, cli):
    """`crawl bse --full` re-reads the list; a project whose status did not change keeps the stage
    and flags its detail page resolved (3004: P08 -> registration_refused, flag cleared)."""
    cfg = make_config(replay.base_url, sources=("bse",))
    assert crawl(cli, cfg).returncode == 0
    sql = "SELECT native_id, stage, flags FROM projects ORDER BY native_id"
    before = query(cfg, sql)
    assert ("3004", "registration_refused", None) in before
    full = crawl(cli, cfg, "--full")
    assert full.returncode == 0 and "mode=full" in full.stdout
    assert query(cfg, sql) == before
