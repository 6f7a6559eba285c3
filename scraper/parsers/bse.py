"""BSE IPO review (www.bse.cn `projectNewsController`): list, details, timeline, documents.

REPORT-exchanges.md §3. Bodies are JSONP `<callback>([ {...} ])` (or `null([...])` without a
callback); the payload is an array whose element [0] is the answer. Dates are Java Date objects
`{"time": <epoch ms>, ...}`: UTC instants, converted to Asia/Shanghai dates once, here.

Status codes conflict between the two crawlers that document them (REPORT §3 [CONFLICT]): the
case (`P01` vs `p01`, even a typo `po6`) is normalised; P07 (and BS's p07-1 注册 / p07-2 核准)
all mean the registration took effect; P08 is 不予注册 for one crawler and 核准 for the other, as
is `approveResult` 2 — these are resolved from the registration-result documents' titles
(不予注册 vs 同意…注册/核准) and otherwise kept raw and flagged, never guessed.
"""

from __future__ import annotations

import functools
import hashlib
import re
from typing import Any

from scraper.core import stages as st
from scraper.core.records import Filing, Project, StageStep
from scraper.core.timeutil import epoch_ms_to_date, epoch_ms_to_local, parse_date
from scraper.parsers.common import (
    BadPayload,
    ChallengePage,
    ZeroRows,
    declared,
    decode_html,
    load_json,
)
from scraper.parsers.common import clean_text as _clean
from scraper.parsers.common import code_text as _code
from scraper.parsers.common import to_int as _int
from scraper.parsers.review import ListPage, finish_timeline, with_current

SOURCE = "bse"
REGULATOR = "北交所"
BOARD = "bse"
PDF_BASE = "https://www.bse.cn"
PROJECT_PAGE = "https://www.bse.cn/audit/project_news_detail.html?id={}"

# The one mapping table (codes upper-cased): status -> (stage, label, detail).
STATUS_MAP: dict[str, tuple[str | None, str, str | None]] = {
    "P01": (st.ACCEPTED, "已受理", None),
    "P02": (st.INQUIRED, "已问询", None),
    "P03": (st.COMMITTEE_PASSED, "上市委会议通过", None),
    "P04": (st.COMMITTEE_FAILED, "上市委会议未通过", None),
    "P05": (st.COMMITTEE_DEFERRED, "上市委会议暂缓", None),
    "P06": (st.SUBMITTED_FOR_REGISTRATION, "提交注册", None),
    "P07": (st.REGISTERED, "注册生效", None),
    "P07-1": (st.REGISTERED, "注册", None),
    "P07-2": (st.REGISTERED, "核准", "approved"),
    "P09": (st.SUSPENDED, "中止", None),
    "P10": (st.TERMINATED, "终止", None),
}
# Codes whose meaning depends on which crawler is right; resolved from documents.
AMBIGUOUS = {"P08": "不予注册/核准"}
# listingCommitteeResult -> status code of the outcome
COMMITTEE_RESULTS = {"1": "P03", "2": "P04", "3": "P05"}

# xxgkInfo document keys and versions
XXGK_TYPES = {"GPFXSMS": "prospectus", "GPFXBJS": "sponsor_letter",
              "GPZJXCGPTJS": "listing_sponsor_letter", "SJBG": "audit_report",
              "FYYJS": "legal_opinion"}  # fmt: skip
XXGK_VERSIONS = {"SBG": "申报稿", "SYG": "上会稿", "BHG": "注册稿"}

# A verification page instead of JSONP (REPORT §3 cookie/WAF; BH's markers).
VERIFY_MARKERS = ("document.cookie", "c3vk", "访问验证", "开启javascript", "启用javascript")
_COOKIE_RE = re.compile(r"""document\.cookie\s*=\s*(["'])\s*([A-Za-z0-9_]+)\s*=\s*([^;"']*)""")


_PO_RE = re.compile(r"^PO(?=\d)")


def norm_code(value: Any) -> str:
    """'p07' -> 'P07', 'po6' -> 'P06', ' P07-1 ' -> 'P07-1'."""
    text = str(value or "").strip().upper()
    return _PO_RE.sub("P0", text) if text.startswith("PO") else text


def map_status(code: str) -> tuple[str | None, str | None, str | None, bool]:
    """(stage, label, detail, known). Ambiguous P08 -> (None, label, None, True) until resolved."""
    if code.__class__ is str and code in STATUS_MAP:  # already normalised (the table's keys are)
        return (*STATUS_MAP[code], True)
    code = norm_code(code)
    if code in STATUS_MAP:
        stage, label, detail = STATUS_MAP[code]
        return stage, label, detail, True
    if code in AMBIGUOUS:
        return None, AMBIGUOUS[code], None, True
    return code, None, None, False


def resolve_registration(titles: list[str]) -> str | None:
    """REGISTERED / REGISTRATION_REFUSED from 注册结果 document titles, or None when silent."""
    text = " ".join(titles)
    if _REFUSED_RE.search(text):
        return st.REGISTRATION_REFUSED
    if _APPROVED_RE.search(text):
        return st.REGISTERED
    return None


_REFUSED_RE = re.compile(r"不予.{0,40}?(注册|核准)|不同意.{0,40}?注册")
_APPROVED_RE = re.compile(r"同意.{0,40}?注册|核准")


def java_date(value: Any) -> str | None:
    """{"time": ms} / ms / "YYYY-MM-DD" -> ISO date in Asia/Shanghai."""
    if value.__class__ is str:  # the documents' common case, what the checks below give it
        if value.isdigit() and len(value) > 8:
            return epoch_ms_to_date(value)
        return parse_date(value)
    if value.__class__ is dict:  # a Java Date: the lists' and timelines' common case
        ms = value.get("time")
        if ms is not None and ms != "":
            return epoch_ms_to_date(ms)
    if value in (None, "", 0):
        return None
    if isinstance(value, dict):
        if value.get("time") not in (None, ""):
            return epoch_ms_to_date(value["time"])
        if value.get("year") is not None and value.get("month") is not None:
            try:
                return f"{int(value['year']) + 1900:04d}-{int(value['month']) + 1:02d}-{int(value.get('date') or 1):02d}"
            except (TypeError, ValueError):
                return None
        return None
    if isinstance(value, int | float) or (
        isinstance(value, str) and value.isdigit() and len(value) > 8
    ):
        return epoch_ms_to_date(value)
    return parse_date(str(value))


def java_stamp(value: Any) -> str | None:
    """Full local timestamp of a Java Date (for ordering and the update key)."""
    if value.__class__ is dict:  # the common case: what the checks below give an int epoch
        ms = value.get("time")
        if ms.__class__ is int:
            return _local_stamp(ms)
    if isinstance(value, dict) and value.get("time") not in (None, ""):
        value = value["time"]
    if isinstance(value, int | float) and not isinstance(value, bool):
        return _local_stamp(value)
    return java_date(value)


@functools.lru_cache(maxsize=16384)
def _local_stamp(ms: int | float) -> str | None:
    try:
        return epoch_ms_to_local(ms).replace(tzinfo=None).isoformat()
    except (TypeError, ValueError, OverflowError, OSError):
        return None


def verification_marker(text: str) -> str | None:
    """The marker when a body is the BSE cookie/verification page rather than data."""
    if text.lstrip()[:1] != "<":
        return None  # JSONP (`cb([...])`, `null([...])`) is data
    low = text[:20000].lower()
    if "<html" not in low and "<script" not in low:
        return None
    for marker in VERIFY_MARKERS:
        if marker.lower() in low:
            return marker
    return None


def home_cookies(body: bytes | str) -> dict[str, str]:
    """Cookies a page sets from script (`document.cookie="C3VK=…; path=/"`)."""
    text = decode_html(body)
    return {m[2]: m[3].strip() for m in _COOKIE_RE.finditer(text)}


def computed_cookie(body: bytes | str) -> bool:
    """The page names C3VK in its script but sets it from an expression, not a literal: the
    cookie cannot be read without running the site's JavaScript."""
    text = decode_html(body)
    return "c3vk" in text.lower() and "C3VK" not in home_cookies(text)


def _payload(body: bytes | str, url: str) -> dict:
    text = decode_html(body)
    marker = verification_marker(text)
    if marker:
        raise ChallengePage(f"BSE verification page (marker {marker!r})", url)
    data = load_json(text, url)
    if isinstance(data, list):
        data = data[0] if data else None
    if not isinstance(data, dict):
        raise BadPayload("expected [ {...} ] in the JSONP body", url)
    return data


@declared
def parse_list(body: bytes | str, url: str = "") -> ListPage:
    data = _payload(body, url)
    info = data.get("listInfo")
    if not isinstance(info, dict):
        raise BadPayload("no listInfo in the answer", url)
    rows = [r for r in info.get("content") or [] if isinstance(r, dict)]
    page = _int(info.get("number")) or 0
    page_count = _int(info.get("totalPages"))
    if not rows:
        raise ZeroRows(f"infoResult page {page} has no projects (totalElements="
                       f"{info.get('totalElements')})", url)  # fmt: skip
    last = bool(info.get("lastPage")) or (page_count is not None and page + 1 >= page_count)
    return ListPage(projects=[project_from_item(r) for r in rows], page=page,
                    page_count=page_count, total=_int(info.get("totalElements")), last=last)  # fmt: skip


def project_from_item(item: dict, board: str | None = None) -> Project:
    native_id = _code(item.get("id"))
    code = norm_code(item.get("status"))
    stage, label, _detail, known = map_status(code)
    flags = [] if known else ["unknown_status"]
    if code in AMBIGUOUS:
        flags.append("ambiguous_status")
    operating = java_date(item.get("operatingTime"))
    # positional, in Project's field order (tests/test_records.py pins it)
    return Project(
        SOURCE,  # source
        native_id,  # native_id
        _clean(item.get("companyName")),  # company
        BOARD,  # board
        stage,  # stage
        code,  # status_raw
        label,  # status_label
        _clean(item.get("stockName")) or None,  # company_short
        split_names(item.get("sponsorOrg")),  # sponsors
        _clean(item.get("lawyerOrg")) or None,  # law_firm
        _clean(item.get("accountingOrg")) or None,  # auditor
        _clean(item.get("appraisalOrg")) or None,  # valuer
        None,  # planned_raise
        None,  # industry_code
        None,  # industry
        _clean(item.get("registerAddress")) or None,  # province
        java_date(item.get("receiveDate")),  # accepted_date
        java_stamp(item.get("updateDate")),  # updated
        _clean(item.get("stockCode")) or None,  # stock_code
        PROJECT_PAGE.format(native_id),  # url
        flags,  # flags
        item,  # raw
        None,  # timeline
        operating,  # current_date
        "operating_time" if operating else None,  # current_date_source
    )  # fmt: skip


def split_names(value: Any) -> list[str]:
    """'A证券股份有限公司,B证券…' (joint sponsors in one field) -> names, in order."""
    return list(_split_names(_clean(value)))


@functools.lru_cache(maxsize=4096)
def _split_names(text: str) -> tuple[str, ...]:
    """Cached: a list names a few dozen sponsors over and over."""
    names = [n.strip() for n in _NAME_SEPARATORS_RE.split(text) if n.strip()]
    return tuple(dict.fromkeys(names))


_NAME_SEPARATORS_RE = re.compile(r"[,，;；、/]")


def timeline(status: dict, project: Project, registration_titles: list[str]) -> list[StageStep]:
    """projectStatus dates -> steps. Committee date: listingCommitteeResultDate or
    listingCommitteeDate (the two crawlers disagree on the key; either is read)."""
    steps: list[StageStep] = []

    def add(code: str, when: Any, label: str | None = None, detail: str | None = None):
        if when is None:
            return  # not reached (what java_date says of None)
        ms = when.get("time") if when.__class__ is dict else None
        if ms.__class__ is int:  # a Java Date: java_date and java_stamp of it, read once
            day, stamp = epoch_ms_to_date(ms), _local_stamp(ms)
        else:
            day, stamp = java_date(when), None
        if not day:
            return
        stage, mapped, mdetail, known = map_status(code)
        if stage is None:
            return
        if ms.__class__ is not int:
            stamp = java_stamp(when)
        # positional, in StageStep's field order (tests/test_records.py pins it)
        steps.append(StageStep(stage, code, label or mapped, day, stamp or day, None,
                               detail or mdetail, known))  # fmt: skip

    add("P01", status.get("receiveDate"))
    add("P02", status.get("inquiryDate"))
    result = _code(status.get("listingCommitteeResult"))
    when = status.get("listingCommitteeResultDate") or status.get("listingCommitteeDate")
    if result:
        code = COMMITTEE_RESULTS.get(result, f"listingCommitteeResult-{result}")
        add(code, when)
    add("P06", status.get("submitDate"))
    approve = _code(status.get("approveResult"))
    approve_day = status.get("approveResultDate")
    if approve == "1":
        add("P07", approve_day)
    elif approve == "3":
        steps_day = java_date(approve_day)
        if steps_day:
            steps.append(StageStep(stage=st.REGISTRATION_TERMINATED, status_raw="approveResult-3",
                                   label="终止注册", date=steps_day, sort_key=steps_day))  # fmt: skip
    elif approve:
        resolved = resolve_registration(registration_titles)
        day = java_date(approve_day)
        if day and resolved == st.REGISTERED:
            steps.append(StageStep(stage=st.REGISTERED, status_raw="P07", label="注册生效/核准",
                                   date=day, sort_key=day, detail="approved"))  # fmt: skip
        elif day and resolved == st.REGISTRATION_REFUSED:
            steps.append(StageStep(stage=st.REGISTRATION_REFUSED, status_raw="P08",
                                   label="不予注册", date=day, sort_key=day))  # fmt: skip
        elif day:  # unresolved: the list's ambiguous code (P08) if it has one, kept raw
            code = (
                project.status_raw
                if project.status_raw in AMBIGUOUS
                else f"approveResult-{approve}"
            )
            steps.append(StageStep(stage=code, status_raw=code, label=AMBIGUOUS.get(code),
                                   date=day, sort_key=day, known=False))  # fmt: skip
    add("P09", status.get("suspendDate"))
    add("P10", status.get("terminateDate"))
    return finish_timeline(steps)


def documents(data: dict, project: Project, pdf_base: str = PDF_BASE) -> list[Filing]:
    rows: list[tuple[str, str | None, dict]] = []
    xxgk = data.get("xxgkInfo") if isinstance(data.get("xxgkInfo"), dict) else {}
    for key, versions in xxgk.items():
        kind = XXGK_TYPES.get(key, "other")
        if isinstance(versions, dict):
            for version, items in versions.items():
                named = XXGK_VERSIONS.get(version, version)
                rows += [(kind, named, row) for row in items or []]
        elif isinstance(versions, list):
            rows.extend((kind, None, row) for row in versions)
    for row in data.get("wxhfhInfo") or []:
        title = _clean(row.get("disclosureTitle")) if isinstance(row, dict) else ""
        rows.append(("inquiry_reply" if "回复" in title else "inquiry_letter", None, row))
    for row in data.get("hyggjgInfo") or []:
        title = _clean(row.get("disclosureTitle")) if isinstance(row, dict) else ""
        rows.append(("committee_result" if "结果" in title else "committee_notice", None, row))
    for row in data.get("hztzInfo") or []:
        rows.append(("registration_result", None, row))
    out: list[Filing] = []
    seen: set[str] = set()
    broker = "、".join(project.sponsors) or None
    base = pdf_base.rstrip("/")
    prefix = f"{project.native_id}:"
    company, page = project.company, project.url
    sha1 = hashlib.sha1
    days: dict = {}  # publishDate text -> ISO day, for this call
    for kind, version, row in rows:
        if not isinstance(row, dict):
            continue
        get = row.get
        title = _clean(get("disclosureTitle"))
        path = _clean(get("destFilePath"))
        if not title and not path:
            continue
        key = path or f"{title}|{get('publishDate')}"
        native_id = prefix + sha1(key.encode()).hexdigest()[:16]
        if native_id in seen:
            continue
        seen.add(native_id)
        published = get("publishDate")
        if published.__class__ is str:  # one project's documents share a few days
            day = days.get(published, days)
            if day is days:
                day = days[published] = java_date(published)
        else:
            day = java_date(published)
        pdf_url = (base + path) if path.startswith("/") else (path or None)
        raw = {"project": project.native_id, "version": version, "destFilePath": path}
        # Filing positionally (what document_filing does, without its call: BSE sends the
        # most documents per project); tests/test_records.py pins the field order
        out.append(Filing(SOURCE, native_id, company, "exchange_document",
                          title or path.rsplit("/", 1)[-1], kind, None, None, None, None, None,
                          broker, REGULATOR, BOARD, day, day, page, pdf_url, None, None, [],
                          raw))  # fmt: skip
    return out


@declared
def parse_detail(
    body: bytes | str, url: str, project: Project, pdf_base: str = PDF_BASE
) -> tuple[Project, list[Filing]]:
    """`infoDetailResult.do?id=` -> the list project enriched, with its timeline and documents."""
    data = _payload(body, url)
    news = data.get("projectNews")
    status = data.get("projectStatus")
    if not isinstance(news, dict) and not isinstance(status, dict):
        raise BadPayload("no projectNews/projectStatus in the answer", url)
    news = news if isinstance(news, dict) else {}
    status = status if isinstance(status, dict) else {}
    project.sponsors = project.sponsors or split_names(news.get("sponsorOrg"))
    project.law_firm = project.law_firm or _clean(news.get("lawyerOrg")) or None
    project.auditor = project.auditor or _clean(news.get("accountingOrg")) or None
    project.valuer = project.valuer or _clean(news.get("appraisalOrg")) or None
    project.province = project.province or _clean(news.get("registerAddress")) or None
    project.company = project.company or _clean(news.get("companyName"))
    docs = documents(data, project, pdf_base)
    titles = [f.title for f in docs if f.report_type == "registration_result"]
    if project.status_raw in AMBIGUOUS:
        resolved = resolve_registration(titles)
        if resolved:
            project.stage = resolved
            project.flags = [f for f in project.flags if f != "ambiguous_status"]
        else:
            project.stage = project.status_raw
            project.flags = [*project.flags, "unknown_status"]
    project.timeline = with_current(project, timeline(status, project, titles))
    return project, docs
