"""What a crawl prints: progress of long runs, and Scrapy's start-up chatter kept out of the way.

On a terminal, a full or backfill run shows a progress bar with ETA (rich), pages out of the
total when the spider knows it (`spider.total_pages`, csrcfd's pager), else a page count. Not on a
terminal (daemon logs, scrapyd, CI), one plain `progress` line every PLAIN_EVERY seconds instead.
The enabled-middleware lists and the stats dump (~90 lines for a one-request crawl) go to DEBUG:
`-s LOG_LEVEL=DEBUG` (or `-L DEBUG`) brings them back.
"""

from __future__ import annotations

import logging
import sys
import time

from scrapy import signals

log = logging.getLogger(__name__)

PLAIN_EVERY = 15.0  # seconds between plain progress lines
CHATTY = ("scrapy.middleware", "scrapy.addons", "scrapy.extensions.telnet", "scrapy.crawler",
          "scrapy.statscollectors", "scrapy.utils.log", "scrapy.core.engine",
          "scrapy.extensions.logstats")  # fmt: skip


class _BelowWarning(logging.Filter):
    """A filter, not a level: Scrapy's logging set-up resets the levels of its child loggers."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno >= logging.WARNING


_FILTER = _BelowWarning()


def quiet_scrapy(settings) -> None:
    """Scrapy's INFO start-up and shut-down lines dropped, unless DEBUG was asked for or
    FILINGWATCH_QUIET_LOGS is off (the benchmarks read Scrapy's stats dump)."""
    level = settings.get("LOG_LEVEL")
    numeric = level if isinstance(level, int) else logging.getLevelName(str(level).upper())
    quiet = settings.getbool("FILINGWATCH_QUIET_LOGS", True) and not (
        isinstance(numeric, int) and numeric <= logging.DEBUG
    )
    for name in CHATTY:
        logger = logging.getLogger(name)
        if quiet and _FILTER not in logger.filters:
            logger.addFilter(_FILTER)
        elif not quiet:
            logger.removeFilter(_FILTER)


class ProgressExtension:
    def __init__(self, crawler, tty: bool):
        self.crawler = crawler
        self.tty = tty
        self.every = crawler.settings.getfloat("FILINGWATCH_PROGRESS_EVERY", PLAIN_EVERY)
        self.pages = 0
        self.rows = 0
        self.started = 0.0
        self.last_line = 0.0
        self.bar = None
        self.task = None
        crawler.signals.connect(self.opened, signal=signals.spider_opened)
        crawler.signals.connect(self.scraped, signal=signals.item_scraped)
        crawler.signals.connect(self.closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler):
        quiet_scrapy(crawler.settings)
        return cls(crawler, tty=sys.stderr.isatty())

    def opened(self, spider):
        self.started = self.last_line = time.monotonic()
        if self.tty and getattr(spider, "mode", "incremental") != "incremental":
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                TextColumn,
                TimeElapsedColumn,
                TimeRemainingColumn,
            )

            self.bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                                TextColumn("rows {task.fields[rows]}"), TimeElapsedColumn(),
                                TextColumn("ETA"), TimeRemainingColumn(), transient=False)  # fmt: skip
            self.task = self.bar.add_task(f"{spider.name} {spider.mode}", total=None, rows=0)
            self.bar.start()

    def scraped(self, item, response, spider):
        self.pages += 1
        self.rows += len(getattr(item, "filings", ()) or ())
        total = getattr(spider, "total_pages", None)
        if self.bar is not None:
            self.bar.update(self.task, completed=self.pages, total=total, rows=self.rows)
            return
        now = time.monotonic()
        if now - self.last_line >= self.every:
            self.last_line = now
            eta = ""
            if total and self.pages:
                left = (now - self.started) / self.pages * max(total - self.pages, 0)
                eta = f" eta={left:.0f}s"
            log.info("progress source=%s pages=%d%s rows=%d%s", spider.name, self.pages,
                     f"/{total}" if total else "", self.rows, eta)  # fmt: skip

    def closed(self, spider, reason):
        if self.bar is not None:
            self.bar.stop()
            self.bar = None
