"""Run one crawl of one source in this process and summarise it from source_runs."""

from __future__ import annotations

from dataclasses import dataclass

from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings

from scraper import crawl_lock, native, progress
from scraper.config import Config
from scraper.db import connection as dbconn
from scraper.sources import SOURCES


@dataclass
class RunSummary:
    run_id: int
    source: str
    mode: str
    health: str
    pages: int
    requests: int
    items: int
    new: int
    updated: int
    events: int
    errors: int
    warnings: int
    last_error: str | None
    last_error_url: str | None

    def line(self) -> str:
        text = (
            f"{self.source} run {self.run_id}: mode={self.mode} health={self.health} "
            f"pages={self.pages} requests={self.requests} rows={self.items} new={self.new} "
            f"updated={self.updated} events={self.events} errors={self.errors} warnings={self.warnings}"
        )
        if self.last_error:
            text += f"\n  last problem: {self.last_error} at {self.last_error_url}"
        return text


def build_settings(config: Config, overrides: dict | None = None) -> Settings:
    settings = Settings()
    settings.setmodule("scraper.settings", priority="project")
    settings.setdict(native.config_settings(config), priority="cmdline")
    if overrides:
        settings.setdict(overrides, priority="cmdline")
    return settings


choose_mode = native.choose_mode  # moved: `scrapy crawl` decides the mode the same way


def run_crawl(
    config: Config,
    source: str,
    *,
    backfill: bool = False,
    full: bool = False,
    alert_baseline: bool = False,
    spider_args: dict | None = None,
    settings_overrides: dict | None = None,
) -> RunSummary:
    """One run; the Twisted reactor cannot restart, so call this once per process."""
    spec = SOURCES[source]
    src = config.source(source)
    crawl_lock.acquire(config.db_path, source)  # CrawlLocked: another crawl of it is running
    db = dbconn.open_db(config.db_path)
    mode = choose_mode(
        db, source, float(src.extra.get("full_sweep_hours", 0) or 0), backfill=backfill, full=full
    )
    db.conn.close()

    overrides = {"FILINGWATCH_ALERT_BASELINE": alert_baseline, **(settings_overrides or {})}
    settings = build_settings(config, overrides)
    progress.quiet_scrapy(settings)  # before Scrapy logs its versions
    process = CrawlerProcess(settings)  # installs the root log handler
    args = {
        "base_url": src.base_url,
        "fallback_base_url": src.fallback_base_url,
        "mode": mode,
        "max_pages": src.extra.get("max_pages", 0),
        **(spider_args or {}),
    }
    process.crawl(spec.spider, **args)
    process.start()
    return last_run(config, source)


def last_run(config: Config, source: str) -> RunSummary:
    db = dbconn.open_db(config.db_path)
    row = db.conn.execute(
        "SELECT id, source, mode, health, pages, requests, items, new, updated, events, errors,"
        " warnings, last_error, last_error_url FROM source_runs WHERE source = ? ORDER BY id DESC LIMIT 1",
        [source],
    ).fetchone()
    db.conn.close()
    if row is None:
        raise RuntimeError(f"no run of {source} was recorded")
    return RunSummary(*row)
