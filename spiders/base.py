"""What every filingwatch spider shares: base URLs from config, run mode, problem reporting."""

from __future__ import annotations

from urllib.parse import urlsplit

import scrapy

from scraper import config as config_mod
from scraper import native
from scraper.core.ports import Known
from scraper.health import RunRecorder
from scraper.parsers.common import looks_like_challenge
from scraper.sources import SOURCES


def source_extra(settings, slug: str) -> dict:
    """The `[sources.<slug>]` extra keys of the run's config; the registry's defaults without one."""
    defaults = {k: d for k, (_t, d, _h) in SOURCES[slug].extra_keys.items()}
    path = settings.get("FILINGWATCH_CONFIG") if settings is not None else None
    if not path:
        return defaults
    try:
        return {**defaults, **config_mod.load(path).source(slug).extra}
    except config_mod.ConfigError:
        return defaults


class SourceSpider(scrapy.Spider):
    source = ""
    # True for spiders whose every non-incremental run walks one fixed plan (a date window, a
    # set of pages): finishing it without an error is a complete sweep, which ends the source's
    # baseline (scraper/db/runs.py). Others set `run.completed_full` themselves.
    complete_when_finished = False
    # Non-2xx answers reach the callback after retries, so they are recorded, not dropped.
    handle_httpstatus_list = [403, 404, 429, 500, 502, 503, 504]

    def __init__(
        self,
        base_url: str = "",
        fallback_base_url: str = "",
        mode: str = "",
        max_pages: int | str = 0,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.base_url = (base_url or "").rstrip("/")
        self.fallback_base_url = (fallback_base_url or "").rstrip("/")
        self.mode = mode or "incremental"
        self.max_pages = int(max_pages or 0)
        self.active_base = self.base_url
        self.switched = False

    @classmethod
    def update_settings(cls, settings) -> None:
        """`scrapy crawl SLUG -s FILINGWATCH_CONFIG=...` (or scrapyd): pacing and database from
        the config, below anything given with -s."""
        super().update_settings(settings)
        native.apply_config(settings)

    @classmethod
    def from_crawler(cls, crawler, *args, **kwargs):
        """Arguments `filingwatch crawl` passes and a bare `scrapy crawl` lacks: base URLs from
        the config (or the registry), and the run mode chosen as `filingwatch crawl` chooses."""
        kwargs.update(native.spider_defaults(crawler.settings, cls.source or cls.name, kwargs))
        return super().from_crawler(crawler, *args, **kwargs)

    @property
    def run(self) -> RunRecorder | None:
        # getattr: Scrapy's feed exporter reads every spider attribute before the run opens.
        return getattr(self.crawler, "fw_run", None)

    @property
    def prior(self) -> Known:
        """What is already stored (scraper.core.ports.Known): read-only, handed in by the crawl."""
        return getattr(self.crawler, "fw_known", None)

    def default_meta(self) -> dict:
        """What a callback expects in `response.meta` when `scrapy parse URL` calls it directly."""
        return {"page": 1}

    def url(self, path: str) -> str:
        return self.active_base + path

    def fallback_meta(self, path: str) -> dict:
        """Before the first success, a failed connection retries the same path on the fallback."""
        if (
            self.switched
            or not self.fallback_base_url
            or self.fallback_base_url == self.active_base
        ):
            return {}
        return {"fw_fallback_url": self.fallback_base_url + path}

    def note_response(self, response) -> None:
        """Remember which base answered, so later pages go straight there."""
        if response.meta.get("fw_used_fallback") and not self.switched:
            parts = urlsplit(response.url)
            self.active_base = f"{parts.scheme}://{parts.netloc}"
            self.switched = True

    def http_failure(self, response) -> bool:
        """Record a non-2xx answer (challenge page or HTTP error) with its URL and body."""
        if response.status < 400:
            return False
        text = response.body[:20000].decode("utf-8", "ignore")
        marker = looks_like_challenge(text)
        kind = "challenge_page" if marker else "http_error"
        self.run.problem(kind, response.url, f"HTTP {response.status}", body=response.body,
                         status=response.status)  # fmt: skip
        return True

    def network_failure(self, failure) -> None:
        request = failure.request
        self.run.problem("network_error", request.url, repr(failure.value))
