"""Replay of SSE listing-committee announcements (`commonSoaQuery.do?sqlId=GP_GPZCZ_SSWHYGGJG`).

Rows come from tests/fixtures/sse_committee/GP_GPZCZ_SSWHYGGJG.json(p). Asked with a
`stockAuditNum`, the replay answers that project's files unpaged (the documented detail call);
without one, every file newest first, paged by `pageHelp.pageNo`/`pageSize` (at most 20).
`fileType=1,2` filters the kinds. Control `announce` adds a row (the demo and tests use it).
"""

from __future__ import annotations

import json
import math
from pathlib import Path

from scraper.parsers.common import unwrap_jsonp
from scraper.replay import ReplayRequest, ReplayResponse
from scraper.replay_sites.sse import ENVELOPE, _page_help

SQL_ID = "GP_GPZCZ_SSWHYGGJG"


class SseCommitteeSite:
    name = "sse_committee"

    def __init__(self, fixtures_dir: Path):
        self.dir = Path(fixtures_dir) / "sse_committee"
        self.reset()

    def reset(self) -> None:
        self.rows: list[dict] = []
        self.per_page = 20
        for path in sorted(self.dir.glob(f"{SQL_ID}.json*")) if self.dir.is_dir() else []:
            data = json.loads(unwrap_jsonp(path.read_text("utf-8")))
            self.rows += (data.get("pageHelp") or {}).get("data") or []

    def handle(self, request: ReplayRequest) -> ReplayResponse | None:
        if request.path != "/commonSoaQuery.do" or request.arg("sqlId") != SQL_ID:
            return None
        rows = sorted(self.rows, key=lambda r: (r.get("publishDate") or "", r.get("fileId") or ""),
                      reverse=True)  # fmt: skip
        types = {t for t in request.arg("fileType").split(",") if t}
        if types:
            rows = [r for r in rows if str(r.get("fileType")) in types]
        audit = request.arg("stockAuditNum")
        if audit:
            rows = [r for r in rows if any(str(a.get("auditId")) == audit for a in r["stockAudit"])]
            return self._answer(request, rows, _page_help(rows, 1, 1, len(rows), len(rows)))
        size = max(1, min(int(request.arg("pageHelp.pageSize") or 20), self.per_page))
        page = max(1, int(request.arg("pageHelp.pageNo") or 1))
        count = math.ceil(len(rows) / size)
        part = rows[(page - 1) * size : page * size]
        return self._answer(request, part, _page_help(part, page, count, len(rows), size))

    def _answer(self, request: ReplayRequest, rows: list[dict], page_help: dict) -> ReplayResponse:
        callback = request.arg("jsonCallBack")
        envelope = {**ENVELOPE, "jsonCallBack": callback or None, "pageHelp": page_help,
                    "result": rows}  # fmt: skip
        text = json.dumps(envelope, ensure_ascii=False).replace("/", "\\/")
        if callback:
            return ReplayResponse(body=f"{callback}({text})".encode(),
                                  content_type="text/javascript;charset=UTF-8")  # fmt: skip
        return ReplayResponse(body=text.encode(), content_type="application/json;charset=UTF-8")

    def empty(self, request: ReplayRequest) -> ReplayResponse:
        return self._answer(request, [], _page_help([], 1, 0, 0, 20))

    def control(self, action: str, payload: dict) -> dict:
        if action == "announce":
            self.rows.append(dict(payload["row"]))
            return {"ok": True, "rows": len(self.rows)}
        if action == "reset":
            self.reset()
            return {"ok": True}
        raise KeyError(action)


def make_site(fixtures_dir: Path) -> SseCommitteeSite:
    return SseCommitteeSite(fixtures_dir)
