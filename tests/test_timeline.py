"""One fictional chip company from tutoring to listing across every source, as one timeline."""

import json
import sqlite3

import pytest

from scraper import FIXTURES_DIR, companies, ingest
from scraper.core.records import Filing
from scraper.db import connection as dbconn
from scraper.db import timeline
from scraper.parsers import cninfo, csrc_approvals, csrcfd, sse_notices

FULL = "上海澜芯智算科技股份有限公司"
EN = "Shanghai Lanxin AI Computing Technology Co., Ltd."
NOW = "2025-11-01T09:00:00+08:00"

SSE_STEPS = [  # what the exchange review spider stores: one dated step per stage
    ("accepted", "已受理", "2025-03-28"),
    ("inquired", "已问询", "2025-04-20"),
    ("committee_passed", "上市委会议通过", "2025-08-15"),
    ("submitted_for_registration", "提交注册", "2025-08-28"),
]


def csrcfd_rows():
    page = csrcfd.parse_list_page((FIXTURES_DIR / "timeline/csrcfd_lanxin.html").read_bytes(),
                                  "http://eid.csrc.gov.cn/csrcfd/index.html")  # fmt: skip
    return [csrcfd.to_filing(r, "http://eid.csrc.gov.cn/csrcfd/index.html") for r in page.records]


def sse_rows():
    return [
        [Filing(source="sse", native_id=f"2999:{stage}", company=FULL, kind="review_step",
                title=f"{FULL} {label}", status=stage, company_stage=stage, event_date=day,
                disclosed_date=day,
                board="star", company_en=EN,
                url="https://kcb.sse.com.cn/renewal/xmxq/index.shtml?auditId=2999")]
        for stage, label, day in SSE_STEPS
    ]  # fmt: skip


def approval_rows():
    body = FIXTURES_DIR / "csrc_approvals/searchList_5d6b1a7cf1e84a0c9d7e2b3c4a5f6e90_1.json"
    return csrc_approvals.parse_search_list(
        body.read_bytes(), "u", base_url="http://www.csrc.gov.cn"
    ).filings


def cninfo_pages():
    return [cninfo.parse_query((FIXTURES_DIR / f"cninfo/query_szse_{n}.json").read_bytes(), "u").filings
            for n in (2, 1)]  # fmt: skip


def notice_rows():
    link = sse_notices.parse_list((FIXTURES_DIR / "sse_notices/index.shtml").read_bytes(),
                                  "https://www.sse.com.cn/disclosure/announcement/listing/ipo/index.shtml").links[0]  # fmt: skip
    notice = sse_notices.parse_notice(
        (FIXTURES_DIR / "sse_notices/c/c_20251027_10999999.shtml").read_bytes(), link.url
    )
    return [sse_notices.to_filing(link, notice)]


def write(db, filings, baseline=False):
    return ingest.write_filings(db, filings, ingest.WriteContext(now=NOW, baseline=baseline))


@pytest.fixture
def lanxin(tmp_path):
    """Every source written in the order the company moved (later crawls: not baseline)."""
    db = dbconn.open_db(tmp_path / "filingwatch.db")
    write(db, csrcfd_rows(), baseline=True)
    for batch in sse_rows():
        write(db, batch)
    write(db, approval_rows())
    for page in cninfo_pages():
        write(db, page)
    write(db, notice_rows())
    return db


def company_id(db) -> int:
    rows = db.execute("SELECT id FROM companies WHERE name = ?", [FULL]).fetchall()
    assert len(rows) == 1
    return rows[0][0]


def test_one_company_across_every_source(lanxin):
    cid = company_id(lanxin)
    by_source = dict(lanxin.execute(
        "SELECT source, count(DISTINCT company_id) FROM filings WHERE company LIKE '%澜芯%'"
        " GROUP BY source").fetchall())  # fmt: skip
    assert set(by_source) == {"csrcfd", "sse", "csrc_approvals", "cninfo", "sse_notices"}
    assert set(by_source.values()) == {1}
    ids = {r[0] for r in lanxin.execute("SELECT DISTINCT company_id FROM filings WHERE company"
                                        " LIKE '%澜芯%'")}  # fmt: skip
    assert ids == {cid}
    row = lanxin.execute("SELECT name, name_en, stock_code, stage, stage_source, stage_date"
                         " FROM companies WHERE id = ?", [cid]).fetchone()  # fmt: skip
    assert row == (FULL, EN, "688999", "listed", "sse_notices", "2025-10-28")


def test_timeline_in_order_with_each_sources_date(lanxin):
    entries = timeline.timeline(lanxin.conn, company_id(lanxin))
    got = [(e.date, e.stage, e.source) for e in entries]
    assert got == [
        ("2024-03-15", "tutoring", "csrcfd"),            # 辅导备案报告: the filing date
        ("2024-07-10", "tutoring", "csrcfd"),            # 进展报告（第一期）
        ("2025-01-20", "tutoring_done", "csrcfd"),       # 完成报告
        ("2025-03-28", "accepted", "sse"),
        ("2025-04-20", "inquired", "sse"),
        ("2025-08-15", "committee_passed", "sse"),
        ("2025-08-28", "submitted_for_registration", "sse"),
        ("2025-09-18", "registered", "csrc_approvals"),  # 00:30 Beijing = 16:30 UTC on the 17th
        ("2025-10-09", None, "cninfo"),                  # the sponsor's 核查报告: other, kept
        ("2025-10-09", "issued", "cninfo"),              # 招股意向书
        ("2025-10-21", "issued", "cninfo"),              # 发行结果
        ("2025-10-27", "listed", "cninfo"),              # 上市公告书
        ("2025-10-27", "listed", "cninfo"),              # 上市首日风险提示
        ("2025-10-28", "listed", "sse_notices"),         # trading day from the exchange notice
    ]  # fmt: skip
    assert all(e.url for e in entries)
    approval = next(e for e in entries if e.source == "csrc_approvals")
    assert approval.url == "http://www.csrc.gov.cn/csrc/c105906/c7610001/content.shtml"


def test_stage_moves_across_sources_are_events(lanxin):
    moves = lanxin.execute(
        "SELECT old_stage, stage, event_date, baseline, title FROM events WHERE source = 'timeline'"
        " ORDER BY id").fetchall()  # fmt: skip
    assert [(m[0], m[1], m[2], m[3]) for m in moves] == [
        ("tutoring_done", "accepted", "2025-03-28", 0),
        ("submitted_for_registration", "registered", "2025-09-18", 0),
        ("registered", "listed", "2025-10-27", 0),  # cninfo's 上市公告书 says it first
    ]
    assert moves[1][4].startswith("csrc_approvals: 关于同意")
    # the notice's later, exact date moves the company's stage date but is no new transition
    assert lanxin.execute("SELECT stage_date FROM companies WHERE name = ?", [FULL]).fetchone() == (
        "2025-10-28",)  # fmt: skip


def test_sources_arriving_out_of_order_raise_no_backward_moves(tmp_path):
    db = dbconn.open_db(tmp_path / "late.db")
    write(db, notice_rows())  # listed first (e.g. the notice spider ran before the others)
    write(db, approval_rows())
    write(db, csrcfd_rows())
    moves = db.execute("SELECT old_stage, stage FROM events WHERE source = 'timeline'").fetchall()
    assert moves == []
    row = db.execute("SELECT stage, stage_source FROM companies WHERE name = ?", [FULL]).fetchone()
    assert row == ("listed", "sse_notices")
    got = [(e.date, e.stage) for e in timeline.timeline(db.conn, company_id(db))]
    assert got[0] == ("2024-03-15", "tutoring") and got[-1] == ("2025-10-28", "listed")


def test_view_shows_stage_events_no_document_shows(tmp_path):
    db = dbconn.open_db(tmp_path / "v.db")
    write(db, [Filing(source="hkex_app", native_id="108999", company=FULL, kind="hk_application",
                      title="Application Proof", status="hk_application_filed",
                      company_stage="hk_application_filed", event_date="2025-05-01")])  # fmt: skip
    cid = company_id(db)
    # a later status change of the same record: the document row now states the new status
    write(db, [Filing(source="hkex_app", native_id="108999", company=FULL, kind="hk_application",
                      title="Application Proof", status="hk_lapsed", company_stage="hk_lapsed",
                      event_date="2025-05-01", disclosed_date="2025-11-01")])  # fmt: skip
    rows = db.execute("SELECT date, stage, kind FROM company_timeline WHERE company_id = ?"
                      " ORDER BY date, kind", [cid]).fetchall()  # fmt: skip
    assert ("2025-11-01", "hk_lapsed", "stage") in rows
    assert ("2025-05-01", "hk_application_filed", "stage") in rows  # kept by its stage event


def test_company_lookup_by_every_name(lanxin):
    cid = company_id(lanxin)
    for text in (FULL, "上海澜芯智算科技（股份）有限公司", "上海澜芯智算科技有限公司", "澜芯智算",
                 "688999", "688999.SH", "Lanxin AI Computing", EN):  # fmt: skip
        found = companies.find(lanxin.conn, text)
        assert found and found[0].company_id == cid, text


def test_timeline_query_uses_indexes(lanxin):
    plan = " ".join(str(r) for r in lanxin.execute(
        "EXPLAIN QUERY PLAN SELECT * FROM company_timeline WHERE company_id = 1").fetchall())  # fmt: skip
    assert "filings_company_id" in plan and "events_company" in plan
    assert "SCAN f " not in plan and "SCAN e " not in plan


# ---------------------------------------------------------------- the commands


@pytest.mark.slow
def test_company_command_prints_the_timeline(lanxin, cli, tmp_path):
    db = str(tmp_path / "filingwatch.db")
    out = cli("company", "澜芯智算", "--db", db, check=True).stdout
    lines = out.splitlines()
    assert lines[0].startswith(f"{FULL} (id ") and "stock 688999" in lines[0]
    assert "stage listed (sse_notices, 2025-10-28)" in lines[0]
    dates = [ln.split()[0] for ln in lines if ln[:4] in ("2024", "2025")]
    assert dates == sorted(dates) and len(dates) == 14
    as_json = json.loads(
        cli("company", "688999", "--db", db, "--format", "json", check=True).stdout
    )
    assert as_json["company"] == FULL and len(as_json["timeline"]) == 14
    assert "上海澜芯智算科技有限公司" in as_json["aliases"]
    assert cli("company", "Lanxin AI Computing", "--db", db, check=True).stdout.startswith(FULL)
    missing = cli("company", "完全不存在的公司", "--db", db)
    assert missing.returncode != 0 and "no company matches" in missing.stderr


@pytest.mark.slow
def test_companies_command_filters_on_sector_and_stage(lanxin, cli, tmp_path):
    write(lanxin, [Filing(source="csrcfd", native_id="t2", company="杭州未名存储科技股份有限公司",
                          kind="tutoring_report", title="辅导备案报告", report_type="filing_report",
                          status="tutoring", company_stage="tutoring", event_date="2025-08-01")])  # fmt: skip
    lanxin.execute("UPDATE companies SET sectors = NULL")  # whatever a classifier hook wrote
    lanxin.execute(
        "UPDATE companies SET sectors = ? WHERE name = ?", ['["chips", "ai_server"]', FULL]
    )
    lanxin.execute("UPDATE companies SET sectors = ? WHERE name LIKE '杭州未名%'", ['["chips"]'])
    db = str(tmp_path / "filingwatch.db")

    def names(*args):
        out = cli("companies", "--db", db, "--format", "json", *args, check=True).stdout
        return [r["name"] for r in json.loads(out)]

    assert names("--sector", "chips") == [FULL, "杭州未名存储科技股份有限公司"]
    assert names("--sector", "chips", "--stage", "tutoring") == ["杭州未名存储科技股份有限公司"]
    assert names("--sector", "ai_server", "--stage", "listed") == [FULL]
    assert names("--source", "sse_notices") == [FULL]
    lanxin.execute("UPDATE companies SET sectors = 'not json' WHERE name = ?", [FULL])
    assert names("--sector", "chips") == ["杭州未名存储科技股份有限公司"]


def test_db_is_readable_while_written(lanxin, tmp_path):
    conn = sqlite3.connect(f"file:{tmp_path / 'filingwatch.db'}?mode=ro", uri=True)
    assert conn.execute("SELECT count(*) FROM company_timeline").fetchone()[0] >= 14


@pytest.mark.slow
def test_candidates_are_listed_and_merged_on_request(cli, tmp_path):
    db = dbconn.open_db(tmp_path / "filingwatch.db")
    write(db, [Filing(source="cninfo", native_id="a", company="摩尔线程", kind="doc", title="a")])
    write(db, [Filing(source="sse", native_id="b", company="摩尔线程智能科技(北京)股份有限公司",
                      kind="doc", title="b")])  # fmt: skip
    path = str(tmp_path / "filingwatch.db")
    pairs = json.loads(cli("companies", "--candidates", "--db", path, "--format", "json",
                           check=True).stdout)  # fmt: skip
    assert [(p["company"], p["candidate"], p["reason"]) for p in pairs] == [
        ("摩尔线程智能科技(北京)股份有限公司", "摩尔线程", "prefix")]  # fmt: skip
    out = cli("companies", "--merge", str(pairs[0]["candidate_id"]), "--into",
              str(pairs[0]["company_id"]), "--db", path, check=True).stdout  # fmt: skip
    assert out.startswith("merged 摩尔线程")
    assert db.execute("SELECT count(*) FROM companies").fetchone() == (1,)
    assert db.execute("SELECT count(DISTINCT company_id) FROM filings").fetchone() == (1,)
    assert db.execute("SELECT count(*) FROM company_candidates").fetchone() == (0,)
    assert cli("company", "摩尔线程", "--db", path, check=True).stdout.startswith(
        "摩尔线程智能科技"
    )
