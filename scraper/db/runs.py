"""source_runs and crawl_state: run bookkeeping, the per-source cursor, and the baseline mark."""

from __future__ import annotations

import json
from typing import Any

from scraper.core.timeutil import now_iso
from scraper.db.connection import transaction

_STATE_COLS = ("in_progress_run", "last_ok_at", "last_full_at", "cursor", "baseline_done_at")


def start_run(db, source: str, mode: str) -> int:
    with transaction(db):
        cur = db.conn.execute(
            "INSERT INTO source_runs (source, mode, started_at) VALUES (?, ?, ?)",
            [source, mode, now_iso()],
        )
        run_id = cur.lastrowid
        db.conn.execute(
            "INSERT INTO crawl_state (source, in_progress_run) VALUES (?, ?) "
            "ON CONFLICT (source) DO UPDATE SET in_progress_run = excluded.in_progress_run",
            [source, run_id],
        )
    return run_id


def finish_run(db, run_id: int, source: str, stats: dict, *, completed_full: bool) -> None:
    """Close the run row; clear the in-progress mark only when the run covered what it meant to.

    The first run that sweeps the whole source without an error ends the source's baseline:
    alerts start with the next run (a first backfill spread over several runs stays history).
    """
    now = now_iso()
    with transaction(db):
        cols = ", ".join(f"{k} = ?" for k in stats)
        db.conn.execute(
            f"UPDATE source_runs SET finished_at = ?, {cols} WHERE id = ?",
            [now, *stats.values(), run_id],
        )
        if stats.get("finish_reason") != "finished":
            return
        sets = ["in_progress_run = NULL"]
        if stats.get("health") == "ok":
            sets.append(f"last_ok_at = '{now}'")
        if completed_full:
            sets.append(f"last_full_at = '{now}'")
            if not stats.get("errors"):
                sets.append(f"baseline_done_at = coalesce(baseline_done_at, '{now}')")
        db.conn.execute(
            f"UPDATE crawl_state SET {', '.join(sets)} WHERE source = ? AND in_progress_run = ?",
            [source, run_id],
        )


def crawl_state(db, source: str) -> dict:
    row = db.conn.execute(
        f"SELECT {', '.join(_STATE_COLS)} FROM crawl_state WHERE source = ?", [source]
    ).fetchone()
    return dict(zip(_STATE_COLS, row or (None,) * len(_STATE_COLS), strict=True))


def baseline_done(db, source: str) -> bool:
    """True once a complete sweep of the source is recorded: from then on its events are news."""
    return crawl_state(db, source)["baseline_done_at"] is not None


def mark_stale_runs(db, source: str) -> None:
    """Runs left 'running' by a killed process are closed as interrupted."""
    with transaction(db):
        db.conn.execute(
            "UPDATE source_runs SET health = 'interrupted', finish_reason = "
            "coalesce(finish_reason, 'killed'), finished_at = coalesce(finished_at, ?) "
            "WHERE source = ? AND health = 'running'",
            [now_iso(), source],
        )


def load_cursor(db, source: str) -> dict[str, Any]:
    row = db.conn.execute("SELECT cursor FROM crawl_state WHERE source = ?", [source]).fetchone()
    if not row or not row[0]:
        return {}
    try:
        value = json.loads(row[0])
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def save_cursor(db, source: str, cursor: dict[str, Any]) -> None:
    """Source-specific state kept between runs (the BSE WAF cookie) in crawl_state.cursor."""
    with transaction(db):
        db.conn.execute(
            "INSERT INTO crawl_state (source, cursor) VALUES (?, ?) ON CONFLICT (source)"
            " DO UPDATE SET cursor = excluded.cursor",
            [source, json.dumps(cursor, ensure_ascii=False, sort_keys=True)],
        )
