"""Writes HKEX batches: documents through storage.write_filings, then the HKEX state diff.

* hkex_app: the merged applicant snapshot is compared with `hkex_applicants`. Stage changes
  become `events` (kind 'stage') keyed per applicant and milestone
  (`hkex_app:<board>:<id>:<stage>`), dated from `ls[]` (first Application Proof, first PHIP);
  lapsed / returned / listed carry the index's `uDate` (the listing date when hkex_listings
  knows it). Only positive evidence moves a stage: an applicant is never marked lapsed because a
  file failed to load; a move back down (PHIP -> AP only, lapsed -> active) is accepted only when
  the file the applicant was in loaded completely this time; listed is final.
* hkex_listings: stage claims per stock code (prospectus_published < allotment_results < listed)
  move `hkex_new_listings` forward only, one event per stock, stage and year.

Both write `company_status` (company, source) before the events, so the timeline hook
(scraper/timeline.py) recomputes `companies.stage` from every source.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable

from scraper import stages, storage
from scraper.items import Filing, HkexBatch
from scraper.names import name_key
from scraper.parsers.hkex_app import FILE_STAGE, RANK, STATUS_FILES, Applicant
from scraper.parsers.hkex_common import strip_share_marks
from scraper.storage import WriteContext, WriteResult

LISTING_RANK = {stages.PROSPECTUS_PUBLISHED: 1, stages.ALLOTMENT_RESULTS: 2, stages.LISTED: 3}
CHUNK = 500


def write_batch(db, batch: HkexBatch, ctx: WriteContext) -> WriteResult:
    if batch.applicants is not None:
        return write_app_batch(db, batch, ctx)
    return write_listing_batch(db, batch, ctx)


# ---------------------------------------------------------------- reading state for spiders


def previous_names(db) -> dict[tuple[str, int], tuple[str | None, str | None]]:
    """(board, id) -> (Chinese, English) name from the last good snapshot."""
    return {
        (board, app_id): (name_c, name_en)
        for board, app_id, name_c, name_en in db.conn.execute(
            "SELECT board, app_id, name_c, name_en FROM hkex_applicants"
        )
    }


def file_state(db) -> dict[str, dict]:
    cols = ("name", "outcome", "gen_date", "u_date", "records", "last_ok_at", "last_error")
    return {
        row[0]: dict(zip(cols, row, strict=True))
        for row in db.conn.execute(f"SELECT {', '.join(cols)} FROM hkex_files")
    }


# ---------------------------------------------------------------- hkex_app


def complete_groups(files: Iterable[dict]) -> set[tuple[str, str]]:
    """(status, board) groups whose every language file answered (404 = an empty, known file)."""
    seen: dict[tuple[str, str], bool] = {}
    for f in files:
        key = (f["status"], f["board"])
        seen[key] = seen.get(key, True) and f["outcome"] in ("ok", "missing")
    return {k for k, ok in seen.items() if ok}


def decide_stage(old: dict | None, app: Applicant, complete: set[tuple[str, str]]) -> str | None:
    """The stage to store: positive evidence only; see the module docstring."""
    new = app.stage
    if old is None:
        return new
    before = old["stage"]
    if new is None or before is None:
        return new or before
    if before == stages.LISTED and new != stages.LISTED:
        return before
    if RANK.get(new, 0) < RANK.get(before, 0) and (old["status_file"], app.board) not in complete:
        return before
    return new


def _stored_applicants(db) -> dict[tuple[str, int], dict]:
    cols = ("board", "app_id", "company_id", "stage", "stage_date", "status_file", "present",
            "name_c", "name_en", "stock_code")  # fmt: skip
    return {
        (row[0], row[1]): dict(zip(cols, row, strict=True))
        for row in db.conn.execute(f"SELECT {', '.join(cols)} FROM hkex_applicants")
    }


def _identity_changed(old: dict | None, app: Applicant) -> bool:
    if old is None or old["company_id"] is None:
        return True
    return (old["name_c"], old["name_en"]) != (app.name_c, app.name_en) or bool(
        app.stock_code and app.stock_code != old["stock_code"]
    )


def _listing_dates(db, codes: set[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    codes_l = sorted(c for c in codes if c)
    for i in range(0, len(codes_l), CHUNK):
        part = codes_l[i : i + CHUNK]
        sql = ("SELECT stock_code, listing_date FROM hkex_new_listings WHERE listing_date IS NOT NULL"
               f" AND stock_code IN ({', '.join('?' for _ in part)})")  # fmt: skip
        out.update(dict(db.conn.execute(sql, part).fetchall()))
    return out


def _milestones(app: Applicant, stage: str | None, listing_date: str | None, today: str):
    """[(stage, date, document key or None)] the applicant has reached, in order."""
    if stage is None:
        return []
    out = []
    ap, phip = app.ap_doc, app.phip_doc
    if ap is not None:
        out.append((stages.HK_APPLICATION_FILED, ap.date, ap.key))
    if phip is not None or stage == stages.HK_PHIP or (stage == stages.LISTED and app.has_phip):
        out.append((stages.HK_PHIP, phip.date if phip else app.u_date or today,
                    phip.key if phip else None))  # fmt: skip
    if stage in FILE_STAGE.values():
        when = listing_date if stage == stages.LISTED and listing_date else app.u_date or today
        out.append((stage, when, None))
    top = RANK.get(stage, 0)
    return [m for m in out if RANK.get(m[0], 0) <= top]


def write_app_batch(db, batch: HkexBatch, ctx: WriteContext) -> WriteResult:
    apps: list[Applicant] = list(batch.applicants or [])
    today = ctx.now[:10]
    with storage.transaction(db):
        result = storage.write_filings(db, batch.filings, ctx)
        stored = _stored_applicants(db)
        # resolve only applicants that are new or whose names or code changed; the others keep
        # their company (merge_companies repoints hkex_applicants when rows are folded)
        fresh = [a for a in apps if a.company_name and _identity_changed(stored.get(a.key), a)]
        ids = storage.ensure_companies(
            db, [(a.company_name, a.name_en, a.stock_code) for a in fresh], ctx.now
        )
        if fresh:
            current = dict(
                ((b, i), c)
                for b, i, c in db.conn.execute(
                    "SELECT board, app_id, company_id FROM hkex_applicants"
                )
            )
            for key, row in stored.items():
                row["company_id"] = current.get(key, row["company_id"])
        fresh_keys = {a.key for a in fresh}
        complete = complete_groups(batch.files)
        boards = {f["board"] for f in batch.files}
        full_boards = {b for b in boards if all((s, b) in complete for s in STATUS_FILES)}
        listing_dates = _listing_dates(db, {a.stock_code for a in apps if a.stock_code})
        by_native = {f.native_id: f for f in batch.filings}
        events: list[dict] = []
        rows = []
        touched: set[int] = set()
        seen = set()
        for a in apps:
            seen.add(a.key)
            old = stored.get(a.key)
            if a.key in fresh_keys:
                cid = ids.get(name_key(a.company_name))
            else:
                cid = old["company_id"] if old else None
            stage = decide_stage(old, a, complete)
            kept_old = old is not None and stage == old["stage"] and stage != a.stage  # regression
            marks = _milestones(a, stage, listing_dates.get(a.stock_code or ""), today)
            mark = next((m for m in reversed(marks) if m[0] == stage), None)
            stage_date = mark[1] if mark else None
            if old is not None and stage == old["stage"] and old["stage_date"]:
                # an unchanged stage keeps its date, unless a document now dates it
                stage_date = mark[1] if mark and mark[2] and mark[1] else old["stage_date"]
            if (old is None or stage != old["stage"]) and marks:
                previous = None
                for m_stage, m_date, m_key in marks:
                    evidence = by_native.get(f"app:{a.app_id}:{m_key}") if m_key else None
                    f = evidence or _applicant_filing(a, batch.url, m_stage)
                    events.append(storage.event_from_filing(
                        ctx, f, cid, None, "stage", m_stage, previous,
                        f"hkex_app:{a.board}:{a.app_id}:{m_stage}", m_date,
                    ))  # fmt: skip
                    previous = m_stage
                if cid:
                    touched.add(cid)
            elif old is not None and cid and cid != old["company_id"]:
                touched.add(cid)
            status_file = old["status_file"] if kept_old else a.status
            rows.append((
                a.board, a.app_id, cid, a.name_c, a.name_en, status_file, a.status_code, stage,
                stage_date, a.ap_date, a.phip_date, a.last_doc_date, int(a.has_phip),
                a.stock_code, ctx.now, ctx.now, ctx.run_id, _app_raw(a),
            ))  # fmt: skip
        db.conn.executemany(
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
        gone = [(ctx.now, b, i) for (b, i), row in stored.items()
                if (b, i) not in seen and row["present"] and b in full_boards]  # fmt: skip
        db.conn.executemany(
            "UPDATE hkex_applicants SET present = 0, missing_since = ? WHERE board = ? AND app_id = ?",
            gone,
        )
        _app_company_status(db, touched, ctx)
        storage.insert_events(db, events, ctx)
        result.events.extend(events)
        _save_files(db, batch.files, ctx)
    return result


def _applicant_filing(a: Applicant, page_url: str, stage: str) -> Filing:
    """The record behind a stage no document dates (lapsed, returned, listed)."""
    label = stages.LABELS_ZH.get(stage, stage)
    return Filing(
        source="hkex_app", native_id=f"app:{a.app_id}", company=a.company_name,
        kind="hk_applicant", title=f"{label} ({a.status})", status=stage,
        status_raw=f"{a.status}:{a.status_code or ''}", regulator="HKEX", board=a.board,
        url=page_url, company_en=a.name_en, stock_code=a.stock_code,
    )  # fmt: skip


def _app_raw(a: Applicant) -> str:
    return json.dumps({
        "files": a.files, "d": a.d, "w": a.warning, "postingDate": a.posting_date,
        "u_date": a.u_date, "flags": a.flags or None,
        "docs": [[d.key, d.date, d.type, d.submission] for d in a.docs],
    }, ensure_ascii=False)  # fmt: skip


def _app_company_status(db, company_ids: set[int], ctx: WriteContext) -> None:
    """company_status(company, 'hkex_app') = the stage of the company's newest application
    (highest HKEX id: a re-filing supersedes the lapsed one)."""
    ids = sorted(company_ids)
    upserts = []
    for i in range(0, len(ids), CHUNK):
        part = ids[i : i + CHUNK]
        sql = ("SELECT company_id, stage, stage_date, status_file, status_code, app_id"
               " FROM hkex_applicants WHERE stage IS NOT NULL AND company_id IN"
               f" ({', '.join('?' for _ in part)}) ORDER BY company_id, app_id")  # fmt: skip
        best: dict[int, tuple] = {}
        for cid, stage, date, status_file, code, _app_id in db.conn.execute(sql, part):
            best[cid] = (stage, date, f"{status_file}:{code or ''}")
        upserts += [
            (cid, "hkex_app", st, raw, date, ctx.now) for cid, (st, date, raw) in best.items()
        ]
    storage.upsert_company_status(db, upserts)




def _save_files(db, files: list[dict], ctx: WriteContext) -> None:
    db.conn.executemany(
        "INSERT INTO hkex_files (name, outcome, gen_date, u_date, records, last_ok_at,"
        " last_attempt_at, last_error) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (name) DO UPDATE SET outcome = excluded.outcome,"
        " last_attempt_at = excluded.last_attempt_at, last_error = excluded.last_error,"
        " gen_date = CASE WHEN excluded.outcome = 'ok' THEN excluded.gen_date ELSE hkex_files.gen_date END,"
        " u_date = CASE WHEN excluded.outcome = 'ok' THEN excluded.u_date ELSE hkex_files.u_date END,"
        " records = CASE WHEN excluded.outcome = 'ok' THEN excluded.records ELSE hkex_files.records END,"
        " last_ok_at = coalesce(excluded.last_ok_at, hkex_files.last_ok_at)",
        [(f["name"], f["outcome"], f.get("gen_date"), f.get("u_date"), f.get("records"),
          ctx.now if f["outcome"] == "ok" else None, ctx.now, f.get("error"))
         for f in files],
    )  # fmt: skip


# ---------------------------------------------------------------- hkex_listings


def _is_short_name(name: str | None) -> bool:
    return bool(name) and "公司" not in name and not re.search(r"[A-Za-z]{3}", name)


def _link_short_names(db, filings: list[Filing], claims: list) -> None:
    """Title search and latest announcements print short names (極光智算) and a stock code the
    store may not know yet. A short name contained in the Chinese name of exactly one applicant
    past the hearing (PHIP or listed) is that applicant's company: the document is filed under
    the company's stored name, which also attaches the stock code to it. Ambiguous or unknown
    short names are left to storage.ensure_companies (candidates, never a silent merge)."""
    wanted = {x.company if isinstance(x, Filing) else x.name for x in [*filings, *claims]}
    wanted = {n for n in wanted if _is_short_name(n)}
    if not wanted:
        return
    codes = sorted({x.stock_code for x in [*filings, *claims] if x.stock_code})
    known: set[str] = set()
    for i in range(0, len(codes), CHUNK):
        part = codes[i : i + CHUNK]
        sql = ("SELECT stock_code FROM hkex_new_listings WHERE company_id IS NOT NULL AND"
               f" stock_code IN ({', '.join('?' for _ in part)})")  # fmt: skip
        known.update(r[0] for r in db.conn.execute(sql, part))
    applicants = [
        (name_key(name_c), company, name_en)
        for name_c, name_en, company in db.conn.execute(
            "SELECT a.name_c, a.name_en, c.name FROM hkex_applicants a JOIN companies c"
            " ON c.id = a.company_id WHERE a.present = 1 AND a.name_c IS NOT NULL"
            " AND a.stage IN ('hk_phip', 'listed')"
        )
    ]
    link: dict[str, tuple[str, str | None]] = {}
    for short in wanted:
        key = name_key(strip_share_marks(short))
        hits = {(company, en) for full, company, en in applicants if len(key) >= 2 and key in full}
        if len(hits) == 1:
            link[short] = hits.pop()
    for f in filings:
        if f.company in link and f.stock_code not in known:
            f.raw.setdefault("name_as_published", f.company)
            f.company, f.company_en = link[f.company][0], f.company_en or link[f.company][1]
    for c in claims:
        if c.name in link and c.stock_code not in known:
            c.name, c.name_en = link[c.name][0], c.name_en or link[c.name][1]


def write_listing_batch(db, batch: HkexBatch, ctx: WriteContext) -> WriteResult:
    claims = [c for c in batch.claims if c.stock_code and c.stage in LISTING_RANK]
    with storage.transaction(db):
        _link_short_names(db, batch.filings, claims)
        result = storage.write_filings(db, batch.filings, ctx)
        if not claims:
            return result
        ids = storage.ensure_companies(
            db, [(c.name or c.name_en, c.name_en, c.stock_code) for c in claims
                 if c.name or c.name_en], ctx.now,
        )  # fmt: skip
        codes = sorted({c.stock_code for c in claims})
        cols = ("stock_code", "board", "company_id", "name", "name_en", "stage", "stage_date",
                "prospectus_date", "allotment_date", "listing_date", "first_seen_at")  # fmt: skip
        state: dict[str, dict] = {}
        for i in range(0, len(codes), CHUNK):
            part = codes[i : i + CHUNK]
            sql = (f"SELECT {', '.join(cols)} FROM hkex_new_listings WHERE stock_code IN"
                   f" ({', '.join('?' for _ in part)})")  # fmt: skip
            for row in db.conn.execute(sql, part):
                state[row[0]] = dict(zip(cols, row, strict=True))
        by_native = {f.native_id: f for f in batch.filings}
        date_col = {stages.PROSPECTUS_PUBLISHED: "prospectus_date",
                    stages.ALLOTMENT_RESULTS: "allotment_date", stages.LISTED: "listing_date"}  # fmt: skip
        events = []
        for c in sorted(claims, key=lambda c: (LISTING_RANK[c.stage], c.date or "")):
            name = c.name or c.name_en
            cid = ids.get(name_key(name)) if name else None
            row = state.setdefault(c.stock_code, dict.fromkeys(cols))
            row["stock_code"] = c.stock_code
            row["first_seen_at"] = row["first_seen_at"] or ctx.now
            row["board"] = row["board"] or c.board
            row["company_id"] = row["company_id"] or cid
            if c.name and (not row["name"] or len(c.name) > len(row["name"])):
                row["name"] = c.name
            row["name_en"] = row["name_en"] or c.name_en
            col = date_col[c.stage]
            if c.date and (not row[col] or c.date < row[col]):
                row[col] = c.date
            before = row["stage"]
            if LISTING_RANK[c.stage] > LISTING_RANK.get(before, 0):
                row["stage"], row["stage_date"] = c.stage, c.date or ctx.now[:10]
            old = before if LISTING_RANK.get(before, 0) < LISTING_RANK[c.stage] else None
            f = by_native.get(f"doc:{c.doc_key}") if c.doc_key else None
            if f is None:
                f = Filing(source=batch.source, native_id=f"stock:{c.stock_code}",
                           company=name or c.stock_code, kind="hk_new_listing", title=c.title,
                           status=c.stage, regulator="HKEX", board=c.board, url=c.url or batch.url,
                           company_en=c.name_en, stock_code=c.stock_code)  # fmt: skip
            year = (c.date or ctx.now)[:4]
            events.append(storage.event_from_filing(
                ctx, f, row["company_id"], None, "stage", c.stage, old,
                f"{batch.source}:{c.stock_code}:{c.stage}:{year}", c.date,
            ))  # fmt: skip
        db.conn.executemany(
            f"INSERT INTO hkex_new_listings ({', '.join(cols)}, updated_at)"
            f" VALUES ({', '.join('?' for _ in cols)}, ?) ON CONFLICT (stock_code) DO UPDATE SET "
            + ", ".join(f"{c} = excluded.{c}" for c in cols[1:] if c != "first_seen_at")
            + ", updated_at = excluded.updated_at",
            [tuple(row[c] for c in cols) + (ctx.now,) for row in state.values()],
        )
        best: dict[int, tuple[str, str | None]] = {}
        for row in state.values():
            cid = row["company_id"]
            if cid and row["stage"]:
                have = best.get(cid)
                if have is None or LISTING_RANK[row["stage"]] > LISTING_RANK[have[0]]:
                    best[cid] = (row["stage"], row["stage_date"])
        storage.upsert_company_status(
            db, [(cid, batch.source, st, st, d, ctx.now) for cid, (st, d) in best.items()]
        )
        storage.insert_events(db, events, ctx)
        result.events.extend(events)
    return result
