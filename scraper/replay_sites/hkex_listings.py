"""Replay of the HKEXnews new-listing pages, title search and latest announcements.

* `/New-Listings/New-Listing-Information/{Main-Board,GEM}?sc_lang=en|zh-HK` ->
  `new_listing_{main_board,gem}_{en,zh}.html`
* `GET /search/titleSearchServlet.do?...&t2code=N` -> `titlesearch_servlet_N.json`, an empty
  result for other codes; the first `rowRange` records with `hasNextRow` when there are more;
  `retire_servlet` makes it answer 404 like a retired endpoint.
* `POST /search/titlesearch.xhtml` (form field t2code) -> `titlesearch_form_N.html`, else the
  no-match page; `GET` -> the empty search page.
* `/ncms/json/eds/lcisehk*.json` -> the file of that name.
* `/listedco/...pdf` -> a stub PDF.

Control: `retire_servlet` {on: bool}, `publish` {code, doc: {...servlet record}} adds a record to
a title-search code and the latest announcements, `reset`.
"""

from __future__ import annotations

import json
from pathlib import Path

from scraper.replay import ReplayRequest, ReplayResponse

NEW_LISTING = "/New-Listings/New-Listing-Information/"
EMPTY_RESULT = {"result": "[]", "hasNextRow": False, "rowRange": 100, "loadedRecord": 0,
                "recordCnt": 0}  # fmt: skip


class HkexListingsSite:
    name = "hkex_listings"

    def __init__(self, fixtures_dir: Path):
        self.dir = Path(fixtures_dir) / "hkex_listings"
        self.reset()

    def reset(self) -> None:
        self.servlet_retired = False
        self.published: dict[str, list[dict]] = {}

    def _file(self, name: str) -> bytes | None:
        path = self.dir / name
        return path.read_bytes() if path.is_file() else None

    def handle(self, request: ReplayRequest) -> ReplayResponse | None:
        path = request.path
        if path.startswith(NEW_LISTING):
            board = {"Main-Board": "main_board", "GEM": "gem"}.get(path[len(NEW_LISTING) :])
            lang = "en" if request.arg("sc_lang", "en").lower().startswith("en") else "zh"
            body = self._file(f"new_listing_{board}_{lang}.html") if board else None
            if body is None:
                return ReplayResponse.text("<html><body>404 Not Found</body></html>", status=404)
            return ReplayResponse(body=body, content_type="text/html; charset=utf-8")
        if path == "/search/titleSearchServlet.do":
            if self.servlet_retired:
                return ReplayResponse.text("<html><body>404 Not Found</body></html>", status=404)
            code = request.arg("t2code")
            body = self._file(f"titlesearch_servlet_{code}.json")
            data = json.loads(body) if body else dict(EMPTY_RESULT)
            records = json.loads(data["result"]) + self.published.get(code, [])
            rows = int(request.arg("rowRange", "100") or 100)  # "load more" asks for more rows
            data = {**data, "result": json.dumps(records[:rows], ensure_ascii=False),
                    "hasNextRow": len(records) > rows, "rowRange": rows,
                    "recordCnt": len(records), "loadedRecord": min(rows, len(records))}  # fmt: skip
            return ReplayResponse.json(data)
        if path == "/search/titlesearch.xhtml":
            if request.method == "POST":
                body = self._file(f"titlesearch_form_{request.form.get('t2code', '')}.html")
                body = body or self._file("titlesearch_form_no_match.html")
                return ReplayResponse(body=body, content_type="text/html; charset=UTF-8")
            return ReplayResponse.text(
                "<!DOCTYPE html><html><body><form method='post'>標題搜尋</form></body></html>"
            )
        if path.startswith("/ncms/json/eds/lcisehk") and path.endswith(".json"):
            body = self._file(path.rsplit("/", 1)[-1])
            if body is None:
                return ReplayResponse.text("<html><body>404 Not Found</body></html>", status=404)
            if self.published:
                data = json.loads(body)
                for records in self.published.values():
                    for r in records:
                        data["newsInfoLst"].insert(0, {
                            "title": r["TITLE"], "lTxt": "上市文件 - [發售以供認購]",
                            "stock": [{"sc": r["STOCK_CODE"], "sn": r["STOCK_NAME"]}],
                            "relTime": r["DATE_TIME"], "webPath": r["FILE_LINK"]})  # fmt: skip
                return ReplayResponse.json(data)
            return ReplayResponse(body=body, content_type="application/json")
        if path.startswith("/listedco/") and path.lower().endswith(".pdf"):
            return ReplayResponse(body=b"%PDF-1.4\n% replay stub\n%%EOF\n",
                                  content_type="application/pdf")  # fmt: skip
        return None

    def control(self, action: str, payload: dict) -> dict:
        if action == "retire_servlet":
            self.servlet_retired = bool(payload.get("on", True))
            return {"ok": True, "retired": self.servlet_retired}
        if action == "publish":
            self.published.setdefault(str(payload.get("code", "30700")), []).append(payload["doc"])
            return {"ok": True}
        if action == "reset":
            self.reset()
            return {"ok": True}
        return {"error": f"unknown action {action}"}


def make_site(fixtures_dir: Path) -> HkexListingsSite:
    return HkexListingsSite(fixtures_dir)
