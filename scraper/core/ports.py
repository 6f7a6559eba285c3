"""What a spider may ask about the stored state: a read-only port handed to it by the crawl.

Spiders never open the database; the crawl layer gives them an object with these methods
(scraper/db/known.py implements it over SQLite, tests may pass anything shaped alike).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from scraper.core.records import ProjectState


class Known(Protocol):
    def statuses(self, source: str) -> dict[str, str | None]:
        """native_id -> status of a source's stored filings."""

    def filing_states(self, source: str) -> dict[str, tuple[str | None, str | None, list[str]]]:
        """native_id -> (status, status_raw, flags) of a source's stored filings."""

    def project_state(self, source: str) -> ProjectState:
        """The stored projects of an exchange, for incremental detail fetching."""

    def hkex_names(self) -> dict[tuple[str, int], tuple[str | None, str | None]]:
        """(board, id) -> (Chinese, English) name from the last good HKEX snapshot."""

    def hkex_files(self) -> dict[str, dict]:
        """HKEX status file name -> its last outcome, dates and record count."""

    def report_types_of(self, names: Iterable[str], source: str) -> dict[str, set[str]]:
        """name -> report types the source holds for the company that name resolves to."""

    def baseline_done(self, source: str) -> bool:
        """True once the source's first complete sweep is recorded (its events are news)."""
