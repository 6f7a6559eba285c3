"""Runs stop where they are told to, and say where: a SIGTERM or run_timeout inside a long write
(scraper/stopcheck.py), and a hkex_app run cut by run_timeout (scraper/health.py)."""

import os
import signal
import sqlite3

import pytest

from scraper import ingest
from scraper.core.records import Filing
from scraper.db import connection as dbconn
from scraper.stopcheck import RunStopped, StopCheck

pytestmark = pytest.mark.slow


def adversarial(n: int) -> list[Filing]:
    return [Filing(source="csrcfd", native_id=f"n{i}", company=f"上海芯片科技{i}号股份有限公司",
                   kind="t", title="t", status="tutoring", company_stage="tutoring")
            for i in range(n)]  # fmt: skip


def test_sigterm_inside_a_long_write_stops_it_and_rolls_it_back(tmp_path):
    db = dbconn.open_db(tmp_path / "fw.db")
    stop = StopCheck()
    previous = signal.getsignal(signal.SIGTERM)
    seen = {"checks": 0, "terminated": False}

    def check():  # the real signal, sent to ourselves from inside the write
        seen["checks"] += 1
        if seen["checks"] == 3:
            os.kill(os.getpid(), signal.SIGTERM)
        stop()

    signal.signal(signal.SIGTERM, lambda *a: seen.update(terminated=True))  # "Scrapy's" handler
    try:
        stop.install_signal_handlers()
        with pytest.raises(RunStopped, match="SIGTERM"):
            ingest.write_filings(db, adversarial(2000), ingest.WriteContext(check=check))
    finally:
        signal.signal(signal.SIGTERM, previous)
        signal.signal(signal.SIGINT, signal.default_int_handler)
    assert seen["terminated"]  # handed on to the handler that was there
    assert 3 <= seen["checks"] < 10  # stopped at the next check, not at the end of 2,000 names
    assert db.execute("SELECT count(*) FROM companies").fetchone()[0] == 0  # rolled back whole
    assert db.execute("SELECT count(*) FROM filings").fetchone()[0] == 0


def test_run_timeout_inside_a_long_write_stops_it(tmp_path):
    db = dbconn.open_db(tmp_path / "fw.db")
    now = [0.0]
    stop = StopCheck(timeout=900, clock=lambda: now[0])
    calls = [0]

    def check():
        calls[0] += 1
        if calls[0] == 2:
            now[0] = 901.0  # the run passes its deadline in the middle of the write
        stop()

    with pytest.raises(RunStopped, match="run_timeout"):
        ingest.write_filings(db, adversarial(1000), ingest.WriteContext(check=check))
    assert calls[0] == 2 and db.execute("SELECT count(*) FROM companies").fetchone()[0] == 0


def test_a_hkex_app_run_cut_by_run_timeout_records_error_text_and_url(replay, make_config, cli):
    cfg = make_config(replay.base_url, sources=("hkex_app",))
    replay.add_fault("slow", site="hkex_app", delay=3.0, count=1)
    run = cli("crawl", "hkex_app", "--config", str(cfg), "-s", "CLOSESPIDER_TIMEOUT=1")
    assert run.returncode == 1
    with sqlite3.connect(cfg.parent / "filingwatch.db") as conn:
        reason, health, error, url = conn.execute(
            "SELECT finish_reason, health, last_error, last_error_url FROM source_runs"
        ).fetchone()
    assert reason == "closespider_timeout" and health == "unhealthy"
    assert "run_timeout" in error and url.startswith(replay.base_url)
