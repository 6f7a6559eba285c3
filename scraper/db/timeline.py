"""Reading a company's timeline: the `company_timeline` view (migration m0400), ordered.

The view holds every stored document of a company with the stage it marks, plus stage events
that no document of the same source, stage and date already shows.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from scraper.core import stages


def stage_rank(stage: str | None) -> int:
    return stages.ORDER.get(stage or "", -1)


@dataclass
class Entry:
    date: str | None
    stage: str | None
    source: str
    kind: str
    title: str | None
    url: str | None
    stock_code: str | None
    board: str | None


def timeline(conn: sqlite3.Connection, company_id: int) -> list[Entry]:
    """A company's timeline, oldest first; same date ordered by stage (tutoring before listed)."""
    rows = conn.execute(
        "SELECT date, stage, source, kind, title, url, stock_code, board FROM company_timeline"
        " WHERE company_id = ?",
        [company_id],
    ).fetchall()
    entries = [Entry(*r) for r in rows]
    entries.sort(key=lambda e: (e.date or "9999", stage_rank(e.stage), e.source, e.title or ""))
    return entries
