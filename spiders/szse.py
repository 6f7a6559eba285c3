"""SZSE IPO review: `api/ras/projectrends/query` per board (0-based pageIndex), one `details`
call per new or changed project. List/detail/incremental logic: spiders/sse.py ExchangeSpider."""

from __future__ import annotations

import random
from urllib.parse import urlencode

import scrapy

from scraper.core.records import Project
from scraper.parsers import szse
from scraper.parsers.common import PageError
from scraper.parsers.review import ListPage
from spiders.sse import ExchangeSpider


class SzseSpider(ExchangeSpider):
    name = "szse"
    source = "szse"
    parser = szse
    first_index = 0
    referer = "https://listing.szse.cn/projectdynamic/ipo/index.html"

    def first_requests(self):
        boards = [b.strip() for b in str(self.extra.get("boards", "chinext,main")).split(",")]
        for board in boards:
            if board not in szse.BOARD_CODES:
                self.run.problem(
                    "config_error", "", f"unknown SZSE board {board!r} (chinext, main)"
                )
                continue
            yield self.open_list(board, 0)

    def list_request(self, board: str, index: int) -> scrapy.Request:
        size = min(100, int(self.extra.get("page_size") or 100))  # the site caps it at 100
        path = "/api/ras/projectrends/query?" + urlencode({
            "bizType": 1, "boardCode": szse.BOARD_CODES[board], "pageIndex": index,
            "pageSize": size, "random": f"{random.random():.16f}",
        })  # fmt: skip
        return scrapy.Request(self.url(path), headers={"Referer": self.referer,
                              "Accept": "application/json, text/javascript, */*; q=0.01",
                              "X-Requested-With": "XMLHttpRequest"},
                              callback=self.on_list, errback=self.list_failed,
                              cb_kwargs={"board": board, "index": index},
                              meta=self.fallback_meta(path), dont_filter=True)  # fmt: skip

    def parse_list_page(self, response, board: str) -> ListPage:
        return szse.parse_list(response.body, response.url, board=board)

    def detail_requests(self, project: Project):
        path = "/api/ras/projectrends/details?" + urlencode({"id": project.native_id})
        yield scrapy.Request(self.url(path), headers={"Referer": szse.PROJECT_PAGE.format(
            project.native_id), "Accept": "application/json, text/javascript, */*; q=0.01",
            "X-Requested-With": "XMLHttpRequest"}, callback=self.on_detail,
            errback=self.detail_failed, cb_kwargs={"project": project},
            meta=self.fallback_meta(path), dont_filter=True)  # fmt: skip

    def on_detail(self, response, project: Project):
        self.note_response(response)
        if self.http_failure(response):
            return
        pdf_base = str(self.extra.get("pdf_base_url") or szse.PDF_BASE)
        try:
            project, docs = szse.parse_detail(response.body, response.url, project, pdf_base)
        except PageError as exc:
            self.run.problem(exc.kind, response.url, str(exc), body=response.body)
            return
        yield self.detail_batch(response.url, project, docs)
