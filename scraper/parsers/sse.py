"""SSE IPO review (query.sse.com.cn): project list SH_XM_LB, timelines, disclosure documents.

REPORT-exchanges.md §1. Every call answers the same envelope, as JSON or as JSONP when a
`jsonCallBack` is sent; the rows are `pageHelp.data` (== `result`).

* list `statusAction.do` / `commonSoaQuery.do?sqlId=SH_XM_LB`: one item per project;
* `GP_GPZCZ_XMDTZTTLB` milestones and `GP_GPZCZ_XMDTZTYYLB` status events (with `reasonDesc`):
  the timeline, dated by `publishDate`;
* `GP_GPZCZ_SHXXPL` documents, PDF = `http://static.sse.com.cn/stock` + `filePath`.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

from scraper.core import stages as st
from scraper.core.names import legal_rank
from scraper.core.records import Filing, Project, StageStep
from scraper.core.timeutil import parse_date
from scraper.parsers.common import BadPayload, ZeroRows, declared, load_json
from scraper.parsers.common import clean_text as _clean
from scraper.parsers.common import code_text as _code
from scraper.parsers.common import to_float as _float
from scraper.parsers.common import to_int as _int
from scraper.parsers.review import ListPage, finish_timeline, termination_detail, with_current

SOURCE = "sse"
REGULATOR = "上交所"
PDF_BASE = "http://static.sse.com.cn/stock"
PROJECT_PAGE = "https://www.sse.com.cn/listing/renewal/ipo/index_listing_detail.shtml?auditId={}"

# issueMarketType -> board
BOARDS = {"1": "star", "2": "main"}
MARKET_TYPES = {board: code for code, board in BOARDS.items()}

# The one mapping table: status code -> (stage, label, detail). The code is `currStatus`, with
# the sub-result after a dash: commitiResult for 3 and 9, registeResult for 5, suspendStatus
# for 7 — the same keys as the list's `statistics`. Codes mapped to None are nodes without an
# outcome (a meeting not yet held): known, but no stage. RSSHub's and FastAPI's published
# tables are wrong (REPORT §1.1 [CONFLICT]); this follows the real data.
STATUS_MAP: dict[str, tuple[str | None, str, str | None]] = {
    "1": (st.ACCEPTED, "已受理", None),
    "2": (st.INQUIRED, "已问询", None),
    "3": (None, "上市委会议", None),
    "3-1": (st.COMMITTEE_PASSED, "上市委会议通过", None),
    "3-2": (st.COMMITTEE_PASSED, "上市委会议有条件通过", "conditional"),
    "3-3": (st.COMMITTEE_FAILED, "上市委会议未通过", None),
    "3-6": (st.COMMITTEE_DEFERRED, "暂缓审议", None),
    "4": (st.SUBMITTED_FOR_REGISTRATION, "提交注册", None),
    "5": (None, "注册结果", None),
    "5-1": (st.REGISTERED, "注册生效", None),
    "5-2": (st.REGISTRATION_REFUSED, "不予注册", None),
    "5-3": (st.REGISTRATION_TERMINATED, "终止注册", None),
    "6": (st.ISSUED, "已发行", None),
    "7": (st.SUSPENDED, "中止", None),
    "7-1": (st.SUSPENDED, "中止（财报更新）", "financial_update"),
    "7-2": (st.SUSPENDED, "中止（其他事项）", "other"),
    "8": (st.TERMINATED, "终止", None),
    "9": (None, "复审委会议", None),
    "9-4": (st.COMMITTEE_PASSED, "复审委会议通过", "reconsideration"),
    "9-5": (st.COMMITTEE_FAILED, "复审委会议不通过", "reconsideration"),
    "10": (st.SUPPLEMENTARY_REVIEW, "补充审核", None),
}

# i_intermediaryType: 1 保荐机构, 2 会计师事务所, 3 律师事务所, 4 资产评估机构, 5 资信评级机构
SPONSOR, AUDITOR, LAW_FIRM, VALUER = 1, 2, 3, 4

# fileType -> report_type (GP_GPZCZ_SHXXPL); LM's INQUERY=2 is a copy-paste error, ignored.
FILE_TYPES = {
    5: "inquiry_reply", 6: "inquiry_reply", 30: "prospectus", 32: "audit_report",
    33: "legal_opinion", 34: "other", 35: "registration_result", 36: "sponsor_letter",
    37: "listing_sponsor_letter", 38: "termination_decision",
}  # fmt: skip
FILE_VERSIONS = {1: "申报稿", 2: "上会稿", 3: "注册稿", 4: "结果"}

_NAME_SUFFIX_RE = re.compile(r"(首次公开发行|公开发行|向不特定).*$")
# `stockAuditName` suffixes of the board/offer kind (2026 lists: "XX科创板IPO项目").
_BOARD_SUFFIX_RE = re.compile(r"(?:在?(?:科创板|主板|沪市主板))?(?:首发|IPO|ipo)?项目$")

# GP_COMMON_FILE_SEARCH (2026 document search): `fileTypeMap` codes. No code table is published,
# so a code we have not mapped is classified by its title (the site's own file-type words) and
# kept verbatim in raw; a row neither says is `other` with the flag `unknown_file_type`.
FILE_TYPE_CODES: dict[str, str] = {}
FILE_SEARCH = "GP_COMMON_FILE_SEARCH"
TITLE_TYPES = (
    ("终止审核", "termination_decision"), ("注册的批复", "registration_result"),
    ("不予注册", "registration_result"), ("招股说明书", "prospectus"),
    ("招股意向书", "prospectus"), ("上市保荐书", "listing_sponsor_letter"),
    ("发行保荐书", "sponsor_letter"), ("审计报告", "audit_report"),
    ("财务报表", "audit_report"), ("法律意见书", "legal_opinion"),
    ("回复", "inquiry_reply"), ("问询函", "inquiry_letter"),
)  # fmt: skip


def status_code(curr: Any, commiti: Any = "", registe: Any = "", suspend: Any = "") -> str:
    """currStatus plus its sub-result: 5 + registeResult 1 -> "5-1"."""
    main = _code(curr)
    sub = {"3": commiti, "9": commiti, "5": registe, "7": suspend}.get(main)
    sub = _code(sub)
    return f"{main}-{sub}" if sub else main


def map_status(code: str) -> tuple[str | None, str | None, str | None, bool]:
    """(stage, label, detail, known); an unknown code is its own stage, verbatim, not a guess."""
    if code in STATUS_MAP:
        stage, label, detail = STATUS_MAP[code]
        return stage, label, detail, True
    return code, None, None, False


def sse_stamp(value: Any) -> str | None:
    """yyyyMMddHHmmss (Asia/Shanghai, no zone) -> ISO 'YYYY-MM-DDTHH:MM:SS'."""
    text = _code(value)
    if re.fullmatch(r"\d{14}", text):
        return f"{text[:4]}-{text[4:6]}-{text[6:8]}T{text[8:10]}:{text[10:12]}:{text[12:]}"
    if re.fullmatch(r"\d{8}", text):
        return f"{text[:4]}-{text[4:6]}-{text[6:]}"
    return parse_date(text)


@declared
def rows_of(body: bytes | str, url: str = "") -> tuple[list[dict], dict]:
    """The rows of any SSE envelope and its pageHelp; raises BadPayload for other shapes."""
    data = load_json(body, url)
    if not isinstance(data, dict):
        raise BadPayload(f"expected a JSON object, got {type(data).__name__}", url)
    page_help = data.get("pageHelp") if isinstance(data.get("pageHelp"), dict) else {}
    data_rows, result = page_help.get("data"), data.get("result")
    for name, value in (("pageHelp.data", data_rows), ("result", result)):
        if value is not None and not isinstance(value, list):
            raise BadPayload(f"{name} is not a list", url)
    if data_rows is None and result is None:
        errors = data.get("actionErrors") or data.get("fieldErrors")
        raise BadPayload(f"no pageHelp.data/result in the envelope {errors or ''}".strip(), url)
    # 2026 answers were seen with `pageHelp.data: []` while `result` holds the rows: read
    # whichever is filled, and refuse an envelope whose two copies tell different stories.
    if data_rows and result and _row_keys(data_rows) != _row_keys(result):
        raise BadPayload(
            f"pageHelp.data ({len(data_rows)} rows) and result ({len(result)} rows) disagree", url
        )
    rows = data_rows or result or []
    return [r for r in rows if isinstance(r, dict)], page_help


def _row_keys(rows: list) -> list:
    """What identifies each row of an envelope copy (project, file or timeline row)."""
    return [
        (r.get("stockAuditNum"), r.get("fileId"), r.get("filePath"), r.get("auditItemId"),
         r.get("updateDate"), r.get("currStatus"))
        if isinstance(r, dict) else r
        for r in rows
    ]  # fmt: skip


@declared
def parse_list(body: bytes | str, url: str = "", board: str | None = None) -> ListPage:
    """One SH_XM_LB page. Raises ZeroRows for an empty page, BadPayload for a broken body."""
    rows, page_help = rows_of(body, url)
    page_no = _int(page_help.get("pageNo")) or 1
    page_count = _int(page_help.get("pageCount"))
    if not rows:
        raise ZeroRows(f"SH_XM_LB page {page_no} has no projects (total={page_help.get('total')})",
                       url)  # fmt: skip
    projects = [project_from_item(r, board=board) for r in rows]
    return ListPage(projects=projects, page=page_no, page_count=page_count,
                    total=_int(page_help.get("total")),
                    last=page_count is not None and page_no >= page_count)  # fmt: skip


def project_from_item(item: dict, board: str | None = None) -> Project:
    native_id = _code(item.get("stockAuditNum"))
    issuers = [i for i in _list(item.get("stockIssuer")) if isinstance(i, dict)]
    first = issuers[0] if issuers else {}
    company = _clean(first.get("s_issueCompanyFullName"))
    short = _clean(first.get("s_issueCompanyAbbrName")) or None
    flags: list[str] = []
    if not company:
        company = _strip_suffix(_clean(item.get("stockAuditName")))
        if company and legal_rank(company) <= 1:
            # a short name (英诺特): the resolver attaches it as an alias, never a new company
            short = short or company
            flags.append("short_name")
    code = status_code(item.get("currStatus"), item.get("commitiResult"),
                       item.get("registeResult"), item.get("suspendStatus"))  # fmt: skip
    stage, label, _detail, known = map_status(code)
    if not known:
        flags.append("unknown_status")
    by_type = intermediaries(_list(item.get("intermediary")))
    updated = sse_stamp(item.get("updateDate"))
    return Project(
        source=SOURCE,
        native_id=native_id,
        company=company,
        board=BOARDS.get(_code(item.get("issueMarketType"))) or board,
        stage=stage,
        status_raw=code,
        status_label=label,
        company_short=short,
        sponsors=by_type.get(SPONSOR, []),
        auditor=_first(by_type.get(AUDITOR)),
        law_firm=_first(by_type.get(LAW_FIRM)),
        valuer=_first(by_type.get(VALUER)),
        planned_raise=_float(item.get("planIssueCapital")),
        industry_code=_clean(first.get("s_csrcCode")) or None,
        industry=_clean(first.get("s_csrcCodeDesc")) or None,
        province=_clean(first.get("s_province")) or None,
        accepted_date=(sse_stamp(item.get("auditApplyDate")) or "")[:10] or None,
        updated=updated,
        stock_code=_clean(first.get("s_companyCode")) or None,
        url=PROJECT_PAGE.format(native_id),
        flags=flags,
        raw=item,
        current_date=(updated or "")[:10] or None,
        current_date_source="list_update_date",
    )


def intermediaries(rows: list[dict]) -> dict[int, list[str]]:
    """Names by i_intermediaryType, each type in i_intermediaryOrder order (never by position)."""
    typed: dict[int, list[tuple[int, int, str]]] = {}
    for pos, row in enumerate(rows):
        if not isinstance(row, dict):
            continue
        kind = _int(row.get("i_intermediaryType"))
        name = _clean(row.get("i_intermediaryName")) or _clean(row.get("i_intermediaryAbbrName"))
        if kind is None or not name:
            continue
        order = _int(row.get("i_intermediaryOrder")) or 1
        typed.setdefault(kind, []).append((order, pos, name))
    out: dict[int, list[str]] = {}
    for kind, entries in typed.items():
        names: list[str] = []
        for _o, _p, name in sorted(entries):
            if name not in names:
                names.append(name)
        out[kind] = names
    return out


def timeline_steps(rows: list[dict]) -> list[StageStep]:
    """Steps from GP_GPZCZ_XMDTZTTLB or GP_GPZCZ_XMDTZTYYLB rows, dated by publishDate."""
    steps = []
    for row in rows:
        code = status_code(row.get("auditStatus"), row.get("commitiResult"),
                           row.get("registeResult"), row.get("suspendStatus"))  # fmt: skip
        stage, label, detail, known = map_status(code)
        if stage is None or not code:
            continue
        reason = _clean(row.get("reasonDesc")) or None
        if reason and "恢复" in reason and stage != st.SUSPENDED:
            detail = "resumed"
        elif stage == st.TERMINATED:
            detail = termination_detail(reason) or detail
        day = parse_date(_code(row.get("publishDate"))) or parse_date(_code(row.get("qianDate")))
        sort_key = _code(row.get("qianDate")) or _code(row.get("timesave"))
        steps.append(StageStep(stage=stage, status_raw=code, label=label, date=day,
                               sort_key=sort_key, reason=reason, detail=detail, known=known))  # fmt: skip
    return steps


def events_reach_current(project: Project, events: list[dict]) -> bool:
    """Do the status events (GP_GPZCZ_XMDTZTYYLB) already show the project's current status?

    In the real data they hold every milestone row (plus repeats and reasons); when they do
    not reach the current status — or it is a node without an outcome — the milestones are
    asked for too.
    """
    if project.stage is None:
        return False
    return project.status_raw in {s.status_raw for s in timeline_steps(events)}


def build_timeline(project: Project, milestones: list[dict], events: list[dict]) -> list[StageStep]:
    """Milestones and status events merged, ordered, repeats folded, current stage ensured."""
    steps = finish_timeline([*timeline_steps(milestones), *timeline_steps(events)])
    return with_current(project, steps)


@declared
def documents(rows: list[dict], project: Project, pdf_base: str = PDF_BASE) -> list[Filing]:
    out = []
    seen: set[str] = set()
    for row in rows:
        title = _clean(row.get("fileTitle"))
        path = _clean(row.get("filePath"))
        if not title and not path:
            continue
        file_id = _code(row.get("fileId")) or hashlib.sha1(path.encode()).hexdigest()[:16]
        native_id = f"{project.native_id}:{file_id}"
        if native_id in seen:
            continue
        seen.add(native_id)
        file_type = _int(row.get("fileType"))
        type_code = _code(row.get("fileTypeMap")) if not isinstance(
            row.get("fileTypeMap"), dict | list) else ""  # fmt: skip
        report_type = _report_type(file_type, type_code, title)
        version = _int(row.get("fileVersion"))
        stamp = row.get("fileUpdateTime") or row.get("fileUpdTime")
        day = parse_date(_code(row.get("publishDate"))) or (sse_stamp(stamp) or "")[:10] or None
        out.append(
            Filing(
                source=SOURCE, native_id=native_id, company=project.company,
                kind="exchange_document", title=title or path.rsplit("/", 1)[-1],
                report_type=report_type or "other",
                flags=[] if report_type else ["unknown_file_type"],
                broker="、".join(project.sponsors) or None, regulator=REGULATOR,
                board=project.board, event_date=day, disclosed_date=day, url=project.url,
                pdf_url=(pdf_base.rstrip("/") + path) if path.startswith("/") else (path or None),
                raw={"project": project.native_id, "fileType": file_type, "fileVersion": version,
                     "version": FILE_VERSIONS.get(version), "fileSize": row.get("fileSize"),
                     "auditStatus": row.get("auditStatus"), "filePath": path,
                     "fileUpdateTime": stamp, "fileTypeMap": type_code or None},
            )
        )  # fmt: skip
    return out


@declared
def parse_detail(
    project: Project,
    milestones_body: bytes | str,
    events_body: bytes | str,
    documents_body: bytes | str,
    url: str = "",
    pdf_base: str = PDF_BASE,
) -> tuple[Project, list[Filing]]:
    """The three detail answers of one project -> the project with its timeline, its documents."""
    milestones, _ = rows_of(milestones_body, url)
    events, _ = rows_of(events_body, url)
    docs, _ = rows_of(documents_body, url)
    project.timeline = build_timeline(project, milestones, events)
    return project, documents(docs, project, pdf_base)


def _report_type(file_type: int | None, type_code: str, title: str) -> str | None:
    """fileType (GP_GPZCZ_SHXXPL), else the fileTypeMap code, else the title; None = unknown."""
    if file_type is not None and file_type in FILE_TYPES:
        return FILE_TYPES[file_type]
    if type_code in FILE_TYPE_CODES:
        return FILE_TYPE_CODES[type_code]
    for needle, kind in TITLE_TYPES:
        if needle in title:
            return kind
    return None


def _strip_suffix(name: str) -> str:
    """'XX股份有限公司首次公开发行股票并在科创板上市项目' / 'XX科技科创板IPO项目' -> the name."""
    cut = _NAME_SUFFIX_RE.sub("", name)
    cut = _BOARD_SUFFIX_RE.sub("", cut) or cut
    return cut or name


def _list(value: Any) -> list:
    return value if isinstance(value, list) else []


def _first(values: list[str] | None) -> str | None:
    return values[0] if values else None
