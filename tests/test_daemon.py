"""The daemon: schedules per source, subprocess crawls with timeouts, SIGTERM, lock, SIGKILL recovery."""

import fcntl
import os
import re
import signal
import subprocess
import sys
import threading
import time
from datetime import datetime, timedelta

import apscheduler.executors.base
import apscheduler.schedulers.base
import pytest
from apscheduler.events import (
    EVENT_ALL,
    EVENT_JOB_ERROR,
    EVENT_JOB_EXECUTED,
    EVENT_JOB_MAX_INSTANCES,
    EVENT_JOB_MISSED,
    EVENT_JOB_SUBMITTED,
)
from apscheduler.schedulers.base import BaseScheduler
from helpers import wait_for

from alerts.outbox import OutboxSink
from alerts.receivers import WebhookReceiver
from scraper import config, ingest
from scraper.core.records import Filing
from scraper.core.timeutil import SHANGHAI
from scraper.daemon import Daemon
from scraper.db import connection as dbconn
from scraper.sources import SOURCES

pytestmark = pytest.mark.slow

XFUSION = {"company": "超聚变数字技术股份有限公司", "broker": "中信证券股份有限公司", "regulator": "河南证监局",
           "filing_date": "2026-01-05", "status": "辅导备案", "report_type": "辅导备案报告"}  # fmt: skip


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


class FakeClock:
    """The daemon's and APScheduler's "now": moves only when the test says so."""

    def __init__(self):
        self.now = datetime.now(SHANGHAI).replace(microsecond=0)
        self.start = self.now

    def __call__(self) -> datetime:
        return self.now

    def offset(self) -> float:
        return (self.now - self.start).total_seconds()


class SteppedScheduler(BaseScheduler):
    """APScheduler's own job processing (due jobs, max_instances, coalesce, misfire grace), run
    one step at a time by the test instead of by a thread waiting on the wall clock."""

    def wakeup(self):
        pass

    def shutdown(self, wait=True):
        super().shutdown(wait)

    def step(self):
        self._process_jobs()


@pytest.fixture
def stepped(monkeypatch):
    """(clock, scheduler factory, scheduled): APScheduler reads `now` from the fake clock.

    APScheduler 3 calls datetime.now() in the scheduler loop and in the executor's misfire
    check; both modules see a datetime whose now() is the clock. `scheduled` collects job
    events, so a step can wait for the runs it started instead of sleeping.
    """
    clock = FakeClock()

    class ClockDatetime(datetime):
        @classmethod
        def now(cls, tz=None):
            return clock.now.astimezone(tz) if tz else clock.now.replace(tzinfo=None)

    for module in (apscheduler.schedulers.base, apscheduler.executors.base):
        monkeypatch.setattr(module, "datetime", ClockDatetime)
    scheduled = Scheduled()

    def factory(**options):
        scheduler = SteppedScheduler(**options)
        scheduler.add_listener(scheduled.on_event, EVENT_ALL)
        return scheduler

    return clock, factory, scheduled


class Scheduled:
    """Job events seen by the scheduler, and waiting until every submitted run has finished."""

    def __init__(self):
        self.cond = threading.Condition()
        self.events = []

    def on_event(self, event):
        with self.cond:
            self.events.append(event)
            self.cond.notify_all()

    def count(self, code, job_id=None):
        with self.cond:
            return sum(1 for e in self.events if e.code == code and job_id in (None, e.job_id))

    def settled(self, timeout=120.0):
        """Block until every submitted run has finished (a crawl takes what it takes)."""
        done = EVENT_JOB_EXECUTED | EVENT_JOB_ERROR | EVENT_JOB_MISSED
        with self.cond:
            ok = self.cond.wait_for(lambda: sum(1 for e in self.events if e.code & done)
                                    >= self.count(EVENT_JOB_SUBMITTED), timeout)  # fmt: skip
        assert ok, f"runs still going after {timeout}s: {self.events}"


def test_two_sources_run_on_their_own_schedules(tmp_path, replay, stepped):
    """11.5 s of schedule, stepped every 0.5 s on a fake clock; each step waits for its (real) crawls."""
    clock, factory, scheduled = stepped
    other = next((s for s in sorted(SOURCES) if s != "csrcfd"), None)
    if other is None:
        pytest.skip("only one source is registered")
    path = write_config(tmp_path, replay.base_url, {"csrcfd": "interval:2s", other: "interval:5s"},
                        "[daemon]\nmin_interval = 0\ncrawl_timeout = 60\nworkers = 2\n")  # fmt: skip
    runs: dict[str, list[tuple[float, float, float]]] = {"csrcfd": [], other: []}
    lock = threading.Lock()

    class Recording(Daemon):
        def run_source(self, source):
            at, start = clock.offset(), time.monotonic()
            try:
                return super().run_source(source)
            finally:
                with lock:
                    runs[source].append((at, start, time.monotonic()))

    daemon = Recording(config.load(path), clock=clock, scheduler_factory=factory)
    daemon.start()
    try:
        job = daemon.scheduler.get_job("crawl:csrcfd")
        assert (job.max_instances, job.coalesce, job.misfire_grace_time) == (1, True, 1)
        assert (
            str(job.trigger.timezone) == "Asia/Shanghai"
            and job.trigger.interval.total_seconds() == 2
        )
        assert daemon.scheduler.get_job(f"crawl:{other}").trigger.interval.total_seconds() == 5
        for _ in range(24):  # t = 0, 0.5, ... 11.5
            daemon.scheduler.step()
            scheduled.settled()
            clock.now += timedelta(seconds=0.5)
    finally:
        daemon.stop()
    fast, slow = runs["csrcfd"], runs[other]
    assert [r[0] for r in fast] == [0, 2, 4, 6, 8, 10] and [r[0] for r in slow] == [0, 5, 10], runs
    assert len(fast) >= 3 and 2 <= len(slow) <= 3 and len(fast) > len(slow), runs
    for spans in (fast, slow):  # never two runs of one source at once (wall clock)
        assert all(b[1] >= a[2] for a, b in zip(spans, spans[1:], strict=False)), spans
    starts = [s for s, _, _ in slow]
    assert all(b - a >= 4.5 for a, b in zip(starts, starts[1:], strict=False)), starts
    assert scheduled.count(EVENT_JOB_MISSED) == 0 and scheduled.count(EVENT_JOB_MAX_INSTANCES) == 0
    db = dbconn.open_db(tmp_path / "fw.db")  # every run was a real crawl that recorded itself
    assert dict(db.execute("SELECT source, count(*) FROM source_runs GROUP BY source").fetchall()) == {
        "csrcfd": 6, other: 3}  # fmt: skip


def test_one_run_of_a_source_at_a_time_and_late_runs_coalesce(tmp_path, replay, stepped):
    clock, factory, scheduled = stepped
    path = write_config(tmp_path, replay.base_url, {"csrcfd": "interval:2s"},
                        "[daemon]\nmin_interval = 0\nworkers = 2\n")  # fmt: skip
    gate, started = threading.Event(), threading.Semaphore(0)
    starts: list[float] = []
    running, lock = [0, 0], threading.Lock()  # runs now, most ever at once

    class Blocking(Daemon):
        def run_source(self, source):  # a crawl that lasts until the test opens the gate
            with lock:
                running[0] += 1
                running[1] = max(running)
            starts.append(clock.offset())
            started.release()
            gate.wait(60)
            with lock:
                running[0] -= 1

    daemon = Blocking(config.load(path), clock=clock, scheduler_factory=factory)
    daemon.start()
    try:
        daemon.scheduler.step()  # t=0: run on start
        assert started.acquire(timeout=60)
        for t in (2, 4, 6):  # three fire times while the first run still runs: each refused
            clock.now = clock.start + timedelta(seconds=t)
            daemon.scheduler.step()
        assert scheduled.count(EVENT_JOB_MAX_INSTANCES, "crawl:csrcfd") == 3
        assert starts == [0] and running[1] == 1
        gate.set()
        scheduled.settled()
        clock.now = clock.start + timedelta(seconds=8)
        daemon.scheduler.step()
        scheduled.settled()
        # the scheduler wakes late (suspend, a loaded machine): 10, 12 and 14 were due; one run
        clock.now = clock.start + timedelta(seconds=14.5)
        daemon.scheduler.step()
        scheduled.settled()
    finally:
        gate.set()
        daemon.stop()
    assert starts == [0, 8, 14.5] and running[1] == 1
    submitted = [
        e for e in scheduled.events if e.code == EVENT_JOB_SUBMITTED and e.job_id == "crawl:csrcfd"
    ]
    assert [[(t - clock.start).total_seconds() for t in e.scheduled_run_times] for e in submitted] == [
        [0], [8], [14]]  # fmt: skip
    assert scheduled.count(EVENT_JOB_MISSED) == 0


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
            wait_for(lambda: db.execute("SELECT count(*) FROM outbox WHERE status != 'sent'").fetchone()[0] == 0,
                     what="the outbox row marked sent")  # fmt: skip
        finally:
            assert stop(second) == 0  # the deliverer's last round is over: messages are final
        (message,) = hook.messages()
        assert message["title"] == "超聚变数字技术股份有限公司 (xFusion) — 辅导备案"
        assert db.execute("SELECT status, count(*) FROM outbox GROUP BY status").fetchall() == [
            ("sent", 1)
        ]
        assert (
            db.execute(
                "SELECT count(*) FROM events WHERE company = ? AND baseline = 0",
                [XFUSION["company"]],
            ).fetchone()[0]
            == 2
        )  # fmt: skip  (document + stage)


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
    db.execute(
        "UPDATE outbox SET status = 'sending', claimed_by = 'daemon@x:1:a', claim_until = 9e9, attempts = 1"
    )
    daemon = Daemon(cfg)
    daemon.prepare()  # holds the lock now: daemon-1 must be dead
    try:
        # it was mid-send: the channel may have it, so it waits (uncertain), then goes with its key
        assert db.execute("SELECT status FROM outbox").fetchall() == [("uncertain",)]
    finally:
        daemon.stop()


def test_sigterm_abandons_a_hung_crawl_and_the_lock_stops_a_second_daemon(tmp_path, replay):
    path = write_config(
        tmp_path, replay.base_url, {"csrcfd": "interval:1h"}, "[daemon]\nstop_timeout = 5\n"
    )
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
                        "[daemon]\ncrawl_timeout = 15\n")  # fmt: skip
    # 15 s, not 3: a loaded machine can take seconds to start Scrapy, and a crawl killed before
    # it recorded its run leaves nothing to mark interrupted
    replay.add_fault("slow", site="csrcfd", delay=120)
    daemon = Daemon(config.load(path))
    started = time.monotonic()
    outcome = daemon.run_source("csrcfd")
    assert time.monotonic() - started < 32  # timeout + the same 17 s margin
    assert "did not finish in 15 s" in outcome.failure
    db = dbconn.open_db(tmp_path / "fw.db")
    assert db.execute(
        "SELECT kind, detail FROM incidents WHERE resolved_at IS NULL"
    ).fetchall() == [("unhealthy", "crawl did not finish in 15 s and was killed")]
    assert db.execute("SELECT health FROM source_runs").fetchall() == [("interrupted",)]
