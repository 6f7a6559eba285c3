"""The item schema every source produces. One Filing per document or record seen."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
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
        return asdict(self)


# Fields without which a record must not be stored silently.
REQUIRED_FIELDS = ("source", "native_id", "company", "title")


@dataclass
class PageBatch:
    """The Scrapy item: every record of one page, so one page is written in one transaction."""

    source: str
    url: str
    page: int | None
    filings: list[Filing]
