"""What every HTML/JSON parser needs: safe decoding, challenge-page detection, page errors."""

from __future__ import annotations

import re
from typing import Any

_META_CHARSET_RE = re.compile(
    rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_\-]+)""", re.IGNORECASE
)
_HEADER_CHARSET_RE = re.compile(r"charset\s*=\s*[\"']?([A-Za-z0-9_\-]+)", re.IGNORECASE)

# Chinese legacy charsets all decode as their superset, so rare characters are never lost.
_CHARSET_ALIASES = {
    "gbk": "gb18030",
    "gb2312": "gb18030",
    "gb_2312-80": "gb18030",
    "x-gbk": "gb18030",
}


class PageError(Exception):
    """A page that cannot be trusted to say 'nothing new'. `kind` goes into source health."""

    kind = "parse_error"

    def __init__(self, message: str, url: str = ""):
        super().__init__(message)
        self.url = url


class ChallengePage(PageError):
    kind = "challenge_page"


class TableMissing(PageError):
    kind = "table_missing"


class ZeroRows(PageError):
    kind = "zero_rows"


class BadPayload(PageError):
    """Truncated JSON, an HTML error page where JSON was expected, and the like."""

    kind = "bad_payload"


def _norm_charset(name: str | None) -> str | None:
    if not name:
        return None
    name = name.strip().lower()
    return _CHARSET_ALIASES.get(name, name)


def declared_charset(body: bytes, content_type: str | None = None) -> str | None:
    """The HTTP header wins over <meta>, as browsers do."""
    if content_type:
        m = _HEADER_CHARSET_RE.search(content_type)
        if m:
            return _norm_charset(m[1])
    m = _META_CHARSET_RE.search(body[:4096])
    return _norm_charset(m[1].decode("ascii", "ignore")) if m else None


def decode_html(body: bytes | str, content_type: str | None = None) -> str:
    """Decode without mojibake: strict UTF-8 first, then the declared charset, then GB18030.

    GBK bytes are almost never valid UTF-8, while UTF-8 bytes often "decode" as GBK garbage,
    so a body that is valid UTF-8 is read as UTF-8 whatever its label says.
    """
    if isinstance(body, str):
        return body
    tried: list[str] = []
    for enc in ("utf-8", declared_charset(body, content_type), "gb18030"):
        if not enc or enc in tried:
            continue
        tried.append(enc)
        try:
            return body.decode(enc)
        except (UnicodeDecodeError, LookupError):
            continue
    return body.decode("utf-8", errors="replace")


_CHALLENGE_MARKERS = (
    "访问验证",
    "安全验证",
    "滑动验证",
    "请完成验证",
    "acw_sc__v2",
    "acw_tc",
    "aliyun_waf",
    "_waf_",
    "captcha",
    "验证码",
    "人机验证",
    "Access Denied",
)


def looks_like_challenge(text: str) -> str | None:
    """Return the marker when a body is a WAF/challenge interstitial rather than content."""
    head = text[:20000]
    for marker in _CHALLENGE_MARKERS:
        if marker.lower() in head.lower():
            return marker
    return None


# ---------------------------------------------------------------- JSON and JSONP bodies

_JSONP_HEAD_RE = re.compile(r"[\w$.]+\s*\(")


def unwrap_jsonp(text: str) -> str:
    """`cb({...})`, `cb({...});`, `null([...])`, `/**/cb(...)` -> the JSON inside; JSON as is.

    Leading `//` comment lines and `/* */` guards are dropped. Escaped slashes (`"\\/a\\/b"`)
    are valid JSON escapes and need no handling here.
    """
    s = text.lstrip("\ufeff \t\r\n")
    while s.startswith(("//", "/*")):
        if s.startswith("//"):
            nl = s.find("\n")
            s = "" if nl < 0 else s[nl + 1 :].lstrip()
        else:
            end = s.find("*/")
            s = "" if end < 0 else s[end + 2 :].lstrip()
    if s[:1] in ("{", "["):
        return s
    m = _JSONP_HEAD_RE.match(s)
    if not m:
        return s
    end = s.rstrip().rstrip(";").rstrip()
    if not end.endswith(")"):
        return s  # truncated: let the JSON parser say so
    return end[m.end() : -1]


def load_json(body: bytes | str, url: str = "", content_type: str | None = None):
    """Decode, unwrap JSONP and parse; a WAF page raises ChallengePage, anything else BadPayload."""
    import json

    text = decode_html(body, content_type)
    payload = unwrap_jsonp(text)
    if not payload.strip():
        raise BadPayload("empty body where JSON was expected", url)
    try:
        return json.loads(payload)
    except ValueError as exc:
        head = payload.lstrip()[:1]
        if head == "<" or "<html" in text[:2000].lower():
            marker = looks_like_challenge(text)
            if marker:
                raise ChallengePage(
                    f"challenge/verification page (marker {marker!r})", url
                ) from None
            raise BadPayload(f"HTML page where JSON was expected: {text[:120]!r}", url) from None
        raise BadPayload(f"not valid JSON ({exc}); {len(text)} chars", url) from None


# ---- plain values out of JSON payloads (numbers arrive as 1, "1", 1.0 or " 1 ")


def clean_text(value: Any) -> str:
    """Whitespace folded to single spaces; None -> ''."""
    if value is None:
        return ""
    return " ".join(str(value).split())


def code_text(value: Any) -> str:
    """A status or board code as text: 5.0 -> '5', ' P07 ' -> 'P07'."""
    if value is None:
        return ""
    text = str(value).strip()
    return text[:-2] if text.endswith(".0") else text


def to_int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return int(value)
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return None


def to_float(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    try:
        text = str(value).strip()
        return float(text) if text else None
    except (TypeError, ValueError):
        return None


def html_document(body: bytes | str, url: str):
    """Decode, refuse a challenge/verification page, and parse: the start of every HTML parser."""
    import lxml.html

    text = decode_html(body)
    marker = looks_like_challenge(text)
    if marker:
        raise ChallengePage(f"challenge page (marker {marker!r})", url)
    return lxml.html.fromstring(text)
