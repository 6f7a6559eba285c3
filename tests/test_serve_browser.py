"""`filingwatch serve` in a real browser: Debian's headless chromium reads the pages Datasette
renders with the shipped metadata (home links, trigram search, facets, canned queries, document
links) and keeps screenshots in test-artifacts/datasette/ (gitignored) for a human to look at.
"""

from __future__ import annotations

import os
import subprocess
import sys
import urllib.request
from pathlib import Path
from urllib.parse import quote

import pytest
from helpers import wait_for
from test_feeds_and_search import _filled_db, check_atom, check_json_feed

from alerts.receivers import free_port

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "test-artifacts" / "datasette"
CHROMIUM = Path("/usr/bin/chromium")
pytestmark = pytest.mark.slow


def _chromium(*args: str, url: str) -> str:
    proc = subprocess.run(
        [str(CHROMIUM), "--headless=new", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
         "--window-size=1280,900", *args, url],
        capture_output=True, text=True, timeout=90,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc.stdout


def _get(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.read()


@pytest.fixture
def served(tmp_path):
    db, cfg, _filings = _filled_db(tmp_path)
    db.conn.close()
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "filingwatch", "serve", "--config", str(cfg.path), "--port", str(port)],
        stdout=subprocess.DEVNULL, stderr=open(tmp_path / "serve.log", "wb"), cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])},
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"

    def up():
        try:
            return _get(base + "/-/versions.json")
        except OSError:
            assert proc.poll() is None, (tmp_path / "serve.log").read_text()
            return None

    try:
        wait_for(up, timeout=60, interval=0.2, what="datasette serving")
        yield base, tmp_path
    finally:
        proc.terminate()
        proc.wait(timeout=20)


@pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed")
def test_datasette_site_in_a_real_browser(served):
    base, tmp_path = served
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    db_name = "fw"

    home = _chromium("--dump-dom", url=base + "/")
    assert "/-/report/chips.html" in home and "/-/feeds/all.atom" in home
    assert f"/{db_name}/pipeline" in home

    import sqlite3

    with sqlite3.connect(tmp_path / "fw.db") as conn:
        name, sector = conn.execute(
            "SELECT name, json_extract(sectors, '$[0]') FROM companies WHERE sectors != '[]' LIMIT 1"
        ).fetchone()
    part = name[2:6]
    search = _chromium("--dump-dom", url=f"{base}/{db_name}/companies?_search={quote(part)}")
    assert name in search, "trigram search finds a Chinese name by 4 of its characters"
    assert "sectors (array)" in search  # the facet from the metadata

    canned = _chromium("--dump-dom", url=f"{base}/{db_name}/pipeline_by_sector?sector={sector}")
    assert "Pipeline by sector" in canned and name in canned

    brief = _chromium("--dump-dom", url=f"{base}/{db_name}/filings_brief")
    assert 'href="http://eid.csrc.gov.cn/' in brief, "a row links to its document"

    report = _chromium("--dump-dom", url=f"{base}/-/report/{sector}.html")
    assert "<svg" in report and 'class="stage ' in report

    check_atom(_get(base + "/-/feeds/all.atom"))
    check_json_feed(_get(base + "/-/feeds/rule/ai-hardware.json"))

    for shot, path in (
        ("home.png", "/"),
        ("companies-search.png", f"/{db_name}/companies?_search={quote(part)}"),
        ("pipeline-by-sector.png", f"/{db_name}/pipeline_by_sector?sector={sector}"),
        ("report.png", f"/-/report/{sector}.html"),
    ):
        _chromium(f"--screenshot={ARTIFACTS / shot}", url=base + path)
        assert (ARTIFACTS / shot).stat().st_size > 5000
