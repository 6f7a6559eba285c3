"""What a crawl does when nobody said: the same answers for `filingwatch crawl`, `scrapy crawl`
and scrapyd.

`filingwatch crawl` passes base URL, mode and database explicitly; a plain `scrapy crawl SLUG`
(or a job scheduled through scrapyd) passes at most `-s FILINGWATCH_CONFIG=...`. Both must reach
the same site, the same database and the same run/baseline/health rules, so the spider base and
the run extension ask this module instead of relying on the command line having filled them in.
"""

from __future__ import annotations

import logging
import os
from datetime import datetime, timedelta
from typing import Any

from scrapy import signals
from scrapy.settings import SETTINGS_PRIORITIES

from scraper import config as config_mod
from scraper.core.timeutil import SHANGHAI
from scraper.db import connection as dbconn
from scraper.db import runs
from scraper.sources import SOURCES

log = logging.getLogger(__name__)

ENV_CONFIG = "FILINGWATCH_CONFIG"  # scrapyd jobs inherit the environment of scrapyd


def config_path(settings) -> str | None:
    """`-s FILINGWATCH_CONFIG=...`, else the environment variable, else none (defaults)."""
    return settings.get("FILINGWATCH_CONFIG") or os.environ.get(ENV_CONFIG) or None


def load_config(settings) -> config_mod.Config:
    path = config_path(settings)
    return config_mod.load(path) if path else config_mod.load(None)


def config_settings(config: config_mod.Config) -> dict[str, Any]:
    """The Scrapy settings a config file stands for (crawl pacing, database, broken pages)."""
    c = config.crawl
    return {
        "DOWNLOAD_DELAY": c.download_delay,
        "DOWNLOAD_TIMEOUT": c.timeout,
        "RETRY_TIMES": c.retries,
        "FILINGWATCH_BACKOFF_BASE": c.backoff_base,
        "FILINGWATCH_BACKOFF_MAX": c.backoff_max,
        "USER_AGENT": c.user_agent,
        "CLOSESPIDER_TIMEOUT": c.run_timeout,
        "FILINGWATCH_DB": str(config.db_path),
        "FILINGWATCH_CONFIG": config.path if config.path != "<defaults>" else None,
        "FILINGWATCH_BROKEN_DIR": str(config.broken_dir),
        "FILINGWATCH_BROKEN_MAX_FILE": c.broken_max_file_mb * 1024 * 1024,
        "FILINGWATCH_BROKEN_MAX_SOURCE": c.broken_max_source_mb * 1024 * 1024,
        "FILINGWATCH_DATA_DIR": str(config.data_dir),  # documents/ (issue 15)
        "FILINGWATCH_DOCUMENTS": c.documents,
        "FILINGWATCH_DOCUMENTS_MAX_BYTES": int(c.documents_max_mb * 1024 * 1024),
        "FILINGWATCH_DOCUMENTS_OCR": c.documents_ocr,
    }


def apply_config(settings) -> None:
    """Fill a bare `scrapy crawl`'s settings from its config, below anything given with -s."""
    path = config_path(settings)
    if path:
        settings.setdict(config_settings(config_mod.load(path)), priority="spider")


def choose_mode(db, source: str, full_sweep_hours: float, *, backfill: bool, full: bool) -> str:
    """backfill on request; full when asked, when a run died half-way, or when a sweep is due."""
    if backfill:
        return "backfill"
    state = runs.crawl_state(db, source)
    if full or state["in_progress_run"] or not state["baseline_done_at"]:
        return "full"
    last_full = state["last_full_at"]
    if full_sweep_hours and (
        not last_full
        or datetime.now(SHANGHAI) - datetime.fromisoformat(last_full)
        > timedelta(hours=full_sweep_hours)
    ):
        return "full"
    return "incremental"


def spider_defaults(settings, slug: str, given: dict[str, Any]) -> dict[str, Any]:
    """Spider arguments a bare `scrapy crawl SLUG` lacks: base URLs, page cap and run mode."""
    if slug not in SOURCES:
        return {}
    cfg = load_config(settings)
    src = cfg.source(slug)
    out: dict[str, Any] = {}
    if not given.get("base_url"):
        out["base_url"] = src.base_url
    if "fallback_base_url" not in given:
        out["fallback_base_url"] = src.fallback_base_url
    if "max_pages" not in given:
        out["max_pages"] = src.extra.get("max_pages", 0)
    if not given.get("mode"):
        db = dbconn.open_db(settings["FILINGWATCH_DB"])
        try:
            out["mode"] = choose_mode(
                db, slug, float(src.extra.get("full_sweep_hours", 0) or 0), backfill=False,
                full=False,
            )  # fmt: skip
        finally:
            db.conn.close()
    return out


def records_runs(crawler, spider) -> bool:
    """A crawl records a run; `scrapy parse`/`check` and `scrapy shell` only look at pages.

    parse and check replace the spider's `start` with their own (defined in scrapy.commands);
    the shell never starts the spider and never closes it, so a run row it opened would stay
    'running'. The shell is recognised by the settings its command sets.
    """
    start = getattr(type(spider), "start", None)
    if getattr(start, "__module__", "").startswith("scrapy.commands"):
        return False
    settings = crawler.settings
    return not (
        settings.get("DUPEFILTER_CLASS") == "scrapy.dupefilters.BaseDupeFilter"
        and settings.getpriority("DUPEFILTER_CLASS") == SETTINGS_PRIORITIES["command"]
    )


class DefaultMetaExtension:
    """`scrapy parse URL --spider SLUG`: the callback gets the meta keys it expects from the
    spider's own requests (`page` and friends, SourceSpider.default_meta), never a KeyError.
    Keys a request already carries are left alone, so crawls are unaffected. A signal, not a
    spider middleware: their signatures differ between the Scrapy versions we support."""

    @classmethod
    def from_crawler(cls, crawler):
        ext = cls()
        crawler.signals.connect(ext.response_received, signal=signals.response_received)
        return ext

    def response_received(self, response, request, spider) -> None:
        defaults = getattr(spider, "default_meta", None)
        if defaults is not None:
            for key, value in defaults().items():
                request.meta.setdefault(key, value)
