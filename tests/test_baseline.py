"""Baseline is the source's state: history never alerts, even when the first sweep is cut short.

Real crawls of the replay's csrcfd list (fixtures: two pages, 20 rows), a watch rule that fires
on every tutoring move, and the outbox counted after each run.
"""

import signal
import subprocess
import sys

import pytest
from helpers import WATCH_EVERY_TUTORING_EVENT, wait_for
from helpers import db_scalar as scalar

pytestmark = pytest.mark.slow

WATCH = WATCH_EVERY_TUTORING_EVENT
NEW = {"company": "长江算力芯片股份有限公司", "broker": "中信证券股份有限公司", "regulator": "湖北证监局",
       "filing_date": "2026-11-28", "status": "辅导备案", "report_type": "辅导备案报告"}  # fmt: skip


def complete_then_news(cli, replay, cfg, db):
    """The run after the cut finishes the first sweep: still history. Then one real filing."""
    rerun = cli("crawl", "csrcfd", "--config", str(cfg))
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr[-1500:]
    assert scalar(db, "SELECT count(*) FROM filings") == 20
    assert scalar(db, "SELECT count(*) FROM outbox") == 0  # history: no alert at all
    assert scalar(db, "SELECT count(*) FROM events WHERE baseline = 0") == 0
    assert scalar(db, "SELECT baseline_done_at IS NOT NULL FROM crawl_state") == 1

    replay.site("csrcfd").control("publish", dict(NEW))
    news = cli("crawl", "csrcfd", "--config", str(cfg))
    assert news.returncode == 0, news.stdout + news.stderr[-1500:]
    assert scalar(db, "SELECT count(*) FROM outbox") == 1  # one message for the new company
    assert scalar(db, "SELECT json_extract(payload, '$.company') FROM outbox") == NEW["company"]


def test_killed_first_crawl_alerts_on_nothing_from_history(replay, make_config, cli):
    cfg = make_config(replay.base_url, extra=WATCH)
    db = cfg.parent / "filingwatch.db"
    fault = replay.add_fault("slow", site="csrcfd", path=r"index_2\.html", delay=8.0, count=1)
    proc = subprocess.Popen([sys.executable, "-m", "scraper.cli", "crawl", "csrcfd", "--config", str(cfg)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    wait_for(lambda: scalar(db, "SELECT count(*) FROM filings") >= 10)  # page 1 committed
    wait_for(lambda: fault.count == 0)  # page 2 is being served, slowly
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=60)
    assert scalar(db, "SELECT baseline_done_at FROM crawl_state") is None
    complete_then_news(cli, replay, cfg, db)


def test_first_crawl_cut_by_run_timeout_alerts_on_nothing_from_history(replay, make_config, cli):
    cfg = make_config(replay.base_url, extra=WATCH)
    db = cfg.parent / "filingwatch.db"
    replay.add_fault("slow", site="csrcfd", path=r"index_2\.html", delay=6.0, count=1)
    cut = cli("crawl", "csrcfd", "--config", str(cfg), "-s", "CLOSESPIDER_TIMEOUT=1")
    assert scalar(db, "SELECT finish_reason FROM source_runs") == "closespider_timeout", cut.stdout
    assert 0 < scalar(db, "SELECT count(*) FROM filings") < 20
    assert scalar(db, "SELECT baseline_done_at FROM crawl_state") is None
    complete_then_news(cli, replay, cfg, db)


def test_alert_baseline_flag_still_alerts_on_the_first_sweep(replay, make_config, cli):
    cfg = make_config(replay.base_url, extra=WATCH)
    db = cfg.parent / "filingwatch.db"
    first = cli("crawl", "csrcfd", "--config", str(cfg), "--alert-baseline")
    assert first.returncode == 0, first.stderr[-1500:]
    assert scalar(db, "SELECT count(*) FROM outbox") > 0


@pytest.mark.parametrize(
    "source", sorted(__import__("scraper.sources", fromlist=["SOURCES"]).SOURCES)
)
def test_every_sources_first_healthy_sweep_ends_its_baseline(replay, make_config, cli, source):
    """Otherwise a source would stay baseline for ever and never alert."""
    cfg = make_config(replay.base_url, sources=(source,))
    db = cfg.parent / "filingwatch.db"
    run = cli("crawl", source, "--config", str(cfg))
    assert run.returncode == 0, run.stdout + run.stderr[-1500:]
    assert scalar(db, "SELECT health FROM source_runs ORDER BY id DESC LIMIT 1") == "ok", run.stdout
    assert (
        scalar(
            db, f"SELECT baseline_done_at IS NOT NULL FROM crawl_state WHERE source = '{source}'"
        )
        == 1
    )


def test_a_sweep_with_a_broken_page_does_not_end_the_baseline(replay, make_config, cli):
    """The rows a broken page hid would alert as news on the next run: the sweep is not complete."""
    replay.site("csrcfd").control("generate", {"rows": 60, "per_page": 12})  # 5 pages
    cfg = make_config(replay.base_url, extra=WATCH)
    db = cfg.parent / "filingwatch.db"
    replay.add_fault("truncate", site="csrcfd", path=r"index_3\.html")
    first = cli("crawl", "csrcfd", "--config", str(cfg))
    assert "health=unhealthy" in first.stdout and "pages=4" in first.stdout, first.stdout
    assert (
        scalar(db, "SELECT last_full_at IS NOT NULL FROM crawl_state") == 1
    )  # every page was tried
    assert scalar(db, "SELECT baseline_done_at FROM crawl_state") is None
    replay.clear_faults()
    second = cli("crawl", "csrcfd", "--config", str(cfg))
    assert "health=ok" in second.stdout and "mode=full" in second.stdout, second.stdout
    assert scalar(db, "SELECT baseline_done_at IS NOT NULL FROM crawl_state") == 1
    assert scalar(db, "SELECT count(*) FROM outbox") == 0  # the hidden page's rows were history
