"""Full-text search for Datasette (`filingwatch serve`): FTS5 `trigram` indexes of companies and
filings, kept in step by triggers, filled for rows that exist (created once, never rebuilt later).

Why trigram: company names are unsegmented Chinese, so FTS5's default tokenizer sees a whole
name as one token and `芯片` finds nothing; trigram matches any substring of 3+ characters
(shorter terms: the LIKE canned query in filingwatch/datasette.json). External-content tables
(content="companies") store no second copy of the text, and Datasette recognises them by that
clause. Update triggers fire only when an indexed column changes, so the crawl's frequent
`updated_at`/`last_seen_at` writes cost nothing here. Filings are indexed on their title only
(it carries the company's name; broker and bureau are facets): bench/fts_overhead.py measured
the index at ~25% of the write path's CPU for the title, ~35% for four columns.
"""

from __future__ import annotations

from sqlite_utils import Database

NAME = "fts"

INDEXES = {
    "companies": ("name", "name_en", "stock_code"),
    "filings": ("title",),
}


def apply(db: Database) -> None:
    for table, columns in INDEXES.items():
        create_index(db, table, columns)


def create_index(db: Database, table: str, columns: tuple[str, ...]) -> None:
    """`<table>_fts` over `columns` with its three triggers; filled once, when first created."""
    fts = f"{table}_fts"
    exists = db.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", [fts]
    ).fetchone()
    cols = ", ".join(columns)
    new = ", ".join(f"new.{c}" for c in columns)
    old = ", ".join(f"old.{c}" for c in columns)
    db.execute(
        f'CREATE VIRTUAL TABLE IF NOT EXISTS {fts} USING fts5({cols}, content="{table}",'
        " content_rowid=\"id\", tokenize='trigram')"
    )
    db.execute(
        f"CREATE TRIGGER IF NOT EXISTS {fts}_ai AFTER INSERT ON {table} BEGIN"
        f" INSERT INTO {fts}(rowid, {cols}) VALUES (new.id, {new}); END"
    )
    db.execute(
        f"CREATE TRIGGER IF NOT EXISTS {fts}_ad AFTER DELETE ON {table} BEGIN"
        f" INSERT INTO {fts}({fts}, rowid, {cols}) VALUES ('delete', old.id, {old}); END"
    )
    db.execute(
        f"CREATE TRIGGER IF NOT EXISTS {fts}_au AFTER UPDATE OF {cols} ON {table} BEGIN"
        f" INSERT INTO {fts}({fts}, rowid, {cols}) VALUES ('delete', old.id, {old});"
        f" INSERT INTO {fts}(rowid, {cols}) VALUES (new.id, {new}); END"
    )
    if not exists:
        db.execute(f"INSERT INTO {fts}({fts}) VALUES ('rebuild')")


def drop_index(db: Database, table: str) -> None:
    """For benchmarks comparing index shapes; never called by a migration."""
    for suffix in ("ai", "ad", "au"):
        db.execute(f"DROP TRIGGER IF EXISTS {table}_fts_{suffix}")
    db.execute(f"DROP TABLE IF EXISTS {table}_fts")
