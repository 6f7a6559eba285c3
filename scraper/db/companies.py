"""Company rows as SQL: merging two rows, alias rows, and re-keying (the m0050 migration).

Which names are one company is decided in scraper/companies.py; this module only writes.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from scraper.core.names import keys_for, legal_rank
from scraper.db.status import recompute_overall

log = logging.getLogger(__name__)

_EN_KINDS = {"en", "en_trade"}


def alias_value(kind: str, name: str, name_en: str | None, code: str | None) -> str:
    """What an alias row shows for a key kind: the code, the English name, or the name."""
    if kind == "code":
        return str(code)
    return str(name_en if kind in _EN_KINDS and name_en else name)


def insert_aliases(conn, rows: list[tuple]) -> None:
    """rows: (company_id, kind, key, alias, reason, score, first_seen_at)."""
    conn.executemany(
        "INSERT OR IGNORE INTO company_aliases (company_id, kind, key, alias, reason, score,"
        " first_seen_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        rows,
    )


_TABLES_CACHE: dict[tuple[int, int], list[str]] = {}
_MERGE_OWN = {"companies", "company_status", "company_aliases", "company_candidates"}


def _company_id_tables(conn) -> list[str]:
    """Tables with a company_id column, cached per connection and schema version."""
    key = (id(conn), conn.execute("PRAGMA schema_version").fetchone()[0])
    if key not in _TABLES_CACHE:
        tables = []
        for (table,) in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
        ).fetchall():
            if table in _MERGE_OWN:
                continue
            cols = [r[1] for r in conn.execute(f"PRAGMA table_info({table})").fetchall()]
            if "company_id" in cols:
                tables.append(table)
        _TABLES_CACHE.clear()
        _TABLES_CACHE[key] = tables
    return _TABLES_CACHE[key]


def merge_companies(db, keep: int, drop: int, reason: str, now: str) -> None:
    """Fold company `drop` into `keep`: every table's company_id, aliases, statuses, candidates.

    Runs inside the caller's transaction. The better (more official) name becomes the display name.
    """
    conn = db.conn if hasattr(db, "conn") else db
    if keep == drop:
        return
    row_keep = conn.execute(
        "SELECT name, name_en, stock_code, sectors FROM companies WHERE id = ?", [keep]
    ).fetchone()
    row_drop = conn.execute(
        "SELECT name, name_en, stock_code, sectors FROM companies WHERE id = ?", [drop]
    ).fetchone()
    if not row_keep or not row_drop:
        return
    # company_status: keep the newer statement per source
    conn.execute(
        "INSERT INTO company_status (company_id, source, status, status_raw, status_date, updated_at)"
        " SELECT ?, source, status, status_raw, status_date, updated_at FROM company_status"
        " WHERE company_id = ? ON CONFLICT (company_id, source) DO UPDATE SET"
        " status = excluded.status, status_raw = excluded.status_raw,"
        " status_date = excluded.status_date, updated_at = excluded.updated_at"
        " WHERE coalesce(excluded.status_date, '') > coalesce(company_status.status_date, '')",
        [keep, drop],
    )
    conn.execute("DELETE FROM company_status WHERE company_id = ?", [drop])
    conn.execute(
        "UPDATE OR IGNORE company_aliases SET company_id = ? WHERE company_id = ?", [keep, drop]
    )
    conn.execute("DELETE FROM company_aliases WHERE company_id = ?", [drop])
    conn.execute(
        "UPDATE company_candidates SET status = 'merged' WHERE (company_id = ? AND candidate_id = ?)"
        " OR (company_id = ? AND candidate_id = ?)",
        [keep, drop, drop, keep],
    )
    conn.execute(
        "DELETE FROM company_candidates WHERE (company_id = ? AND candidate_id = ?)"
        " OR (company_id = ? AND candidate_id = ?)",
        [keep, drop, drop, keep],
    )
    for col in ("company_id", "candidate_id"):
        conn.execute(
            f"UPDATE OR IGNORE company_candidates SET {col} = ? WHERE {col} = ?", [keep, drop]
        )
    conn.execute(
        "DELETE FROM company_candidates WHERE company_id = ? OR candidate_id = ?", [drop, drop]
    )
    # every other table that points at companies (filings, events, outbox, ...)
    for table in _company_id_tables(conn):
        conn.execute(
            f"UPDATE OR IGNORE {table} SET company_id = ? WHERE company_id = ?", [keep, drop]
        )
    name_keep, name_drop = row_keep[0], row_drop[0]
    best_name = name_drop if legal_rank(name_drop) > legal_rank(name_keep) else name_keep
    conn.execute(
        "INSERT INTO company_merges (dropped_id, kept_id, dropped_name, reason, merged_at)"
        " VALUES (?, ?, ?, ?, ?)",
        [drop, keep, name_drop, reason, now],
    )
    conn.execute("DELETE FROM companies WHERE id = ?", [drop])
    sets = ["name_en = coalesce(name_en, ?)", "stock_code = coalesce(stock_code, ?)",
            "sectors = coalesce(sectors, ?)", "updated_at = ?"]  # fmt: skip
    params = [row_drop[1], row_drop[2], row_drop[3], now]
    if best_name != name_keep:
        k = keys_for(best_name)
        sets += ["name = ?", "name_key = ?", "name_core = ?"]
        params += [best_name, k.full, k.core or k.en]
    conn.execute(f"UPDATE companies SET {', '.join(sets)} WHERE id = ?", [*params, keep])
    log.info("merged company %s %r into %s %r (%s)", drop, name_drop, keep, name_keep, reason)
    cols = {r[1] for r in conn.execute("PRAGMA table_info(companies)").fetchall()}
    if "timeline_stage" in cols:  # added by a later migration (m0400)
        recompute_overall(conn, [keep])


def rekey_all(conn, now: str) -> None:
    """Recompute keys and aliases of every company; rows that now share a full key are merged."""
    rows = conn.execute(
        "SELECT id, name, name_en, stock_code FROM companies ORDER BY id"
    ).fetchall()
    by_key: dict[str, int] = {}
    for cid, name, name_en, code in rows:
        k = keys_for(name, name_en, code)
        if k.full in by_key:
            merge_companies(conn, keep=by_key[k.full], drop=cid, reason="rekey", now=now)
            continue
        by_key[k.full] = cid
        conn.execute(
            "UPDATE companies SET name_key = ?, name_core = ? WHERE id = ?",
            [f"\0{cid}", k.core or k.en, cid],
        )
    for key, cid in by_key.items():
        conn.execute("UPDATE companies SET name_key = ? WHERE id = ?", [key, cid])
    kept = set(by_key.values())
    aliases = []
    for cid, name, name_en, code in rows:
        if cid in kept:
            for kind, key in keys_for(name, name_en, code).pairs():
                aliases.append(
                    (cid, kind, key, alias_value(kind, name, name_en, code), "new", None, now)
                )
    insert_aliases(conn, aliases)


def lookup_ids(conn, names: Iterable[str]) -> dict[str, set[int]]:
    """Read-only: the companies each name already resolves to (full name, else core name)."""
    out: dict[str, set[int]] = {}
    for name in {n for n in names if n}:
        k = keys_for(name)
        for kind, key in (("full", k.full), ("core", k.core)):
            if not key:
                continue
            rows = conn.execute(
                "SELECT company_id FROM company_aliases WHERE key = ? AND kind = ?", [key, kind]
            ).fetchall()
            if rows:
                out[name] = {r[0] for r in rows}
                break
    return out
