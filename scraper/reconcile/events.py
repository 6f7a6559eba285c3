"""Event records as the events table stores them, built from a filing or a stage move."""

from __future__ import annotations

from scraper.core import regulators
from scraper.core.records import Filing

# Marks a dedupe key whose occurrence number ingest assigns (count of earlier events + 1).
NEXT = "#"


def snapshot_key(source: str, subject: str, stage: str) -> str:
    """A snapshot move's key prefix; ingest completes it with the occurrence (`...#2`)."""
    return f"{source}:stage:{subject}:{stage}{NEXT}"


def from_filing(ctx, f: Filing, cid, fid, kind, stage, old_stage, dedupe_key, date=None) -> dict:
    """An events row built from a filing; stage moves of other steps use the same keys."""
    return {
        "created_at": ctx.now, "source": f.source, "kind": kind, "stage": stage,
        "old_stage": old_stage, "company_id": cid, "company": f.company, "filing_id": fid,
        "report_type": f.report_type, "title": f.title, "broker": f.broker,
        "regulator": regulators.canonical(f.regulator), "board": f.board,
        "event_date": date or f.event_date or f.disclosed_date,
        "url": f.pdf_url or f.url, "run_id": ctx.run_id, "baseline": int(ctx.baseline),
        "dedupe_key": dedupe_key,
    }  # fmt: skip
