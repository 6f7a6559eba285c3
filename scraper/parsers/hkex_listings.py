"""HKEXnews listing documents: New Listing Information pages, title search, latest announcements.

Contract: REPORT-csrc-hkex.md §5.
* New Listing Information (www2, Main Board and GEM): the table is found by its header text
  (Stock Code / 股份代號), not by class; columns are mapped by folded header words (stock name,
  new listing announcements, prospectuses, allotment results: the documented five columns; a
  listing date column is read when present) and an unknown header is TableMissing. Without a
  listing date column the listing day is the dealing day after the linked allotment results.
* Title search: the `titleSearchServlet.do` JSON, whose `result` is a JSON array serialised as a
  string, and the `titlesearch.xhtml` HTML result rows (td.release-time, td.stock-short-code,
  td.stock-short-name, div.headline, div.doc-link a) as the fallback.
* Latest announcements (`lcisehk…json`): `newsInfoLst[]` with title, lTxt, stock[].sc/.sn,
  relTime, webPath; only new-listing titles (全球發售, listing documents of an IPO type, offer
  price and allotment results) are kept.

Every document carries the file number of its PDF (`2026063000033`, the same in both languages),
so one document seen on several of these pages is one filing.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, timedelta
from urllib.parse import urljoin, urlsplit

from scraper.core import stages
from scraper.parsers.common import (
    BadPayload,
    ChallengePage,
    TableMissing,
    declared,
    html_text,
    load_json,
    looks_like_challenge,
    parse_html,
)
from scraper.parsers.hkex_common import (
    doc_date_from_path,
    doc_key,
    hk_date,
    hk_datetime,
    stock_code,
)

SOURCE = "hkex_listings"

# IPO subtypes of t1code=30000 Listing Documents (REPORT §5.2): one title-search query each.
IPO_SUBTYPES = {
    "30500": "Introduction",
    "30600": "Offer for Sale",
    "30700": "Offer for Subscription",
    "31000": "Placing of Securities of a Class New to Listing",
}

# (column, words that name it); first match wins per header cell. Header text is folded first
# (NFKC, no spaces, lower case, traditional -> simplified for the words below), so 股份代號,
# 股份代号, 股份 代號 and "STOCK CODE" all match. A header cell that names no known column is
# an unknown layout: TableMissing, never a silently dropped column.
_HEADER_COLUMNS = (
    ("code", ("stockcode", "股份代号", "证券代号", "股票代号", "代号")),
    ("listing_date", ("listingdate", "dateoflisting", "上市日期")),
    ("announcement", ("announcement", "上市公告")),
    ("prospectus", ("prospectus", "招股章程", "招股书", "上市文件")),
    ("allotment", ("allotment", "配发结果", "配售结果", "分配结果")),
    ("name", ("stockname", "companyname", "name", "股份名称", "股票名称", "公司名称", "名称")),
)
_FOLD = str.maketrans("號稱書發結売", "号称书发结卖")
DOC_COLUMNS = {  # column -> (report_type, stage the document evidences, title en, title zh)
    "announcement": ("new_listing_announcement", None, "New Listing Announcement", "新上市公告"),
    "prospectus": ("prospectus", stages.PROSPECTUS_PUBLISHED, "Prospectus", "招股章程"),
    "allotment": ("allotment_results", stages.ALLOTMENT_RESULTS, "Allotment Results", "配發結果"),
}
_UPDATED_RE = re.compile(r"(?:Updated|更新日期|更新)\s*[:：]?\s*([^<\n]{6,30})", re.IGNORECASE)

_PROSPECTUS_RE = re.compile(r"全球發售|全球发售|global\s+offering|招股章程|招股书|prospectus",
                            re.IGNORECASE)  # fmt: skip
_ALLOTMENT_RE = re.compile(r"配發結果|配发结果|allotment\s+results?", re.IGNORECASE)
_OFFER_RE = re.compile(r"發售價|发售价|offer\s+price|全球發售|全球发售|global\s+offering|公開發售|"
                       r"公开发售|public\s+offer|上市|listing", re.IGNORECASE)  # fmt: skip
_LISTING_DOC_RE = re.compile(r"上市文件|listing\s+documents?", re.IGNORECASE)
_IPO_TYPE_RE = re.compile(r"發售以供認購|发售以供认购|發售現有證券|发售现有证券|介紹|介绍|新類別|"
                          r"新类别|offer\s+for\s+subscription|offer\s+for\s+sale|introduction|"
                          r"class\s+new\s+to\s+listing", re.IGNORECASE)  # fmt: skip
_NOT_IPO_RE = re.compile(r"供股|公開招股|rights\s+issue|open\s+offer|債務證券|debt\s+securit|"
                         r"結構性產品|structured\s+product|衍生權證|derivative\s+warrant",
                         re.IGNORECASE)  # fmt: skip
_NO_MATCH_RE = re.compile(r"no\s+match|no\s+record|沒有相符|没有相符|沒有記錄|没有记录|找不到")


@dataclass
class ListingDoc:
    """One document about a new listing, from any of the three pages."""

    key: str  # PDF file number without `_c`
    stock_code: str | None
    name: str | None  # as that page prints it (full name on New Listing pages, short elsewhere)
    name_en: str | None
    title: str
    report_type: str  # prospectus | allotment_results | new_listing_announcement | listing_document
    stage: str | None  # the stage the document evidences
    date: str | None
    time: str | None
    url: str  # absolute PDF link
    board: str | None
    headline: str | None = None
    raw: dict = field(default_factory=dict)


@dataclass
class NewListingRow:
    stock_code: str
    name: str | None
    name_en: str | None
    board: str
    listing_date: str | None
    docs: list[ListingDoc]


@dataclass
class NewListingPage:
    updated: str | None
    rows: list[NewListingRow]
    lang: str  # en | zh


@dataclass
class TitleSearchResult:
    docs: list[ListingDoc]
    has_next: bool
    record_count: int | None


@dataclass
class Claim:
    """A stage a stock reached, with the day it did: the store turns these into stage events."""

    stock_code: str
    stage: str
    date: str | None
    board: str | None
    name: str | None
    name_en: str | None
    doc_key: str | None
    url: str | None
    title: str


# ---------------------------------------------------------------- New Listing Information


def board_of_path(path: str) -> str | None:
    p = path.lower()
    if "/gem" in p:
        return "gem"
    if "/sehk" in p or "main-board" in p:
        return "sehk"
    return None


@declared
def parse_new_listing_page(
    body: bytes | str, url: str, content_type: str | None = None, board: str | None = None
) -> NewListingPage:
    """Rows of the New Listing Information table. A page without the table raises TableMissing
    (ChallengePage for a WAF page); a table with no rows is a quiet board, not an error."""
    text = html_text(body, url, "New Listing Information page", content_type)
    doc = parse_html(text, url)
    board = board or board_of_path(urlsplit(url).path) or "sehk"
    table, columns, labels = _find_table(doc, url)
    if table is None:
        marker = looks_like_challenge(text)
        if marker:
            raise ChallengePage(f"challenge/verification page (marker {marker!r})", url)
        raise TableMissing("no table with a Stock Code / 股份代號 header", url)
    if not re.search(r"</table\s*>", text, re.IGNORECASE):
        raise BadPayload("page ends before </table>: truncated response", url)
    lang = "zh" if re.search(r"[\u4e00-\u9fff]", " ".join(labels)) else "en"
    rows: list[NewListingRow] = []
    for tr in table.iter("tr"):
        cells = tr.findall("td")
        if not cells:
            continue
        by_col = {col: cells[i] for i, col in columns.items() if i < len(cells)}
        code = stock_code(_text(by_col["code"])) if "code" in by_col else None
        if not code:
            continue
        name = _text(by_col["name"]) if "name" in by_col else None
        listing_date = hk_date(_text(by_col["listing_date"])) if "listing_date" in by_col else None
        docs = []
        for col, (rtype, stage, title_en, title_zh) in DOC_COLUMNS.items():
            cell = by_col.get(col)
            if cell is None:
                continue
            for a in cell.iter("a"):
                href = (a.get("href") or "").strip()
                key = doc_key(href)
                if not href or not key or href.startswith(("javascript:", "#")):
                    continue
                link = urljoin(url, href)
                docs.append(ListingDoc(
                    key=key, stock_code=code, name=name if lang == "zh" else None,
                    name_en=name if lang == "en" else None,
                    title=title_zh if lang == "zh" else title_en, report_type=rtype, stage=stage,
                    date=doc_date_from_path(link), time=None, url=link, board=board,
                    headline=title_en, raw={"page": url, "link_text": _text(a)},
                ))  # fmt: skip
        rows.append(NewListingRow(
            stock_code=code, name=name if lang == "zh" else None,
            name_en=name if lang == "en" else None, board=board, listing_date=listing_date,
            docs=docs,
        ))  # fmt: skip
    m = _UPDATED_RE.search(doc.text_content())
    return NewListingPage(updated=hk_date(m[1]) if m else None, rows=rows, lang=lang)


def fold_header(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text).split()).lower().translate(_FOLD)


def _find_table(doc, url: str = "") -> tuple[object | None, dict[int, str], list[str]]:
    for table in doc.iter("table"):
        for tr in table.iter("tr"):
            cells = [c for c in tr if c.tag in ("th", "td")]
            labels = [_text(c) for c in cells]
            folded = [fold_header(label) for label in labels]
            if not any(any(w in label for w in _HEADER_COLUMNS[0][1]) for label in folded):
                continue
            columns: dict[int, str] = {}
            for i, label in enumerate(folded):
                for col, words in _HEADER_COLUMNS:
                    if col not in columns.values() and any(w in label for w in words):
                        columns[i] = col
                        break
                else:
                    if label:
                        raise TableMissing(f"New Listing table: unknown header {labels[i]!r}"
                                           f" among {labels}", url)  # fmt: skip
            if "name" not in columns.values():
                raise TableMissing(f"New Listing table without a name column: {labels}", url)
            return table, columns, labels
    return None, {}, []


@declared
def merge_new_listing_rows(*pages: NewListingPage) -> list[NewListingRow]:
    """The English and Chinese pages of one board, joined by stock code: both names, every link
    (a document on both pages keeps the Chinese page's title and `_c.pdf` link)."""
    merged: dict[str, NewListingRow] = {}
    for page in sorted(pages, key=lambda p: p.lang != "zh"):
        for row in page.rows:
            have = merged.get(row.stock_code)
            if have is None:
                merged[row.stock_code] = NewListingRow(row.stock_code, row.name, row.name_en,
                                                       row.board, row.listing_date, list(row.docs))  # fmt: skip
                continue
            have.name = have.name or row.name
            have.name_en = have.name_en or row.name_en
            have.listing_date = have.listing_date or row.listing_date
            keys = {(d.key, d.report_type) for d in have.docs}
            have.docs += [d for d in row.docs if (d.key, d.report_type) not in keys]
    for row in merged.values():
        for d in row.docs:
            d.name, d.name_en = row.name, row.name_en
    return list(merged.values())


def listing_date_of(row: NewListingRow) -> str | None:
    """The row's listing date: a Listing Date column when a page has one; else (the documented
    five-column page has none) the dealing day the linked allotment results announce, which
    HKEX publishes on the business day before dealings start: the next weekday after the
    earliest allotment results document (a holiday in between is not known here)."""
    if row.listing_date:
        return row.listing_date
    days = sorted(d.date for d in row.docs if d.report_type == "allotment_results" and d.date)
    if not days:
        return None
    day = date.fromisoformat(days[0]) + timedelta(days=1)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day.isoformat()


@declared
def row_claims(row: NewListingRow, today: date) -> list[Claim]:
    """Prospectus and allotment links date those stages; the listing date (a Listing Date
    column, else the dealing day after the allotment results) on or before today is the
    listing."""
    claims = []
    for d in row.docs:
        if d.stage:
            claims.append(Claim(row.stock_code, d.stage, d.date, row.board, row.name, row.name_en,
                                d.key, d.url, d.title))  # fmt: skip
    listing_date = listing_date_of(row)
    if listing_date and listing_date <= today.isoformat():
        claims.append(Claim(row.stock_code, stages.LISTED, listing_date, row.board, row.name,
                            row.name_en, None, None, "Listed / 上市"))  # fmt: skip
    return claims


# ---------------------------------------------------------------- title search


def classify_listing_doc(title: str, headline: str | None = None,
                         ipo_query: bool = False) -> tuple[str, str | None] | None:  # fmt: skip
    """(report_type, stage) of a new-listing document, or None when the title is not about one.

    `ipo_query`: the document came from a title search restricted to an IPO subtype, so any
    listing document there is the offering document of a new listing.
    """
    text = f"{title or ''} {headline or ''}"
    if _ALLOTMENT_RE.search(text) and _OFFER_RE.search(text) and not _NOT_IPO_RE.search(text):
        return "allotment_results", stages.ALLOTMENT_RESULTS
    if _NOT_IPO_RE.search(text):
        return None
    if _PROSPECTUS_RE.search(title or ""):
        return "prospectus", stages.PROSPECTUS_PUBLISHED
    if ipo_query or (
        _LISTING_DOC_RE.search(headline or "") and _IPO_TYPE_RE.search(headline or "")
    ):
        return "listing_document", stages.PROSPECTUS_PUBLISHED
    return None


def _listing_doc(key_path: str, base_url: str, code, name, title, headline, when, raw,
                 ipo_query: bool, lang: str) -> ListingDoc | None:  # fmt: skip
    kind = classify_listing_doc(title, headline, ipo_query)
    key = doc_key(key_path)
    if kind is None or not key:
        return None
    day, hhmm = hk_datetime(when)
    link = urljoin(base_url.rstrip("/") + "/", key_path)
    return ListingDoc(
        key=key, stock_code=stock_code(code), name=name if lang == "zh" else None,
        name_en=name if lang != "zh" else None, title=title or kind[0], report_type=kind[0],
        stage=kind[1], date=day or doc_date_from_path(key_path), time=hhmm, url=link,
        board=board_of_path(key_path), headline=headline, raw=raw,
    )  # fmt: skip


@declared
def parse_title_search_json(
    body: bytes | str, url: str, base_url: str, *, ipo_query: bool = True, lang: str = "zh",
    headline: str | None = None,
) -> TitleSearchResult:  # fmt: skip
    """`titleSearchServlet.do`: `result` is a JSON array inside a JSON string (json.loads twice)."""
    data = load_json(body, url)
    if not isinstance(data, dict) or "result" not in data:
        raise BadPayload("title search JSON without a result field", url)
    result = data.get("result")
    if isinstance(result, str):
        if result.strip() in ("", "null"):
            records = []
        else:
            try:
                import json

                records = json.loads(result)
            except ValueError as exc:
                raise BadPayload(f"result is not a JSON array string ({exc})", url) from None
    else:
        records = result or []
    if not isinstance(records, list):
        raise BadPayload("result is not a list of records", url)
    docs = []
    for rec in records:
        if not isinstance(rec, dict) or not rec.get("FILE_LINK"):
            continue
        doc = _listing_doc(
            rec["FILE_LINK"], base_url, rec.get("STOCK_CODE"), rec.get("STOCK_NAME"),
            str(rec.get("TITLE") or "").strip(), headline, rec.get("DATE_TIME"),
            {"news_id": rec.get("NEWS_ID"), "file_info": rec.get("FILE_INFO"),
             "file_type": rec.get("FILE_TYPE"), "endpoint": "titleSearchServlet"},
            ipo_query, lang,
        )  # fmt: skip
        if doc:
            docs.append(doc)
    count = data.get("recordCnt")
    return TitleSearchResult(docs=docs, has_next=bool(data.get("hasNextRow")),
                             record_count=int(count) if str(count or "").isdigit() else None)  # fmt: skip


@declared
def parse_title_search_html(
    body: bytes | str, url: str, base_url: str, *, ipo_query: bool = True, lang: str = "zh",
    content_type: str | None = None,
) -> TitleSearchResult:  # fmt: skip
    """`titlesearch.xhtml` (POST form) result rows; "no match" is an empty result, a page with
    neither rows nor a record count is TableMissing."""
    text = html_text(body, url, "title search result", content_type)
    doc = parse_html(text, url)
    for span in doc.xpath('//span[contains(@class, "mobile-list-heading")]'):
        span.drop_tree()
    total_el = doc.xpath('//*[contains(@class, "total-records")]')
    total = None
    if total_el:
        m = re.search(r"(\d[\d,]*)", _text(total_el[0]))
        total = int(m[1].replace(",", "")) if m else None
    rows = doc.xpath('//tr[td[contains(@class, "release-time")]]')
    if not rows and not total_el:
        if _NO_MATCH_RE.search(doc.text_content()):
            return TitleSearchResult([], False, 0)
        marker = looks_like_challenge(text)
        if marker:
            raise ChallengePage(f"challenge/verification page (marker {marker!r})", url)
        raise TableMissing("no title-search result rows and no record count", url)
    docs = []
    for tr in rows:
        when = _text(_first(tr, "release-time"))
        code = _text(_first(tr, "stock-short-code"))
        name = _text(_first(tr, "stock-short-name"))
        headline = _text(_first(tr, "headline")) or None
        for a in tr.xpath('.//div[contains(@class, "doc-link")]//a[@href]'):
            size = a.getparent().xpath('.//span[contains(@class, "attachment_filesize")]')
            d = _listing_doc(a.get("href"), base_url, code, name, _text(a), headline, when,
                             {"file_info": _text(size[0]) if size else None,
                              "endpoint": "titlesearch.xhtml"}, ipo_query, lang)  # fmt: skip
            if d:
                docs.append(d)
    return TitleSearchResult(docs=docs, has_next=False, record_count=total)


# ---------------------------------------------------------------- latest announcements


@declared
def parse_latest_json(body: bytes | str, url: str, base_url: str, today: date | None = None
                      ) -> list[ListingDoc]:  # fmt: skip
    """`lcisehk…json` `newsInfoLst[]`, keeping only documents about a new listing."""
    data = load_json(body, url)
    if not isinstance(data, dict) or not isinstance(data.get("newsInfoLst"), list):
        raise BadPayload("JSON without a newsInfoLst[] list", url)
    lang = "en" if re.search(r"e_\d+\.json$", urlsplit(url).path) else "zh"
    docs = []
    for item in data["newsInfoLst"]:
        if not isinstance(item, dict) or not item.get("webPath"):
            continue
        title = str(item.get("title") or "").strip()
        headline = str(item.get("lTxt") or "").strip() or None
        stocks = [s for s in item.get("stock") or [] if isinstance(s, dict)]
        first = stocks[0] if stocks else {}
        kind = classify_listing_doc(title, headline)
        if kind is None:
            continue
        day, hhmm = hk_datetime(item.get("relTime"), today)
        link = urljoin(base_url.rstrip("/") + "/", item["webPath"])
        key = doc_key(item["webPath"])
        if not key:
            continue
        docs.append(ListingDoc(
            key=key, stock_code=stock_code(first.get("sc")),
            name=first.get("sn") if lang == "zh" else None,
            name_en=first.get("sn") if lang == "en" else None, title=title or kind[0],
            report_type=kind[0], stage=kind[1], date=day or doc_date_from_path(item["webPath"]),
            time=hhmm, url=link, board=board_of_path(item["webPath"]), headline=headline,
            raw={"endpoint": "latest", "news_id": item.get("newsId") or item.get("id"),
                 "stocks": [[s.get("sc"), s.get("sn")] for s in stocks]},
        ))  # fmt: skip
    return docs


def doc_claims(docs: list[ListingDoc]) -> list[Claim]:
    return [Claim(d.stock_code, d.stage, d.date, d.board, d.name, d.name_en, d.key, d.url, d.title)
            for d in docs if d.stage and d.stock_code]  # fmt: skip


@declared
def listing_filings(docs: list[ListingDoc], page_url: str) -> list:
    """One Filing per document (native id = PDF file number, shared by all three pages)."""
    from scraper.core.records import Filing

    out = []
    for d in docs:
        out.append(Filing(
            source=SOURCE, native_id=f"doc:{d.key}", company=d.name or d.name_en or "",
            kind="hk_listing_document", title=d.title, report_type=d.report_type,
            status=d.stage, status_raw=d.headline, regulator="HKEX", board=d.board,
            event_date=d.date, disclosed_date=d.date, url=page_url, pdf_url=d.url,
            company_en=d.name_en, stock_code=d.stock_code,
            raw={**d.raw, "time": d.time, "name_as_published": d.name or d.name_en},
        ))  # fmt: skip
    return out


def _first(tr, cls: str):
    found = tr.xpath(f'.//*[contains(@class, "{cls}")]')
    return found[0] if found else None


def _text(el) -> str:
    if el is None:
        return ""
    return re.sub(r"\s+", " ", el.text_content()).strip()
