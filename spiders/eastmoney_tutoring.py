"""Eastmoney's mirror of the tutoring list (RPT_IPO_TUTRECORD): a cross-check of csrcfd.

Off by default (`enabled = false`). Each page is stored (source eastmoney_tutoring, so the
timeline can show what the CSRC list lacks), and each row is checked against what csrcfd holds:
a company csrcfd never listed, or a report type csrcfd lacks for that company, is a `csrcfd_gap`
warning of this run — a health signal for the csrcfd spider, not an error of this one.
"""

from __future__ import annotations

from urllib.parse import urlencode

import scrapy

from scraper.core.records import PageBatch
from scraper.parsers import eastmoney as parser
from spiders.listing_common import ListingSpider

PATH = "/api/data/v1/get"
MAX_GAP_MESSAGES = 20


class EastmoneyTutoringSpider(ListingSpider):
    name = "eastmoney_tutoring"
    source = "eastmoney_tutoring"

    async def start(self):
        self.load_state()
        self.page_size = int(self.extra.get("page_size") or 500)
        self.gaps = 0
        yield self.page_request(1)

    def page_request(self, n: int) -> scrapy.Request:
        params = {"sortColumns": "RECORD_DATE,TUTOR_OBJECT", "sortTypes": "-1,-1",
                  "pageSize": str(self.page_size), "pageNumber": str(n),
                  "reportName": parser.REPORT_NAME, "columns": parser.COLUMNS,
                  "source": "WEB", "client": "WEB"}  # fmt: skip
        path = f"{PATH}?{urlencode(params)}"
        return scrapy.Request(self.url(path), callback=self.parse, errback=self.on_error,
                              meta={"page": n, **self.fallback_meta(path)},
                              headers={"Referer": "https://data.eastmoney.com/xg/ipo/fd.html"},
                              dont_filter=True)  # fmt: skip

    def parse(self, response):
        self.note_response(response)
        n = response.meta["page"]
        page = self.parse_or_record(
            response, lambda: parser.parse_page(response.body, response.url)
        )
        if page is None:
            return
        self.check_against_csrcfd(page.filings, response.url)
        new = [f for f in page.filings if f.native_id not in self.known]
        self.known.update(f.native_id for f in page.filings)
        yield PageBatch(source=self.source, url=response.url, page=n, filings=page.filings)
        if (self.max_pages and n >= self.max_pages) or (self.incremental and not new):
            return
        if page.pages and n < page.pages:
            yield self.page_request(n + 1)
        elif self.mode != "incremental":
            self.run.completed_full = True

    def check_against_csrcfd(self, filings, url: str) -> None:
        types = self.prior.report_types_of([f.company for f in filings], "csrcfd")
        for f in filings:
            held = types.get(f.company) or set()
            if held and (not f.report_type or f.report_type in held):
                continue
            self.gaps += 1
            what = "company" if not held else f"{f.report_type or 'report'}"
            if self.gaps <= MAX_GAP_MESSAGES:
                self.run.problem(
                    "csrcfd_gap", url,
                    f"csrcfd lacks {what} of {f.company} ({f.event_date}): {f.title[:80]}",
                )  # fmt: skip
            elif self.gaps == MAX_GAP_MESSAGES + 1:
                self.run.problem("csrcfd_gap", url, "more csrcfd gaps: see eastmoney rows")
