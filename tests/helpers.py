"""Test helpers: waiting on another process (never a fixed sleep deciding an outcome), writing
batches through the one write path, crawling a captured page."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

# A console channel and one rule on every tutoring event and new filing: what the crawl tests
# that count alerts write into their config.
WATCH_EVERY_TUTORING_EVENT = """
[[channels]]
name = "console"
url = "console://"
[[watch]]
name = "everything"
events = ["tutoring", "tutoring_done", "withdrawn", "filing"]
channels = ["console"]
"""


def wait_for(predicate, timeout: float = 60.0, interval: float = 0.05, what: str = "condition"):
    """Poll `predicate` until it returns something true; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


def db_scalar(path, sql: str):
    """One value from a database another process writes; 0 while it does not exist yet."""
    try:
        with sqlite3.connect(path, timeout=10) as conn:
            return conn.execute(sql).fetchone()[0]
    except sqlite3.OperationalError:
        return 0


def write_batch(db, batch, *, baseline: bool = False):
    """A Scrapy batch through the one write path (no alert sink); returns the WriteResult."""
    from scraper import ingest

    result, _count = ingest.ingest(db, batch, ingest.WriteContext(run_id=1, baseline=baseline))
    return result


def crawl_captured_csrcfd_page(tmp_path, make_config, cli, page: Path):
    """Crawl csrcfd against a replay that serves `page` as the list's first page.

    Returns (the finished process, the config path).
    """
    import json

    from scraper import FIXTURES_DIR
    from scraper.replay import ReplayServer

    captured = tmp_path / "captured"
    captured.mkdir()
    (captured / "page.body").write_bytes(page.read_bytes())
    meta = {
        "url": "http://eid.csrc.gov.cn/csrcfd/index.html",
        "content_type": "text/html; charset=utf-8",
    }
    (captured / "page.json").write_text(json.dumps(meta), "utf-8")
    with ReplayServer(fixtures_dir=FIXTURES_DIR, port=0, captured=[captured]) as replay:
        cfg = make_config(replay.base_url)
        run = cli("crawl", "csrcfd", "--config", str(cfg))
    return run, cfg


def parsed_mail(path):
    """A message file written by MailSink, parsed with the modern email policy."""
    from email import message_from_bytes, policy

    return message_from_bytes(path.read_bytes(), policy=policy.default)
