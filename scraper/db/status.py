"""company_status (what each source last stated about a company) and companies.stage (overall)."""

from __future__ import annotations

from dataclasses import dataclass

from scraper.core.policy import Statement, overall_stage
from scraper.db.connection import chunks, marks


def upsert_company_status(conn, rows: list[tuple], *, only_newer: bool = False) -> None:
    """rows: (company_id, source, status, status_raw, status_date, updated_at).

    only_newer: keep a stored statement whose date is later (a dated timeline replayed out of order).
    """
    guard = (
        " WHERE coalesce(company_status.status_date, '') <= coalesce(excluded.status_date, '')"
        if only_newer
        else ""
    )
    conn.executemany(
        "INSERT INTO company_status (company_id, source, status, status_raw, status_date, updated_at)"
        " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (company_id, source) DO UPDATE SET"
        " status = excluded.status, status_raw = excluded.status_raw,"
        " status_date = excluded.status_date, updated_at = excluded.updated_at" + guard,
        rows,
    )


def stored_status(conn, source: str, company_ids) -> dict[int, tuple[str | None, str | None]]:
    """company id -> (status, status_date) the source last stated."""
    ids = sorted({c for c in company_ids if c is not None})
    out: dict[int, tuple[str | None, str | None]] = {}
    for part in chunks(ids):
        sql = (
            "SELECT company_id, status, status_date FROM company_status WHERE source = ?"
            f" AND company_id IN ({marks(part)})"
        )
        for cid, status, date in conn.execute(sql, [source, *part]):
            out[cid] = (status, date)
    return out


@dataclass
class OverallMove:
    """A company's overall stage before and after a batch (see reconcile/timeline.py)."""

    company_id: int
    name: str
    old_stage: str | None
    old_source: str | None
    new: Statement


def recompute_overall(conn, company_ids) -> list[OverallMove]:
    """Recompute companies.stage from every source's statement; return each company's move."""
    conn = conn.conn if hasattr(conn, "conn") else conn
    ids = sorted({c for c in company_ids if c is not None})
    moves: list[OverallMove] = []
    updates = []
    for part in chunks(ids):
        statements: dict[int, list[Statement]] = {}
        for cid, source, status, date in conn.execute(
            "SELECT company_id, source, status, status_date FROM company_status"
            f" WHERE company_id IN ({marks(part)})",
            part,
        ):
            statements.setdefault(cid, []).append(Statement(source, status, date))
        for cid, name, old_stage, old_source in conn.execute(
            f"SELECT id, name, timeline_stage, timeline_source FROM companies WHERE id IN ({marks(part)})",
            part,
        ):
            best = overall_stage(statements.get(cid, ()))
            if best is None:
                continue
            updates.append((best.stage, best.source, best.date) * 2 + (cid,))
            moves.append(OverallMove(cid, name, old_stage, old_source, best))
    conn.executemany(
        "UPDATE companies SET stage = ?, stage_source = ?, stage_date = ?, timeline_stage = ?,"
        " timeline_source = ?, timeline_date = ? WHERE id = ?",
        updates,
    )
    return moves
