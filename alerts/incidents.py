"""Source health -> incidents -> one ops message when a source breaks, one when it heals.

Checked after every run and periodically by the daemon. A source is broken when its latest
finished run is unhealthy (zero rows, challenge page, parse errors, HTTP failures: see
scraper/health.py), when the daemon had to kill or lost its crawl, or when it has not
succeeded for longer than its `unhealthy_after_hours`. At most one incident per source is open
(a partial unique index), so a source failing for a day sends one message, not ninety-six.
Incidents with the same cause (DNS, refused, timeout, 5xx, or the same reason text) opened within
[alerts] incident_window share one message ("10 sources unreachable: DNS lookup failed"), and
so do their recoveries.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from alerts.config import AlertSettings
from alerts.outbox import enqueue_health
from scraper.config import Config
from scraper.core.timeutil import SHANGHAI, now_iso
from scraper.db import connection as dbconn
from scraper.db import runs

log = logging.getLogger("filingwatch.health")


# Causes that hit many sources at once (the network, not a site): (key, pattern, zh, en).
_CAUSES = (
    ("dns", re.compile(r"DNSLookupError|CannotResolveHost|DNS lookup failed|getaddrinfo|"
                       r"Name or service not known|nodename nor servname", re.I),
     "无法访问：域名解析失败", "unreachable: DNS lookup failed"),
    ("refused", re.compile(r"ConnectionRefused|Connection was refused|connection refused", re.I),
     "无法访问：连接被拒绝", "unreachable: connection refused"),
    ("timeout", re.compile(r"TCPTimedOut|TimeoutError|timed out|took longer than", re.I),
     "无法访问：连接超时", "unreachable: timed out"),
    ("http5xx", re.compile(r"\bHTTP 5\d\d\b"), "服务器错误（HTTP 5xx）", "failing: server errors (HTTP 5xx)"),
)  # fmt: skip


def cause_of(reason: str | None) -> tuple[str, str, str]:
    """(group key, zh label, en label) of an incident's reason; other reasons group by their text."""
    text = reason or ""
    for key, pattern, zh, en in _CAUSES:
        if pattern.search(text):
            return key, zh, en
    short = text.strip().splitlines()[0][:100] if text.strip() else "unknown"
    return f"other:{short}", f"异常：{short}", f"unhealthy: {short}"


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
            "SELECT id, opened_at, last_run_id, detail FROM incidents WHERE source = ? AND resolved_at IS NULL",
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
            group, cause_zh, cause_en = cause_of(problem.reason)
            payload = {"source": source, "kind": problem.kind, "since": now_iso(), "reason": problem.reason,
                       "url": problem.url or "", "run_id": problem.run_id or "", "failures": 1,
                       "cause": group, "cause_zh": cause_zh, "cause_en": cause_en}  # fmt: skip
            enqueue_health(db, cur.lastrowid, "open", ops, payload, group=group,
                           window=settings.options.incident_window)  # fmt: skip
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
            group, cause_zh, cause_en = cause_of(row[3])
            payload = {"source": source, "at": at, "since": row[1], "run_id": last["id"],
                       "duration": str(duration).split(".")[0], "cause": group,
                       "cause_zh": cause_zh, "cause_en": cause_en}  # fmt: skip
            enqueue_health(db, row[0], "resolved", ops, payload, group=group,
                           window=settings.options.incident_window)  # fmt: skip
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
