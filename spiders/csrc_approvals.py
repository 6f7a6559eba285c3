"""CSRC registration approvals and overseas-listing filing notices (www.csrc.gov.cn searchList).

For each channel code (`channels`, default c105906 approvals and c101935 overseas filings) the
channelId is looked up, never hard-coded: `GET /getLocalList?channelCode=…` first, then the
channel page's `<meta name="channelid">` (`/csrc/<code>/zfxxgk_zdgk.shtml`, then
`common_list.shtml`). Then `GET /searchList/<id>?_isJson=true&page=N` until the last page
(incremental: until a page brings nothing new).
"""

from __future__ import annotations

from urllib.parse import urlencode

import scrapy

from scraper.core.records import PageBatch
from scraper.parsers import csrc_approvals as parser
from scraper.parsers.common import PageError, ZeroRows
from spiders.listing_common import ListingSpider

CHANNEL_PAGES = ("/csrc/{code}/zfxxgk_zdgk.shtml", "/csrc/{code}/common_list.shtml")


class CsrcApprovalsSpider(ListingSpider):
    name = "csrc_approvals"
    source = "csrc_approvals"

    async def start(self):
        self.load_state()
        self.page_size = int(self.extra.get("page_size") or 20)
        codes = [c.strip() for c in str(self.extra.get("channels") or "c105906").split(",")]
        self.open_channels = {c for c in codes if c}
        for code in sorted(self.open_channels):
            path = "/getLocalList?" + urlencode({"channelCode": code})
            yield scrapy.Request(self.url(path), callback=self.parse_local_list,
                                 errback=self.lookup_failed, meta={"code": code, **self.fallback_meta(path)},
                                 headers={"Referer": self.active_base + "/"}, dont_filter=True)  # fmt: skip

    # -- channel id lookups

    def parse_local_list(self, response):
        self.note_response(response)
        code = response.meta["code"]
        if response.status < 400:
            try:
                channel_id = parser.channel_id_from_local_list(response.body, code, response.url)
            except PageError as exc:
                self.logger.info("getLocalList gave no id for %s (%s); trying the page", code, exc)
            else:
                yield self.search_request(code, channel_id, 1)
                return
        yield self.channel_page_request(code, 0)

    def lookup_failed(self, failure):
        code = failure.request.meta["code"]
        self.logger.info("getLocalList failed for %s: %r", code, failure.value)
        yield self.channel_page_request(code, 0)

    def channel_page_request(self, code: str, index: int) -> scrapy.Request:
        path = CHANNEL_PAGES[index].format(code=code)
        return scrapy.Request(self.url(path), callback=self.parse_channel_page,
                              errback=self.on_error, meta={"code": code, "index": index},
                              dont_filter=True)  # fmt: skip

    def parse_channel_page(self, response):
        code, index = response.meta["code"], response.meta["index"]
        error: PageError | None = None
        if response.status < 400:
            try:
                channel_id = parser.channel_id_from_page(response.body, response.url)
            except PageError as exc:
                error = exc
            else:
                yield self.search_request(code, channel_id, 1)
                return
        if index + 1 < len(CHANNEL_PAGES):
            yield self.channel_page_request(code, index + 1)
            return
        message = f"channelId of {code} not found (getLocalList, then meta channelid)"
        if error:
            message += f": {error}"
        self.run.problem("bad_payload", response.url, message, body=response.body)

    # -- list pages

    def search_request(self, code: str, channel_id: str, page: int) -> scrapy.Request:
        params = {"_isAgg": "true", "_isJson": "true", "_pageSize": str(self.page_size),
                  "_template": "index", "_rangeTimeGte": "", "_channelName": "", "page": str(page)}  # fmt: skip
        path = f"/searchList/{channel_id}?" + urlencode(params)
        return scrapy.Request(self.url(path), callback=self.parse,
                              errback=self.on_error, dont_filter=True,
                              meta={"code": code, "channel_id": channel_id, "page": page},
                              headers={"Referer": f"{self.active_base}/csrc/{code}/zfxxgk_zdgk.shtml",
                                       "X-Requested-With": "XMLHttpRequest"})  # fmt: skip

    def parse(self, response):
        code, channel_id, n = (response.meta[k] for k in ("code", "channel_id", "page"))
        if self.http_failure(response):
            return
        try:
            page = parser.parse_search_list(response.body, response.url, base_url=self.active_base)
        except ZeroRows as exc:
            if n == 1:
                self.page_error(exc, response)
            self.channel_done(code)
            return
        except PageError as exc:
            self.page_error(exc, response)
            return
        new = [f for f in page.filings if f.native_id not in self.known]
        self.known.update(f.native_id for f in page.filings)
        keep = []
        for f in page.filings:
            f.raw["channel_code"] = code
            if f.company:
                keep.append(f)
            elif f in new:  # a notice naming no company (a list, a rule): a warning, once
                self.run.problem("no_company", f.url or response.url, f"no company in {f.title!r}")
        yield PageBatch(source=self.source, url=response.url, page=n, filings=keep)
        last = page.page_count
        if (self.max_pages and n >= self.max_pages) or (self.incremental and not new):
            return
        if last is not None and n >= last:
            self.channel_done(code)
            return
        yield self.search_request(code, channel_id, n + 1)

    def channel_done(self, code: str) -> None:
        self.open_channels.discard(code)
        if not self.open_channels and self.mode != "incremental":
            self.run.completed_full = True
