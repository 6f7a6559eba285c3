"""Company resolution across sources: one row per real company, ambiguity kept as candidates."""

import pytest

from scraper import companies, ingest
from scraper.core.records import Filing
from scraper.db import connection as dbconn

NOW = "2026-09-01T10:00:00+08:00"


@pytest.fixture
def db(tmp_path):
    return dbconn.open_db(tmp_path / "c.db")


def ensure(db, *items):
    with dbconn.transaction(db):
        return companies.ensure_companies(db, list(items), NOW)


def company_count(db) -> int:
    return db.execute("SELECT count(*) FROM companies").fetchone()[0]


def names(db) -> list[str]:
    return [r[0] for r in db.execute("SELECT name FROM companies ORDER BY id")]


def open_candidates(db) -> list[tuple[str, str, str]]:
    return [
        (r["company"], r["candidate"], r["reason"]) for r in companies.candidates(db.conn, "open")
    ]


@pytest.mark.parametrize(
    "first, second",
    [
        # former name: 有限公司 converted to 股份有限公司
        (("超聚变数字技术有限公司", None), ("超聚变数字技术股份有限公司", None)),
        # full- and half-width brackets
        (("摩尔线程智能科技(北京)股份有限公司", None), ("摩尔线程智能科技（北京）股份有限公司", None)),
        # traditional and simplified characters
        (("中微半导体设备(上海)股份有限公司", None), ("中微半導體設備（上海）股份有限公司", None)),
        # 集团 and the short name a stock list uses
        (("长鑫科技集团股份有限公司", None), ("长鑫科技", None)),
        # a region prefix dropped in the short form
        (("上海壁仞科技股份有限公司", None), ("壁仞科技", None)),
        # HK share-class marker, with an English name that arrives with it
        (("上海壁仞科技股份有限公司", None), ("壁仞科技-B", "BIREN TECH")),
        # the same English name written two ways
        (("BIREN TECH", None), ("Shanghai Biren Technology Co., Ltd.", None)),
    ],
)  # fmt: skip
def test_same_company_lands_on_one_row(db, first, second):
    a = ensure(db, first)
    b = ensure(db, second)
    assert company_count(db) == 1
    assert set(a.values()) == set(b.values())
    assert open_candidates(db) == []


def test_former_name_keeps_the_share_company_name_and_the_alias(db):
    ensure(db, ("超聚变数字技术有限公司", None))
    ensure(db, ("超聚变数字技术股份有限公司", "xFusion Digital Technologies Co., Ltd."))
    assert names(db) == ["超聚变数字技术股份有限公司"]
    aliases = {r[0] for r in db.execute("SELECT alias FROM company_aliases WHERE kind = 'full'")}
    assert aliases == {"超聚变数字技术有限公司", "超聚变数字技术股份有限公司"}
    # either name still resolves, as does the English name
    for text in ("超聚变数字技术有限公司", "超聚变", "xFusion Digital Technologies"):
        found = companies.find(db.conn, text)
        assert found and found[0].name == "超聚变数字技术股份有限公司", text


def test_biren_short_full_and_english_names(db):
    ids = ensure(db, ("上海壁仞科技股份有限公司", None))
    ensure(db, ("壁仞科技-B", "BIREN TECH", "6082"))
    ensure(db, ("BIREN TECH", None))
    ensure(db, ("壁仞科技", None))
    assert company_count(db) == 1
    cid = ids["上海壁仞科技股份有限公司"]
    row = db.execute("SELECT name, name_en, stock_code FROM companies").fetchone()
    assert row == ("上海壁仞科技股份有限公司", "BIREN TECH", "hk:06082")
    assert companies.find(db.conn, "6082")[0].company_id == cid
    assert companies.find(db.conn, "biren tech")[0].company_id == cid


def test_english_only_row_folds_into_the_chinese_company_when_a_name_links_them(db):
    ensure(db, ("上海壁仞科技股份有限公司", None))
    ensure(db, ("BIREN TECH", None))  # no link yet: its own row
    assert company_count(db) == 2
    ensure(db, ("壁仞科技-B", "BIREN TECH"))  # Chinese short name + English name: same company
    assert names(db) == ["上海壁仞科技股份有限公司"]
    merged = db.execute("SELECT dropped_name, reason FROM company_merges").fetchall()
    assert merged == [("BIREN TECH", "linked by 壁仞科技-B")]


def test_a_name_matching_two_companies_is_reported_not_merged(db):
    ensure(db, ("上海壁仞科技股份有限公司", None))
    ensure(db, ("北京壁仞科技有限公司", None))  # a different place: not merged into Shanghai's
    assert company_count(db) == 2
    assert open_candidates(db) == [
        ("北京壁仞科技有限公司", "上海壁仞科技股份有限公司", "region_conflict")
    ]
    ids = ensure(db, ("壁仞科技", None))
    assert company_count(db) == 3  # its own row
    reasons = {(c, r) for n, c, r in open_candidates(db) if n == "壁仞科技"}
    assert reasons == {
        ("上海壁仞科技股份有限公司", "ambiguous"),
        ("北京壁仞科技有限公司", "ambiguous"),
    }
    # seen again, the short name goes to its own row without new candidates
    assert ensure(db, ("壁仞科技", None)) == ids
    assert len(open_candidates(db)) == 3


def test_bracketed_regions_that_differ_stay_apart(db):
    ensure(db, ("某某芯片科技(北京)有限公司", None))
    ensure(db, ("某某芯片科技(上海)有限公司", None))
    assert company_count(db) == 2
    assert [r for _n, _c, r in open_candidates(db)] == ["region_conflict"]


def test_fuzzy_neighbours_are_candidates_only(db):
    ensure(db, ("摩尔线程智能科技(北京)股份有限公司", None))
    ensure(db, ("摩尔线程", None))  # a prefix: likely the same, but a short name alone never merges
    ensure(db, ("摩尔线程智能科枝(北京)股份有限公司", None))  # one character off
    assert company_count(db) == 3
    got = {(n, r) for n, _c, r in open_candidates(db)}
    assert ("摩尔线程", "prefix") in got
    assert ("摩尔线程智能科枝(北京)股份有限公司", "fuzzy") in got


def test_stock_code_links_a_short_name_to_its_company(db):
    ensure(db, ("摩尔线程", None, "688795"))  # cninfo: security short name and code first
    ensure(db, ("摩尔线程智能科技(北京)股份有限公司", None, "688795"))  # the exchange notice
    assert names(db) == ["摩尔线程智能科技(北京)股份有限公司"]
    assert db.execute("SELECT stock_code FROM companies").fetchone()[0] == "688795"


def test_stock_code_merges_two_rows_whose_names_agree(db):
    full = ensure(db, ("摩尔线程智能科技(北京)股份有限公司", None))  # review status, no code
    ensure(db, ("摩尔线程", None, "688795"))  # cninfo: a candidate only
    assert company_count(db) == 2
    ids = ensure(db, ("摩尔线程智能科技（北京）股份有限公司", None, "688795"))  # the notice
    assert company_count(db) == 1
    assert set(ids.values()) == set(full.values())
    assert open_candidates(db) == []


def test_stock_code_held_by_an_unrelated_name_is_a_candidate(db):
    ensure(db, ("甲乙丙科技股份有限公司", None, "301689"))
    ensure(db, ("完全不同电子股份有限公司", None, "301689"))
    assert company_count(db) == 2
    assert [r for _n, _c, r in open_candidates(db)] == ["code_conflict"]


def test_merges_repoint_filings_events_and_statuses(db):
    def filing(nid, company, code=None, source="cninfo", stage=None):
        return Filing(source=source, native_id=nid, company=company, kind="doc", title=nid,
                      stock_code=code, company_stage=stage, status=stage,
                      event_date="2025-12-05")  # fmt: skip

    ctx = ingest.WriteContext(now=NOW)
    ingest.write_filings(db, [filing("a", "摩尔线程智能科技(北京)股份有限公司", source="sse",
                                      stage="registered")], ctx)  # fmt: skip
    ingest.write_filings(db, [filing("b", "摩尔线程", "688795", stage="listed")], ctx)
    ingest.write_filings(db, [filing("c", "摩尔线程智能科技(北京)股份有限公司", "688795",
                                      source="sse_notices", stage="listed")], ctx)  # fmt: skip
    assert company_count(db) == 1
    cid = db.execute("SELECT id FROM companies").fetchone()[0]
    assert {r[0] for r in db.execute("SELECT DISTINCT company_id FROM filings")} == {cid}
    assert {r[0] for r in db.execute("SELECT DISTINCT company_id FROM events")} == {cid}
    statuses = db.execute("SELECT source, status FROM company_status ORDER BY source").fetchall()
    assert statuses == [("cninfo", "listed"), ("sse", "registered"), ("sse_notices", "listed")]


def test_write_filings_resolves_a_page_in_one_call(db):
    batch = [
        Filing(source="cninfo", native_id=str(i), company=name, kind="doc", title=str(i),
               stock_code=code)
        for i, (name, code) in enumerate([("长鑫科技", "688825"), ("长鑫科技集团股份有限公司", None),
                                          ("長鑫科技", "688825")])
    ]  # fmt: skip
    result = ingest.write_filings(db, batch, ingest.WriteContext(now=NOW))
    assert result.new == 3 and company_count(db) == 1
    assert names(db) == ["长鑫科技集团股份有限公司"]


def test_rekey_migration_merges_rows_that_now_share_a_key(tmp_path):
    from scraper.db import migrations

    path = tmp_path / "old.db"
    db = dbconn.open_db(path, migrate=False)
    db.execute("CREATE TABLE _migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)")
    core = dict(migrations.discover())["m0001_core"]
    core(db)
    db.execute("INSERT INTO _migrations VALUES ('m0001_core', 'x')")
    for i, name in enumerate(["中微半導體(上海)股份有限公司", "中微半导体(上海)股份有限公司"]):
        db.execute(
            "INSERT INTO companies (name, name_key, first_seen_at, updated_at) VALUES (?, ?, ?, ?)",
            [name, f"old{i}", NOW, NOW],
        )
    db.conn.close()
    db = dbconn.open_db(path)
    assert company_count(db) == 1
    assert companies.find(db.conn, "中微半导体")[0].name == "中微半導體(上海)股份有限公司"
