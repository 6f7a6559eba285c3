"""`filingwatch crawl csrcfd --documents`: fetch and read the reports of history, bounded and
resumable.

The crawl reads the PDFs of rows new to the database; rows stored during a source's baseline
sweep (13k on csrcfd) are not downloaded then. This walks those rows newest first, one at a time
with the crawl's politeness (download delay, timeout, retries, User-Agent) and the same size
cap, reads each (scraper/parsers/tutoring_report.read_document) and stores its state and facts
in its own transaction, then re-classifies the companies whose facts arrived. A row with a
`documents` row is done, so an interrupted run resumes where it stopped; network failures are
not stored, so the next run tries them again. Classifying history queues no alert.
"""

from __future__ import annotations

import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field

from scraper.config import Config
from scraper.core.facts import DocumentRead
from scraper.core.timeutil import now_iso
from scraper.db import connection as dbconn
from scraper.db import documents as documents_repo
from scraper.parsers import pdf_text
from scraper.parsers.tutoring_report import read_document

FETCHED_TYPES = ("filing_report", "progress_report", "completion_report", "withdrawal_report")


@dataclass
class BackfillResult:
    todo: int = 0
    counts: dict[str, int] = field(default_factory=dict)

    def line(self) -> str:
        parts = " ".join(f"{k}={v}" for k, v in sorted(self.counts.items()))
        return f"documents source=csrcfd todo={self.todo} {parts}".strip()


def pending(conn, source: str, limit: int) -> list[tuple]:
    """(filing id, native id, pdf url, report type, company id) without a documents row."""
    marks = ", ".join("?" for _ in FETCHED_TYPES)
    return conn.execute(
        "SELECT f.id, f.native_id, f.pdf_url, f.report_type, f.company_id FROM filings f"
        " LEFT JOIN documents d ON d.filing_id = f.id WHERE f.source = ? AND d.filing_id IS NULL"
        f" AND f.pdf_url IS NOT NULL AND f.report_type IN ({marks})"
        " ORDER BY coalesce(f.disclosed_date, f.event_date) DESC, f.id DESC LIMIT ?",
        [source, *FETCHED_TYPES, limit],
    ).fetchall()


def fetch(url: str, cfg: Config, max_bytes: int) -> bytes:
    """GET with the crawl's timeout, retries and User-Agent; reads at most max_bytes + 1."""
    c = cfg.crawl
    last: Exception | None = None
    for attempt in range(c.retries + 1):
        if attempt:
            time.sleep(min(c.backoff_max, c.backoff_base * 2 ** (attempt - 1)))
        request = urllib.request.Request(url, headers={"User-Agent": c.user_agent})
        try:
            with urllib.request.urlopen(request, timeout=c.timeout) as response:
                return response.read(max_bytes + 1)
        except urllib.error.HTTPError as exc:
            if exc.code < 500 and exc.code != 429:
                raise
            last = exc
        except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
            last = exc
    assert last is not None
    raise last


def backfill(cfg: Config, limit: int, echo: Callable[[str], None] = print,
             max_bytes: int = pdf_text.MAX_BYTES, source: str = "csrcfd") -> BackfillResult:  # fmt: skip
    from alerts.config import settings
    from alerts.outbox import classify_companies

    db = dbconn.open_db(cfg.db_path)
    rows = pending(db.conn, source, limit)
    result = BackfillResult(todo=len(rows))
    taxonomy = settings(cfg).taxonomy
    ocr_fn = None
    if cfg.crawl.documents_ocr:
        from scraper import ocr

        ocr_fn = ocr.ocr_pdf if ocr.available() else None
    for i, (_fid, native_id, url, report_type, cid) in enumerate(rows, 1):
        if i > 1 and cfg.crawl.download_delay:
            time.sleep(cfg.crawl.download_delay)
        try:
            body = fetch(url, cfg, max_bytes)
        except urllib.error.HTTPError as exc:
            doc = DocumentRead(
                native_id, url, report_type, "error", "http_error", f"HTTP {exc.code}"
            )
        except (urllib.error.URLError, TimeoutError, ConnectionError, OSError) as exc:
            result.counts["network_error"] = result.counts.get("network_error", 0) + 1
            echo(f"documents {i}/{len(rows)} network_error url={url} {exc}")
            continue  # not stored: the next run tries again
        else:
            doc = read_document(native_id, url, report_type, body, max_bytes, ocr_fn)
        now = now_iso()
        with dbconn.transaction(db):
            documents_repo.store(db.conn, source, [doc], now)
            if cid is not None and doc.facts and report_type == "filing_report":
                name = db.conn.execute("SELECT name FROM companies WHERE id = ?", [cid]).fetchone()
                classify_companies(db, [{"company_id": cid, "company": name[0]}], taxonomy, now)
        key = doc.error_kind or doc.status
        result.counts[key] = result.counts.get(key, 0) + 1
        echo(f"documents {i}/{len(rows)} {doc.status} facts={len(doc.facts)} id={native_id}"
             + (f" {doc.error_kind}" if doc.error_kind else ""))  # fmt: skip
    return result
