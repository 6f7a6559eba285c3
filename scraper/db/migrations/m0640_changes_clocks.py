"""What changed and what is due (issue 14): change events, committee meetings, clocks, stage days.

* events.change_field / events.detail: a `change` event names the field that moved and keeps
  {field, old, new, text_zh, text_en, document_url} as JSON in `detail`; committee and clock
  events keep {text_zh, text_en, ...} there too (alerts.outbox copies it into the payload).
* committee_meetings: one row per listing-committee announcement file and project it names.
* view `clocks`: every deadline recomputed from stored facts (never stored itself):
  HKEX application proofs lapse six months after submission unless heard; an A-share review
  suspended (中止) has three months to resume; a CSRC tutoring owes a progress report three
  months after its last one. Month arithmetic clamps to the month's end (08-31 + 6 months =
  02-28), which SQLite's plain '+N months' does not (it overflows to 03-03).
* view `stage_days`: per project, the first date of each pipeline step and the days between.
"""

from __future__ import annotations

from sqlite_utils import Database


def months(col: str, n: int) -> str:
    """`col` + n calendar months, clamped to the end of the target month."""
    return (
        f"min(date({col}, '+{n} months'),"
        f" date({col}, 'start of month', '+{n + 1} months', '-1 day'))"
    )


_DOC_DATE = "coalesce(event_date, disclosed_date)"
_HK_CLOSED = "('hk_lapsed', 'hk_returned', 'listed', 'withdrawn')"
_ENDED = (
    "('terminated', 'registration_terminated', 'registration_refused', 'committee_failed',"
    " 'withdrawn')"
)

CLOCKS_VIEW = f"""
CREATE VIEW clocks AS
SELECT 'hk_lapse' AS kind, 'hkex_app:' || a.board || ':' || a.app_id AS subject,
       a.company_id AS company_id, coalesce(a.name_c, a.name_en) AS company,
       'Asia/Hong_Kong' AS tz, a.ap_date AS start_date, {months("a.ap_date", 6)} AS due_date,
       CASE WHEN a.phip_date IS NOT NULL OR a.has_phip = 1 THEN 'heard'
            WHEN a.stage IN {_HK_CLOSED} THEN a.stage
            WHEN a.present = 0 THEN 'gone' END AS closed_by,
       CASE WHEN a.phip_date IS NOT NULL THEN a.phip_date
            WHEN a.stage IN {_HK_CLOSED} THEN a.stage_date
            WHEN a.present = 0 THEN substr(a.missing_since, 1, 10) END AS closed_on,
       NULL AS duration_days, NULL AS detail
FROM hkex_applicants a WHERE a.ap_date IS NOT NULL
UNION ALL
SELECT 'suspension', p.source || ':' || p.native_id, p.company_id, p.company, 'Asia/Shanghai',
       s.start_date, {months("s.start_date", 3)},
       CASE WHEN p.stage = 'suspended' THEN NULL WHEN p.stage IN {_ENDED} THEN 'ended'
            ELSE 'resumed' END,
       CASE WHEN p.stage <> 'suspended' THEN (
           SELECT min(e2.event_date) FROM events e2
           WHERE e2.project_id = p.id AND e2.kind = 'stage' AND e2.event_date >= s.start_date
             AND coalesce(e2.stage, '') <> 'suspended') END,
       NULL, s.detail
FROM (SELECT project_id, max(event_date) AS start_date, stage_detail AS detail FROM events
      WHERE stage = 'suspended' AND kind = 'stage' AND project_id IS NOT NULL
      GROUP BY project_id) s
JOIN projects p ON p.id = s.project_id
UNION ALL
SELECT 'tutoring_report', 'csrcfd:' || t.company_id, t.company_id, c.name, 'Asia/Shanghai',
       t.last_report, {months("t.last_report", 3)},
       CASE WHEN t.done >= t.last_report THEN 'completed'
            WHEN t.withdrawn >= t.last_report THEN 'withdrawn' END,
       CASE WHEN t.done >= t.last_report THEN t.done
            WHEN t.withdrawn >= t.last_report THEN t.withdrawn END,
       CASE WHEN t.done >= t.last_report
            THEN CAST(julianday(t.done) - julianday(t.started) AS INTEGER) END,
       t.started
FROM (SELECT company_id,
             min(CASE WHEN report_type = 'filing_report' THEN {_DOC_DATE} END) AS started,
             max(CASE WHEN report_type IN ('filing_report', 'progress_report')
                      THEN {_DOC_DATE} END) AS last_report,
             max(CASE WHEN report_type IN ('completion_report', 'summary_report')
                      THEN {_DOC_DATE} END) AS done,
             max(CASE WHEN report_type = 'withdrawal_report' THEN {_DOC_DATE} END) AS withdrawn
      FROM filings WHERE source = 'csrcfd' AND company_id IS NOT NULL GROUP BY company_id) t
JOIN companies c ON c.id = t.company_id WHERE t.last_report IS NOT NULL
"""

# First date of each step per project (A-share), and the days between. Only the four steps'
# rows are read (index events_stage_first), not a project's whole history.
STAGE_DAYS_VIEW = """
CREATE VIEW stage_days AS
WITH firsts AS (
  SELECT project_id, stage, min(event_date) AS day FROM events
  WHERE kind = 'stage' AND stage IN ('accepted', 'committee_passed', 'registered', 'listed')
    AND project_id IS NOT NULL
  GROUP BY stage, project_id
), steps AS (
  SELECT project_id,
         max(CASE WHEN stage = 'accepted' THEN day END) AS accepted,
         max(CASE WHEN stage = 'committee_passed' THEN day END) AS committee,
         max(CASE WHEN stage = 'registered' THEN day END) AS registered,
         max(CASE WHEN stage = 'listed' THEN day END) AS listed
  FROM firsts GROUP BY project_id
), tutoring AS (
  SELECT company_id, min(coalesce(event_date, disclosed_date)) AS day FROM filings
  WHERE source = 'csrcfd' AND report_type = 'filing_report' AND company_id IS NOT NULL
  GROUP BY company_id
), listed AS (
  SELECT company_id, min(status_date) AS day FROM company_status WHERE status = 'listed'
  GROUP BY company_id
), x AS (
  SELECT p.source AS source, p.native_id AS native_id, p.company_id AS company_id,
         p.company AS company, p.board AS board, p.sponsor AS sponsor,
         p.industry_code AS industry_code, c.sectors AS sectors, t.day AS tutoring,
         coalesce(s.accepted, p.accepted_date) AS accepted, s.committee AS committee,
         s.registered AS registered, coalesce(s.listed, l.day) AS listed
  FROM projects p LEFT JOIN companies c ON c.id = p.company_id
  LEFT JOIN steps s ON s.project_id = p.id
  LEFT JOIN tutoring t ON t.company_id = p.company_id
  LEFT JOIN listed l ON l.company_id = p.company_id
)
SELECT x.*,
       CAST(julianday(x.accepted) - julianday(x.tutoring) AS INTEGER) AS tutoring_days,
       CAST(julianday(x.committee) - julianday(x.accepted) AS INTEGER) AS review_days,
       CAST(julianday(x.registered) - julianday(x.committee) AS INTEGER) AS registration_days,
       CAST(julianday(x.listed) - julianday(x.registered) AS INTEGER) AS listing_days,
       CAST(julianday(x.listed) - julianday(x.accepted) AS INTEGER) AS total_days
FROM x
"""

HK_STAGE_DAYS_VIEW = """
CREATE VIEW hk_stage_days AS
SELECT a.board AS board, a.app_id AS app_id, a.company_id AS company_id,
       coalesce(a.name_c, a.name_en) AS company, c.sectors AS sectors,
       a.ap_date AS ap, a.phip_date AS phip, l.listing_date AS listed,
       CAST(julianday(a.phip_date) - julianday(a.ap_date) AS INTEGER) AS ap_phip_days,
       CAST(julianday(l.listing_date) - julianday(a.phip_date) AS INTEGER) AS phip_listing_days,
       CAST(julianday(l.listing_date) - julianday(a.ap_date) AS INTEGER) AS total_days
FROM hkex_applicants a LEFT JOIN companies c ON c.id = a.company_id
LEFT JOIN hkex_new_listings l ON l.stock_code = a.stock_code
"""


def _add_columns(db: Database, table: str, columns: dict[str, str]) -> None:
    have = {row[1] for row in db.execute(f"PRAGMA table_info({table})").fetchall()}
    for name, decl in columns.items():
        if name not in have:
            db.execute(f"ALTER TABLE {table} ADD COLUMN {name} {decl}")


def apply(db: Database) -> None:
    _add_columns(db, "events", {"change_field": "TEXT", "detail": "TEXT"})
    db.executescript(
        f"""
        CREATE TABLE IF NOT EXISTS committee_meetings (
            id INTEGER PRIMARY KEY,
            source TEXT NOT NULL,            -- sse_committee | szse_committee | bse_committee
            file_id TEXT NOT NULL,           -- the announcement file (SSE fileId)
            native_project TEXT NOT NULL,    -- the exchange's project id (SSE auditId)
            project_id INTEGER REFERENCES projects(id),
            company_id INTEGER REFERENCES companies(id),
            company TEXT NOT NULL,
            meeting TEXT,                    -- 2020年第33次 (from the title)
            kind TEXT NOT NULL,              -- announcement | result | other
            title TEXT NOT NULL,
            published_date TEXT,
            meeting_date TEXT,               -- known when the title or a result states it
            url TEXT,
            first_seen_at TEXT NOT NULL,
            last_seen_at TEXT NOT NULL,
            UNIQUE (source, file_id, native_project)
        );
        CREATE INDEX IF NOT EXISTS committee_meetings_company ON committee_meetings(company_id);
        CREATE INDEX IF NOT EXISTS events_suspended ON events(project_id, event_date)
            WHERE stage = 'suspended';
        CREATE INDEX IF NOT EXISTS events_stage_first ON events(stage, project_id, event_date)
            WHERE kind = 'stage';
        CREATE INDEX IF NOT EXISTS filings_csrcfd_company
            ON filings(company_id, report_type, event_date, disclosed_date) WHERE source = 'csrcfd';
        DROP VIEW IF EXISTS clocks;
        {CLOCKS_VIEW};
        DROP VIEW IF EXISTS stage_days;
        {STAGE_DAYS_VIEW};
        DROP VIEW IF EXISTS hk_stage_days;
        {HK_STAGE_DAYS_VIEW};
        """
    )
