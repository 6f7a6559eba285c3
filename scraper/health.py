"""Run statistics -> source_runs. Zero rows, challenge pages, parse errors and HTTP failures are loud.

A Scrapy extension owns the run row: it opens it when the spider opens, collects problems that
spiders and pipelines report through `crawler.fw_run`, and decides the run's health at close.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scrapy import signals
from scrapy.exceptions import CloseSpider

from scraper import crawl_lock, native
from scraper.broken_store import BrokenStore
from scraper.core.textsafe import strip_controls
from scraper.db import connection as dbconn
from scraper.db import runs
from scraper.db.known import KnownState

log = logging.getLogger(__name__)

# Problem kinds that make a run unhealthy; others (unknown_status, ...) are warnings.
ERROR_KINDS = {
    "challenge_page", "table_missing", "zero_rows", "parse_error", "bad_payload", "http_error",
    "missing_field", "network_error", "spider_error",
    "file_missing",  # hkex_app: a status file that loaded before answers 404
    "run_stopped", "run_timeout",  # stopped mid-write / cut by run_timeout: say where
}  # fmt: skip


LOG_PER_KIND = 5  # warnings of one kind logged per run; the rest go to debug level


@dataclass
class RunRecorder:
    source: str
    mode: str
    db: Any
    broken_dir: Path | None
    broken_max_file: int = 5 * 1024 * 1024
    broken_max_source: int = 50 * 1024 * 1024
    run_id: int = 0
    pages: int = 0
    items: int = 0
    new: int = 0
    updated: int = 0
    events: int = 0
    problems: list[dict] = field(default_factory=list)
    completed_full: bool = False
    logged: dict[str, int] = field(default_factory=dict)  # problems per kind so far
    recording: bool = True  # False under `scrapy parse`/`check`/`shell`: no run row (native.py)

    def problem(self, kind: str, url: str, message: str, body: bytes | None = None, **meta) -> None:
        severity = "error" if kind in ERROR_KINDS else "warning"
        message = strip_controls(message, newlines=False)  # it quotes scraped text; it is logged
        url = strip_controls(url, newlines=False)
        entry = {"kind": kind, "severity": severity, "url": url, "message": message[:500]}
        if body is not None and self.broken_dir is not None:
            store = BrokenStore(self.broken_dir, self.broken_max_file, self.broken_max_source)
            entry["saved"] = str(store.save(self.source, url, body, kind, **meta))
        self.problems.append(entry)
        # Errors are always logged; of a warning kind the first few, the rest only counted (all
        # are in source_runs): a backfill's hundreds of identical warnings buried its progress.
        seen = self.logged[kind] = self.logged.get(kind, 0) + 1
        level = logging.ERROR if severity == "error" else logging.WARNING
        if severity != "error" and seen > LOG_PER_KIND:
            level = logging.DEBUG
        elif severity != "error" and seen == LOG_PER_KIND:
            message += f" (further {kind} warnings of this run: debug level only)"
        log.log(level, "source=%s problem=%s url=%s %s", self.source, kind, url, message)

    def health(self, finish_reason: str) -> str:
        if finish_reason not in ("finished",):
            return "interrupted" if finish_reason in ("shutdown", "killed") else "unhealthy"
        if self.items == 0 or any(p["severity"] == "error" for p in self.problems):
            return "unhealthy"
        return "ok"


def save_broken(root: Path, source: str, url: str, body: bytes, reason: str, **meta) -> Path:
    """Keep a page that failed to parse so it can be replayed (default caps; see BrokenStore)."""
    return BrokenStore(root).save(source, url, body, reason, **meta)


class RunHealthExtension:
    """Opens and closes the source_runs row around a crawl."""

    def __init__(self, crawler):
        self.crawler = crawler
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(self.spider_error, signal=signals.spider_error)
        crawler.signals.connect(self.request_scheduled, signal=signals.request_scheduled)
        self.last_url: str | None = None  # the run's last request: where a timed-out run was

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def spider_opened(self, spider):
        settings = self.crawler.settings
        source = getattr(spider, "source", spider.name)
        recording = native.records_runs(self.crawler, spider)
        if recording:  # one crawl per source: before any run state is read or marked
            try:
                crawl_lock.acquire(settings["FILINGWATCH_DB"], source)
            except crawl_lock.CrawlLocked as exc:
                log.error("source=%s refused: %s", source, exc)
                self.crawler.fw_run = None
                self.crawler.stats.set_value("filingwatch/refused", str(exc))
                raise CloseSpider("crawl_locked") from None
        db = dbconn.open_db(settings["FILINGWATCH_DB"])
        broken = settings.get("FILINGWATCH_BROKEN_DIR")
        rec = RunRecorder(
            source=source,
            mode=getattr(spider, "mode", "incremental"),
            db=db,
            broken_dir=Path(broken) if broken else None,
            recording=recording,
            broken_max_file=int(settings.getfloat("FILINGWATCH_BROKEN_MAX_FILE", 5 * 1024 * 1024)),
            broken_max_source=int(
                settings.getfloat("FILINGWATCH_BROKEN_MAX_SOURCE", 50 * 1024 * 1024)
            ),
        )
        if rec.recording:
            runs.mark_stale_runs(db, source)
            rec.run_id = runs.start_run(db, source, rec.mode)
        self.crawler.fw_run = rec
        # what spiders may read of the stored state: a read-only port, never the connection
        self.crawler.fw_known = KnownState(db)

    def request_scheduled(self, request, spider=None):
        self.last_url = request.url

    def spider_error(self, failure, response, spider):
        rec: RunRecorder | None = self.crawler.fw_run
        if rec is None:
            return
        rec.problem("spider_error", response.url, repr(failure.value), body=response.body)

    def spider_closed(self, spider, reason):
        rec: RunRecorder | None = self.crawler.fw_run
        if rec is None:  # refused by the crawl lock: no run of ours to close
            return
        if not rec.recording:
            rec.db.conn.close()
            return
        statsc = self.crawler.stats
        if reason == "closespider_timeout" and not any(
            p["kind"] in ("run_timeout", "run_stopped") for p in rec.problems
        ):  # a run cut by run_timeout says so, and where it was
            limit = self.crawler.settings.getfloat("CLOSESPIDER_TIMEOUT")
            rec.problem("run_timeout", self.last_url or "",
                        f"run stopped by run_timeout ({limit:g} s) before it finished")  # fmt: skip
        requests = int(statsc.get_value("downloader/request_count", 0) or 0)
        errors = [p for p in rec.problems if p["severity"] == "error"]
        health = rec.health(reason)
        if getattr(spider, "complete_when_finished", False) and rec.mode != "incremental":
            rec.completed_full = rec.completed_full or reason == "finished"
        last = errors[-1] if errors else (rec.problems[-1] if rec.problems else None)
        stats = {
            "mode": rec.mode,
            "pages": rec.pages,
            "requests": requests,
            "items": rec.items,
            "new": rec.new,
            "updated": rec.updated,
            "events": rec.events,
            "errors": len(errors),
            "warnings": len(rec.problems) - len(errors),
            "health": health,
            "problems": json.dumps(rec.problems, ensure_ascii=False) if rec.problems else None,
            "last_error": last["message"] if last else None,
            "last_error_url": last["url"] if last else None,
            "finish_reason": reason,
        }
        runs.finish_run(rec.db, rec.run_id, rec.source, stats, completed_full=rec.completed_full)
        statsc.set_value("filingwatch/run_id", rec.run_id)
        statsc.set_value("filingwatch/health", health)
        log.info("source=%s run=%s health=%s %s", rec.source, rec.run_id, health, stats)
