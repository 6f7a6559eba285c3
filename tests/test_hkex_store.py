"""The HKEX store on a fresh database: snapshot diff, stage rules, company matching."""

import copy
from pathlib import Path

import pytest

from scraper import ingest
from scraper.core import stages
from scraper.core.records import Filing, HkexBatch
from scraper.db import connection as dbconn
from scraper.db.known import KnownState
from scraper.parsers.hkex_app import (
    LANGS,
    STATUS_FILES,
    applicant_filings,
    file_name,
    merge_index,
    parse_index_file,
)
from scraper.parsers.hkex_listings import doc_claims, listing_filings, parse_title_search_json

APP = Path(__file__).parent / "fixtures" / "hkex_app"
LST = Path(__file__).parent / "fixtures" / "hkex_listings"
BASE = "https://www1.hkexnews.hk"
PAGE = BASE + "/app/appindex.html"


@pytest.fixture
def db(tmp_path):
    return dbconn.open_db(tmp_path / "fw.db")


def fixture_files():
    """name -> parsed file for every status file of both boards; absent ones are 404s."""
    out = {}
    for board in ("sehk", "gem"):
        for status in STATUS_FILES:
            for lang in LANGS:
                name = file_name(status, board, lang)
                path = APP / name
                out[name] = (
                    parse_index_file(path.read_bytes(), BASE + "/ncms/json/eds/" + name)
                    if path.exists()
                    else None
                )
    return out


def batch(files, errors=(), names=None):
    """What the spider yields: files in `errors` failed to load (their content is not used)."""
    outcomes, loaded = [], []
    for name, parsed in files.items():
        status, board, lang = name[:-5].rsplit("_", 2)
        outcome = "error" if name in errors else ("missing" if parsed is None else "ok")
        outcomes.append({"name": name, "status": status, "board": board, "lang": lang,
                         "outcome": outcome, "records": len(parsed.records) if parsed else None})  # fmt: skip
        if outcome == "ok":
            loaded.append(parsed)
    apps = merge_index(loaded, names)
    filings = [f for a in apps for f in applicant_filings(a, BASE, PAGE)]
    return HkexBatch(source="hkex_app", url=PAGE, filings=filings, applicants=apps, files=outcomes)


def write(db, b, baseline=False):
    return ingest.ingest(db, b, ingest.WriteContext(run_id=1, baseline=baseline))[0]


def q(db, sql, params=()):
    return db.conn.execute(sql, params).fetchall()


def move(files, app_id, src, dst, add_doc=None):
    """Move an applicant between status files (both languages), optionally adding an ls[] entry."""
    files = copy.deepcopy(files)
    for lang in LANGS:
        s, d = f"{src}_{lang}.json", f"{dst}_{lang}.json"
        rec = next(r for r in files[s].records if r["id"] == app_id)
        files[s].records.remove(rec)
        if add_doc:
            rec["ls"].append(add_doc[lang])
            rec["hasPhip"] = True
        files[d].records.append(rec)
    return files


PHIP_DOC = {
    "c": {"d": "24/11/2026", "nF": "聆訊後資料集（第一次呈交）", "nS1": "全文檔案",
          "u1": "sehk/2026/108801/documents/sehk26112401777_c.pdf"},
    "e": {"d": "24/11/2026", "nF": "PHIP (1st submission)", "nS1": "Full Version",
          "u1": "sehk/2026/108801/documents/sehk26112401777.pdf"},
}  # fmt: skip


def test_first_crawl_records_history_with_ls_dates(db):
    write(db, batch(fixture_files()), baseline=True)
    rows = dict(
        q(
            db,
            "SELECT app_id, coalesce(stage, '') || ' ' || coalesce(stage_date, '-') FROM hkex_applicants",
        )
    )
    assert rows[108801] == "hk_application_filed 2026-11-03"  # the AP, not the OC or `d`
    assert rows[108820] == "hk_phip 2026-11-16" and rows[108830] == "hk_phip 2026-11-10"
    assert rows[108810] == " -"  # coordinator announcement only: no stage
    assert rows[107500] == "hk_lapsed 2026-11-20" and rows[107200] == "listed 2026-11-20"
    ev = q(db, "SELECT stage, old_stage, event_date, baseline FROM events WHERE kind = 'stage'"
               " AND dedupe_key LIKE 'hkex_app:stage:sehk:108820:%' ORDER BY id")  # fmt: skip
    assert ev == [
        ("hk_application_filed", None, "2026-06-02", 1),
        ("hk_phip", "hk_application_filed", "2026-11-16", 1),
    ]
    assert q(db, "SELECT count(*) FROM events WHERE source = 'hkex_app' AND stage IS NOT NULL"
                 " AND kind = 'stage' AND dedupe_key LIKE '%108810%'") == [(0,)]  # fmt: skip
    # the re-filing (new id 108840) and the lapsed application (107500) are one company
    cids = q(db, "SELECT DISTINCT company_id FROM hkex_applicants WHERE app_id IN (107500, 108840)")
    assert len(cids) == 1
    assert q(db, "SELECT status FROM company_status WHERE company_id = ? AND source = 'hkex_app'",
             cids[0]) == [("hk_application_filed",)]  # the newest application speaks  # fmt: skip


def test_steady_state_changes_nothing_and_a_phip_becomes_one_event(db):
    files = fixture_files()
    write(db, batch(files), baseline=True)
    before = q(db, "SELECT count(*) FROM events")
    later = copy.deepcopy(files)
    for f in later.values():
        if f is not None:
            f.u_date = "2026-11-23"  # the index is regenerated: lapsed/listed keep their dates
    assert write(db, batch(later)).events == [] and q(db, "SELECT count(*) FROM events") == before
    assert q(db, "SELECT stage_date FROM hkex_applicants WHERE app_id IN (107200, 107500)") == [
        ("2026-11-20",), ("2026-11-20",)]  # fmt: skip
    moved = move(files, 108801, "appactive_app_sehk", "appactive_appphip_sehk", PHIP_DOC)
    result = write(db, batch(moved))
    stage_events = [(e["stage"], e["old_stage"], e["event_date"], e["baseline"]) for e in result.events
                    if e["kind"] == "stage" and e["source"] == "hkex_app"]  # fmt: skip
    assert stage_events == [("hk_phip", "hk_application_filed", "2026-11-24", 0)]
    assert result.new == 1  # the PHIP document


def test_failed_files_never_lapse_anyone(db):
    files = fixture_files()
    write(db, batch(files), baseline=True)
    # 108801 moves to inactive, but both inactive files fail to load (truncated / HTML)
    moved = move(files, 108801, "appactive_app_sehk", "appinactive_sehk")
    write(db, batch(moved, errors={"appinactive_sehk_c.json", "appinactive_sehk_e.json"}))
    assert q(db, "SELECT stage, present FROM hkex_applicants WHERE app_id = 108801") == [
        ("hk_application_filed", 1)
    ]
    # the active AP file fails: its applicants are simply not seen; nothing is concluded
    write(db, batch(files, errors={"appactive_app_sehk_c.json"}))
    write(db, batch(files, errors={"appactive_app_sehk_c.json", "appactive_app_sehk_e.json"}))
    assert q(db, "SELECT count(*) FROM hkex_applicants WHERE present = 0 OR stage = 'hk_lapsed'"
                 " AND app_id != 107500") == [(0,)]  # fmt: skip
    # PHIP file fails: 108820 is seen only in the AP file (no PHIP), it stays at PHIP
    write(
        db, batch(files, errors={"appactive_appphip_sehk_c.json", "appactive_appphip_sehk_e.json"})
    )
    assert q(db, "SELECT stage, status_file FROM hkex_applicants WHERE app_id = 108820") == [
        ("hk_phip", "appactive_appphip")
    ]
    assert q(
        db, "SELECT outcome, records FROM hkex_files WHERE name = 'appactive_appphip_sehk_c.json'"
    ) == [("error", 2)]
    # when everything loads and it really is in the inactive file, it lapses
    write(db, batch(moved))
    assert q(db, "SELECT stage FROM hkex_applicants WHERE app_id = 108801") == [("hk_lapsed",)]
    assert q(
        db,
        "SELECT old_stage, baseline FROM events WHERE dedupe_key = 'hkex_app:stage:sehk:108801:hk_lapsed#1'",
    ) == [("hk_application_filed", 0)]


def test_applicant_gone_from_a_fully_loaded_index_is_marked_missing_not_lapsed(db):
    files = fixture_files()
    write(db, batch(files), baseline=True)
    gone = copy.deepcopy(files)
    for lang in LANGS:
        recs = gone[f"appactive_app_sehk_{lang}.json"].records
        recs[:] = [r for r in recs if r["id"] != 108805]
    write(db, batch(gone))
    assert q(db, "SELECT stage, present FROM hkex_applicants WHERE app_id = 108805") == [
        ("hk_application_filed", 0)
    ]


def test_failed_chinese_file_keeps_the_chinese_name(db):
    files = fixture_files()
    write(db, batch(files), baseline=True)
    write(db, batch(files, errors={"appactive_app_sehk_c.json"}, names=KnownState(db).hkex_names()))
    assert q(db, "SELECT name_c FROM hkex_applicants WHERE app_id = 108801") == [
        ("蘇州靈犀機器人科技股份有限公司",)
    ]
    assert q(db, "SELECT DISTINCT company FROM filings WHERE native_id LIKE 'app:108801:%'") == [
        ("蘇州靈犀機器人科技股份有限公司",)
    ]


def test_traditional_hk_applicant_meets_its_simplified_a_share_company(db):
    """The A-share tutoring filing (simplified) and the HK applicant (traditional + English)."""
    a_share = Filing(source="csrcfd", native_id="t1", company="苏州灵犀机器人科技股份有限公司",
                     kind="tutoring_report", title="关于苏州灵犀机器人科技股份有限公司首次公开发行股票并上市辅导备案报告",
                     report_type="filing_report", status="tutoring", company_stage="tutoring",
                     event_date="2026-03-02", disclosed_date="2026-03-05")  # fmt: skip
    ingest.write_filings(db, [a_share], ingest.WriteContext(run_id=1))
    (a_cid,) = q(db, "SELECT company_id FROM filings WHERE source = 'csrcfd'")[0]
    write(db, batch(fixture_files()))
    assert q(db, "SELECT company_id FROM hkex_applicants WHERE app_id = 108801") == [(a_cid,)]
    assert q(db, "SELECT DISTINCT company_id FROM filings WHERE native_id LIKE 'app:108801:%'") == [
        (a_cid,)
    ]
    assert {
        s for (s,) in q(db, "SELECT source FROM company_status WHERE company_id = ?", [a_cid])
    } == {"csrcfd", "hkex_app"}
    assert q(db, "SELECT stage FROM companies WHERE id = ?", [a_cid]) == [("hk_application_filed",)]


def test_listing_claims_move_forward_only_and_short_names_find_their_applicant(db):
    write(db, batch(fixture_files()), baseline=True)
    url = BASE + "/search/titleSearchServlet.do"
    result = parse_title_search_json(
        (LST / "titlesearch_servlet_30700.json").read_bytes(), url, BASE
    )
    b = HkexBatch(source="hkex_listings", url=url, filings=listing_filings(result.docs, url),
                  claims=doc_claims(result.docs))  # fmt: skip
    write(db, b)
    # 瀚海存儲 (02733) is contained in exactly one applicant past the hearing: 上海瀚海存儲科技…
    hanhai = q(db, "SELECT company_id FROM hkex_applicants WHERE app_id = 108830")[0][0]
    assert q(db, "SELECT company_id FROM hkex_new_listings WHERE stock_code = '02733'") == [
        (hanhai,)
    ]
    assert q(db, "SELECT company_id, json_extract(raw, '$.name_as_published') FROM filings"
                 " WHERE native_id = 'doc:2026112000077'") == [(hanhai, "瀚海存儲")]  # fmt: skip
    # an allotment claim, then a late prospectus claim: the stage never goes back
    from scraper.parsers.hkex_listings import Claim

    claims = [Claim("02733", stages.ALLOTMENT_RESULTS, "2026-11-26", "sehk", "瀚海存儲", None, None, None, "配發結果"),
              Claim("02733", stages.PROSPECTUS_PUBLISHED, "2026-11-20", "sehk", "瀚海存儲", None, None, None, "全球發售")]  # fmt: skip
    write(db, HkexBatch(source="hkex_listings", url=url, filings=[], claims=claims))
    assert q(db, "SELECT stage, prospectus_date, allotment_date FROM hkex_new_listings WHERE stock_code = '02733'") == [
        ("allotment_results", "2026-11-20", "2026-11-26")]  # fmt: skip
    assert q(
        db, "SELECT count(*) FROM events WHERE dedupe_key LIKE 'hkex_listings:stage:02733:%'"
    ) == [(2,)]
    assert q(db, "SELECT status FROM company_status WHERE company_id = ? AND source = 'hkex_listings'",
             [hanhai]) == [("allotment_results",)]  # fmt: skip
    # One batch is applied in rank order, so the claims above pass even without the rule; a
    # later run that finds only the prospectus is what the forward-only comparison stops.
    write(db, HkexBatch(source="hkex_listings", url=url, filings=[], claims=claims[1:]))
    assert q(db, "SELECT stage, stage_date FROM hkex_new_listings WHERE stock_code = '02733'") == [
        ("allotment_results", "2026-11-26")]  # fmt: skip
    assert q(db, "SELECT status FROM company_status WHERE company_id = ? AND source = 'hkex_listings'",
             [hanhai]) == [("allotment_results",)]  # fmt: skip
