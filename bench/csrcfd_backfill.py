"""Backfill a generated 63-page, ~13,300-row csrcfd site through the real spider.

Prints rows/s end to end (request -> parse -> SQLite, Scrapy's own elapsed time, politeness
delays off), the crawl process's peak RSS, and how many list requests a steady-state
incremental run makes when nothing changed. Last line: key=value pairs.
"""

from __future__ import annotations

import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from scraper.replay import ReplayServer  # noqa: E402

ROWS, PER_PAGE = 13_293, 211  # 63 full pages, as the live list (about 13,300 rows)


def crawl(cfg: Path, *args: str) -> tuple[str, str, float]:
    started = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "scraper.cli", "crawl", "csrcfd", "--config", str(cfg),
                           "-s", "FILINGWATCH_QUIET_LOGS=0", *args],  # stats dump: elapsed time
                          capture_output=True, text=True, cwd=ROOT)  # fmt: skip
    wall = time.perf_counter() - started
    if proc.returncode != 0:
        sys.exit(f"crawl failed:\n{proc.stdout}\n{proc.stderr[-3000:]}")
    return proc.stdout, proc.stderr, wall


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp, ReplayServer(port=0) as replay:
        info = replay.site("csrcfd").control("generate", {"rows": ROWS, "per_page": PER_PAGE})
        cfg = Path(tmp) / "config.toml"
        cfg.write_text(
            f'[database]\npath = "{Path(tmp) / "bench.db"}"\n[crawl]\ndownload_delay = 0\n'
            f'[sources.csrcfd]\nbase_url = "{replay.base_url}"\nfallback_base_url = ""\n',
            encoding="utf-8",
        )
        out, err, wall = crawl(cfg, "--backfill", "-s", "LOG_LEVEL=INFO")
        peak_rss_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        elapsed = float(re.search(r"'elapsed_time_seconds': ([0-9.]+)", err)[1])
        rows = int(re.search(r"rows=(\d+)", out)[1])
        print(out.strip())
        replay.clear_log()
        steady_out, _, _ = crawl(cfg)
        steady_requests = len(
            [e for e in replay.requests("csrcfd") if e["path"].startswith("/csrcfd/")]
        )
        print(steady_out.strip())
        print(f"pages={info['pages']} rows={rows} crawl_s={elapsed:.2f} process_wall_s={wall:.2f}")
        print(
            f"rows_per_s={rows / elapsed:.0f} peak_rss_mb={peak_rss_mb:.0f} "
            f"steady_state_requests={steady_requests} pages={info['pages']} rows={rows}"
        )


if __name__ == "__main__":
    main()
