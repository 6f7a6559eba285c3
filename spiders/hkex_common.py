"""What the HKEX spiders share: their config keys, a swappable downloader, loud page errors.

The downloader is swappable per source: `[sources.hkex_*] download_handler = "pkg.mod.Handler"`
sets DOWNLOAD_HANDLERS for http and https of that spider only (Spider.update_settings), so a
TLS-impersonating handler can be dropped in if HKEX starts rejecting Scrapy's TLS fingerprint
(one project reports that for the title search) without touching the other sources.
"""

from __future__ import annotations

from scraper.parsers.common import PageError
from spiders.base import SourceSpider, source_extra


def csv_list(value) -> list[str]:
    return [x.strip() for x in str(value or "").split(",") if x.strip()]


class HkexSpider(SourceSpider):
    source = ""
    # 404 is a normal answer here (a status file that does not exist for a board)
    handle_httpstatus_list = [403, 404, 410, 429, 500, 502, 503, 504]

    @classmethod
    def update_settings(cls, settings):
        super().update_settings(settings)
        extra = source_extra(settings, cls.source)
        handler = str(extra.get("download_handler") or "").strip()
        if handler:
            handlers = dict(settings.getdict("DOWNLOAD_HANDLERS"))
            handlers.update({"http": handler, "https": handler})
            settings.set("DOWNLOAD_HANDLERS", handlers, priority="cmdline")

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._extra: dict | None = None

    @property
    def extra(self) -> dict:
        if self._extra is None:
            self._extra = source_extra(self.crawler.settings, self.source)
        return self._extra

    def page_error(self, exc: PageError, response) -> None:
        self.run.problem(exc.kind, response.url, str(exc), body=response.body,
                         status=response.status)  # fmt: skip

    def blocked_empty(self, response) -> bool:
        """An empty 200 is how a blocking front end often answers: a recorded error."""
        if response.status < 400 and not response.body.strip():
            self.run.problem("bad_payload", response.url, "empty response body (blocked?)",
                             body=response.body, status=response.status)  # fmt: skip
            return True
        return False
