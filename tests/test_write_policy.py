"""The one transition policy and what reaches the user through the one write path (ingest)."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from alerts.outbox import OutboxSink
from scraper import config, ingest
from scraper.core import policy, regulators
from scraper.core import stages as st
from scraper.core.records import Filing, Project, ProjectBatch, StageStep
from scraper.core.timeutil import today_shanghai
from scraper.db import connection as dbconn

COMPANY = "中原恒远装备股份有限公司"  # a name that says nothing of servers or chips


@pytest.fixture
def db(tmp_path):
    return dbconn.open_db(tmp_path / "fw.db")


def row(n: int, status: str, report: str, filing_date: str, disclosed: str) -> Filing:
    """One csrcfd list row as the parser makes it (company_stage = the status column)."""
    stage = {"辅导备案": st.TUTORING, "辅导验收": st.TUTORING_DONE, "撤回辅导备案": st.WITHDRAWN}[
        status
    ]
    rtype = {"备案": "filing_report", "进展": "progress_report", "撤回": "withdrawal_report"}[
        report
    ]
    return Filing(source="csrcfd", native_id=f"r{n}", company=COMPANY, kind="tutoring_report",
                  title=f"关于{COMPANY}辅导{report}报告", report_type=rtype, status=stage,
                  status_raw=status, company_stage=stage, regulator="河南证监局",
                  stage_date=filing_date if stage == st.TUTORING else disclosed,
                  event_date=disclosed, disclosed_date=disclosed)  # fmt: skip


def stage_events(db):
    return db.conn.execute(
        "SELECT stage, old_stage, event_date, dedupe_key FROM events WHERE kind = 'stage'"
        " AND source = 'csrcfd' ORDER BY id"
    ).fetchall()


def test_second_withdrawal_and_second_tutoring_filing_are_one_event_each(db):
    write = lambda *rows: ingest.write_filings(db, list(rows), ingest.WriteContext())  # noqa: E731
    write(row(1, "辅导备案", "备案", "2024-03-01", "2024-03-05"))
    write(row(2, "撤回辅导备案", "撤回", "2024-03-01", "2024-09-10"))
    write(row(3, "辅导备案", "备案", "2025-02-01", "2025-02-03"))  # files again
    write(row(4, "撤回辅导备案", "撤回", "2025-02-01", "2025-08-20"))  # and withdraws again
    write(row(4, "撤回辅导备案", "撤回", "2025-02-01", "2025-08-20"))  # seen again: nothing new
    got = stage_events(db)
    assert [(s, o, d) for s, o, d, _k in got] == [
        (st.TUTORING, None, "2024-03-01"),
        (st.WITHDRAWN, st.TUTORING, "2024-09-10"),
        (st.TUTORING, st.WITHDRAWN, "2025-02-01"),
        (st.WITHDRAWN, st.TUTORING, "2025-08-20"),
    ]
    assert [k.rsplit(":", 1)[1] for _s, _o, _d, k in got] == [
        "tutoring#1",
        "withdrawn#1",
        "tutoring#2",
        "withdrawn#2",
    ]


def test_a_snapshot_without_a_later_date_never_moves_a_company_back(db):
    ingest.write_filings(
        db, [row(1, "辅导备案", "备案", "2024-03-01", "2024-03-05")], ingest.WriteContext()
    )
    ingest.write_filings(
        db, [row(2, "撤回辅导备案", "撤回", "2024-03-01", "2024-09-10")], ingest.WriteContext()
    )
    # a stale page still shows the old status on an old row: no evidence of a new filing
    ingest.write_filings(
        db, [row(5, "辅导备案", "进展", "2024-03-01", "2024-06-01")], ingest.WriteContext()
    )
    assert [s for s, *_ in stage_events(db)] == [st.TUTORING, st.WITHDRAWN]
    assert db.conn.execute("SELECT status FROM company_status").fetchone()[0] == st.WITHDRAWN


def test_tutoring_first_seen_through_a_progress_report_is_dated_by_the_filing(db):
    ingest.write_filings(
        db, [row(1, "辅导备案", "进展", "2025-12-31", "2026-04-02")], ingest.WriteContext()
    )
    assert stage_events(db)[0][:3] == (st.TUTORING, None, "2025-12-31")
    assert db.conn.execute("SELECT stage_date FROM companies").fetchone()[0] == "2025-12-31"


# ---------------------------------------------------------------- the policy itself


def test_policy_rules():
    assert policy.decide(None, st.HK_PHIP) == st.HK_PHIP
    assert policy.decide(st.HK_PHIP, st.HK_APPLICATION_FILED) == st.HK_PHIP  # forward only
    assert (
        policy.decide(st.HK_PHIP, st.HK_APPLICATION_FILED, evidence=True) == st.HK_APPLICATION_FILED
    )
    assert policy.decide(st.LISTED, st.HK_LAPSED, evidence=True) == st.LISTED  # listed is final
    assert policy.decide(st.TUTORING, st.TUTORING_DONE) == st.TUTORING_DONE
    assert policy.dedupe_key("sse", "9001", "2", 3) == "sse:stage:9001:2#3"


def test_one_name_per_exchange():
    for name in ("上交所", "上海证券交易所", "SSE", "sse", "Shanghai Stock Exchange"):
        assert regulators.canonical(name) == "上海证券交易所", name
    assert regulators.canonical("深交所") == regulators.canonical("SZSE") == "深圳证券交易所"
    assert regulators.canonical("中国证券监督管理委员会河南监管局") == "河南证监局"
    assert regulators.canonical("某某协会") == "某某协会"  # unknown names are kept as printed


# ---------------------------------------------------------------- what reaches the outbox


def day(offset: int) -> str:
    return (today_shanghai() + timedelta(days=offset)).isoformat()


def project_batch(industry_code: str | None) -> ProjectBatch:
    steps = [
        StageStep(stage=st.ACCEPTED, status_raw="1", label="已受理", date=day(-2), sort_key="a")
    ]
    p = Project(source="sse", native_id="9100", company=COMPANY, board="main", stage=st.ACCEPTED,
                status_raw="1", status_label="已受理", sponsors=["中信证券股份有限公司"],
                industry_code=industry_code, updated=day(-2), timeline=steps)  # fmt: skip
    return ProjectBatch(source="sse", url="http://q/", page=None, filings=[], projects=[p])


def cfg_with(tmp_path, watch: str):
    path = tmp_path / "config.toml"
    path.write_text(f'[database]\npath = "{tmp_path / "fw.db"}"\n[[channels]]\nname = "c"\n'
                    f'url = "console://"\n{watch}\n', encoding="utf-8")  # fmt: skip
    return config.load(path)


def queued(db):
    return [json.loads(p) for (p,) in db.conn.execute("SELECT payload FROM outbox ORDER BY id")]


def test_industry_code_rule_fires_in_the_pipeline(tmp_path, db):
    cfg = cfg_with(
        tmp_path, '[[watch]]\nname = "servers"\nsectors = ["ai_server"]\nchannels = ["c"]'
    )
    ingest.write_projects(db, project_batch("C3911"), ingest.WriteContext(), OutboxSink(cfg))
    got = queued(db)
    assert [(p["company"], p["stage"], p["rule"]) for p in got] == [
        (COMPANY, st.ACCEPTED, "servers")
    ]
    assert any("C39" in why for why in got[0]["why"])


def test_without_the_industry_code_the_same_company_does_not_match(tmp_path, db):
    cfg = cfg_with(
        tmp_path, '[[watch]]\nname = "servers"\nsectors = ["ai_server"]\nchannels = ["c"]'
    )
    ingest.write_projects(db, project_batch(None), ingest.WriteContext(), OutboxSink(cfg))
    assert queued(db) == []


@pytest.mark.parametrize("written", ["上海证券交易所", "上交所", "SSE"])
def test_a_rule_names_the_exchange_any_way_it_likes(tmp_path, db, written):
    cfg = cfg_with(
        tmp_path, f'[[watch]]\nname = "sse"\nregulators = ["{written}"]\nchannels = ["c"]'
    )
    ingest.write_projects(db, project_batch(None), ingest.WriteContext(), OutboxSink(cfg))
    got = queued(db)
    assert [(p["regulator"], p["stage"]) for p in got] == [("上海证券交易所", st.ACCEPTED)]


def test_a_rule_for_another_exchange_does_not_fire(tmp_path, db):
    cfg = cfg_with(tmp_path, '[[watch]]\nname = "sz"\nregulators = ["深交所"]\nchannels = ["c"]')
    ingest.write_projects(db, project_batch(None), ingest.WriteContext(), OutboxSink(cfg))
    assert queued(db) == []


def test_parser_dates_the_tutoring_stage_by_the_lists_filing_date():
    from scraper import FIXTURES_DIR
    from scraper.parsers.csrcfd import parse_list_page, to_filing

    url = "http://127.0.0.1/csrcfd/index.html"
    records = parse_list_page((FIXTURES_DIR / "csrcfd" / "index.html").read_bytes(), url).records
    progress = [
        r for r in records if r.status == st.TUTORING and r.report_type == "progress_report"
    ]
    assert progress, "the fixture has a progress report of a company in tutoring"
    for r in progress:
        f = to_filing(r, url)
        assert f.stage_date == r.filing_date != f.event_date
