"""Atom (RFC 4287) and JSON Feed 1.1 of events: per watch rule, per company, and everything.

For readers that poll instead of being pushed to (and for static hosting: `filingwatch feed`).
Each entry is one event; its id is derived from the event's dedupe key, which the one write path
keeps unique and stable, so a regenerated feed repeats the same ids and a feed reader never sees
an event twice. A rule's feed is what that rule alerted on (outbox rows, one entry per event
however many channels it went to); the company feed is the company's whole history.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from urllib.parse import quote
from xml.etree import ElementTree as ET

from alerts.render import event_label, short_org

ATOM_NS = "http://www.w3.org/2005/Atom"
JSONFEED_VERSION = "https://jsonfeed.org/version/1.1"
ID_PREFIX = "tag:filingwatch.invalid,2026:"  # tag URI (RFC 4151); stable, needs no domain
EMPTY_UPDATED = "2026-01-01T00:00:00+00:00"  # an empty feed's <updated>: stable across runs
LIMIT = 100

_EVENT_COLS = (
    "e.id, e.dedupe_key, e.created_at, e.source, e.kind, e.stage, e.old_stage, e.company,"
    " e.company_id, e.report_type, e.title, e.broker, e.regulator, e.board, e.event_date, e.url,"
    " c.name_en AS company_en"
)


@dataclass
class Entry:
    id: str
    title: str
    updated: str
    link: str | None
    summary: str
    categories: list[str] = field(default_factory=list)


@dataclass
class Feed:
    id: str
    title: str
    self_url: str  # where this feed is published (Atom rel="self", JSON feed_url)
    home_url: str
    entries: list[Entry]

    @property
    def updated(self) -> str:
        return max((e.updated for e in self.entries), default=EMPTY_UPDATED)


def entry_id(dedupe_key: str) -> str:
    return ID_PREFIX + "event:" + quote(dedupe_key, safe="")


def _entry(row: dict, lang: str = "zh") -> Entry:
    item = dict(row)
    company = item.get("company") or ""
    en = item.get("company_en")
    label_zh, label_en = event_label(item, "zh"), event_label(item, "en")
    title = f"{company}{f' ({en})' if en else ''} — {label_zh if lang == 'zh' else label_en}"
    lines = [
        f"{label_zh} / {label_en}",
        f"日期 date: {item.get('event_date') or ''}",
        f"券商 broker: {short_org(item.get('broker')) or '-'}",
        f"监管 regulator: {item.get('regulator') or '-'}",
        f"来源 source: {item.get('source')}",
    ]
    if item.get("title"):
        lines.append(f"文件 document: {item['title']}")
    return Entry(
        id=entry_id(item["dedupe_key"]),
        title=title,
        updated=item["created_at"],
        link=item.get("url"),
        summary="\n".join(lines),
        categories=[c for c in (item.get("source"), item.get("stage")) if c],
    )


def _rows(db, sql: str, params: list) -> list[dict]:
    cur = db.conn.execute(sql, params)
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


def all_entries(db, limit: int = LIMIT) -> list[Entry]:
    """Every event that is news (baseline history is left out: it would flood a new reader)."""
    return [_entry(r) for r in _rows(db,
        f"SELECT {_EVENT_COLS} FROM events e LEFT JOIN companies c ON c.id = e.company_id"
        " WHERE e.baseline = 0 ORDER BY e.created_at DESC, e.id DESC LIMIT ?", [limit])]  # fmt: skip


def rule_entries(db, rule: str, limit: int = LIMIT) -> list[Entry]:
    return [_entry(r) for r in _rows(db,
        f"SELECT {_EVENT_COLS} FROM events e LEFT JOIN companies c ON c.id = e.company_id"
        " WHERE e.id IN (SELECT event_id FROM outbox WHERE kind = 'event' AND rule = ?)"
        " ORDER BY e.created_at DESC, e.id DESC LIMIT ?", [rule, limit])]  # fmt: skip


def company_entries(db, company_id: int, limit: int = LIMIT) -> list[Entry]:
    return [_entry(r) for r in _rows(db,
        f"SELECT {_EVENT_COLS} FROM events e LEFT JOIN companies c ON c.id = e.company_id"
        " WHERE e.company_id = ? ORDER BY e.created_at DESC, e.id DESC LIMIT ?",
        [company_id, limit])]  # fmt: skip


def rule_names(db, configured: list[str] | None = None) -> list[str]:
    """Rules from the config, plus any that alerted before (a renamed rule keeps its feed)."""
    seen = [r[0] for r in db.conn.execute(
        "SELECT DISTINCT rule FROM outbox WHERE kind = 'event' AND rule IS NOT NULL ORDER BY rule")]  # fmt: skip
    return list(dict.fromkeys([*(configured or []), *seen]))


def build(db, scope: str, key: str | None, base_url: str, fmt: str) -> Feed:
    """scope: all | rule | company. Raises KeyError for an unknown company."""
    ext = "json" if fmt == "json" else "atom"
    base = base_url.rstrip("/")
    if scope == "rule":
        entries, title, path = rule_entries(db, key or ""), f"filingwatch — {key}", f"rule/{key}"
    elif scope == "company":
        row = db.conn.execute(
            "SELECT name, name_en FROM companies WHERE id = ?", [int(key or 0)]
        ).fetchone()
        if row is None:
            raise KeyError(f"company {key}")
        name = row[0] + (f" ({row[1]})" if row[1] else "")
        entries, title, path = (
            company_entries(db, int(key or 0)),
            f"filingwatch — {name}",
            f"company/{key}",
        )
    else:
        entries, title, path = all_entries(db), "filingwatch — all events", "all"
    return Feed(id=ID_PREFIX + "feed:" + quote(path, safe="/"), title=title,
                self_url=f"{base}/-/feeds/{quote(path, safe='/')}.{ext}", home_url=base + "/",
                entries=entries)  # fmt: skip


def to_atom(feed: Feed) -> bytes:
    ET.register_namespace("", ATOM_NS)

    def sub(parent, tag, text=None, **attrs):
        el = ET.SubElement(parent, f"{{{ATOM_NS}}}{tag}", attrs)
        if text is not None:
            el.text = text
        return el

    root = ET.Element(f"{{{ATOM_NS}}}feed")
    sub(root, "id", feed.id)
    sub(root, "title", feed.title)
    sub(root, "updated", feed.updated)
    sub(root, "link", rel="self", href=feed.self_url, type="application/atom+xml")
    sub(root, "link", rel="alternate", href=feed.home_url)
    author = sub(root, "author")
    sub(author, "name", "filingwatch")
    sub(root, "generator", "filingwatch")
    for e in feed.entries:
        entry = sub(root, "entry")
        sub(entry, "id", e.id)
        sub(entry, "title", e.title)
        sub(entry, "updated", e.updated)
        if e.link:
            sub(entry, "link", rel="alternate", href=e.link)
        for term in e.categories:
            sub(entry, "category", term=term)
        sub(entry, "summary", e.summary, type="text")
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


def to_json(feed: Feed) -> str:
    data = {
        "version": JSONFEED_VERSION,
        "title": feed.title,
        "home_page_url": feed.home_url,
        "feed_url": feed.self_url,
        "authors": [{"name": "filingwatch"}],
        "items": [
            {
                "id": e.id,
                "title": e.title,
                "content_text": e.summary,
                "date_modified": e.updated,
                "date_published": e.updated,
                **({"url": e.link} if e.link else {}),
                "tags": e.categories,
            }
            for e in feed.entries
        ],
    }
    return json.dumps(data, ensure_ascii=False, indent=2)


def render(feed: Feed, fmt: str) -> bytes:
    return to_json(feed).encode("utf-8") if fmt == "json" else to_atom(feed)


CONTENT_TYPES = {
    "atom": "application/atom+xml; charset=utf-8",
    "json": "application/feed+json; charset=utf-8",
}
