"""Scrapy's own commands from the project root behave as Scrapy users expect, through the same
config, run rows, mode choice and baseline as `filingwatch crawl` (scraper/native.py).

Each guard here failed before: `scrapy crawl csrcfd` had no base URL ("Missing scheme"), wrote to
./data instead of the config's database, ran incremental on a fresh database, and `-O` wrote
nothing; `scrapy parse` raised KeyError('page'); `scrapy shell` left a run row 'running'.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import db_scalar

ROOT = Path(__file__).resolve().parents[1]
SCRAPY = Path(sys.executable).with_name("scrapy")
pytestmark = pytest.mark.slow


def scrapy(*args: str, stdin: str | None = None, timeout: float = 120):
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
    }
    env.pop("FILINGWATCH_CONFIG", None)
    return subprocess.run([str(SCRAPY), *args], cwd=ROOT, env=env, input=stdin, capture_output=True,
                          text=True, timeout=timeout)  # fmt: skip


def runs(db: Path) -> list[tuple]:
    import sqlite3

    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT source, mode, health FROM source_runs ORDER BY id").fetchall()


def test_scrapy_list_names_every_source():
    from scraper.sources import SOURCES

    proc = scrapy("list")
    assert proc.returncode == 0, proc.stderr
    assert set(proc.stdout.split()) == set(SOURCES)


def test_scrapy_crawl_uses_the_config_and_the_run_machinery(replay, make_config, tmp_path):
    cfg = make_config(replay.base_url)
    out = tmp_path / "items.jsonl"
    proc = scrapy("crawl", "csrcfd", "-s", f"FILINGWATCH_CONFIG={cfg}", "-O", str(out))
    db = tmp_path / "filingwatch.db"
    assert db.exists(), proc.stderr[-3000:]
    # A fresh database: the first run is a full sweep (baseline), as `filingwatch crawl` runs it.
    assert runs(db) == [("csrcfd", "full", "ok")], proc.stderr[-3000:]
    assert db_scalar(
        db, "SELECT baseline_done_at IS NOT NULL FROM crawl_state WHERE source='csrcfd'"
    )
    assert db_scalar(db, "SELECT COUNT(*) FROM events WHERE baseline = 0") == 0
    lines = [json.loads(line) for line in out.read_text("utf-8").splitlines()]
    assert lines and all(item["source"] == "csrcfd" and item["filings"] for item in lines)
    assert sum(len(i["filings"]) for i in lines) == db_scalar(db, "SELECT COUNT(*) FROM filings")

    # The next run is incremental, as `filingwatch crawl` would choose.
    scrapy("crawl", "csrcfd", "-s", f"FILINGWATCH_CONFIG={cfg}")
    assert runs(db)[-1] == ("csrcfd", "incremental", "ok")


def test_scrapy_parse_check_and_shell_record_no_run(replay, make_config, tmp_path):
    cfg = make_config(replay.base_url)
    db = tmp_path / "filingwatch.db"
    setting = f"FILINGWATCH_CONFIG={cfg}"
    parse = scrapy(
        "parse", f"{replay.base_url}/csrcfd/index.html", "--spider", "csrcfd", "-s", setting
    )
    assert parse.returncode == 0 and "KeyError" not in parse.stderr, parse.stderr[-3000:]
    assert "Scraped Items" in parse.stdout and "native_id" in parse.stdout

    check = scrapy("check", "csrcfd", "-s", setting)
    assert check.returncode == 0, check.stderr[-3000:]

    shell = scrapy("shell", f"{replay.base_url}/csrcfd/index.html", "--spider", "csrcfd", "-s",
                   setting, "--nolog", stdin="print('status', response.status)\n")  # fmt: skip
    assert "status 200" in shell.stdout, shell.stderr[-3000:]
    assert not db.exists() or runs(db) == [], "looking at pages is not a crawl: no run rows"
