"""SZSE listing notices: `annList` (company announcements, JSON) and the exchange's notice list.

Per shared/sources REPORT-exchanges.md §2:
* `POST /api/disc/announcement/annList` (JSON body: seDate, stock, channelCode
  ["listedNotice_disc"], bigCategoryId, bigIndustryCode, plateCode, pageSize, pageNum: no
  search key, so every issuer's announcements come back, newest first) -> `{announceCount, data: [{id, title "简称：标题", publishTime
  "YYYY-MM-DD HH:MM:SS", attachPath, secCode[], secName[]}]}`. The IPO category id is unknown,
  so titles are filtered: 上市公告书, 上市首日风险提示, 首次公开发行 (classes as for cninfo).
  PDF = https://disc.static.szse.cn/download + attachPath.
* the exchange's own notices (`/disclosure/notice/company/index.html`): items carry
  `var curHref = '…'; var curTitle = '…';` and `<span class="time">`; a stock-listing notice
  (关于{公司}人民币普通股股票在创业板上市的通知) states the listing date, code and short name in
  `#desContent`.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from urllib.parse import urljoin

from scraper.core import stages
from scraper.core.names import issuer_name_in, legal_name_in
from scraper.core.records import Filing
from scraper.core.timeutil import parse_date
from scraper.parsers import cninfo
from scraper.parsers.common import (
    BadPayload,
    TableMissing,
    ZeroRows,
    declared,
    html_document,
    load_json,
    to_int,
)

SOURCE = "szse_notices"
PDF_BASE = "https://disc.static.szse.cn/download"
DETAIL_URL = "https://www.szse.cn/disclosure/listed/bulletinDetail/index.html"

# Titles kept from annList: the IPO document classes (not other company announcements).
IPO_TITLE_NEEDLES = ("上市公告书", "上市首日风险提示", "首次公开发行", "招股说明书", "招股意向书")

_CUR_HREF_RE = re.compile(r"curHref\s*=\s*['\"]([^'\"]+)['\"]")
_CUR_TITLE_RE = re.compile(r"curTitle\s*=\s*['\"]([^'\"]+)['\"]")
_LISTING_NOTICE = ("上市的通知", "上市交易的通知", "上市交易的公告")
_SHARE_WORDS = ("股票", "普通股", "存托凭证")
_LIST_DATE_RE = re.compile(
    r"(?:将于|定于|自)\s*(\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日)\s*(?:起)?\s*在本所"
)
_CODE_RE = re.compile(r"(?:证券|股票)代码(?:为|：|:)?\s*[“\"'「]?\s*(\d{6})")
_SHORT_RE = re.compile(r"(?:证券|股票)简称(?:为|：|:)?\s*[“\"'「]\s*([^”\"'」]{2,12})\s*[”\"'」]")


@dataclass
class AnnPage:
    filings: list[Filing]  # IPO documents only
    count: int | None  # announceCount: matches of the whole query
    raw_count: int  # rows on this page before the title filter
    oldest: str | None = None  # the earliest publishTime date of any row (filtered or not)


def is_ipo_title(title: str) -> bool:
    return any(n in title for n in IPO_TITLE_NEEDLES)


@declared
def parse_ann_list(body: bytes | str, url: str) -> AnnPage:
    data = load_json(body, url)
    if not isinstance(data, dict) or "data" not in data:
        raise BadPayload("annList: no 'data' key", url)
    rows = data.get("data") or []
    if not isinstance(rows, list):
        raise BadPayload("annList: 'data' is not a list", url)
    count = data.get("announceCount")
    if count is not None and to_int(count) is None:
        raise BadPayload(f"annList: announceCount is not a number: {str(count)[:40]!r}", url)
    if not rows:
        raise ZeroRows("annList returned no announcements", url)
    filings, days = [], []
    for n, rec in enumerate(rows):
        if not isinstance(rec, dict):
            raise BadPayload(f"annList: item {n} is a {type(rec).__name__}, not an object", url)
        for key in ("title", "publishTime", "attachPath", "id", "annId"):
            if isinstance(rec.get(key), dict | list):
                raise BadPayload(f"annList: item {n} {key} is a {type(rec[key]).__name__}", url)
        day = parse_date(str(rec.get("publishTime") or ""))
        if day:
            days.append(day)
        if is_ipo_title(cninfo.clean_title(rec.get("title"))):
            filings.append(ann_filing(rec, url))
    return AnnPage(filings, to_int(count), len(rows), min(days) if days else None)


def _first(value) -> str | None:
    """secCode/secName arrive as a list of strings or one string."""
    if isinstance(value, list):
        value = value[0] if value else None
    return str(value) if isinstance(value, str | int) and str(value) else None


def ann_filing(rec: dict, page_url: str) -> Filing:
    title = cninfo.clean_title(rec.get("title"))
    code = _first(rec.get("secCode"))
    sec_name = _first(rec.get("secName"))
    head, sep, rest = title.partition("：")
    doc_title = rest if sep and len(head) <= 12 else title
    cls = cninfo.classify(doc_title)
    stage = cninfo.doc_stage(cls, doc_title)
    legal = issuer_name_in(doc_title, sec_name)
    company = legal or sec_name or (head if sep else "")
    day = parse_date(str(rec.get("publishTime") or ""))
    attach = str(rec.get("attachPath") or "")
    native = (
        str(rec.get("id") or rec.get("annId") or "") or hashlib.sha1(title.encode()).hexdigest()
    )
    return Filing(
        source=SOURCE,
        native_id=f"ann:{native}",
        company=company,
        kind="ipo_document",
        title=title,
        report_type=cls,
        status=stage,
        status_raw=cls,
        company_stage=None,  # the exchange's own notice states the listing, with its date
        regulator="深圳证券交易所",
        board=cninfo.board_of(doc_title, code),
        event_date=day,
        disclosed_date=day,
        url=f"{DETAIL_URL}?{rec['id']}" if rec.get("id") else page_url,
        pdf_url=(PDF_BASE + attach) if attach else None,
        stock_code=code,
        raw={k: rec.get(k) for k in ("id", "annId", "publishTime", "attachPath", "secCode",
                                     "secName", "channelCode", "bigCategoryId")},
    )  # fmt: skip


# ---------------------------------------------------------------- the exchange's notice list


@dataclass
class NoticeLink:
    native_id: str
    url: str
    title: str
    date: str | None


def is_listing_notice(title: str) -> bool:
    return (
        any(n in title for n in _LISTING_NOTICE)
        and any(w in title for w in _SHARE_WORDS)
        and ("债" not in title)
    )


@declared
def parse_notice_list(body: bytes | str, url: str) -> list[NoticeLink]:
    """List items -> links to stock-listing notices (bond notices and the rest skipped)."""
    doc = html_document(body, url)
    items = doc.xpath("//*[contains(@class,'newslist')]//li") or doc.xpath("//li[.//script]")
    if not items:
        raise TableMissing("SZSE notice list: no .newslist li items", url)
    links = []
    for li in items:
        script = " ".join(s.text_content() for s in li.xpath(".//script"))
        href = _CUR_HREF_RE.search(script)
        title = _CUR_TITLE_RE.search(script)
        if not href:
            a = li.xpath(".//a[@href]")
            if not a:
                continue
            href_v, title_v = a[0].get("href"), a[0].get("title") or a[0].text_content()
        else:
            href_v, title_v = href[1], title[1] if title else ""
        title_v = re.sub(r"\s+", "", title_v or "")
        date = None
        for span in li.xpath(".//span[contains(@class,'time')]"):
            date = parse_date(span.text_content())
        if not is_listing_notice(title_v):
            continue
        full = urljoin(url, href_v)
        m = re.search(r"(t\d{8}_\d+)", full)
        native = m[1] if m else hashlib.sha1(full.encode()).hexdigest()[:20]
        links.append(NoticeLink(f"notice:{native}", full, title_v, date))
    return links


@dataclass
class Notice:
    company: str
    listing_date: str | None
    stock_code: str | None
    short_name: str | None
    title: str


@declared
def parse_notice(body: bytes | str, url: str, list_title: str = "") -> Notice:
    doc = html_document(body, url)
    nodes = doc.xpath("//*[@id='desContent']")
    if not nodes:
        raise TableMissing("SZSE notice page has no #desContent", url)
    content = re.sub(r"\s+", "", nodes[0].text_content())
    title = list_title
    for node in doc.xpath("//h2|//*[contains(@class,'title')]"):
        candidate = re.sub(r"\s+", "", node.text_content())
        if is_listing_notice(candidate):
            title = candidate
            break
    m = _LIST_DATE_RE.search(content)
    code = _CODE_RE.search(content)
    short = _SHORT_RE.search(content)
    return Notice(
        company=legal_name_in(title) or legal_name_in(content) or "",
        listing_date=parse_date(m[1]) if m else None,
        stock_code=code[1] if code else None,
        short_name=short[1] if short else None,
        title=title,
    )


def notice_filing(link: NoticeLink, notice: Notice) -> Filing:
    flags = [f for f, v in (("no_listing_date", notice.listing_date),
                            ("no_stock_code", notice.stock_code)) if not v]  # fmt: skip
    return Filing(
        source=SOURCE,
        native_id=link.native_id,
        company=notice.company,
        kind="listing_notice",
        title=notice.title or link.title,
        report_type="listing_notice",
        status=stages.LISTED,
        status_raw="listing_notice",
        company_stage=stages.LISTED,
        regulator="深圳证券交易所",
        board=cninfo.board_of(notice.title or link.title, notice.stock_code),
        event_date=notice.listing_date or link.date,
        disclosed_date=link.date,
        url=link.url,
        stock_code=notice.stock_code,
        flags=flags,
        raw={"short_name": notice.short_name, "listing_date": notice.listing_date},
    )
