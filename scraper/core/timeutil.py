"""One place for dates: every source is Asia/Shanghai, epoch-ms fields are UTC."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
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
    if ms.__class__ is int:
        start, end = _plus_eight_span(tz)
        if start <= ms < end:  # a day by integer arithmetic: what the zone lookup would say
            return date.fromordinal(_EPOCH_ORDINAL + (ms + _EIGHT_HOURS_MS) // _DAY_MS).isoformat()
    try:
        return epoch_ms_to_local(ms, tz).date().isoformat()
    except (TypeError, ValueError, OverflowError, OSError):
        return None


_DAY_MS = 86_400_000
_EIGHT_HOURS_MS = 8 * 3_600_000
_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()


@lru_cache(maxsize=8)
def _plus_eight_span(tz: ZoneInfo) -> tuple[int, int]:
    """Epoch-ms span over which `tz` is UTC+8 all year, as this machine's tz database says
    (Shanghai since its last daylight saving in 1991, Hong Kong since 1979): the first and last
    years whose January and July are both +8, checked from 1992 to 2100 (a rule change in the
    database ends the span where it starts). (0, 0) for any other zone."""
    plus_eight = timedelta(hours=8)
    first = last = None
    for year in range(1992, 2101):
        if all(datetime(year, m, 1, tzinfo=tz).utcoffset() == plus_eight for m in (1, 7)):
            first = first or year
            last = year
        elif first:
            break
    if first is None:
        return 0, 0
    start = datetime(first, 1, 1, tzinfo=tz).timestamp()
    end = datetime(last, 12, 31, tzinfo=tz).timestamp()
    return int(start * 1000), int(end * 1000)


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
