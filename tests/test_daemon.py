"""The daemon: schedules per source, subprocess crawls with timeouts, SIGTERM, lock, SIGKILL recovery."""

import fcntl
import os
import re
import signal
import subprocess
import sys
import threading
import time

import pytest

from alerts.outbox import OutboxSink
from alerts.receivers import WebhookReceiver
from scraper import config, ingest
from scraper.core.records import Filing
from scraper.daemon import Daemon
from scraper.db import connection as dbconn
from scraper.sources import SOURCES

pytestmark = pytest.mark.slow

XFUSION = {"company": "超聚变数字技术股份有限公司", "broker": "中信证券股份有限公司", "regulator": "河南证监局",
           "filing_date": "2026-01-05", "status": "辅导备案", "report_type": "辅导备案报告"}  # fmt: skip


def wait_for(predicate, timeout=60.0, interval=0.1, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


def sources_block(base_url, schedules: dict[str, str]) -> str:
    lines = []
    for slug in SOURCES:
        lines += [f"[sources.{slug}]", f'base_url = "{base_url}"', 'fallback_base_url = ""', "jitter = 0",
                  f'enabled = {"true" if slug in schedules else "false"}']  # fmt: skip
        if slug in schedules:
            lines.append(f'schedule = "{schedules[slug]}"')
    return "\n".join(lines)


def write_config(tmp_path, base_url, schedules, extra=""):
    path = tmp_path / "config.toml"
    path.write_text(
        f'[database]\npath = "{tmp_path / "fw.db"}"\n[crawl]\ndownload_delay = 0\ntimeout = 5\n'
        f"backoff_base = 0.05\n{extra}\n{sources_block(base_url, schedules)}\n",
        encoding="utf-8",
    )
    return path


def start_daemon(path, log_path):
    log = open(log_path, "ab")  # noqa: SIM115
    proc = subprocess.Popen([sys.executable, "-m", "scraper.cli", "run", "--config", str(path)],
                            stdout=log, stderr=log, env={**os.environ, "PYTHONUNBUFFERED": "1"})  # fmt: skip
    log.close()
    return proc


def stop(proc, timeout=60):
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
    return proc.wait(timeout=timeout)


def test_two_sources_run_on_their_own_schedules(tmp_path, replay):
    other = next((s for s in sorted(SOURCES) if s != "csrcfd"), None)
    if other is None:
        pytest.skip("only one source is registered")
    path = write_config(tmp_path, replay.base_url, {"csrcfd": "interval:2s", other: "interval:5s"},
                        "[daemon]\nmin_interval = 0\ncrawl_timeout = 15\nworkers = 2\n")  # fmt: skip
    runs: dict[str, list[tuple[float, float]]] = {"csrcfd": [], other: []}
    lock = threading.Lock()

    class Recording(Daemon):
        def run_source(self, source):
            start = time.monotonic()
            try:
                return super().run_source(source)
            finally:
                with lock:
                    runs[source].append((start, time.monotonic()))

    daemon = Recording(config.load(path))
    daemon.start()
    try:
        job = daemon.scheduler.get_job("crawl:csrcfd")
        assert (job.max_instances, job.coalesce, job.misfire_grace_time) == (1, True, 1)
        assert str(job.trigger.timezone) == "Asia/Shanghai" and job.trigger.interval.total_seconds() == 2
        assert daemon.scheduler.get_job(f"crawl:{other}").trigger.interval.total_seconds() == 5
        time.sleep(11.5)
    finally:
        daemon.stop()
    fast, slow = runs["csrcfd"], runs[other]
    assert len(fast) >= 3 and 2 <= len(slow) <= 3 and len(fast) > len(slow), runs
    for spans in (fast, slow):  # never two runs of one source at once
        assert all(b[0] >= a[1] for a, b in zip(spans, spans[1:], strict=False)), spans
    starts = [s for s, _ in slow]
    assert all(b - a >= 4.5 for a, b in zip(starts, starts[1:], strict=False)), starts


def test_sigkill_between_event_and_delivery_then_exactly_once(tmp_path, replay, cli):
    with WebhookReceiver() as hook:
        path = write_config(tmp_path, replay.base_url, {"csrcfd": "interval:1h"}, f"""
[daemon]
deliver_interval = 0.2
[alerts]
retry_base = 0.3
retry_max = 0.6
[[channels]]
name = "hook"
url = "{hook.url()}"
[[watch]]
name = "ai"
sectors = ["ai_server", "chips"]
channels = ["hook"]
""")  # fmt: skip
        cli("crawl", "csrcfd", "--config", str(path), check=True)  # baseline: history, no alerts
        replay.site("csrcfd").control("publish", dict(XFUSION))
        hook.status = 500  # the channel is down while the first daemon lives
        db = dbconn.open_db(tmp_path / "fw.db")

        def attempts():  # the event is recorded and one delivery attempt has failed
            row = db.execute("SELECT attempts, status FROM outbox").fetchone()
            return row if row and row[0] >= 1 and row[1] == "pending" else None

        first = start_daemon(path, tmp_path / "daemon1.log")
        try:
            wait_for(attempts, what="an outbox row with a failed attempt")
        finally:
            first.kill()  # SIGKILL: no clean-up at all
            first.wait(timeout=30)
        assert hook.messages() == [] and hook.refused
        hook.status = 200
        second = start_daemon(path, tmp_path / "daemon2.log")
        try:
            wait_for(lambda: hook.messages(), what="the alert after restart")
            time.sleep(2.0)  # many more delivery rounds
        finally:
            assert stop(second) == 0
        (message,) = hook.messages()
        assert message["title"] == "超聚变数字技术股份有限公司 (xFusion) — 辅导备案"
        assert db.execute("SELECT status, count(*) FROM outbox GROUP BY status").fetchall() == [("sent", 1)]
        assert db.execute("SELECT count(*) FROM events WHERE company = ? AND baseline = 0",
                          [XFUSION["company"]]).fetchone()[0] == 2  # fmt: skip  (document + stage)


def test_a_new_daemon_releases_claims_of_a_dead_one(tmp_path, replay):
    path = write_config(tmp_path, replay.base_url, {"csrcfd": "interval:1h"}, """
[[channels]]
name = "hook"
url = "json://127.0.0.1:9/hook"
[[watch]]
sectors = ["ai_server"]
channels = ["hook"]
""")  # fmt: skip
    cfg = config.load(path)
    db = dbconn.open_db(cfg.db_path)
    ingest.write_filings(db, [Filing(source="csrcfd", native_id="x", company=XFUSION["company"], kind="t",
                                      title="t", status="tutoring", company_stage="tutoring")],
                          ingest.WriteContext(), sink=OutboxSink(cfg))  # fmt: skip
    db.execute("UPDATE outbox SET status = 'sending', claimed_by = 'daemon-1', claim_until = 9e9, attempts = 1")
    daemon = Daemon(cfg)
    daemon.prepare()  # holds the lock now: daemon-1 must be dead
    try:
        assert db.execute("SELECT status FROM outbox").fetchall() == [("pending",)]
    finally:
        daemon.stop()


def test_sigterm_abandons_a_hung_crawl_and_the_lock_stops_a_second_daemon(tmp_path, replay):
    path = write_config(tmp_path, replay.base_url, {"csrcfd": "interval:1h"}, "[daemon]\nstop_timeout = 5\n")
    replay.add_fault("slow", site="csrcfd", delay=60)
    log_path = tmp_path / "daemon.log"
    daemon = start_daemon(path, log_path)
    try:
        wait_for(lambda: replay.requests("csrcfd"), what="the crawl to reach the site")
        second = subprocess.run([sys.executable, "-m", "scraper.cli", "run", "--config", str(path)],
                                capture_output=True, text=True, timeout=60)  # fmt: skip
        assert second.returncode == 1 and "another filingwatch daemon (pid" in second.stderr
        started = time.monotonic()
    finally:
        rc = stop(daemon)
    assert rc == 0 and time.monotonic() - started < 30
    text = log_path.read_text()
    assert "event=signal signal=SIGTERM" in text and "event=stopped" in text
    child = int(re.search(r"event=crawl_stop source=csrcfd pid=(\d+)", text)[1])
    with pytest.raises(ProcessLookupError):
        os.kill(child, 0)  # the crawl did not outlive the daemon
    with open(f"{tmp_path / 'fw.db'}.lock", "a+") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)  # released
    for line in text.splitlines():  # every daemon line is key=value
        if "logger=filingwatch" in line:
            assert re.match(r"^ts=\S+ level=\w+ logger=\S+ (event|msg)=", line), line


def test_a_hung_site_is_killed_after_the_timeout_and_opens_an_incident(tmp_path, replay):
    path = write_config(tmp_path, replay.base_url, {"csrcfd": "interval:1h"},
                        "[daemon]\ncrawl_timeout = 3\n")  # fmt: skip
    replay.add_fault("slow", site="csrcfd", delay=30)
    daemon = Daemon(config.load(path))
    started = time.monotonic()
    outcome = daemon.run_source("csrcfd")
    assert time.monotonic() - started < 20
    assert "did not finish in 3 s" in outcome.failure
    db = dbconn.open_db(tmp_path / "fw.db")
    assert db.execute("SELECT kind, detail FROM incidents WHERE resolved_at IS NULL").fetchall() == [
        ("unhealthy", "crawl did not finish in 3 s and was killed")
    ]
    assert db.execute("SELECT health FROM source_runs").fetchall() == [("interrupted",)]
