"""What every HTML/JSON parser needs: safe decoding, challenge-page detection, page errors."""

from __future__ import annotations

import contextlib
import gc
import re
from typing import Any

import msgspec

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
    try:
        return body.decode("utf-8")  # the common case, before any <meta> is looked for
    except UnicodeDecodeError:
        pass
    tried: list[str] = ["utf-8"]
    for enc in (declared_charset(body, content_type), "gb18030"):
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


_CHALLENGE_LOWER = tuple((m, m.lower()) for m in _CHALLENGE_MARKERS)


def looks_like_challenge(text: str) -> str | None:
    """Return the marker when a body is a WAF/challenge interstitial rather than content."""
    head = text[:20000].lower()
    for marker, low in _CHALLENGE_LOWER:
        if low in head:
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


# The deepest nesting any answer of ours has is about 6; deeper than MAX_JSON_DEPTH is refused
# before parsing. The check reads the body's brackets alone (one C pass over the UTF-8 bytes,
# about a fiftieth of an index file; no multi-byte sequence holds an ASCII bracket or quote):
# a body with no more openers than the limit cannot be too deep (the common case); otherwise
# the exact, string-aware count runs only on suspicious bodies: eight brackets of a kind in a row
# (our answers never have them; whitespace or values between them do not hide a run), or a body
# opening with a run of openers. Nesting the decoder cannot take raises RecursionError, turned
# into BadPayload.
MAX_JSON_DEPTH = 64
_DEEP_JSON_RE = re.compile(
    rb'(?:[\[{]\s*(?:"(?:[^"\\]|\\.)*"\s*:\s*)?){' + str(MAX_JSON_DEPTH + 1).encode() + rb"}"
)
_JSON_STRING_RE = re.compile(rb'"(?:[^"\\]|\\.)*"')
_BRACKETS_RE = re.compile(rb"[\[\]{}]")
_NOT_BRACKETS = bytes(c for c in range(256) if c not in b"[]{}")
_SUSPICIOUS = tuple(kind * 8 for kind in (b"[", b"{", b"]", b"}"))


def _too_deep(payload: str | bytes) -> bool:
    if payload.__class__ is str:
        opens = payload.count("{")  # small answers end here, before any encoding
        if opens <= MAX_JSON_DEPTH and opens + payload.count("[") <= MAX_JSON_DEPTH:
            return False
        raw = payload.encode("utf-8", "surrogatepass")
    else:
        raw = payload
    brackets = raw.translate(None, _NOT_BRACKETS)
    opens = brackets.count(b"{")
    if opens <= MAX_JSON_DEPTH and opens + brackets.count(b"[") <= MAX_JSON_DEPTH:
        return False  # a body cannot nest deeper than it opens: most answers end here
    if _DEEP_JSON_RE.match(raw.lstrip()):
        return True
    if not any(run in brackets for run in _SUSPICIOUS):
        return False  # the common case: four searches in the brackets
    depth = 0
    for ch in _BRACKETS_RE.findall(_JSON_STRING_RE.sub(b'""', raw)):
        depth = depth + 1 if ch in b"[{" else depth - 1
        if depth > MAX_JSON_DEPTH:
            return True
    return False


# msgspec decodes the exchanges' answers in about 60% of json.loads' time, to the same objects
# (strict JSON, arbitrary-precision integers, duplicate keys last-wins). What it refuses goes to
# json.loads, which decides as before: its extensions (NaN, Infinity, 1e400, lone surrogates)
# and its error texts (tests/test_json_decode.py holds the two to the same results).
_FAST_JSON = msgspec.json.Decoder()
_JSON_OPENERS = (b"{", b"[")
_REFUSED = object()


def _fast_json(payload: str | bytes, url: str):
    """msgspec's value of a body within the depth limit, or _REFUSED for json.loads to decide."""
    if _too_deep(payload):
        raise BadPayload(f"JSON nested deeper than {MAX_JSON_DEPTH} levels", url)
    try:
        return _FAST_JSON.decode(payload)
    except (msgspec.MsgspecError, RecursionError):
        return _REFUSED


def load_json(body: bytes | str, url: str = "", content_type: str | None = None):
    """Decode, unwrap JSONP and parse; a WAF page raises ChallengePage, anything else BadPayload."""
    import json

    if body.__class__ is bytes and body[:1] in _JSON_OPENERS:
        # plain JSON bytes (the exchanges' APIs): nothing to unwrap, and msgspec checks the UTF-8
        # itself; anything it refuses (GBK, JSONP, errors) takes the text path below
        value = _fast_json(body, url)
        if value is not _REFUSED:
            return value
    text = decode_html(body, content_type)
    payload = unwrap_jsonp(text)
    if not payload or payload.isspace():  # (no stripped copy of the whole body)
        raise BadPayload("empty body where JSON was expected", url)
    value = _fast_json(payload, url)
    if value is not _REFUSED:
        return value
    try:
        return json.loads(payload)
    except RecursionError:
        raise BadPayload(f"JSON nested deeper than {MAX_JSON_DEPTH} levels", url) from None
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


@contextlib.contextmanager
def without_cycle_collection():
    """Pause the cyclic garbage collector while a parser builds thousands of records at once.

    The records hold no reference cycles, so reference counting frees them as before. What the
    collector would do is walk the young objects (and, on a full pass, every live object) many
    times for nothing: about a tenth of an HKEX index merge. Its state is restored on the way
    out, including after an error, and a collector someone else paused stays paused.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def declared(fn):
    """A parser entry point raises only PageError: a value of a type the documented shape does
    not have (a list where text was expected, an object for a date) surfaces deep inside as
    TypeError/AttributeError/ValueError/KeyError/IndexError; it is the page's fault, so it is
    reported as BadPayload naming what broke (the spider records it with the body)."""
    import functools

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except PageError:
            raise
        except (TypeError, AttributeError, ValueError, KeyError, IndexError, OverflowError,
                RecursionError) as exc:  # fmt: skip
            where = exc.__traceback__
            while where.tb_next is not None:
                where = where.tb_next
            frame = f"{where.tb_frame.f_code.co_name}:{where.tb_lineno}"
            url = kwargs.get("url") or next(
                (a for a in args if isinstance(a, str) and a.startswith(("http", "/"))), ""
            )
            raise BadPayload(
                f"unexpected shape: {type(exc).__name__}: {str(exc)[:160]} (at {frame})", url
            ) from None

    return wrapper


# ---- plain values out of JSON payloads (numbers arrive as 1, "1", 1.0 or " 1 ")


def clean_text(value: Any) -> str:
    """Whitespace folded to single spaces; None -> ''."""
    if value.__class__ is str and value.isprintable() and "  " not in value:
        # printable text has no whitespace but the ASCII space: only its ends can change
        return value.strip(" ")
    if value is None:
        return ""
    return " ".join(str(value).split())


def code_text(value: Any) -> str:
    """A status or board code as text: 5.0 -> '5', ' P07 ' -> 'P07'."""
    kind = value.__class__
    if kind is int:
        return str(value)  # the common case: an int's text never ends in ".0"
    if kind is str:
        text = value.strip()
    elif value is None:
        return ""
    else:
        text = str(value).strip()
    return text[:-2] if text.endswith(".0") else text


def to_int(value: Any) -> int | None:
    if value.__class__ is int:
        return value  # the common case (bool is not int here: it is refused below)
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


_HTML_END_RE = re.compile(r"</(?:html|body)\s*>", re.IGNORECASE)
_XML_DECL_RE = re.compile(r"^\s*<\?xml[^>]*\?>")
# C0 controls other than tab/newline/CR: lxml refuses them in text ("All strings must be XML
# compatible"); a page carrying them loses nothing by their removal.
_CONTROLS_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def html_text(
    body: bytes | str, url: str, what: str = "page", content_type: str | None = None
) -> str:
    """Decoded HTML of a whole page: empty -> BadPayload, a WAF page -> ChallengePage, a page
    without its closing </body>/</html> -> BadPayload (a cut-off answer must not pass as a page
    with fewer rows). Control characters are dropped and an XML declaration removed."""
    text = decode_html(body, content_type)
    if not text.strip():
        raise BadPayload(f"empty body where the {what} was expected", url)
    marker = looks_like_challenge(text)
    if marker:
        raise ChallengePage(f"challenge page (marker {marker!r})", url)
    if not _HTML_END_RE.search(text):
        raise BadPayload(f"{what} ends before </body></html>: truncated response", url)
    return _CONTROLS_RE.sub("", _XML_DECL_RE.sub("", text))


def parse_html(text: str, url: str):
    """lxml tree of already checked text; lxml's own refusals become BadPayload."""
    import lxml.etree
    import lxml.html

    try:
        return lxml.html.document_fromstring(text)
    except (lxml.etree.ParserError, ValueError) as exc:
        raise BadPayload(f"unparseable HTML ({exc})", url) from None


def html_document(body: bytes | str, url: str, what: str = "page"):
    """Decode, refuse an empty, challenge or truncated page, and parse: every HTML parser's start."""
    return parse_html(html_text(body, url, what), url)
