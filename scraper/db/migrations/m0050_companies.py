"""Company resolution: aliases (every key a company is known by), candidates, merges.

Also re-keys companies created before this migration with the current `names.name_key`
(OpenCC simplified, bracket forms), merging rows that now share a key.
"""

from sqlite_utils import Database


def apply(db: Database) -> None:
    cols = {row[1] for row in db.execute("PRAGMA table_info(companies)").fetchall()}
    if "name_core" not in cols:
        db.execute("ALTER TABLE companies ADD COLUMN name_core TEXT")
    db.executescript(
        """
        CREATE TABLE IF NOT EXISTS company_aliases (
            id INTEGER PRIMARY KEY,
            company_id INTEGER NOT NULL REFERENCES companies(id),
            kind TEXT NOT NULL,      -- full | core | trade | en | en_trade | code
            key TEXT NOT NULL,       -- normalised key (scraper/names.py)
            alias TEXT NOT NULL,     -- the name or code as a source wrote it
            reason TEXT NOT NULL,    -- why it points here: new | full | core | trade | code | en | ...
            score REAL,              -- match score (0-100) when it was attached by matching
            first_seen_at TEXT NOT NULL,
            UNIQUE (kind, key, company_id)
        );
        CREATE INDEX IF NOT EXISTS company_aliases_key ON company_aliases(key);
        CREATE INDEX IF NOT EXISTS company_aliases_company ON company_aliases(company_id);
        CREATE TABLE IF NOT EXISTS company_candidates (
            id INTEGER PRIMARY KEY,
            company_id INTEGER NOT NULL REFERENCES companies(id),   -- row made for the new name
            candidate_id INTEGER NOT NULL REFERENCES companies(id), -- existing company it may be
            name TEXT NOT NULL,      -- the name that matched
            score REAL NOT NULL,
            reason TEXT NOT NULL,    -- ambiguous | fuzzy | prefix | region_conflict | code_conflict ...
            status TEXT NOT NULL DEFAULT 'open',  -- open | merged | rejected
            created_at TEXT NOT NULL,
            UNIQUE (company_id, candidate_id)
        );
        CREATE INDEX IF NOT EXISTS company_candidates_candidate ON company_candidates(candidate_id);
        CREATE TABLE IF NOT EXISTS company_merges (
            id INTEGER PRIMARY KEY,
            dropped_id INTEGER NOT NULL,  -- the row that was folded in (deleted)
            kept_id INTEGER NOT NULL,
            dropped_name TEXT NOT NULL,
            reason TEXT NOT NULL,
            merged_at TEXT NOT NULL
        );
        CREATE INDEX IF NOT EXISTS companies_stock_code ON companies(stock_code);
        """
    )
    from scraper.core.timeutil import now_iso
    from scraper.db.companies import rekey_all

    rekey_all(db.conn, now_iso())
