"""Delivery under a slow, a failing and a fast channel, and under SIGKILL.

1. Queues --alerts alerts (default 1,000) for three local webhook channels: `slow` answers after
   2 s, `failing` answers 500, `fast` answers at once (in a child process, as remote channels
   would be, not sharing the deliverer's interpreter). Delivers them with the daemon's
   per-channel workers and times the fast channel's last alert (target < 5 s), then counts
   repeats on fast and slow (target 0) after --slow-window seconds of the slow channel.
2. The kill harness (alerts/faults.py): --kills SIGKILLs of a real `filingwatch alerts deliver`
   at random moments, once while a receiver answers in 0.15 s and once while it answers at
   once, uncertain rows retried at once (the worst case); repeats per 100 kills are scaled from
   the kills run (10 by default).

Last line: key=value pairs.
"""

from __future__ import annotations

import argparse
import multiprocessing
import sqlite3
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


def _receivers(pipe, specs: dict) -> None:
    """Child process: the three receivers, so they do not share the deliverer's interpreter."""
    hooks = {
        name: WebhookReceiver(delay=spec.get("delay", 0.0)).start() for name, spec in specs.items()
    }
    for name, spec in specs.items():
        hooks[name].status = spec.get("status", 200)
    pipe.send({name: h.url() for name, h in hooks.items()})
    pipe.recv()  # "stop"
    pipe.send({name: {"keys": h.keys(), "refused": len(h.refused)} for name, h in hooks.items()})
    for h in hooks.values():
        h.stop()


def three_channels(n: int, slow_window: float) -> dict:
    specs = {"slow": {"delay": 2.0}, "failing": {"status": 500}, "fast": {}}
    parent, child = multiprocessing.Pipe()
    proc = multiprocessing.Process(target=_receivers, args=(child, specs), daemon=True)
    proc.start()
    urls = parent.recv()
    with tempfile.TemporaryDirectory() as tmp:
        cfg = write_config(Path(tmp), urls)
        queue(cfg, n)
        d = Deliverer(dbconn.open_db(cfg.db_path), settings(cfg))
        watch = sqlite3.connect(
            cfg.db_path
        )  # our own reader: the deliverer's connection is its own
        started = time.monotonic()
        d.run_workers(interval=0.5)
        fast_s = None
        while time.monotonic() - started < 300:
            sent = watch.execute(
                "SELECT count(*) FROM outbox WHERE channel = 'fast' AND status = 'sent'"
            ).fetchone()[0]
            if sent >= n:
                fast_s = time.monotonic() - started
                break
            time.sleep(0.02)
        time.sleep(max(0.0, slow_window - (time.monotonic() - started)))
        d.close(timeout=15)
    parent.send("stop")
    got = parent.recv()
    proc.join()

    def repeats(keys: list[str]) -> int:
        return len(keys) - len(set(keys))

    return {"alerts": n, "fast_s": round(fast_s or -1, 2), "fast_got": len(got["fast"]["keys"]),
            "fast_dup": repeats(got["fast"]["keys"]), "slow_got": len(got["slow"]["keys"]),
            "slow_dup": repeats(got["slow"]["keys"]), "failing_tries": got["failing"]["refused"]}  # fmt: skip


def kills(k: int, n: int, delay: float) -> dict:
    """SIGKILL a real `alerts deliver` k times while the receiver answers in `delay` seconds."""
    with tempfile.TemporaryDirectory() as tmp, WebhookReceiver(delay=delay) as hook:
        cfg = write_config(Path(tmp), {"hook": hook.url()}, "uncertain_retry = 0.05")
        queue(cfg, n)
        r = kill_harness(Path(cfg.path), cfg.db_path, hook, kills=k, seed=7)
        return {"kills": r.kills, "lost": r.lost, "dup": r.duplicates,
                "dup_per_100_kills": round(100 * r.duplicates / max(1, r.kills), 1)}  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--alerts", type=int, default=1000)
    ap.add_argument("--slow-window", type=float, default=10.0)
    ap.add_argument("--kills", type=int, default=10)
    args = ap.parse_args()
    out = three_channels(args.alerts, args.slow_window)
    print(f"three channels: {out}", flush=True)
    n = max(40, args.kills * 4 + 10)
    slow = kills(args.kills, n, delay=0.15)
    print(f"kill harness, receiver answering in 0.15 s: {slow}", flush=True)
    fast = kills(args.kills, 300 * args.kills, delay=0.0)  # enough that every kill finds it busy
    print(f"kill harness, receiver answering at once: {fast}", flush=True)
    figures = {**out, **{f"kill_slow_{k}": v for k, v in slow.items()},
               **{f"kill_fast_{k}": v for k, v in fast.items()}}  # fmt: skip
    print(" ".join(f"{key}={value}" for key, value in figures.items()))


if __name__ == "__main__":
    main()
