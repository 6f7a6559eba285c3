"""Item pipelines, in order: validate -> store. Each page batch is written in one transaction."""

from __future__ import annotations

from dataclasses import fields

from scraper import storage
from scraper.health import RunRecorder
from scraper.items import REQUIRED_FIELDS, Filing, HkexBatch, PageBatch, ProjectBatch
from scraper.projects import write_project_batch

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
    """Writes a page batch; counts what was new so the run summary and health can say so."""

    def __init__(self, crawler):
        self.crawler = crawler
        self.config = None

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def open_spider(self, spider=None):
        from scraper import config as config_mod

        path = self.crawler.settings.get("FILINGWATCH_CONFIG")
        self.config = config_mod.load(path) if path else None

    def process_item(self, item: PageBatch):
        rec: RunRecorder = self.crawler.fw_run
        ctx = storage.WriteContext(
            run_id=rec.run_id,
            baseline=bool(self.crawler.settings.getbool("FILINGWATCH_BASELINE")),
            config=self.config,
        )
        result, count = self.write(rec.db, item, ctx)
        rec.items += count
        rec.pages += 1
        rec.new += result.new
        rec.updated += result.updated
        rec.events += len(result.events)
        return item

    @staticmethod
    def write(db, item, ctx: storage.WriteContext) -> tuple[storage.WriteResult, int]:
        """Dispatch on the batch type; returns what was written and how many records it held."""
        if isinstance(item, ProjectBatch):  # exchange projects (SSE/SZSE/BSE): scraper/projects.py
            return write_project_batch(db, item, ctx), len(item.projects) + len(item.filings)
        if isinstance(item, HkexBatch):  # HKEX index snapshot / listings: scraper/hkex_store.py
            from scraper import hkex_store

            return hkex_store.write_batch(db, item, ctx), len(item.filings)
        return storage.write_filings(db, item.filings, ctx), len(item.filings)


FILING_FIELDS = [f.name for f in fields(Filing)]
