"""www.csrc.gov.cn searchList JSON: IPO registration approvals and overseas-listing filing notices.

Per shared/sources REPORT-csrc-hkex.md §3: the channelId comes from `getLocalList?channelCode=`
(`results.channelLevel[].channelId` of the entry whose channelCode matches) or from the channel
page's `<meta name="channelid">`; `GET /searchList/{channelId}?_isJson=true&page=N` returns
`data.{total, rows, page, results[]}`.

Date rule (one rule): `publishedTime` is a UTC epoch-ms instant and is the date source, converted
to Asia/Shanghai once (timeutil). `publishedTimeStr` is local (+08:00) wall time; it is used only
when `publishedTime` is missing, and a disagreement between the two is flagged.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

import lxml.html

from scraper.core import stages
from scraper.core.names import legal_name_in
from scraper.core.records import Filing
from scraper.core.timeutil import epoch_ms_to_date, parse_date
from scraper.parsers.common import (
    BadPayload,
    ChallengePage,
    ZeroRows,
    declared,
    decode_html,
    load_json,
    looks_like_challenge,
)
from scraper.parsers.common import to_int as _int

SOURCE = "csrc_approvals"

IPO_APPROVAL = "ipo_registration_approval"
OVERSEAS_FILING = "overseas_filing_notice"
OTHER_APPROVAL = "other_approval"
OTHER = "other"

# 关于同意{公司}首次公开发行股票注册的批复; BSE: 向不特定合格投资者公开发行股票注册的批复
_IPO_RE = re.compile(
    r"关于同意(?P<company>.+?)(?:首次公开发行(?:股票|存托凭证)?|向不特定合格投资者公开发行(?:股票)?)"
    r".{0,20}?注册的批复"
)
_APPROVAL_RE = re.compile(
    r"关于(?:同意|核准)(?P<company>.+?(?:股份有限公司|有限责任公司|有限公司))"
)
# 关于{公司}境外发行上市备案通知书 / 关于{公司}境外发行上市及境内未上市股份“全流通”备案通知书
_OVERSEAS_RE = re.compile(
    r"关于(?P<company>.+?)(?:境外发行上市|境外首次公开发行|发行境外上市外资股|H股全流通|境内未上市股份)"
)
_DOC_NO_RE = re.compile(
    r"(?P<kind>证监许可|国合函)\s*[〔\[［(（【]\s*(?P<year>\d{4})\s*[〕\]］)）】]\s*(?P<no>\d+)\s*号"
)
_META_CHANNEL_RE = re.compile(
    r"""<meta[^>]+name\s*=\s*["']channelid["'][^>]*content\s*=\s*["']([^"']+)["']"""
    r"""|<meta[^>]+content\s*=\s*["']([^"']+)["'][^>]*name\s*=\s*["']channelid["']""",
    re.IGNORECASE,
)


@dataclass
class Page:
    filings: list[Filing]
    total: int | None
    rows: int | None
    page: int | None
    channel_id: str | None

    @property
    def page_count(self) -> int | None:
        if not self.total or not self.rows:
            return None
        return -(-self.total // self.rows)


# ---------------------------------------------------------------- channel id lookups


@declared
def channel_id_from_local_list(body: bytes | str, channel_code: str, url: str = "") -> str:
    """`getLocalList?channelCode=c105906` -> the channelId of that channel."""
    data = load_json(body, url)
    levels = (
        ((data or {}).get("results") or {}).get("channelLevel") if isinstance(data, dict) else None
    )
    if not isinstance(levels, list):
        raise BadPayload("getLocalList: no results.channelLevel list", url)
    for level in levels:
        if (
            isinstance(level, dict)
            and level.get("channelCode") == channel_code
            and level.get("channelId")
        ):
            return str(level["channelId"])
    raise BadPayload(f"getLocalList: channel {channel_code} not listed", url)


@declared
def channel_id_from_page(body: bytes | str, url: str = "") -> str:
    """A channel's HTML page -> <meta name="channelid" content="…">."""
    text = decode_html(body)
    marker = looks_like_challenge(text)
    if marker:
        raise ChallengePage(f"challenge page (marker {marker!r})", url)
    m = _META_CHANNEL_RE.search(text)
    if m:
        return m[1] or m[2]
    try:
        doc = lxml.html.fromstring(text)
        values = doc.xpath("//meta[translate(@name,'CHANELID','chanelid')='channelid']/@content")
    except Exception:  # noqa: BLE001 - an unparsable page simply has no meta
        values = []
    if values:
        return str(values[0])
    raise BadPayload("channel page has no <meta name=channelid>", url)


# ---------------------------------------------------------------- dates and titles


def published_date(item: dict) -> tuple[str | None, list[str]]:
    """The one date rule: publishedTime (UTC epoch ms) -> Shanghai date; the string as fallback."""
    flags: list[str] = []
    from_ms = epoch_ms_to_date(item.get("publishedTime")) if item.get("publishedTime") else None
    from_str = parse_date(item.get("publishedTimeStr"))
    if from_ms and from_str and from_ms != from_str:
        flags.append("date_mismatch")
    return from_ms or from_str, flags


def doc_number(*texts: str | None) -> str | None:
    """证监许可〔2026〕1612号 / 国合函〔2024〕123号, normalised to 〔〕 brackets."""
    for text in texts:
        if not text:
            continue
        m = _DOC_NO_RE.search(text)
        if m:
            return f"{m['kind']}〔{m['year']}〕{m['no']}号"
    return None


def meta_value(item: dict, name: str) -> str | None:
    for block in item.get("domainMetaList") or []:
        for entry in (block or {}).get("resultList") or []:
            if entry.get("name") == name:
                value = entry.get("value")
                if value and value != "null":
                    return str(value)
    return None


def classify(title: str) -> tuple[str, str | None]:
    """(report type, company) from a title; unknown titles are `other` with whatever name fits."""
    m = _IPO_RE.search(title)
    if m:
        return IPO_APPROVAL, m["company"]
    if "备案" in title and ("境外" in title or "全流通" in title):
        m = _OVERSEAS_RE.search(title)
        return OVERSEAS_FILING, (m["company"] if m else legal_name_in(title))
    m = _APPROVAL_RE.search(title)
    if m and "批复" in title:
        return OTHER_APPROVAL, m["company"]
    return OTHER, legal_name_in(title)


def board_of(title: str) -> str | None:
    if "向不特定合格投资者" in title or "北京证券交易所" in title:
        return "bse"
    if "科创板" in title:
        return "star"
    if "创业板" in title:
        return "chinext"
    if "境外" in title:
        return "overseas"
    return None


# ---------------------------------------------------------------- list pages


@declared
def parse_search_list(body: bytes | str, url: str, *, base_url: str = "") -> Page:
    data = load_json(body, url)
    inner = data.get("data") if isinstance(data, dict) else None
    if isinstance(inner, dict) and isinstance(inner.get("data"), dict):
        inner = inner["data"]  # some deployments wrap once more
    if not isinstance(inner, dict) or "results" not in inner:
        if isinstance(data, dict) and "Auth Failed" in str(data)[:500]:
            raise ChallengePage("searchList answered 'Auth Failed' (IP ban)", url)
        raise BadPayload("searchList: no data.results", url)
    results = inner.get("results") or []
    page = Page(filings=[], total=_int(inner.get("total")), rows=_int(inner.get("rows")),
                page=_int(inner.get("page")), channel_id=inner.get("channelId"))  # fmt: skip
    if not results:
        raise ZeroRows("searchList returned no results", url)
    for item in results:
        page.filings.append(to_filing(item, url, base_url))
    return page


def item_url(item: dict, base_url: str) -> str | None:
    url = item.get("url")
    scheme = base_url.split("://", 1)[0] if "://" in base_url else "https"
    if url:
        return f"{scheme}:{url}" if url.startswith("//") else url
    if item.get("channelCodeName") and item.get("manuscriptId"):
        return (f"{scheme}://www.csrc.gov.cn/csrc/{item['channelCodeName']}/"
                f"c{item['manuscriptId']}/content.shtml")  # fmt: skip
    return None


@declared
def to_filing(item: dict, page_url: str, base_url: str = "") -> Filing:
    title = re.sub(r"\s+", "", str(item.get("title") or ""))
    report_type, company = classify(title)
    day, flags = published_date(item)
    number = doc_number(
        meta_value(item, "文号"), title, item.get("content"), item.get("contentHtml")
    )
    url = item_url(item, base_url)
    pdf = None
    for res in item.get("resList") or []:
        path = (res or {}).get("filePath")
        if path:
            pdf = path if "://" in path else (base_url.rstrip("/") + "/" + path.lstrip("/"))
            break
    native = (
        str(item.get("manuscriptId") or "")
        or hashlib.sha1(f"{title}|{url}".encode()).hexdigest()[:20]
    )
    stage = stages.REGISTERED if report_type == IPO_APPROVAL else None
    if report_type == IPO_APPROVAL and number is None:
        flags.append("no_doc_number")
    return Filing(
        source=SOURCE,
        native_id=native,
        company=(company or "").strip(),
        kind="csrc_notice",
        title=title,
        report_type=report_type,
        status=stage,
        status_raw=number,
        company_stage=stage,
        regulator="中国证监会",
        board=board_of(title),
        event_date=day,
        disclosed_date=day,
        url=url or page_url,
        pdf_url=pdf,
        flags=flags,
        raw={"doc_number": number, "manuscriptId": item.get("manuscriptId"),
             "publishedTime": item.get("publishedTime"),
             "publishedTimeStr": item.get("publishedTimeStr"),
             "channelName": item.get("channelName"), "channelCodeName": item.get("channelCodeName")},
    )  # fmt: skip
