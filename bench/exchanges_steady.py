"""Steady state: requests per run when nothing changed, for SSE, SZSE and BSE.

Against the bundled fixture replay (several list pages per board), each exchange is crawled
once (the first, full run: lists, details, and BSE's cookie warm-up), then --runs more times
with the replay unchanged. Target: one request per board per run (SSE star+main, SZSE
chinext+main, BSE one list), i.e. no detail calls and no warm-up. Last line: key=value pairs.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from scraper.replay import ReplayServer  # noqa: E402

BOARDS = {"sse": 2, "szse": 2, "bse": 1}


def crawl(cfg: Path, slug: str) -> str:
    proc = subprocess.run([sys.executable, "-m", "scraper.cli", "crawl", slug, "--config", str(cfg)],
                          capture_output=True, text=True, cwd=ROOT)  # fmt: skip
    if proc.returncode != 0:
        sys.exit(f"{slug} crawl failed:\n{proc.stdout}\n{proc.stderr[-3000:]}")
    return proc.stdout.strip()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=3, help="incremental runs after the first")
    opts = ap.parse_args()
    figures = {}
    with tempfile.TemporaryDirectory() as tmp, ReplayServer(port=0) as replay:
        cfg = Path(tmp) / "config.toml"
        lines = [f'[database]\npath = "{Path(tmp) / "bench.db"}"', "[crawl]\ndownload_delay = 0"]
        lines += [f'[sources.{s}]\nbase_url = "{replay.base_url}"\nfallback_base_url = ""'
                  for s in BOARDS]  # fmt: skip
        cfg.write_text("\n".join(lines) + "\n", encoding="utf-8")
        for slug, boards in BOARDS.items():
            replay.clear_log()
            print(crawl(cfg, slug).splitlines()[0])
            first = len(replay.requests(slug))
            counts = []
            for _ in range(opts.runs):
                replay.clear_log()
                crawl(cfg, slug)
                counts.append(len(replay.requests(slug)))
            print(f"{slug}: first_run_requests={first} steady_runs={counts} boards={boards}")
            figures[f"{slug}_requests_per_run"] = max(counts)
            figures[f"{slug}_per_board"] = f"{max(counts) / boards:g}"
    print(" ".join(f"{k}={v}" for k, v in figures.items()))


if __name__ == "__main__":
    main()
