"""Real Scrapy crawls of the csrcfd spider against the local replay server."""

import json
import socket
import sqlite3

import pytest

pytestmark = pytest.mark.slow


def crawl(cli, cfg, *args):
    return cli("crawl", "csrcfd", "--config", str(cfg), *args)


def q(cfg, sql, params=()):
    db = cfg.parent / "filingwatch.db"
    with sqlite3.connect(db) as conn:
        return conn.execute(sql, params).fetchall()


def pages_requested(replay):
    return [e["path"] for e in replay.requests("csrcfd") if e["path"].startswith("/csrcfd/")]


def test_full_crawl_fills_db_and_second_run_makes_one_request(replay, make_config, cli):
    cfg = make_config(replay.base_url)
    first = crawl(cli, cfg)
    assert first.returncode == 0, first.stderr[-2000:]
    assert "mode=full health=ok pages=3 requests=3 rows=20 new=20" in first.stdout
    assert q(cfg, "SELECT count(*) FROM filings") == [(20,)]
    assert q(
        cfg, "SELECT regulator FROM filings WHERE company = '郑州中原数据服务股份有限公司'"
    ) == [("河南证监局",)]
    assert q(cfg, "SELECT count(*) FROM events WHERE baseline = 0") == [
        (0,)
    ]  # first crawl = history
    warnings, problems = q(cfg, "SELECT warnings, problems FROM source_runs")[0]
    assert (
        warnings == 1 and json.loads(problems)[0]["kind"] == "unknown_status"
    )  # 辅导暂停, flagged
    assert "progress page=3/3" in first.stderr

    replay.clear_log()
    second = crawl(cli, cfg)
    assert second.returncode == 0
    assert "mode=incremental" in second.stdout and "new=0" in second.stdout
    assert pages_requested(replay) == [
        "/csrcfd/index.html"
    ]  # steady state: exactly one list request


def test_new_row_is_found_and_becomes_an_alertable_event(replay, make_config, cli):
    cfg = make_config(replay.base_url)
    assert crawl(cli, cfg).returncode == 0
    replay.site("csrcfd").control("publish", {
        "company": "超聚变数字技术股份有限公司", "broker": "中信证券股份有限公司",
        "regulator": "河南证监局", "filing_date": "2026-01-16", "status": "辅导备案",
        "report_type": "辅导备案报告", "disclosed": "2026-01-19"})  # fmt: skip
    replay.clear_log()
    run = crawl(cli, cfg)
    assert run.returncode == 0 and "new=1" in run.stdout
    assert pages_requested(replay) == ["/csrcfd/index.html", "/csrcfd/index_2.html"]
    events = q(
        cfg,
        "SELECT kind, stage, broker, regulator, event_date FROM events WHERE baseline = 0 ORDER BY kind",
    )
    assert events == [
        ("filing", "tutoring", "中信证券股份有限公司", "河南证监局", "2026-01-16"),
        ("stage", "tutoring", "中信证券股份有限公司", "河南证监局", "2026-01-16"),
    ]


def test_recrawl_is_idempotent(replay, make_config, cli):
    cfg = make_config(replay.base_url)
    assert crawl(cli, cfg).returncode == 0
    before = q(cfg, "SELECT count(*) FROM filings"), q(cfg, "SELECT count(*) FROM events")
    assert crawl(cli, cfg, "--full").returncode == 0
    assert crawl(cli, cfg, "--backfill").returncode == 0
    assert (q(cfg, "SELECT count(*) FROM filings"), q(cfg, "SELECT count(*) FROM events")) == before
    assert q(cfg, "SELECT count(DISTINCT last_run_id) FROM filings") == [(1,)]
    assert q(cfg, "SELECT min(last_run_id) FROM filings") == [(3,)]


def test_full_sweep_catches_status_change_of_an_old_company(replay, make_config, cli):
    site = replay.site("csrcfd")
    site.control("generate", {"rows": 90, "per_page": 30})
    cfg = make_config(replay.base_url)
    assert crawl(cli, cfg).returncode == 0
    deep = site.generated[-1]["company"]
    site.control("update", {"company": deep, "status": "辅导验收"})
    assert "new=0" in crawl(cli, cfg).stdout  # incremental stops on page 1: cannot see page 3
    run = crawl(cli, cfg, "--full")
    assert run.returncode == 0 and "pages=3" in run.stdout
    changes = q(cfg, "SELECT old_stage, stage, baseline FROM events WHERE kind='stage' AND company=?"
                     " AND old_stage IS NOT NULL", [deep])  # fmt: skip
    assert changes == [("tutoring", "tutoring_done", 0)]


def test_due_full_sweep_is_chosen_automatically(replay, make_config, cli):
    cfg = make_config(replay.base_url, source_extra="full_sweep_hours = 0.000001")
    assert crawl(cli, cfg).returncode == 0
    assert "mode=full" in crawl(cli, cfg).stdout


def test_gbk_body_from_the_server(replay, make_config, cli):
    replay.add_fault("gbk", site="csrcfd", path=r"/csrcfd/index\.html")
    cfg = make_config(replay.base_url)
    assert crawl(cli, cfg).returncode == 0
    assert q(cfg, "SELECT company FROM filings WHERE broker = '招商证券股份有限公司'") == [
        ("深圳光刻精密设备股份有限公司",)
    ]


def test_challenge_page_is_an_unhealthy_run_with_the_page_kept(replay, make_config, cli):
    replay.add_fault("challenge", site="csrcfd")
    cfg = make_config(replay.base_url)
    run = crawl(cli, cfg)
    assert run.returncode == 1
    assert "health=unhealthy" in run.stdout and "challenge" in run.stdout
    health, problems, url = q(cfg, "SELECT health, problems, last_error_url FROM source_runs")[0]
    assert health == "unhealthy" and url.endswith("/csrcfd/index.html")
    problem = json.loads(problems)[0]
    assert problem["kind"] == "challenge_page"
    saved = cfg.parent / "broken" / "csrcfd"
    bodies = list(saved.glob("*.body"))
    assert bodies and "访问验证" in bodies[0].read_text("utf-8")
    meta = json.loads(bodies[0].with_suffix(".json").read_text("utf-8"))
    assert meta["url"].endswith("/csrcfd/index.html") and meta["reason"] == "challenge_page"


def test_challenge_403_after_retries_is_recorded_as_challenge(replay, make_config, cli):
    replay.add_fault("challenge403", site="csrcfd")
    cfg = make_config(replay.base_url)
    assert crawl(cli, cfg).returncode == 1
    kinds = [p["kind"] for p in json.loads(q(cfg, "SELECT problems FROM source_runs")[0][0])]
    assert kinds == ["challenge_page"]
    assert len(pages_requested(replay)) == 4  # 1 + 3 retries with back-off


def test_5xx_then_success(replay, make_config, cli):
    replay.add_fault("status", site="csrcfd", count=2, status=503)
    cfg = make_config(replay.base_url)
    run = crawl(cli, cfg)
    assert run.returncode == 0 and "rows=20" in run.stdout
    assert pages_requested(replay)[:3] == ["/csrcfd/index.html"] * 3


def test_persistent_5xx_is_unhealthy_with_url(replay, make_config, cli):
    replay.add_fault("status", site="csrcfd", status=502)
    cfg = make_config(replay.base_url)
    run = crawl(cli, cfg)
    assert run.returncode == 1 and "HTTP 502" in run.stdout and "/csrcfd/index.html" in run.stdout


def test_empty_table_is_zero_rows_not_nothing_new(replay, make_config, cli):
    replay.add_fault("empty", site="csrcfd")
    cfg = make_config(replay.base_url)
    run = crawl(cli, cfg)
    assert run.returncode == 1
    assert json.loads(q(cfg, "SELECT problems FROM source_runs")[0][0])[0]["kind"] == "zero_rows"


def test_broken_middle_page_does_not_stop_a_full_sweep(replay, make_config, cli):
    replay.add_fault("truncate", site="csrcfd", path=r"index_2\.html")
    cfg = make_config(replay.base_url)
    run = crawl(cli, cfg)
    assert run.returncode == 1  # unhealthy: page 2 was cut off ...
    kinds = [p["kind"] for p in json.loads(q(cfg, "SELECT problems FROM source_runs")[0][0])]
    assert "bad_payload" in kinds
    assert q(cfg, "SELECT count(*) FROM filings") == [(14,)]  # ... but pages 1 and 3 were stored


def test_post_form_with_keyword_after_cookie_warmup(replay, make_config, cli):
    cfg = make_config(replay.base_url)
    run = crawl(cli, cfg, "--keyword", "芯源")
    assert run.returncode == 0, run.stderr[-2000:]
    log = [e for e in replay.requests("csrcfd") if e["path"].startswith("/csrcfd/")]
    assert [(e["method"], e["path"]) for e in log] == [
        ("GET", "/csrcfd/index.html"),
        ("POST", "/csrcfd/index_1_f.html"),
    ]
    form = log[1]["form"]
    assert (
        form["keyWord"] == "芯源"
        and form["isfilter"] == "true"
        and form["startDate2"] == "请输入开始时间"
    )
    assert log[1]["headers"]["referer"].endswith("/csrcfd/index.html")
    assert q(cfg, "SELECT DISTINCT company FROM filings") == [("上海芯源微电子股份有限公司",)]


def test_https_fallback_when_http_is_unreachable(replay, make_config, cli, tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        dead = s.getsockname()[1]  # closed once the block ends: connection refused
    cfg = make_config(f"http://127.0.0.1:{dead}")
    text = cfg.read_text(encoding="utf-8").replace(
        'fallback_base_url = ""', f'fallback_base_url = "{replay.base_url}"'
    )
    cfg.write_text(text, encoding="utf-8")
    run = crawl(cli, cfg)
    assert run.returncode == 0, run.stdout + run.stderr[-2000:]
    assert "rows=20" in run.stdout
    assert "falling back" in run.stderr


def test_a_host_that_refuses_connections_fails_fast_without_retries(make_config, cli, tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        dead = s.getsockname()[1]  # closed once the block ends: connection refused
    cfg = make_config(f"http://127.0.0.1:{dead}")
    # retries with a 5 s back-off would take 5 + 10 + 20 s: the run must not wait for them
    text = cfg.read_text(encoding="utf-8").replace(
        "backoff_base = 0.05", "backoff_base = 5\nretries = 3"
    )
    cfg.write_text(text, encoding="utf-8")
    run = crawl(cli, cfg)
    assert "not retrying" in run.stderr and "host down" in run.stderr, run.stderr[-2000:]
    assert "Gave up retrying" not in run.stderr
    (row,) = q(cfg, "SELECT health, last_error FROM source_runs")
    assert row[0] == "unhealthy" and "refused" in row[1].lower()


def test_other_requests_to_a_host_that_failed_are_not_tried_again(make_config, cli):
    # hkex_app asks one host for several status files: only the first may wait for the network
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        dead = s.getsockname()[1]
    cfg = make_config(f"http://127.0.0.1:{dead}", sources=("hkex_app",))
    run = cli("crawl", "hkex_app", "--config", str(cfg))
    assert run.stderr.count("not retrying") == 1, run.stderr[-3000:]
    assert "already failed in this run" in run.stderr
    (row,) = q(cfg, "SELECT health FROM source_runs")
    assert row == ("unhealthy",)
