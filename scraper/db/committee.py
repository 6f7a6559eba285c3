"""committee_meetings as SQL: what is stored, upserts, meeting dates, upcoming meetings."""

from __future__ import annotations

from scraper.db.connection import chunks, marks

COLUMNS = ("source", "file_id", "native_project", "project_id", "company_id", "company",
           "meeting", "kind", "title", "published_date", "meeting_date", "url", "first_seen_at",
           "last_seen_at")  # fmt: skip

_UPSERT = (
    f"INSERT INTO committee_meetings ({', '.join(COLUMNS)}) VALUES ({marks(COLUMNS)})"
    " ON CONFLICT (source, file_id, native_project) DO UPDATE SET"
    " project_id = coalesce(excluded.project_id, project_id),"
    " company_id = coalesce(excluded.company_id, company_id), title = excluded.title,"
    " meeting_date = coalesce(excluded.meeting_date, meeting_date),"
    " last_seen_at = excluded.last_seen_at"
)


def stored(conn, source: str, file_ids: list[str]) -> set[tuple[str, str]]:
    out: set[tuple[str, str]] = set()
    for part in chunks(sorted(set(file_ids))):
        sql = ("SELECT file_id, native_project FROM committee_meetings WHERE source = ?"
               f" AND file_id IN ({marks(part)})")  # fmt: skip
        out.update(conn.execute(sql, [source, *part]).fetchall())
    return out


def projects(conn, source: str, native_ids: list[str]) -> dict[str, tuple[int, int | None, str]]:
    out: dict[str, tuple[int, int | None, str]] = {}
    for part in chunks(sorted(set(native_ids))):
        sql = ("SELECT native_id, id, company_id, company FROM projects WHERE source = ?"
               f" AND native_id IN ({marks(part)})")  # fmt: skip
        for nid, pid, cid, company in conn.execute(sql, [source, *part]):
            out[nid] = (pid, cid, company)
    return out


def upsert(conn, rows: list[tuple], dates: list[tuple]) -> None:
    conn.executemany(_UPSERT, rows)
    conn.executemany(
        "UPDATE committee_meetings SET meeting_date = ? WHERE source = ? AND meeting = ?"
        " AND meeting_date IS NULL",
        dates,
    )


def meetings(conn, company_ids: list[int] | None = None, since: str | None = None) -> list[dict]:
    """Announced meetings (one per company and meeting), optionally of some companies only."""
    where, params = ["kind = 'announcement'"], []
    if company_ids is not None:
        where.append(f"company_id IN ({marks(company_ids) or 'NULL'})")
        params += list(company_ids)
    if since:
        where.append("coalesce(meeting_date, published_date) >= ?")
        params.append(since)
    cols = ("company_id", "company", "meeting", "title", "published_date", "meeting_date", "url",
            "source", "native_project")  # fmt: skip
    sql = (f"SELECT {', '.join(cols)} FROM committee_meetings WHERE {' AND '.join(where)}"
           " GROUP BY company, coalesce(meeting, title) ORDER BY coalesce(meeting_date, published_date)")  # fmt: skip
    return [dict(zip(cols, r, strict=True)) for r in conn.execute(sql, params)]
