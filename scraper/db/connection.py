"""The one SQLite file: open in WAL with a busy timeout, migrate forward, and transactions."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TypeVar

import sqlite_utils

from scraper.core.timeutil import now_iso
from scraper.db import migrations

CHUNK = 500  # SQLite's host-parameter limit is far above this; one IN (...) per chunk
T = TypeVar("T")


def chunks(items: Sequence[T], size: int = CHUNK) -> Iterator[Sequence[T]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def marks(items: Sequence) -> str:
    """'?, ?, ?' for an IN (...) list."""
    return ", ".join("?" for _ in items)


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

    def __init__(self, db: sqlite_utils.Database | sqlite3.Connection):
        self.conn = db.conn if hasattr(db, "conn") else db
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
