"""Source health -> incidents -> one ops message when a source breaks, one when it heals.

Checked after every run and periodically by the daemon. A source is broken when its latest
finished run is unhealthy (zero rows, challenge page, parse errors, HTTP failures: see
scraper/health.py), when the daemon had to kill or lost its crawl, or when it has not
succeeded for longer than its `unhealthy_after_hours`. At most one incident per source is open
(a partial unique index), so a source failing for a day sends one message, not ninety-six.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from alerts.config import AlertSettings
from alerts.outbox import enqueue_health
from scraper.config import Config
from scraper.core.timeutil import SHANGHAI, now_iso
from scraper.db import connection as dbconn
from scraper.db import runs

log = logging.getLogger("filingwatch.health")


@dataclass
class Problem:
    kind: str  # unhealthy | stale
    reason: str
    url: str | None
    run_id: int | None


def _now(now: datetime | None) -> datetime:
    return now or datetime.now(SHANGHAI)


def current_problem(db, cfg: Config, source: str, failure: str | None = None,
                    now: datetime | None = None) -> tuple[Problem | None, dict | None]:  # fmt: skip
    """(what is wrong with the source now, its latest finished run)."""
    row = db.conn.execute(
        "SELECT id, health, started_at, last_error, last_error_url FROM source_runs"
        " WHERE source = ? AND health != 'running' ORDER BY id DESC LIMIT 1", [source],
    ).fetchone()  # fmt: skip
    last = (
        dict(zip(("id", "health", "started_at", "last_error", "last_error_url"), row, strict=True))
        if row
        else None
    )
    if failure:
        return Problem("unhealthy", failure, None, last["id"] if last else None), last
    if last and last["health"] == "unhealthy":
        return Problem(
            "unhealthy", last["last_error"] or "unhealthy run", last["last_error_url"], last["id"]
        ), last
    hours = cfg.source(source).unhealthy_after_hours
    if hours and hours > 0:
        ref = runs.crawl_state(db, source)["last_ok_at"]
        if ref is None:
            first = db.conn.execute(
                "SELECT min(started_at) FROM source_runs WHERE source = ?", [source]
            ).fetchone()
            ref = first[0] if first else None
        if ref and _now(now) - datetime.fromisoformat(ref) > timedelta(hours=hours):
            ok = runs.crawl_state(db, source)["last_ok_at"]
            reason = (
                f"no successful run since {ok}"
                if ok
                else f"no successful run since the first one at {ref}"
            )
            return Problem(
                "stale", f"{reason} (threshold {hours:g} h)", None, last["id"] if last else None
            ), last
    return None, last


def check_source(db, cfg: Config, settings: AlertSettings, source: str, *, failure: str | None = None,
                 now: datetime | None = None) -> str | None:  # fmt: skip
    """Open or resolve the source's incident; returns 'opened', 'resolved' or None."""
    problem, last = current_problem(db, cfg, source, failure, now)
    ops = settings.options.ops_channels
    with dbconn.transaction(db):
        row = db.conn.execute(
            "SELECT id, opened_at, last_run_id FROM incidents WHERE source = ? AND resolved_at IS NULL",
            [source],
        ).fetchone()
        if problem and row is None:
            cur = db.conn.execute(
                "INSERT INTO incidents (source, kind, opened_at, opened_run_id, detail, url, last_run_id)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                [
                    source,
                    problem.kind,
                    now_iso(),
                    problem.run_id,
                    problem.reason,
                    problem.url,
                    problem.run_id,
                ],
            )
            payload = {"source": source, "kind": problem.kind, "since": now_iso(), "reason": problem.reason,
                       "url": problem.url or "", "run_id": problem.run_id or "", "failures": 1}  # fmt: skip
            enqueue_health(db, cur.lastrowid, "open", ops, payload)
            log.warning("event=incident_open source=%s kind=%s run=%s ops_channels=%s reason=%r",
                        source, problem.kind, problem.run_id, ",".join(ops) or "-", problem.reason)  # fmt: skip
            return "opened"
        if problem and row is not None:
            if problem.run_id and problem.run_id != row[2]:
                db.conn.execute(
                    "UPDATE incidents SET failures = failures + 1, last_run_id = ?, detail = ? WHERE id = ?",
                    [problem.run_id, problem.reason, row[0]],
                )
            return None
        if row is not None and last and last["health"] == "ok":
            at = now_iso()
            db.conn.execute(
                "UPDATE incidents SET resolved_at = ?, resolved_run_id = ? WHERE id = ?",
                [at, last["id"], row[0]],
            )
            duration = datetime.fromisoformat(at) - datetime.fromisoformat(row[1])
            payload = {"source": source, "at": at, "since": row[1], "run_id": last["id"],
                       "duration": str(duration).split(".")[0]}  # fmt: skip
            enqueue_health(db, row[0], "resolved", ops, payload)
            log.info(
                "event=incident_resolved source=%s run=%s down_for=%s",
                source,
                last["id"],
                payload["duration"],
            )
            return "resolved"
    return None


def open_incidents(db) -> list[dict]:
    cur = db.execute("SELECT * FROM incidents WHERE resolved_at IS NULL ORDER BY id")
    cols = [c[0] for c in cur.description]
    return [dict(zip(cols, r, strict=True)) for r in cur.fetchall()]
