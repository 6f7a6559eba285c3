"""Company-name keys: the same company written with full- or half-width marks meets on one key."""

from __future__ import annotations

import re
import unicodedata

_SPACE_RE = re.compile(r"\s+")


def name_key(name: str) -> str:
    """Normalised key: NFKC (full-width brackets/digits to ASCII), no spaces, lower-case latin."""
    text = unicodedata.normalize("NFKC", name or "")
    text = _SPACE_RE.sub("", text)
    return text.lower()
