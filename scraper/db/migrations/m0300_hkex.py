"""HKEX state: the application-index snapshot, per-file outcomes, and new listings by stock code."""

from sqlite_utils import Database


def apply(db: Database) -> None:
    db.executescript(
        """
        CREATE TABLE IF NOT EXISTS hkex_applicants (
            board TEXT NOT NULL,             -- sehk | gem
            app_id INTEGER NOT NULL,         -- HKEX applicant id (a re-filing gets a new one)
            company_id INTEGER REFERENCES companies(id),
            name_c TEXT,                     -- traditional Chinese name (the _c file)
            name_en TEXT,                    -- English name (the _e file)
            status_file TEXT,                -- appactive_app | appactive_appphip | appinactive | ...
            status_code TEXT,                -- `s` as published
            stage TEXT,                      -- hk_application_filed | hk_phip | hk_lapsed | ...
            stage_date TEXT,
            ap_date TEXT,                    -- first Application Proof, from ls[]
            phip_date TEXT,                  -- first PHIP, from ls[]
            last_doc_date TEXT,
            has_phip INTEGER,
            stock_code TEXT,                 -- `st`, once listed
            present INTEGER NOT NULL DEFAULT 1, -- 0: gone from every file of a fully loaded index
            missing_since TEXT,
            first_seen_at TEXT NOT NULL,
            last_seen_at TEXT NOT NULL,
            last_run_id INTEGER,
            raw TEXT,                        -- JSON: files, d, w, postingDate, documents
            PRIMARY KEY (board, app_id)
        );
        CREATE INDEX IF NOT EXISTS hkex_applicants_company ON hkex_applicants(company_id);
        CREATE INDEX IF NOT EXISTS hkex_applicants_stock ON hkex_applicants(stock_code);
        CREATE TABLE IF NOT EXISTS hkex_files (
            name TEXT PRIMARY KEY,           -- appactive_app_sehk_c.json
            outcome TEXT NOT NULL,           -- ok | missing (404) | error (last attempt)
            gen_date TEXT,                   -- of the last good copy
            u_date TEXT,
            records INTEGER,
            last_ok_at TEXT,
            last_attempt_at TEXT NOT NULL,
            last_error TEXT
        );
        CREATE TABLE IF NOT EXISTS hkex_new_listings (
            stock_code TEXT PRIMARY KEY,     -- five digits
            board TEXT,
            company_id INTEGER REFERENCES companies(id),
            name TEXT,
            name_en TEXT,
            stage TEXT,                      -- furthest: prospectus_published < allotment_results < listed
            stage_date TEXT,
            prospectus_date TEXT,
            allotment_date TEXT,
            listing_date TEXT,
            first_seen_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        );
        CREATE INDEX IF NOT EXISTS hkex_new_listings_company ON hkex_new_listings(company_id);
        """
    )
