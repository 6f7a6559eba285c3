"""The one SQLite file: open + migrate, batched upserts that report what is new, run bookkeeping."""

from __future__ import annotations

import importlib
import json
import sqlite3
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlite_utils

from scraper import migrations
from scraper.items import Filing
from scraper.names import name_key
from scraper.timeutil import now_iso

CHUNK = 500


def open_db(path: str | Path, *, migrate: bool = True) -> sqlite_utils.Database:
    """Open (creating folders), switch to WAL with a busy timeout, and apply pending migrations."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(str(path), timeout=30, isolation_level=None, check_same_thread=False)
    conn.execute("PRAGMA busy_timeout = 30000")
    conn.execute("PRAGMA journal_mode = WAL")
    # Checkpoint (and fsync) every ~32 MB of WAL rather than every 4 MB: a backfill writes tens of
    # MB and the default made every fourth page commit wait for a disk flush.
    conn.execute("PRAGMA wal_autocheckpoint = 8192")
    conn.execute("PRAGMA synchronous = NORMAL")
    conn.execute("PRAGMA foreign_keys = ON")
    db = sqlite_utils.Database(conn)
    if migrate:
        apply_migrations(db)
    return db


def open_readonly(path: str | Path) -> sqlite3.Connection:
    """A connection that cannot write, for `filingwatch query` and other readers."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"database not found: {path}")
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)
    conn.execute("PRAGMA busy_timeout = 30000")
    conn.row_factory = sqlite3.Row
    return conn


def apply_migrations(db: sqlite_utils.Database) -> int:
    db.execute(
        "CREATE TABLE IF NOT EXISTS _migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)"
    )
    done = {row[0] for row in db.execute("SELECT name FROM _migrations").fetchall()}
    for name, apply in migrations.discover():
        if name in done:
            continue
        with transaction(db):
            apply(db)
            db.execute("INSERT INTO _migrations VALUES (?, ?)", [name, now_iso()])
    return schema_version(db)


def schema_version(db: sqlite_utils.Database) -> int:
    return db.execute("SELECT count(*) FROM _migrations").fetchone()[0]


class transaction:
    """BEGIN IMMEDIATE ... COMMIT/ROLLBACK on an autocommit connection (nestable: inner is a no-op)."""

    def __init__(self, db: sqlite_utils.Database):
        self.conn = db.conn
        self.outer = False

    def __enter__(self):
        if not self.conn.in_transaction:
            self.conn.execute("BEGIN IMMEDIATE")
            self.outer = True
        return self.conn

    def __exit__(self, exc_type, exc, tb):
        if self.outer:
            self.conn.execute("ROLLBACK" if exc_type else "COMMIT")
        return False


# ---------------------------------------------------------------- writing filings and events


@dataclass
class WriteContext:
    run_id: int | None = None
    baseline: bool = False  # first crawl of a source: record events, but mark them as no-alert
    now: str = field(default_factory=now_iso)
    config: Any = None  # the loaded Config, for event hooks (alert rules)


@dataclass
class WriteResult:
    new: int = 0
    updated: int = 0
    events: list[dict] = field(default_factory=list)


# Called inside the transaction that records events: hook(db, events, ctx). The alert layer
# registers its outbox writer here, so an event and its alerts commit together or not at all.
EVENT_HOOKS: list[Callable[[sqlite_utils.Database, list[dict], WriteContext], None]] = []
# The project's own hooks, in order: the timeline records cross-source stage moves first, so the
# alert layer sees them. Imported on first use: reading the config or the CLI stays light.
DEFAULT_EVENT_HOOKS = ("scraper.timeline:stage_hook", "alerts.outbox:on_events")
_defaults_installed = False


def event_hooks() -> list[Callable]:
    global _defaults_installed
    if not _defaults_installed:
        _defaults_installed = True
        for position, path in enumerate(DEFAULT_EVENT_HOOKS):
            module, _, name = path.partition(":")
            hook = getattr(importlib.import_module(module), name)
            if hook not in EVENT_HOOKS:
                EVENT_HOOKS.insert(position, hook)
    return EVENT_HOOKS

_FILING_COLUMNS = (
    "id",
    "source", "native_id", "company", "company_id", "kind", "title", "report_type", "period",
    "status", "status_raw", "broker", "regulator", "board", "event_date", "disclosed_date", "url",
    "pdf_url", "company_en", "stock_code", "flags", "raw", "first_seen_at", "last_seen_at",
    "first_run_id", "last_run_id",
)  # fmt: skip
_INSERT_FILING = (
    f"INSERT INTO filings ({', '.join(_FILING_COLUMNS)}) "
    f"VALUES ({', '.join('?' for _ in _FILING_COLUMNS)})"
)


def write_filings(
    db: sqlite_utils.Database, filings: Sequence[Filing], ctx: WriteContext
) -> WriteResult:
    """Upsert a batch in one transaction; new documents and company stage changes become events."""
    result = WriteResult()
    if not filings:
        return result
    with transaction(db):
        companies = ensure_companies(
            db, [(f.company, f.company_en, f.stock_code) for f in filings], ctx.now
        )
        existing = _existing(db, filings)
        inserts, updates = [], []
        # We hold the write lock (BEGIN IMMEDIATE), so new ids are assigned here, not read back.
        next_id = db.conn.execute("SELECT coalesce(max(id), 0) + 1 FROM filings").fetchone()[0]
        for f in filings:
            cid = companies.get(name_key(f.company))
            key = (f.source, f.native_id)
            if key in existing:
                fid, old_status = existing[key]
                if fid is not None:
                    updates.append((f.status, f.status_raw, ctx.now, ctx.run_id, _json(f.flags), fid))
                if old_status != f.status:
                    result.updated += 1
                continue
            fid = next_id + len(inserts)
            row = f.as_dict()
            row.update(
                id=fid, company_id=cid, flags=_json(f.flags), raw=_json(f.raw), first_seen_at=ctx.now,
                last_seen_at=ctx.now, first_run_id=ctx.run_id, last_run_id=ctx.run_id,
            )  # fmt: skip
            inserts.append(tuple(row[c] for c in _FILING_COLUMNS))
            existing[key] = (None, f.status)  # a page may list one document twice
            event = event_from_filing(ctx, f, cid, fid, "filing", f.status, None,
                                      f"{f.source}:filing:{f.native_id}")  # fmt: skip
            event["_new_key"] = True  # a brand-new filing cannot have an event yet
            result.events.append(event)
        if updates:
            db.conn.executemany(
                "UPDATE filings SET status = ?, status_raw = ?, last_seen_at = ?, last_run_id = ?,"
                " flags = ? WHERE id = ?",
                updates,
            )
        if inserts:
            db.conn.executemany(_INSERT_FILING, inserts)
        result.new = len(inserts)
        result.events.extend(_stage_changes(db, filings, companies, ctx))
        insert_events(db, result.events, ctx)
    return result


def _existing(
    db, filings: Sequence[Filing]
) -> dict[tuple[str, str], tuple[int | None, str | None]]:
    found: dict[tuple[str, str], tuple[int | None, str | None]] = {}
    by_source: dict[str, list[str]] = {}
    for f in filings:
        by_source.setdefault(f.source, []).append(f.native_id)
    for source, ids in by_source.items():
        for i in range(0, len(ids), CHUNK):
            part = ids[i : i + CHUNK]
            sql = (
                "SELECT native_id, id, status FROM filings WHERE source = ? AND native_id IN "
                f"({', '.join('?' for _ in part)})"
            )
            for native_id, fid, status in db.conn.execute(sql, [source, *part]):
                found[(source, native_id)] = (fid, status)
    return found


def ensure_companies(db, names: Iterable[tuple], now: str) -> dict[str, int]:
    """name_key -> company id for (name, name_en[, stock_code]) tuples, resolving across sources.

    Resolution (aliases, former names, English names, codes, candidates) is in scraper/companies.py.
    """
    from scraper import companies

    return companies.ensure_companies(db, names, now)


def _stage_changes(
    db, filings: Sequence[Filing], companies: dict[str, int], ctx: WriteContext
) -> list[dict]:
    """Compare each company's stated stage with the stored one; a difference is one stage event."""
    latest: dict[tuple[int, str], Filing] = {}
    for f in filings:
        cid = companies.get(name_key(f.company))
        if cid is None or not f.company_stage:
            continue
        latest.setdefault((cid, f.source), f)  # lists put the newest row of a company first
    if not latest:
        return []
    stored: dict[tuple[int, str], str | None] = {}
    cids = sorted({cid for cid, _ in latest})
    for i in range(0, len(cids), CHUNK):
        part = cids[i : i + CHUNK]
        sql = (
            "SELECT company_id, source, status FROM company_status WHERE company_id IN "
            f"({', '.join('?' for _ in part)})"
        )
        for cid, source, status in db.conn.execute(sql, part):
            stored[(cid, source)] = status
    events, upserts = [], []
    for (cid, source), f in latest.items():
        old = stored.get((cid, source))
        if (cid, source) in stored and old == f.company_stage:
            continue
        upserts.append((cid, source, f.company_stage, f.status_raw, f.event_date, ctx.now))
        date = f.event_date if old is None else (f.disclosed_date or ctx.now[:10])
        key = f"{source}:stage:{cid}:{old or ''}>{f.company_stage}"
        events.append(
            event_from_filing(ctx, f, cid, None, "stage", f.company_stage, old, key, date)
        )
    upsert_company_status(db, upserts)
    db.conn.executemany(
        "UPDATE companies SET stage = ?, stage_source = ?, stage_date = ?, updated_at = ? WHERE id = ?",
        [(e["stage"], e["source"], e["event_date"], ctx.now, e["company_id"]) for e in events],
    )
    return events


def upsert_company_status(db, rows: list[tuple]) -> None:
    """rows: (company_id, source, status, status_raw, status_date, updated_at)."""
    db.conn.executemany(
        "INSERT INTO company_status (company_id, source, status, status_raw, status_date, updated_at)"
        " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (company_id, source) DO UPDATE SET"
        " status = excluded.status, status_raw = excluded.status_raw,"
        " status_date = excluded.status_date, updated_at = excluded.updated_at",
        rows,
    )


def event_from_filing(
    ctx, f: Filing, cid, fid, kind, stage, old_stage, dedupe_key, date=None
) -> dict:
    """An events row built from a filing; other sources may build their own with the same keys."""
    return {
        "created_at": ctx.now, "source": f.source, "kind": kind, "stage": stage,
        "old_stage": old_stage, "company_id": cid, "company": f.company, "filing_id": fid,
        "report_type": f.report_type, "title": f.title, "broker": f.broker,
        "regulator": f.regulator, "board": f.board,
        "event_date": date or f.event_date or f.disclosed_date,
        "url": f.pdf_url or f.url, "run_id": ctx.run_id, "baseline": int(ctx.baseline),
        "dedupe_key": dedupe_key,
    }  # fmt: skip


def insert_events(db, events: list[dict], ctx: WriteContext) -> None:
    """Insert events (dicts with the events columns); duplicates by dedupe_key are dropped in place.

    Must run inside a write transaction (BEGIN IMMEDIATE holds the write lock), which lets ids
    be assigned here instead of read back. Runs the EVENT_HOOKS on what was really inserted.
    """
    if not events:
        return
    unique: dict[str, dict] = {}
    for event in events:
        unique.setdefault(event["dedupe_key"], event)
    keys = [k for k, e in unique.items() if not e.pop("_new_key", False)]
    seen = set()
    for i in range(0, len(keys), CHUNK):
        part = keys[i : i + CHUNK]
        sql = f"SELECT dedupe_key FROM events WHERE dedupe_key IN ({', '.join('?' for _ in part)})"
        seen.update(row[0] for row in db.conn.execute(sql, part))
    fresh = [e for k, e in unique.items() if k not in seen]
    events[:] = fresh
    if not fresh:
        return
    next_id = db.conn.execute("SELECT coalesce(max(id), 0) + 1 FROM events").fetchone()[0]
    for offset, event in enumerate(fresh):
        event["id"] = next_id + offset
    cols = list(fresh[0])
    db.conn.executemany(
        f"INSERT INTO events ({', '.join(cols)}) VALUES ({', '.join('?' for _ in cols)})",
        [[e[c] for c in cols] for e in fresh],
    )
    for hook in event_hooks():
        hook(db, fresh, ctx)


def _json(value: Any) -> str | None:
    if value is None or value == [] or value == {}:
        return None
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


# ---------------------------------------------------------------- runs and crawl state


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
    """Close the run row; clear the in-progress mark only when the run covered what it meant to."""
    now = now_iso()
    with transaction(db):
        cols = ", ".join(f"{k} = ?" for k in stats)
        db.conn.execute(
            f"UPDATE source_runs SET finished_at = ?, {cols} WHERE id = ?",
            [now, *stats.values(), run_id],
        )
        finished = stats.get("finish_reason") == "finished"
        if finished:
            sets = ["in_progress_run = NULL"]
            if stats.get("health") == "ok":
                sets.append(f"last_ok_at = '{now}'")
            if completed_full:
                sets.append(f"last_full_at = '{now}'")
            db.conn.execute(
                f"UPDATE crawl_state SET {', '.join(sets)} WHERE source = ? AND in_progress_run = ?",
                [source, run_id],
            )


def crawl_state(db, source: str) -> dict:
    row = db.conn.execute(
        "SELECT in_progress_run, last_ok_at, last_full_at, cursor FROM crawl_state WHERE source = ?",
        [source],
    ).fetchone()
    if not row:
        return {"in_progress_run": None, "last_ok_at": None, "last_full_at": None, "cursor": None}
    return dict(zip(("in_progress_run", "last_ok_at", "last_full_at", "cursor"), row, strict=True))


def mark_stale_runs(db, source: str) -> None:
    """Runs left 'running' by a killed process are closed as interrupted."""
    with transaction(db):
        db.conn.execute(
            "UPDATE source_runs SET health = 'interrupted', finish_reason = "
            "coalesce(finish_reason, 'killed'), finished_at = coalesce(finished_at, ?) "
            "WHERE source = ? AND health = 'running'",
            [now_iso(), source],
        )


def known_statuses(db, source: str) -> dict[str, str | None]:
    """native_id -> status for a source: lets a spider tell 'nothing new' without writing."""
    return dict(db.conn.execute("SELECT native_id, status FROM filings WHERE source = ?", [source]))


def has_any_filing(db, source: str) -> bool:
    return (
        db.conn.execute("SELECT 1 FROM filings WHERE source = ? LIMIT 1", [source]).fetchone()
        is not None
    )
