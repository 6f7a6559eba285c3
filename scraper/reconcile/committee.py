"""Listing-committee meetings (pure): announcement files vs stored rows -> rows and events.

The first sight of a meeting announcement for a project is one `committee_meeting` event
("X goes before the listing committee on DATE"), keyed per project and file so a re-crawl or a
second page listing the same file says nothing new. Result files only date the meeting (the
committee result itself is the project's own timeline step, already a stage event).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from scraper.core import policy, regulators
from scraper.core.names import name_key
from scraper.core.records import Filing, Meeting, Project
from scraper.db.committee import COLUMNS  # noqa: F401  (row order of `rows`)
from scraper.parsers.committee import session, stated_date

# The review source whose projects a committee source's project ids name (SZSE and BSE meetings
# come from their own project details, so their source is the review source itself).
PROJECT_SOURCE = {"sse_committee": "sse"}
COMMITTEE_DOCS = {"committee_notice": "announcement", "committee_result": "result"}


@dataclass
class CommitteeStep:
    rows: list[tuple] = field(default_factory=list)
    events: list[dict] = field(default_factory=list)
    dates: list[tuple] = field(default_factory=list)  # (meeting_date, source, meeting)


def texts(company: str, m: Meeting) -> tuple[str, str]:
    what = m.meeting or m.title
    if m.meeting_date:
        session = m.title.split("公告")[0] or m.title  # 科创板上市委2026年第50次审议会议
        return (f"{company} 将于 {m.meeting_date} 上会（{session}）",
                f"{company} goes before the listing committee on {m.meeting_date} ({what})")  # fmt: skip
    return (f"{company} 上会公告 {m.published_date or ''}：{m.title}（会议日期见公告）",
            f"{company} goes before the listing committee ({what}; announced"
            f" {m.published_date or '?'}, date in the notice)")  # fmt: skip


def meetings_step(ctx, meetings: list[Meeting], projects: dict[str, tuple[int, int | None, str]],
                  company_ids: dict[str, int]) -> CommitteeStep:  # fmt: skip
    """projects: native id -> (project id, company id, company name) of the review source;
    company_ids: name_key -> id. An announcement seen again makes the same event key, which
    the events table already holds (ingest inserts only new keys)."""
    step = CommitteeStep()
    for m in meetings:
        pid, cid, company = projects.get(m.native_project, (None, None, m.company))
        cid = cid or company_ids.get(name_key(m.company))
        step.rows.append((m.source, m.file_id, m.native_project, pid, cid, company, m.meeting,
                          m.kind, m.title, m.published_date, m.meeting_date, m.url, ctx.now,
                          ctx.now))  # fmt: skip
        if m.kind == "result" and m.meeting and m.meeting_date:
            step.dates.append((m.meeting_date, m.source, m.meeting))
        if m.kind != "announcement":
            continue
        zh, en = texts(company, m)
        detail = {"text_zh": zh, "text_en": en, "meeting": m.meeting, "title": m.title,
                  "meeting_date": m.meeting_date, "document_url": m.url}  # fmt: skip
        step.events.append({
            "created_at": ctx.now, "source": m.source, "kind": "committee_meeting", "stage": None,
            "old_stage": None, "company_id": cid, "company": company, "filing_id": None,
            "report_type": None, "title": f"{company} {m.title}"[:500], "broker": None,
            "regulator": regulators.canonical(PROJECT_SOURCE.get(m.source, m.source)),
            "board": None, "event_date": m.meeting_date or m.published_date, "url": m.url,
            "run_id": ctx.run_id, "baseline": int(ctx.baseline),
            "dedupe_key": policy.dedupe_key(m.source, m.native_project, f"committee:{m.file_id}", 1),
            "project_id": pid, "detail": json.dumps(detail, ensure_ascii=False, sort_keys=True),
        })  # fmt: skip
    return step


def meetings_from_documents(p: Project, filings: list[Filing]) -> list[Meeting]:
    """SZSE (`meetingConclusionAttachment` dtyp 5/18 公告, 6 结果) and BSE (`hyggjgInfo`) list a
    project's committee announcements among its documents: the same Meetings as the SSE list.
    A result document is published on the meeting day and dates it."""
    out = []
    for f in filings:
        kind = COMMITTEE_DOCS.get(f.report_type or "")
        if kind is None:
            continue
        day = stated_date(f.title) or (f.disclosed_date if kind == "result" else None)
        out.append(Meeting(
            source=p.source, file_id=f.native_id, native_project=p.native_id, company=p.company,
            kind=kind, title=f.title, meeting=session(f.title), published_date=f.disclosed_date,
            meeting_date=day, url=f.pdf_url or f.url,
        ))  # fmt: skip
    return out
