"""The company_timeline view, the overall-stage columns it keeps, and the indexes it needs."""

from sqlite_utils import Database


def apply(db: Database) -> None:
    cols = {row[1] for row in db.execute("PRAGMA table_info(companies)").fetchall()}
    for col in ("timeline_stage", "timeline_source", "timeline_date"):
        if col not in cols:
            db.execute(f"ALTER TABLE companies ADD COLUMN {col} TEXT")
    from scraper.timeline import VIEW_SQL, best_stage

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
        best = best_stage(statuses)
        if best:
            db.execute(
                "UPDATE companies SET stage = ?, stage_source = ?, stage_date = ?,"
                " timeline_stage = ?, timeline_source = ?, timeline_date = ? WHERE id = ?",
                [best[0], best[1], best[2], best[0], best[1], best[2], cid],
            )
