"""The projects table (SSE/SZSE/BSE applications): stored state, upserts, detail marks."""

from __future__ import annotations

from scraper.db.connection import chunks, marks

PROJECT_COLUMNS = (
    "source", "native_id", "company_id", "company", "company_short", "board", "stage",
    "status_raw", "status_label", "accepted_date", "sponsor", "sponsors", "law_firm", "auditor",
    "valuer", "planned_raise", "industry_code", "industry", "province", "stock_code", "url",
    "source_updated", "list_key", "flags", "raw", "first_seen_at", "last_seen_at",
    "first_run_id", "last_run_id",
)  # fmt: skip
# Columns a later list or detail refreshes; stage keeps its value when the code has no stage.
_UPDATE_SET = ", ".join(
    f"{c} = coalesce(excluded.{c}, {c})" if c in ("stage", "stock_code", "industry_code") else
    f"{c} = excluded.{c}"
    for c in PROJECT_COLUMNS
    if c not in ("source", "native_id", "first_seen_at", "first_run_id")
)  # fmt: skip
_UPSERT = (
    f"INSERT INTO projects ({', '.join(PROJECT_COLUMNS)}) VALUES ({marks(PROJECT_COLUMNS)}) "
    f"ON CONFLICT (source, native_id) DO UPDATE SET {_UPDATE_SET}"
)


def stored(conn, source: str, native_ids: list[str]) -> dict[str, dict]:
    """native_id -> {id, stage, status_raw, flags, detailed} of the stored projects."""
    found: dict[str, dict] = {}
    for part in chunks(native_ids):
        sql = (
            "SELECT native_id, id, stage, status_raw, flags, detail_key IS NOT NULL FROM projects"
            f" WHERE source = ? AND native_id IN ({marks(part)})"
        )
        for native_id, pid, stage, status_raw, flags, detailed in conn.execute(
            sql, [source, *part]
        ):
            found[native_id] = {"id": pid, "stage": stage, "status_raw": status_raw,
                                "flags": flags, "detailed": bool(detailed)}  # fmt: skip
    return found


# The facts scraper/reconcile/changes.py compares with a new list or detail (issue 14).
FACT_COLUMNS = ("planned_raise", "sponsors", "auditor", "law_firm", "board", "industry",
                "industry_code", "company")  # fmt: skip


def stored_facts(conn, source: str, native_ids: list[str]) -> dict[str, dict]:
    """native_id -> {id, FACT_COLUMNS...} of the stored projects, read before an upsert."""
    found: dict[str, dict] = {}
    cols = ("native_id", "id", *FACT_COLUMNS)
    for part in chunks(native_ids):
        sql = (f"SELECT {', '.join(cols)} FROM projects WHERE source = ?"
               f" AND native_id IN ({marks(part)})")  # fmt: skip
        for row in conn.execute(sql, [source, *part]):
            found[row[0]] = dict(zip(cols, row, strict=True))
    return found


def stored_versions(conn, project_ids: list[int]) -> dict[int, set[str]]:
    """project id -> versions (申报稿/上会稿/注册稿) of the prospectuses stored for it."""
    out: dict[int, set[str]] = {}
    for part in chunks(project_ids):
        sql = ("SELECT project_id, json_extract(raw, '$.version') FROM filings WHERE"
               f" report_type = 'prospectus' AND project_id IN ({marks(part)})")  # fmt: skip
        for pid, version in conn.execute(sql, list(part)):
            if version:
                out.setdefault(pid, set()).add(version)
    return out


def upsert(conn, rows: list[tuple]) -> None:
    """rows: tuples in PROJECT_COLUMNS order."""
    conn.executemany(_UPSERT, rows)


def mark_detailed(conn, rows: list[tuple]) -> None:
    """rows: (detail_key, detail_fetched_at, stage_date, stage if none stored, project id)."""
    conn.executemany(
        "UPDATE projects SET detail_key = ?, detail_fetched_at = ?, stage_date = ?,"
        " stage = coalesce(stage, ?) WHERE id = ?",
        rows,
    )


def update_company_facts(conn, rows: list[tuple]) -> None:
    """rows: (industry_code, stock_code, updated_at, company id): facts a project states."""
    if rows:
        conn.executemany(
            "UPDATE companies SET industry_code = coalesce(?, industry_code),"
            " stock_code = coalesce(?, stock_code), updated_at = ? WHERE id = ?",
            rows,
        )
