"""`filingwatch alerts preview`: what a channel would receive for an event, without sending.

The payload comes from the outbox (a queued or sent alert of that event, as it was snapshotted),
else it is built from the events table the way the outbox would build it now, else (an empty
database) from a sample filing, so templates can be tried before the first crawl.
"""

from __future__ import annotations

import json

from alerts import message as outgoing
from alerts import outbox
from alerts.config import AlertSettings
from alerts.rules import Rule

SAMPLE = {
    "kind": "stage", "stage": "tutoring", "old_stage": None,
    "company": "超聚变数字技术股份有限公司", "company_en": "xFusion",
    "broker": "中信证券股份有限公司", "regulator": "河南证监局", "board": None,
    "event_date": "2026-06-01", "title": "关于超聚变数字技术股份有限公司辅导备案报告",
    "url": "http://eid.csrc.gov.cn/csrcfd/sample.pdf", "report_type": "filing_report",
    "source": "csrcfd", "event_id": 0, "rule": "sample",
    "sectors": [{"name": "ai_server", "zh": "AI服务器/算力", "en": "AI servers / compute"}],
    "why": ["sample"],
    "timeline": [{"stage": "tutoring", "stage_zh": "辅导备案", "stage_en": "tutoring filed",
                  "date": "2026-06-01", "source": "csrcfd"}],
}  # fmt: skip


def _rows(db, sql: str, params: list) -> list[dict]:
    cur = db.conn.execute(sql, params)
    cols = [c[0] for c in cur.description]
    return [dict(zip(cols, r, strict=True)) for r in cur.fetchall()]


def find_payload(db, s: AlertSettings, event_id: int | None, rule: str | None,
                 channel: str | None) -> tuple[dict, str]:  # fmt: skip
    """(payload, where it came from)."""
    where, params = ["kind = 'event'"], []
    for col, value in (("event_id", event_id), ("rule", rule), ("channel", channel)):
        if value is not None:
            where.append(f"{col} = ?")
            params.append(value)
    rows = _rows(db, f"SELECT id, payload FROM outbox WHERE {' AND '.join(where)}"
                 " ORDER BY id DESC LIMIT 1", params)  # fmt: skip
    if rows:
        return json.loads(rows[0]["payload"]), f"outbox row {rows[0]['id']}"
    sql = "SELECT * FROM events WHERE " + (
        "id = ?" if event_id is not None else "baseline = 0 ORDER BY id DESC LIMIT 1"
    )
    events = _rows(db, sql, [event_id] if event_id is not None else [])
    if not events:
        if event_id is not None:
            raise LookupError(f"no event with id {event_id}")
        return {**SAMPLE, "rule": rule or SAMPLE["rule"]}, "a sample filing (no events yet)"
    event = events[0]
    cls = s.taxonomy.classify(event["company"])
    the_rule = next((r for r in s.rules if r.name == rule), None) or Rule(
        name=rule or "preview", channels=()
    )
    timeline = outbox.timeline_payload(db, event["company_id"]) if event.get("company_id") else None
    payload = outbox.event_payload(event, cls, the_rule, [], s.taxonomy, timeline=timeline)
    return payload, f"event {event['id']} (not queued for this rule/channel; built now)"


def preview(db, s: AlertSettings, *, event_id: int | None = None, rule: str | None = None,
            channel: str | None = None, html: bool = False) -> tuple[str, list[outgoing.Outgoing], str]:  # fmt: skip
    """(description, messages, source) for one event on one channel (mail when only HTML is wanted)."""
    payload, source = find_payload(db, s, event_id, rule, channel)
    if channel:
        ch = s.channels[channel]
        url, lang = ch.expanded_url(), ch.language or s.options.language
    else:
        mail = next(
            (c for c in s.channels.values() if outgoing.family(c.expanded_url()).name == "mail"),
            None,
        )
        url = mail.expanded_url() if (mail and html) else ("mailto://localhost" if html else "")
        lang = (mail.language if mail else None) or s.options.language
        channel = mail.name if mail and html else None
        if not html and s.channels:
            first = next(iter(s.channels.values()))
            url, channel = first.expanded_url(), first.name
            lang = first.language or s.options.language
        url = url or "console://"
    fam = outgoing.family(url)
    o = s.options
    messages = outgoing.build("event", [payload], url, lang, o.templates, o.template_dir, channel)
    desc = f"channel {channel or '(none)'}: {fam.name}, body {fam.body_format}, limit {fam.body_maxlen}"
    return desc, messages, source
