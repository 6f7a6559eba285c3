"""SIGTERM to `filingwatch run` or `run --once` ends its crawl subprocesses before it exits."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import wait_for

from scraper.sources import SOURCES

pytestmark = pytest.mark.slow


def children(pid: int) -> list[int]:
    """Live child pids of `pid`, from /proc/<n>/stat (no psutil, no CONFIG_PROC_CHILDREN needed)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue  # the process went away meanwhile
        if int(fields[1]) == pid and fields[0] != "Z":
            found.append(int(stat.parent.name))
    return found


def alive(pid: int) -> bool:
    """True while pid exists and is not a zombie waiting for its (new) parent to reap it."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False


@pytest.mark.parametrize("args", [["--once"], []], ids=["once", "forever"])
def test_sigterm_ends_crawl_children_before_the_daemon_exits(tmp_path, replay, args):
    # a crawl left running would live for minutes: every request waits 300 s, timeout 120 s
    lines = [f'[database]\npath = "{tmp_path / "fw.db"}"',
             "[crawl]\ndownload_delay = 0\ntimeout = 120\nretries = 0",
             "[daemon]\nstop_timeout = 3"]  # fmt: skip
    for slug in SOURCES:
        lines += [f"[sources.{slug}]", f'base_url = "{replay.base_url}"', 'fallback_base_url = ""',
                  f"enabled = {'true' if slug == 'csrcfd' else 'false'}", 'schedule = "interval:1h"']  # fmt: skip
    path = tmp_path / "config.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    replay.add_fault("slow", site="csrcfd", delay=300)
    log_path = tmp_path / "daemon.log"
    with open(log_path, "wb") as log:
        daemon = subprocess.Popen([sys.executable, "-m", "scraper.cli", "run", *args, "--config", str(path)],
                                  stdout=log, stderr=log, env={**os.environ, "PYTHONUNBUFFERED": "1"})  # fmt: skip
    child = None
    try:
        (child,) = wait_for(lambda: children(daemon.pid), what="the crawl subprocess")
        wait_for(lambda: replay.requests("csrcfd"), what="the crawl to reach the site")
        assert alive(child)
        daemon.send_signal(signal.SIGTERM)
        rc = daemon.wait(timeout=60)
        log_text = log_path.read_text(errors="replace")
        assert rc == (128 + signal.SIGTERM if args else 0), log_text
        # the daemon waits for its crawls: gone at once, not whenever the crawl would have ended
        wait_for(lambda: not alive(child), timeout=10, what=f"crawl pid {child} to be gone")
        assert (
            "event=signal signal=SIGTERM" in log_text
            and f"event=crawl_stop source=csrcfd pid={child}" in log_text
        )
    finally:
        if daemon.poll() is None:
            daemon.kill()
            daemon.wait()
        if child is not None and alive(child):  # do not leave it behind when the test fails
            try:
                os.killpg(child, signal.SIGKILL)
            except ProcessLookupError:
                os.kill(child, signal.SIGKILL)
