"""The events table: insert what is new by dedupe key, and count earlier occurrences of a move."""

from __future__ import annotations

from collections.abc import Iterable

from scraper.db.connection import chunks, marks


def occurrences(conn, prefixes: Iterable[str]) -> dict[str, int]:
    """How many stored events have a dedupe key starting with each prefix (`...:withdrawn#`).

    Occurrences are numbered from 1 without gaps, so one IN query on `<prefix>1` settles most
    prefixes (a first statement); only those with a first occurrence are counted by a range scan
    over the unique index (occurrence numbers are digits, which sort below '~').
    """
    wanted = sorted(set(prefixes))
    out = dict.fromkeys(wanted, 0)
    seen: set[str] = set()
    for part in chunks([p + "1" for p in wanted]):
        sql = f"SELECT dedupe_key FROM events WHERE dedupe_key IN ({marks(part)})"
        seen.update(row[0][:-1] for row in conn.execute(sql, part))
    for prefix in seen:
        out[prefix] = conn.execute(
            "SELECT count(*) FROM events WHERE dedupe_key >= ? AND dedupe_key < ?",
            [prefix, prefix + "~"],
        ).fetchone()[0]
    return out


def insert_events(conn, events: list[dict]) -> list[dict]:
    """Insert events not stored yet (by dedupe_key); return them with their new ids.

    Must run inside a write transaction (BEGIN IMMEDIATE holds the write lock), which lets ids be
    assigned here instead of read back. An event marked `_new_key` (a brand-new filing) skips the
    lookup: its key cannot exist yet.
    """
    if not events:
        return []
    unique: dict[str, dict] = {}
    for event in events:
        unique.setdefault(event["dedupe_key"], event)
    keys = [k for k, e in unique.items() if not e.pop("_new_key", False)]
    seen: set[str] = set()
    for part in chunks(keys):
        sql = f"SELECT dedupe_key FROM events WHERE dedupe_key IN ({marks(part)})"
        seen.update(row[0] for row in conn.execute(sql, part))
    fresh = [e for k, e in unique.items() if k not in seen]
    if not fresh:
        return []
    next_id = conn.execute("SELECT coalesce(max(id), 0) + 1 FROM events").fetchone()[0]
    for offset, event in enumerate(fresh):
        event["id"] = next_id + offset
    by_columns: dict[tuple[str, ...], list[dict]] = {}
    for event in fresh:
        by_columns.setdefault(tuple(event), []).append(event)
    for cols, group in by_columns.items():
        conn.executemany(
            f"INSERT INTO events ({', '.join(cols)}) VALUES ({marks(cols)})",
            [[e[c] for c in cols] for e in group],
        )
    return fresh
