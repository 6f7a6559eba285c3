"""Item pipelines, in order: validate -> store. Each page batch is written in one transaction."""

from __future__ import annotations

from scrapy.exceptions import DropItem

from scraper import ingest
from scraper.core.records import REQUIRED_FIELDS, Filing, PageBatch
from scraper.db import runs
from scraper.health import RunRecorder
from scraper.stopcheck import RunStopped, StopCheck

# Row flags a parser sets that are problems of the run, besides unknown_* (warnings: the row is
# stored with its flag and the run says so). csrcfd: a row whose PDF link cannot be read, or that
# states no date at all (neither 备案时间 nor a dated PDF path).
ROW_WARNINGS = ("missing_pdf", "missing_date")


class ValidatePipeline:
    """A record missing a required field is reported (source health), never stored silently."""

    def __init__(self, crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_item(self, item: PageBatch):
        rec: RunRecorder = self.crawler.fw_run
        keep: list[Filing] = []
        for filing in item.filings:
            missing = [name for name in REQUIRED_FIELDS if not getattr(filing, name)]
            if "missing_pdf" in filing.flags and "missing_date" in filing.flags:
                # Neither a PDF nor any date: an error, not stored. Its id falls back to
                # company|title and its events would be undated; when a page shape hides the link
                # (an <a> we do not read) every row looks like this, and storing them would give
                # each report a second id, so a duplicate and a fresh alert once the link is read.
                missing += ["pdf_url", "date"]
            if missing:
                rec.problem(
                    "missing_field",
                    item.url,
                    f"record {filing.native_id} lacks {', '.join(missing)}: {filing.title[:80]!r}",
                )
                continue
            for flag in filing.flags:
                if flag.startswith("unknown_"):
                    rec.problem(
                        flag, item.url, f"{flag} in {filing.native_id}: {filing.status_raw!r}"
                    )
                elif flag in ROW_WARNINGS:
                    rec.problem(
                        flag, item.url, f"{flag} in {filing.native_id}: {filing.title[:80]!r}"
                    )
            keep.append(filing)
        item.filings = keep
        return item


class StorePipeline:
    """Hands each page batch to the one write path (scraper/ingest.py) with the alert outbox as
    its sink; counts what was new so the run summary and health can say so.

    Baseline is the source's state, not the run's: until a complete sweep of the source is
    recorded (crawl_state.baseline_done_at), every event is history and queues no alert. A first
    crawl cut short, or a backfill spread over several runs, stays baseline to its end;
    FILINGWATCH_ALERT_BASELINE (`crawl --alert-baseline`) treats it as news anyway.
    """

    def __init__(self, crawler):
        self.crawler = crawler
        self.sink = None
        self.baseline: bool | None = None  # decided at the first batch: the run row opens after us

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def open_spider(self, spider=None):
        from alerts.outbox import OutboxSink
        from scraper import config as config_mod

        path = self.crawler.settings.get("FILINGWATCH_CONFIG")
        self.sink = OutboxSink(config_mod.load(path) if path else None)
        self.stop_check = StopCheck(self.crawler.settings.getfloat("CLOSESPIDER_TIMEOUT") or None)
        self.stop_check.install_signal_handlers()

    def process_item(self, item: PageBatch):
        rec: RunRecorder = self.crawler.fw_run
        if not rec.recording:  # `scrapy parse --pipelines`: shown, never stored outside a run
            return item
        if self.baseline is None:
            self.baseline = not runs.baseline_done(rec.db, rec.source) and not (
                self.crawler.settings.getbool("FILINGWATCH_ALERT_BASELINE")
            )
        ctx = ingest.WriteContext(run_id=rec.run_id, baseline=self.baseline, check=self.stop_check)
        try:
            result, count = ingest.ingest(rec.db, item, ctx, self.sink)
        except RunStopped as exc:  # rolled back whole; the run closes as interrupted/timed out
            rec.problem("run_stopped", item.url or "", f"{exc}; the page's write was rolled back")
            raise DropItem(str(exc)) from None
        rec.items += count
        rec.pages += 1
        rec.new += result.new
        rec.updated += result.updated
        rec.events += len(result.events)
        return item
