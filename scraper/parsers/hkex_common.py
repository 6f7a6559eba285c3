"""What the HKEXnews parsers share: HK date formats, document numbers from PDF paths, stock codes.

HKEXnews writes dates day first (`17/10/2025`, `29/04/2025 17:00`, `Jun 23, 2026`,
`Updated: 07 Jul 2026`); document files are numbered `YYYYMMDDNNNNN[_c].pdf` (before ~2020
`ltnYYYYMMDDNNN.pdf`), the same number in both languages (REPORT-csrc-hkex.md §4.2, §5.2).
"""

from __future__ import annotations

import functools
import re
from datetime import date, datetime
from urllib.parse import urlsplit

from scraper.core.timeutil import HONG_KONG

_DMY_RE = re.compile(r"^\s*(\d{1,2})/(\d{1,2})/(\d{4})(?:\s+(\d{1,2}):(\d{2}))?")
_DM_TIME_RE = re.compile(r"^\s*(\d{1,2})/(\d{1,2})\s+(\d{1,2}):(\d{2})\s*$")
_MONTHS = {m: i for i, m in enumerate(
    ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1)}  # fmt: skip
_MON_D_Y_RE = re.compile(r"\b([A-Za-z]{3})[a-z]*\.?\s+(\d{1,2}),?\s+(\d{4})\b")
_D_MON_Y_RE = re.compile(r"\b(\d{1,2})\s+([A-Za-z]{3})[a-z]*\.?,?\s+(\d{4})\b")
_YMD_ZH_RE = re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日")
_PATH_DATE_RE = re.compile(r"/(\d{4})/(\d{2})(\d{2})/[^/]+$")
_DOC_NO_RE = re.compile(r"(?:^|[^0-9])(20\d{6})\d{3,6}(?:_c)?\.\w+$", re.IGNORECASE)
_LTN_RE = re.compile(r"ltn(\d{8})\d+", re.IGNORECASE)
_SUBMISSION_URL_RE = re.compile(r"(?:sehk|gem)(\d{6})\d+(?:_c)?\.\w+$", re.IGNORECASE)


def _iso(y: int, m: int, d: int) -> str | None:
    try:
        return date(y, m, d).isoformat()
    except ValueError:
        return None


def hk_date(text: str | None) -> str | None:
    """`17/10/2025` (day first, as every HKEX JSON writes it), `Jun 23, 2026`, `07 Jul 2026`,
    `2026年7月7日` -> ISO date; placeholders such as `DD/MM/2026` -> None."""
    if not text:
        return None
    return _hk_date(str(text))


@functools.lru_cache(maxsize=16384)
def _hk_date(text: str) -> str | None:
    m = _DMY_RE.match(text)
    if m:
        return _iso(int(m[3]), int(m[2]), int(m[1]))
    m = _YMD_ZH_RE.search(text)
    if m:
        return _iso(int(m[1]), int(m[2]), int(m[3]))
    m = _MON_D_Y_RE.search(text)
    if m and m[1].lower() in _MONTHS:
        return _iso(int(m[3]), _MONTHS[m[1].lower()], int(m[2]))
    m = _D_MON_Y_RE.search(text)
    if m and m[2].lower() in _MONTHS:
        return _iso(int(m[3]), _MONTHS[m[2].lower()], int(m[1]))
    return None


def hk_datetime(text: str | None, today: date | None = None) -> tuple[str | None, str | None]:
    """`29/04/2025 17:00` -> ('2025-04-29', '17:00'); `22/09 16:33` (no year, as the latest-
    announcements feed writes it) takes the year that puts the date on or before `today`."""
    if not text:
        return None, None
    m = _DMY_RE.match(str(text))
    if m:
        hhmm = f"{int(m[4]):02d}:{m[5]}" if m[4] else None
        return _iso(int(m[3]), int(m[2]), int(m[1])), hhmm
    m = _DM_TIME_RE.match(str(text))
    if m:
        today = today or datetime.now(HONG_KONG).date()
        day, month = int(m[1]), int(m[2])
        year = today.year if (month, day) <= (today.month, today.day) else today.year - 1
        return _iso(year, month, day), f"{int(m[3]):02d}:{m[4]}"
    return hk_date(text), None


def doc_key(path: str | None) -> str | None:
    """The language-independent number of a document: file stem without `_c`, lower-case.

    `/listedco/listconews/sehk/2026/0630/2026063000033_c.pdf` -> `2026063000033`;
    `sehk/2026/108261/documents/sehk26062301881_c.pdf` -> `sehk26062301881`.
    """
    if not path:
        return None
    if path.__class__ is str and "?" not in path and "#" not in path and path[-1] != "/":
        name = path.rpartition("/")[2]  # the common case: a plain relative or absolute path
    else:
        path = str(path).split("?", 1)[0].split("#", 1)[0].rstrip("/")
        name = path.rpartition("/")[2]
        if not name:
            return None
    stem, dot, ext = name.rpartition(".")
    stem = (stem if dot else ext).lower()
    if stem.endswith("_c"):
        stem = stem[:-2]
    return stem or None


def doc_date_from_path(path: str | None) -> str | None:
    """Publication day from a listed-company document path: `/YYYY/MMDD/` or the file number."""
    if not path:
        return None
    p = urlsplit(str(path)).path
    m = _PATH_DATE_RE.search(p)
    if m:
        return _iso(int(m[1]), int(m[2]), int(m[3]))
    name = p.rsplit("/", 1)[-1]
    m = _DOC_NO_RE.search(name) or _LTN_RE.search(name)
    if m:
        d = m[1]
        return _iso(int(d[:4]), int(d[4:6]), int(d[6:]))
    m = _SUBMISSION_URL_RE.search(name)  # sehkYYMMDDNNNNN (application documents)
    if m:
        d = m[1]
        return _iso(2000 + int(d[:2]), int(d[2:4]), int(d[4:]))
    return None


def stock_code(text: str | None) -> str | None:
    """HK stock codes as five digits (`3752` -> `03752`); anything else -> None."""
    if text is None:
        return None
    digits = re.sub(r"\D", "", str(text))
    if not digits or len(digits) > 5:
        return None
    return digits.zfill(5)


_SHARE_MARK_RE = re.compile(r"\s*[-－–]\s*(?:W|B|S|SW|WR|P|R|H)\s*$", re.IGNORECASE)


def strip_share_marks(name: str) -> str:
    """`MOMENTA GLOBAL LIMITED - W` -> `MOMENTA GLOBAL LIMITED`; `某某科技－Ｂ` -> `某某科技`."""
    import unicodedata

    text = unicodedata.normalize("NFKC", name or "").strip()
    return _SHARE_MARK_RE.sub("", text).strip()


def en_key(name: str | None) -> str:
    """English company names compared letter by letter: case, punctuation and -W/-B marks ignored."""
    text = strip_share_marks(name or "").lower()
    return re.sub(r"[^0-9a-z]+", "", text)
