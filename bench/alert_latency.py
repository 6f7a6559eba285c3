"""Alert latency and daemon memory: `filingwatch run` against the replay, alerts to a real webhook.

1. Starts the replay server and a webhook receiver in this process and `filingwatch run` as a
   subprocess with csrcfd scheduled every second (daemon.min_interval = 0, no politeness delay).
2. Lets it run --cycles scheduled crawls against the unchanged replay, reading the daemon's RSS
   (VmRSS) after --warmup cycles and at the end: growth must stay under 10 %.
3. Publishes --publish new tutoring rows in watched sectors, one at a time, and times each from
   the start of the crawl run that saw it (the daemon's `event=crawl_start` log line) to the
   webhook receiving the message (target <= 5 s); also from the publish itself.

Last line: key=value pairs. `--cycles 500` (default) takes about 10-15 minutes.
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from alerts.receivers import WebhookReceiver  # noqa: E402
from scraper.replay import ReplayServer  # noqa: E402
from scraper.sources import SOURCES  # noqa: E402


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


def runs(db: Path) -> int:
    try:
        with sqlite3.connect(db, timeout=30) as conn:
            return conn.execute(
                "SELECT count(*) FROM source_runs WHERE source = 'csrcfd'"
            ).fetchone()[0]
    except sqlite3.OperationalError:
        return 0


def wait(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    sys.exit(f"timed out waiting for {what}")


def write_config(tmp: Path, base_url: str, hook_url: str) -> Path:
    lines = [
        f'[database]\npath = "{tmp / "bench.db"}"',
        "[crawl]\ndownload_delay = 0\ntimeout = 10",
        "[daemon]\nmin_interval = 0\ndeliver_interval = 0.5\nhealth_interval = 60",
        f'[[channels]]\nname = "hook"\nurl = "{hook_url}"',
        '[[watch]]\nname = "ai"\nsectors = ["ai_server", "chips"]\nchannels = ["hook"]',
    ]
    for slug in SOURCES:
        enabled = "true" if slug == "csrcfd" else "false"
        lines.append(f'[sources.{slug}]\nenabled = {enabled}\nbase_url = "{base_url}"\nfallback_base_url = ""\n'
                     'schedule = "interval:1s"\njitter = 0')  # fmt: skip
    path = tmp / "config.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def crawl_starts(log: Path) -> list[float]:
    text = log.read_text(encoding="utf-8", errors="replace")
    return [float(t) for t in re.findall(r"event=crawl_start source=csrcfd t=([0-9.]+)", text)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cycles", type=int, default=500)
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--publish", type=int, default=5)
    args = parser.parse_args()

    with (
        tempfile.TemporaryDirectory() as tmp_name,
        ReplayServer(port=0) as replay,
        WebhookReceiver() as hook,
    ):
        tmp = Path(tmp_name)
        config = write_config(tmp, replay.base_url, hook.url())
        log = tmp / "daemon.log"
        with open(log, "wb") as out:
            daemon = subprocess.Popen([sys.executable, "-m", "scraper.cli", "run", "--config", str(config)],
                                      stdout=out, stderr=out, cwd=ROOT)  # fmt: skip
        db = tmp / "bench.db"
        started = time.monotonic()
        try:
            wait(lambda: runs(db) >= args.warmup, 600, "warm-up cycles")
            rss_start = rss_mb(daemon.pid)
            last_report = 0
            while (n := runs(db)) < args.cycles:
                if daemon.poll() is not None:
                    sys.exit(f"daemon exited early:\n{log.read_text()[-3000:]}")
                if n - last_report >= 100:
                    print(f"cycles={n} rss_mb={rss_mb(daemon.pid):.1f}", flush=True)
                    last_report = n
                time.sleep(0.5)
            cycles = runs(db)
            rss_end = rss_mb(daemon.pid)
            cycle_seconds = time.monotonic() - started

            run_lat, pub_lat = [], []
            for i in range(args.publish):
                company = f"合肥算力芯片{i:02d}科技股份有限公司"
                replay.clear_log()
                published = time.time()
                replay.site("csrcfd").control("publish", {
                    "company": company, "broker": "中信证券股份有限公司", "regulator": "安徽证监局",
                    "filing_date": "2026-01-05", "status": "辅导备案", "report_type": "辅导备案报告",
                })  # fmt: skip
                wait(
                    lambda c=company: any(c in m.get("title", "") for m in hook.messages()),
                    60,
                    company,
                )
                received = next(
                    e["time"] for e in hook.received if company in e["data"].get("title", "")
                )
                seen = min(e["time"] for e in replay.requests("csrcfd") if e["time"] >= published)
                run_start = max(t for t in crawl_starts(log) if t <= seen)
                run_lat.append(received - run_start)
                pub_lat.append(received - published)
                print(f"{company}: run_to_webhook_s={run_lat[-1]:.2f} publish_to_webhook_s={pub_lat[-1]:.2f}",
                      flush=True)  # fmt: skip
        finally:
            daemon.send_signal(signal.SIGTERM)
            rc = daemon.wait(timeout=60)
        duplicates = len(hook.messages()) - args.publish
        growth = (rss_end - rss_start) / rss_start * 100
        print(
            f"daemon exit code {rc}; {cycles} cycles in {cycle_seconds:.0f}s; pid {daemon.pid}; cpus {os.cpu_count()}"
        )
        print(
            f"run_to_webhook_s={statistics.median(run_lat):.2f} run_to_webhook_max_s={max(run_lat):.2f} "
            f"publish_to_webhook_s={statistics.median(pub_lat):.2f} cycles={cycles} "
            f"rss_start_mb={rss_start:.1f} rss_end_mb={rss_end:.1f} rss_growth_pct={growth:.1f} "
            f"duplicate_alerts={duplicates}"
        )


if __name__ == "__main__":
    main()
