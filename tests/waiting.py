"""Test helpers that wait on a condition (never a fixed sleep deciding an outcome)."""

from __future__ import annotations

import sqlite3
import time


def wait_for(predicate, timeout: float = 60.0, interval: float = 0.05, what: str = "condition"):
    """Poll `predicate` until it returns something true; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


def db_scalar(path, sql: str):
    """One value from a database another process writes; 0 while it does not exist yet."""
    try:
        with sqlite3.connect(path, timeout=10) as conn:
            return conn.execute(sql).fetchone()[0]
    except sqlite3.OperationalError:
        return 0
