"""SQL for documents read and the facts they state (tables of migration m0650)."""

from __future__ import annotations

import json
from collections.abc import Iterable

from scraper.core.facts import DocumentRead
from scraper.db.connection import marks
from scraper.db.migrations.m0650_documents import COMPANY_COLUMNS

FACT_COLUMNS = ("agreement_date", "tutoring_start", "tutoring_end", "tutoring_months",
                "tutoring_period", "registered_capital", "legal_representative", "address",
                "province", "controlling_shareholder", "industry", "industry_code",
                "main_business", "established_date", "law_firm", "accounting_firm", "period_no",
                "work_done", "completion_date", "sponsors", "business_summary")  # fmt: skip
_COMPANY_FACTS = [c for c in COMPANY_COLUMNS if c != "facts_filing_id"]


def filing_ids(conn, source: str, native_ids: list[str]) -> dict[str, tuple[int, int | None]]:
    """native_id -> (filing id, company id)."""
    out: dict[str, tuple[int, int | None]] = {}
    for i in range(0, len(native_ids), 500):
        part = native_ids[i : i + 500]
        sql = (f"SELECT native_id, id, company_id FROM filings WHERE source = ?"
               f" AND native_id IN ({marks(part)})")  # fmt: skip
        for nid, fid, cid in conn.execute(sql, [source, *part]):
            out[nid] = (fid, cid)
    return out


def store(conn, source: str, docs: Iterable[DocumentRead], now: str) -> int:
    """Document states and facts of a batch; a company takes the facts of its filing report."""
    docs = list(docs)
    if not docs:
        return 0
    ids = filing_ids(conn, source, [d.native_id for d in docs])
    for d in docs:
        if d.native_id not in ids:
            continue
        fid, cid = ids[d.native_id]
        conn.execute(
            "INSERT INTO documents (filing_id, source, native_id, url, doc_type, status,"
            " error_kind, error, path, size, page_count, pages_read, facts_found, facts_missing,"
            " fetched_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT (filing_id) DO UPDATE"
            " SET status = excluded.status, error_kind = excluded.error_kind, error = excluded.error,"
            " path = excluded.path, size = excluded.size, page_count = excluded.page_count,"
            " pages_read = excluded.pages_read, facts_found = excluded.facts_found,"
            " facts_missing = excluded.facts_missing, fetched_at = excluded.fetched_at",
            [fid, source, d.native_id, d.url, d.doc_type, d.status, d.error_kind, d.error, d.path,
             d.size, d.page_count, d.pages_read, len(d.facts),
             json.dumps(d.missing, ensure_ascii=False) if d.missing else None, now],
        )  # fmt: skip
        if not d.facts:
            continue
        values = {c: (d.facts[c].value if c in d.facts else None) for c in FACT_COLUMNS}
        pages = {k: f.page for k, f in d.facts.items() if f.page}
        cols = ["filing_id", "company_id", "doc_type", *FACT_COLUMNS, "pages", "created_at"]
        conn.execute(
            f"INSERT OR REPLACE INTO filing_facts ({', '.join(cols)}) VALUES ({marks(cols)})",
            [fid, cid, d.doc_type, *values.values(), json.dumps(pages), now],
        )
        if cid is not None and d.doc_type == "filing_report":
            sets = ", ".join(f"{c} = coalesce(?, {c})" for c in _COMPANY_FACTS)
            conn.execute(
                f"UPDATE companies SET {sets}, industry_code = coalesce(industry_code, ?),"
                " facts_filing_id = ? WHERE id = ?",
                [*(values.get(c) for c in _COMPANY_FACTS), values["industry_code"], fid, cid],
            )
    return len(docs)


def facts_of_filings(conn, filing_ids: list[int]) -> dict[int, dict]:
    """filing id -> {column: value} of its facts row (non-empty values), plus its document."""
    out: dict[int, dict] = {}
    for i in range(0, len(filing_ids), 500):
        part = filing_ids[i : i + 500]
        cur = conn.execute(
            f"SELECT ff.*, f.title AS _title, d.url AS _url FROM filing_facts ff"
            f" JOIN filings f ON f.id = ff.filing_id LEFT JOIN documents d"
            f" ON d.filing_id = ff.filing_id WHERE ff.filing_id IN ({marks(part)})",
            part,
        )
        names = [c[0] for c in cur.description]
        for row in cur:
            rec = {k: v for k, v in zip(names, row, strict=True) if v not in (None, "")}
            out[rec["filing_id"]] = rec
    return out


def latest_report_facts(conn, company_ids: list[int]) -> dict[int, int]:
    """company id -> the filing id its company-level facts came from."""
    out: dict[int, int] = {}
    for i in range(0, len(company_ids), 500):
        part = company_ids[i : i + 500]
        for cid, fid in conn.execute(
            f"SELECT id, facts_filing_id FROM companies WHERE facts_filing_id IS NOT NULL"
            f" AND id IN ({marks(part)})",
            part,
        ):
            out[cid] = fid
    return out


def company_facts(conn, company_ids: list[int]) -> dict[int, dict[str, str | None]]:
    """company id -> main business / industry / ... stored from its filing report."""
    out: dict[int, dict[str, str | None]] = {}
    cols = ["main_business", "industry", "industry_code"]
    for i in range(0, len(company_ids), 500):
        part = company_ids[i : i + 500]
        for row in conn.execute(
            f"SELECT id, {', '.join(cols)} FROM companies WHERE id IN ({marks(part)})", part
        ):
            out[row[0]] = dict(zip(cols, row[1:], strict=True))
    return out


def counts(conn, source: str | None = None) -> dict[str, int]:
    where, params = ("WHERE source = ?", [source]) if source else ("", [])
    return {
        status: n
        for status, n in conn.execute(
            f"SELECT status, count(*) FROM documents {where} GROUP BY status", params
        )
    }
