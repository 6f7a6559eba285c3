"""The company_timeline view, the overall-stage columns it keeps, and the indexes it needs."""

from sqlite_utils import Database

from scraper.core.policy import Statement, overall_stage

# The view as this migration defines it (a later migration may replace it; never edit this one).
DOC_STAGE_SQL = """CASE
    WHEN {t}.report_type IN ('filing_report', 'progress_report') THEN 'tutoring'
    WHEN {t}.report_type IN ('completion_report', 'summary_report') THEN 'tutoring_done'
    WHEN {t}.report_type = 'withdrawal_report' THEN 'withdrawn'
    ELSE {t}.status END"""

VIEW_SQL = f"""
CREATE VIEW company_timeline AS
SELECT f.company_id AS company_id, c.name AS company,
       coalesce(f.event_date, f.disclosed_date) AS date,
       {DOC_STAGE_SQL.format(t="f")} AS stage,
       f.source AS source, 'document' AS kind, f.title AS title,
       coalesce(f.pdf_url, f.url) AS url, f.stock_code AS stock_code, f.board AS board,
       f.report_type AS report_type, f.id AS filing_id, NULL AS event_id
FROM filings f JOIN companies c ON c.id = f.company_id
UNION ALL
SELECT e.company_id, c.name, e.event_date, e.stage, e.source, 'stage', e.title, e.url,
       NULL, e.board, e.report_type, e.filing_id, e.id
FROM events e JOIN companies c ON c.id = e.company_id
WHERE e.kind = 'stage' AND e.source <> 'timeline'
  AND NOT EXISTS (
      SELECT 1 FROM filings f2
      WHERE f2.company_id = e.company_id AND f2.source = e.source
        AND coalesce(f2.event_date, f2.disclosed_date) = e.event_date
        AND {DOC_STAGE_SQL.format(t="f2")} = e.stage)
"""


def apply(db: Database) -> None:
    cols = {row[1] for row in db.execute("PRAGMA table_info(companies)").fetchall()}
    for col in ("timeline_stage", "timeline_source", "timeline_date"):
        if col not in cols:
            db.execute(f"ALTER TABLE companies ADD COLUMN {col} TEXT")
    db.executescript(
        f"""
        DROP VIEW IF EXISTS company_timeline;
        {VIEW_SQL};
        CREATE INDEX IF NOT EXISTS companies_stage ON companies(stage);
        """
    )
    # Backfill the overall stage of companies that already exist (no events: history).
    rows = db.execute(
        "SELECT company_id, source, status, status_date FROM company_status ORDER BY company_id"
    ).fetchall()
    by_company: dict[int, list] = {}
    for cid, source, status, date in rows:
        by_company.setdefault(cid, []).append((source, status, date))
    for cid, statuses in by_company.items():
        best = overall_stage(Statement(src, st, d) for src, st, d in statuses)
        if best:
            db.execute(
                "UPDATE companies SET stage = ?, stage_source = ?, stage_date = ?,"
                " timeline_stage = ?, timeline_source = ?, timeline_date = ? WHERE id = ?",
                [best.stage, best.source, best.date, best.stage, best.source, best.date, cid],
            )
