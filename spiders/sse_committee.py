"""SSE listing-committee announcements (GP_GPZCZ_SSWHYGGJG) -> CommitteeBatch per answer.

scope "list" (default): the query without `stockAuditNum`, newest files first, paged
(INFER: REPORT-exchanges.md documents the call per project; unscoped paging is the SSE
envelope's usual `pageHelp`). Incremental runs read `pages` pages; other modes every page.
scope "projects": the documented per-project call for each stored SSE project still in review
(已受理 / 已问询 / 上市委会议); with none stored it falls back to the list.
"""

from __future__ import annotations

import json
import random
import time
from urllib.parse import urlencode

import scrapy

from scraper.core.records import CommitteeBatch
from scraper.parsers import sse_committee as parser
from scraper.parsers.common import PageError
from spiders.base import SourceSpider, source_extra

REFERER = "https://www.sse.com.cn/listing/renewal/ipo/"
IN_REVIEW = {"1", "2", "3"}  # SSE currStatus: 已受理, 已问询, 上市委会议


class SseCommitteeSpider(SourceSpider):
    name = "sse_committee"
    source = "sse_committee"
    complete_when_finished = True

    async def start(self):
        self.extra = source_extra(self.crawler.settings, self.source)
        self.page_size = int(self.extra.get("page_size") or 20)
        self.pdf_base = str(self.extra.get("pdf_base_url") or parser.PDF_BASE)
        pages = int(self.extra.get("pages") or 0)
        self.last_page = self.max_pages or (pages if self.mode == "incremental" else 0)
        if str(self.extra.get("scope") or "list") == "projects":
            audits = self.in_review()
            if audits:
                for audit in audits:
                    yield self.request({"isPagination": "false", "stockAuditNum": audit}, 0)
                return
        yield self.list_request(1)

    def in_review(self) -> list[str]:
        state = self.prior.project_state("sse")
        out = []
        for native_id, row in state.rows.items():
            item = json.loads(row["raw"]) if row.get("raw") else {}
            if str(item.get("currStatus")) in IN_REVIEW:
                out.append(native_id)
        return sorted(out)

    def list_request(self, page: int) -> scrapy.Request:
        return self.request({"isPagination": "true", "pageHelp.pageSize": self.page_size,
                             "pageHelp.pageNo": page, "pageHelp.beginPage": page,
                             "pageHelp.cacheSize": 1, "pageHelp.endPage": page,
                             "order": "publishDate|desc"}, page)  # fmt: skip

    def request(self, params: dict, page: int) -> scrapy.Request:
        query = {"jsonCallBack": f"jsonpCallback{random.randint(10000, 99999999)}",
                 "sqlId": parser.SQL_ID, "fileType": "1,2,3,4", **params,
                 "_": str(int(time.time() * 1000))}  # fmt: skip
        path = f"/commonSoaQuery.do?{urlencode(query)}"
        return scrapy.Request(self.url(path), headers={"Referer": REFERER}, callback=self.parse,
                              errback=self.network_failure, cb_kwargs={"page": page},
                              meta={"page": page, **self.fallback_meta(path)},
                              dont_filter=True)  # fmt: skip

    def parse(self, response, page: int):
        self.note_response(response)
        if self.http_failure(response):
            return
        try:
            meetings, page_help = parser.parse(response.body, response.url, self.pdf_base)
        except PageError as exc:
            self.run.problem(exc.kind, response.url, str(exc), body=response.body)
            return
        for m in meetings:
            for flag in m.flags:
                self.run.problem(flag, response.url, f"{flag}: {m.title}")
        yield CommitteeBatch(source=self.source, url=response.url, page=page or None, filings=[],
                             meetings=meetings)  # fmt: skip
        count = int(page_help.get("pageCount") or 0)
        if page and page < count and not (self.last_page and page >= self.last_page):
            yield self.list_request(page + 1)
