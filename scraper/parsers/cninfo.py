"""cninfo (巨潮资讯) `POST /new/hisAnnouncement/query`: IPO documents (category_sf_szsh, 首发).

Envelope per shared/sources REPORT-exchanges.md §4: {totalAnnouncement, totalRecordNum,
announcements: [...] | null, hasMore, totalpages}. Records: secCode, secName, orgId,
announcementId, announcementTitle (with <em> highlights when isHLtitle=true),
announcementTime (epoch ms, a UTC instant: midnight Asia/Shanghai of the disclosure date),
adjunctUrl ("finalpage/YYYY-MM-DD/<id>.PDF"). PDF = pdf_base_url + adjunctUrl.

Titles are classified into document classes; a title that fits none is `other`, never dropped.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from urllib.parse import urlencode

from scraper.core import stages
from scraper.core.names import issuer_name_in
from scraper.core.records import Filing
from scraper.core.timeutil import epoch_ms_to_date, parse_date
from scraper.parsers.common import BadPayload, ZeroRows, declared, load_json

SOURCE = "cninfo"
DEFAULT_PDF_BASE = "http://static.cninfo.com.cn/"
DETAIL_URL = "http://www.cninfo.com.cn/new/disclosure/detail"

PROSPECTUS = "prospectus"
PROSPECTUS_SUMMARY = "prospectus_summary"
ISSUANCE_NOTICE = "issuance_notice"
ISSUANCE_RESULT = "issuance_result"
LISTING_ANNOUNCEMENT = "listing_announcement"
FIRST_DAY_RISK = "first_day_risk_notice"
OTHER = "other"

# (needles, class): the first class with a needle in the title wins, so order matters.
TITLE_CLASSES: tuple[tuple[tuple[str, ...], str], ...] = (
    (("上市首日风险提示", "首日上市风险提示"), FIRST_DAY_RISK),
    (("上市公告书",), LISTING_ANNOUNCEMENT),
    (("招股说明书摘要", "招股意向书摘要", "招股说明书提示性公告", "招股意向书提示性公告",
      "招股说明书及其摘要提示性公告"), PROSPECTUS_SUMMARY),
    (("招股说明书", "招股意向书"), PROSPECTUS),
    (("发行结果公告", "发行结果", "中签结果", "中签号码", "中签率", "配售结果", "网上申购情况",
      "发行情况"), ISSUANCE_RESULT),
    (("发行公告", "发行安排及初步询价", "初步询价", "路演公告", "投资风险特别公告",
      "发行提示公告", "申购提示"), ISSUANCE_NOTICE),
)  # fmt: skip

# The stage each class marks on the timeline; listing classes also state the company's stage.
CLASS_STAGE = {
    PROSPECTUS: stages.ISSUED, PROSPECTUS_SUMMARY: stages.ISSUED, ISSUANCE_NOTICE: stages.ISSUED,
    ISSUANCE_RESULT: stages.ISSUED, LISTING_ANNOUNCEMENT: stages.LISTED,
    FIRST_DAY_RISK: stages.LISTED,
}  # fmt: skip
# Pre-disclosed draft prospectuses say where the review is, not that shares are being issued.
DRAFT_STAGES = (("申报稿", stages.ACCEPTED), ("注册稿", stages.SUBMITTED_FOR_REGISTRATION),
                ("上会稿", None))  # fmt: skip

_TAG_RE = re.compile(r"<[^>]+>")
_BOARD_RE = (("科创板", "star"), ("创业板", "chinext"), ("北京证券交易所", "bse"), ("北交所", "bse"),
             ("主板", "main"))  # fmt: skip


@dataclass
class Page:
    filings: list[Filing]
    total: int | None  # totalAnnouncement: records in the whole query
    has_more: bool
    total_pages: int | None
    raw_count: int = 0


def clean_title(title: str | None) -> str:
    """Strip <em> highlights (and any tag), unescape entities, collapse spaces."""
    text = html.unescape(_TAG_RE.sub("", str(title) if title is not None else ""))
    return re.sub(r"\s+", " ", text).strip()


def classify(title: str) -> str:
    for needles, cls in TITLE_CLASSES:
        if any(n in title for n in needles):
            return cls
    return OTHER


def doc_stage(cls: str, title: str) -> str | None:
    if cls == PROSPECTUS:
        for needle, stage in DRAFT_STAGES:
            if needle in title:
                return stage
    return CLASS_STAGE.get(cls)


def board_of(title: str, code: str | None) -> str | None:
    for needle, board in _BOARD_RE:
        if needle in title:
            return board
    if code:
        if code.startswith("688") or code.startswith("689"):
            return "star"
        if code.startswith(("300", "301")):
            return "chinext"
        if code.startswith(("8", "4", "920")):
            return "bse"
        if code.startswith(("600", "601", "603", "605", "000", "001", "002", "003")):
            return "main"
    return None


@declared
def parse_query(
    body: bytes | str, url: str, *, pdf_base_url: str = DEFAULT_PDF_BASE, page_url: str = ""
) -> Page:
    """One response page -> Filings. An envelope without `announcements` is a BadPayload; an
    empty list on a first page is ZeroRows (the caller decides whether the range is empty)."""
    data = load_json(body, url)
    if not isinstance(data, dict) or "announcements" not in data:
        raise BadPayload("no 'announcements' key in the cninfo response", url)
    records = data.get("announcements") or []
    total = data.get("totalAnnouncement", data.get("totalRecordNum"))
    pages = data.get("totalpages") or None
    page = Page(filings=[], total=int(total) if total is not None else None,
                has_more=bool(data.get("hasMore")), total_pages=pages,
                raw_count=len(records))  # fmt: skip
    if not records:
        raise ZeroRows("cninfo returned no announcements", url)
    for rec in records:
        page.filings.append(to_filing(rec, pdf_base_url, page_url or url))
    return page


def to_filing(rec: dict, pdf_base_url: str, page_url: str) -> Filing:
    title = clean_title(rec.get("announcementTitle"))
    sec_name = clean_title(rec.get("secName")) or None
    code = (rec.get("secCode") or "").strip() or None
    cls = classify(title)
    legal = issuer_name_in(title, sec_name)
    company = legal or sec_name or ""
    day = epoch_ms_to_date(rec.get("announcementTime")) if rec.get("announcementTime") else None
    adjunct = (rec.get("adjunctUrl") or "").lstrip("/")
    if day is None:
        day = parse_date(adjunct)
    stage = doc_stage(cls, title)
    ann_id = str(rec.get("announcementId") or "")
    detail = None
    if ann_id:
        detail = DETAIL_URL + "?" + urlencode(
            {"stockCode": code or "", "announcementId": ann_id, "orgId": rec.get("orgId") or "",
             "announcementTime": day or ""}
        )  # fmt: skip
    return Filing(
        source=SOURCE,
        native_id=ann_id,
        company=company,
        kind="ipo_document",
        title=title,
        report_type=cls,
        status=stage,
        status_raw=cls,
        company_stage=stages.LISTED if stage == stages.LISTED else None,
        board=board_of(title, code),
        event_date=day,
        disclosed_date=day,
        url=detail or page_url,
        pdf_url=(pdf_base_url.rstrip("/") + "/" + adjunct) if adjunct else None,
        stock_code=code,
        raw={k: rec.get(k) for k in ("secCode", "secName", "orgId", "announcementId",
                                     "announcementTime", "adjunctUrl", "adjunctSize",
                                     "adjunctType", "announcementType", "columnId")},
    )  # fmt: skip
