"""`filingwatch run`: schedule every enabled source, run each crawl in a subprocess, deliver alerts.

Why a subprocess per crawl: a Twisted reactor cannot be restarted in one process, and a
long-lived reactor would carry every spider's leaks, a crashed extension or a wedged
connection into the next run. `python -m scraper.cli crawl SOURCE` is the same command a user
runs by hand; the daemon gives it a timeout and kills it when a site hangs. The start-up cost
(~1 s) is nothing next to a 15-minute schedule.

Scheduling is APScheduler 3 (BackgroundScheduler, thread pool): a job blocks its worker thread
until its crawl exits, so `max_instances=1` really means one run of a source at a time;
`coalesce=True` folds missed runs into one; `misfire_grace_time` is half the interval. The
deliverer runs in its own thread. Logs go to stderr as key=value lines.

Each crawl starts in its own session (process group), so stopping it signals the whole group:
SIGTERM or SIGINT to the daemon, `run` or `run --once`, ends every crawl (SIGTERM, SIGKILL
after a grace), waits for it and only then exits; no crawl outlives its daemon.

Time enters through one seam: `clock` (what "now" is for triggers and run-now jobs) and
`scheduler_factory` (which APScheduler to drive), so tests step the schedule with a fake clock
instead of sleeping.
"""

from __future__ import annotations

import ctypes
import fcntl
import json
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from apscheduler.executors.pool import ThreadPoolExecutor as JobPool
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from alerts import incidents
from alerts.config import AlertSettings, parse_duration, settings
from alerts.delivery import Deliverer, check_channels, masked
from scraper import crawl_lock, logfiles
from scraper.config import Config, ConfigError, line_of
from scraper.core.textsafe import strip_controls
from scraper.core.timeutil import SHANGHAI
from scraper.crawl_lock import EXIT_LOCKED
from scraper.db import connection as dbconn
from scraper.db import runs

log = logging.getLogger("filingwatch.daemon")

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    return datetime.now(SHANGHAI)


_PR_SET_PDEATHSIG = 1


def die_with_parent(parent: int) -> Callable[[], None]:
    """preexec_fn for a crawl: the kernel SIGKILLs it when the daemon dies, even by SIGKILL.

    Without it a crawl outlived a killed daemon and the restarted daemon crawled the same source
    beside the orphan. (Linux delivers the signal when the forking *thread* exits; crawls are
    started from scheduler pool threads that live as long as the daemon.) The crawl also leads
    its own process group (start_new_session), which stop() signals as a whole.
    """

    try:  # loaded here, in the parent: the child between fork and exec should do no more than call
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):  # not Linux: the process group still serves stop()
        prctl = None

    def preexec() -> None:
        if prctl is None:
            return
        prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        if os.getppid() != parent:  # the daemon died before prctl took effect
            os._exit(1)

    return preexec


class DaemonError(RuntimeError):
    """A reason the daemon cannot start (another daemon holds the lock, a bad schedule)."""


# ---------------------------------------------------------------- logging


def _kv(value) -> str:
    text = strip_controls(str(value), newlines=False)  # scraped text (crawl log tails) is hostile
    if text == "" or any(c in text for c in ' ="\n\t'):
        return json.dumps(text, ensure_ascii=False)
    return text


class KeyValueFormatter(logging.Formatter):
    """`ts=… level=… logger=… event=… k=v`: grep-able and parseable (shlex.split, then split('='))."""

    def format(self, record: logging.LogRecord) -> str:
        ts = datetime.fromtimestamp(record.created, SHANGHAI).isoformat(timespec="milliseconds")
        msg = record.getMessage()
        head = f"ts={ts} level={record.levelname.lower()} logger={record.name}"
        if not msg.startswith("event="):
            msg = f"msg={_kv(msg)}"
        if record.exc_info:
            msg += f" exc={_kv(self.formatException(record.exc_info))}"
        return f"{head} {msg}"


def setup_logging(level: int = logging.INFO, stream=None) -> None:
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(KeyValueFormatter())
    root = logging.getLogger()
    for h in list(root.handlers):
        root.removeHandler(h)
    root.addHandler(handler)
    root.setLevel(level)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    # apprise at WARNING, not higher: its result objects only capture what its logger lets through
    logging.getLogger("apprise").setLevel(logging.WARNING)


def kv(**fields) -> str:
    return " ".join(f"{k}={_kv(v)}" for k, v in fields.items() if v is not None)


# ---------------------------------------------------------------- schedules


def trigger_for(cfg: Config, slug: str, min_interval: float, now: datetime | None = None):
    """(APScheduler trigger, period in seconds) from `[sources.X] schedule` and `jitter`.

    `now` (default: the wall clock) anchors an interval's first fire time, so a fake clock
    gives a predictable schedule.
    """
    now = now or system_clock()
    src = cfg.source(slug)
    key = f"sources.{slug}.schedule"
    kind, _, spec = src.schedule.partition(":")
    jitter = src.jitter or None
    if kind == "interval":
        seconds = parse_duration(spec)
        if seconds is None or seconds <= 0:
            raise ConfigError(
                cfg.path, key, f"expected a positive interval, got {spec!r}", _line(cfg, key)
            )
        trigger = IntervalTrigger(seconds=seconds, timezone=cfg.timezone, jitter=jitter,
                                  start_date=now + timedelta(seconds=seconds))  # fmt: skip
        period = seconds
    else:
        try:
            trigger = CronTrigger.from_crontab(spec, timezone=cfg.timezone)
        except ValueError as exc:
            raise ConfigError(
                cfg.path, key, f"bad crontab {spec!r}: {exc}", _line(cfg, key)
            ) from None
        trigger.jitter = jitter
        first = trigger.get_next_fire_time(None, now)
        second = trigger.get_next_fire_time(first, first + timedelta(microseconds=1))
        period = (second - first).total_seconds() if first and second else 86400.0
    if period < min_interval:
        raise ConfigError(cfg.path, key, f"runs every {period:g} s, below daemon.min_interval "
                          f"({min_interval:g} s); be polite to the sites", _line(cfg, key))  # fmt: skip
    return trigger, period


def _line(cfg: Config, key: str) -> int | None:
    try:
        return line_of(Path(cfg.path).read_text(encoding="utf-8"), key)
    except OSError:
        return None


# ---------------------------------------------------------------- the daemon


@dataclass
class CrawlOutcome:
    source: str
    returncode: int | None
    seconds: float
    failure: str | None  # set when the daemon, not the run, saw the problem (timeout, crash)
    run_id: int | None = None
    health: str | None = None


class Daemon:
    def __init__(self, cfg: Config, *, clock: Clock = system_clock,
                 scheduler_factory: Callable[..., BaseScheduler] = BackgroundScheduler):  # fmt: skip
        self.cfg = cfg
        self.clock = clock
        self.scheduler_factory = scheduler_factory
        self.signalled: int | None = None  # the signal that stopped us, if one did
        self.settings: AlertSettings = settings(cfg)
        self.options = self.settings.daemon
        self.stop_event = threading.Event()
        self.wake = threading.Event()
        self._procs: dict[str, subprocess.Popen] = {}
        self._active: set[str] = set()  # sources whose run_source is in progress
        self._lock = threading.Lock()
        self._stopping: set[int] = set()  # pids of crawls being terminated
        self._stoppers: list[threading.Thread] = []  # the threads terminating them
        self._lock_file = None
        self.scheduler: BaseScheduler | None = None
        self._deliver_thread: threading.Thread | None = None
        self.deliverer: Deliverer | None = None
        self.log_dir = Path(self.options.log_dir) if self.options.log_dir else cfg.data_dir / "logs"
        if not self.log_dir.is_absolute() and cfg.path not in ("<defaults>", "<config>"):
            self.log_dir = Path(cfg.path).resolve().parent / self.log_dir

    # -- lock

    @property
    def lock_path(self) -> Path:
        return (
            Path(self.options.lock_file)
            if self.options.lock_file
            else Path(f"{self.cfg.db_path}.lock")
        )

    def acquire_lock(self) -> None:
        """flock on a file next to the DB: the kernel drops it when we die, even by SIGKILL."""
        fh, holder = crawl_lock.try_flock(self.lock_path, str(os.getpid()))
        if fh is None:
            raise DaemonError(
                f"another filingwatch daemon (pid {holder or '?'}) holds {self.lock_path}"
            )
        self._lock_file = fh

    def release_lock(self) -> None:
        if self._lock_file:
            fcntl.flock(self._lock_file, fcntl.LOCK_UN)
            self._lock_file.close()
            self._lock_file = None

    # -- one crawl

    def crawl_timeout(self) -> float:
        return self.options.crawl_timeout or self.cfg.crawl.run_timeout + 60

    def crawl_command(self, source: str) -> list[str]:
        cmd = [sys.executable, "-m", "scraper.cli", "crawl", source]
        if self.cfg.path not in ("<defaults>", "<config>"):
            cmd += ["--config", str(Path(self.cfg.path).resolve())]
        return [*cmd, "--db", str(self.cfg.db_path)]

    def run_source(self, source: str) -> CrawlOutcome | None:
        """One crawl in a subprocess, killed after the timeout; then the source's health check."""
        if self.stop_event.is_set():
            return None
        self._active.add(source)
        try:
            return self._run_source(source)
        finally:
            self._active.discard(source)

    def _run_source(self, source: str) -> CrawlOutcome | None:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        before = self._last_run_id(source)
        started = time.monotonic()
        log.info("event=crawl_start %s", kv(source=source, t=f"{time.time():.3f}"))
        with open(logfiles.rotate(self.log_dir / f"{source}.log"), "wb") as out:  # keep old runs
            with self._lock:  # stop() either sees this process or we see its stop flag
                if self.stop_event.is_set():
                    return None
                # own session: stopping the crawl signals its whole process group
                proc = subprocess.Popen(self.crawl_command(source), stdout=out, stderr=subprocess.STDOUT,
                                        stdin=subprocess.DEVNULL, start_new_session=True,
                                        preexec_fn=die_with_parent(os.getpid()))  # fmt: skip
                self._procs[source] = proc
            failure = None
            try:
                proc.wait(timeout=self.crawl_timeout())
            except subprocess.TimeoutExpired:
                failure = f"crawl did not finish in {self.crawl_timeout():g} s and was killed"
                self._terminate(proc, grace=5.0)
            finally:
                with self._lock:
                    self._procs.pop(source, None)
        seconds = time.monotonic() - started
        outcome = CrawlOutcome(source, proc.returncode, seconds, failure)
        if self.stop_event.is_set():
            log.info("event=crawl_abandoned %s", kv(source=source, rc=proc.returncode))
            return outcome  # we stopped it: not a source problem; the next start checks health
        if failure is None and proc.returncode == EXIT_LOCKED:
            # another crawl of this source holds its lock (a manual `filingwatch crawl`, or an
            # orphan of a killed daemon): skip this turn, it is not the source's fault
            log.warning(
                "event=crawl_skipped %s", kv(source=source, why="another crawl of it is running")
            )
            return outcome
        if failure is None and (
            proc.returncode not in (0, 1) or self._last_run_id(source) == before
        ):
            # a crash (traceback, bad config, OOM kill) rather than a run that judged itself
            tail = (
                (self.log_dir / f"{source}.log")
                .read_bytes()[-2000:]
                .decode("utf-8", "replace")
                .strip()
            )
            failure = f"crawl exited with code {proc.returncode}: {tail.splitlines()[-1] if tail else 'no output'}"
        outcome.failure = failure
        db = dbconn.open_db(self.cfg.db_path, migrate=False)
        try:
            if failure:
                runs.mark_stale_runs(db, source)
            row = db.conn.execute(
                "SELECT id, health, new, events, errors FROM source_runs WHERE source = ?"
                " ORDER BY id DESC LIMIT 1", [source],
            ).fetchone()  # fmt: skip
            fields = (
                dict(zip(("run", "health", "new", "events", "errors"), row, strict=True))
                if row
                else {}
            )
            outcome.run_id, outcome.health = fields.get("run"), fields.get("health")
            log.log(logging.WARNING if failure or outcome.health != "ok" else logging.INFO,
                    "event=crawl_done %s", kv(source=source, rc=proc.returncode, seconds=f"{seconds:.2f}",
                                              failure=failure, **fields))  # fmt: skip
            incidents.check_source(db, self.cfg, self.settings, source, failure=failure)
        finally:
            db.conn.close()
        self.wake.set()
        return outcome

    def _last_run_id(self, source: str) -> int | None:
        db = dbconn.open_db(self.cfg.db_path)  # creates and migrates a new database
        try:
            return db.conn.execute(
                "SELECT max(id) FROM source_runs WHERE source = ?", [source]
            ).fetchone()[0]
        finally:
            db.conn.close()

    @staticmethod
    def _signal_group(proc: subprocess.Popen, sig: int) -> None:
        try:
            os.killpg(proc.pid, sig)  # the crawl leads its own group (start_new_session)
        except ProcessLookupError:
            pass

    def _terminate(self, proc: subprocess.Popen, grace: float) -> None:
        """SIGTERM lets Scrapy close the run as interrupted; SIGKILL if it does not go.

        Both go to the crawl's process group; the SIGKILL is sent before the leader is reaped,
        so its group id cannot have been reused.
        """
        if proc.poll() is not None:
            return
        self._signal_group(proc, signal.SIGTERM)
        try:
            proc.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            self._signal_group(proc, signal.SIGKILL)
            proc.wait()

    def stop_crawls(self) -> None:
        """Terminate every running crawl; return when all are gone, whoever started ending them.

        Called from the signal handler's thread and from stop(): each crawl is terminated once,
        and stop() cannot return (and the process exit) while another thread is still between
        a crawl's SIGTERM and its SIGKILL.
        """
        with self._lock:
            for source, proc in self._procs.items():
                if proc.pid in self._stopping:
                    continue
                self._stopping.add(proc.pid)
                log.info("event=crawl_stop %s", kv(source=source, pid=proc.pid))
                t = threading.Thread(target=self._terminate, args=(proc, self.options.stop_timeout),
                                     name=f"stop-{source}", daemon=True)  # fmt: skip
                t.start()
                self._stoppers.append(t)
            stoppers = list(self._stoppers)
        for t in stoppers:
            t.join()

    def check_health(self) -> None:
        db = dbconn.open_db(self.cfg.db_path, migrate=False)
        try:
            for slug in self.enabled_sources():
                incidents.check_source(db, self.cfg, self.settings, slug)
        finally:
            db.conn.close()
        self.run_clocks()
        self.wake.set()

    def run_clocks(self) -> None:
        """Issue 14: fire the deadline clocks due at the daemon's clock (each fires once)."""
        from alerts.config import clock_options
        from alerts.outbox import OutboxSink
        from scraper import clocks

        db = dbconn.open_db(self.cfg.db_path, migrate=False)
        try:
            clocks.fire(db, self.clock(), clock_options(self.cfg), OutboxSink(self.cfg))
        except Exception:  # a clock problem must not stop crawling or delivery
            log.exception("event=clocks_error")
        finally:
            db.conn.close()

    def enabled_sources(self) -> list[str]:
        return [slug for slug, src in self.cfg.sources.items() if src.enabled]

    # -- delivery

    def _deliver_loop(self) -> None:
        """Pass crawl-finished wake-ups on to the per-channel workers (alerts.delivery)."""
        while not self.stop_event.is_set():
            self.wake.wait(self.options.deliver_interval)
            self.wake.clear()
            self.deliverer.wake()

    # -- lifecycle

    def prepare(self) -> None:
        """Everything that can refuse to start does so here, before any crawl."""
        check_channels(self.cfg)
        self.acquire_lock()
        db = dbconn.open_db(self.cfg.db_path)  # creates and migrates
        self.deliverer = Deliverer(db, self.settings, worker="daemon", data_dir=self.cfg.data_dir)
        released = self.deliverer.release_claims("daemon@%")
        if released:  # we hold the lock, so the daemon that claimed them is dead
            log.warning(
                "event=claims_released %s",
                kv(rows=released, why="previous daemon died while sending"),
            )
        for ch in self.settings.channels.values():
            log.info("event=channel %s", kv(name=ch.name, url=masked(ch.expanded_url()),
                                            timeout=ch.timeout))  # fmt: skip

    def add_source_job(self, slug: str, *, run_now: bool = False) -> None:
        trigger, period = trigger_for(self.cfg, slug, self.options.min_interval, now=self.clock())
        grace = max(1, int(period / 2))
        extra = {"next_run_time": self.clock()} if run_now else {}
        self.scheduler.add_job(
            self.run_source, trigger, args=[slug], id=f"crawl:{slug}", name=f"crawl {slug}",
            max_instances=1, coalesce=True, misfire_grace_time=grace, replace_existing=True, **extra,
        )  # fmt: skip
        src = self.cfg.source(slug)
        log.info(
            "event=scheduled %s",
            kv(source=slug, schedule=src.schedule, grace=grace, jitter=src.jitter),
        )

    def start(self) -> None:
        self.prepare()
        sources = self.enabled_sources()
        self.scheduler = self.scheduler_factory(
            timezone=self.cfg.timezone,
            executors={"default": JobPool(max_workers=max(1, min(self.options.workers, len(sources) or 1)) + 1)},
        )  # fmt: skip
        for slug in sources:
            self.add_source_job(slug, run_now=self.options.run_on_start)
        self.scheduler.add_job(self.check_health, IntervalTrigger(seconds=self.options.health_interval),
                               id="health", max_instances=1, coalesce=True, replace_existing=True)  # fmt: skip
        self._deliver_thread = threading.Thread(
            target=self._deliver_loop, name="deliverer", daemon=True
        )
        self._deliver_thread.start()
        self.deliverer.run_workers(self.options.deliver_interval)
        self.scheduler.start()
        log.info("event=started %s", kv(pid=os.getpid(), db=self.cfg.db_path, sources=",".join(sources) or "-",
                                        rules=len(self.settings.rules), lock=self.lock_path))  # fmt: skip

    def stop(self) -> None:
        """Stop scheduling, SIGTERM running crawls (SIGKILL after stop_timeout), stop delivering."""
        self.stop_event.set()
        self.wake.set()
        if self.scheduler is not None:
            self.scheduler.shutdown(wait=False)
        self.stop_crawls()
        deadline = time.monotonic() + self.options.stop_timeout
        while self._active and time.monotonic() < deadline:  # jobs finish their bookkeeping
            time.sleep(0.05)
        if self._deliver_thread is not None:
            self._deliver_thread.join(timeout=self.options.stop_timeout)
        if self.deliverer is not None:
            self.deliverer.close(timeout=self.options.stop_timeout)
            self.deliverer.db.conn.close()
        self.release_lock()
        log.info("event=stopped %s", kv(pid=os.getpid()))

    def install_signal_handlers(self) -> None:
        """SIGTERM/SIGINT: stop scheduling and end the running crawls (`run` and `run --once`).

        The crawls run in their own sessions, so a terminal's Ctrl-C reaches only us: we pass it
        on. Terminating runs in a thread, since the handler must return for the main thread to
        get on with stopping.
        """

        def on_signal(signum, _frame):
            log.info("event=signal %s", kv(signal=signal.Signals(signum).name))
            self.signalled = self.signalled or signum
            self.stop_event.set()
            self.wake.set()
            threading.Thread(target=self.stop_crawls, name="stop-crawls", daemon=True).start()

        signal.signal(signal.SIGTERM, on_signal)
        signal.signal(signal.SIGINT, on_signal)

    def run_forever(self) -> None:
        self.install_signal_handlers()
        self.start()
        try:
            while not self.stop_event.wait(0.5):
                pass
        finally:
            self.stop()

    # -- one full cycle (demo, `run --once`)

    def run_cycle(
        self, sources: list[str] | None = None, *, deliver_timeout: float = 30.0
    ) -> list[CrawlOutcome]:
        """Crawl the sources once (a few at a time), then deliver what is due."""
        sources = sources if sources is not None else self.enabled_sources()
        with ThreadPoolExecutor(max_workers=max(1, self.options.workers)) as pool:
            outcomes = [o for o in pool.map(self.run_source, sources) if o is not None]
        self.run_clocks()
        if not self.stop_event.is_set():  # stopped by a signal: exit now, the outbox keeps the rest
            self.deliverer.drain(timeout=deliver_timeout)
        return outcomes
