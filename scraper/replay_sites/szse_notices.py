"""Replay of SZSE listing notices: `POST /api/disc/announcement/annList` (JSON body) and the
exchange's notice list `/disclosure/notice/company/index.html` with its notice pages.

Only these paths are answered (the review-status paths under /api/ras/ belong to the szse site).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from scraper.replay import ReplayRequest, ReplayResponse

ANN_PATH = "/api/disc/announcement/annList"
LIST_PATH = "/disclosure/notice/company/index.html"
_NOTICE_RE = re.compile(r"/www/disclosure/notice/(t\d{8}_\d+\.html)")


class SzseNoticesSite:
    name = "szse_notices"

    def __init__(self, fixtures_dir: Path):
        self.dir = Path(fixtures_dir) / "szse_notices"
        self.bodies: list[dict] = []  # annList request bodies, for tests
        # `load` control: every issuer's announcements, as the live API answers the documented
        # body (seDate honoured, newest first, pageSize rows; undocumented keys ignored)
        self.rows: list[dict] | None = None

    def _page(self, body: dict, page: int) -> dict:
        since, until = (list(body.get("seDate") or []) + ["", ""])[:2]
        rows = [r for r in self.rows or [] if (not since or r["publishTime"][:10] >= since)
                and (not until or r["publishTime"][:10] <= until)]  # fmt: skip
        rows.sort(key=lambda r: r["publishTime"], reverse=True)
        size = max(1, int(body.get("pageSize") or 30))
        return {"announceCount": len(rows), "data": rows[(page - 1) * size : page * size]}

    def control(self, action: str, payload: dict) -> dict:
        if action == "load":
            self.rows = list(payload.get("rows") or [])
            return {"ok": True, "rows": len(self.rows)}
        if action == "reset":
            self.rows, self.bodies = None, []
            return {"ok": True}
        return {"error": f"unknown action {action}"}

    def handle(self, request: ReplayRequest) -> ReplayResponse | None:
        if request.path == ANN_PATH:
            if request.method != "POST":
                return ReplayResponse.json({"error": "method"}, status=405)
            try:
                body = request.json()
            except ValueError:
                return ReplayResponse.json({"error": "bad body"}, status=400)
            self.bodies.append(body)
            page = int(body.get("pageNum") or 1)
            if self.rows is not None:
                return ReplayResponse.json(self._page(body, page))
            path = self.dir / f"annList_{page}.json"
            if path.exists():
                return ReplayResponse.json(json.loads(path.read_text("utf-8")))
            first = json.loads((self.dir / "annList_1.json").read_text("utf-8"))
            return ReplayResponse.json({"announceCount": first["announceCount"], "data": []})
        if request.path == LIST_PATH:
            return ReplayResponse(body=(self.dir / "notice_index.html").read_bytes())
        m = _NOTICE_RE.fullmatch(request.path)
        if m:
            path = self.dir / m[1]
            if not path.exists():
                return ReplayResponse.text("<html><body>404</body></html>", 404)
            return ReplayResponse(body=path.read_bytes())
        return None

    def empty(self, request: ReplayRequest) -> ReplayResponse:
        if request.path == ANN_PATH:
            return ReplayResponse.json({"announceCount": 0, "data": []})
        return ReplayResponse.text('<html><body><ul class="newslist"></ul></body></html>')


def make_site(fixtures_dir: Path) -> SzseNoticesSite:
    return SzseNoticesSite(fixtures_dir)
