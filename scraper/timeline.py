"""One timeline per company across every source, and stage transitions across sources.

* `company_timeline` (a view, migration m0400): every stored document of a company (filings)
  with the stage it marks, plus stage events that no document of the same source, stage and
  date already shows. Columns: company_id, company, date, stage, source, kind, title, url,
  stock_code, board, filing_id, event_id.
* `stage_hook` (the first of storage.DEFAULT_EVENT_HOOKS): after a batch records stage
  events, each company's overall stage is recomputed from what every source last stated
  (company_status: the latest date wins, the later stage on a tie). When it moves to a stage stated
  by a different source than before (tutoring_done from csrcfd -> accepted from sse, registered
  from csrc_approvals -> listed from sse_notices), one more `events` row is written:
  kind='stage', source='timeline', old_stage -> stage, so watch rules can alert on it.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from scraper import stages

TIMELINE_SOURCE = "timeline"

# The stage one document marks. Tutoring reports carry the company's *current* status in the
# status column (the list repeats it on every row), so their report type decides.
DOC_STAGE_SQL = """CASE
    WHEN {t}.report_type IN ('filing_report', 'progress_report') THEN 'tutoring'
    WHEN {t}.report_type IN ('completion_report', 'summary_report') THEN 'tutoring_done'
    WHEN {t}.report_type = 'withdrawal_report' THEN 'withdrawn'
    ELSE {t}.status END"""

VIEW_SQL = f"""
CREATE VIEW company_timeline AS
SELECT f.company_id AS company_id, c.name AS company,
       coalesce(f.event_date, f.disclosed_date) AS date,
       {DOC_STAGE_SQL.format(t="f")} AS stage,
       f.source AS source, 'document' AS kind, f.title AS title,
       coalesce(f.pdf_url, f.url) AS url, f.stock_code AS stock_code, f.board AS board,
       f.report_type AS report_type, f.id AS filing_id, NULL AS event_id
FROM filings f JOIN companies c ON c.id = f.company_id
UNION ALL
SELECT e.company_id, c.name, e.event_date, e.stage, e.source, 'stage', e.title, e.url,
       NULL, e.board, e.report_type, e.filing_id, e.id
FROM events e JOIN companies c ON c.id = e.company_id
WHERE e.kind = 'stage' AND e.source <> '{TIMELINE_SOURCE}'
  AND NOT EXISTS (
      SELECT 1 FROM filings f2
      WHERE f2.company_id = e.company_id AND f2.source = e.source
        AND coalesce(f2.event_date, f2.disclosed_date) = e.event_date
        AND {DOC_STAGE_SQL.format(t="f2")} = e.stage)
"""


def stage_rank(stage: str | None) -> int:
    return stages.ORDER.get(stage or "", -1)


def best_stage(rows) -> tuple[str, str, str | None] | None:
    """(stage, source, date) the company is at: latest date first, the later stage on a tie."""
    known = [(st, src, d) for src, st, d in rows if st in stages.ORDER]
    if not known:
        return None
    return max(known, key=lambda r: (r[2] or "", stage_rank(r[0]), r[1]))


def refresh_stages(conn, company_ids, *, now: str, emit: bool = True, trigger=None) -> list[dict]:
    """Recompute companies.stage from company_status; return cross-source transition events."""
    conn = conn.conn if hasattr(conn, "conn") else conn
    ids = sorted({c for c in company_ids if c is not None})
    out: list[dict] = []
    for cid in ids:
        rows = conn.execute(
            "SELECT source, status, status_date FROM company_status WHERE company_id = ?", [cid]
        ).fetchall()
        best = best_stage(rows)
        prev = conn.execute(
            "SELECT timeline_stage, timeline_source, name FROM companies WHERE id = ?", [cid]
        ).fetchone()
        if prev is None or best is None:
            continue
        stage, source, date = best
        conn.execute(
            "UPDATE companies SET stage = ?, stage_source = ?, stage_date = ?, timeline_stage = ?,"
            " timeline_source = ?, timeline_date = ? WHERE id = ?",
            [stage, source, date, stage, source, date, cid],
        )
        old_stage, old_source, name = prev
        if not emit or not old_stage or old_stage == stage or old_source == source:
            continue
        base = (trigger or {}).get(cid)
        if base is None:
            continue
        columns = _event_columns(conn)
        event = {k: v for k, v in base.items() if k in columns and k != "id"}
        event.update(
            created_at=now, source=TIMELINE_SOURCE, kind="stage", stage=stage,
            old_stage=old_stage, company_id=cid, company=name, event_date=date,
            title=f"{source}: {base.get('title') or ''}".strip(),
            dedupe_key=f"{TIMELINE_SOURCE}:stage:{cid}:{old_stage}>{stage}",
        )  # fmt: skip
        out.append(event)
    return out


_EVENT_COLUMNS: dict[int, frozenset[str]] = {}


def _event_columns(conn) -> frozenset[str]:
    """The events table's columns (hooks may have added keys to the event dicts)."""
    key = id(conn)
    if key not in _EVENT_COLUMNS:
        _EVENT_COLUMNS.clear()
        _EVENT_COLUMNS[key] = frozenset(
            r[1] for r in conn.execute("PRAGMA table_info(events)").fetchall()
        )
    return _EVENT_COLUMNS[key]


def stage_hook(db, events: list[dict], ctx) -> None:
    """EVENT_HOOK: keep companies.stage right and record stage moves from one source to another."""
    trigger: dict[int, dict] = {}
    for e in events:
        if e.get("kind") == "stage" and e.get("source") != TIMELINE_SOURCE and e.get("company_id"):
            old = trigger.get(e["company_id"])
            if old is None or (e.get("event_date") or "") >= (old.get("event_date") or ""):
                trigger[e["company_id"]] = e
    if not trigger:
        return
    new = refresh_stages(db, trigger, now=ctx.now, emit=True, trigger=trigger)
    if new:
        from scraper import storage

        storage.insert_events(db, new, ctx)


# ---------------------------------------------------------------- reading


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

