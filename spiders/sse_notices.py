"""SSE 上市交易公告: the channel's HTML list pages, then each notice not seen before.

List: `list_path` (default /disclosure/announcement/listing/ipo/index.shtml), then index_N.shtml
up to the page count the pager states. Known notices are not fetched again; they are re-stated
from the list (title, date) so a steady-state run still records what it saw. Incremental runs
stop at the first list page without a new notice; full sweeps (every `full_sweep_hours`) read
`sweep_pages` pages whatever they hold.
"""

from __future__ import annotations

import scrapy

from scraper.core import stages
from scraper.core.names import legal_name_in
from scraper.core.records import Filing, PageBatch
from scraper.parsers import sse_notices as parser
from scraper.parsers.common import BadPayload, PageError
from spiders.listing_common import ListingSpider

LIST_PATH = "/disclosure/announcement/listing/ipo/index.shtml"


class SseNoticesSpider(ListingSpider):
    name = "sse_notices"
    source = "sse_notices"

    async def start(self):
        self.load_state()
        self.list_path = str(self.extra.get("list_path") or LIST_PATH)
        yield self.list_request(1)

    def list_path_for(self, n: int) -> str:
        if n == 1:
            return self.list_path
        head, _, ext = self.list_path.rpartition(".")
        return f"{head}_{n}.{ext}"

    def list_request(self, n: int) -> scrapy.Request:
        path = self.list_path_for(n)
        return scrapy.Request(self.url(path), callback=self.parse, errback=self.on_error,
                              meta={"page": n, **self.fallback_meta(path)},
                              headers={"Referer": self.active_base + "/"}, dont_filter=True)  # fmt: skip

    def parse(self, response):
        self.note_response(response)
        n = response.meta["page"]
        if self.http_failure(response):
            return
        try:
            page = parser.parse_list(response.body, response.url)
            if page.total_pages is not None and n > page.total_pages:
                raise BadPayload(f"list page {n} says the list has {page.total_pages} pages",
                                 response.url)  # fmt: skip
        except PageError as exc:
            self.page_error(exc, response)
            return
        known = [link for link in page.links if link.native_id in self.known]
        new = [link for link in page.links if link.native_id not in self.known]
        if known:  # re-state what the list still shows: last_seen_at moves, nothing else
            yield PageBatch(source=self.source, url=response.url, page=n,
                            filings=[self.seen_again(link) for link in known])  # fmt: skip
        for link in new:
            self.known.add(link.native_id)
            yield scrapy.Request(link.url, callback=self.parse_notice, errback=self.on_error,
                                 meta={"link": link, "page": n},
                                 headers={"Referer": response.url})  # fmt: skip
        if (self.max_pages and n >= self.max_pages) or (self.incremental and not new):
            return
        if not self.incremental and n >= int(self.extra.get("sweep_pages") or 20):
            self.run.completed_full = True  # a bounded sweep: the channel is years long
            return
        if page.total_pages and n < page.total_pages:
            yield self.list_request(n + 1)
        elif self.mode != "incremental":
            self.run.completed_full = True

    def parse_notice(self, response):
        link = response.meta["link"]
        if self.http_failure(response):
            return
        try:
            notice = parser.parse_notice(response.body, response.url)
        except PageError as exc:
            self.page_error(exc, response)
            return
        filing = parser.to_filing(link, notice)
        for flag in filing.flags:
            self.run.problem(flag, response.url, f"{flag}: {notice.title}")
        yield PageBatch(source=self.source, url=response.url, page=response.meta["page"],
                        filings=[filing])  # fmt: skip

    def seen_again(self, link) -> Filing:
        """A known notice as the list shows it, carrying its stored status, number and flags."""
        status, status_raw, flags = self.stored.get(link.native_id, (stages.LISTED, None, []))
        return Filing(source=self.source, native_id=link.native_id,
                      company=legal_name_in(link.title) or link.title, kind="listing_notice",
                      title=link.title, status=status, status_raw=status_raw, flags=list(flags),
                      disclosed_date=link.date, url=link.url)  # fmt: skip
