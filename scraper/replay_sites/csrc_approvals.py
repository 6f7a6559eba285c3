"""Replay of www.csrc.gov.cn: getLocalList, searchList JSON and a channel page (meta channelid).

Fixtures in tests/fixtures/csrc_approvals. `publish` (POST /_replay/csrc_approvals/publish with
{"channel_id": …, "results": [...]}) puts items at the top of a channel's first page.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from scraper.replay import ReplayRequest, ReplayResponse

_SEARCH_RE = re.compile(r"/searchList/([0-9A-Za-z]+)")
_CHANNEL_PAGE_RE = re.compile(r"/csrc/(c\d+)/(?:zfxxgk_zdgk|common_list|common_xq_list)\.shtml")


class CsrcApprovalsSite:
    name = "csrc_approvals"

    def __init__(self, fixtures_dir: Path):
        self.dir = Path(fixtures_dir) / "csrc_approvals"
        self.published: dict[str, list[dict]] = {}

    def handle(self, request: ReplayRequest) -> ReplayResponse | None:
        if request.path == "/getLocalList":
            code = request.arg("channelCode")
            path = self.dir / f"getLocalList_{code}.json"
            if not re.fullmatch(r"c\d+", code or "") or not path.exists():
                return ReplayResponse.json({"code": 200, "results": {"channelLevel": []}})
            return ReplayResponse.json(json.loads(path.read_text("utf-8")))
        m = _CHANNEL_PAGE_RE.fullmatch(request.path)
        if m:
            path = self.dir / f"channel_{m[1]}.shtml"
            if not path.exists():
                return ReplayResponse.text("<html><body>404</body></html>", 404)
            return ReplayResponse(body=path.read_bytes())
        m = _SEARCH_RE.fullmatch(request.path)
        if not m:
            return None
        if request.arg("_isJson") != "true":
            return ReplayResponse.text("<html><body>search page</body></html>")
        channel, page = m[1], int(request.arg("page") or 1)
        path = self.dir / f"searchList_{channel}_{page}.json"
        if path.exists():
            data = json.loads(path.read_text("utf-8"))
        else:
            first = self.dir / f"searchList_{channel}_1.json"
            if not first.exists():
                return ReplayResponse.json({"data": None, "msg": "channel not found"})
            data = json.loads(first.read_text("utf-8"))
            data["data"]["results"], data["data"]["page"] = [], page
        extra = self.published.get(channel) or []
        if extra:
            data["data"]["total"] = (data["data"].get("total") or 0) + len(extra)
            if page == 1:
                data["data"]["results"] = extra + data["data"]["results"]
        return ReplayResponse.json(data)

    def empty(self, request: ReplayRequest) -> ReplayResponse:
        return ReplayResponse.json({"data": {"page": 1, "rows": 20, "total": 0, "results": []}})

    def control(self, action: str, payload: dict) -> dict:
        if action == "publish":
            channel = payload["channel_id"]
            self.published.setdefault(channel, [])[:0] = payload.get("results") or []
            return {"ok": True}
        if action == "reset":
            self.published.clear()
            return {"ok": True}
        return {"error": f"unknown action {action}"}


def make_site(fixtures_dir: Path) -> CsrcApprovalsSite:
    return CsrcApprovalsSite(fixtures_dir)
