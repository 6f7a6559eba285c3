"""A local stand-in for the regulators' sites: fixture responses at the sites' own paths and methods.

Sites live in scraper/replay_sites/<slug>.py (each exposes make_site(fixtures_dir)). Faults are
switched on from the command line, from Python, or over HTTP (POST /_replay/faults), so tests,
benchmarks and the demo can make a running server misbehave: GBK bodies, challenge pages, empty
tables, 5xx, slow answers, resets, truncated bodies.
"""

from __future__ import annotations

import importlib
import json
import logging
import pkgutil
import re
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import parse_qs, urlsplit

from scraper import resources

log = logging.getLogger(__name__)


@dataclass
class ReplayRequest:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes

    @property
    def form(self) -> dict[str, str]:
        if "application/x-www-form-urlencoded" not in self.headers.get("content-type", ""):
            return {}
        return {
            k: v[-1]
            for k, v in parse_qs(
                self.body.decode("utf-8", "replace"), keep_blank_values=True
            ).items()
        }

    def arg(self, name: str, default: str = "") -> str:
        if name in self.query:
            return self.query[name][-1]
        return self.form.get(name, default)

    def json(self) -> Any:
        return json.loads(self.body or b"{}")


@dataclass
class ReplayResponse:
    status: int = 200
    body: bytes = b""
    content_type: str = "text/html; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def text(cls, text: str, status: int = 200, content_type: str = "text/html; charset=utf-8"):
        return cls(status=status, body=text.encode("utf-8"), content_type=content_type)

    @classmethod
    def json(cls, data: Any, status: int = 200):
        return cls(status=status, body=json.dumps(data, ensure_ascii=False).encode("utf-8"),
                   content_type="application/json;charset=UTF-8")  # fmt: skip


class Site(Protocol):
    name: str

    def handle(self, request: ReplayRequest) -> ReplayResponse | None: ...


@dataclass
class Fault:
    kind: str  # status | challenge | challenge403 | empty | gbk | slow | reset | truncate | html_error
    site: str = "*"
    path: str = ""  # regex on the path; empty = any
    count: int | None = None  # how many requests it hits; None = until cleared
    status: int = 503
    delay: float = 0.0
    size: int = 0  # html_error: pad the error page to this many bytes (a huge broken page)

    def matches(self, site: str, path: str) -> bool:
        if self.count is not None and self.count <= 0:
            return False
        return self.site in ("*", site) and (
            not self.path or re.search(self.path, path) is not None
        )


CHALLENGE_HTML = """<!doctype html><html><head><meta charset="utf-8"><title>访问验证</title></head>
<body><div id="waf">访问验证 — 请完成安全验证后继续访问</div>
<script>var arg1='3A1B5C';document.cookie='acw_sc__v2=' + arg1 + '; path=/';location.reload();</script>
</body></html>"""


def discover_sites(fixtures_dir: Path) -> list[Site]:
    from scraper import replay_sites

    sites = []
    for info in sorted(pkgutil.iter_modules(replay_sites.__path__), key=lambda i: i.name):
        module = importlib.import_module(f"{replay_sites.__name__}.{info.name}")
        if hasattr(module, "make_site"):
            sites.append(module.make_site(fixtures_dir))
    return sites


class CapturedSite:
    """Serves responses saved by `filingwatch capture` or kept as broken pages (.body + .json)."""

    name = "captured"

    def __init__(self, folders: list[Path]):
        self.entries: dict[tuple[str, str], Path] = {}
        for folder in folders:
            for meta_path in sorted(Path(folder).rglob("*.json")):
                body = meta_path.with_suffix(".body")
                if not body.exists():
                    continue
                meta = json.loads(meta_path.read_text("utf-8"))
                parts = urlsplit(meta.get("url", ""))
                target = parts.path + (f"?{parts.query}" if parts.query else "")
                self.entries[(meta.get("method", "GET").upper(), target)] = meta_path

    def handle(self, request: ReplayRequest) -> ReplayResponse | None:
        target = request.path + (
            "?" + "&".join(f"{k}={v[-1]}" for k, v in request.query.items())
            if request.query
            else ""
        )
        meta_path = self.entries.get((request.method, target)) or self.entries.get(
            (request.method, request.path)
        )
        if not meta_path:
            return None
        meta = json.loads(meta_path.read_text("utf-8"))
        return ReplayResponse(
            status=int(meta.get("status", 200)),
            body=meta_path.with_suffix(".body").read_bytes(),
            content_type=meta.get("content_type") or "text/html; charset=utf-8",
        )


class ReplayServer:
    def __init__(
        self,
        fixtures_dir: Path | str | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        captured: list[Path] | None = None,
    ):
        # No data folder = every request a 404; say so at start instead (resources.DataMissing).
        self.fixtures_dir = (
            resources.replay_dir()
            if fixtures_dir is None
            else resources.check_replay_dir(Path(fixtures_dir))
        )
        self.sites: list[Site] = ([CapturedSite(captured)] if captured else []) + discover_sites(
            self.fixtures_dir
        )
        self.faults: list[Fault] = []
        self.log: list[dict] = []
        self.lock = threading.Lock()
        self.httpd = _QuietServer((host, port), _make_handler(self))
        self.httpd.daemon_threads = True
        self.thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"

    def site(self, name: str) -> Site:
        for site in self.sites:
            if site.name == name:
                return site
        raise KeyError(name)

    def start(self) -> ReplayServer:
        self.thread = threading.Thread(target=self.httpd.serve_forever, name="replay", daemon=True)
        self.thread.start()
        return self

    def serve_forever(self) -> None:
        self.httpd.serve_forever()

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def add_fault(self, kind: str, site: str = "*", **kwargs) -> Fault:
        fault = Fault(kind=kind, site=site, **kwargs)
        with self.lock:
            self.faults.append(fault)
        return fault

    def clear_faults(self) -> None:
        with self.lock:
            self.faults.clear()

    def requests(self, site: str | None = None) -> list[dict]:
        with self.lock:
            return [e for e in self.log if site is None or e["site"] == site]

    def clear_log(self) -> None:
        with self.lock:
            self.log.clear()

    # -- request handling

    def dispatch(self, request: ReplayRequest) -> tuple[str, ReplayResponse | None, Fault | None]:
        if request.path.startswith("/_replay/"):
            return "_control", self.control(request), None
        for site in self.sites:
            response = site.handle(request)
            if response is not None:
                fault = self._take_fault(site.name, request.path)
                with self.lock:
                    self.log.append({"site": site.name, "method": request.method, "path": request.path,
                                     "query": request.query, "form": request.form,
                                     "headers": request.headers, "fault": fault.kind if fault else None,
                                     "time": time.time()})  # fmt: skip
                if fault:
                    response = self._apply(fault, site, request, response)
                return site.name, response, fault
        with self.lock:
            self.log.append(
                {"site": None, "method": request.method, "path": request.path, "time": time.time()}
            )
        return "", ReplayResponse.text("<html><body>404 Not Found</body></html>", status=404), None

    def _take_fault(self, site: str, path: str) -> Fault | None:
        with self.lock:
            for fault in self.faults:
                if fault.matches(site, path):
                    if fault.count is not None:
                        fault.count -= 1
                    return fault
        return None

    def _apply(self, fault: Fault, site, request: ReplayRequest, response: ReplayResponse):
        kind = fault.kind
        if kind == "status":
            return ReplayResponse.text(f"<html><body><h1>{fault.status} Service Unavailable</h1></body></html>",
                                       status=fault.status)  # fmt: skip
        if kind in ("challenge", "challenge403"):
            r = ReplayResponse.text(CHALLENGE_HTML, status=403 if kind == "challenge403" else 200)
            r.headers["Set-Cookie"] = "acw_tc=replay-challenge; Path=/; HttpOnly"
            return r
        if kind == "empty":
            empty = getattr(site, "empty", None)
            return (
                empty(request)
                if empty
                else ReplayResponse(body=b"", content_type=response.content_type)
            )
        if kind == "gbk":
            text = response.body.decode("utf-8")
            text = re.sub(r'charset=["\']?utf-8["\']?', "charset=gbk", text, flags=re.IGNORECASE)
            return ReplayResponse(status=response.status, body=text.encode("gbk", "xmlcharrefreplace"),
                                  content_type=re.sub(r"(?i)utf-8", "GBK", response.content_type))  # fmt: skip
        if kind == "slow":
            time.sleep(fault.delay or 5.0)
            return response
        if kind == "truncate":
            return ReplayResponse(status=response.status, body=response.body[: len(response.body) // 2],
                                  content_type=response.content_type)  # fmt: skip
        if kind == "html_error":
            page = "<html><body>系统繁忙，请稍后再试</body></html>"
            if fault.size:  # the same bytes every time, as a real stuck error page would be
                page += "<!--" + "x" * max(0, fault.size - len(page.encode()) - 7) + "-->"
            return ReplayResponse.text(page)
        if kind == "reset":
            return None
        raise ValueError(f"unknown fault kind {kind!r}")

    def control(self, request: ReplayRequest) -> ReplayResponse:
        parts = request.path.strip("/").split("/")[1:]
        if parts == ["log"]:
            if request.method == "DELETE":
                self.clear_log()
                return ReplayResponse.json({"ok": True})
            return ReplayResponse.json(self.requests(request.arg("site") or None))
        if parts == ["faults"]:
            if request.method == "DELETE":
                self.clear_faults()
                return ReplayResponse.json({"ok": True})
            if request.method == "POST":
                spec = request.json()
                fault = self.add_fault(**spec)
                return ReplayResponse.json({"ok": True, "fault": fault.__dict__})
            return ReplayResponse.json([f.__dict__ for f in self.faults])
        if len(parts) == 2:
            site = self.site(parts[0])
            action = getattr(site, "control", None)
            if action is None:
                return ReplayResponse.json({"error": f"site {parts[0]} has no actions"}, status=404)
            return ReplayResponse.json(action(parts[1], request.json() if request.body else {}))
        return ReplayResponse.json({"error": "unknown control path"}, status=404)


class _QuietServer(ThreadingHTTPServer):
    """Clients that hang up mid-answer (killed crawls, timeouts) are normal here, not tracebacks."""

    def handle_error(self, request, client_address):
        log.debug("replay client %s went away", client_address, exc_info=True)


def _make_handler(server: ReplayServer):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        # Headers and body go out in separate writes; with Nagle on, each keep-alive answer
        # waits ~40 ms for the client's delayed ACK.
        disable_nagle_algorithm = True

        def log_message(self, fmt, *args):  # keep test output clean; the server keeps its own log
            log.debug("replay %s", fmt % args)

        def _serve(self):
            parts = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            request = ReplayRequest(
                method=self.command,
                path=parts.path,
                query=parse_qs(parts.query, keep_blank_values=True),
                headers={k.lower(): v for k, v in self.headers.items()},
                body=body,
            )
            try:
                _site, response, _fault = server.dispatch(request)
            except Exception as exc:  # a broken fixture must not kill the server
                log.exception("replay handler failed")
                response = ReplayResponse.text(
                    f"replay error: {exc}", status=500, content_type="text/plain"
                )
            if response is None:  # connection reset
                self.close_connection = True
                try:
                    self.connection.shutdown(2)
                except OSError:
                    pass
                return
            self.send_response(response.status)
            self.send_header("Content-Type", response.content_type)
            self.send_header("Content-Length", str(len(response.body)))
            for key, value in response.headers.items():
                self.send_header(key, value)
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(response.body)

        do_GET = do_POST = do_HEAD = do_DELETE = _serve

    return Handler


def main_serve(
    port: int, fixtures_dir: Path | None, faults: list[Fault], captured: list[Path], announce
) -> None:
    server = ReplayServer(fixtures_dir=fixtures_dir, port=port, captured=captured)
    for fault in faults:
        server.faults.append(fault)
    announce(server)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.httpd.server_close()
