"""One write path (issue 10): the baseline mark, one dedupe-key shape, canonical regulator names.

Existing databases keep their history and outbox; nothing is deleted.

* crawl_state.baseline_done_at: a source's events are news only after its first complete sweep.
  A source that already finished a full sweep (or an ok run with nothing in progress) is marked
  done at that time, so it keeps alerting; a first crawl that never completed stays baseline.
* Stage-event dedupe keys take one shape, `<source>:stage:<subject>:<stage>#<n>`, so the n-th
  occurrence of a move is its own event. Old keys are rewritten in place (numbered in id order):
  csrcfd / timeline `...:<cid>:<old>>` + `<new>`, hkex_app `hkex_app:<board>:<id>:<stage>`,
  hkex_listings `hkex_listings:<code>:<stage>:<year>`. Exchange keys already had this shape.
* regulator columns hold one name per body (上交所 -> 上海证券交易所, HKEX -> 香港交易所).
"""

from __future__ import annotations

import re

from sqlite_utils import Database

from scraper.core.regulators import canonical

_SNAPSHOT_RE = re.compile(r"^(csrcfd|timeline|[a-z_]+):stage:(\d+):[^>]*>(.+)$")
_HKEX_APP_RE = re.compile(r"^hkex_app:(sehk|gem):(\d+):([a-z_]+)$")
_HKEX_LISTING_RE = re.compile(r"^(hkex_listings):([^:]+):([a-z_]+):(\d{4})$")


def apply(db: Database) -> None:
    cols = {row[1] for row in db.execute("PRAGMA table_info(crawl_state)").fetchall()}
    if "baseline_done_at" not in cols:
        db.execute("ALTER TABLE crawl_state ADD COLUMN baseline_done_at TEXT")
    db.execute(
        "UPDATE crawl_state SET baseline_done_at = coalesce(last_full_at,"
        " CASE WHEN in_progress_run IS NULL THEN last_ok_at END) WHERE baseline_done_at IS NULL"
    )
    _rekey_events(db)
    db.conn.create_function("fw_canonical_regulator", 1, canonical, deterministic=True)
    for table in ("filings", "events"):
        db.execute(
            f"UPDATE {table} SET regulator = fw_canonical_regulator(regulator)"
            " WHERE regulator IS NOT NULL AND regulator <> fw_canonical_regulator(regulator)"
        )


def _rekey_events(db: Database) -> None:
    counts: dict[str, int] = {}
    updates = []
    for event_id, key in db.execute(
        "SELECT id, dedupe_key FROM events WHERE kind = 'stage' ORDER BY id"
    ).fetchall():
        prefix = None
        if m := _SNAPSHOT_RE.match(key):
            prefix = f"{m[1]}:stage:{m[2]}:{m[3]}#"
        elif m := _HKEX_APP_RE.match(key):
            prefix = f"hkex_app:stage:{m[1]}:{m[2]}:{m[3]}#"
        elif m := _HKEX_LISTING_RE.match(key):
            prefix = f"{m[1]}:stage:{m[2]}:{m[4]}:{m[3]}#"
        if prefix is None:
            continue
        counts[prefix] = counts.get(prefix, 0) + 1
        updates.append((f"{prefix}{counts[prefix]}", event_id))
    db.conn.executemany("UPDATE events SET dedupe_key = ? WHERE id = ?", updates)
