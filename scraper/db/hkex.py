"""HKEX tables as SQL: hkex_applicants, hkex_files, hkex_new_listings."""

from __future__ import annotations

import json

from scraper.db.connection import chunks, marks

APPLICANT_COLS = ("board", "app_id", "company_id", "stage", "stage_date", "status_file", "present",
                  "name_c", "name_en", "stock_code")  # fmt: skip
LISTING_COLS = ("stock_code", "board", "company_id", "name", "name_en", "stage", "stage_date",
                "prospectus_date", "allotment_date", "listing_date", "first_seen_at")  # fmt: skip


def stored_applicants(conn) -> dict[tuple[str, int], dict]:
    return {
        (row[0], row[1]): dict(zip(APPLICANT_COLS, row, strict=True))
        for row in conn.execute(f"SELECT {', '.join(APPLICANT_COLS)} FROM hkex_applicants")
    }


def stored_docs(conn) -> dict[tuple[str, int], list]:
    """(board, id) -> the documents stored in raw ([key, date, type, submission]): what
    scraper/reconcile/changes.py compares a new snapshot's documents with."""
    out: dict[tuple[str, int], list] = {}
    for board, app_id, docs in conn.execute(
        "SELECT board, app_id, json_extract(raw, '$.docs') FROM hkex_applicants"
    ):
        out[(board, app_id)] = json.loads(docs) if docs else []
    return out


def applicant_company_ids(conn) -> dict[tuple[str, int], int | None]:
    return {
        (b, i): c
        for b, i, c in conn.execute("SELECT board, app_id, company_id FROM hkex_applicants")
    }


def listing_dates(conn, codes) -> dict[str, str]:
    out: dict[str, str] = {}
    for part in chunks(sorted(c for c in codes if c)):
        sql = ("SELECT stock_code, listing_date FROM hkex_new_listings WHERE listing_date IS NOT NULL"
               f" AND stock_code IN ({marks(part)})")  # fmt: skip
        out.update(dict(conn.execute(sql, part).fetchall()))
    return out


def upsert_applicants(conn, rows: list[tuple]) -> None:
    conn.executemany(
        "INSERT INTO hkex_applicants (board, app_id, company_id, name_c, name_en, status_file,"
        " status_code, stage, stage_date, ap_date, phip_date, last_doc_date, has_phip,"
        " stock_code, first_seen_at, last_seen_at, last_run_id, raw)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (board, app_id) DO UPDATE SET company_id = coalesce(excluded.company_id,"
        " hkex_applicants.company_id), name_c = excluded.name_c, name_en = excluded.name_en,"
        " status_file = excluded.status_file, status_code = excluded.status_code,"
        " stage = excluded.stage, stage_date = excluded.stage_date, ap_date = excluded.ap_date,"
        " phip_date = excluded.phip_date, last_doc_date = excluded.last_doc_date,"
        " has_phip = excluded.has_phip, stock_code = coalesce(excluded.stock_code,"
        " hkex_applicants.stock_code), present = 1, missing_since = NULL,"
        " last_seen_at = excluded.last_seen_at, last_run_id = excluded.last_run_id,"
        " raw = excluded.raw",
        rows,
    )


def mark_gone(conn, rows: list[tuple]) -> None:
    """rows: (missing_since, board, app_id)."""
    conn.executemany(
        "UPDATE hkex_applicants SET present = 0, missing_since = ? WHERE board = ? AND app_id = ?",
        rows,
    )


def newest_application_stage(conn, company_ids) -> dict[int, tuple[str, str | None, str]]:
    """company id -> (stage, date, status_raw) of its newest application (highest HKEX id):
    a re-filing supersedes the lapsed one."""
    best: dict[int, tuple[str, str | None, str]] = {}
    for part in chunks(sorted(company_ids)):
        sql = ("SELECT company_id, stage, stage_date, status_file, status_code FROM hkex_applicants"
               f" WHERE stage IS NOT NULL AND company_id IN ({marks(part)}) ORDER BY company_id, app_id")  # fmt: skip
        for cid, stage, date, status_file, code in conn.execute(sql, part):
            best[cid] = (stage, date, f"{status_file}:{code or ''}")
    return best


def save_files(conn, files: list[dict], now: str) -> None:
    conn.executemany(
        "INSERT INTO hkex_files (name, outcome, gen_date, u_date, records, last_ok_at,"
        " last_attempt_at, last_error) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (name) DO UPDATE SET outcome = excluded.outcome,"
        " last_attempt_at = excluded.last_attempt_at, last_error = excluded.last_error,"
        " gen_date = CASE WHEN excluded.outcome = 'ok' THEN excluded.gen_date ELSE hkex_files.gen_date END,"
        " u_date = CASE WHEN excluded.outcome = 'ok' THEN excluded.u_date ELSE hkex_files.u_date END,"
        " records = CASE WHEN excluded.outcome = 'ok' THEN excluded.records ELSE hkex_files.records END,"
        " last_ok_at = coalesce(excluded.last_ok_at, hkex_files.last_ok_at)",
        [(f["name"], f["outcome"], f.get("gen_date"), f.get("u_date"), f.get("records"),
          now if f["outcome"] == "ok" else None, now, f.get("error"))
         for f in files],
    )  # fmt: skip


def codes_with_company(conn, codes) -> set[str]:
    known: set[str] = set()
    for part in chunks(sorted(codes)):
        sql = ("SELECT stock_code FROM hkex_new_listings WHERE company_id IS NOT NULL AND"
               f" stock_code IN ({marks(part)})")  # fmt: skip
        known.update(r[0] for r in conn.execute(sql, part))
    return known


def heard_applicants(conn) -> list[tuple[str, str, str | None]]:
    """(Chinese name, company name, English name) of present applicants past the hearing."""
    return list(conn.execute(
        "SELECT a.name_c, c.name, a.name_en FROM hkex_applicants a JOIN companies c"
        " ON c.id = a.company_id WHERE a.present = 1 AND a.name_c IS NOT NULL"
        " AND a.stage IN ('hk_phip', 'listed')"
    ))  # fmt: skip


def listing_state(conn, codes) -> dict[str, dict]:
    state: dict[str, dict] = {}
    for part in chunks(sorted(codes)):
        sql = (f"SELECT {', '.join(LISTING_COLS)} FROM hkex_new_listings WHERE stock_code IN"
               f" ({marks(part)})")  # fmt: skip
        for row in conn.execute(sql, part):
            state[row[0]] = dict(zip(LISTING_COLS, row, strict=True))
    return state


def upsert_listings(conn, rows: list[dict], now: str) -> None:
    conn.executemany(
        f"INSERT INTO hkex_new_listings ({', '.join(LISTING_COLS)}, updated_at)"
        f" VALUES ({marks(LISTING_COLS)}, ?) ON CONFLICT (stock_code) DO UPDATE SET "
        + ", ".join(f"{c} = excluded.{c}" for c in LISTING_COLS[1:] if c != "first_seen_at")
        + ", updated_at = excluded.updated_at",
        [tuple(row[c] for c in LISTING_COLS) + (now,) for row in rows],
    )
