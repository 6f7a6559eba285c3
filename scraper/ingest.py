"""The one write path: a batch of records -> rows, events and alerts, in one transaction.

    resolve companies -> the source's step (scraper/reconcile, pure) -> repositories (scraper/db)
    -> events (numbered, deduplicated) -> each company's overall stage -> the sink

The sink is a parameter (the alert outbox in a crawl, nothing in a test or a replay), called with
the events really inserted, inside the transaction: an event and its alerts commit together or
not at all.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from scraper import companies
from scraper.core.names import name_key
from scraper.core.records import CommitteeBatch, Filing, HkexBatch, PageBatch, ProjectBatch
from scraper.core.timeutil import now_iso
from scraper.db import committee as committee_repo
from scraper.db import documents as documents_repo
from scraper.db import events as events_repo
from scraper.db import filings as filings_repo
from scraper.db import hkex as hkex_repo
from scraper.db import projects as projects_repo
from scraper.db import runs as runs_repo
from scraper.db import status as status_repo
from scraper.db.connection import transaction
from scraper.reconcile import changes as changes_step
from scraper.reconcile import committee as committee_step
from scraper.reconcile import filings as filings_step
from scraper.reconcile import hkex as hkex_step
from scraper.reconcile import projects as projects_step
from scraper.reconcile import timeline as timeline_step
from scraper.reconcile.events import NEXT


@dataclass
class WriteContext:
    run_id: int | None = None
    baseline: bool = False  # the source's first complete sweep is not done: events are history
    now: str = field(default_factory=now_iso)
    # called between rows of long steps; raises (scraper.stopcheck.RunStopped) to abandon the write
    check: Callable[[], None] | None = None


@dataclass
class WriteResult:
    new: int = 0
    updated: int = 0
    events: list[dict] = field(default_factory=list)


# sink(db, events, ctx): called in the transaction with the events inserted by the batch.
Sink = Callable[[object, list[dict], WriteContext], None]


def ingest(
    db, batch: PageBatch, ctx: WriteContext, sink: Sink | None = None
) -> tuple[WriteResult, int]:
    """Write one Scrapy batch; returns what was written and how many records the batch held."""
    if isinstance(batch, CommitteeBatch):
        return write_committee(db, batch, ctx, sink), len(batch.meetings)
    if isinstance(batch, ProjectBatch):
        return write_projects(db, batch, ctx, sink), len(batch.projects) + len(batch.filings)
    if isinstance(batch, HkexBatch):
        if batch.applicants is not None:
            return write_hkex_applicants(db, batch, ctx, sink), len(batch.filings)
        return write_hkex_listings(db, batch, ctx, sink), len(batch.filings)
    return write_filings(db, batch.filings, ctx, sink, batch.documents), len(batch.filings)


# ---------------------------------------------------------------- shared steps


def _resolve(db, names: list[tuple], ctx: WriteContext) -> dict[str, int]:
    return companies.ensure_companies(db, names, ctx.now, check=ctx.check)


def _filings(db, filings: Sequence[Filing], ctx: WriteContext, result: WriteResult) -> list[dict]:
    """Documents and the stages they state; returns the (not yet inserted) events."""
    if not filings:
        return []
    conn = db.conn
    ids = _resolve(db, [(f.company, f.company_en, f.stock_code) for f in filings], ctx)
    stored = filings_repo.stored(conn, [(f.source, f.native_id) for f in filings])
    docs = filings_step.documents(ctx, filings, ids, stored, filings_repo.next_id(conn))
    filings_repo.update_seen(conn, docs.updates)
    filings_repo.insert(conn, docs.inserts)
    latest = filings_step.stated_stages(filings, ids)
    before: dict[tuple[int, str], tuple] = {}
    for source in {s for _c, s in latest}:
        stored_status = status_repo.stored_status(
            conn, source, [c for c, s in latest if s == source]
        )
        before.update({(cid, source): v for cid, v in stored_status.items()})
    moves = filings_step.stage_moves(ctx, latest, before)
    status_repo.upsert_company_status(conn, moves.statuses)
    result.new += docs.new
    result.updated += docs.updated
    return docs.events + moves.events


def _record(
    db, events: list[dict], ctx: WriteContext, result: WriteResult, sink: Sink | None
) -> None:
    """Number and insert events, move companies' overall stage, then hand everything to the sink."""
    conn = db.conn
    _number_occurrences(conn, events)
    fresh = events_repo.insert_events(conn, events)
    trigger = timeline_step.triggers(fresh)
    if trigger:
        moves = status_repo.recompute_overall(conn, trigger)
        cross = timeline_step.cross_source_events(ctx, moves, trigger)
        _number_occurrences(conn, cross)
        fresh += events_repo.insert_events(conn, cross)
    result.events.extend(fresh)
    if fresh and sink is not None:
        sink(db, fresh, ctx)


def _number_occurrences(conn, events: list[dict]) -> None:
    """Keys ending in '#' get their occurrence: earlier events with that prefix + 1."""
    open_keys = [e["dedupe_key"] for e in events if e["dedupe_key"].endswith(NEXT)]
    if not open_keys:
        return
    counts = events_repo.occurrences(conn, open_keys)
    for e in events:
        key = e["dedupe_key"]
        if key.endswith(NEXT):
            counts[key] += 1
            e["dedupe_key"] = f"{key}{counts[key]}"


# ---------------------------------------------------------------- per batch kind


def write_filings(
    db,
    filings: Sequence[Filing],
    ctx: WriteContext,
    sink: Sink | None = None,
    documents: Sequence | None = None,
) -> WriteResult:
    """Documents of any source (csrcfd, notices, approvals, cninfo), in one transaction; the
    PDFs read for them (`documents`) are stored before the events, so alerts carry their facts."""
    result = WriteResult()
    if not filings:
        return result
    with transaction(db):
        events = _filings(db, filings, ctx, result)
        if documents:
            documents_repo.store(db.conn, filings[0].source, documents, ctx.now)
        _record(db, events, ctx, result, sink)
    return result


def write_projects(
    db, batch: ProjectBatch, ctx: WriteContext, sink: Sink | None = None
) -> WriteResult:
    """A list page (projects) or one project's details (project, timeline, documents)."""
    result = WriteResult()
    if batch.cursor is not None:
        runs_repo.save_cursor(db, batch.source, batch.cursor)
    if not batch.projects:
        return result
    conn = db.conn
    with transaction(db):
        ids = _resolve(db, [(p.company, None, p.stock_code, "short_name" in p.flags)
                            for p in batch.projects], ctx)  # fmt: skip
        native_ids = [p.native_id for p in batch.projects]
        stored = projects_repo.stored(conn, batch.source, native_ids)
        facts = projects_repo.stored_facts(conn, batch.source, native_ids)
        changed = changes_step.project_changes(
            ctx, batch.projects, facts, ids, {k: v["id"] for k, v in facts.items()}
        )
        rows = projects_step.list_rows(ctx, batch.projects, ids, stored)
        projects_repo.upsert(conn, rows.rows)
        projects_repo.update_company_facts(conn, rows.company_facts)
        result.new, result.updated = rows.new, rows.updated
        detailed = [p for p in batch.projects if p.timeline is not None]
        if not detailed:
            _record(db, changed, ctx, result, sink)
            return result
        pids = {
            k: v["id"]
            for k, v in projects_repo.stored(
                conn, batch.source, [p.native_id for p in detailed]
            ).items()
        }
        versions = projects_repo.stored_versions(conn, list(pids.values()))
        events = changed + _filings(db, batch.filings, ctx, result)
        by_project: dict[str, list[str]] = {}
        for f in batch.filings:
            by_project.setdefault(f.raw.get("project", ""), []).append(f.native_id)
        for native_id, doc_ids in by_project.items():
            if native_id in pids:
                filings_repo.set_project(conn, batch.source, pids[native_id], doc_ids)
        statuses, marks, meetings = [], [], []
        for p in detailed:
            cid = ids.get(name_key(p.company))
            events += projects_step.timeline_events(ctx, p, pids[p.native_id], cid)
            docs = [f for f in batch.filings if f.raw.get("project") == p.native_id]
            events += changes_step.version_changes(
                ctx, p, pids[p.native_id], cid, versions.get(pids[p.native_id], set()), docs
            )
            meetings += committee_step.meetings_from_documents(p, docs)
            marks.append(projects_step.detail_mark(ctx, p, pids[p.native_id]))
            row = projects_step.company_status(ctx, p, cid)
            if row:
                statuses.append(row)
        events += _meetings(db, batch.source, meetings, ctx)  # SZSE / BSE committee documents
        projects_repo.mark_detailed(conn, marks)
        status_repo.upsert_company_status(conn, statuses, only_newer=True)
        _record(db, events, ctx, result, sink)
    return result


def write_hkex_applicants(
    db, batch: HkexBatch, ctx: WriteContext, sink: Sink | None = None
) -> WriteResult:
    result = WriteResult()
    conn = db.conn
    with transaction(db):
        events = _filings(db, batch.filings, ctx, result)
        if batch.documents:
            documents_repo.store(conn, batch.source, batch.documents, ctx.now)
        stored = hkex_repo.stored_applicants(conn)
        stored_docs = hkex_repo.stored_docs(conn)
        apps = list(batch.applicants or [])
        # resolve only applicants that are new or whose names or code changed; the others keep
        # their company (a company merge repoints hkex_applicants)
        fresh = [
            a for a in apps if a.company_name and hkex_step.identity_changed(stored.get(a.key), a)
        ]
        ids = _resolve(db, [(a.company_name, a.name_en, a.stock_code) for a in fresh], ctx)
        if fresh:
            current = hkex_repo.applicant_company_ids(conn)
            for key, row in stored.items():
                row["company_id"] = current.get(key, row["company_id"])
        fresh_ids = {a.key: ids.get(name_key(a.company_name)) for a in fresh}
        dates = hkex_repo.listing_dates(conn, {a.stock_code for a in apps if a.stock_code})
        step = hkex_step.applicants_step(ctx, batch, stored, fresh_ids, dates)
        step.events += changes_step.hkex_changes(
            ctx, apps, stored, stored_docs, fresh_ids, {f.native_id: f for f in batch.filings}
        )
        hkex_repo.upsert_applicants(conn, step.rows)
        hkex_repo.mark_gone(conn, step.gone)
        newest = hkex_repo.newest_application_stage(conn, step.touched)
        status_repo.upsert_company_status(
            conn, [(cid, "hkex_app", st, raw, d, ctx.now) for cid, (st, d, raw) in newest.items()]
        )
        _record(db, events + step.events, ctx, result, sink)
        hkex_repo.save_files(conn, batch.files, ctx.now)
    return result


def write_hkex_listings(
    db, batch: HkexBatch, ctx: WriteContext, sink: Sink | None = None
) -> WriteResult:
    result = WriteResult()
    conn = db.conn
    claims = [c for c in batch.claims if c.stock_code and c.stage in hkex_step.LISTING_STAGES]
    with transaction(db):
        if hkex_step.short_names(batch.filings, claims):
            codes = {x.stock_code for x in [*batch.filings, *claims] if x.stock_code}
            hkex_step.link_short_names(batch.filings, claims, hkex_repo.codes_with_company(conn, codes),
                                       hkex_repo.heard_applicants(conn))  # fmt: skip
        events = _filings(db, batch.filings, ctx, result)
        if claims:
            ids = _resolve(db, [(c.name or c.name_en, c.name_en, c.stock_code) for c in claims
                                if c.name or c.name_en], ctx)  # fmt: skip
            state = hkex_repo.listing_state(conn, {c.stock_code for c in claims})
            step = hkex_step.listings_step(ctx, batch, claims, ids, state, hkex_repo.LISTING_COLS)
            hkex_repo.upsert_listings(conn, step.rows, ctx.now)
            status_repo.upsert_company_status(conn, step.statuses)
            events += step.events
        _record(db, events, ctx, result, sink)
    return result


def write_events(
    db, events: list[dict], ctx: WriteContext, sink: Sink | None = None
) -> WriteResult:
    """Events built from stored facts rather than a batch (scraper/clocks.py): numbered,
    deduplicated by key and handed to the sink in one transaction, like every other event."""
    result = WriteResult()
    if events:
        with transaction(db):
            _record(db, events, ctx, result, sink)
    return result


def write_committee(
    db, batch: CommitteeBatch, ctx: WriteContext, sink: Sink | None = None
) -> WriteResult:
    """Listing-committee announcements (issue 14): meeting rows per project, one event when a
    project's meeting is first announced."""
    result = WriteResult()
    if not batch.meetings:
        return result
    with transaction(db):
        stored = committee_repo.stored(db.conn, batch.source, [m.file_id for m in batch.meetings])
        events = _meetings(db, batch.source, batch.meetings, ctx)
        result.new = len({(m.file_id, m.native_project) for m in batch.meetings} - stored)
        _record(db, events, ctx, result, sink)
    return result


def _meetings(db, source: str, meetings: list, ctx: WriteContext) -> list[dict]:
    """Committee meetings -> rows (linked to their project and company) and announcement events."""
    if not meetings:
        return []
    review = committee_step.PROJECT_SOURCE.get(source, source)
    linked = committee_repo.projects(db.conn, review, [m.native_project for m in meetings])
    ids = _resolve(db, [(m.company, None, None) for m in meetings
                        if m.native_project not in linked and m.company], ctx)  # fmt: skip
    step = committee_step.meetings_step(ctx, meetings, linked, ids)
    committee_repo.upsert(db.conn, step.rows, step.dates)
    return step.events
