"""SSE IPO review: SH_XM_LB list per board, then two (or three) detail calls per changed project.

Also home of ExchangeSpider, the list/detail/incremental logic the SSE, SZSE and BSE spiders share:

* each board's list is read in the site's order (newest update first). Incremental runs stop at
  the first page holding a project whose update stamp and status match what its stored details
  cover: when nothing changed that is one request per board. Full sweeps (first run, every
  `full_sweep_hours`, after an interrupted run) and `--backfill` read every page;
* details are fetched only for projects that are new or whose stamp/status moved (backfill:
  all), plus, once the lists are done, projects whose details failed in an earlier run;
* a list page and each project's details are written in one transaction each (ProjectBatch).
  A failed detail leaves the list update stored and the project pending for the next run.
"""

from __future__ import annotations

import random
import time
from collections.abc import Iterator
from urllib.parse import urlencode

import scrapy

from scraper.core.records import Project, ProjectBatch, ProjectState
from scraper.parsers import sse
from scraper.parsers.common import ChallengePage, PageError, ZeroRows
from scraper.parsers.review import ListPage
from spiders.base import SourceSpider, source_extra


class ExchangeSpider(SourceSpider):
    """Shared by the exchange spiders; subclasses build the requests and call the parsers."""

    parser = sse  # the parser module (project_from_item, map_status)
    first_index = 1  # the site's number of the first list page (SSE 1, SZSE/BSE 0)
    # Scrapy 2.19 starts CONCURRENT_ITEMS (100) asyncio tasks for every callback's output; ours
    # yield one batch and a few requests, so one is plenty (and keeps them in order).
    custom_settings = {"CONCURRENT_ITEMS": 1}

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.extra: dict = {}
        self.state: ProjectState | None = None
        self.requested: set[str] = set()  # projects whose details were asked for in this run
        self.lists_open = 0
        self.list_pages: dict[str, int] = {}  # board -> pages read
        self.list_complete: dict[str, bool] = {}  # board -> its last page was read
        self.warned: set[tuple[str, str, str]] = set()

    async def start(self):
        self.extra = source_extra(self.crawler.settings, self.source)
        self.state = self.prior.project_state(self.source)
        for request in self.first_requests():
            yield request

    # -- to implement
    def first_requests(self) -> Iterator[scrapy.Request]:
        raise NotImplementedError

    def list_request(self, board: str, index: int) -> scrapy.Request:
        raise NotImplementedError

    def detail_requests(self, project: Project) -> Iterator[scrapy.Request]:
        raise NotImplementedError

    def parse_list_page(self, response, board: str) -> ListPage:
        raise NotImplementedError

    # -- lists
    def open_list(self, board: str, index: int) -> scrapy.Request:
        self.lists_open += 1
        self.list_pages.setdefault(board, 0)
        self.list_complete.setdefault(board, False)
        return self.list_request(board, index)

    def on_list(self, response, board: str, index: int):
        """Parse a list page, store it, ask for details of what changed, go on or stop."""
        self.note_response(response)
        if self.http_failure(response):
            yield from self.close_list(board, complete=False)
            return
        try:
            page = self.parse_list_page(response, board)
        except ZeroRows as exc:
            if self.list_pages[board] == 0:
                self.run.problem(exc.kind, response.url, str(exc), body=response.body)
            yield from self.close_list(board, complete=self.list_pages[board] > 0)
            return
        except PageError as exc:
            self.run.problem(exc.kind, response.url, str(exc), body=response.body)
            yield from self.close_list(board, complete=False)
            return
        self.list_pages[board] += 1
        projects = self.checked(page.projects, response.url)
        yield ProjectBatch(source=self.source, url=response.url, page=index, filings=[],
                           projects=projects, cursor=self.cursor_update())  # fmt: skip
        changed = [p for p in projects if self.state.changed(p)]
        for project in projects if self.mode == "backfill" else changed:
            yield from self.details_once(project)
        last = page.last or (page.page_count is not None and index + 1 - self.first_index
                             >= page.page_count)  # fmt: skip
        stop = (
            last
            or (self.max_pages and self.list_pages[board] >= self.max_pages)
            or (self.mode == "incremental" and len(changed) < len(projects))
        )
        if stop:
            yield from self.close_list(board, complete=last)
        else:
            yield self.list_request(board, index + 1)

    def close_list(self, board: str, complete: bool):
        self.list_complete[board] = complete
        self.lists_open -= 1
        if self.lists_open > 0:
            return
        self.run.completed_full = bool(self.list_complete) and all(self.list_complete.values())
        # Details that failed in earlier runs (or this one's pages did not reach) are retried.
        for native_id, board_of, raw in self.state.pending():
            if native_id not in self.requested:
                yield from self.details_once(self.parser.project_from_item(raw, board=board_of))

    def cursor_update(self) -> dict | None:
        """State to keep in crawl_state.cursor, written with the list page (None = unchanged)."""
        return None

    def list_failed(self, failure):
        self.network_failure(failure)
        yield from self.close_list(failure.request.cb_kwargs.get("board", ""), complete=False)

    # -- details
    def details_once(self, project: Project):
        if project.native_id in self.requested:
            return
        self.requested.add(project.native_id)
        yield from self.detail_requests(project)

    def detail_batch(self, url: str, project: Project, documents) -> ProjectBatch:
        self.report_flags([project], url)
        for step in project.timeline or []:
            if not step.known:
                self.warn("unknown_status", url, project.native_id, step.status_raw, "timeline")
        return ProjectBatch(source=self.source, url=url, page=None, filings=documents,
                            projects=[project])  # fmt: skip

    def detail_failed(self, failure):
        self.network_failure(failure)

    # -- checks
    def checked(self, projects: list[Project], url: str) -> list[Project]:
        keep = []
        for p in projects:
            if not p.native_id or not p.company:
                self.run.problem("missing_field", url, f"project {p.native_id!r} lacks"
                                 f" {'id' if not p.native_id else 'company'}: {p.raw!s:.120}")  # fmt: skip
                continue
            keep.append(p)
        self.report_flags(keep, url)
        return keep

    def report_flags(self, projects: list[Project], url: str) -> None:
        for p in projects:
            for flag in p.flags:
                if flag.startswith("unknown_"):
                    self.warn(flag, url, p.native_id, p.status_raw)

    def warn(self, kind: str, url: str, native_id: str, code: str, where: str = "") -> None:
        """One warning per project and code a run (a list, its details and its timeline would
        otherwise each repeat it)."""
        if (kind, native_id, code) in self.warned:
            return
        self.warned.add((kind, native_id, code))
        self.run.problem(
            kind, url, f"{kind} in {native_id}{' ' + where if where else ''}: {code!r}"
        )

    @staticmethod
    def stamp() -> str:
        return str(int(time.time() * 1000))


class SseSpider(ExchangeSpider):
    name = "sse"
    source = "sse"
    parser = sse
    first_index = 1
    referer = "https://www.sse.com.cn/listing/renewal/ipo/"
    milestones, status_events, disclosures = (
        "GP_GPZCZ_XMDTZTTLB",
        "GP_GPZCZ_XMDTZTYYLB",
        "GP_GPZCZ_SHXXPL",
    )

    def first_requests(self):
        for board in self.boards():
            yield self.open_list(board, 1)

    def boards(self) -> list[str]:
        boards = [b.strip() for b in str(self.extra.get("boards", "star,main")).split(",")]
        unknown = [b for b in boards if b and b not in sse.MARKET_TYPES]
        for b in unknown:
            self.run.problem("config_error", "", f"unknown SSE board {b!r} (star, main)")
        return [b for b in boards if b in sse.MARKET_TYPES]

    def query(self, endpoint: str, params: dict) -> str:
        if self.extra.get("jsonp", True):
            params = {"jsonCallBack": f"jsonpCallback{random.randint(10000, 99999999)}", **params}
        return f"/{endpoint}?{urlencode({**params, '_': self.stamp()})}"

    def list_request(self, board: str, index: int) -> scrapy.Request:
        size = int(self.extra.get("page_size") or 100)
        path = self.query(str(self.extra.get("list_endpoint") or "statusAction.do"), {
            "isPagination": "true", "sqlId": "SH_XM_LB", "pageHelp.pageSize": size,
            "pageHelp.pageNo": index, "pageHelp.beginPage": index, "pageHelp.cacheSize": 1,
            "pageHelp.endPage": index, "order": "updateDate|desc,stockAuditNum|desc",
            "issueMarketType": sse.MARKET_TYPES[board], "keyword": "",
        })  # fmt: skip
        return scrapy.Request(self.url(path), headers={"Referer": self.referer},
                              callback=self.on_list, errback=self.list_failed,
                              cb_kwargs={"board": board, "index": index},
                              meta=self.fallback_meta(path), dont_filter=True)  # fmt: skip

    def parse_list_page(self, response, board: str) -> ListPage:
        return sse.parse_list(response.body, response.url, board=board)

    # -- details: status events -> documents [-> milestones], then one batch
    def detail_requests(self, project: Project):
        yield self.soa_request(self.status_events, project, {})

    def soa_request(self, sql_id: str, project: Project, rows: dict) -> scrapy.Request:
        params = {"isPagination": "false", "sqlId": sql_id, "stockAuditNum": project.native_id}
        if sql_id == self.status_events:
            params["order"] = "qianDate|desc"
        path = self.query("commonSoaQuery.do", params)
        return scrapy.Request(self.url(path), headers={"Referer": sse.PROJECT_PAGE.format(
            project.native_id)}, callback=self.on_detail, errback=self.detail_failed,
            cb_kwargs={"project": project, "rows": rows, "sql_id": sql_id},
            meta=self.fallback_meta(path), dont_filter=True)  # fmt: skip

    def on_detail(self, response, project: Project, rows: dict, sql_id: str):
        """The status events (with reasons) hold every milestone row in the real data, so the
        milestone call is made only when they do not reach the project's current status (or
        `always_milestones` is set): two calls per changed project instead of three."""
        self.note_response(response)
        if self.http_failure(response):
            return
        try:
            data, _ = sse.rows_of(response.body, response.url)
        except PageError as exc:
            if sql_id == self.disclosures and not isinstance(exc, ChallengePage):
                # the 2026 site answers the per-project document search instead (issue 16)
                yield self.soa_request(sse.FILE_SEARCH, project, rows)
                return
            self.run.problem(exc.kind, response.url, str(exc), body=response.body)
            return
        if sql_id == sse.FILE_SEARCH:
            sql_id = self.disclosures
        rows = {**rows, sql_id: data}
        if sql_id == self.status_events:
            yield self.soa_request(self.disclosures, project, rows)
            return
        if sql_id == self.disclosures and (
            self.extra.get("always_milestones")
            or not sse.events_reach_current(project, rows[self.status_events])
        ):
            yield self.soa_request(self.milestones, project, rows)
            return
        project.timeline = sse.build_timeline(project, rows.get(self.milestones, []),
                                              rows[self.status_events])  # fmt: skip
        pdf_base = str(self.extra.get("pdf_base_url") or sse.PDF_BASE)
        docs = sse.documents(rows[self.disclosures], project, pdf_base)
        for doc in docs:
            if "unknown_file_type" in doc.flags:
                self.warn("unknown_file_type", response.url, project.native_id,
                          str(doc.raw.get("fileTypeMap") or doc.raw.get("fileType")), doc.title)  # fmt: skip
        yield self.detail_batch(response.url, project, docs)
