"""HKEX application index: one GET per status file, merged into one snapshot batch.

Every run reads every `{status}_{board}_{lang}.json` under /ncms/json/eds/ (5 statuses x boards
x 2 languages) once, nothing else: the index is small and static, published about 16:00 HKT with
a lag of one or two days, so each run diffs the whole snapshot against the stored one (the store
decides what changed) instead of asking for "yesterday". A 404 is a status file that does not
exist for that board, unless that file loaded before: then it is an error like the others. A
truncated file, an HTML page instead of JSON, an empty 200, a reset or a
challenge page is a recorded error: that file's group counts as not loaded, so nothing about
its applicants is concluded this run (the last good snapshot stays).
"""

from __future__ import annotations

import scrapy

from scraper.core.records import HkexBatch
from scraper.parsers.common import PageError, ZeroRows
from scraper.parsers.hkex_app import (
    LANGS,
    STATUS_FILES,
    IndexFile,
    file_name,
    index_filings,
    merge_index,
    parse_index_file,
)
from spiders.documents import DocumentsMixin
from spiders.hkex_common import HkexSpider, csv_list

EDS = "/ncms/json/eds/"
INDEX_PAGE = "/app/appindex.html"
# A file that had this many applicants and now has none is not believed (a broken export).
ZERO_AFTER = 5


class HkexAppSpider(DocumentsMixin, HkexSpider):
    name = "hkex_app"
    source = "hkex_app"
    document_types = ("application_proof",)  # new APs: sponsors, industry, business (issue 15)

    async def start(self):
        self.names = self.prior.hkex_names()
        self.before = self.prior.hkex_files()
        boards = [b for b in csv_list(self.extra.get("boards")) if b in ("sehk", "gem")]
        self.files: dict[str, dict] = {}
        self.parsed: dict[str, IndexFile] = {}
        for board in boards or ["sehk"]:
            for status in STATUS_FILES:
                for lang in LANGS:
                    name = file_name(status, board, lang)
                    self.files[name] = {"name": name, "status": status, "board": board,
                                        "lang": lang, "outcome": None}  # fmt: skip
        for name in self.files:
            path = EDS + name
            yield scrapy.Request(
                self.url(path), callback=self.parse_file, errback=self.file_failed,
                headers={"Referer": self.base_url + INDEX_PAGE,
                         "Accept": "application/json, text/javascript, */*; q=0.01"},
                meta={"fw_file": name, **self.fallback_meta(path)}, dont_filter=True,
            )  # fmt: skip

    def parse_file(self, response):
        self.note_response(response)
        name = response.meta["fw_file"]
        entry = self.files[name]
        if response.status == 404:
            last_ok = (self.before.get(name) or {}).get("last_ok_at")
            if last_ok:
                # Not an empty, known file: it loaded before, so its applicants are somewhere we
                # cannot see. 'error' keeps its group incomplete (scraper/reconcile/hkex.py complete_groups), so
                # nobody in it moves back a stage; the run is unhealthy. "Loaded before" is any
                # earlier success, not just the last run's: a second 404 in a row must not pass.
                entry.update(outcome="error", error="HTTP 404; it loaded before")
                self.run.problem("file_missing", response.url,
                                 f"{name} answered 404; it last loaded at {last_ok}")  # fmt: skip
            else:
                entry["outcome"] = "missing"
        elif self.http_failure(response) or self.blocked_empty(response):
            entry.update(outcome="error", error=f"HTTP {response.status}")
        else:
            ctype = response.headers.get("Content-Type", b"").decode("latin-1")
            try:
                parsed = parse_index_file(response.body, response.url, ctype, name)
                had = (self.before.get(name) or {}).get("records") or 0
                if not parsed.records and had >= ZERO_AFTER:
                    raise ZeroRows(f"{name} lists no applicant; it listed {had} before",
                                   response.url)  # fmt: skip
            except PageError as exc:
                self.page_error(exc, response)
                entry.update(outcome="error", error=f"{exc.kind}: {exc}"[:300])
            except Exception as exc:  # a bug on one file must not stop the others being merged
                self.run.problem("spider_error", response.url, repr(exc), body=response.body)
                entry.update(outcome="error", error=repr(exc)[:300])
            else:
                for message in parsed.problems:
                    self.run.problem("bad_record", response.url, message)
                self.parsed[name] = parsed
                entry.update(outcome="ok", gen_date=parsed.gen_date, u_date=parsed.u_date,
                             records=len(parsed.records))  # fmt: skip
        yield from self.maybe_finish()

    def file_failed(self, failure):
        self.network_failure(failure)
        name = failure.request.meta.get("fw_file")
        if name in self.files:
            self.files[name].update(outcome="error", error=repr(failure.value)[:300])
        yield from self.maybe_finish()

    def maybe_finish(self):
        if any(f["outcome"] is None for f in self.files.values()):
            return
        if getattr(self, "finished", False):
            return
        self.finished = True
        files = [self.parsed[n] for n in self.files if n in self.parsed]
        applicants = merge_index(files, self.names)
        page = self.base_url + INDEX_PAGE
        filings = index_filings(applicants, self.active_base, page)
        self.run.completed_full = all(f["outcome"] != "error" for f in self.files.values())
        yield from self.with_documents(HkexBatch(source=self.source, url=page, filings=filings,
                                                 applicants=applicants, files=list(self.files.values())))  # fmt: skip
