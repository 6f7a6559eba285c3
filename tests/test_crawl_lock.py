"""One crawl per source at a time, across processes (scraper/crawl_lock.py), and crawls die with the daemon."""

import os
import signal
import subprocess
import sys

import pytest
from helpers import db_scalar as count
from helpers import wait_for

from scraper import crawl_lock

pytestmark = pytest.mark.slow


def start(*args, env=None):
    return subprocess.Popen([sys.executable, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env={**os.environ, **(env or {})})  # fmt: skip


def test_a_second_crawl_of_a_source_is_refused_while_the_first_runs(replay, make_config, cli):
    cfg = make_config(replay.base_url)
    db = cfg.parent / "filingwatch.db"
    fault = replay.add_fault("slow", site="csrcfd", path=r"index_2\.html", delay=30.0, count=1)
    first = start("-m", "scraper.cli", "crawl", "csrcfd", "--config", str(cfg))
    try:
        wait_for(lambda: fault.count == 0)  # the first crawl is mid-run (page 2 hangs)
        runs_before = count(db, "SELECT count(*) FROM source_runs")
        second = cli("crawl", "csrcfd", "--config", str(cfg))
        assert second.returncode == crawl_lock.EXIT_LOCKED
        assert "another crawl of csrcfd is running" in second.stderr
        assert "Traceback" not in second.stderr
        # plain Scrapy (scrapy crawl / scrapyd) goes through the run extension: refused too
        scrapy = subprocess.run(
            [sys.executable, "-m", "scrapy", "crawl", "csrcfd", "-s", f"FILINGWATCH_DB={db}",
             "-a", f"base_url={replay.base_url}"],
            capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        assert "another crawl of csrcfd is running" in scrapy.stderr
        assert "source=csrcfd refused" in scrapy.stderr  # the spider closed itself, nothing ran
        # neither touched the first run's state: no run row, the first still 'running'
        assert count(db, "SELECT count(*) FROM source_runs") == runs_before
        assert count(db, "SELECT count(*) FROM source_runs WHERE health = 'running'") == 1
        assert replay.requests("csrcfd")[-1]["path"].endswith("index_2.html")
    finally:
        first.kill()
        first.wait()
    # the kernel dropped the dead crawl's lock: the next crawl runs
    again = cli("crawl", "csrcfd", "--config", str(cfg))
    assert again.returncode == 0, again.stderr[-1500:]


def test_a_crawl_dies_with_its_daemon(tmp_path, replay):
    """SIGKILL the daemon mid-crawl: the crawl subprocess goes too (parent-death signal)."""
    cfg = tmp_path / "config.toml"
    cfg.write_text(
        f'[database]\npath = "{tmp_path / "filingwatch.db"}"\n'
        "[crawl]\ndownload_delay = 0\ntimeout = 600\nretries = 0\n"  # the crawl would wait 10 min
        f'[sources.csrcfd]\nbase_url = "{replay.base_url}"\nfallback_base_url = ""\n',
        encoding="utf-8",
    )
    fault = replay.add_fault("slow", site="csrcfd", path=r"index_2\.html", delay=600.0, count=1)
    daemon = start("-m", "scraper.cli", "run", "--config", str(cfg))
    try:
        wait_for(lambda: fault.count == 0, timeout=120)
        lock = crawl_lock.lock_path(cfg.parent / "filingwatch.db", "csrcfd")
        holder = int(lock.read_text().split()[1])  # "pid N since ..."
        assert holder != daemon.pid
        daemon.send_signal(signal.SIGKILL)
        daemon.wait()

        def gone() -> bool:
            try:
                os.kill(holder, 0)
            except ProcessLookupError:
                return True
            with open(f"/proc/{holder}/stat") as fh:  # a zombie not yet reaped by init is gone too
                return fh.read().split(") ")[1].startswith("Z")

        wait_for(gone, timeout=30, what="the orphaned crawl to die")
    finally:
        if daemon.poll() is None:
            daemon.kill()
            daemon.wait()


def test_the_daemon_skips_a_turn_when_the_source_is_locked_without_an_incident(tmp_path, replay):
    from scraper import config
    from scraper.daemon import Daemon

    path = tmp_path / "config.toml"
    path.write_text(f'[database]\npath = "{tmp_path / "fw.db"}"\n[sources.csrcfd]\n'
                    f'base_url = "{replay.base_url}"\nfallback_base_url = ""\n', "utf-8")  # fmt: skip
    cfg = config.load(path)
    crawl_lock.acquire(cfg.db_path, "csrcfd")  # a manual crawl of csrcfd is running
    try:
        daemon = Daemon(cfg)
        outcome = daemon.run_source("csrcfd")
    finally:
        crawl_lock.release(cfg.db_path, "csrcfd")
    assert outcome.returncode == crawl_lock.EXIT_LOCKED and outcome.failure is None
    assert count(cfg.db_path, "SELECT count(*) FROM incidents") == 0
    assert count(cfg.db_path, "SELECT count(*) FROM source_runs") == 0
    assert replay.requests("csrcfd") == []
