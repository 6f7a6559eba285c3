"""Exchange review projects (SSE, SZSE, BSE): list rows and dated timeline events.

Every timeline step is the exchange's own dated record (positive evidence for core.policy), so
each step is one event; the n-th entry into the same status code is its own event
(`sse:stage:<project>:<code>#<n>`). A step first seen more than HISTORY_DAYS after its date is
history (baseline): a late-appearing project or a repaired detail must not alert on old steps.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from scraper.core import policy, regulators, stages
from scraper.core.names import name_key
from scraper.core.records import Project, column_json
from scraper.db.projects import PROJECT_COLUMNS

HISTORY_DAYS = 30


@dataclass
class ProjectsStep:
    rows: list[tuple] = field(default_factory=list)
    company_facts: list[tuple] = field(default_factory=list)
    new: int = 0
    updated: int = 0


def list_rows(
    ctx, projects: list[Project], company_ids: dict[str, int], stored: dict
) -> ProjectsStep:
    """Project rows to upsert, and the facts (industry code, stock code) they give companies."""
    step = ProjectsStep()
    for p in projects:
        cid = company_ids.get(name_key(p.company))
        old = stored.get(p.native_id)
        if old is None:
            step.new += 1
        elif old["status_raw"] != p.status_raw:
            step.updated += 1
        row = {
            "source": p.source, "native_id": p.native_id, "company_id": cid, "company": p.company,
            "company_short": p.company_short, "board": p.board, "stage": p.stage,
            "status_raw": p.status_raw, "status_label": p.status_label,
            "accepted_date": p.accepted_date, "sponsor": p.sponsors[0] if p.sponsors else None,
            "sponsors": column_json(p.sponsors), "law_firm": p.law_firm, "auditor": p.auditor,
            "valuer": p.valuer, "planned_raise": p.planned_raise, "industry_code": p.industry_code,
            "industry": p.industry, "province": p.province, "stock_code": p.stock_code, "url": p.url,
            "source_updated": p.updated, "list_key": p.list_key, "flags": column_json(p.flags),
            "raw": column_json(p.raw), "first_seen_at": ctx.now, "last_seen_at": ctx.now,
            "first_run_id": ctx.run_id, "last_run_id": ctx.run_id,
        }  # fmt: skip
        if old and p.timeline is None and old.get("detailed") and old["status_raw"] == p.status_raw:
            # a list row of an unchanged status: the detail page already resolved its stage and
            # flags (BSE P08 -> refused or registered); the list's coarser view must not undo it
            row["stage"], row["flags"] = old["stage"], old.get("flags")
        step.rows.append(tuple(row[c] for c in PROJECT_COLUMNS))
        if cid is not None and (p.industry_code or p.stock_code):
            step.company_facts.append((p.industry_code, p.stock_code, ctx.now, cid))
    return step


def timeline_events(ctx, p: Project, project_id: int, cid: int | None) -> list[dict]:
    """One event per timeline step, keyed by project, status code and occurrence."""
    events = []
    seen: dict[str, int] = {}
    previous: str | None = None
    cutoff = (date.fromisoformat(ctx.now[:10]) - timedelta(days=HISTORY_DAYS)).isoformat()
    broker = "、".join(p.sponsors) or None
    regulator = regulators.canonical(p.source)
    for step in p.timeline or []:
        seen[step.status_raw] = seen.get(step.status_raw, 0) + 1
        label = step.label or step.status_raw
        title = f"{p.company} {label}" + (f"：{step.reason}" if step.reason else "")
        events.append({
            "created_at": ctx.now, "source": p.source, "kind": "stage", "stage": step.stage,
            "old_stage": previous, "company_id": cid, "company": p.company, "filing_id": None,
            "report_type": None, "title": title[:500], "broker": broker,
            "regulator": regulator, "board": p.board, "event_date": step.date,
            "url": p.url, "run_id": ctx.run_id,
            "baseline": int(ctx.baseline or (step.date or "") < cutoff),
            "dedupe_key": policy.dedupe_key(p.source, p.native_id, step.status_raw,
                                            seen[step.status_raw]),
            "project_id": project_id, "status_raw": step.status_raw, "status_label": step.label,
            "stage_detail": step.detail, "reason": step.reason,
        })  # fmt: skip
        previous = step.stage
    return events


def detail_mark(ctx, p: Project, project_id: int) -> tuple:
    """Details are in: the project's list key is covered; stage_date from the timeline."""
    last = p.timeline[-1] if p.timeline else None
    return (p.list_key, ctx.now, last.date if last else None,
            last.stage if last and last.known else None, project_id)  # fmt: skip


def company_status(ctx, p: Project, cid: int | None) -> tuple | None:
    """company_status row: the newest dated step whose code is known (a dated statement)."""
    steps = [s for s in p.timeline or [] if s.known and s.stage in stages.ALL_STAGES]
    if not steps or cid is None:
        return None
    last = steps[-1]
    return (cid, p.source, last.stage, last.status_raw, last.date, ctx.now)
