"""Optional OCR of scanned reports (off by default): Tesseract with its chi_sim model.

A scan has no text layer; with `[crawl] documents_ocr = true` and the `tesseract` binary and
its Simplified Chinese data installed (Debian: `apt-get install tesseract-ocr
tesseract-ocr-chi-sim`), the first pages are rendered with PDFium and read by Tesseract, so a
scanned filing report still gives its facts (marked `ocr`). Without the binary the scan stays a
counted `scan`. Bounded: at most `max_pages` pages, each with a timeout.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from pathlib import Path

_RULES_RE = re.compile(r"[|｜”“\"']")
MAX_PAGES = 6
SCALE = 2.0  # 144 dpi: enough for 10.5 pt CJK text, and fast


def available(lang: str = "chi_sim") -> bool:
    exe = shutil.which("tesseract")
    if not exe:
        return False
    try:
        out = subprocess.run([exe, "--list-langs"], capture_output=True, text=True, timeout=20)
    except (OSError, subprocess.SubprocessError):
        return False
    return lang in out.stdout.split()


def ocr_pdf(data: bytes, max_pages: int = MAX_PAGES, lang: str = "chi_sim",
            timeout: float = 60.0) -> list[str]:  # fmt: skip
    """Text of the first pages of a (scanned) PDF; [] when Tesseract is not installed."""
    exe = shutil.which("tesseract")
    if not exe:
        return []
    import pypdfium2 as pdfium

    from scraper.parsers.pdf_text import _LOCK

    pages: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        images = []
        with _LOCK:
            doc = pdfium.PdfDocument(data)
            try:
                for i in range(min(len(doc), max_pages)):
                    path = Path(tmp) / f"p{i}.png"
                    doc[i].render(scale=SCALE, grayscale=True).to_pil().save(path)
                    images.append(path)
            finally:
                doc.close()
        for path in images:
            try:
                out = subprocess.run([exe, str(path), "-", "-l", lang], capture_output=True,
                                     text=True, timeout=timeout)  # fmt: skip
            except (OSError, subprocess.SubprocessError):
                break
            # table rules read as | and stray quotes: not text of any field
            pages.append(_RULES_RE.sub("", out.stdout))
    return pages
