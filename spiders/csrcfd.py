"""CSRC tutoring list: GET index.html / index_N.html, or the POST index_N_f.html form.

Modes: incremental (stop at the first page that brings nothing new), full (every page: a
snapshot that catches status changes of old companies), backfill (every page, first run).
"""

from __future__ import annotations

import scrapy

from scraper.core.records import PageBatch
from scraper.parsers.common import PageError, ZeroRows
from scraper.parsers.csrcfd import parse_list_page, to_filing
from spiders.base import SourceSpider
from spiders.documents import DocumentsMixin

LIST_PATH = "/csrcfd/index.html"


class CsrcfdSpider(DocumentsMixin, SourceSpider):
    name = "csrcfd"
    source = "csrcfd"

    def __init__(
        self,
        post: str | bool = False,
        keyword: str = "",
        since: str = "",
        until: str = "",
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.post = str(post).lower() in ("1", "true", "yes")
        self.form = {
            "keyWord1": "",
            "selBoardCode": "",
            "startDate": since or "",
            "startDate2": "请输入开始时间",
            "endDate": until or "",
            "endDate2": "请输入结束时间",
            "isfilter": "true",
            "keyWord": keyword or "",
            "order": "",
            "by": "",
        }
        self.total_pages: int | None = None
        self.known: dict[str, str | None] = {}

    async def start(self):
        self.known = self.prior.statuses(self.source)
        if self.post:
            # Warm-up GET for cookies (acw_tc and friends), then the form pages.
            yield scrapy.Request(self.url(LIST_PATH), callback=self.after_warmup,
                                 meta=self.fallback_meta(LIST_PATH), dont_filter=True)  # fmt: skip
        else:
            yield self.page_request(1, referer=self.base_url + "/")

    def after_warmup(self, response):
        self.note_response(response)
        yield self.page_request(1, referer=response.url)

    def page_path(self, n: int) -> str:
        if self.post:
            return f"/csrcfd/index_{n}_f.html"
        return LIST_PATH if n == 1 else f"/csrcfd/index_{n}.html"

    def page_request(self, n: int, referer: str) -> scrapy.Request:
        path = self.page_path(n)
        meta = {"page": n, **self.fallback_meta(path)}
        headers = {"Referer": referer}
        if self.post:
            headers["Origin"] = self.active_base
            return scrapy.FormRequest(self.url(path), formdata=self.form, headers=headers,
                                      meta=meta, callback=self.parse, dont_filter=True)  # fmt: skip
        return scrapy.Request(self.url(path), headers=headers, meta=meta, callback=self.parse,
                              errback=self.on_error)  # fmt: skip

    def on_error(self, failure):
        self.network_failure(failure)

    def parse(self, response):
        self.note_response(response)
        n = response.meta["page"]
        past_end = self.total_pages is not None and n > self.total_pages
        if response.status == 404 and n > 1 and self.total_pages is None:
            self.run.completed_full = self.mode != "incremental"
            return  # no pager seen: a missing page is the end of the list
        if self.http_failure(response):
            yield from self.next_after_error(n, response.url)
            return
        try:
            page = parse_list_page(
                response.body,
                response.url,
                response.headers.get("Content-Type", b"").decode("latin-1"),
            )
        except ZeroRows as exc:
            if past_end or (n > 1 and self.total_pages is None):
                # 200 with an empty table after the last page with rows (CMS sites do this
                # instead of 404): the end of the list. Loud only on page 1, or when a pager
                # said more pages exist.
                self.run.completed_full = self.mode != "incremental"
                return
            self.run.problem(exc.kind, response.url, str(exc), body=response.body)
            yield from self.next_after_error(n, response.url)
            return
        except PageError as exc:
            self.run.problem(exc.kind, response.url, str(exc), body=response.body)
            yield from self.next_after_error(n, response.url)
            return
        self.total_pages = page.total_pages or self.total_pages
        filings = [to_filing(r, response.url) for r in page.records]
        self.logger.info(
            "progress page=%d/%s rows=%d mode=%s",
            n,
            self.total_pages or "?",
            len(filings),
            self.mode,
        )
        brings_news = any(self.known.get(f.native_id, "\0") != f.status for f in filings)
        for f in filings:
            self.known[f.native_id] = f.status
        # Ask for the next page before handing this one to storage, so the download overlaps the write.
        follow = self.next_page(n, page, brings_news, response.url)
        if follow is not None:
            yield follow
        # new reports' PDFs are fetched and read first (spiders/documents.py)
        yield from self.with_documents(
            PageBatch(source=self.source, url=response.url, page=n, filings=filings)
        )

    def next_page(self, n: int, page, brings_news: bool, url: str) -> scrapy.Request | None:
        if self.max_pages and n >= self.max_pages:
            return None
        if self.mode == "incremental" and not brings_news:
            return None
        last = self.total_pages or page.max_page_link
        if last is not None and n >= last:
            self.run.completed_full = self.mode != "incremental" or n == last
            return None
        return self.page_request(n + 1, referer=url)

    def next_after_error(self, n: int, url: str):
        """A broken page does not end a full sweep while we know more pages exist."""
        if self.mode != "incremental" and self.total_pages and n < self.total_pages:
            if not (self.max_pages and n >= self.max_pages):
                yield self.page_request(n + 1, referer=url)
