"""The read-only port spiders get (core.ports.Known), answered from SQLite."""

from __future__ import annotations

import json
from collections.abc import Iterable

from scraper.core.records import ProjectState
from scraper.core.timeutil import today_shanghai
from scraper.db import filings, runs
from scraper.db.companies import lookup_ids
from scraper.db.connection import marks


class KnownState:
    """Answers a spider's "what is already stored" questions; never writes."""

    def __init__(self, db):
        self.db = db
        self.conn = db.conn if hasattr(db, "conn") else db

    def baseline_done(self, source: str) -> bool:
        return runs.baseline_done(self.db, source)

    def statuses(self, source: str) -> dict[str, str | None]:
        return filings.known_statuses(self.conn, source)

    def filing_states(self, source: str) -> dict[str, tuple[str | None, str | None, list[str]]]:
        return {
            nid: (status, status_raw, json.loads(flags) if flags else [])
            for nid, status, status_raw, flags in self.conn.execute(
                "SELECT native_id, status, status_raw, flags FROM filings WHERE source = ?",
                [source],
            )
        }

    def project_state(self, source: str) -> ProjectState:
        rows = {}
        sql = (
            "SELECT native_id, board, list_key, detail_key, detail_fetched_at, raw FROM projects"
            " WHERE source = ?"
        )
        for native_id, board, list_key, detail_key, fetched, raw in self.conn.execute(
            sql, [source]
        ):
            rows[native_id] = {"board": board, "list_key": list_key, "detail_key": detail_key,
                               "detail_fetched_at": fetched, "raw": raw}  # fmt: skip
        return ProjectState(
            source, rows, runs.load_cursor(self.db, source), today_shanghai().isoformat()
        )

    def hkex_names(self) -> dict[tuple[str, int], tuple[str | None, str | None]]:
        return {
            (board, app_id): (name_c, name_en)
            for board, app_id, name_c, name_en in self.conn.execute(
                "SELECT board, app_id, name_c, name_en FROM hkex_applicants"
            )
        }

    def hkex_files(self) -> dict[str, dict]:
        cols = ("name", "outcome", "gen_date", "u_date", "records", "last_ok_at", "last_error")
        return {
            row[0]: dict(zip(cols, row, strict=True))
            for row in self.conn.execute(f"SELECT {', '.join(cols)} FROM hkex_files")
        }

    def report_types_of(self, names: Iterable[str], source: str) -> dict[str, set[str]]:
        out: dict[str, set[str]] = {}
        for name, cids in lookup_ids(self.conn, names).items():
            ids = sorted(cids)
            out[name] = {
                r[0]
                for r in self.conn.execute(
                    "SELECT DISTINCT coalesce(report_type, '') FROM filings WHERE source = ?"
                    f" AND company_id IN ({marks(ids)})",
                    [source, *ids],
                )
            }
        return out
