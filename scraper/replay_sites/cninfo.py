"""Replay of cninfo `POST /new/hisAnnouncement/query` (form) from tests/fixtures/cninfo.

`query_<column>_<pageNum>.json` answers the form's column and page; other pages answer
`empty.json`. `publish` (POST /_replay/cninfo/publish) puts announcements at the top of page 1
of a column, as the live list shows its newest first.
"""

from __future__ import annotations

import json
from pathlib import Path

from scraper.replay import ReplayRequest, ReplayResponse

PATH = "/new/hisAnnouncement/query"


class CninfoSite:
    name = "cninfo"

    def __init__(self, fixtures_dir: Path):
        self.dir = Path(fixtures_dir) / "cninfo"
        self.published: dict[str, list[dict]] = {}

    def handle(self, request: ReplayRequest) -> ReplayResponse | None:
        if request.path != PATH:
            return None
        if request.method != "POST":
            return ReplayResponse.text("<html><body>405 Method Not Allowed</body></html>", 405)
        column = request.arg("column") or "szse"
        page = int(request.arg("pageNum") or 1)
        path = self.dir / f"query_{column}_{page}.json"
        data = json.loads((path if path.exists() else self.dir / "empty.json").read_text("utf-8"))
        extra = self.published.get(column) or []
        if extra and page == 1:
            data["announcements"] = extra + (data.get("announcements") or [])
            data["totalAnnouncement"] = (data.get("totalAnnouncement") or 0) + len(extra)
        return ReplayResponse.json(data)

    def empty(self, request: ReplayRequest) -> ReplayResponse:
        return ReplayResponse.json(json.loads((self.dir / "empty.json").read_text("utf-8")))

    def control(self, action: str, payload: dict) -> dict:
        if action == "publish":
            column = payload.get("column", "szse")
            self.published.setdefault(column, [])[:0] = payload.get("announcements") or [payload]
            return {"ok": True, "published": len(self.published[column])}
        if action == "reset":
            self.published.clear()
            return {"ok": True}
        return {"error": f"unknown action {action}"}


def make_site(fixtures_dir: Path) -> CninfoSite:
    return CninfoSite(fixtures_dir)
