"""The outbox: alerts are rows written in the transaction that records their event.

`OutboxSink` is the sink scraper.ingest calls inside the batch's transaction, so an event and
its outbox rows commit together or not at all: a crash can never record an event and lose its
alert, and a re-crawl that records nothing queues nothing. Delivery (alerts/delivery.py) reads
the rows later, in another process or thread. One row per (rule, event, channel), unique by
dedupe_key; never for baseline events (a source's first crawl is history, not news).
"""

from __future__ import annotations

import json
import time
from typing import Any

from alerts import render
from alerts import rules as rules_mod
from alerts.sectors import Classification, Taxonomy, reason_text
from scraper.core.facts import facts_payload
from scraper.core.timeutil import now_iso
from scraper.db import connection as dbconn
from scraper.db import documents as documents_repo
from scraper.db import timeline as db_timeline

_CHUNK = 500


class OutboxSink:
    """ingest's sink for a crawl: classify the batch's companies, match the watch rules, queue."""

    def __init__(self, config: Any = None):
        self.config = config

    def __call__(self, db, events: list[dict], ctx) -> None:
        on_events(db, events, ctx.now, self.config)


def on_events(db, events: list[dict], now: str, config: Any = None) -> None:
    from alerts.config import settings  # late: alerts.config imports this module

    s = settings(config)
    classes = classify_companies(db, events, s.taxonomy, now)
    live = [e for e in events if not e.get("baseline")]
    if not live or not s.rules:
        return
    facts = event_facts(db, live)
    rows = []
    timelines: dict[int, list[dict]] = {}  # read once per company, in this same transaction
    for rule in s.rules:
        for event, reasons in rules_mod.select(rule, live, classes):
            cid = event.get("company_id")
            if cid and cid not in timelines:
                timelines[cid] = timeline_payload(db, cid)
            payload = event_payload(event, classes[event["company"]], rule, reasons, s.taxonomy,
                                    timeline=timelines.get(cid))  # fmt: skip
            payload.update(facts.get(id(event), {}))
            for channel in rule.channels:
                rows.append((rule, channel, event, payload))
    enqueue_events(db, rows, now)


def event_facts(db, events: list[dict]) -> dict[int, dict[str, Any]]:
    """id(event) -> {"facts", "facts_document"}: what the event's own report says, else what the
    company's filing report said (a stage event of the same page carries them too)."""
    company_ids = list({e["company_id"] for e in events if e.get("company_id")})
    latest = documents_repo.latest_report_facts(db.conn, company_ids)
    wanted = {e.get("filing_id") for e in events} | set(latest.values())
    rows = documents_repo.facts_of_filings(db.conn, [f for f in wanted if f is not None])
    out: dict[int, dict[str, Any]] = {}
    for e in events:
        row = rows.get(e.get("filing_id")) or rows.get(latest.get(e.get("company_id")))
        if row:
            out[id(e)] = facts_payload(row)
    return out


def company_industry(code: str | None, text: str | None) -> str | None:
    """What classify reads as industry: the stored code (exchange records) and the filing
    report's classification line ("C39 计算机、通信…"), so codes and names both match."""
    joined = " ".join(x for x in (code, text) if x)
    return joined or None


def classify_companies(
    db, events: list[dict], taxonomy: Taxonomy, now: str
) -> dict[str, Classification]:
    """Classify each company of the batch and store its sectors and reasons on the company row.

    Reads what the company row holds (English name, the CSRC industry code a project stated, the
    industry and main business its filing report stated), the same facts `filingwatch match
    --industry --text` is given, so a rule fires exactly as `match` says.
    """
    by_id = {e["company_id"]: e["company"] for e in events if e.get("company_id")}
    names_en: dict[int, str | None] = {}
    industry: dict[int, str | None] = {}
    business: dict[int, str | None] = {}
    ids = list(by_id)
    for i in range(0, len(ids), _CHUNK):
        part = ids[i : i + _CHUNK]
        marks = ", ".join("?" for _ in part)
        for cid, name_en, code, text, biz in db.conn.execute(
            "SELECT id, name_en, industry_code, industry, main_business FROM companies"
            f" WHERE id IN ({marks})",
            part,
        ):
            names_en[cid], business[cid] = name_en, biz
            industry[cid] = company_industry(code, text)
    classes: dict[str, Classification] = {}
    updates = []
    for cid, name in by_id.items():
        cls = taxonomy.classify(name, names_en.get(cid), industry.get(cid), business.get(cid))
        classes[name] = cls
        known_en = cls.known.name_en if cls.known else None
        updates.append((json.dumps(cls.sectors, ensure_ascii=False),
                        json.dumps(cls.reasons, ensure_ascii=False) if cls.reasons else None,
                        known_en, now, cid))  # fmt: skip
    if updates:
        db.conn.executemany(
            "UPDATE companies SET sectors = ?, sector_reasons = ?, name_en = coalesce(name_en, ?),"
            " updated_at = ? WHERE id = ?",
            updates,
        )
    for e in events:  # events of companies without an id still need a classification
        if e["company"] not in classes:
            classes[e["company"]] = taxonomy.classify(e["company"])
    return classes


def timeline_payload(db, company_id: int) -> list[dict]:
    """The company's road so far, one entry per stage (its first date), for the message card."""
    out: dict[str, dict] = {}
    for e in db_timeline.timeline(db.conn, company_id):
        if e.stage and e.stage not in out:
            out[e.stage] = {"stage": e.stage, "stage_zh": render.stage_label(e.stage, "zh"),
                            "stage_en": render.stage_label(e.stage, "en"), "date": e.date,
                            "source": e.source}  # fmt: skip
    return list(out.values())


def event_payload(event: dict, cls: Classification, rule: rules_mod.Rule, reasons: list[dict],
                  taxonomy: Taxonomy, timeline: list[dict] | None = None) -> dict[str, Any]:  # fmt: skip
    """A snapshot of everything a message needs, so rendering never re-reads the database."""
    keep = ("kind", "stage", "old_stage", "company", "broker", "regulator", "board", "event_date",
            "url", "title", "report_type", "source")  # fmt: skip
    why = []
    for r in reasons:
        if r["by"] == "sector":
            why += [reason_text(x) for x in cls.reasons if x["sector"] == r["match"]]
        else:
            why.append(f"{r['by']}: {r['match']}")
    return {
        **{k: event.get(k) for k in keep},
        "event_id": event.get("id"),
        "company_en": event.get("company_en") or cls.name_en or (cls.known.name_en if cls.known else None),
        "sectors": [{"name": n, "zh": taxonomy.label(n, "zh"), "en": taxonomy.label(n, "en")}
                    for n in cls.sectors if n in rule.sectors or not rule.sectors],
        "why": list(dict.fromkeys(why)),
        "rule": rule.name,
        **change_payload(event),
        **({"timeline": timeline} if timeline else {}),
    }  # fmt: skip


def change_payload(event: dict) -> dict[str, Any]:
    """Issue 14: a change event's `change` dict, or `detail` for committee and clock events."""
    raw = event.get("detail")
    if not raw:
        return {}
    value = json.loads(raw) if isinstance(raw, str) else raw
    return {"change": value} if event.get("kind") == "change" else {"detail": value}


_INSERT = (
    "INSERT INTO outbox (dedupe_key, kind, rule, channel, event_id, incident_id, payload,"
    " digest_key, created_at, due_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
    " ON CONFLICT (dedupe_key) DO NOTHING"
)


def enqueue_events(db, rows: list[tuple[rules_mod.Rule, str, dict, dict]], now: str) -> int:
    """Queue (rule, channel, event, payload) rows; digest rules share one due time per window."""
    clock = time.time()
    windows: dict[str, float] = {}
    values = []
    for rule, channel, event, payload in rows:
        digest_key = f"{rule.name}|{channel}" if rule.digest else None
        due = clock
        if digest_key:
            if digest_key not in windows:
                row = db.conn.execute(
                    "SELECT min(due_at) FROM outbox WHERE digest_key = ? AND status = 'pending'"
                    " AND attempts = 0", [digest_key],
                ).fetchone()  # fmt: skip
                windows[digest_key] = row[0] if row and row[0] is not None else clock + rule.digest
            due = windows[digest_key]
        values.append((f"event:{rule.name}:{event['id']}:{channel}", "event", rule.name, channel,
                       event["id"], None, json.dumps(payload, ensure_ascii=False), digest_key,
                       now, due))  # fmt: skip
    with dbconn.transaction(db):
        before = db.conn.total_changes
        db.conn.executemany(_INSERT, values)
        return db.conn.total_changes - before


def enqueue_health(
    db, incident_id: int, state: str, channels: tuple[str, ...], payload: dict,
    group: str | None = None, window: float = 0.0,
) -> int:  # fmt: skip
    """Queue an incident's opening or recovery message for each ops channel (once: dedupe_key).

    Incidents of one `group` (the same cause, alerts/incidents.py) share a digest key and one
    due time `window` seconds after the first, so an outage of ten sources is one message.
    """
    now, clock = now_iso(), time.time()
    values = []
    for ch in channels:
        digest_key = f"health|{state}|{group}|{ch}" if group else None
        due = clock
        if digest_key:
            row = db.conn.execute(
                "SELECT min(due_at) FROM outbox WHERE digest_key = ? AND status = 'pending'"
                " AND attempts = 0", [digest_key],
            ).fetchone()  # fmt: skip
            due = row[0] if row and row[0] is not None else clock + window
        values.append((f"health:{incident_id}:{state}:{ch}", "health", None, ch, None, incident_id,
                       json.dumps({**payload, "state": state}, ensure_ascii=False), digest_key,
                       now, due))  # fmt: skip
    with dbconn.transaction(db):
        before = db.conn.total_changes
        db.conn.executemany(_INSERT, values)
        return db.conn.total_changes - before


def rows_sql(where: str = "", order: str = "id DESC") -> str:
    """Outbox rows for `alerts pending|history`; the caller binds the limit (and its params)."""
    return (
        "SELECT o.id, o.status, o.kind, o.rule, o.channel, o.attempts, o.created_at, o.sent_at,"
        " datetime(o.due_at, 'unixepoch', '+8 hours') AS next_try, o.last_error,"
        " json_extract(o.payload, '$.company') AS company, json_extract(o.payload, '$.stage') AS stage,"
        " json_extract(o.payload, '$.source') AS source, o.event_id, o.incident_id"
        f" FROM outbox o {'WHERE ' + where if where else ''} ORDER BY {order} LIMIT ?"
    )
