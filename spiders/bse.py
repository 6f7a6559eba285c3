"""BSE IPO review: `projectNewsController/infoResult.do` list (JSONP GET or POST form, 0-based
page), one `infoDetailResult.do` call per new or changed project, behind the site's cookie WAF.

Cookie warm-up (REPORT §3): the home page sets `C3VK` from script (`document.cookie=…`); the
spider fetches it (no redirects), then `/audit/project_news.html`, then the API. The cookies are
kept in crawl_state.cursor, so the next run goes straight to the list (one request when nothing
changed). A 30x (cookie expired) or an HTML verification page instead of JSONP re-warms and
retries the same request, at most MAX_WARMUPS times a run; after that it is a challenge_page
problem. List/detail/incremental logic: spiders/sse.py ExchangeSpider.
"""

from __future__ import annotations

from urllib.parse import urlencode

import scrapy

from scraper.core.records import Project
from scraper.core.timeutil import now_iso
from scraper.parsers import bse
from scraper.parsers.common import PageError, looks_like_challenge
from scraper.parsers.review import ListPage
from spiders.base import SourceSpider
from spiders.sse import ExchangeSpider

NEED_FIELDS = ("id", "stockCode", "stockName", "companyName", "status", "registerAddress",
               "sponsorOrg", "appraisalOrg", "lawyerOrg", "accountingOrg", "updateDate",
               "receiveDate", "operatingTime")  # fmt: skip
REDIRECTS = (301, 302, 303, 307, 308)


class BseSpider(ExchangeSpider):
    name = "bse"
    source = "bse"
    parser = bse
    first_index = 0
    handle_httpstatus_list = [*SourceSpider.handle_httpstatus_list, *REDIRECTS]
    list_referer = "https://www.bse.cn/audit/project_news.html"
    MAX_WARMUPS = 2

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.cookies: dict[str, str] = {}
        self.saved_cookies: dict[str, str] = {}
        self.warming = False
        self.warmups = 0
        self.cookie_computed = False  # the home page sets C3VK from an expression
        self.waiting: list[scrapy.Request] = []

    # -- start: straight to the lists with stored cookies, else warm up first
    def first_requests(self):
        self.saved_cookies = dict(self.state.cursor.get("cookies") or {})
        self.cookies = dict(self.saved_cookies)
        codes = [c.strip() for c in str(self.extra.get("statetypes") or "").split(",")]
        lists = [self.open_list(code, 0) for code in [c for c in codes if c] or ["all"]]
        if self.cookies:
            yield from lists
        else:
            yield from self.warm_up(lists)

    @property
    def post(self) -> bool:
        return str(self.extra.get("list_method") or "get").lower() == "post"

    def api(self, path: str, params: dict, referer: str, callback, errback, cb_kwargs):
        headers = {"Referer": referer, "X-Requested-With": "XMLHttpRequest",
                   "Accept": "text/javascript, application/javascript, */*; q=0.01"}  # fmt: skip
        if self.post:
            headers["Origin"] = self.active_base
            return scrapy.FormRequest(self.url(path), formdata=params, headers=headers,
                                      cookies=self.cookies, callback=callback, errback=errback,
                                      cb_kwargs=cb_kwargs, meta={"dont_redirect": True},
                                      dont_filter=True)  # fmt: skip
        query = urlencode({"callback": f"jsonp_{self.stamp()}", **params}, doseq=True)
        return scrapy.Request(self.url(f"{path}?{query}"), headers=headers, cookies=self.cookies,
                              callback=callback, errback=errback, cb_kwargs=cb_kwargs,
                              meta={"dont_redirect": True}, dont_filter=True)  # fmt: skip

    def list_request(self, board: str, index: int) -> scrapy.Request:
        code = "" if board == "all" else board
        if self.post:
            params = {"page": str(index), "isNewThree": "1", "sortfield": "updateDate",
                      "sorttype": "desc", "keyword": "", "companyCode": "",
                      "needFields[]": list(NEED_FIELDS)}  # fmt: skip
            if code:
                params["statetypes[]"] = [code]
        else:
            params = {"page": index, "isNewThree": 1, "sortfield": "updateDate",
                      "sorttype": "desc", "companyCode": "", "keyword": "", "statetypes": code,
                      "needFields": ",".join(NEED_FIELDS)}  # fmt: skip
        return self.api("/projectNewsController/infoResult.do", params, self.list_referer,
                        self.on_bse_list, self.list_failed, {"board": board, "index": index})  # fmt: skip

    def parse_list_page(self, response, board: str) -> ListPage:
        return bse.parse_list(response.body, response.url)

    def on_bse_list(self, response, board: str, index: int):
        reason = self.blocked(response)
        if reason:
            if self.warmups >= self.MAX_WARMUPS:
                if not self.cookie_computed:  # already said exactly why
                    self.run.problem("challenge_page", response.url,
                                     f"still blocked after {self.warmups} warm-ups: {reason}",
                                     body=response.body, status=response.status)  # fmt: skip
                yield from self.close_list(board, complete=False)
                return
            yield from self.warm_up([response.request.replace(dont_filter=True)])
            return
        yield from self.on_list(response, board, index)

    # -- details
    def detail_requests(self, project: Project):
        yield self.api("/projectNewsController/infoDetailResult.do", {"id": project.native_id},
                       bse.PROJECT_PAGE.format(project.native_id), self.on_detail,
                       self.detail_failed, {"project": project})  # fmt: skip

    def on_detail(self, response, project: Project):
        reason = self.blocked(response)
        if reason:
            if self.warmups >= self.MAX_WARMUPS:
                if not self.cookie_computed:  # already said exactly why
                    self.run.problem("challenge_page", response.url,
                                     f"still blocked after {self.warmups} warm-ups: {reason}",
                                     body=response.body, status=response.status)  # fmt: skip
                return
            yield from self.warm_up([response.request.replace(dont_filter=True)])
            return
        self.note_response(response)
        if self.http_failure(response):
            return
        pdf_base = str(self.extra.get("pdf_base_url") or bse.PDF_BASE)
        try:
            project, docs = bse.parse_detail(response.body, response.url, project, pdf_base)
        except PageError as exc:
            self.run.problem(exc.kind, response.url, str(exc), body=response.body)
            return
        yield self.detail_batch(response.url, project, docs)

    # -- the cookie WAF
    def blocked(self, response) -> str | None:
        if response.status in REDIRECTS:
            return f"HTTP {response.status} to {response.headers.get('Location', b'').decode()!r}"
        head = response.body[:20000].decode("utf-8", "ignore")
        if not head.lstrip().startswith("<"):
            return None
        marker = bse.verification_marker(head) or looks_like_challenge(head)
        return f"verification page (marker {marker!r})" if marker else None

    def warm_up(self, waiting: list[scrapy.Request]):
        """Home page (no redirects) -> its script cookie -> project_news.html -> the waiting requests."""
        self.waiting.extend(waiting)
        if self.warming:
            return
        self.warming = True
        self.warmups += 1
        yield scrapy.Request(self.url("/"), callback=self.on_home, errback=self.warm_failed,
                             meta={"dont_redirect": True}, dont_filter=True)  # fmt: skip

    def on_home(self, response):
        self.cookies.update(_set_cookies(response))
        self.cookies.update(bse.home_cookies(response.body))
        if bse.computed_cookie(response.body) and not self.cookie_computed:
            # say what is wrong instead of a generic challenge error after every re-warm
            self.cookie_computed = True
            self.warmups = self.MAX_WARMUPS
            self.run.problem("challenge_page", response.url,
                             "the home page computes the C3VK cookie in JavaScript (no literal"
                             " document.cookie=\"C3VK=...\" to read): the API answers its"
                             " verification page until that cookie is supplied",
                             body=response.body, status=response.status)  # fmt: skip
        elif not self.cookies:
            self.run.problem("cookie_warmup", response.url, "the home page set no cookie",
                             body=response.body, status=response.status)  # fmt: skip
        yield scrapy.Request(self.url("/audit/project_news.html"), cookies=self.cookies,
                             headers={"Referer": self.url("/")}, callback=self.on_warm_page,
                             errback=self.warm_failed, meta={"dont_redirect": True},
                             dont_filter=True)  # fmt: skip

    def on_warm_page(self, response):
        self.cookies.update(_set_cookies(response))
        self.cookies.update(bse.home_cookies(response.body))
        yield from self.release()

    def warm_failed(self, failure):
        self.network_failure(failure)
        yield from self.release()

    def release(self):
        self.warming = False
        waiting, self.waiting = self.waiting, []
        for request in waiting:
            yield request.replace(cookies=self.cookies, dont_filter=True)

    def cursor_update(self) -> dict | None:
        """A list page came through: keep the cookies that worked for the next run (written by
        the pipeline with that page)."""
        if self.cookies and self.cookies != self.saved_cookies:
            self.saved_cookies = dict(self.cookies)
            return {"cookies": dict(self.cookies), "saved_at": now_iso()}
        return None


def _set_cookies(response) -> dict[str, str]:
    out = {}
    for header in response.headers.getlist("Set-Cookie"):
        pair = header.decode("latin-1").split(";", 1)[0]
        name, sep, value = pair.partition("=")
        if sep and name.strip():
            out[name.strip()] = value.strip()
    return out
