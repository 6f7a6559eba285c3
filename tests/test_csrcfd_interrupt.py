"""An interrupted crawl (SIGTERM or SIGKILL) leaves the DB consistent; the next run completes it."""

import signal
import sqlite3
import subprocess
import sys

import pytest
from helpers import db_scalar as count
from helpers import wait_for

pytestmark = pytest.mark.slow


def start_crawl(cfg):
    return subprocess.Popen([sys.executable, "-m", "scraper.cli", "crawl", "csrcfd", "--config", str(cfg)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)  # fmt: skip


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL])
def test_interrupted_crawl_is_completed_by_the_next_run(replay, make_config, cli, sig):
    cfg = make_config(replay.base_url)
    db = cfg.parent / "filingwatch.db"
    fault = replay.add_fault("slow", site="csrcfd", path=r"index_2\.html", delay=8.0, count=1)
    proc = start_crawl(cfg)
    wait_for(lambda: count(db, "SELECT count(*) FROM filings") >= 10)  # page 1 committed
    wait_for(lambda: fault.count == 0)  # page 2 is being served, slowly
    proc.send_signal(sig)
    proc.wait(timeout=60)

    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("SELECT in_progress_run FROM crawl_state").fetchone()[0] is not None
    events_before = count(db, "SELECT count(*) FROM events")

    rerun = cli("crawl", "csrcfd", "--config", str(cfg))
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr[-1500:]
    assert "mode=full" in rerun.stdout
    assert count(db, "SELECT count(*) FROM filings") == 20
    assert count(db, "SELECT count(*) FROM events") >= events_before
    assert (
        count(
            db,
            "SELECT count(*) FROM (SELECT dedupe_key FROM events GROUP BY dedupe_key HAVING count(*) > 1)",
        )
        == 0
    )
    assert count(db, "SELECT count(*) FROM source_runs WHERE health = 'running'") == 0
    assert count(db, "SELECT in_progress_run IS NULL FROM crawl_state") == 1
