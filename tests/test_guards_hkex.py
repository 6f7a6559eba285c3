"""HKEX defensive rules, each through the storage layer's batch entry point.

Every test here fails when its rule is deleted (issue 10's closing note lists what each showed):
* "listed is final" (scraper/core/policy.py decide, FINAL);
* hkex_listings moves forward only (scraper/reconcile/hkex.py listings_step through core.policy);
* the Full Version of an Application Proof dates the filing (scraper/parsers/hkex_app.py
  Applicant._first).
Batches are built by parsing fixture bytes with the parsers, as the spiders do.
"""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
from helpers import write_batch as write

from scraper.core import stages
from scraper.core.records import HkexBatch
from scraper.db import connection as dbconn
from scraper.parsers.hkex_app import (
    LANGS,
    STATUS_FILES,
    IndexFile,
    applicant_filings,
    file_name,
    merge_index,
    parse_index_file,
)
from scraper.parsers.hkex_listings import Claim

APP = Path(__file__).parent / "fixtures" / "hkex_app"
BASE = "https://www1.hkexnews.hk"
PAGE = BASE + "/app/appindex.html"
EDS = BASE + "/ncms/json/eds/"


@pytest.fixture
def db(tmp_path):
    return dbconn.open_db(tmp_path / "fw.db")


def q(db, sql, params=()):
    return db.conn.execute(sql, params).fetchall()


def index_files() -> dict[str, IndexFile | None]:
    """Every sehk status file parsed from the fixtures; None = the file answers 404."""
    out: dict[str, IndexFile | None] = {}
    for status in STATUS_FILES:
        for lang in LANGS:
            name = file_name(status, "sehk", lang)
            path = APP / name
            out[name] = parse_index_file(path.read_bytes(), EDS + name) if path.exists() else None
    return out


def app_batch(files: dict[str, IndexFile | None]) -> HkexBatch:
    """What the hkex_app spider yields when every file answered (404 = never existed)."""
    outcomes = []
    for name, parsed in files.items():
        status, board, lang = name[:-5].rsplit("_", 2)
        outcomes.append({"name": name, "status": status, "board": board, "lang": lang,
                         "outcome": "ok" if parsed else "missing",
                         "records": len(parsed.records) if parsed else None})  # fmt: skip
    apps = merge_index([f for f in files.values() if f is not None])
    filings = [f for a in apps for f in applicant_filings(a, BASE, PAGE)]
    return HkexBatch(source="hkex_app", url=PAGE, filings=filings, applicants=apps, files=outcomes)


def moved(files, app_id: int, src: str, dst: str):
    files = copy.deepcopy(files)
    for lang in LANGS:
        s, d = f"{src}_sehk_{lang}.json", f"{dst}_sehk_{lang}.json"
        rec = next(r for r in files[s].records if r["id"] == app_id)
        files[s].records.remove(rec)
        files[d].records.append(rec)
    return files


# ---------------------------------------------------------------- listed is final


@pytest.mark.parametrize("to", ["appactive_appphip", "appinactive"])
def test_listed_is_final_even_when_a_complete_index_shows_the_applicant_elsewhere(db, to):
    files = index_files()
    write(db, app_batch(files), baseline=True)
    assert q(db, "SELECT stage FROM hkex_applicants WHERE app_id = 107200") == [(stages.LISTED,)]
    events = q(db, "SELECT count(*) FROM events")
    # every file loads, and the listed applicant now sits in a lower file (an export glitch)
    result = write(db, app_batch(moved(files, 107200, "applisted", to)))
    assert q(db, "SELECT stage, stage_date FROM hkex_applicants WHERE app_id = 107200") == [
        (stages.LISTED, "2026-11-20")]  # fmt: skip
    assert [e for e in result.events if e["kind"] == "stage"] == []
    assert q(db, "SELECT count(*) FROM events") == events
    cid = q(db, "SELECT company_id FROM hkex_applicants WHERE app_id = 107200")[0][0]
    assert q(db, "SELECT status FROM company_status WHERE company_id = ? AND source = 'hkex_app'",
             [cid]) == [(stages.LISTED,)]  # fmt: skip


# ---------------------------------------------------------------- hkex_listings forward only


def claim(stage: str, when: str) -> Claim:
    title = {stages.PROSPECTUS_PUBLISHED: "全球發售", stages.ALLOTMENT_RESULTS: "配發結果公告"}[
        stage
    ]
    return Claim(stock_code="02777", stage=stage, date=when, board="sehk",
                 name="廣州雲帆智能科技股份有限公司", name_en=None, doc_key=None, url=None,
                 title=title)  # fmt: skip


def listing_batch(*claims: Claim) -> HkexBatch:
    return HkexBatch(source="hkex_listings", url=BASE + "/search/titleSearchServlet.do",
                     filings=[], claims=list(claims))  # fmt: skip


def test_a_late_prospectus_claim_in_a_later_run_does_not_move_a_listing_back(db):
    write(db, listing_batch(claim(stages.ALLOTMENT_RESULTS, "2026-11-26")))
    # the next run finds only the prospectus (an older document surfacing late)
    result = write(db, listing_batch(claim(stages.PROSPECTUS_PUBLISHED, "2026-11-20")))
    assert q(db, "SELECT stage, stage_date, prospectus_date, allotment_date FROM hkex_new_listings"
                 " WHERE stock_code = '02777'") == [
        (stages.ALLOTMENT_RESULTS, "2026-11-26", "2026-11-20", "2026-11-26")]  # fmt: skip
    assert q(db, "SELECT status, status_date FROM company_status WHERE source = 'hkex_listings'") == [
        (stages.ALLOTMENT_RESULTS, "2026-11-26")]  # fmt: skip
    assert [e["old_stage"] for e in result.events] == [None]  # history, not a move back
    assert q(db, "SELECT stage FROM companies") == [(stages.ALLOTMENT_RESULTS,)]


# ---------------------------------------------------------------- Full Version preference


def test_the_full_version_dates_the_application_proof(db):
    """An earlier AP entry that is not the full version (a multi-file index) does not date it."""
    files = {name: None for name in index_files()}
    for lang in LANGS:
        name = file_name("appactive_app", "sehk", lang)
        files[name] = parse_index_file((APP / "full_version" / name).read_bytes(), EDS + name)
    write(db, app_batch(files))
    assert q(db, "SELECT stage, stage_date, ap_date FROM hkex_applicants WHERE app_id = 108860") == [
        (stages.HK_APPLICATION_FILED, "2026-10-21", "2026-10-21")]  # fmt: skip
    assert q(db, "SELECT event_date, url FROM events WHERE kind = 'stage'"
                 " AND dedupe_key = 'hkex_app:stage:sehk:108860:hk_application_filed#1'") == [
        ("2026-10-21", BASE + "/app/sehk/2026/108860/documents/sehk26102101511_c.pdf")]  # fmt: skip
