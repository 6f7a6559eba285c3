"""Views for Datasette (`filingwatch serve`): the columns a reader wants first, sorted sensibly.

The base tables stay as they are (27 columns in filings is what the write path needs); these
views are what the shipped metadata opens with. Created if missing, so re-running is a no-op.
"""

from __future__ import annotations

from sqlite_utils import Database

NAME = "views"

VIEWS = {
    # One line per company in a watched sector, with how long it has sat in its stage.
    "pipeline": """
        SELECT c.id, c.name, c.name_en, c.stage, c.stage_date,
               CAST(julianday('now', '+8 hours') - julianday(c.stage_date) AS INTEGER) AS days_in_stage,
               c.stage_source AS source, c.sectors, c.stock_code
        FROM companies c WHERE c.sectors IS NOT NULL AND c.sectors != '[]'
    """,
    # Filings without the bookkeeping columns: what was filed, by whom, where, with its document.
    "filings_brief": """
        SELECT f.id, f.event_date, f.source, f.company, f.status, f.regulator AS bureau, f.broker,
               f.board, f.title, coalesce(f.pdf_url, f.url) AS document, f.company_id
        FROM filings f
    """,
}


def apply(db: Database) -> None:
    for name, sql in VIEWS.items():
        db.execute(f"CREATE VIEW IF NOT EXISTS {name} AS {sql}")
