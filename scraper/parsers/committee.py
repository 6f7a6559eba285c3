"""What a listing-committee announcement's title says (pure, shared by the SSE list parser and
the SZSE/BSE documents): the session ("2026年第50次") and a meeting date when the title states
one. Neither is guessed: a title without them gives None."""

from __future__ import annotations

import re

from scraper.core.timeutil import parse_date

_SESSION_RE = re.compile(r"(\d{4}\s*年\s*第\s*\d+\s*次)")
_DATE_RE = re.compile(r"\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日")


def session(title: str) -> str | None:
    m = _SESSION_RE.search(title or "")
    return re.sub(r"\s+", "", m[1]) if m else None


def stated_date(title: str) -> str | None:
    m = _DATE_RE.search(title or "")
    return parse_date(m[0]) if m else None
