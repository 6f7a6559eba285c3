"""cninfo IPO documents: POST /new/hisAnnouncement/query per column (沪深京 `szse`, 预披露
`pre_disclosure`), category 首发 (`category_sf_szsh`) on the 沪深京 column, pages while `hasMore`.

Incremental runs stop a column at the first page that brings no new announcement; full and
backfill runs read every page of the date range (`lookback_days`, or `backfill_since`).
"""

from __future__ import annotations

import scrapy

from scraper.core.records import PageBatch
from scraper.parsers import cninfo
from spiders.listing_common import ListingSpider, date_range

QUERY_PATH = "/new/hisAnnouncement/query"


class CninfoSpider(ListingSpider):
    name = "cninfo"
    source = "cninfo"

    async def start(self):
        self.load_state()
        lookback = int(self.extra.get("lookback_days") or 30)
        since = self.extra.get("backfill_since") if self.mode == "backfill" else ""
        self.since, self.until = date_range(lookback, since or "")
        self.page_size = int(self.extra.get("page_size") or 30)
        self.pdf_base = self.extra.get("pdf_base_url") or cninfo.DEFAULT_PDF_BASE
        columns = [c.strip() for c in str(self.extra.get("columns") or "szse").split(",")]
        self.columns = [c for c in columns if c]
        self.done: set[str] = set()
        for column in self.columns:
            yield self.page_request(column, 1)

    def form(self, column: str, page: int) -> dict[str, str]:
        return {
            "pageNum": str(page), "pageSize": str(self.page_size), "column": column,
            "tabName": "fulltext", "plate": "", "stock": "", "searchkey": "", "secid": "",
            "category": str(self.extra.get("category") or "") if column == "szse" else "",
            "trade": "", "seDate": f"{self.since}~{self.until}", "sortName": "", "sortType": "",
            "isHLtitle": "true",
        }  # fmt: skip

    def page_request(self, column: str, page: int) -> scrapy.Request:
        headers = {
            "Referer": self.active_base + "/new/commonUrl/pageOfSearch?url=disclosure/list/search",
            "Origin": self.active_base,
            "X-Requested-With": "XMLHttpRequest",
            "Accept": "application/json, text/javascript, */*; q=0.01",
        }
        return scrapy.FormRequest(
            self.url(QUERY_PATH), formdata=self.form(column, page), headers=headers,
            meta={"column": column, "page": page, **self.fallback_meta(QUERY_PATH)},
            callback=self.parse, errback=self.on_error, dont_filter=True,
        )  # fmt: skip

    def parse(self, response):
        self.note_response(response)
        column, n = response.meta["column"], response.meta["page"]
        page = self.parse_or_record(response, lambda: cninfo.parse_query(
            response.body, response.url, pdf_base_url=self.pdf_base, page_url=response.url))  # fmt: skip
        if page is None:
            return
        new = [f for f in page.filings if f.native_id not in self.known]
        self.known.update(f.native_id for f in page.filings)
        yield PageBatch(source=self.source, url=response.url, page=n, filings=page.filings)
        if self.max_pages and n >= self.max_pages:
            return
        if self.incremental and not new:
            return
        more = page.has_more
        if not more and page.total is not None and page.raw_count:
            more = n * self.page_size < page.total and page.raw_count >= self.page_size
        if more:
            yield self.page_request(column, n + 1)
            return
        self.done.add(column)
        if self.mode != "incremental" and self.done == set(self.columns):
            self.run.completed_full = True
