"""HKEX new listings: New Listing Information pages, title search, latest announcements.

Requests go one after another, in this order, so company names from the New Listing pages (full
names, English and Chinese, by stock code) are stored before short names from the title search:
1. `/New-Listings/New-Listing-Information/{Main-Board,GEM}?sc_lang=en|zh-HK` (www2): one batch
   per board, both languages joined by stock code.
2. Title search for listing documents, one query per IPO subtype code (t1code 30000): the JSON
   servlet, falling back to the POST `titlesearch.xhtml` form when it fails (config
   `title_search`). Requests share the download slot `hkex-titlesearch`, at most one per
   `title_search_delay` seconds.
3. Latest announcements JSON (`lcisehk1relsdc_1.json`), for fast detection of 全球發售 /
   allotment results between title-search windows.
"""

from __future__ import annotations

import functools
from collections import deque
from datetime import datetime, timedelta
from urllib.parse import urlencode, urlsplit

import scrapy

from scraper.core.records import HkexBatch
from scraper.core.timeutil import HONG_KONG
from scraper.parsers.common import PageError
from scraper.parsers.hkex_listings import (
    IPO_SUBTYPES,
    doc_claims,
    listing_filings,
    merge_new_listing_rows,
    parse_latest_json,
    parse_new_listing_page,
    parse_title_search_html,
    parse_title_search_json,
    row_claims,
)
from spiders.base import source_extra
from spiders.hkex_common import HkexSpider, csv_list

NEW_LISTING_PATHS = {"sehk": "/New-Listings/New-Listing-Information/Main-Board",
                     "gem": "/New-Listings/New-Listing-Information/GEM"}  # fmt: skip
SERVLET = "/search/titleSearchServlet.do"
FORM = "/search/titlesearch.xhtml"
TITLE_SLOT = "hkex-titlesearch"
MAX_ROWS = 1000  # "load more" raises rowRange by 100 up to this


def chained(callback):
    """Callbacks and errbacks run the plan one request at a time: whatever happens on one page
    (even a bug), the next planned request is issued, so one bad page never ends the run."""

    @functools.wraps(callback)
    def wrapper(self, arg):
        try:
            yield from callback(self, arg) or ()
        except Exception as exc:  # recorded as an error of the run, then on to the next page
            url = getattr(arg, "url", None) or getattr(getattr(arg, "request", None), "url", "")
            self.run.problem("spider_error", url, repr(exc), body=getattr(arg, "body", None))
        yield from self.then_next()

    return wrapper


class HkexListingsSpider(HkexSpider):
    name = "hkex_listings"
    source = "hkex_listings"
    complete_when_finished = True

    @classmethod
    def update_settings(cls, settings):
        super().update_settings(settings)
        delay = float(source_extra(settings, cls.source).get("title_search_delay") or 0)
        slots = dict(settings.getdict("DOWNLOAD_SLOTS"))
        slots[TITLE_SLOT] = {"concurrency": 1, "delay": delay, "jitter": 0}
        settings.set("DOWNLOAD_SLOTS", slots, priority="cmdline")

    async def start(self):
        self.today = datetime.now(HONG_KONG).date()
        self.nl_pages: dict[str, list] = {}
        self.queue: deque = deque(self.plan())
        request = self.next_request()
        if request is not None:
            yield request

    # -- the plan: a queue of request factories, one request in flight at a time

    def plan(self):
        extra = self.extra
        www2 = self.new_listing_base()
        for board in csv_list(extra.get("boards")):
            if board not in NEW_LISTING_PATHS:
                continue
            for lang in ("en", "zh-HK"):
                url = f"{www2}{NEW_LISTING_PATHS[board]}?sc_lang={lang}"
                yield lambda url=url, board=board, lang=lang: scrapy.Request(
                    url, callback=self.parse_new_listing, errback=self.failed,
                    meta={"board": board, "lang": lang}, dont_filter=True,
                    headers={"Referer": www2 + "/"})  # fmt: skip
        mode = str(extra.get("title_search") or "auto").lower()
        if mode != "off":
            days = 365 if self.mode == "backfill" else int(extra.get("title_search_days") or 14)
            start = self.today - timedelta(days=days)
            for code in csv_list(extra.get("title_search_codes")):
                query = {"code": code, "from": start.strftime("%Y%m%d"),
                         "to": self.today.strftime("%Y%m%d"), "rows": 100}  # fmt: skip
                if mode == "form":
                    yield lambda q=query: self.form_request(q)
                else:
                    yield lambda q=query, fb=(mode == "auto"): self.servlet_request(q, fb)
        for name in csv_list(extra.get("latest_files")):
            path = f"/ncms/json/eds/{name if name.endswith('.json') else name + '.json'}"
            yield lambda path=path: scrapy.Request(
                self.url(path), callback=self.parse_latest, errback=self.failed,
                headers={"Referer": self.base_url + "/index.htm"}, dont_filter=True)  # fmt: skip

    def new_listing_base(self) -> str:
        configured = str(self.extra.get("new_listing_base_url") or "").rstrip("/")
        if configured:
            return configured
        parts = urlsplit(self.base_url)
        if parts.netloc.startswith("www1.hkexnews.hk"):
            return f"{parts.scheme}://{parts.netloc.replace('www1.', 'www2.', 1)}"
        return self.base_url

    def next_request(self):
        while self.queue:
            request = self.queue.popleft()()
            if request is not None:
                return request
        return None

    def then_next(self):
        request = self.next_request()
        if request is not None:
            yield request

    # -- New Listing Information

    @chained
    def parse_new_listing(self, response):
        board, lang = response.meta["board"], response.meta["lang"]
        page = None
        if not (self.http_failure(response) or self.blocked_empty(response)):
            try:
                ctype = response.headers.get("Content-Type", b"").decode("latin-1")
                page = parse_new_listing_page(response.body, response.url, ctype, board)
            except PageError as exc:
                self.page_error(exc, response)
        if page is not None:
            self.nl_pages.setdefault(board, []).append(page)
        if lang != "en":  # the English page came first: join the two now
            yield from self.flush_board(board, response.url)

    def flush_board(self, board: str, url: str):
        pages = self.nl_pages.pop(board, [])
        if pages:
            rows = merge_new_listing_rows(*pages)
            docs = [d for row in rows for d in row.docs]
            claims = [c for row in rows for c in row_claims(row, self.today)]
            yield HkexBatch(source=self.source, url=url, filings=listing_filings(docs, url),
                            claims=claims)  # fmt: skip

    # -- title search

    def servlet_request(self, q: dict, fallback: bool) -> scrapy.Request:
        params = {
            "sortDir": "0", "sortByOptions": "DateTime", "category": "0", "market": "SEHK",
            "stockId": "-1", "documentType": "-1", "fromDate": q["from"], "toDate": q["to"],
            "title": "", "searchType": "1", "t1code": "30000", "t2Gcode": "-2",
            "t2code": q["code"], "rowRange": str(q["rows"]), "lang": "ZH",
        }  # fmt: skip
        return scrapy.Request(
            self.url(f"{SERVLET}?{urlencode(params)}"), callback=self.parse_servlet,
            errback=self.servlet_failed, dont_filter=True,
            meta={"q": q, "fallback": fallback, "download_slot": TITLE_SLOT},
            headers={"X-Requested-With": "XMLHttpRequest",
                     "Accept": "application/json, text/javascript, */*; q=0.01",
                     "Referer": self.base_url + f"{FORM}?lang=zh"},
        )  # fmt: skip

    def form_request(self, q: dict) -> scrapy.Request:
        form = {
            "lang": "ZH", "category": "0", "market": "SEHK", "searchType": "1",
            "documentType": "-1", "t1code": "30000", "t2Gcode": "-2", "t2code": q["code"],
            "stockId": "-1", "from": q["from"], "to": q["to"], "MB-Daterange": "0", "title": "",
        }  # fmt: skip
        return scrapy.FormRequest(
            self.url(f"{FORM}?lang=zh"), formdata=form, callback=self.parse_form,
            errback=self.failed, dont_filter=True,
            meta={"q": q, "download_slot": TITLE_SLOT},
            headers={"Referer": self.base_url + f"{FORM}?lang=zh", "Origin": self.base_url},
        )  # fmt: skip

    def fall_back(self, q: dict, fallback: bool) -> None:
        if fallback:
            self.queue.appendleft(lambda: self.form_request(q))

    @chained
    def parse_servlet(self, response):
        """A servlet that is gone (404/410) is a warning when the HTML form takes over; a blocked
        answer (challenge, empty 200, HTML or broken JSON, 403/5xx) is an error either way."""
        q, fallback = response.meta["q"], response.meta["fallback"]
        if response.status in (404, 410):
            kind = "servlet_unavailable" if fallback else "http_error"
            self.run.problem(
                kind,
                response.url,
                f"HTTP {response.status}"
                + ("; using the titlesearch.xhtml form" if fallback else ""),
                body=response.body,
            )
            self.fall_back(q, fallback)
            return
        if self.http_failure(response) or self.blocked_empty(response):
            self.fall_back(q, fallback)
            return
        try:
            result = parse_title_search_json(response.body, response.url, self.active_base,
                                             headline=_headline(q["code"]))  # fmt: skip
        except PageError as exc:
            self.page_error(exc, response)
            self.fall_back(q, fallback)
            return
        yield self.docs_batch(result.docs, response.url)
        if result.has_next and q["rows"] < MAX_ROWS:
            more = {**q, "rows": q["rows"] + 100}
            self.queue.appendleft(lambda: self.servlet_request(more, fallback))

    @chained
    def servlet_failed(self, failure):
        self.network_failure(failure)
        meta = failure.request.meta
        if meta.get("fallback"):
            self.queue.appendleft(lambda q=meta["q"]: self.form_request(q))

    @chained
    def parse_form(self, response):
        if not (self.http_failure(response) or self.blocked_empty(response)):
            try:
                result = parse_title_search_html(response.body, response.url, self.active_base)
            except PageError as exc:
                self.page_error(exc, response)
            else:
                yield self.docs_batch(result.docs, response.url)

    # -- latest announcements

    @chained
    def parse_latest(self, response):
        if not (self.http_failure(response) or self.blocked_empty(response)):
            try:
                docs = parse_latest_json(response.body, response.url, self.active_base, self.today)
            except PageError as exc:
                self.page_error(exc, response)
            else:
                yield self.docs_batch(docs, response.url)

    # -- shared

    def docs_batch(self, docs, url: str) -> HkexBatch:
        return HkexBatch(source=self.source, url=url, filings=listing_filings(docs, url),
                         claims=doc_claims(docs))  # fmt: skip

    @chained
    def failed(self, failure):
        self.network_failure(failure)
        meta = failure.request.meta
        if meta.get("board") and meta.get("lang") not in (None, "en"):
            yield from self.flush_board(meta["board"], failure.request.url)


def _headline(code: str) -> str:
    return f"Listing Documents - [{IPO_SUBTYPES.get(code, code)}]"
