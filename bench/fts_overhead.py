"""What the Datasette search index (migration m0630: FTS5 trigram tables kept by triggers) costs
the write path: N csrcfd-like filings ingested in-process, CPU seconds (process_time, so other
load on the machine counts less), with no filings index, the shipped one, and a wider one.
Last line: key=value pairs.
"""

from __future__ import annotations

import importlib
import logging
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from scraper import ingest  # noqa: E402
from scraper.core.records import PageBatch  # noqa: E402
from scraper.db import connection as dbconn  # noqa: E402
from scraper.parsers.csrcfd import parse_list_page, to_filing  # noqa: E402
from scraper.resources import replay_dir  # noqa: E402

fts = importlib.import_module("scraper.db.migrations.m0630_fts")
N, PER_PAGE = 6000, 211
URL = "http://eid.csrc.gov.cn/csrcfd/index.html"


def filings():
    """The replay's generated csrcfd site (realistic, distinct names), parsed page by page."""
    from scraper.replay import ReplayRequest
    from scraper.replay_sites.csrcfd import make_site

    site = make_site(replay_dir())
    site.control("generate", {"rows": N})
    rows, n = [], 1
    while len(rows) < N:
        path = "/csrcfd/index.html" if n == 1 else f"/csrcfd/index_{n}.html"
        answer = site.handle(ReplayRequest("GET", path, {}, {}, b""))
        if answer is None or answer.status != 200:
            break
        rows += [to_filing(r, URL) for r in parse_list_page(answer.body, URL).records]
        n += 1
    return rows[:N]


def run(columns: tuple[str, ...] | None) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        db = dbconn.open_db(Path(tmp) / "fw.db")
        fts.drop_index(db, "filings")
        if columns:
            fts.create_index(db, "filings", columns)
        rows = filings()
        started = time.process_time()
        for n in range(0, N, PER_PAGE):
            batch = PageBatch("csrcfd", URL, n // PER_PAGE + 1, rows[n : n + PER_PAGE])
            ingest.ingest(db, batch, ingest.WriteContext(run_id=1, baseline=True))
        spent = time.process_time() - started
        db.conn.close()
        return spent


if __name__ == "__main__":
    logging.disable(logging.WARNING)  # the resolver's candidate notes are not the point here
    shapes = {"none": None, "shipped": fts.INDEXES["filings"],
              "wide": ("company", "title", "broker", "regulator")}  # fmt: skip
    figures = {}
    for name, columns in shapes.items():
        best = min(run(columns) for _ in range(2))
        figures[name] = best
        print(f"filings index {name:8} {columns}: {N / best:.0f} rows/s (CPU {best:.2f} s)")
    print(
        " ".join(f"{k}_rows_per_cpu_s={N / v:.0f}" for k, v in figures.items())
        + f" shipped_overhead_pct={100 * (figures['shipped'] / figures['none'] - 1):.0f}"
    )
