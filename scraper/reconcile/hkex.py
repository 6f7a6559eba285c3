"""HKEX, pure: the applicant snapshot diff (hkex_app) and listing-stage claims (hkex_listings).

* hkex_app: the merged applicant snapshot is compared with the stored one through core.policy.
  Stage moves become `stage` events keyed per applicant and milestone
  (`hkex_app:stage:<board>:<id>:<stage>#1`), dated from `ls[]` (first Application Proof, first
  PHIP); lapsed / returned / listed carry the index's `uDate` (the listing date when
  hkex_listings knows it). Positive evidence for a move back (PHIP -> AP, lapsed -> active) is
  the complete load of the status-file group the applicant was in; a file that failed (the spider
  marks a 404 of a file that loaded before as failed) is no evidence; listed is final.
* hkex_listings: stage claims per stock code (prospectus_published < allotment_results < listed)
  move `hkex_new_listings` forward only, one event per stock, year and stage.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from scraper.core import policy, stages
from scraper.core.names import name_key
from scraper.core.records import Filing
from scraper.parsers.hkex_app import FILE_STAGE, STATUS_FILES, Applicant
from scraper.parsers.hkex_common import strip_share_marks
from scraper.reconcile.events import from_filing

LISTING_STAGES = (stages.PROSPECTUS_PUBLISHED, stages.ALLOTMENT_RESULTS, stages.LISTED)
_LISTING_DATE_COL = {stages.PROSPECTUS_PUBLISHED: "prospectus_date",
                     stages.ALLOTMENT_RESULTS: "allotment_date", stages.LISTED: "listing_date"}  # fmt: skip


def complete_groups(files: Iterable[dict]) -> set[tuple[str, str]]:
    """(status, board) groups whose every language file answered (404 = an empty, known file; the spider reports a 404 of a file that loaded before as an error)."""
    seen: dict[tuple[str, str], bool] = {}
    for f in files:
        key = (f["status"], f["board"])
        seen[key] = seen.get(key, True) and f["outcome"] in ("ok", "missing")
    return {k for k, ok in seen.items() if ok}


def decide_stage(old: dict | None, app: Applicant, complete: set[tuple[str, str]]) -> str | None:
    """The stage to store: core.policy, with a complete load of the old file as evidence."""
    if old is None:
        return app.stage
    evidence = (old["status_file"], app.board) in complete
    return policy.decide(old["stage"], app.stage, evidence=evidence)


def identity_changed(old: dict | None, app: Applicant) -> bool:
    if old is None or old["company_id"] is None:
        return True
    return (old["name_c"], old["name_en"]) != (app.name_c, app.name_en) or bool(
        app.stock_code and app.stock_code != old["stock_code"]
    )


def milestones(app: Applicant, stage: str | None, listing_date: str | None, today: str):
    """[(stage, date, document key or None)] the applicant has reached, in order."""
    if stage is None:
        return []
    out = []
    ap, phip = app.ap_doc, app.phip_doc
    if ap is not None:
        out.append((stages.HK_APPLICATION_FILED, ap.date, ap.key))
    if phip is not None or stage == stages.HK_PHIP or (stage == stages.LISTED and app.has_phip):
        out.append((stages.HK_PHIP, phip.date if phip else app.u_date or today,
                    phip.key if phip else None))  # fmt: skip
    if stage in FILE_STAGE.values():
        when = listing_date if stage == stages.LISTED and listing_date else app.u_date or today
        out.append((stage, when, None))
    top = policy.rank(stage)
    return [m for m in out if policy.rank(m[0]) <= top]


@dataclass
class AppStep:
    rows: list[tuple] = field(default_factory=list)
    gone: list[tuple] = field(default_factory=list)
    events: list[dict] = field(default_factory=list)
    touched: set[int] = field(default_factory=set)


def applicants_step(ctx, batch, stored: dict, fresh_ids: dict[tuple[str, int], int | None],
                    listing_dates: dict[str, str]) -> AppStep:  # fmt: skip
    """The snapshot vs the stored applicants -> applicant rows, departures and stage events.

    fresh_ids: company ids of applicants resolved in this batch (new or renamed ones).
    """
    step = AppStep()
    today = ctx.now[:10]
    complete = complete_groups(batch.files)
    boards = {f["board"] for f in batch.files}
    full_boards = {b for b in boards if all((s, b) in complete for s in STATUS_FILES)}
    by_native = {f.native_id: f for f in batch.filings}
    seen = set()
    for a in batch.applicants or []:
        seen.add(a.key)
        old = stored.get(a.key)
        cid = fresh_ids[a.key] if a.key in fresh_ids else (old["company_id"] if old else None)
        stage = decide_stage(old, a, complete)
        kept_old = old is not None and stage == old["stage"] and stage != a.stage
        marks = milestones(a, stage, listing_dates.get(a.stock_code or ""), today)
        mark = next((m for m in reversed(marks) if m[0] == stage), None)
        stage_date = mark[1] if mark else None
        if old is not None and stage == old["stage"] and old["stage_date"]:
            # an unchanged stage keeps its date, unless a document now dates it
            stage_date = mark[1] if mark and mark[2] and mark[1] else old["stage_date"]
        if (old is None or stage != old["stage"]) and marks:
            previous = None
            for m_stage, m_date, m_key in marks:
                evidence = by_native.get(f"app:{a.app_id}:{m_key}") if m_key else None
                f = evidence or applicant_filing(a, batch.url, m_stage)
                step.events.append(from_filing(
                    ctx, f, cid, None, "stage", m_stage, previous,
                    policy.dedupe_key("hkex_app", f"{a.board}:{a.app_id}", m_stage, 1), m_date,
                ))  # fmt: skip
                previous = m_stage
            if cid:
                step.touched.add(cid)
        elif old is not None and cid and cid != old["company_id"]:
            step.touched.add(cid)
        status_file = old["status_file"] if kept_old else a.status
        step.rows.append((
            a.board, a.app_id, cid, a.name_c, a.name_en, status_file, a.status_code, stage,
            stage_date, a.ap_date, a.phip_date, a.last_doc_date, int(a.has_phip),
            a.stock_code, ctx.now, ctx.now, ctx.run_id, applicant_raw(a),
        ))  # fmt: skip
    step.gone = [(ctx.now, b, i) for (b, i), row in stored.items()
                 if (b, i) not in seen and row["present"] and b in full_boards]  # fmt: skip
    return step


def applicant_filing(a: Applicant, page_url: str, stage: str) -> Filing:
    """The record behind a stage no document dates (lapsed, returned, listed)."""
    label = stages.LABELS_ZH.get(stage, stage)
    return Filing(
        source="hkex_app", native_id=f"app:{a.app_id}", company=a.company_name,
        kind="hk_applicant", title=f"{label} ({a.status})", status=stage,
        status_raw=f"{a.status}:{a.status_code or ''}", regulator="HKEX", board=a.board,
        url=page_url, company_en=a.name_en, stock_code=a.stock_code,
    )  # fmt: skip


def applicant_raw(a: Applicant) -> str:
    return json.dumps({
        "files": a.files, "d": a.d, "w": a.warning, "postingDate": a.posting_date,
        "u_date": a.u_date, "flags": a.flags or None,
        "docs": [[d.key, d.date, d.type, d.submission] for d in a.docs],
    }, ensure_ascii=False)  # fmt: skip


# ---------------------------------------------------------------- hkex_listings


def is_short_name(name: str | None) -> bool:
    return bool(name) and "公司" not in name and not re.search(r"[A-Za-z]{3}", name)


def short_names(filings: list[Filing], claims: list) -> set[str]:
    wanted = {x.company if isinstance(x, Filing) else x.name for x in [*filings, *claims]}
    return {n for n in wanted if is_short_name(n)}


def link_short_names(filings: list[Filing], claims: list, known_codes: set[str],
                     heard: list[tuple[str, str, str | None]]) -> None:  # fmt: skip
    """Title search and latest announcements print short names (極光智算) and a stock code the
    store may not know yet. A short name contained in the Chinese name of exactly one applicant
    past the hearing (PHIP or listed) is that applicant's company: the document is filed under
    the company's stored name, which also attaches the stock code to it. Ambiguous or unknown
    short names are left to company resolution (candidates, never a silent merge)."""
    wanted = short_names(filings, claims)
    applicants = [(name_key(name_c), company, name_en) for name_c, company, name_en in heard]
    link: dict[str, tuple[str, str | None]] = {}
    for short in wanted:
        key = name_key(strip_share_marks(short))
        hits = {(company, en) for full, company, en in applicants if len(key) >= 2 and key in full}
        if len(hits) == 1:
            link[short] = hits.pop()
    for f in filings:
        if f.company in link and f.stock_code not in known_codes:
            f.raw.setdefault("name_as_published", f.company)
            f.company, f.company_en = link[f.company][0], f.company_en or link[f.company][1]
    for c in claims:
        if c.name in link and c.stock_code not in known_codes:
            c.name, c.name_en = link[c.name][0], c.name_en or link[c.name][1]


@dataclass
class ListingStep:
    rows: list[dict] = field(default_factory=list)
    events: list[dict] = field(default_factory=list)
    statuses: list[tuple] = field(default_factory=list)


def listings_step(ctx, batch, claims: list, ids: dict[str, int], state: dict[str, dict],
                  cols: tuple[str, ...]) -> ListingStep:  # fmt: skip
    """Claims vs stored listings: the stored stage moves forward only (core.policy); each claim
    is one event per stock, year and stage (an old claim seen again is deduplicated)."""
    step = ListingStep()
    by_native = {f.native_id: f for f in batch.filings}
    order = {s: i for i, s in enumerate(LISTING_STAGES)}
    for c in sorted(claims, key=lambda c: (order[c.stage], c.date or "")):
        name = c.name or c.name_en
        cid = ids.get(name_key(name)) if name else None
        row = state.setdefault(c.stock_code, dict.fromkeys(cols))
        row["stock_code"] = c.stock_code
        row["first_seen_at"] = row["first_seen_at"] or ctx.now
        row["board"] = row["board"] or c.board
        row["company_id"] = row["company_id"] or cid
        if c.name and (not row["name"] or len(c.name) > len(row["name"])):
            row["name"] = c.name
        row["name_en"] = row["name_en"] or c.name_en
        col = _LISTING_DATE_COL[c.stage]
        if c.date and (not row[col] or c.date < row[col]):
            row[col] = c.date
        before = row["stage"]
        kept = policy.decide(before, c.stage)
        if kept != before:
            row["stage"], row["stage_date"] = kept, c.date or ctx.now[:10]
        old = before if policy.rank(before) < policy.rank(c.stage) else None
        f = by_native.get(f"doc:{c.doc_key}") if c.doc_key else None
        if f is None:
            f = Filing(source=batch.source, native_id=f"stock:{c.stock_code}",
                       company=name or c.stock_code, kind="hk_new_listing", title=c.title,
                       status=c.stage, regulator="HKEX", board=c.board, url=c.url or batch.url,
                       company_en=c.name_en, stock_code=c.stock_code)  # fmt: skip
        year = (c.date or ctx.now)[:4]
        step.events.append(from_filing(
            ctx, f, row["company_id"], None, "stage", c.stage, old,
            policy.dedupe_key(batch.source, f"{c.stock_code}:{year}", c.stage, 1), c.date,
        ))  # fmt: skip
    step.rows = list(state.values())
    best: dict[int, tuple[str, str | None]] = {}
    for row in step.rows:
        cid = row["company_id"]
        if cid and row["stage"]:
            have = best.get(cid)
            if have is None or policy.rank(row["stage"]) > policy.rank(have[0]):
                best[cid] = (row["stage"], row["stage_date"])
    step.statuses = [(cid, batch.source, st, st, d, ctx.now) for cid, (st, d) in best.items()]
    return step
