"""Replay of SSE 上市交易公告 pages (www.sse.com.cn/disclosure/announcement/listing/…).

List pages `/disclosure/announcement/listing/ipo/index.shtml` and `index_N.shtml`, notice pages
`…/listing/ipo/c/<file>` and `…/listing/c/<file>`, all from tests/fixtures/sse_notices.
"""

from __future__ import annotations

import re
from pathlib import Path

from scraper.replay import ReplayRequest, ReplayResponse

_LIST_RE = re.compile(r"/disclosure/announcement/listing/ipo/(index(?:_\d+)?\.shtml)")
_NOTICE_RE = re.compile(r"/disclosure/announcement/listing/(?:ipo/|stock/)?c/(c_\d{8}_\d+\.shtml)")


class SseNoticesSite:
    name = "sse_notices"

    def __init__(self, fixtures_dir: Path):
        self.dir = Path(fixtures_dir) / "sse_notices"

    def handle(self, request: ReplayRequest) -> ReplayResponse | None:
        m = _LIST_RE.fullmatch(request.path)
        path = None
        if m:
            path = self.dir / m[1]
        else:
            m = _NOTICE_RE.fullmatch(request.path)
            if not m:
                return None
            path = self.dir / "c" / m[1]
        if not path.exists():
            return ReplayResponse.text("<html><body><h1>404 页面不存在</h1></body></html>", 404)
        return ReplayResponse(body=path.read_bytes())

    def empty(self, request: ReplayRequest) -> ReplayResponse:
        return ReplayResponse.text(
            '<html><body><div class="sse_list_1"><dl></dl></div></body></html>'
        )


def make_site(fixtures_dir: Path) -> SseNoticesSite:
    return SseNoticesSite(fixtures_dir)
