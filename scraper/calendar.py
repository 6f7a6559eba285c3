"""iCalendar export: committee meetings, expected listing dates and HKEX lapse dates of the
watched companies (one rule's or every rule's), as all-day events any calendar app subscribes to.

Everything is read from stored facts at export time (the clocks view, committee_meetings,
hkex_new_listings, company_status), so the file is a view, never a second source of truth.
"""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta

from icalendar import Calendar, Event

from alerts.rules import Rule
from scraper.core.names import name_key
from scraper.db import committee as committee_repo

PRODID = "-//filingwatch//IPO calendar//ZH"


def watched_companies(conn, rules: tuple[Rule, ...] | list[Rule]) -> list[int] | None:
    """Company ids the rules watch (by sector or name); None: some rule watches everyone."""
    if any(not r.sectors and not r.companies for r in rules):
        return None
    sectors = {s for r in rules for s in r.sectors}
    names = [name_key(c) for r in rules for c in r.companies]
    ids = []
    for cid, name, found in conn.execute("SELECT id, name, sectors FROM companies"):
        have = set(json.loads(found)) if found else set()
        key = name_key(name)
        if have & sectors or any(n and n in key for n in names):
            ids.append(cid)
    return ids


def _in(company_ids: list[int] | None, column: str) -> tuple[str, list]:
    if company_ids is None:
        return "", []
    return f" AND {column} IN ({', '.join('?' for _ in company_ids) or 'NULL'})", list(company_ids)


def entries(conn, company_ids: list[int] | None, today: date) -> list[dict]:
    """Calendar entries: kind, uid, date, summary (zh / en), url."""
    out = []
    since = (today - timedelta(days=30)).isoformat()
    for m in committee_repo.meetings(conn, company_ids, since):
        day = m["meeting_date"] or m["published_date"]
        what = m["meeting"] or m["title"]
        note = "" if m["meeting_date"] else "（公告日，会议日期见公告）"
        out.append({"kind": "committee", "uid": f"meeting-{m['source']}-{m['native_project']}-{what}",
                    "date": day, "summary": f"{m['company']} 上市委审议 {what}{note}",
                    "description": f"{m['title']}\nThe listing committee reviews {m['company']}.",
                    "url": m["url"]})  # fmt: skip
    where, params = _in(company_ids, "company_id")
    for _cid, company, subject, due in conn.execute(
        "SELECT company_id, company, subject, due_date FROM clocks WHERE kind = 'hk_lapse'"
        f" AND closed_by IS NULL AND due_date >= ?{where}", [since, *params]
    ):  # fmt: skip
        out.append({"kind": "hk_lapse", "uid": f"lapse-{subject}-{due}", "date": due,
                    "summary": f"{company} 港股申请失效日", "description":
                    f"{company}: the HKEX application proof lapses unless heard ({subject}).",
                    "url": None})  # fmt: skip
    for code, _cid, company, listed in conn.execute(
        "SELECT l.stock_code, l.company_id, coalesce(c.name, l.name), l.listing_date FROM"
        " hkex_new_listings l LEFT JOIN companies c ON c.id = l.company_id WHERE"
        f" l.listing_date >= ?{where.replace('company_id', 'l.company_id')}", [since, *params]
    ):  # fmt: skip
        out.append({"kind": "listing", "uid": f"listing-hk-{code}", "date": listed,
                    "summary": f"{company} 上市（{code}.HK）",
                    "description": f"{company} expected to list on HKEX ({code}).", "url": None})  # fmt: skip
    for cid, company, source, listed in conn.execute(
        "SELECT s.company_id, c.name, s.source, s.status_date FROM company_status s JOIN"
        " companies c ON c.id = s.company_id WHERE s.status = 'listed' AND s.source <> 'hkex_listings'"
        f" AND s.status_date >= ?{where.replace('company_id', 's.company_id')}", [since, *params]
    ):  # fmt: skip
        out.append({"kind": "listing", "uid": f"listing-{source}-{cid}", "date": listed,
                    "summary": f"{company} 上市", "description": f"{company} lists ({source}).",
                    "url": None})  # fmt: skip
    return sorted((e for e in out if e["date"]), key=lambda e: (e["date"], e["uid"]))


def build(conn, company_ids: list[int] | None, now: datetime, name: str = "filingwatch") -> bytes:
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("x-wr-calname", name)
    cal.add("x-wr-timezone", "Asia/Shanghai")
    for e in entries(conn, company_ids, now.date()):
        day = date.fromisoformat(e["date"])
        ev = Event()
        ev.add("uid", f"{e['uid']}@filingwatch")
        ev.add("dtstamp", now)
        ev.add("dtstart", day)
        ev.add("dtend", day + timedelta(days=1))
        ev.add("summary", e["summary"])
        ev.add("description", e["description"])
        ev.add("categories", [e["kind"]])
        if e["url"]:
            ev.add("url", e["url"])
        cal.add_component(ev)
    return cal.to_ical()
