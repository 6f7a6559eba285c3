"""Successive-filing diffs (pure): the stored facts of a project or applicant vs the new record.

A field that moves from one known value to another is one `change` event (kind "change",
`change_field` set, the one-liners of scraper/core/changes.py in `detail`). A value appearing
for the first time (None -> X) is the record filling in, not a change; a value a list omits
(X -> None) is not a change either (lists do not always carry every field). Each real change
is detected once, because the stored row takes the new value in the same transaction; its
dedupe key is open (`...:change:<field>#`) so ingest numbers the n-th change of a field.

Changes seen during a source's baseline are history (ctx.baseline): stored, never alerted.
"""

from __future__ import annotations

import json
from typing import Any

from scraper.core import changes, policy, regulators
from scraper.core.changes import VERSION_ORDER
from scraper.core.names import name_key
from scraper.core.records import Filing, Project

PROJECT_FIELDS = ("planned_raise", "sponsor", "auditor", "law_firm", "board", "industry", "name")


def project_values(p: Project) -> dict[str, Any]:
    return {
        "planned_raise": p.planned_raise, "sponsor": list(p.sponsors) or None,
        "auditor": p.auditor, "law_firm": p.law_firm, "board": p.board,
        "industry": p.industry or p.industry_code, "name": p.company,
    }  # fmt: skip


def stored_values(row: dict) -> dict[str, Any]:
    """The same fields from a stored projects row (scraper.db.projects.stored_facts)."""
    sponsors = json.loads(row["sponsors"]) if row.get("sponsors") else None
    return {
        "planned_raise": row.get("planned_raise"), "sponsor": sponsors or None,
        "auditor": row.get("auditor"), "law_firm": row.get("law_firm"), "board": row.get("board"),
        "industry": row.get("industry") or row.get("industry_code"), "name": row.get("company"),
    }  # fmt: skip


def _blank(value: Any) -> bool:
    return value is None or value == "" or value == []


def _same(field: str, old: Any, new: Any) -> bool:
    if field == "planned_raise":
        return round(float(old), 4) == round(float(new), 4)
    if field == "name":
        return name_key(str(old)) == name_key(str(new))
    if isinstance(old, str) and isinstance(new, str):
        return old.strip() == new.strip()
    return old == new


def _event(ctx, *, source, subject, company, cid, field, old, new, url, board, date,
           project_id=None, broker=None, token=None) -> dict:  # fmt: skip
    detail = changes.detail(field, old, new, url)
    return {
        "created_at": ctx.now, "source": source, "kind": "change", "stage": None,
        "old_stage": None, "company_id": cid, "company": company, "filing_id": None,
        "report_type": None, "title": f"{company} {detail['text_zh']}"[:500], "broker": broker,
        "regulator": regulators.canonical(source), "board": board, "event_date": date,
        "url": url, "run_id": ctx.run_id, "baseline": int(ctx.baseline),
        "dedupe_key": policy.dedupe_key(source, subject, token or f"change:{field}",
                                        1 if token else None),
        "project_id": project_id, "change_field": field,
        "detail": changes.detail_json(detail),
    }  # fmt: skip


def project_changes(ctx, projects: list[Project], stored: dict[str, dict],
                    company_ids: dict[str, int], project_ids: dict[str, int]) -> list[dict]:  # fmt: skip
    """Fields of stored projects that moved from one known value to another."""
    out = []
    for p in projects:
        row = stored.get(p.native_id)
        if row is None:
            continue
        before, after = stored_values(row), project_values(p)
        for field in PROJECT_FIELDS:
            old, new = before[field], after[field]
            if _blank(old) or _blank(new) or _same(field, old, new):
                continue
            out.append(_event(
                ctx, source=p.source, subject=p.native_id, company=p.company,
                cid=company_ids.get(name_key(p.company)), field=field, old=old, new=new,
                url=p.url, board=p.board, date=(p.updated or ctx.now)[:10],
                project_id=project_ids.get(p.native_id), broker="、".join(p.sponsors) or None,
            ))  # fmt: skip
    return out


def version_changes(ctx, p: Project, project_id: int, cid: int | None, stored: set[str],
                    filings: list[Filing]) -> list[dict]:  # fmt: skip
    """A prospectus of a later version (申报稿 -> 上会稿 -> 注册稿) than any stored for the project."""
    known = [v for v in stored if v in VERSION_ORDER]
    if not known:
        return []
    top = max(known, key=VERSION_ORDER.__getitem__)
    docs = [f for f in filings if f.report_type == "prospectus"
            and VERSION_ORDER.get(f.raw.get("version") or "", 0) > VERSION_ORDER[top]]  # fmt: skip
    if not docs:
        return []
    doc = max(docs, key=lambda f: (VERSION_ORDER[f.raw["version"]], f.disclosed_date or ""))
    new = doc.raw["version"]
    return [_event(
        ctx, source=p.source, subject=p.native_id, company=p.company, cid=cid,
        field="document_version", old=top, new=new, url=doc.pdf_url or doc.url, board=p.board,
        date=doc.disclosed_date or ctx.now[:10], project_id=project_id,
        broker="、".join(p.sponsors) or None, token=f"change:document_version:{new}",
    )]  # fmt: skip


def _doc_value(entry) -> str:
    """A stored or parsed HKEX document as `type#submission` (application_proof#2)."""
    kind, submission = entry
    return f"{kind}#{submission}" if submission else kind


def hkex_changes(ctx, applicants: list, stored: dict, stored_docs: dict, company_ids: dict,
                 filings: dict[str, Filing]) -> list[dict]:  # fmt: skip
    """HKEX applicants: a new name, a new AP / PHIP document, a re-filing under a new id.

    stored: (board, id) -> stored applicant row; stored_docs: (board, id) -> [[key, date, type,
    submission], ...] as stored; company_ids: (board, id) -> the company now linked.
    """
    out = []
    by_company: dict[int, list[tuple]] = {}
    for key, row in stored.items():
        if row.get("company_id"):
            by_company.setdefault(row["company_id"], []).append(key)
    now_stage = {a.key: a.stage for a in applicants}  # the earlier id may lapse in this batch
    for a in applicants:
        old = stored.get(a.key)
        cid = company_ids.get(a.key) or (old or {}).get("company_id")
        subject = f"{a.board}:{a.app_id}"
        base = dict(source="hkex_app", subject=subject, company=a.company_name, cid=cid,
                    board=a.board, date=ctx.now[:10])  # fmt: skip
        if old is None:
            earlier = [k for k in by_company.get(cid or 0, []) if k != a.key]
            if earlier:
                prev = max(earlier, key=lambda k: k[1])
                prow = stored[prev]
                doc = a.ap_doc
                url = _doc_url(filings, a.app_id, doc.key) if doc else None
                out.append(_event(ctx, **base, field="hk_refiling",
                                  old=f"{prev[0]}:{prev[1]} ({now_stage.get(prev) or prow.get('stage') or ''})",
                                  new=subject, url=url, token="change:hk_refiling"))  # fmt: skip
            continue
        if old.get("name_c") and a.name_c and not _same("name", old["name_c"], a.name_c):
            out.append(_event(ctx, **base, field="name", old=old["name_c"], new=a.name_c,
                              url=None))  # fmt: skip
        seen = {d[0] for d in stored_docs.get(a.key) or []}
        if not seen:
            continue
        main = [d for d in a.docs if d.type in ("application_proof", "phip") and d.date]
        fresh = [d for d in main if d.key not in seen]
        if not fresh:
            continue
        before = [d for d in stored_docs[a.key] if d[2] in ("application_proof", "phip") and d[1]]
        last_old = max(before, key=lambda d: (d[1], d[3] or 0)) if before else None
        doc = max(fresh, key=lambda d: (d.date, d.submission or 0))
        out.append(_event(
            ctx, **{**base, "date": doc.date}, field="hk_document",
            old=_doc_value((last_old[2], last_old[3])) if last_old else None,
            new=_doc_value((doc.type, doc.submission)), url=_doc_url(filings, a.app_id, doc.key),
            token=f"change:hk_document:{doc.key}",
        ))  # fmt: skip
    return out


def _doc_url(filings: dict[str, Filing], app_id: int, key: str) -> str | None:
    f = filings.get(f"app:{app_id}:{key}")
    return (f.pdf_url or f.url) if f else None
