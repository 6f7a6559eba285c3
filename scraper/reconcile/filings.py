"""Documents and the company stage they state (csrcfd, approvals, notices, cninfo, HKEX docs).

A new (source, native_id) is one `filing` event. A company's stage as a source states it
(csrcfd's status column, an approval, a listing notice) is compared with what that source stated
before, through core.policy: forward only, unless the source dates the new stage after the stored
one (a second tutoring filing after a withdrawal); each move is one `stage` event, numbered by
occurrence, dated by the source's own date for that stage.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from scraper.core import policy, regulators
from scraper.core.names import name_key
from scraper.core.records import Filing, column_json
from scraper.db.filings import FILING_COLUMNS
from scraper.reconcile.events import from_filing, snapshot_key


@dataclass
class FilingsStep:
    inserts: list[tuple] = field(default_factory=list)  # filings rows, FILING_COLUMNS order
    updates: list[tuple] = field(default_factory=list)  # (status, status_raw, seen, run, flags, id)
    statuses: list[tuple] = field(default_factory=list)  # company_status rows
    events: list[dict] = field(default_factory=list)
    new: int = 0
    updated: int = 0


def stage_date(f: Filing, first: bool) -> str | None:
    """The date the record states for its stage: its own stage_date; else, for a company's first
    statement, the document's date, and for a later change, the date the change was published."""
    if f.stage_date:
        return f.stage_date
    return (f.event_date or f.disclosed_date) if first else (f.disclosed_date or f.event_date)


def documents(ctx, filings, company_ids: dict[str, int], stored: dict, next_id: int) -> FilingsStep:
    """New documents -> rows + `filing` events; known ones -> last-seen updates."""
    step = FilingsStep()
    seen = dict(stored)
    for f in filings:
        key = (f.source, f.native_id)
        if key in seen:
            fid, old_status = seen[key]
            if fid is not None:
                step.updates.append(
                    (f.status, f.status_raw, ctx.now, ctx.run_id, column_json(f.flags), fid)
                )
            if old_status != f.status:
                step.updated += 1
            continue
        cid = company_ids.get(name_key(f.company))
        fid = next_id + len(step.inserts)
        row = f.as_dict()
        row.update(
            id=fid, company_id=cid, regulator=regulators.canonical(f.regulator),
            flags=column_json(f.flags), raw=column_json(f.raw), first_seen_at=ctx.now,
            last_seen_at=ctx.now, first_run_id=ctx.run_id, last_run_id=ctx.run_id,
        )  # fmt: skip
        step.inserts.append(tuple(row[c] for c in FILING_COLUMNS))
        seen[key] = (None, f.status)  # a page may list one document twice
        event = from_filing(ctx, f, cid, fid, "filing", f.status, None,
                            f"{f.source}:filing:{f.native_id}")  # fmt: skip
        event["_new_key"] = True  # a brand-new filing cannot have an event yet
        step.events.append(event)
    step.new = len(step.inserts)
    return step


def stated_stages(filings, company_ids: dict[str, int]) -> dict[tuple[int, str], Filing]:
    """(company id, source) -> the record stating the company's stage: the newest-dated one
    (two groups of one company on a page, an old withdrawn one and a new filing, must not let
    page order decide); on equal dates the first, as lists put the newest first."""
    latest: dict[tuple[int, str], Filing] = {}
    for f in filings:
        cid = company_ids.get(name_key(f.company))
        if cid is None or not f.company_stage:
            continue
        held = latest.get((cid, f.source))
        if held is None or _stated_on(f) > _stated_on(held):
            latest[(cid, f.source)] = f
    return latest


def _stated_on(f: Filing) -> str:
    return f.stage_date or f.disclosed_date or f.event_date or ""


def stage_moves(ctx, latest: dict[tuple[int, str], Filing], stored: dict) -> FilingsStep:
    """Stage statements vs what each source stated before -> company_status rows + stage events.

    stored: (company id, source) -> (status, status_date).
    """
    step = FilingsStep()
    for (cid, source), f in latest.items():
        old, old_date = stored.get((cid, source), (None, None))
        date = stage_date(f, old is None)
        if old is not None and date and old_date and date < old_date:
            continue  # an older statement (an earlier group of the company) never overrides
        evidence = bool(date and old_date and date > old_date)
        kept = policy.decide(old, f.company_stage, evidence=evidence)
        if (cid, source) in stored and kept == old:
            continue
        step.statuses.append((cid, source, kept, f.status_raw, date, ctx.now))
        step.events.append(
            from_filing(ctx, f, cid, None, "stage", kept, old,
                        snapshot_key(source, str(cid), kept), date)
        )  # fmt: skip
    return step
