"""What the listing-notice, approval and cninfo spiders share (no spider here).

* `ListingSpider`: the known ids (and their stored status) and the page/parse-error plumbing of list-then-detail sites.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import TypeVar

from scraper.core.timeutil import today_shanghai
from scraper.parsers.common import PageError, ZeroRows
from spiders.base import SourceSpider, source_extra

T = TypeVar("T")


def date_range(lookback_days: int, since: str = "") -> tuple[str, str]:
    """(since, until) ISO dates in Asia/Shanghai; `since` overrides the look-back."""
    today = today_shanghai()
    start = since or (today - timedelta(days=max(int(lookback_days), 1))).isoformat()
    return start, today.isoformat()


class ListingSpider(SourceSpider):
    """Known native ids, and one way to record a page that cannot be trusted."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.extra: dict = {}
        self.known: set[str] = set()
        self.stored: dict[str, tuple] = {}  # native_id -> (status, status_raw, flags) as stored

    def load_state(self) -> None:
        self.extra = source_extra(self.crawler.settings, self.source)
        self.stored = self.prior.filing_states(self.source)
        self.known = set(self.stored)
        if not self.max_pages:
            self.max_pages = int(self.extra.get("max_pages") or 0)

    @property
    def incremental(self) -> bool:
        return self.mode == "incremental"

    def page_error(self, exc: PageError, response) -> None:
        self.run.problem(exc.kind, response.url, str(exc), body=response.body)

    def parse_or_record(self, response, parse: Callable[[], T]) -> T | None:
        """Run a list-page parser. An HTTP failure or a broken page is recorded and gives None;
        zero rows is an error on page 1 and, later, just the end of the list."""
        if self.http_failure(response):
            return None
        try:
            return parse()
        except ZeroRows as exc:
            if response.meta.get("page", 1) == 1:
                self.page_error(exc, response)
            return None
        except PageError as exc:
            self.page_error(exc, response)
            return None

    def on_error(self, failure):
        self.network_failure(failure)
