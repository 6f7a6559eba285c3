"""Where the csrcfd write path spends its time, without Scrapy or HTTP in the way.

Renders the generated 63-page list (as the replay serves it), parses each page, and writes it
through scraper.ingest with the alert outbox as the sink, as a first (baseline) backfill does.
Prints seconds per stage of the path; last line: key=value pairs.
"""

from __future__ import annotations

import cProfile
import pstats
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from alerts.outbox import OutboxSink  # noqa: E402
from scraper import ingest  # noqa: E402
from scraper.core.records import PageBatch  # noqa: E402
from scraper.db.connection import open_db  # noqa: E402
from scraper.parsers.csrcfd import parse_list_page, to_filing  # noqa: E402
from scraper.replay_sites.csrcfd import generate_rows, render_page  # noqa: E402

ROWS, PER_PAGE = 13_293, 211


def main() -> None:
    rows = generate_rows(ROWS)
    pages = [rows[i : i + PER_PAGE] for i in range(0, len(rows), PER_PAGE)]
    bodies = [
        render_page(p, n + 1, len(pages), n * PER_PAGE + 1).encode("utf-8")
        for n, p in enumerate(pages)
    ]
    url = "http://127.0.0.1/csrcfd/index.html"
    started = time.perf_counter()
    batches = [PageBatch("csrcfd", url, n, [to_filing(r, url) for r in parse_list_page(b, url).records])
               for n, b in enumerate(bodies)]  # fmt: skip
    parse_s = time.perf_counter() - started
    with tempfile.TemporaryDirectory() as tmp:
        db = open_db(Path(tmp) / "bench.db")
        sink = OutboxSink(None)
        profile = cProfile.Profile()
        started = time.perf_counter()
        profile.enable()
        for batch in batches:
            ingest.ingest(db, batch, ingest.WriteContext(run_id=1, baseline=True), sink)
        profile.disable()
        write_s = time.perf_counter() - started
    stats = pstats.Stats(profile)
    by_name = {
        f"{Path(k[0]).parent.name}/{Path(k[0]).name}:{k[2]}": v[3] for k, v in stats.stats.items()
    }
    parts = {
        "resolve_s": "scraper/companies.py:ensure_companies",
        "documents_s": "reconcile/filings.py:documents",
        "stages_s": "reconcile/filings.py:stage_moves",
        "events_s": "db/events.py:insert_events",
        "overall_stage_s": "db/status.py:recompute_overall",
        "sink_s": "alerts/outbox.py:__call__",
    }
    figures = {k: by_name.get(v, 0.0) for k, v in parts.items()}
    print("cumulative seconds under the profiler (which slows Python code ~1.5-2x):")
    stats.sort_stats("cumulative").print_stats(18)
    total = parse_s + write_s
    print(
        f"rows={ROWS} parse_s={parse_s:.2f} write_s={write_s:.2f} "
        + " ".join(f"{k}={v:.2f}" for k, v in figures.items())
        + f" rows_per_s_parse_and_write={ROWS / total:.0f}"
    )


if __name__ == "__main__":
    main()
