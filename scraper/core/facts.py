"""What a document says, as records: one Fact per field with the page it came from.

The crawl downloads a report, the parsers (scraper/parsers/tutoring_report.py) read it, and a
`DocumentRead` travels in the page batch so the one ingest transaction stores the filing, its
facts and the alert that carries them together.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

# Display order of the alert payload's `facts` (the cross-helper contract); other keys follow.
FACT_ORDER = (
    "agreement_date", "tutoring_period", "tutoring_start", "tutoring_end", "province",
    "main_business", "controlling_shareholder", "registered_capital", "legal_representative",
    "industry", "established_date", "address", "law_firm", "accounting_firm", "other_brokers",
    "period_no", "completion_date", "sponsors", "business_summary",
)  # fmt: skip

# Fields each report type is expected to state; a missing one is counted, never guessed.
EXPECTED = {
    "filing_report": (
        "agreement_date", "tutoring_period", "registered_capital", "legal_representative",
        "address", "province", "controlling_shareholder", "industry", "main_business",
        "established_date", "law_firm", "accounting_firm",
    ),
    "progress_report": ("period_no", "work_done"),
    "completion_report": ("completion_date",),
    "application_proof": ("sponsors", "industry", "business_summary"),
}  # fmt: skip


@dataclass(frozen=True)
class Fact:
    value: str  # display text (dates ISO, periods "2026-01 至 2026-04（4个月）")
    page: int | None = None  # 1-based page of the document it was read on


@dataclass
class DocumentRead:
    """One document fetched (or not) and read: its state, and the facts it gave."""

    native_id: str  # the filing's id within its source
    url: str
    doc_type: str  # filing_report | progress_report | completion_report | application_proof ...
    status: str  # ok | scan (no text layer) | ocr (scan read by the optional OCR) | error
    error_kind: str | None = None  # oversize_pdf, truncated_pdf, encrypted_pdf, not_pdf, ...
    error: str | None = None
    path: str | None = None  # stored file, relative to the data directory
    size: int | None = None
    page_count: int | None = None
    pages_read: int | None = None
    facts: dict[str, Fact] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)  # expected fields not found

    def fact_values(self) -> dict[str, str]:
        return {k: f.value for k, f in self.facts.items() if f.value}

    def fact_pages(self) -> str:
        pages = sorted({f.page for f in self.facts.values() if f.page})
        if not pages:
            return ""
        return str(pages[0]) if len(pages) == 1 else f"{pages[0]}-{pages[-1]}"


FACT_LABELS = {
    "agreement_date": ("辅导协议签署", "Agreement signed"),
    "tutoring_period": ("辅导期", "Tutoring period"),
    "tutoring_start": ("辅导开始", "Tutoring from"),
    "tutoring_end": ("辅导结束", "Tutoring until"),
    "province": ("省份", "Province"),
    "main_business": ("主营业务", "Main business"),
    "controlling_shareholder": ("控股股东", "Controlling shareholder"),
    "registered_capital": ("注册资本", "Registered capital"),
    "legal_representative": ("法定代表人", "Legal representative"),
    "industry": ("行业分类", "Industry"),
    "established_date": ("成立日期", "Established"),
    "address": ("注册地址", "Address"),
    "law_firm": ("律师事务所", "Law firm"),
    "accounting_firm": ("会计师事务所", "Accounting firm"),
    "other_brokers": ("其他券商", "Other brokers"),
    "period_no": ("辅导期数", "Progress report no."),
    "completion_date": ("辅导完成", "Tutoring completed"),
    "sponsors": ("保荐人", "Sponsors"),
    "business_summary": ("业务概览", "Business summary"),
}


def facts_text(facts: dict[str, str] | None, lang: str, document: dict | None = None) -> str:
    """The payload's facts as lines ("辅导协议签署：2025-12-31"), contract order, for messages."""
    if not facts:
        return ""
    keys = [k for k in FACT_ORDER if k in facts] + [k for k in facts if k not in FACT_ORDER]
    sep = "：" if lang == "zh" else ": "
    lines = []
    for k in keys:
        zh, en = FACT_LABELS.get(k, (k, k))
        lines.append(f"{zh if lang == 'zh' else en}{sep}{facts[k]}")
    if document and document.get("pages"):
        pages = document["pages"]
        lines.append(
            f"（以上见报告第{pages}页）" if lang == "zh" else f"(from the report, p. {pages})"
        )
    return "\n".join(lines)


def facts_payload(row: dict[str, Any]) -> dict[str, Any]:
    """A filing_facts row (scraper/db/documents.py) -> the alert payload's `facts` (contract
    keys, contract order, non-empty only) and `facts_document` {title, url, pages}."""
    facts = {k: str(row[k]) for k in FACT_ORDER if row.get(k) not in (None, "")}
    if "tutoring_period" in facts:  # the period line says start, end and months at once
        facts.pop("tutoring_start", None)
        facts.pop("tutoring_end", None)
    pages = sorted(set(json.loads(row.get("pages") or "{}").values()))
    where = "" if not pages else str(pages[0]) if len(pages) == 1 else f"{pages[0]}-{pages[-1]}"
    doc = {"title": row.get("_title", ""), "url": row.get("_url", ""), "pages": where}
    return {"facts": facts, "facts_document": doc} if facts else {}
