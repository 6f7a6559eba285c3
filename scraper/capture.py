"""Save a live response in the replay's captured format, so a new page shape becomes a fixture."""

from __future__ import annotations

import json
import re
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

from scraper.config import DEFAULT_USER_AGENT
from scraper.core.timeutil import now_iso


class CaptureError(ValueError):
    """A URL `capture` will not fetch (not http/https) or could not reach."""


def _opener() -> urllib.request.OpenerDirector:
    """http(s) only, redirects included: no file://, ftp:// or data: handler to be sent to."""
    opener = urllib.request.OpenerDirector()
    for handler in (urllib.request.HTTPHandler, urllib.request.HTTPSHandler,
                    urllib.request.HTTPRedirectHandler, urllib.request.HTTPErrorProcessor,
                    urllib.request.HTTPDefaultErrorHandler):  # fmt: skip
        opener.add_handler(handler())
    return opener


def capture_url(
    url: str, source: str, out: Path, *, method: str = "GET", data: str = "", timeout: float = 20.0
) -> Path:
    if urlsplit(url).scheme.lower() not in ("http", "https") or not urlsplit(url).netloc:
        raise CaptureError(f"expected an http:// or https:// URL, got {url!r}")
    body_bytes = data.encode("utf-8") if data else None
    request = urllib.request.Request(url, data=body_bytes, method=method)
    request.add_header("User-Agent", DEFAULT_USER_AGENT)
    request.add_header("Referer", f"{urlsplit(url).scheme}://{urlsplit(url).netloc}/")
    if body_bytes:
        request.add_header("Content-Type", "application/x-www-form-urlencoded")
    try:
        with _opener().open(request, timeout=timeout) as response:
            status, headers, body = response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as exc:  # an error page is worth keeping too
        status, headers, body = exc.code, dict(exc.headers), exc.read()
    except (urllib.error.URLError, OSError) as exc:
        raise CaptureError(f"could not fetch {url}: {getattr(exc, 'reason', exc)}") from None
    folder = out / source
    folder.mkdir(parents=True, exist_ok=True)
    parts = urlsplit(url)
    slug = re.sub(
        r"[^A-Za-z0-9_.-]+",
        "_",
        (parts.path + ("_" + parts.query if parts.query else "")).strip("/"),
    )[:120]
    path = folder / f"{slug or 'root'}.body"
    path.write_bytes(body)
    meta = {
        "url": url, "method": method, "form": data, "status": status,
        "content_type": headers.get("Content-Type"), "headers": headers, "captured_at": now_iso(),
    }  # fmt: skip
    path.with_suffix(".json").write_text(json.dumps(meta, ensure_ascii=False, indent=2), "utf-8")
    return path
