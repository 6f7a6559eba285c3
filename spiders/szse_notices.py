"""SZSE listing notices: `annList` (company IPO announcements) and the exchange's notice list.

* annList: POST JSON in the documented body `{seDate, stock, channelCode: ["listedNotice_disc"],
  bigCategoryId, bigIndustryCode, plateCode, pageSize, pageNum}`. There is no search key (a
  key the API ignores would make page 1 the latest announcements of all issuers), and the IPO
  category id is unknown, so IPO documents are picked by title on our side and every page is
  read until the date window is covered: up to ceil(announceCount / pageSize), or until a page
  reaches before the window's start. Incremental runs cover `incremental_days`; full sweeps
  (every `full_sweep_hours`) `lookback_days`; backfill from `backfill_since`.
* notice list: `/disclosure/notice/company/index.html`; each stock-listing notice not seen
  before is opened for its listing date, code and short name.
"""

from __future__ import annotations

import json
import random

import scrapy

from scraper.core import stages
from scraper.core.names import legal_name_in
from scraper.core.records import Filing, PageBatch
from scraper.parsers import szse_notices as parser
from scraper.parsers.common import PageError
from spiders.listing_common import ListingSpider, date_range

ANN_PATH = "/api/disc/announcement/annList"
NOTICE_LIST_PATH = "/disclosure/notice/company/index.html"


class SzseNoticesSpider(ListingSpider):
    name = "szse_notices"
    source = "szse_notices"
    complete_when_finished = True

    async def start(self):
        self.load_state()
        self.page_size = int(self.extra.get("page_size") or 50)
        since = self.extra.get("backfill_since") if self.mode == "backfill" else ""
        days = int(self.extra.get("lookback_days") or 30)
        if self.incremental:
            days = min(days, int(self.extra.get("incremental_days") or 3))
        self.since, self.until = date_range(days, since or "")
        yield self.ann_request("", 1)
        if self.extra.get("notice_list", True):
            yield scrapy.Request(self.url(NOTICE_LIST_PATH), callback=self.parse_notice_list,
                                 errback=self.on_error, dont_filter=True,
                                 headers={"Referer": self.active_base + "/"})  # fmt: skip

    # -- annList

    def ann_request(self, key: str, page: int) -> scrapy.Request:
        body = {"seDate": [self.since, self.until], "stock": [],
                "channelCode": ["listedNotice_disc"], "bigCategoryId": [], "bigIndustryCode": [],
                "plateCode": [], "pageSize": self.page_size, "pageNum": page}  # fmt: skip
        path = f"{ANN_PATH}?random={random.random():.16f}"
        headers = {
            "Content-Type": "application/json", "X-Request-Type": "ajax",
            "X-Requested-With": "XMLHttpRequest", "Origin": self.active_base,
            "Referer": self.active_base + "/disclosure/listed/notice/index.html",
        }  # fmt: skip
        return scrapy.Request(self.url(path), method="POST", body=json.dumps(body, ensure_ascii=False),
                              headers=headers, callback=self.parse_ann, errback=self.on_error,
                              meta={"key": key, "page": page, **self.fallback_meta(path)},
                              dont_filter=True)  # fmt: skip

    def parse_ann(self, response):
        self.note_response(response)
        key, n = response.meta["key"], response.meta["page"]
        page = self.parse_or_record(
            response, lambda: parser.parse_ann_list(response.body, response.url)
        )
        if page is None:
            return
        self.known.update(f.native_id for f in page.filings)
        yield PageBatch(source=self.source, url=response.url, page=n, filings=page.filings)
        if self.max_pages and n >= self.max_pages:
            return
        # A page without IPO documents says nothing about the next one: page on until the
        # window is covered (never stop at "nothing new", the IPO rows are a small minority).
        pages = -(-page.count // self.page_size) if page.count else None
        covered = page.oldest is not None and page.oldest < self.since
        if pages is not None and n < pages and page.raw_count and not covered:
            yield self.ann_request(key, n + 1)

    # -- the exchange's notice list

    def parse_notice_list(self, response):
        if self.http_failure(response):
            return
        try:
            links = parser.parse_notice_list(response.body, response.url)
        except PageError as exc:
            self.page_error(exc, response)
            return
        known = [link for link in links if link.native_id in self.known]
        if known:
            yield PageBatch(source=self.source, url=response.url, page=1,
                            filings=[self.seen_again(link) for link in known])  # fmt: skip
        for link in links:
            if link.native_id in self.known:
                continue
            self.known.add(link.native_id)
            yield scrapy.Request(link.url, callback=self.parse_notice, errback=self.on_error,
                                 meta={"link": link}, headers={"Referer": response.url})  # fmt: skip

    def parse_notice(self, response):
        link = response.meta["link"]
        if self.http_failure(response):
            return
        try:
            notice = parser.parse_notice(response.body, response.url, link.title)
        except PageError as exc:
            self.page_error(exc, response)
            return
        filing = parser.notice_filing(link, notice)
        for flag in filing.flags:
            self.run.problem(flag, response.url, f"{flag}: {filing.title}")
        yield PageBatch(source=self.source, url=response.url, page=None, filings=[filing])

    def seen_again(self, link) -> Filing:
        status, status_raw, flags = self.stored.get(link.native_id, (stages.LISTED, None, []))
        return Filing(source=self.source, native_id=link.native_id,
                      company=legal_name_in(link.title) or link.title, kind="listing_notice",
                      title=link.title, status=status, status_raw=status_raw, flags=list(flags),
                      disclosed_date=link.date, url=link.url)  # fmt: skip
