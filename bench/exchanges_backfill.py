"""Backfill 2,000 generated projects per exchange (SSE, SZSE, BSE) with their details.

For each exchange the replay generates --projects projects (timeline + --docs documents each,
100 per list page), then the real spider runs `crawl <slug> --backfill` with politeness delays
off (DOWNLOAD_DELAY=0) and --concurrency requests in flight per host. projects/s is projects with
their details stored divided by Scrapy's own elapsed time (request -> parse -> SQLite); the
process wall time (imports included) is printed too. A second, incremental run against the
unchanged replay then shows the steady-state requests.

Requests per project: SSE 3 detail calls, SZSE 1, BSE 1, plus list pages. Last line: key=value.
"""

from __future__ import annotations

import argparse
import re
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from scraper.replay import ReplayServer  # noqa: E402

SOURCES = ("sse", "szse", "bse")


def crawl(cfg: Path, slug: str, *args: str) -> tuple[str, str, float]:
    started = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "scraper.cli", "crawl", slug, "--config", str(cfg),
                           "-s", "FILINGWATCH_QUIET_LOGS=0", *args],  # stats dump: elapsed time
                          capture_output=True, text=True, cwd=ROOT)  # fmt: skip
    wall = time.perf_counter() - started
    if proc.returncode != 0:
        sys.exit(f"{slug} crawl failed:\n{proc.stdout}\n{proc.stderr[-3000:]}")
    return proc.stdout, proc.stderr, wall


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--projects", type=int, default=2000)
    ap.add_argument("--docs", type=int, default=6, help="documents per project")
    ap.add_argument("--concurrency", type=int, default=16, help="requests in flight per host")
    ap.add_argument("--sources", default=",".join(SOURCES))
    opts = ap.parse_args()
    figures = {}
    with tempfile.TemporaryDirectory() as tmp, ReplayServer(port=0) as replay:
        db = Path(tmp) / "bench.db"
        cfg = Path(tmp) / "config.toml"
        lines = [f'[database]\npath = "{db}"', "[crawl]\ndownload_delay = 0\ntimeout = 30"]
        for slug in SOURCES:
            lines.append(
                f'[sources.{slug}]\nbase_url = "{replay.base_url}"\nfallback_base_url = ""'
            )
        cfg.write_text("\n".join(lines) + "\n", encoding="utf-8")
        settings = ["-s", f"CONCURRENT_REQUESTS={opts.concurrency * 2}",
                    "-s", f"CONCURRENT_REQUESTS_PER_DOMAIN={opts.concurrency}",
                    "-s", "DOWNLOAD_DELAY=0", "-s", "LOG_LEVEL=INFO"]  # fmt: skip
        for slug in opts.sources.split(","):
            replay.site(slug).control("generate", {"projects": opts.projects, "docs": opts.docs})
            replay.clear_log()
            out, err, wall = crawl(cfg, slug, "--backfill", *settings)
            elapsed = float(re.search(r"'elapsed_time_seconds': ([0-9.]+)", err)[1])
            requests = len(replay.requests(slug))
            with sqlite3.connect(db) as conn:
                done = conn.execute("SELECT count(*) FROM projects WHERE source = ? AND"
                                    " detail_key = list_key", [slug]).fetchone()[0]  # fmt: skip
            print(out.strip())
            replay.clear_log()
            crawl(cfg, slug)
            steady = len(replay.requests(slug))
            print(f"{slug}: projects={done} requests={requests} crawl_s={elapsed:.2f} "
                  f"process_wall_s={wall:.2f} projects_per_s={done / elapsed:.0f} "
                  f"steady_state_requests={steady}")  # fmt: skip
            figures[f"{slug}_projects_per_s"] = f"{done / elapsed:.0f}"
            figures[f"{slug}_steady_requests"] = str(steady)
    print(" ".join(f"{k}={v}" for k, v in figures.items()) + f" projects={opts.projects}"
          f" concurrency={opts.concurrency}")  # fmt: skip


if __name__ == "__main__":
    main()
