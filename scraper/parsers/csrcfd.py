"""CSRC tutoring list (eid.csrc.gov.cn/csrcfd): list page HTML -> tutoring records.

Layout per shared/sources REPORT-csrc-hkex.md §1.3: table.m-table2, eight <td> per row
(序号, 辅导对象, 辅导机构, 备案时间, 辅导状态, 派出机构, 报告类型, 报告标题), the PDF path in
downloadPdf1('…') on the <tr> or one of its <td>s (the report's two documented places), else on an
<a> inside a cell: its onclick, or its href="javascript:downloadPdf1(…)" (not documented for
csrcfd; the usual way to put a script link on an anchor, so read too rather than lose the PDF).
"""

from __future__ import annotations

import functools
import hashlib
import re
import unicodedata
from dataclasses import dataclass, field
from urllib.parse import unquote, urlsplit

import cn2an
from lxml import etree

from scraper.core.timeutil import parse_date
from scraper.parsers.common import (
    BadPayload,
    ChallengePage,
    TableMissing,
    ZeroRows,
    declared,
    decode_html,
    html_text,
    looks_like_challenge,
)

SOURCE = "csrcfd"

STATUS_MAP = {
    "辅导备案": "tutoring",
    "辅导中": "tutoring",
    "辅导验收": "tutoring_done",
    "辅导工作完成": "tutoring_done",
    "撤回辅导备案": "withdrawn",
    "终止辅导": "withdrawn",
}

# (needle in 报告类型 or title, normalised type); first match wins, so order matters.
REPORT_TYPES = (
    ("撤回", "withdrawal_report"),
    ("终止", "withdrawal_report"),
    ("备案报告", "filing_report"),
    ("进展", "progress_report"),
    ("总结", "summary_report"),
    ("完成", "completion_report"),
    ("验收", "completion_report"),
)

# Where a company name ends inside a report title (REPORT §1.4); the earliest hit wins.
_TITLE_CUTS = (
    "首次公开发行",
    "向不特定合格投资者",
    "公开发行",
    "上市辅导",
    "辅导备案",
    "辅导工作",
    "辅导进展",
    "辅导验收",
    "辅导总结",
)

_ONCLICK_RE = re.compile(r"downloadPdf1\s*\(\s*['\"]([^'\"]+)['\"]")
_ONCLICK_DATE_RE = re.compile(r"['\"](\d{4}-\d{2}-\d{2})['\"]")
_PATH_DATE_RE = re.compile(r"/pre_ipo/(\d{4})/(\d{1,2})/(\d{1,2})/")
_BATCH_DATE_RE = re.compile(r"PREIPO_[A-Za-z0-9]+_[A-Za-z0-9]+_(\d{8})_")
_PERIOD_RE = re.compile(r"第\s*([0-9０-９]+|[零〇一二三四五六七八九十百两]+)\s*期")
# a period phrase before the report words: 第二十一期, （第5期）, 【第３期】, (第 12 期)
_TRAILING_PERIOD_RE = re.compile(
    r"[（(【\[〔]?\s*第\s*(?:[0-9０-９]+|[零〇一二三四五六七八九十百两]+)\s*期\s*[）)】\]〕]?\s*$"
)
_TOTAL_PAGES_RES = (
    re.compile(r"共\s*(?:<[^>]+>\s*)*(\d+)\s*(?:<[^>]+>\s*)*页"),
    re.compile(r"createPageHTML\(\s*['\"]?(\d+)"),
    re.compile(r"countPage\s*=\s*['\"]?(\d+)"),
)
_PAGE_LINK_RE = re.compile(r"index_(\d+)(?:_f)?\.html")
_UNSAFE_IN_PATH_RE = re.compile(r"[^A-Za-z0-9/%:@!$&'()*+,;=\-._~]+")
# Plain libxml2 elements (no lxml.html class lookup: 2x faster); no network, no huge trees.
_HTML_PARSER = etree.HTMLParser(no_network=True, remove_comments=True, huge_tree=False)


@dataclass
class TutoringRecord:
    """One row of the list: one report of one company."""

    native_id: str
    company: str
    company_source: str  # "cell", "cell_title", "inherited" or "title"
    broker: str | None
    filing_date: str | None
    status: str
    status_raw: str
    regulator: str | None
    report_type: str
    report_type_raw: str
    period: int | None
    title: str
    board: str | None
    pdf_path: str | None
    pdf_url: str | None
    disclosed_date: str | None
    flags: list[str] = field(default_factory=list)
    raw: dict = field(default_factory=dict)


@dataclass
class ListPage:
    records: list[TutoringRecord]
    total_pages: int | None
    max_page_link: int | None


@declared
def parse_list_page(body: bytes | str, url: str, content_type: str | None = None) -> ListPage:
    """Parse one list page. Raises ChallengePage / TableMissing / ZeroRows instead of returning []."""
    text = decode_html(body, content_type)
    marker = looks_like_challenge(text)
    if marker:
        raise ChallengePage(f"challenge/verification page (marker {marker!r})", url)
    text = html_text(text, url, "tutoring list page")
    try:
        doc = etree.fromstring(text, _HTML_PARSER)
    except (etree.ParserError, etree.XMLSyntaxError, ValueError) as exc:
        raise BadPayload(f"unparseable HTML ({exc})", url) from None
    if doc is None:
        raise TableMissing("no table.m-table2 on the page", url)
    tables = doc.xpath('//table[contains(concat(" ", normalize-space(@class), " "), " m-table2 ")]')
    if not tables:
        raise TableMissing("no table.m-table2 on the page", url)
    if not re.search(r"</table\s*>", text, re.IGNORECASE):
        # lxml closes a cut-off table silently; its last rows would be half rows
        raise BadPayload("page ends before </table>: truncated response", url)
    host = _host_of(url)
    records: list[TutoringRecord] = []
    previous_company: str | None = None
    for tr in tables[0].iter("tr"):
        tds = tr.findall("td")
        if len(tds) < 8:
            continue
        record = _parse_row(tr, tds, host, previous_company)
        previous_company = record.company or previous_company
        records.append(record)
    if not records:
        raise ZeroRows("table.m-table2 has no data rows", url)
    return ListPage(
        records=records, total_pages=_total_pages(text), max_page_link=_max_page_link(text)
    )


def _parse_row(tr, tds, host: str, previous_company: str | None) -> TutoringRecord:
    cells = [_text(td) for td in tds[:8]]
    _, company_cell, broker, filing_date_raw, status_raw, regulator, report_type_raw, title_cell = (
        cells
    )
    title = (tds[7].get("title") or "").strip() or title_cell
    title = _clean(title)
    flags: list[str] = []

    company, company_source = _company(company_cell, tds[1].get("title"), previous_company, title)
    if not company:
        flags.append("missing_company")

    status = STATUS_MAP.get(status_raw)
    if status is None:
        status = status_raw
        flags.append("unknown_status" if status_raw else "missing_status")

    report_type = _report_type(report_type_raw, title)
    if report_type is None:
        report_type = report_type_raw or "unknown"
        flags.append("unknown_report_type")

    onclick, onclick_on = tr.get("onclick"), "tr"
    if not onclick:
        onclick = next((td.get("onclick") for td in tds if td.get("onclick")), None)
        onclick_on = "td" if onclick else None
    if not onclick:
        onclick, onclick_on = _anchor_onclick(tr)
    pdf_path = None
    onclick_date = None
    if onclick:
        m = _ONCLICK_RE.search(onclick)
        if m:
            pdf_path = m[1].strip()
        m = _ONCLICK_DATE_RE.search(onclick)
        onclick_date = m[1] if m else None
    if not pdf_path:
        flags.append("missing_pdf")

    filing_date = parse_date(filing_date_raw)
    if filing_date_raw and not filing_date:
        flags.append("bad_filing_date")
    disclosed = disclosure_date(pdf_path) or onclick_date
    if not filing_date and not disclosed:
        flags.append("missing_date")

    key = pdf_path or f"{company}|{title}"
    native_id = hashlib.sha1(key.encode("utf-8")).hexdigest()[:20]
    return TutoringRecord(
        native_id=native_id,
        company=company or "",
        company_source=company_source,
        broker=broker or None,
        filing_date=filing_date,
        status=status,
        status_raw=status_raw,
        regulator=regulator or None,
        report_type=report_type,
        report_type_raw=report_type_raw,
        period=report_period(title) if report_type == "progress_report" else None,
        title=title,
        board=board_of(title),
        pdf_path=pdf_path,
        pdf_url=pdf_url(host, pdf_path) if pdf_path else None,
        disclosed_date=disclosed,
        flags=flags,
        raw=_raw(cells, tds, pdf_path, onclick_on),
    )


def _anchor_onclick(tr) -> tuple[str | None, str | None]:
    """downloadPdf1 on an <a> inside a cell: its onclick, else a javascript: href."""
    for a in tr.iter("a"):
        onclick = a.get("onclick") or ""
        if "downloadPdf1" in onclick:
            return onclick, "a"
        href = (a.get("href") or "").strip()
        if href[:11].lower() == "javascript:" and "downloadPdf1" in href:
            return unquote(href[11:]), "a_href"
    return None, None


def _raw(cells: list[str], tds, pdf_path: str | None, onclick_on: str | None) -> dict:
    """What the row said, without repeating what the cells already hold (raw sits on every row)."""
    raw: dict = {"cells": cells, "pdf_path": pdf_path, "onclick_on": onclick_on}
    for key, td, cell in (("company_title", tds[1], cells[1]), ("title_attr", tds[7], cells[7])):
        value = td.get("title")
        if value is not None and value.strip() != cell:
            raw[key] = value
    return raw


def _company(
    cell: str, cell_title: str | None, previous: str | None, title: str
) -> tuple[str, str]:
    cell = _clean(cell)
    cell_title = _clean(cell_title or "")
    if cell and not _looks_like_report(cell) and not _truncated(cell):
        return cell, "cell"
    if cell_title and not _looks_like_report(cell_title):
        return cell_title, "cell_title"
    if cell and not _looks_like_report(cell):
        return cell.rstrip(".…"), "cell"
    if not cell and previous:
        return previous, "inherited"
    from_title = company_from_title(title)
    return (from_title, "title") if from_title else ("", "missing")


def company_from_title(title: str) -> str | None:
    """Cut the company out of a report title: drop a broker prefix and 关于, stop at the report words."""
    text = _clean(title)
    if "关于" in text:
        text = text.split("关于", 1)[1]
    cuts = [i for i in (text.find(c) for c in _TITLE_CUTS) if i > 0]
    if not cuts:
        return None
    name = text[: min(cuts)].strip("《》“”\"' ")
    name = _TRAILING_PERIOD_RE.sub("", name).strip("《》“”\"' ")
    return name or None


def report_period(title: str) -> int | None:
    """第二十一期 / （第5期） / 第 ５ 期 -> 21 / 5 / 5, wherever it stands in the title."""
    m = _PERIOD_RE.search(title)
    if not m:
        return None
    token = unicodedata.normalize("NFKC", m[1])
    if token.isdigit():
        return int(token)
    return _chinese_number(token)


@functools.lru_cache(maxsize=256)
def _chinese_number(token: str) -> int | None:
    try:
        return int(cn2an.cn2an(token, "smart"))
    except (ValueError, KeyError):
        return None


def _report_type(column: str, title: str) -> str | None:
    for text in (column, title):
        for needle, kind in REPORT_TYPES:
            if text and needle in text:
                return kind
    return None


def board_of(title: str) -> str | None:
    if "科创板" in title:
        return "star"
    if "创业板" in title:
        return "chinext"
    if "北京证券交易所" in title or "北交所" in title:
        return "bse"
    return None


def disclosure_date(pdf_path: str | None) -> str | None:
    """From /pre_ipo/YYYY/M/D/, else the PREIPO_…_YYYYMMDD_ batch folder (upload day, may be a weekend)."""
    if not pdf_path:
        return None
    m = _PATH_DATE_RE.search(pdf_path)
    if m:
        return f"{int(m[1]):04d}-{int(m[2]):02d}-{int(m[3]):02d}"
    m = _BATCH_DATE_RE.search(pdf_path)
    if m:
        d = m[1]
        return f"{d[:4]}-{d[4:6]}-{d[6:]}"
    return None


def pdf_url(host: str, path: str) -> str:
    """Host + path, no /csrcfd segment; non-ASCII percent-encoded, existing escapes kept."""
    if path.startswith(("http://", "https://")):
        parts = urlsplit(path)
        host, path = f"{parts.scheme}://{parts.netloc}", parts.path
    if not path.startswith("/"):
        path = "/" + path
    return host + _UNSAFE_IN_PATH_RE.sub(_percent_encode, path)


_PERCENT = [f"%{b:02X}" for b in range(256)]


def _percent_encode(match: re.Match) -> str:
    return "".join(map(_PERCENT.__getitem__, match.group().encode("utf-8")))


def _host_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme or 'http'}://{parts.netloc or 'eid.csrc.gov.cn'}"


def _looks_like_report(text: str) -> bool:
    return text.startswith("关于") or "报告" in text


def _truncated(text: str) -> bool:
    return text.endswith(("...", "…"))


def _clean(text: str) -> str:
    return " ".join((text or "").split())


_TO_TEXT = etree.XPath("string()")


def _text(td) -> str:
    return " ".join(_TO_TEXT(td).split())


def _strip_xml_decl(text: str) -> str:
    return re.sub(r"^\s*<\?xml[^>]*\?>", "", text)


def _total_pages(text: str) -> int | None:
    for rx in _TOTAL_PAGES_RES:
        m = rx.search(text)
        if m:
            return int(m[1])
    return None


def _max_page_link(text: str) -> int | None:
    pages = [int(n) for n in _PAGE_LINK_RE.findall(text)]
    return max(pages) if pages else None


def to_filing(record: TutoringRecord, page_url: str):
    """The shared Filing shape for storage; the status column is the company's current stage."""
    from scraper.core.records import Filing

    return Filing(
        source=SOURCE,
        native_id=record.native_id,
        company=record.company,
        kind="tutoring_report",
        title=record.title,
        report_type=record.report_type,
        period=record.period,
        status=record.status,
        status_raw=record.status_raw,
        company_stage=record.status,
        # the tutoring stage is dated by the list's 备案时间 on every row of the company, so a
        # company first seen through a progress report still gets its filing date
        stage_date=record.filing_date if record.status == "tutoring" else record.disclosed_date,
        broker=record.broker,
        regulator=record.regulator,
        board=record.board,
        event_date=record.filing_date
        if record.report_type == "filing_report"
        else record.disclosed_date,
        disclosed_date=record.disclosed_date,
        url=page_url,
        pdf_url=record.pdf_url,
        flags=list(record.flags),
        raw={
            **record.raw,
            "filing_date": record.filing_date,
            "company_source": record.company_source,
        },
    )
