"""Exchange review projects (SSE/SZSE/BSE): a projects table, and project columns on events/filings.

events gain project_id, status_raw, status_label, stage_detail (withdrawn / rejected / lapsed /
financial_update / resumed / ...) and reason (中止/恢复/终止 text); filings gain project_id;
companies gain industry_code (CSRC code such as C39, for sector rules).
"""

from sqlite_utils import Database


def _add_columns(db: Database, table: str, columns: dict[str, str]) -> None:
    have = {row[1] for row in db.execute(f"PRAGMA table_info({table})").fetchall()}
    for name, decl in columns.items():
        if name not in have:  # another migration may have added it first
            db.execute(f"ALTER TABLE {table} ADD COLUMN {name} {decl}")


def apply(db: Database) -> None:
    db.executescript(
        """
        CREATE TABLE IF NOT EXISTS projects (
            id INTEGER PRIMARY KEY,
            source TEXT NOT NULL,            -- sse | szse | bse
            native_id TEXT NOT NULL,         -- SSE stockAuditNum, SZSE prjid, BSE id
            company_id INTEGER REFERENCES companies(id),
            company TEXT NOT NULL,           -- full name as filed
            company_short TEXT,
            board TEXT,                      -- star | main | chinext | bse
            stage TEXT,                      -- current stage (scraper/stages.py); unknown code verbatim
            status_raw TEXT,                 -- SSE "5-1" (currStatus-sub), SZSE "70", BSE "P07"
            status_label TEXT,               -- the exchange's label (注册生效)
            stage_date TEXT,                 -- date of the latest timeline step
            accepted_date TEXT,              -- 受理日
            sponsor TEXT,                    -- lead sponsor (保荐机构, chosen by type)
            sponsors TEXT,                   -- JSON list, lead first
            law_firm TEXT,
            auditor TEXT,
            valuer TEXT,
            planned_raise REAL,              -- 亿元
            industry_code TEXT,              -- CSRC industry code, e.g. C39
            industry TEXT,                   -- CSRC industry name
            province TEXT,
            stock_code TEXT,
            url TEXT,                        -- the exchange's project page
            source_updated TEXT,             -- the list's update stamp
            list_key TEXT,                   -- update stamp | status as last listed
            detail_key TEXT,                 -- list_key when the details were last fetched
            detail_fetched_at TEXT,
            flags TEXT,
            raw TEXT,                        -- the list item as published (JSON)
            first_seen_at TEXT NOT NULL,
            last_seen_at TEXT NOT NULL,
            first_run_id INTEGER,
            last_run_id INTEGER,
            UNIQUE (source, native_id)
        );
        CREATE INDEX IF NOT EXISTS projects_company ON projects(company_id);
        CREATE INDEX IF NOT EXISTS projects_stage ON projects(stage);
        """
    )
    _add_columns(
        db,
        "events",
        {
            "project_id": "INTEGER",
            "status_raw": "TEXT",
            "status_label": "TEXT",
            "stage_detail": "TEXT",
            "reason": "TEXT",
        },
    )
    _add_columns(db, "filings", {"project_id": "INTEGER"})
    _add_columns(db, "companies", {"industry_code": "TEXT"})
    db.execute("CREATE INDEX IF NOT EXISTS events_project ON events(project_id)")
    db.execute("CREATE INDEX IF NOT EXISTS filings_project ON filings(project_id)")
