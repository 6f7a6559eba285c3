"""What a crawl prints and keeps: a few lines for a short crawl, progress on long ones (a bar
with ETA on a terminal, plain lines otherwise), repeated warnings capped, and per-source crawl
logs rotated by the daemon instead of overwritten."""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from test_daemon import write_config

from scraper import config, logfiles
from scraper.daemon import Daemon
from scraper.health import LOG_PER_KIND, RunRecorder

ROOT = Path(__file__).resolve().parents[1]


def test_rotate_keeps_the_previous_logs(tmp_path):
    log = tmp_path / "csrcfd.log"
    for n in range(1, 9):
        logfiles.rotate(log, keep=3).write_text(f"run {n}")
    assert log.read_text() == "run 8"
    assert [log.with_name(f"csrcfd.log.{i}").read_text() for i in (1, 2, 3)] == [
        "run 7",
        "run 6",
        "run 5",
    ]
    assert not log.with_name("csrcfd.log.4").exists()


@pytest.mark.slow
def test_daemon_crawls_keep_the_log_of_the_run_before(tmp_path, replay):
    path = write_config(tmp_path, replay.base_url, {"csrcfd": "interval:1h"})
    daemon = Daemon(config.load(path))
    daemon.log_dir.mkdir(parents=True, exist_ok=True)
    (daemon.log_dir / "csrcfd.log").write_text("the run before", encoding="utf-8")
    daemon.run_source("csrcfd")
    assert (daemon.log_dir / "csrcfd.log.1").read_text("utf-8") == "the run before"
    assert "csrcfd" in (daemon.log_dir / "csrcfd.log").read_text("utf-8")


def test_repeated_warnings_are_capped_errors_never(caplog):
    rec = RunRecorder(source="csrcfd", mode="full", db=None, broken_dir=None)
    with caplog.at_level(logging.INFO, logger="scraper.health"):
        for n in range(20):
            rec.problem("missing_pdf", f"u{n}", "no pdf")
            rec.problem("http_error", f"u{n}", "HTTP 503")
    lines = [r.getMessage() for r in caplog.records]
    assert sum("missing_pdf" in line for line in lines) == LOG_PER_KIND
    assert sum("http_error" in line for line in lines) == 20
    assert len(rec.problems) == 40  # every problem is still recorded


def _crawl(cfg: Path, *extra: str, tty: bool = False) -> str:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
           "COLUMNS": "120"}  # fmt: skip
    cmd = [sys.executable, "-m", "filingwatch", "crawl", "csrcfd", "--config", str(cfg), *extra]
    if tty:  # util-linux `script` gives the crawl a pseudo-terminal
        cmd = ["script", "-qec", " ".join(cmd), "/dev/null"]
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120, cwd=ROOT)
    return proc.stdout + proc.stderr


@pytest.mark.slow
def test_short_crawl_is_quiet_and_backfills_show_progress(tmp_path, replay, make_config):
    cfg = make_config(replay.base_url)
    plain = _crawl(cfg, "--backfill", "-s", "FILINGWATCH_PROGRESS_EVERY=0")
    assert "progress source=csrcfd pages=1/3 rows=" in plain and "eta=" in plain
    assert "Enabled downloader middlewares" not in plain and "Dumping Scrapy stats" not in plain
    quiet = _crawl(cfg)  # incremental: one request
    assert len(quiet.strip().splitlines()) <= 8, quiet
    if shutil.which("script"):
        bar = _crawl(cfg, "--full", tty=True)
        assert "ETA" in bar and "csrcfd full" in bar, bar[-2000:]
