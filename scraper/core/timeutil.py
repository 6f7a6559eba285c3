"""One place for dates: every source is Asia/Shanghai, epoch-ms fields are UTC."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")
HONG_KONG = ZoneInfo("Asia/Hong_Kong")

_DATE_RE = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})")


def now_iso() -> str:
    """Current time in Shanghai, ISO 8601 with offset, second precision."""
    return datetime.now(SHANGHAI).replace(microsecond=0).isoformat()


def today_shanghai() -> date:
    return datetime.now(SHANGHAI).date()


def epoch_ms_to_local(ms: int | float | str, tz: ZoneInfo = SHANGHAI) -> datetime:
    """Epoch milliseconds are UTC instants; convert them once, here."""
    return datetime.fromtimestamp(int(ms) / 1000, tz=UTC).astimezone(tz)


def epoch_ms_to_date(ms: int | float | str | None, tz: ZoneInfo = SHANGHAI) -> str | None:
    """None for a value that is not an epoch (a list, an object, out of range)."""
    if ms.__class__ is int:
        return _epoch_date(ms, tz)  # the common case, past the checks below
    if ms in (None, "") or isinstance(ms, bool) or not isinstance(ms, int | float | str):
        return None
    return _epoch_date(ms, tz)


@lru_cache(maxsize=16384)
def _epoch_date(ms: int | float | str, tz: ZoneInfo) -> str | None:
    try:
        return epoch_ms_to_local(ms, tz).date().isoformat()
    except (TypeError, ValueError, OverflowError, OSError):
        return None


def parse_date(text: str | None) -> str | None:
    """Accept 2024-09-12, 2024/9/12, 2024.9.12 and 2024年9月12日; return ISO or None."""
    if not text or not isinstance(text, str):
        return None
    return _parse_date(text)


@lru_cache(maxsize=16384)
def _parse_date(text: str) -> str | None:
    """Cached: a list's dates repeat (documents of one day, one project's steps)."""
    m = _DATE_RE.search(text)
    if not m:
        return None
    try:
        return date(int(m[1]), int(m[2]), int(m[3])).isoformat()
    except ValueError:
        return None
