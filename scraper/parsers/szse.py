"""SZSE IPO review (listing.szse.cn `api/ras/projectrends`): list, details, timeline, documents.

REPORT-exchanges.md §2. Plain JSON. The list (`query`, 0-based `pageIndex`) gives one item per
project; `details?id=<prjid>` adds the timeline `prjprogs[]` (sub-results in `status[]`), `pjdot`
(a JSON *string*), `others` (中止/恢复/终止 reasons keyed by datetime) and document arrays whose
files are at `http://reportdocs.static.szse.cn` + `dfpth`.
"""

from __future__ import annotations

import functools
import json
import math
import re
import unicodedata
from typing import Any

from scraper.core import stages as st
from scraper.core.records import Filing, Project, StageStep, document_filing
from scraper.core.timeutil import parse_date
from scraper.parsers.common import BadPayload, ZeroRows, declared, load_json
from scraper.parsers.common import clean_text as _clean
from scraper.parsers.common import code_text as _code
from scraper.parsers.common import to_float as _float
from scraper.parsers.common import to_int as _int
from scraper.parsers.review import (
    ListPage,
    resume_steps,
    termination_detail,
    with_current,
)

SOURCE = "szse"
REGULATOR = "深交所"
PDF_BASE = "http://reportdocs.static.szse.cn"
PROJECT_PAGE = "https://listing.szse.cn/projectdynamic/ipo/detail/index.html?id={}"

# boardCode -> board
BOARDS = {"16": "chinext", "12": "main"}
BOARD_CODES = {board: code for code, board in BOARDS.items()}

# The one mapping table: prjstatus (and timeline node/sub-status values) -> (stage, label,
# detail). 40 上市委会议 and 70 注册结果 are also *timeline nodes* whose outcome sits in the
# node's status[]; as nodes without an outcome they carry no stage. 76 is 终止注册 (the real
# data settles the LM/RSSHub conflict); LM's 55/57 have no documented meaning and stay unknown.
# "终止" keys a timeline node captioned 终止 (its value is 80, the same as 中止).
STATUS_MAP: dict[str, tuple[str | None, str, str | None]] = {
    "20": (st.ACCEPTED, "已受理", None),
    "30": (st.INQUIRED, "已问询", None),
    "40": (None, "上市委会议", None),
    "44": (st.COMMITTEE_FAILED, "上市委会议未通过", None),
    "45": (st.COMMITTEE_PASSED, "上市委会议通过", None),
    "46": (st.COMMITTEE_DEFERRED, "暂缓审议", None),
    "54": (st.COMMITTEE_FAILED, "复审不通过", "reconsideration"),
    "56": (st.COMMITTEE_PASSED, "复审通过", "reconsideration"),
    "60": (st.SUBMITTED_FOR_REGISTRATION, "提交注册", None),
    "70": (st.REGISTERED, "注册生效", None),
    "74": (st.REGISTRATION_REFUSED, "不予注册", None),
    "76": (st.REGISTRATION_TERMINATED, "终止注册", None),
    "78": (st.SUPPLEMENTARY_REVIEW, "补充审核", None),
    "80": (st.SUSPENDED, "中止", None),
    "90": (st.TERMINATED, "终止(审核不通过)", "rejected"),
    "94": (st.TERMINATED, "终止(未在规定时限内回复)", "lapsed"),
    "95": (st.TERMINATED, "终止(撤回)", "withdrawn"),
    "终止": (st.TERMINATED, "终止", None),
}
NODE_ONLY = {"40", "70"}  # timeline nodes whose outcome is a sub-status
# `prjst` text -> code, for list items that carry only the text (no `prjstatus`): the same
# table read by label, plus the site's other spellings. Bracket widths are folded first.
STATUS_TEXT = {label: code for code, (_s, label, _d) in STATUS_MAP.items()}
STATUS_TEXT.update({"新受理": "20", "受理": "20", "问询": "30", "已问询": "30",
                    "注册": "70", "终止审核": "终止", "终止": "终止"})  # fmt: skip
# boardName -> board, for items without boardCode
BOARD_NAMES = {"创业板": "chinext", "主板": "main", "深市主板": "main"}
# matnm (document name) -> report_type, for disclosureMaterials rows without matcat
MATERIAL_NAMES = (
    ("招股说明书", "prospectus"), ("招股意向书", "prospectus"), ("募集说明书", "prospectus"),
    ("上市保荐书", "listing_sponsor_letter"), ("发行保荐书", "sponsor_letter"),
    ("审计报告", "audit_report"), ("财务报表", "audit_report"), ("法律意见书", "legal_opinion"),
    ("估值报告", "valuation_report"), ("重组报告书", "restructuring_report"),
)  # fmt: skip

# Document arrays of the details and how their rows are typed.
DOC_ARRAYS = (
    "disclosureMaterials", "enquiryResponseAttachment", "meetingConclusionAttachment",
    "registrationResultAttachment", "terminationNoticeAttachment", "ntbListedResultAttachment",
    "cashReorganizationResultAttachment",
)  # fmt: skip
# disclosureMaterials: matcat -> report_type; dtyp 1/2/3 = 申报稿/上会稿/注册稿
MATERIALS = {3: "prospectus", 4: "sponsor_letter", 5: "listing_sponsor_letter", 6: "audit_report",
             7: "legal_opinion", 9: "prospectus", 11: "valuation_report",
             12: "restructuring_report"}  # fmt: skip
VERSIONS = {1: "申报稿", 2: "上会稿", 3: "注册稿"}
DTYP = {4: "inquiry_reply", 20: "inquiry_reply", 22: "inquiry_letter", 5: "committee_notice",
        18: "committee_notice", 6: "committee_result", 7: "registration_result",
        10: "termination_decision"}  # fmt: skip
ARRAY_TYPES = {"registrationResultAttachment": "registration_result",
               "terminationNoticeAttachment": "termination_decision"}  # fmt: skip

# CSRC industry names (上市公司行业分类指引, 2012) -> codes: SZSE gives `csrcind` as text only.
CSRC_INDUSTRIES = {
    "农业": "A01", "林业": "A02", "畜牧业": "A03", "渔业": "A04", "农、林、牧、渔服务业": "A05",
    "煤炭开采和洗选业": "B06", "石油和天然气开采业": "B07", "黑色金属矿采选业": "B08",
    "有色金属矿采选业": "B09", "非金属矿采选业": "B10", "开采辅助活动": "B11",
    "开采专业及辅助性活动": "B11", "其他采矿业": "B12", "农副食品加工业": "C13",
    "食品制造业": "C14", "酒、饮料和精制茶制造业": "C15", "烟草制品业": "C16", "纺织业": "C17",
    "纺织服装、服饰业": "C18", "皮革、毛皮、羽毛及其制品和制鞋业": "C19",
    "木材加工和木、竹、藤、棕、草制品业": "C20", "家具制造业": "C21", "造纸和纸制品业": "C22",
    "印刷和记录媒介复制业": "C23", "文教、工美、体育和娱乐用品制造业": "C24",
    "石油加工、炼焦和核燃料加工业": "C25", "石油、煤炭及其他燃料加工业": "C25",
    "化学原料和化学制品制造业": "C26", "医药制造业": "C27", "化学纤维制造业": "C28",
    "橡胶和塑料制品业": "C29", "非金属矿物制品业": "C30", "黑色金属冶炼和压延加工业": "C31",
    "有色金属冶炼和压延加工业": "C32", "金属制品业": "C33", "通用设备制造业": "C34",
    "专用设备制造业": "C35", "汽车制造业": "C36",
    "铁路、船舶、航空航天和其他运输设备制造业": "C37", "电气机械和器材制造业": "C38",
    "计算机、通信和其他电子设备制造业": "C39", "仪器仪表制造业": "C40", "其他制造业": "C41",
    "废弃资源综合利用业": "C42", "金属制品、机械和设备修理业": "C43",
    "电力、热力生产和供应业": "D44", "燃气生产和供应业": "D45", "水的生产和供应业": "D46",
    "房屋建筑业": "E47", "土木工程建筑业": "E48", "建筑安装业": "E49",
    "建筑装饰和其他建筑业": "E50", "建筑装饰、装修和其他建筑业": "E50", "批发业": "F51",
    "零售业": "F52", "铁路运输业": "G53", "道路运输业": "G54", "水上运输业": "G55",
    "航空运输业": "G56", "管道运输业": "G57", "装卸搬运和运输代理业": "G58",
    "多式联运和运输代理业": "G58", "仓储业": "G59", "邮政业": "G60", "住宿业": "H61",
    "餐饮业": "H62", "电信、广播电视和卫星传输服务": "I63", "互联网和相关服务": "I64",
    "软件和信息技术服务业": "I65", "货币金融服务": "J66", "资本市场服务": "J67", "保险业": "J68",
    "其他金融业": "J69", "房地产业": "K70", "租赁业": "L71", "商务服务业": "L72",
    "研究和试验发展": "M73", "专业技术服务业": "M74", "科技推广和应用服务业": "M75",
    "水利管理业": "N76", "生态保护和环境治理业": "N77", "公共设施管理业": "N78",
    "居民服务业": "O79", "机动车、电子产品和日用产品修理业": "O80", "其他服务业": "O81",
    "教育": "P82", "卫生": "Q83", "社会工作": "Q84", "新闻和出版业": "R85",
    "广播、电视、电影和影视录音制作业": "R86", "广播、电视、电影和录音制作业": "R86",
    "文化艺术业": "R87", "体育": "R88", "娱乐业": "R89", "综合": "S90",
}  # fmt: skip
_INDUSTRY_KEYS = {unicodedata.normalize("NFKC", k): v for k, v in CSRC_INDUSTRIES.items()}


def industry_code(name: str | None) -> str | None:
    """'计算机、通信和其他电子设备制造业' -> 'C39'; a leading code ('C39 计算机…') is taken as is."""
    if not name:
        return None
    return _industry_code(name)


@functools.lru_cache(maxsize=4096)
def _industry_code(name: str) -> str | None:
    """Cached: a list names a few dozen industries over and over."""
    text = unicodedata.normalize("NFKC", name).strip()
    m = _INDUSTRY_CODE_RE.match(text)
    if m:
        return m[1]
    return _INDUSTRY_KEYS.get(_SPACES_RE.sub("", text))


_INDUSTRY_CODE_RE = re.compile(r"^([A-S]\d{2})\b")
_SPACES_RE = re.compile(r"\s+")


def map_status(code: str) -> tuple[str | None, str | None, str | None, bool]:
    """(stage, label, detail, known); an unknown code is its own stage, verbatim, not a guess."""
    if code in STATUS_MAP:
        stage, label, detail = STATUS_MAP[code]
        return stage, label, detail, True
    return code, None, None, False


@declared
def parse_list(body: bytes | str, url: str = "", board: str | None = None) -> ListPage:
    """One `projectrends/query` page. Raises ZeroRows for an empty page, BadPayload when broken."""
    data = load_json(body, url)
    if not isinstance(data, dict) or not isinstance(data.get("data"), list | type(None)):
        raise BadPayload("expected {data: [...], totalSize, pageIndex}", url)
    rows = [r for r in data.get("data") or [] if isinstance(r, dict)]
    page = _int(data.get("pageIndex")) or 0
    size = _int(data.get("pageSize")) or len(rows) or 1
    total = _int(data.get("totalSize"))
    page_count = _int(data.get("totalPage"))
    if page_count is None and total is not None:
        page_count = math.ceil(total / size)
    if not rows:
        raise ZeroRows(f"projectrends page {page} has no projects (totalSize={total})", url)
    return ListPage(projects=[project_from_item(r, board=board) for r in rows], page=page,
                    page_count=page_count, total=total,
                    last=page_count is not None and page + 1 >= page_count)  # fmt: skip


def project_from_item(item: dict, board: str | None = None, raw: dict | None = None) -> Project:
    get = item.get
    native_id = _code(get("prjid"))
    if raw is None and not _EXCLUDED.isdisjoint(item):
        raw = {k: v for k, v in item.items() if k not in _EXCLUDED}
    text = _clean(get("prjst"))
    code = _code(get("prjstatus")) or status_of_text(text)
    stage, label, _detail, known = map_status(code)
    lead, joint = _clean(get("sprinst")), _clean(get("jsprinst"))
    if not lead and not joint:  # some items name the sponsors only by their short names
        lead, joint = _clean(get("sprinsts")), _clean(get("jsprinsts"))
    # the names in order, once each, empty ones left out
    sponsors = [lead, joint] if lead and joint and lead != joint else [lead or joint] if (
        lead or joint) else []  # fmt: skip
    industry = _clean(get("csrcind")) or None
    updated = _clean(get("updtdt"))
    # positional, in Project's field order (tests/test_records.py pins it)
    return Project(
        SOURCE,  # source
        native_id,  # native_id
        _clean(get("cmpnm")),  # company
        BOARDS.get(_code(get("boardCode"))) or BOARD_NAMES.get(_clean(get("boardName")))
        or board,  # board
        stage,  # stage
        code,  # status_raw
        text or label,  # status_label
        _clean(get("cmpsnm")) or None,  # company_short
        sponsors,  # sponsors
        _clean(get("lawfm")) or None,  # law_firm
        _clean(get("acctfm")) or None,  # auditor
        _clean(get("evalinst")) or None,  # valuer
        _float(get("maramt")),  # planned_raise
        industry_code(industry),  # industry_code
        industry,  # industry
        _clean(get("regloc")) or None,  # province
        parse_date(_clean(get("acptdt"))),  # accepted_date
        parse_date(updated) or updated or None,  # updated
        _clean(get("cmpcode")) or None,  # stock_code
        PROJECT_PAGE.format(native_id),  # url
        [] if known else ["unknown_status"],  # flags
        # a list item carries no detail arrays: kept as is (no per-item copy); details are copied
        item if raw is None else raw,  # raw
        None,  # timeline
        None,  # current_date
        None,  # current_date_source
    )  # fmt: skip


_DETAIL_ONLY = {"prjprogs", "pjdot", "others"}
_EXCLUDED = frozenset(DOC_ARRAYS) | _DETAIL_ONLY


def pjdot_nodes(value: Any) -> dict[str, dict]:
    """`pjdot` is a JSON string (sometimes already an object); {} when absent or broken."""
    if isinstance(value, dict):
        return value
    if not value:
        return {}
    try:
        parsed = json.loads(value)
    except (TypeError, ValueError):
        return {}
    return parsed if isinstance(parsed, dict) else {}


def _step(code: str, when: str | None, label: str | None = None, reason: str | None = None
          ) -> StageStep | None:  # fmt: skip
    stage, mapped_label, detail, known = map_status(code)
    if stage is None or not when:
        return None
    # positional, in StageStep's field order (tests/test_records.py pins it)
    return StageStep(stage, code, mapped_label or label, parse_date(when), when, reason, detail,
                     known)  # fmt: skip


def timeline(data: dict, project: Project) -> list[StageStep]:
    """prjprogs (+ pjdot results), then `others` reasons: 中止 steps, 恢复 steps, 终止 reasons."""
    steps: list[StageStep] = []
    current_date = None
    for node in data.get("prjprogs") or []:
        if not isinstance(node, dict):
            continue
        get = node.get
        if _int(get("orderNo")) == -1:
            current_date = get("date")
            continue
        when = get("date")
        if not when:
            continue  # not reached
        caption = _clean(get("caption"))
        subs = [s for s in get("status") or [] if isinstance(s, dict)]
        if "终止" in caption:
            sub = next((_code(s.get("value")) for s in subs if _code(s.get("value")) in
                        ("90", "94", "95")), "")  # fmt: skip
            step = _step(sub or "终止", when, caption)
            steps += [step] if step else []
            continue
        for sub in subs:
            step = _step(_code(sub.get("value")), sub.get("date") or when,
                         _clean(sub.get("caption")))  # fmt: skip
            steps += [step] if step else []
        if not subs:
            value = _code(get("value"))
            if value not in NODE_ONLY:
                step = _step(value, when, caption)
                steps += [step] if step else []
    dots = pjdot_nodes(data.get("pjdot"))
    have = {s.status_raw for s in steps} if dots else set()
    for key, node in dots.items():
        if not isinstance(node, dict):
            continue
        code = _code(node.get("value"))
        if key == "-1":
            current_date = current_date or node.get("startTime")
        elif (key in ("C0", "E0") or not data.get("prjprogs")) and code not in have:
            if key not in ("C0", "E0") and code in NODE_ONLY:
                continue
            step = _step(code, node.get("startTime"), _clean(node.get("name")))
            steps += [step] if step else []
    if current_date:
        project.current_date = parse_date(str(current_date))
        project.current_date_source = "timeline_current_node"
    steps, resumes = _with_reasons(steps, data.get("others"), project)
    steps = resume_steps(steps, resumes)
    return with_current(project, steps)


def _with_reasons(steps: list[StageStep], others: Any, project: Project):
    """`others`: [{"<datetime>": "<text>"}]: 中止 -> a suspended step; 恢复 -> a resume; 终止 ->
    the reason of the termination step (added with the list's code when the timeline lacks it)."""
    if not others:
        return steps, []  # most projects: nothing to read
    resumes: list[tuple[str, str, str]] = []
    notes = []
    for entry in others if isinstance(others, list) else []:
        if isinstance(entry, dict):
            notes.extend((str(k), _clean(v)) for k, v in entry.items() if v)
    for when, text in sorted(notes):
        day = parse_date(when)
        if not day:
            continue
        if "恢复" in text:
            resumes.append((when, day, text))
        elif "中止" in text:
            step = _step("80", when, reason=text)
            steps.append(step)
        elif "终止" in text:
            target = next((s for s in reversed(steps) if s.stage == st.TERMINATED), None)
            if target is None:
                code = project.status_raw if project.stage == st.TERMINATED else "终止"
                target = _step(code, when)
                steps.append(target)
            target.reason = target.reason or text
            target.detail = target.detail or termination_detail(text)
    return steps, resumes


def documents(data: dict, project: Project, pdf_base: str = PDF_BASE) -> list[Filing]:
    """Every document array; a .docx twin of a listed .pdf is dropped."""
    # one pass reads what each row needs (extension, title stem) once
    rows: list[tuple[str, dict, str, str]] = []
    twins = False  # a row that is not a PDF: only then are the twins looked for
    for array in DOC_ARRAYS:
        for row in data.get(array) or []:
            if isinstance(row, dict):
                ext = _clean(row.get("dfext")).lower()
                twins = twins or ext != "pdf"
                rows.append((array, row, ext, _stem(row)))
    pdf_stems = (
        {(a, _group(r), stem) for a, r, ext, stem in rows if ext == "pdf"} if twins else None
    )
    out: list[Filing] = []
    seen: set[str] = set()
    broker = "、".join(project.sponsors) or None
    base = pdf_base.rstrip("/")
    prefix = f"{project.native_id}:"
    company, board, page = project.company, project.board, project.url
    days: dict = {}  # ddt text -> ISO day, for this call
    for array, row, ext, stem in rows:
        get = row.get
        if pdf_stems and ext != "pdf" and (array, _group(row), stem) in pdf_stems:
            continue
        path = _clean(get("dfpth"))
        dfid = _code(get("dfid")) or path
        native_id = prefix + dfid
        if not dfid or native_id in seen:
            continue
        seen.add(native_id)
        dtyp, matcat = _int(get("dtyp")), _int(get("matcat"))
        materials = array == "disclosureMaterials"
        if materials:
            report_type = MATERIALS.get(matcat) or _material_by_name(row) or "other"
        else:
            report_type = ARRAY_TYPES.get(array) or DTYP.get(dtyp, "other")
        ddt = get("ddt")
        if ddt.__class__ is str:  # one project's documents share a few days
            day = days.get(ddt, days)
            if day is days:
                day = days[ddt] = parse_date(_clean(ddt))
        else:
            day = parse_date(_clean(ddt))
        day = day or parse_date(_clean(get("ddtime")))
        raw = {"project": project.native_id, "array": array, "dtyp": dtyp, "matcat": matcat,
               "version": VERSIONS.get(dtyp) if materials else None,
               "dftitle": get("dftitle"), "inquiryId": get("inquiryId"), "mtid": get("mtid"),
               "ext": ext, "dfpth": path, "ddtime": get("ddtime")}  # fmt: skip
        pdf_url = (base + path) if path.startswith("/") else (path or None)
        title = stem or _clean(get("dftitle")) or dfid
        out.append(document_filing(SOURCE, native_id, company, "exchange_document", title,
                                   report_type, broker, REGULATOR, board, day, page, pdf_url,
                                   raw))  # fmt: skip
    return out


@declared
def parse_detail(
    body: bytes | str, url: str = "", project: Project | None = None, pdf_base: str = PDF_BASE
) -> tuple[Project, list[Filing]]:
    """`details?id=` -> the project (list fields refreshed, timeline set) and its documents."""
    payload = load_json(body, url)
    data = payload.get("data") if isinstance(payload, dict) else None
    if not isinstance(data, dict) or not data.get("prjid"):
        raise BadPayload("details without a data object and prjid", url)
    # with the list's project its raw is kept below: no copy of the detail object is made
    fresh = project_from_item(data, board=project.board if project else None,
                              raw=project.raw if project is not None else None)  # fmt: skip
    if project is not None:
        # The list's stamp and status say what these details cover; keep them as the key.
        fresh.updated, fresh.status_raw = project.updated, project.status_raw
        fresh.stage, fresh.status_label, fresh.flags = (
            project.stage,
            project.status_label,
            project.flags,
        )
        fresh.raw = project.raw
        fresh.sponsors = fresh.sponsors or project.sponsors
    fresh.timeline = timeline(data, fresh)
    return fresh, documents(data, fresh, pdf_base)


def status_of_text(text: str) -> str:
    """'已问询' -> '30'; an unknown text is its own code (verbatim), '' when there is none."""
    if not text:
        return ""
    folded = text.replace("（", "(").replace("）", ")").replace(" ", "")
    return STATUS_TEXT.get(folded) or STATUS_TEXT.get(folded.split("(")[0] if
                                                      folded.startswith("终止(") else "") or folded  # fmt: skip


def _material_by_name(row: dict) -> str | None:
    name = _clean(row.get("matnm")) or _clean(row.get("configFileName"))
    for needle, kind in MATERIAL_NAMES:
        if needle in name:
            return kind
    return None


def _group(row: dict) -> str:
    return _code(row.get("inquiryId") or row.get("mtid") or row.get("dtyp"))


_EXT_RE = re.compile(r"\.(pdf|docx?|xlsx?|zip|rar)$", re.IGNORECASE)


def _stem(row: dict) -> str:
    name = _clean(row.get("dfnm"))
    if name.endswith(".pdf"):
        return name[:-4].strip()  # what the regex does to the common case
    return _EXT_RE.sub("", name).strip()
