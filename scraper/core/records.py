"""The item schema every source produces. One Filing per document or record seen."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Filing:
    source: str  # source slug, e.g. "csrcfd"
    native_id: str  # stable id within the source (hash of the PDF path, a project id, ...)
    company: str  # company name as filed
    kind: str  # what the record is: "tutoring_report", "exchange_document", ...
    title: str  # document or record title as published
    report_type: str | None = None  # normalised report type (filing_report, progress_report, ...)
    period: int | None = None  # progress-report period number (第N期)
    status: str | None = None  # normalised status (unknown values verbatim, flagged)
    status_raw: str | None = None  # status exactly as the source printed it
    company_stage: str | None = None  # the company's current stage as this record states it
    # the date the source states for company_stage (csrcfd: the list's 备案时间 for tutoring);
    # None: event_date, then disclosed_date
    stage_date: str | None = None
    broker: str | None = None  # tutoring broker / sponsor
    regulator: str | None = None  # CSRC bureau (派出机构) or exchange
    board: str | None = None  # star, chinext, main, bse, sehk, gem ...
    event_date: str | None = None  # ISO date the event happened (filing date, stage date)
    disclosed_date: str | None = None  # ISO date the document was published
    url: str | None = None  # page the record was seen on
    pdf_url: str | None = None  # document link
    company_en: str | None = None  # English name when the source gives one
    stock_code: str | None = None
    flags: list[str] = field(default_factory=list)  # data-quality flags (unknown_status, ...)
    raw: dict[str, Any] = field(default_factory=dict)  # the source's own fields, kept as JSON

    def as_dict(self) -> dict[str, Any]:
        """Shallow copy: dataclasses.asdict deep-copies raw/flags and costs more than the insert."""
        return dict(self.__dict__)


def document_filing(
    source: str,
    native_id: str,
    company: str,
    kind: str,
    title: str,
    report_type: str | None,
    broker: str | None,
    regulator: str | None,
    board: str | None,
    day: str | None,
    url: str | None,
    pdf_url: str | None,
    raw: dict[str, Any],
    flags: list[str] | None = None,
    period: int | None = None,
    status: str | None = None,
    status_raw: str | None = None,
    company_en: str | None = None,
    stock_code: str | None = None,
) -> Filing:
    """A document's Filing (event and disclosure on one `day`) for the parsers' per-document
    loops, called positionally: binding 14 of Filing's 22 fields by keyword costs more than the
    rest of the record (tests/test_records.py pins the field order this relies on)."""
    return Filing(source, native_id, company, kind, title, report_type, period, status,
                  status_raw, None, None, broker, regulator, board, day, day, url, pdf_url,
                  company_en, stock_code, [] if flags is None else flags, raw)  # fmt: skip


def column_json(value: Any) -> str | None:
    """A list or dict field as the JSON text its column holds; empty is NULL (raw sits on every row)."""
    if value is None or value == [] or value == {}:
        return None
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


# Fields without which a record must not be stored silently.
REQUIRED_FIELDS = ("source", "native_id", "company", "title")


@dataclass
class PageBatch:
    """The Scrapy item: every record of one page, so one page is written in one transaction."""

    source: str
    url: str
    page: int | None
    filings: list[Filing]
    # documents fetched and read for this page's new filings (core.facts.DocumentRead), stored
    # in the batch's transaction so the alert carries their facts
    documents: list[Any] = field(default_factory=list)


# ---------------------------------------------------------------- exchange review projects
# SSE / SZSE / BSE (issue 5): one Project per application, its dated timeline, its documents.


@dataclass
class StageStep:
    """One step of a project's review timeline, dated by the exchange's own timeline."""

    stage: str  # stage vocabulary (scraper/stages.py); an unknown code verbatim
    status_raw: str  # the exchange's code: SSE "5-1" (currStatus-sub), SZSE "70", BSE "P07"
    label: str | None  # the exchange's Chinese label (注册生效)
    date: str | None  # ISO date of the step, from the timeline
    sort_key: str = ""  # full timestamp for ordering steps of one day
    reason: str | None = None  # 中止 / 恢复 / 终止 reason text
    detail: str | None = (
        None  # sub-kind: withdrawn / rejected / lapsed / financial_update / resumed ...
    )
    known: bool = True  # False: the code is not in the exchange's mapping table (flagged)


@dataclass
class Project:
    """One IPO application at one exchange; a re-filing is a new project of the same company."""

    source: str  # sse | szse | bse
    native_id: str  # SSE stockAuditNum, SZSE prjid, BSE id
    company: str  # full name as filed
    board: str | None  # star | main | chinext | bse
    stage: str | None  # current stage (vocabulary); unknown codes verbatim; None = no stage node
    status_raw: str  # current status code as the exchange states it
    status_label: str | None = None  # the exchange's label
    company_short: str | None = None
    sponsors: list[str] = field(default_factory=list)  # 保荐机构 selected by type, lead first
    law_firm: str | None = None
    auditor: str | None = None
    valuer: str | None = None
    planned_raise: float | None = None  # 亿元
    industry_code: str | None = None  # CSRC industry code, e.g. C39
    industry: str | None = None  # CSRC industry name
    province: str | None = None
    accepted_date: str | None = None
    updated: str | None = None  # the list's update stamp (ISO), what incremental runs compare
    stock_code: str | None = None
    url: str | None = None  # the exchange's project page
    flags: list[str] = field(default_factory=list)
    raw: dict[str, Any] = field(default_factory=dict)  # the list item as published
    timeline: list[StageStep] | None = None  # set when the details were fetched
    current_date: str | None = None  # date of the current status when the timeline lacks it
    current_date_source: str | None = None  # where current_date came from

    @property
    def list_key(self) -> str:
        """What says 'this project changed' in a list: update stamp and status."""
        return f"{self.updated or ''}|{self.status_raw}"


@dataclass
class ProjectBatch(PageBatch):
    """A list page (projects only) or one project's details (project + timeline + documents).

    `filings` holds the documents; the pipeline writes the whole batch in one transaction.
    """

    projects: list[Project] = field(default_factory=list)
    cursor: dict[str, Any] | None = (
        None  # source state to keep for the next run (crawl_state.cursor)
    )


@dataclass
class HkexBatch:
    """The hkex_* Scrapy item: documents for `filings` plus the HKEX state scraper/reconcile/hkex.py
    diffs (applicant snapshot, per-file outcomes, stage claims). Written in one transaction."""

    source: str  # hkex_app | hkex_listings
    url: str
    filings: list[Filing]
    page: int | None = None
    # hkex_app: every applicant of the loaded status files, merged (parsers.hkex_app.Applicant)
    applicants: list[Any] | None = None
    # hkex_app: one dict per status file: name, status, board, lang, outcome (ok/missing/error)...
    files: list[dict] = field(default_factory=list)
    # hkex_listings: stages a stock reached, with dates (parsers.hkex_listings.Claim)
    claims: list[Any] = field(default_factory=list)
    # hkex_app: application proofs fetched and read (core.facts.DocumentRead), issue 15
    documents: list[Any] = field(default_factory=list)


@dataclass
class ProjectState:
    """What the database knows about a source's projects, so a spider can tell what changed."""

    source: str
    rows: dict[str, dict[str, Any]] = field(default_factory=dict)
    cursor: dict[str, Any] = field(default_factory=dict)
    today: str = ""

    def changed(self, project: Project) -> bool:
        """New, its update stamp or status moved since the details were fetched, or unsure.

        Date-only stamps (SZSE updtdt) cannot tell two changes of one day apart, so a project
        stamped on or after the day its details were fetched is checked again.
        """
        row = self.rows.get(project.native_id)
        if row is None or row["detail_key"] != project.list_key:
            return True
        stamp = project.updated or ""
        fetched = (row["detail_fetched_at"] or "")[:10]
        return len(stamp) == 10 and bool(fetched) and stamp >= fetched

    def pending(self) -> list[tuple[str, str | None, dict]]:
        """Projects whose details failed or were never fetched: (native_id, board, list item)."""
        out = []
        for native_id, row in self.rows.items():
            if row["detail_key"] != row["list_key"] and row["raw"]:
                out.append((native_id, row["board"], json.loads(row["raw"])))
        return out


# ---------------------------------------------------------------- listing-committee meetings
# Issue 14: the exchanges' 上市委审议会议公告 / 结果公告, one record per file and project named.


@dataclass
class Meeting:
    source: str  # sse_committee
    file_id: str  # the announcement file (SSE fileId)
    native_project: str  # the exchange's project id (SSE auditId)
    company: str  # the company as the file lists it
    kind: str  # announcement | result | other
    title: str
    meeting: str | None = None  # 2020年第33次 (from the title)
    published_date: str | None = None
    meeting_date: str | None = None  # when the title or a result states it
    url: str | None = None
    flags: list[str] = field(default_factory=list)


@dataclass
class CommitteeBatch(PageBatch):
    """A page of committee announcements: `meetings` are written in one transaction."""

    meetings: list[Meeting] = field(default_factory=list)
