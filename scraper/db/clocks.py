"""The `clocks` view as rows: every deadline, recomputed from stored facts on each read."""

from __future__ import annotations

from scraper.core.clocks import COLUMNS, Clock


def clocks(conn, *, company_id: int | None = None, open_only: bool = False,
           since: str | None = None) -> list[Clock]:  # fmt: skip
    """Clocks of one company or all; open_only: still running, or closed on/after `since`."""
    where, params = [], []
    if company_id is not None:
        where.append("company_id = ?")
        params.append(company_id)
    if open_only:
        where.append("(closed_by IS NULL OR closed_on >= ?)")
        params.append(since or "9999")
    sql = (f"SELECT {', '.join(COLUMNS)} FROM clocks"
           f"{' WHERE ' + ' AND '.join(where) if where else ''} ORDER BY due_date, subject")  # fmt: skip
    cur = conn.cursor()
    cur.row_factory = None  # plain tuples, whatever the connection's row factory
    return [Clock(*row) for row in cur.execute(sql, params)]
