"""Delivery under a slow, a failing and a fast channel, and under SIGKILL.

1. Queues --alerts alerts (default 1,000) for three local webhook channels: `slow` answers after
   2 s, `failing` answers 500, `fast` answers at once. Delivers them with the daemon's
   per-channel workers and times the fast channel's last alert (target < 5 s), then counts
   repeats on fast and slow (target 0) after --slow-window seconds of the slow channel.
2. The kill harness (alerts/faults.py): --kills SIGKILLs of a real `filingwatch alerts deliver`
   while a receiver answers in 0.15 s, uncertain rows retried at once (the worst case); repeats
   per 100 kills scaled from the kills run.

Last line: key=value pairs.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from alerts.config import settings  # noqa: E402
from alerts.delivery import Deliverer  # noqa: E402
from alerts.faults import kill_harness  # noqa: E402
from alerts.outbox import OutboxSink  # noqa: E402
from alerts.receivers import WebhookReceiver  # noqa: E402
from scraper import config, ingest  # noqa: E402
from scraper.core.records import Filing  # noqa: E402
from scraper.db import connection as dbconn  # noqa: E402


def write_config(folder: Path, channels: dict[str, str], alerts: str = "") -> config.Config:
    text = [f'[database]\npath = "{folder / "fw.db"}"', f"[alerts]\n{alerts}"]
    for name, url in channels.items():
        text.append(f'[[channels]]\nname = "{name}"\nurl = "{url}"\ntimeout = 10')
    names = ", ".join(f'"{n}"' for n in channels)
    text.append(f'[[watch]]\nname = "hw"\nsectors = ["chips"]\nchannels = [{names}]')
    path = folder / "config.toml"
    path.write_text("\n".join(text) + "\n", encoding="utf-8")
    return config.load(path)


def queue(cfg: config.Config, n: int) -> None:
    db = dbconn.open_db(cfg.db_path)
    filings = [
        Filing(source="csrcfd", native_id=f"f-{i}", company=f"第{i}芯片科技股份有限公司",
               kind="tutoring_report", title=f"第{i}芯片科技股份有限公司辅导备案报告",
               report_type="filing_report", status="tutoring", status_raw="辅导备案",
               company_stage="tutoring", event_date="2026-01-05", disclosed_date="2026-01-06")
        for i in range(n)
    ]  # fmt: skip
    ingest.write_filings(db, filings, ingest.WriteContext(), sink=OutboxSink(cfg))
    db.conn.close()


def repeats(r: WebhookReceiver) -> int:
    keys = r.keys()
    return len(keys) - len(set(keys))


def three_channels(n: int, slow_window: float) -> dict:
    with tempfile.TemporaryDirectory() as tmp, WebhookReceiver(delay=2.0) as slow, \
            WebhookReceiver() as failing, WebhookReceiver() as fast:  # fmt: skip
        failing.status = 500
        cfg = write_config(Path(tmp), {"slow": slow.url(), "failing": failing.url(),
                                       "fast": fast.url()})  # fmt: skip
        queue(cfg, n)
        d = Deliverer(dbconn.open_db(cfg.db_path), settings(cfg))
        started = time.monotonic()
        d.run_workers(interval=0.5)
        fast.wait_for(n, timeout=300)
        fast_s = time.monotonic() - started
        time.sleep(max(0.0, slow_window - fast_s))
        d.close(timeout=15)
        return {"alerts": n, "fast_s": round(fast_s, 2), "fast_got": len(fast.received),
                "fast_dup": repeats(fast), "slow_got": len(slow.received), "slow_dup": repeats(slow),
                "failing_tries": len(failing.refused)}  # fmt: skip


def kills(k: int, n: int) -> dict:
    with tempfile.TemporaryDirectory() as tmp, WebhookReceiver(delay=0.15) as hook:
        cfg = write_config(Path(tmp), {"hook": hook.url()}, "uncertain_retry = 0.05")
        queue(cfg, n)
        r = kill_harness(Path(cfg.path), cfg.db_path, hook, kills=k, seed=7)
        return {"kills": r.kills, "kill_lost": r.lost, "kill_dup": r.duplicates,
                "dup_per_100_kills": round(100 * r.duplicates / max(1, r.kills), 1)}  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--alerts", type=int, default=1000)
    ap.add_argument("--slow-window", type=float, default=10.0)
    ap.add_argument("--kills", type=int, default=10)
    args = ap.parse_args()
    out = three_channels(args.alerts, args.slow_window)
    print(f"three channels: {out}", flush=True)
    k = kills(args.kills, max(40, args.kills * 4 + 10))
    print(f"kill harness: {k}", flush=True)
    print(" ".join(f"{key}={value}" for key, value in {**out, **k}.items()))


if __name__ == "__main__":
    main()
