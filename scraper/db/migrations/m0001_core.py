"""Core tables: filings, companies, company_status, events, source_runs, crawl_state."""

from sqlite_utils import Database


def apply(db: Database) -> None:
    db.executescript(
        """
        CREATE TABLE IF NOT EXISTS companies (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL,              -- name as first filed
            name_key TEXT NOT NULL UNIQUE,   -- normalised key (full/half width, spaces)
            name_en TEXT,
            stock_code TEXT,
            stage TEXT,                      -- latest stage seen from any source
            stage_source TEXT,
            stage_date TEXT,
            sectors TEXT,                    -- JSON list, filled by the alert layer
            sector_reasons TEXT,             -- JSON list of why each sector matched
            first_seen_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        );
        CREATE TABLE IF NOT EXISTS filings (
            id INTEGER PRIMARY KEY,
            source TEXT NOT NULL,
            native_id TEXT NOT NULL,
            company TEXT NOT NULL,
            company_id INTEGER REFERENCES companies(id),
            kind TEXT NOT NULL,
            title TEXT NOT NULL,
            report_type TEXT,
            period INTEGER,
            status TEXT,
            status_raw TEXT,
            broker TEXT,
            regulator TEXT,
            board TEXT,
            event_date TEXT,
            disclosed_date TEXT,
            url TEXT,
            pdf_url TEXT,
            company_en TEXT,
            stock_code TEXT,
            flags TEXT,
            raw TEXT,
            first_seen_at TEXT NOT NULL,
            last_seen_at TEXT NOT NULL,
            first_run_id INTEGER,
            last_run_id INTEGER,
            UNIQUE (source, native_id)
        );
        CREATE INDEX IF NOT EXISTS filings_company_id ON filings(company_id);
        CREATE INDEX IF NOT EXISTS filings_disclosed ON filings(disclosed_date);
        CREATE TABLE IF NOT EXISTS company_status (
            company_id INTEGER NOT NULL REFERENCES companies(id),
            source TEXT NOT NULL,
            status TEXT,
            status_raw TEXT,
            status_date TEXT,
            updated_at TEXT NOT NULL,
            PRIMARY KEY (company_id, source)
        );
        CREATE TABLE IF NOT EXISTS events (
            id INTEGER PRIMARY KEY,
            created_at TEXT NOT NULL,
            source TEXT NOT NULL,
            kind TEXT NOT NULL,              -- 'filing' (a new document) or 'stage' (a stage change)
            stage TEXT,                      -- stage after the change (or the stage a filing states)
            old_stage TEXT,
            company_id INTEGER REFERENCES companies(id),
            company TEXT NOT NULL,
            filing_id INTEGER REFERENCES filings(id),
            report_type TEXT,
            title TEXT,
            broker TEXT,
            regulator TEXT,
            board TEXT,
            event_date TEXT,
            url TEXT,
            run_id INTEGER,
            baseline INTEGER NOT NULL DEFAULT 0, -- 1 = seen on a source's first crawl: no alert
            dedupe_key TEXT NOT NULL UNIQUE
        );
        CREATE INDEX IF NOT EXISTS events_company ON events(company_id);
        CREATE TABLE IF NOT EXISTS source_runs (
            id INTEGER PRIMARY KEY,
            source TEXT NOT NULL,
            mode TEXT NOT NULL,
            started_at TEXT NOT NULL,
            finished_at TEXT,
            pages INTEGER NOT NULL DEFAULT 0,
            requests INTEGER NOT NULL DEFAULT 0,
            items INTEGER NOT NULL DEFAULT 0,
            new INTEGER NOT NULL DEFAULT 0,
            updated INTEGER NOT NULL DEFAULT 0,
            events INTEGER NOT NULL DEFAULT 0,
            errors INTEGER NOT NULL DEFAULT 0,
            warnings INTEGER NOT NULL DEFAULT 0,
            health TEXT NOT NULL DEFAULT 'running', -- running | ok | unhealthy | interrupted
            problems TEXT,                   -- JSON list of {kind, severity, url, message}
            last_error TEXT,
            last_error_url TEXT,
            finish_reason TEXT
        );
        CREATE INDEX IF NOT EXISTS source_runs_source ON source_runs(source, id);
        CREATE TABLE IF NOT EXISTS crawl_state (
            source TEXT PRIMARY KEY,
            in_progress_run INTEGER,         -- set while a run works; left set if it died
            last_ok_at TEXT,
            last_full_at TEXT,
            cursor TEXT                      -- source-specific JSON
        );
        """
    )
