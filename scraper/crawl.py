"""Run one crawl of one source in this process and summarise it from source_runs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings

from scraper import crawl_lock
from scraper.config import Config
from scraper.core.timeutil import SHANGHAI
from scraper.db import connection as dbconn
from scraper.db import runs
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
    c = config.crawl
    settings.setdict(
        {
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
        },
        priority="cmdline",
    )
    if overrides:
        settings.setdict(overrides, priority="cmdline")
    return settings


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
    process = CrawlerProcess(build_settings(config, overrides), install_root_handler=True)
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
