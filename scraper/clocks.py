"""Deadline clocks as alerts: read the `clocks` view, fire what is due, through the write path.

Run once per daemon cycle and by `filingwatch clocks`. Each alert is an event of kind "clock"
(events.stage = the alert name) keyed per clock instance, so it fires at most once however often
the clocks are read; `now` is a parameter (the daemon's clock, a test's fixed instant).
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta

from scraper import ingest
from scraper.core import clocks as rules
from scraper.core import policy, regulators
from scraper.db import clocks as clocks_repo


def readings(conn, now: datetime, options: rules.Options = rules.DEFAULT_OPTIONS, *,
             company_id: int | None = None, open_only: bool = True) -> list[rules.Reading]:  # fmt: skip
    """Every clock still running (or closed within the grace window) read at `now`."""
    since = (now.date() - timedelta(days=options.grace_days + 1)).isoformat()
    rows = clocks_repo.clocks(conn, company_id=company_id, open_only=open_only, since=since)
    return [rules.read(c, now, options) for c in rows]


def alert_event(reading: rules.Reading, now: datetime, run_id: int | None = None) -> dict:
    """The events row one firing writes; its dedupe key names the clock instance."""
    c = reading.clock
    source = c.subject.split(":", 1)[0]
    zh, en = reading.text("zh"), reading.text("en")
    detail = {"text_zh": zh, "text_en": en, "clock": c.kind, "due_date": c.due_date,
              "start_date": c.start_date}  # fmt: skip
    return {
        "created_at": now.isoformat(timespec="seconds"), "source": source, "kind": "clock",
        "stage": reading.alert, "old_stage": None, "company_id": c.company_id,
        "company": c.company or c.subject, "filing_id": None, "report_type": None,
        "title": f"{c.company or c.subject} {zh}"[:500], "broker": None,
        "regulator": regulators.canonical(source), "board": None, "event_date": c.due_date,
        "url": None, "run_id": run_id, "baseline": 0,
        "dedupe_key": policy.dedupe_key("clock", f"{c.kind}:{c.subject}",
                                        rules.instance_token(reading), 1),
        "detail": json.dumps(detail, ensure_ascii=False, sort_keys=True),
    }  # fmt: skip


def fire(db, now: datetime, options: rules.Options = rules.DEFAULT_OPTIONS, sink=None,
         run_id: int | None = None) -> list[dict]:  # fmt: skip
    """Write the alerts due at `now` (each once); returns the events really inserted."""
    due = [r for r in readings(db.conn, now, options) if r.alert]
    events = [alert_event(r, now, run_id) for r in due]
    ctx = ingest.WriteContext(run_id=run_id, now=now.isoformat(timespec="seconds"))
    return ingest.write_events(db, events, ctx, sink).events
