"""Shared test fixtures: a live replay server, temp configs and databases, and the real CLI."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from scraper import FIXTURES_DIR
from scraper.replay import ReplayServer

SHARED_SOURCES = Path(__file__).resolve().parents[2] / "shared" / "sources"


@pytest.fixture
def replay():
    """A replay server on a free 127.0.0.1 port, serving tests/fixtures; stopped after the test."""
    with ReplayServer(fixtures_dir=FIXTURES_DIR, port=0) as server:
        yield server


@pytest.fixture
def make_config(tmp_path):
    """Write a config.toml pointing every given source at a base URL; returns its path."""

    def make(
        base_url: str, *, sources=("csrcfd",), extra: str = "", source_extra: str = ""
    ) -> Path:
        lines = [
            "[database]",
            f'path = "{tmp_path / "filingwatch.db"}"',
            "[crawl]",
            "download_delay = 0",
            "backoff_base = 0.05",
            "timeout = 5",
        ]
        for slug in sources:
            lines += [
                f"[sources.{slug}]",
                f'base_url = "{base_url}"',
                'fallback_base_url = ""',
                source_extra,
            ]
        path = tmp_path / "config.toml"
        path.write_text("\n".join(lines) + "\n" + extra, encoding="utf-8")
        return path

    return make


def run_cli(*args: str, timeout: float = 120, check: bool = False) -> subprocess.CompletedProcess:
    """Run `filingwatch ARGS` in a fresh process (a Twisted reactor cannot restart in one process)."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.run(
        [sys.executable, "-m", "scraper.cli", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
    )
    if check and proc.returncode != 0:
        raise AssertionError(
            f"filingwatch {' '.join(args)} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}"
        )
    return proc


@pytest.fixture
def cli():
    return run_cli


@pytest.fixture
def shared_sources():
    """../shared/sources when this checkout sits beside it; tests using it skip otherwise."""
    if not SHARED_SOURCES.is_dir():
        pytest.skip("../shared/sources is not available")
    return SHARED_SOURCES


@pytest.fixture
def mail(tmp_path):
    """A real SMTP receiver (aiosmtpd) writing one file per message under tmp_path/mail."""
    from alerts.receivers import MailSink

    with MailSink(tmp_path / "mail") as sink:
        yield sink


@pytest.fixture
def hook(monkeypatch):
    """A local HTTP receiver; apprise's own pacing between Rocket.Chat posts (5.5 s) is off."""
    from apprise.plugins.rocketchat import NotifyRocketChat

    from alerts.receivers import WebhookReceiver

    monkeypatch.setattr(NotifyRocketChat, "request_rate_per_sec", 0)
    with WebhookReceiver() as receiver:
        yield receiver


@pytest.fixture
def ops(hook):
    """The webhook receiver where it plays the ops channel."""
    return hook
