"""The filings table: what is stored per (source, native_id), inserts and status updates."""

from __future__ import annotations

from collections.abc import Iterable

from scraper.db.connection import chunks, marks

FILING_COLUMNS = (
    "id",
    "source", "native_id", "company", "company_id", "kind", "title", "report_type", "period",
    "status", "status_raw", "broker", "regulator", "board", "event_date", "disclosed_date", "url",
    "pdf_url", "company_en", "stock_code", "flags", "raw", "first_seen_at", "last_seen_at",
    "first_run_id", "last_run_id",
)  # fmt: skip
_INSERT = f"INSERT INTO filings ({', '.join(FILING_COLUMNS)}) VALUES ({marks(FILING_COLUMNS)})"


def stored(conn, keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str], tuple[int, str | None]]:
    """(source, native_id) -> (id, status) for the keys already stored."""
    by_source: dict[str, list[str]] = {}
    for source, native_id in keys:
        by_source.setdefault(source, []).append(native_id)
    found: dict[tuple[str, str], tuple[int, str | None]] = {}
    for source, ids in by_source.items():
        for part in chunks(ids):
            sql = (
                "SELECT native_id, id, status FROM filings WHERE source = ? AND native_id IN "
                f"({marks(part)})"
            )
            for native_id, fid, status in conn.execute(sql, [source, *part]):
                found[(source, native_id)] = (fid, status)
    return found


def next_id(conn) -> int:
    """The next filings id; valid while the caller holds the write lock (BEGIN IMMEDIATE)."""
    return conn.execute("SELECT coalesce(max(id), 0) + 1 FROM filings").fetchone()[0]


def insert(conn, rows: list[tuple]) -> None:
    """rows: tuples in FILING_COLUMNS order."""
    if rows:
        conn.executemany(_INSERT, rows)


def update_seen(conn, rows: list[tuple]) -> None:
    """rows: (status, status_raw, last_seen_at, last_run_id, flags, id)."""
    if rows:
        conn.executemany(
            "UPDATE filings SET status = ?, status_raw = ?, last_seen_at = ?, last_run_id = ?,"
            " flags = ? WHERE id = ?",
            rows,
        )


def set_project(conn, source: str, project_id: int, native_ids: list[str]) -> None:
    for part in chunks(native_ids):
        conn.execute(
            f"UPDATE filings SET project_id = ? WHERE source = ? AND native_id IN ({marks(part)})",
            [project_id, source, *part],
        )


def known_statuses(conn, source: str) -> dict[str, str | None]:
    """native_id -> status for a source: lets a spider tell 'nothing new' without writing."""
    return dict(conn.execute("SELECT native_id, status FROM filings WHERE source = ?", [source]))


def has_any(conn, source: str) -> bool:
    sql = "SELECT 1 FROM filings WHERE source = ? LIMIT 1"
    return conn.execute(sql, [source]).fetchone() is not None
