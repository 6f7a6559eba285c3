"""Text that is safe to print: control characters stripped, secrets in URLs masked.

Scraped titles and names come from sites we do not control; an ESC byte in one would reach the
user's terminal through `console://`, `filingwatch filings` or a log line and could rewrite
the screen. Channel URLs carry tokens, not only in the password field apprise already hides
but in the path of webhooks (json://host/hook/<token>), so every printed URL goes through
`mask_url`. Pure functions: core imports nothing else.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, quote, urlsplit

# ESC [ ... final byte (CSI), ESC ] ... BEL or ESC \ (OSC), ESC P/X/^/_ ... ESC \ (DCS etc.),
# then any lone two-byte ESC sequence; the 8-bit CSI (0x9b) forms too.
_ESCAPES = re.compile(
    r"(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]"
    r"|(?:\x1b\]|\x9d).*?(?:\x07|\x1b\\|\x9c)"
    r"|\x1b[PX^_].*?(?:\x1b\\|\x9c)"
    r"|\x1b[@-_]",
    re.S,
)
# C0 (except tab and newline), DEL, C1, and the bidi overrides that reorder what is shown.
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_CONTROLS_NO_NL = re.compile(r"[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def strip_controls(text, *, newlines: bool = True):
    """`text` without terminal escape sequences and control characters (None stays None).

    Tab and newline are kept unless `newlines` is False (a one-line log field), where they become
    spaces.
    """
    if text is None or not isinstance(text, str):
        return text
    text = _ESCAPES.sub("", text)
    if newlines:
        return _CONTROLS.sub("", text)
    return _CONTROLS_NO_NL.sub("", text.replace("\n", " ").replace("\t", " "))


MASK = "****"
# Query keys whose values are secrets (and apprise's +Header=value arguments, e.g. Authorization).
_SECRET_KEYS = re.compile(r"^\+|token|secret|key|pass|pwd|auth|sig|cred|session|bot|webhook", re.I)
# Schemes whose path is free-form and often holds the token (json://host/hook/<token>).
_PATH_TOKEN_SCHEMES = {"json", "jsons", "form", "forms", "xml", "xmls", "http", "https"}


def _secretish(segment: str) -> bool:
    """A path segment that looks like a token: long, or mixing digits and letters past 8 chars."""
    if len(segment) >= 20:
        return True
    return (
        len(segment) >= 8
        and bool(re.search(r"\d", segment))
        and bool(re.search(r"[A-Za-z]", segment))
    )


def mask_url(url: str) -> str:
    """`url` with the password, token-like path segments and secret query values replaced by ****.

    Works on any scheme (apprise's privacy view covers only the fields each plugin declares
    private, and not webhook paths). For the webhook schemes every token-looking path segment
    is masked; for others (tgram://token/chat, discord://id/token) every path segment and the
    user part past the first is masked, since those schemes put their secrets there.
    """
    url = strip_controls(url, newlines=False) or ""
    try:
        parts = urlsplit(url)
    except ValueError:
        return url.split("://", 1)[0] + "://" + MASK
    scheme = parts.scheme.lower()
    if not scheme:
        return url
    netloc = parts.netloc
    if "@" in netloc:
        user, host = netloc.rsplit("@", 1)
        if ":" in user:
            user = user.split(":", 1)[0] + ":" + MASK
        elif scheme not in _PATH_TOKEN_SCHEMES:
            user = user if len(user) < 8 else MASK
        netloc = f"{user}@{host}"
    elif scheme not in _PATH_TOKEN_SCHEMES and netloc:
        host, _, port = netloc.rpartition(":") if ":" in netloc else (netloc, "", "")
        if port and not port.isdigit():  # tgram://123456:ABC-token/chat: "bot id:token"
            netloc = f"{host}:{MASK}"
        elif "." not in host and len(host) >= 8:  # the "host" is a token itself
            netloc = MASK + (f":{port}" if port else "")
    segments = parts.path.split("/")
    if scheme in _PATH_TOKEN_SCHEMES:
        segments = [MASK if _secretish(s) else s for s in segments]
    else:
        segments = [MASK if s and len(s) >= 8 else s for s in segments]
    query = ""
    if parts.query:
        pairs = [
            (k, MASK if _SECRET_KEYS.search(k) and v else v)
            for k, v in parse_qsl(parts.query, keep_blank_values=True)
        ]
        query = "?" + "&".join(f"{quote(k, safe='+')}={quote(v, safe='*:/,@')}" for k, v in pairs)
    return f"{parts.scheme}://{netloc}{'/'.join(segments)}{query}"


_URL_IN_TEXT = re.compile(r"\b[a-z][a-z0-9+.\-]*://[^\s'\"<>]+", re.I)


def mask_urls_in(text):
    """Every URL inside a message (an error quoting its target) masked; None stays None."""
    if not isinstance(text, str):
        return text
    return _URL_IN_TEXT.sub(lambda m: mask_url(m[0]), text)
