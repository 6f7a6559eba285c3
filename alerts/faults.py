"""Fault injection for tests and benchmarks: SIGKILL a real deliverer process mid-delivery.

`kill_harness` starts `filingwatch alerts deliver` against a real receiver, kills it with
SIGKILL at a random moment once it has sent a few messages, restarts it, and finally lets it
finish. It reports what the receiver got: every alert once (0 lost), and how many repeats the
kills caused, the figure README's delivery section documents.
"""

from __future__ import annotations

import os
import random
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from alerts.receivers import WebhookReceiver


@dataclass
class KillReport:
    kills: int  # kills that hit a running deliverer
    alerts: int  # outbox rows
    delivered: int  # distinct alerts the receiver accepted (by idempotency key)
    requests: int  # accepted requests, repeats included
    unsent: int  # outbox rows not 'sent' at the end

    @property
    def duplicates(self) -> int:
        return self.requests - self.delivered

    @property
    def lost(self) -> int:
        return self.alerts - self.delivered


def _deliver_cmd(config_path: Path) -> list[str]:
    return [sys.executable, "-m", "scraper.cli", "alerts", "deliver", "--config", str(config_path),
            "--timeout", "600"]  # fmt: skip


def kill_harness(
    config_path: Path, db_path: Path, receiver: WebhookReceiver, *, kills: int, seed: int = 1,
    wait: float = 120.0,
) -> KillReport:  # fmt: skip
    """Kill `alerts deliver` `kills` times while `receiver` answers slowly, then let it finish."""
    rng = random.Random(seed)
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    hit = 0
    for _ in range(kills):
        proc = subprocess.Popen(_deliver_cmd(config_path), env=env, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)  # fmt: skip
        with receiver.lock:
            target = len(receiver.received) + len(receiver.refused) + rng.randint(1, 3)
        deadline = time.monotonic() + wait
        while proc.poll() is None and time.monotonic() < deadline:
            if receiver.wait_for(target, timeout=0.1):
                break
        # a random moment inside or between requests: the receiver takes `delay` to answer
        time.sleep(rng.uniform(0, 2 * (receiver.delay or 0.05)))
        if proc.poll() is None:
            proc.kill()
            hit += 1
        proc.wait()
    for _ in range(20):  # now let it finish (rows left uncertain wait uncertain_retry first)
        subprocess.run(_deliver_cmd(config_path), env=env, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, timeout=wait)  # fmt: skip
        if _unsent(db_path) == 0:
            break
        time.sleep(0.2)
    with receiver.lock:
        keys = [e["headers"].get("idempotency-key", "") for e in receiver.received]
    conn = sqlite3.connect(db_path)
    total = conn.execute("SELECT count(*) FROM outbox").fetchone()[0]
    conn.close()
    return KillReport(hit, total, len(set(keys)), len(keys), _unsent(db_path))


def _unsent(db_path: Path) -> int:
    conn = sqlite3.connect(db_path, timeout=30)
    try:
        return conn.execute("SELECT count(*) FROM outbox WHERE status != 'sent'").fetchone()[0]
    finally:
        conn.close()
