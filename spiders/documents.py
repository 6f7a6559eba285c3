"""Fetch and read the reports a page lists, before the page's batch goes to storage.

A mixin for list spiders (csrcfd): `with_documents(batch)` yields either the batch itself (nothing
to fetch) or the first PDF request of a chain; each PDF callback reads its document (pure:
scraper/parsers/pdf_text.py, tutoring_report.py), then asks for the next PDF or, at the end,
yields the batch carrying every `DocumentRead`. So the one ingest transaction stores the filing,
its facts and the alert that carries them, within the crawl cycle that saw the row.

Only rows new to the database are fetched, and not while the source is in its baseline sweep
(history: `filingwatch crawl csrcfd --documents` fetches it later, bounded and resumable).
Requests go through the same downloader as the list pages (delay, retries, timeout) with a size
cap; every failure is recorded on that document with its URL and never stops the batch.
"""

from __future__ import annotations

import re
from pathlib import Path

import scrapy

from scraper.core.facts import DocumentRead
from scraper.parsers import pdf_text
from scraper.parsers.tutoring_report import read_document

# report types whose PDFs are read (withdrawal reports are fetched and kept, no facts expected)
FETCHED_TYPES = ("filing_report", "progress_report", "completion_report", "withdrawal_report")
_SAFE_RE = re.compile(r"[^A-Za-z0-9_.-]")


def safe_name(native_id: str) -> str:
    """A file name from the filing's id, never from its (Chinese, slash-bearing) title."""
    name = _SAFE_RE.sub("_", native_id).strip("._")[:120]
    return name or "document"


class DocumentsMixin:
    """For SourceSpider subclasses whose filings carry `pdf_url` and `report_type`."""

    documents_max_bytes = pdf_text.MAX_BYTES
    document_types: tuple[str, ...] = FETCHED_TYPES  # report types whose PDFs are fetched

    def documents_wanted(self) -> bool:
        settings = self.crawler.settings
        if not settings.getbool("FILINGWATCH_DOCUMENTS", True):
            return False
        if not hasattr(self, "_fw_doc_seen"):
            self._fw_doc_seen = set(self.prior.statuses(self.source))
            baseline = not self.prior.baseline_done(self.source)
            self._fw_doc_on = not baseline or settings.getbool("FILINGWATCH_ALERT_BASELINE")
            self.documents_max_bytes = settings.getint(
                "FILINGWATCH_DOCUMENTS_MAX_BYTES", pdf_text.MAX_BYTES
            )
            self._fw_ocr = None
            if settings.getbool("FILINGWATCH_DOCUMENTS_OCR"):  # optional extra, off by default
                from scraper import ocr

                self._fw_ocr = ocr.ocr_pdf if ocr.available() else None
                if self._fw_ocr is None:
                    self.logger.warning("documents_ocr is on but tesseract/chi_sim is missing")
        return self._fw_doc_on

    def with_documents(self, batch):
        """Yield the batch, or the PDF chain that ends by yielding it."""
        todo = []
        if self.documents_wanted():
            for f in batch.filings:
                if f.native_id in self._fw_doc_seen or not f.pdf_url:
                    continue
                self._fw_doc_seen.add(f.native_id)
                # a multi-file index (.htm) is not a document to read
                if f.report_type in self.document_types and not f.pdf_url.endswith(
                    (".htm", ".html")
                ):
                    todo.append(f)
        if not todo:
            yield batch
            return
        yield self._document_request(batch, todo)

    def _document_request(self, batch, todo: list) -> scrapy.Request:
        filing = todo[0]
        return scrapy.Request(
            filing.pdf_url,
            callback=self._on_document,
            errback=self._on_document_error,
            dont_filter=True,
            headers={"Referer": batch.url},
            meta={"fw_batch": batch, "fw_todo": todo, "download_maxsize": self.documents_max_bytes + 1,
                  "fw_document": True},
        )  # fmt: skip

    def _next(self, batch, todo: list):
        rest = todo[1:]
        if rest:
            yield self._document_request(batch, rest)
        else:
            yield batch

    def _on_document(self, response):
        batch, todo = response.meta["fw_batch"], response.meta["fw_todo"]
        filing = todo[0]
        if response.status >= 400:
            doc = DocumentRead(filing.native_id, filing.pdf_url, filing.report_type or "unknown",
                               "error", "http_error", f"HTTP {response.status}")  # fmt: skip
        else:
            doc = read_document(filing.native_id, filing.pdf_url, filing.report_type,
                                response.body, self.documents_max_bytes, self._fw_ocr)  # fmt: skip
            if doc.status != "error":
                doc.path = self._keep(filing.native_id, response.body)
        self._note_document(doc)
        batch.documents.append(doc)
        yield from self._next(batch, todo)

    def _on_document_error(self, failure):
        request = failure.request
        batch, todo = request.meta["fw_batch"], request.meta["fw_todo"]
        filing = todo[0]
        text = str(failure.value)
        kind = "oversize_pdf" if "max size" in text else "network_error"
        doc = DocumentRead(filing.native_id, filing.pdf_url, filing.report_type or "unknown",
                           "error", kind, f"{type(failure.value).__name__}: {text[:300]}")  # fmt: skip
        self._note_document(doc)
        batch.documents.append(doc)
        yield from self._next(batch, todo)

    def _note_document(self, doc: DocumentRead) -> None:
        """A failed or scanned document is a warning of the run, with its URL: `document_*` kinds
        never make the source unhealthy (the list itself was read)."""
        if doc.status == "error":
            self.run.problem(f"document_{doc.error_kind or 'error'}", doc.url,
                             f"document {doc.native_id}: {doc.error}")  # fmt: skip
        elif doc.status == "scan":
            self.run.problem("document_scan", doc.url, f"document {doc.native_id}: no text layer")
        elif doc.doc_type == "application_proof" and doc.missing:
            # an AP's first pages name its sponsors, industry and business: loud when absent
            self.run.problem("document_facts_missing", doc.url,
                             f"document {doc.native_id}: no {', '.join(doc.missing)}")  # fmt: skip
        self.logger.info("document id=%s status=%s facts=%d missing=%s", doc.native_id,
                         doc.status, len(doc.facts), ",".join(doc.missing) or "-")  # fmt: skip

    def _keep(self, native_id: str, body: bytes) -> str | None:
        root = self.crawler.settings.get("FILINGWATCH_DATA_DIR")
        if not root:
            return None
        rel = Path("documents") / self.source / f"{safe_name(native_id)}.pdf"
        path = Path(root) / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".part")
        tmp.write_bytes(body)
        tmp.replace(path)
        return str(rel)
