"""Exchange review projects (SSE, SZSE, BSE): timeline rules shared by the parsers, and storage.

A project is one IPO application at one exchange (SSE stockAuditNum, SZSE prjid, BSE id). Its
stage events carry the dates of the exchange's own timeline, never the list's update date:
update dates move on any edit (a new document, a corrected field), so events dated by them
would be late and repeat (REPORT-exchanges.md §6).

Writing reuses storage.transaction / ensure_companies / write_filings / insert_events; one list
page or one project's details is one transaction.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from scraper import stages, storage
from scraper.items import Project, ProjectBatch, StageStep
from scraper.names import name_key

# A stage step first seen this many days after its date is history, not news (baseline = 1):
# a late-appearing project or a repaired detail must not alert on months-old steps.
HISTORY_DAYS = 30


@dataclass
class ListPage:
    """One page of an exchange's project list."""

    projects: list[Project]
    page: int  # as the site counts it (SSE 1-based, SZSE/BSE 0-based)
    page_count: int | None  # pages in the list, when the envelope says
    total: int | None = None
    last: bool = False  # the envelope says this is the last page


# ---------------------------------------------------------------- timeline rules (pure)


def termination_detail(text: str | None) -> str | None:
    """withdrawn / rejected / lapsed from a 终止 reason or label."""
    if not text:
        return None
    if "撤回" in text:
        return "withdrawn"
    if "未在规定时限" in text or "逾期" in text or "时限内" in text:
        return "lapsed"
    if "不通过" in text or "不符合" in text or "不予" in text:
        return "rejected"
    return None


def finish_timeline(steps: Iterable[StageStep]) -> list[StageStep]:
    """Order steps by date (then time) and merge consecutive repeats of one status code.

    Undated steps are dropped: an event needs its date. A repeat keeps the first date and picks
    up a reason only the later row states (SSE lists a stage again when documents are updated).
    """
    dated = sorted((s for s in steps if s.date), key=lambda s: (s.date, s.sort_key))
    out: list[StageStep] = []
    for step in dated:
        if out and out[-1].status_raw == step.status_raw:
            if step.reason and not out[-1].reason:
                out[-1].reason = step.reason
            out[-1].detail = out[-1].detail or step.detail
            continue
        out.append(step)
    return out


def resume_steps(steps: list[StageStep], resumes: list[tuple[str, str, str]]) -> list[StageStep]:
    """Turn 恢复 notes (sort_key, date, reason) into steps back to the stage before the 中止."""
    ordered = finish_timeline(steps)
    added: list[StageStep] = []
    for sort_key, day, reason in resumes:
        before = [s for s in ordered if (s.date, s.sort_key) <= (day, sort_key)]
        prior = next((s for s in reversed(before) if s.stage != stages.SUSPENDED), None)
        if prior is None:
            continue
        added.append(
            StageStep(stage=prior.stage, status_raw=prior.status_raw,
                      label=f"恢复审核（{prior.label or prior.status_raw}）", date=day,
                      sort_key=sort_key, reason=reason, detail="resumed", known=prior.known)
        )  # fmt: skip
    return finish_timeline([*steps, *added])


def with_current(project: Project, steps: list[StageStep]) -> list[StageStep]:
    """When the timeline does not reach the project's current stage, add it.

    Its date is the site's own date for the current status (SZSE timeline's current node, BSE
    operatingTime); the SSE list's updateDate only as a last resort, flagged in the step.
    """
    if not project.stage or not project.current_date:
        return steps
    if steps and steps[-1].stage == project.stage:
        return steps
    if steps and project.current_date < steps[-1].date:
        return steps  # the list lags the timeline: trust the timeline
    known = "unknown_status" not in project.flags
    step = StageStep(stage=project.stage, status_raw=project.status_raw, label=project.status_label,
                     date=project.current_date, sort_key="~", known=known,
                     detail=project.current_date_source)  # fmt: skip
    return [*steps, step]


# ---------------------------------------------------------------- incremental state


@dataclass
class ProjectState:
    """What the database knows about a source's projects, so a spider can tell what changed."""

    source: str
    rows: dict[str, dict[str, Any]] = field(default_factory=dict)
    cursor: dict[str, Any] = field(default_factory=dict)
    today: str = ""

    @classmethod
    def load(cls, db, source: str) -> ProjectState:
        rows = {}
        sql = (
            "SELECT native_id, board, list_key, detail_key, detail_fetched_at, raw FROM projects"
            " WHERE source = ?"
        )
        for native_id, board, list_key, detail_key, fetched, raw in db.conn.execute(sql, [source]):
            rows[native_id] = {"board": board, "list_key": list_key, "detail_key": detail_key,
                               "detail_fetched_at": fetched, "raw": raw}  # fmt: skip
        from scraper.timeutil import today_shanghai

        return cls(source, rows, load_cursor(db, source), today_shanghai().isoformat())

    def changed(self, project: Project) -> bool:
        """New, its update stamp or status moved since the details were fetched, or unsure.

        Date-only stamps (SZSE updtdt) cannot tell two changes of one day apart, so a project
        stamped on or after the day its details were fetched is checked again.
        """
        row = self.rows.get(project.native_id)
        if row is None or row["detail_key"] != project.list_key:
            return True
        stamp = project.updated or ""
        fetched = (row["detail_fetched_at"] or "")[:10]
        return len(stamp) == 10 and bool(fetched) and stamp >= fetched

    def pending(self) -> list[tuple[str, str | None, dict]]:
        """Projects whose details failed or were never fetched: (native_id, board, list item)."""
        out = []
        for native_id, row in self.rows.items():
            if row["detail_key"] != row["list_key"] and row["raw"]:
                out.append((native_id, row["board"], json.loads(row["raw"])))
        return out


def load_cursor(db, source: str) -> dict[str, Any]:
    row = db.conn.execute("SELECT cursor FROM crawl_state WHERE source = ?", [source]).fetchone()
    if not row or not row[0]:
        return {}
    try:
        value = json.loads(row[0])
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def save_cursor(db, source: str, cursor: dict[str, Any]) -> None:
    """Source-specific state kept between runs (the BSE WAF cookie) in crawl_state.cursor."""
    with storage.transaction(db):
        db.conn.execute(
            "INSERT INTO crawl_state (source, cursor) VALUES (?, ?) ON CONFLICT (source)"
            " DO UPDATE SET cursor = excluded.cursor",
            [source, json.dumps(cursor, ensure_ascii=False, sort_keys=True)],
        )


# ---------------------------------------------------------------- writing


_PROJECT_COLUMNS = (
    "source", "native_id", "company_id", "company", "company_short", "board", "stage",
    "status_raw", "status_label", "accepted_date", "sponsor", "sponsors", "law_firm", "auditor",
    "valuer", "planned_raise", "industry_code", "industry", "province", "stock_code", "url",
    "source_updated", "list_key", "flags", "raw", "first_seen_at", "last_seen_at",
    "first_run_id", "last_run_id",
)  # fmt: skip
# Columns a later list or detail refreshes; stage keeps its value when the code has no stage.
_UPDATE_SET = ", ".join(
    f"{c} = coalesce(excluded.{c}, {c})" if c in ("stage", "stock_code", "industry_code") else
    f"{c} = excluded.{c}"
    for c in _PROJECT_COLUMNS
    if c not in ("source", "native_id", "first_seen_at", "first_run_id")
)  # fmt: skip
_UPSERT_PROJECT = (
    f"INSERT INTO projects ({', '.join(_PROJECT_COLUMNS)}) "
    f"VALUES ({', '.join('?' for _ in _PROJECT_COLUMNS)}) "
    f"ON CONFLICT (source, native_id) DO UPDATE SET {_UPDATE_SET}"
)


def write_project_batch(db, batch: ProjectBatch, ctx: storage.WriteContext) -> storage.WriteResult:
    """Upsert the projects; for projects with a timeline, record stage events and documents."""
    result = storage.WriteResult()
    if batch.cursor is not None:
        save_cursor(db, batch.source, batch.cursor)
    if not batch.projects:
        return result
    with storage.transaction(db):
        names = [(p.company, None, p.stock_code) for p in batch.projects]
        companies = storage.ensure_companies(db, names, ctx.now)
        before = _stored(db, batch.projects)
        rows = []
        for p in batch.projects:
            cid = companies.get(name_key(p.company))
            old = before.get(p.native_id)
            if old is None:
                result.new += 1
            elif old["status_raw"] != p.status_raw:
                result.updated += 1
            rows.append(_project_row(p, cid, ctx))
        db.conn.executemany(_UPSERT_PROJECT, rows)
        _update_companies(db, batch.projects, companies, ctx)
        detailed = [p for p in batch.projects if p.timeline is not None]
        if not detailed:
            return result
        ids = {k: v["id"] for k, v in _stored(db, detailed).items()}
        if batch.filings:
            docs = storage.write_filings(db, batch.filings, ctx)
            result.new += docs.new
            result.events.extend(docs.events)
            by_project: dict[str, list[str]] = {}
            for f in batch.filings:
                by_project.setdefault(f.raw.get("project", ""), []).append(f.native_id)
            for native_id, doc_ids in by_project.items():
                if native_id in ids:
                    _set_project_of_filings(db, batch.source, ids[native_id], doc_ids)
        stage_events = []
        for p in detailed:
            cid = companies.get(name_key(p.company))
            stage_events.extend(_stage_events(p, ids[p.native_id], cid, ctx))
            _mark_detailed(db, p, ids[p.native_id], ctx)
        # company_status first: event hooks (the company timeline) read it.
        _update_company_stage(db, detailed, companies, ctx)
        storage.insert_events(db, stage_events, ctx)
        result.events.extend(stage_events)
    return result


def _stored(db, projects: list[Project]) -> dict[str, dict]:
    found: dict[str, dict] = {}
    source = projects[0].source
    ids = [p.native_id for p in projects]
    for i in range(0, len(ids), storage.CHUNK):
        part = ids[i : i + storage.CHUNK]
        sql = (
            "SELECT native_id, id, stage, status_raw FROM projects WHERE source = ? AND native_id"
            f" IN ({', '.join('?' for _ in part)})"
        )
        for native_id, pid, stage, status_raw in db.conn.execute(sql, [source, *part]):
            found[native_id] = {"id": pid, "stage": stage, "status_raw": status_raw}
    return found


def _project_row(p: Project, cid: int | None, ctx: storage.WriteContext) -> tuple:
    row = {
        "source": p.source, "native_id": p.native_id, "company_id": cid, "company": p.company,
        "company_short": p.company_short, "board": p.board, "stage": p.stage,
        "status_raw": p.status_raw, "status_label": p.status_label,
        "accepted_date": p.accepted_date, "sponsor": p.sponsors[0] if p.sponsors else None,
        "sponsors": _json(p.sponsors), "law_firm": p.law_firm, "auditor": p.auditor,
        "valuer": p.valuer, "planned_raise": p.planned_raise, "industry_code": p.industry_code,
        "industry": p.industry, "province": p.province, "stock_code": p.stock_code, "url": p.url,
        "source_updated": p.updated, "list_key": p.list_key, "flags": _json(p.flags),
        "raw": _json(p.raw), "first_seen_at": ctx.now, "last_seen_at": ctx.now,
        "first_run_id": ctx.run_id, "last_run_id": ctx.run_id,
    }  # fmt: skip
    return tuple(row[c] for c in _PROJECT_COLUMNS)


def _set_project_of_filings(db, source: str, project_id: int, native_ids: list[str]) -> None:
    for i in range(0, len(native_ids), storage.CHUNK):
        part = native_ids[i : i + storage.CHUNK]
        db.conn.execute(
            f"UPDATE filings SET project_id = ? WHERE source = ? AND native_id IN"
            f" ({', '.join('?' for _ in part)})",
            [project_id, source, *part],
        )


def _stage_events(p: Project, project_id: int, cid: int | None, ctx) -> list[dict]:
    """One event per timeline step; the n-th entry into a status code has its own key."""
    events = []
    seen: dict[str, int] = {}
    previous: str | None = None
    cutoff = (date.fromisoformat(ctx.now[:10]) - timedelta(days=HISTORY_DAYS)).isoformat()
    broker = "、".join(p.sponsors) or None
    for step in p.timeline or []:
        seen[step.status_raw] = seen.get(step.status_raw, 0) + 1
        label = step.label or step.status_raw
        title = f"{p.company} {label}" + (f"：{step.reason}" if step.reason else "")
        events.append({
            "created_at": ctx.now, "source": p.source, "kind": "stage", "stage": step.stage,
            "old_stage": previous, "company_id": cid, "company": p.company, "filing_id": None,
            "report_type": None, "title": title[:500], "broker": broker,
            "regulator": _REGULATORS.get(p.source), "board": p.board, "event_date": step.date,
            "url": p.url, "run_id": ctx.run_id,
            "baseline": int(ctx.baseline or (step.date or "") < cutoff),
            "dedupe_key": f"{p.source}:stage:{p.native_id}:{step.status_raw}#{seen[step.status_raw]}",
            "project_id": project_id, "status_raw": step.status_raw, "status_label": step.label,
            "stage_detail": step.detail, "reason": step.reason,
        })  # fmt: skip
        previous = step.stage
    return events


_REGULATORS = {"sse": "上交所", "szse": "深交所", "bse": "北交所"}


def _mark_detailed(db, p: Project, project_id: int, ctx) -> None:
    """Details are in: the project's list key is now covered; stage_date from the timeline."""
    last = p.timeline[-1] if p.timeline else None
    db.conn.execute(
        "UPDATE projects SET detail_key = ?, detail_fetched_at = ?, stage_date = ?,"
        " stage = coalesce(stage, ?) WHERE id = ?",
        [p.list_key, ctx.now, last.date if last else None,
         last.stage if last and last.known else None, project_id],
    )  # fmt: skip


def _update_companies(db, projects: list[Project], companies: dict[str, int], ctx) -> None:
    rows = [
        (p.industry_code, p.stock_code, ctx.now, companies[name_key(p.company)])
        for p in projects
        if (p.industry_code or p.stock_code) and name_key(p.company) in companies
    ]
    if rows:
        db.conn.executemany(
            "UPDATE companies SET industry_code = coalesce(?, industry_code),"
            " stock_code = coalesce(?, stock_code), updated_at = ? WHERE id = ?",
            rows,
        )


def _update_company_stage(db, projects: list[Project], companies: dict[str, int], ctx) -> None:
    """company_status (per source) and companies.stage follow the newest dated known step."""
    for p in projects:
        steps = [s for s in p.timeline or [] if s.known and s.stage in stages.ALL_STAGES]
        cid = companies.get(name_key(p.company))
        if not steps or cid is None:
            continue
        last = steps[-1]
        db.conn.execute(
            "INSERT INTO company_status (company_id, source, status, status_raw, status_date,"
            " updated_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (company_id, source) DO UPDATE"
            " SET status = excluded.status, status_raw = excluded.status_raw,"
            " status_date = excluded.status_date, updated_at = excluded.updated_at"
            " WHERE coalesce(company_status.status_date, '') <= excluded.status_date",
            [cid, p.source, last.stage, last.status_raw, last.date, ctx.now],
        )
        db.conn.execute(
            "UPDATE companies SET stage = ?, stage_source = ?, stage_date = ?, updated_at = ?"
            " WHERE id = ? AND coalesce(stage_date, '') <= ?",
            [last.stage, p.source, last.date, ctx.now, cid, last.date],
        )


def _json(value: Any) -> str | None:
    if value is None or value == [] or value == {}:
        return None
    return json.dumps(value, ensure_ascii=False, sort_keys=True)
