"""PDF bytes -> text of each page (pure, bounded): the one place a document's text is read.

pypdfium2 (PDFium, Apache-2.0/BSD-3) was chosen by measurement (bench/pdf_extract.py and the
commit that added this module): ~800 pages/s on generated Chinese reports against pdfminer.six's
~35, CJK text exact, and content-stream reading order, so a four-column table comes out row by
row, label beside value (pdfminer reads such a table column by column). PyMuPDF is faster still
but AGPL, which would bind everyone embedding filingwatch.

Every way a download can be wrong is a declared error with a `kind` the crawl records on the
document: not a PDF (an HTML error page), truncated, encrypted, over the size cap, a
decompression bomb. Work is bounded before PDFium sees the bytes (size, inflated stream sizes)
and while reading (pages, characters), so a hostile file cannot take the memory of the crawl.
"""

from __future__ import annotations

import re
import threading
import zlib
from dataclasses import dataclass

from scraper.parsers.common import PageError

MAX_BYTES = 30 * 1024 * 1024  # the crawl's download cap; reports are 0.2-5 MB
MAX_PAGES = 40  # facts sit in the first pages; later pages are appendices
MAX_CHARS = 400_000  # text kept over all pages read
MAX_INFLATED = 48 * 1024 * 1024  # total inflated size of the Flate streams of one file
MIN_TEXT_CHARS = 20  # fewer visible characters over the pages read: a scan, no text layer


class DocumentError(PageError):
    kind = "document_error"


class NotPdf(DocumentError):
    kind = "not_pdf"


class TruncatedPdf(DocumentError):
    kind = "truncated_pdf"


class EncryptedPdf(DocumentError):
    kind = "encrypted_pdf"


class OversizePdf(DocumentError):
    kind = "oversize_pdf"


class PdfBomb(DocumentError):
    kind = "decompression_bomb"


class BrokenPdf(DocumentError):
    kind = "broken_pdf"


@dataclass
class PdfText:
    pages: list[str]  # text of each page read, in content order
    page_count: int  # pages the document has
    has_text_layer: bool  # False: a scan (images only); OCR is an optional extra
    clipped: bool = False  # stopped at MAX_PAGES / MAX_CHARS

    @property
    def chars(self) -> int:
        return sum(len(p) for p in self.pages)


_STREAM_RE = re.compile(rb"stream\r?\n")
_HTML_RE = re.compile(rb"<\s*(!doctype|html|head|body)", re.IGNORECASE)
# PDFium's global state is not thread-safe; the crawl may read in a worker thread.
_LOCK = threading.Lock()


def sniff(data: bytes, max_bytes: int = MAX_BYTES) -> None:
    """Raise the declared error for bytes that are not a whole, reasonable PDF."""
    if len(data) > max_bytes:
        raise OversizePdf(f"{len(data)} bytes over the cap of {max_bytes}")
    head = data[:1024]
    if b"%PDF-" not in head:
        if _HTML_RE.search(head):
            raise NotPdf("an HTML page, not a PDF (error or challenge page)")
        raise NotPdf(f"no %PDF header (starts {head[:16]!r})")
    if b"%%EOF" not in data[-2048:]:
        raise TruncatedPdf(f"no %%EOF at the end of {len(data)} bytes: download cut short")


def inflated_size(data: bytes, limit: int = MAX_INFLATED) -> int:
    """Sum of the inflated sizes of the file's Flate streams, stopping past `limit`.

    Inflates in bounded steps and discards the output, so measuring a bomb costs no memory.
    """
    total = 0
    pos = 0
    while True:
        m = _STREAM_RE.search(data, pos)
        if m is None:
            return total
        start = m.end()
        end = data.find(b"endstream", start)
        if end < 0:
            return total
        pos = end + 9
        d = zlib.decompressobj()
        buf = data[start:end]
        try:
            while buf and total <= limit:
                out = d.decompress(buf, 1 << 20)
                total += len(out)
                buf = d.unconsumed_tail
        except zlib.error:
            continue  # not Flate (images, fonts in other filters): PDFium decides
        if total > limit:
            return total


def extract(data: bytes, max_bytes: int = MAX_BYTES, max_pages: int = MAX_PAGES,
            max_chars: int = MAX_CHARS, max_inflated: int = MAX_INFLATED) -> PdfText:  # fmt: skip
    """Text of the first `max_pages` pages; raises a DocumentError subclass for a bad file."""
    sniff(data, max_bytes)
    size = inflated_size(data, max_inflated)
    if size > max_inflated:
        raise PdfBomb(f"streams inflate past {max_inflated // (1024 * 1024)} MB "
                      f"from {len(data)} bytes")  # fmt: skip
    import pypdfium2 as pdfium  # late: only the crawl's document step needs the native library

    with _LOCK:
        try:
            doc = pdfium.PdfDocument(data)
        except pdfium.PdfiumError as exc:
            text = str(exc).lower()
            if "password" in text or "security" in text:
                raise EncryptedPdf("encrypted: needs a password") from None
            raise BrokenPdf(f"PDFium cannot open it: {exc}") from None
        try:
            count = len(doc)
            pages: list[str] = []
            used = 0
            clipped = count > max_pages
            for i in range(min(count, max_pages)):
                page = doc[i]
                textpage = page.get_textpage()
                text = textpage.get_text_bounded().replace("\r\n", "\n").replace("\r", "\n")
                textpage.close()
                page.close()
                if used + len(text) > max_chars:
                    pages.append(text[: max_chars - used])
                    clipped = True
                    break
                pages.append(text)
                used += len(text)
        finally:
            doc.close()
    visible = sum(len("".join(p.split())) for p in pages)
    return PdfText(pages, count, visible >= MIN_TEXT_CHARS, clipped)
