"""Eastmoney datacenter mirror of the CSRC tutoring list (`reportName=RPT_IPO_TUTRECORD`).

Per shared/sources REPORT-csrc-hkex.md §1.6: `GET /api/data/v1/get?reportName=RPT_IPO_TUTRECORD
&columns=…&pageSize=500&pageNumber=N` -> `{success, result: {pages, count, data: [...]}}`, maybe
JSONP. Fields: TUTOR_OBJECT (company), TUTOR_ORG (broker), TUTOR_PROCESS_STATE (status),
REPORT_TYPE, DISPATCH_ORG (bureau), REPORT_TITLE, RECORD_DATE. It lags the CSRC list; it is a
cross-check (rows the CSRC list lacks are reported), not the primary source.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from scraper.core.records import Filing
from scraper.core.timeutil import parse_date
from scraper.parsers import csrcfd
from scraper.parsers.common import BadPayload, ZeroRows, declared, load_json
from scraper.parsers.common import to_int as _int

SOURCE = "eastmoney_tutoring"
REPORT_NAME = "RPT_IPO_TUTRECORD"
COLUMNS = ("TUTOR_OBJECT,ORG_CODE,TUTOR_ORG_CODE,TUTOR_ORG,TUTOR_PROCESS_STATE,REPORT_TYPE,"
           "DISPATCH_ORG,REPORT_TITLE,RECORD_DATE")  # fmt: skip


@dataclass
class Page:
    filings: list[Filing]
    pages: int | None
    count: int | None


@declared
def parse_page(body: bytes | str, url: str) -> Page:
    data = load_json(body, url)
    if not isinstance(data, dict):
        raise BadPayload("eastmoney: not a JSON object", url)
    result = data.get("result")
    if result is None:
        # {"success": false, "message": "返回数据为空", "code": 9201} is how an empty query answers
        raise ZeroRows(f"eastmoney: no result ({data.get('message') or data.get('code')})", url)
    if not isinstance(result, dict) or not isinstance(result.get("data"), list):
        raise BadPayload("eastmoney: result.data is not a list", url)
    rows = result["data"]
    if not rows:
        raise ZeroRows("eastmoney: empty result.data", url)
    for n, row in enumerate(rows):
        if not isinstance(row, dict):
            raise BadPayload(f"eastmoney: row {n} is a {type(row).__name__}, not an object", url)
        odd = [k for k in COLUMNS.split(",") if isinstance(row.get(k), dict | list)]
        if odd:  # a list's repr must never become a company name
            raise BadPayload(f"eastmoney: row {n} has non-text {', '.join(odd)}", url)
    return Page([to_filing(r, url) for r in rows], _int(result.get("pages")),
                _int(result.get("count")))  # fmt: skip


def _report_type(column: str, title: str) -> str | None:
    """The csrcfd report-type vocabulary, from the type column first, then the title."""
    for text in (column, title):
        for needle, kind in csrcfd.REPORT_TYPES:
            if text and needle in text:
                return kind
    return None


def to_filing(rec: dict, url: str) -> Filing:
    company = str(rec.get("TUTOR_OBJECT") or "").strip()
    title = (
        str(rec.get("REPORT_TITLE") or "").strip() or f"{company} {rec.get('REPORT_TYPE') or ''}"
    )
    status_raw = str(rec.get("TUTOR_PROCESS_STATE") or "").strip() or None
    status = csrcfd.STATUS_MAP.get(status_raw or "")
    flags = [] if status or not status_raw else ["unknown_status"]
    report_type = _report_type(str(rec.get("REPORT_TYPE") or ""), title)
    record_date = parse_date(str(rec.get("RECORD_DATE") or ""))
    key = "|".join(str(rec.get(k) or "") for k in ("TUTOR_OBJECT", "REPORT_TYPE", "REPORT_TITLE",
                                                     "RECORD_DATE"))  # fmt: skip
    return Filing(
        source=SOURCE,
        native_id=hashlib.sha1(key.encode("utf-8")).hexdigest()[:20],
        company=company,
        kind="tutoring_record",
        title=title,
        report_type=report_type,
        period=csrcfd.report_period(title),
        status=status or status_raw,
        status_raw=status_raw,
        company_stage=status or status_raw,
        broker=(rec.get("TUTOR_ORG") or None),
        regulator=(rec.get("DISPATCH_ORG") or None),
        event_date=record_date,
        disclosed_date=None,
        url=url,
        flags=flags,
        raw={k: rec.get(k) for k in ("TUTOR_OBJECT", "TUTOR_ORG", "TUTOR_PROCESS_STATE",
                                     "REPORT_TYPE", "DISPATCH_ORG", "REPORT_TITLE", "RECORD_DATE",
                                     "ORG_CODE")},
    )  # fmt: skip
