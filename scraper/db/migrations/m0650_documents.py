"""Documents read (issue 15): each report's download state and the facts it states.

* documents: one row per filing whose PDF was fetched (or failed): ok | scan | ocr | error, the error
  kind and message, the stored file (relative to the data directory), pages, facts found/missing.
* filing_facts: typed columns of what a report says, one row per filing, with `pages` (JSON
  field -> page) saying where each came from.
* companies gain the company-level facts of their latest filing report (main business,
  province, ...): what `classify` and `filingwatch company` read.
"""

from sqlite_utils import Database

COMPANY_COLUMNS = ("main_business", "province", "industry", "legal_representative",
                   "registered_capital", "controlling_shareholder", "established_date",
                   "address", "facts_filing_id")  # fmt: skip


def apply(db: Database) -> None:
    db.executescript(
        """
        CREATE TABLE IF NOT EXISTS documents (
            filing_id INTEGER PRIMARY KEY REFERENCES filings(id),
            source TEXT NOT NULL,
            native_id TEXT NOT NULL,
            url TEXT NOT NULL,
            doc_type TEXT NOT NULL,       -- filing_report | progress_report | completion_report ...
            status TEXT NOT NULL,         -- ok | scan | ocr | error
            error_kind TEXT,              -- oversize_pdf | truncated_pdf | encrypted_pdf | not_pdf ...
            error TEXT,
            path TEXT,                    -- stored file, relative to the data directory
            size INTEGER,
            page_count INTEGER,
            pages_read INTEGER,
            facts_found INTEGER NOT NULL DEFAULT 0,
            facts_missing TEXT,           -- JSON list of expected fields not found
            fetched_at TEXT NOT NULL
        );
        CREATE INDEX IF NOT EXISTS documents_status ON documents(status);
        CREATE TABLE IF NOT EXISTS filing_facts (
            filing_id INTEGER PRIMARY KEY REFERENCES filings(id),
            company_id INTEGER REFERENCES companies(id),
            doc_type TEXT NOT NULL,
            agreement_date TEXT,          -- ISO date the tutoring agreement was signed
            tutoring_start TEXT,          -- YYYY-MM planned start
            tutoring_end TEXT,            -- YYYY-MM planned end
            tutoring_months INTEGER,
            tutoring_period TEXT,         -- display text
            registered_capital TEXT,
            legal_representative TEXT,
            address TEXT,
            province TEXT,
            controlling_shareholder TEXT, -- name and stake as stated
            industry TEXT,                -- CSRC industry classification as stated
            industry_code TEXT,           -- its code (C39), when stated
            main_business TEXT,
            established_date TEXT,
            law_firm TEXT,
            accounting_firm TEXT,
            period_no INTEGER,            -- progress reports
            work_done TEXT,
            completion_date TEXT,         -- completion reports
            sponsors TEXT,                -- HKEX application proofs
            business_summary TEXT,
            pages TEXT,                   -- JSON field -> page
            created_at TEXT NOT NULL
        );
        CREATE INDEX IF NOT EXISTS filing_facts_company ON filing_facts(company_id);
        """
    )
    cols = {row[1] for row in db.execute("PRAGMA table_info(companies)").fetchall()}
    for col in COMPANY_COLUMNS:
        if col not in cols:
            kind = "INTEGER" if col == "facts_filing_id" else "TEXT"
            db.execute(f"ALTER TABLE companies ADD COLUMN {col} {kind}")
