"""SSE 上市交易公告: the exchange's notice that a company's shares start trading.

Per shared/sources REPORT-exchanges.md §1.3: notices live at
`/disclosure/announcement/listing/ipo/c/c_YYYYMMDD_<id>.shtml` (older ones under
`/disclosure/announcement/listing/c/…`). No list API is known, so the spider reads the channel's
HTML list page(s) (`…/listing/ipo/index.shtml`, `index_N.shtml`) and opens each new notice.

A notice's title names the company (关于{公司}人民币普通股股票科创板上市交易的公告); its body
gives the trading date (将于2026年7月27日在本所科创板上市交易), the stock code and short name
(证券简称为“长鑫科技”，证券代码为“688825”) and the notice number (上证公告（股票）〔2026〕21号).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urljoin

from scraper.core import stages
from scraper.core.names import legal_name_in
from scraper.core.records import Filing
from scraper.core.timeutil import parse_date
from scraper.parsers.common import (
    TableMissing,
    ZeroRows,
    declared,
    html_document,
    html_text,
    parse_html,
)

SOURCE = "sse_notices"

_LINK_RE = re.compile(
    r"/disclosure/announcement/listing/(?:ipo/|stock/)?c/(c_(\d{8})_\d+)\.s?html?"
)
_LISTING_TITLE = ("上市交易的公告", "上市交易公告", "上市的公告")
_TRADE_DATE_RE = re.compile(
    r"(?:将于|定于|自)\s*(\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日)\s*(?:起)?\s*在本所"
)
_CODE_RE = re.compile(r"(?:证券|股票|A股)代码(?:为|：|:)?\s*[“\"'「]?\s*(\d{6})")
_SHORT_RE = re.compile(
    r"(?:证券|股票|A股)简称(?:为|：|:)?\s*[“\"'「]\s*([^”\"'」]{2,12})\s*[”\"'」]"
)
_NOTICE_NO_RE = re.compile(
    r"上证公告[（(]股票[）)]\s*[〔\[［(（]?\s*(\d{4})\s*[〕\]］)）]?\s*(\d+)\s*号"
)
_BOARD = (("科创板", "star"), ("主板", "main"))


@dataclass
class NoticeLink:
    native_id: str  # c_20260724_10826610
    url: str
    title: str
    date: str | None  # list date, else the date in the path


@dataclass
class ListPage:
    links: list[NoticeLink]
    total_pages: int | None


@declared
def parse_list(body: bytes | str, url: str) -> ListPage:
    """The channel list page -> links to listing notices (other notices on the page are skipped)."""
    text = html_text(body, url, "SSE notice list")  # the pager is read from the text too
    doc = parse_html(text, url)
    anchors = doc.xpath("//a[@href]")
    if not anchors:
        raise TableMissing("SSE notice list has no links", url)
    links: list[NoticeLink] = []
    seen: set[str] = set()
    all_notices = 0
    for a in anchors:
        href = a.get("href") or ""
        m = _LINK_RE.search(href)
        if not m:
            continue
        all_notices += 1
        title = re.sub(r"\s+", "", a.get("title") or a.text_content() or "")
        if m[1] in seen or not any(t in title for t in _LISTING_TITLE):
            continue
        seen.add(m[1])
        row = a.getparent()
        date = None
        if row is not None:
            for span in row.xpath(".//span|.//em|.//i"):
                date = parse_date(span.text_content())
                if date:
                    break
        if not date:
            d = m[2]
            date = f"{d[:4]}-{d[4:6]}-{d[6:]}"
        links.append(NoticeLink(m[1], urljoin(url, href), title, date))
    if all_notices == 0:
        raise ZeroRows("SSE notice list shows no notice links", url)
    pages = None
    for pattern in (r"createPageHTML\(\s*['\"]?[\w-]*['\"]?\s*,\s*(\d+)", r"共\s*(\d+)\s*页",
                    r"pageCount\s*[=:]\s*['\"]?(\d+)"):  # fmt: skip
        pm = re.search(pattern, text)
        if pm:
            pages = int(pm[1])
            break
    return ListPage(links, pages)


@dataclass
class Notice:
    company: str
    listing_date: str | None
    stock_code: str | None
    short_name: str | None
    notice_no: str | None
    title: str


@declared
def parse_notice(body: bytes | str, url: str) -> Notice:
    doc = html_document(body, url)
    title = ""
    for xp in ("//h2", "//h1", "//*[contains(@class,'article-title')]", "//title"):
        nodes = doc.xpath(xp)
        for node in nodes:
            candidate = re.sub(r"\s+", "", node.text_content())
            if any(t in candidate for t in _LISTING_TITLE):
                title = candidate
                break
        if title:
            break
    body_nodes = doc.xpath("//*[contains(@class,'allZoom') or contains(@class,'article-infor') "
                           "or @id='js_content' or contains(@class,'content')]")  # fmt: skip
    content = " ".join(n.text_content() for n in body_nodes) or doc.text_content()
    content = re.sub(r"\s+", "", content)
    company = legal_name_in(title) or legal_name_in(content) or ""
    m = _TRADE_DATE_RE.search(content)
    listing = parse_date(m[1]) if m else None
    code = _CODE_RE.search(content)
    short = _SHORT_RE.search(content)
    no = _NOTICE_NO_RE.search(content)
    if not title and not company:
        raise TableMissing("no listing-notice title or company on the notice page", url)
    return Notice(
        company=company,
        listing_date=listing,
        stock_code=code[1] if code else None,
        short_name=short[1] if short else None,
        notice_no=f"上证公告（股票）〔{no[1]}〕{no[2]}号" if no else None,
        title=title or f"关于{company}上市交易的公告",
    )


def to_filing(link: NoticeLink, notice: Notice) -> Filing:
    flags = []
    if not notice.listing_date:
        flags.append("no_listing_date")
    if not notice.stock_code:
        flags.append("no_stock_code")
    board = next((b for needle, b in _BOARD if needle in notice.title), None)
    if board is None and notice.stock_code:
        board = "star" if notice.stock_code.startswith("688") else "main"
    return Filing(
        source=SOURCE,
        native_id=link.native_id,
        company=notice.company,
        kind="listing_notice",
        title=notice.title,
        report_type="listing_notice",
        status=stages.LISTED,
        status_raw=notice.notice_no,
        company_stage=stages.LISTED,
        regulator="上海证券交易所",
        board=board,
        event_date=notice.listing_date or link.date,
        disclosed_date=link.date,
        url=link.url,
        stock_code=notice.stock_code,
        flags=flags,
        raw={"short_name": notice.short_name, "notice_no": notice.notice_no,
             "listing_date": notice.listing_date, "list_title": link.title},
    )  # fmt: skip
