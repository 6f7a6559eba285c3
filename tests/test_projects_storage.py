"""Exchange projects through scraper.ingest on a fresh database: project rows, dated stage events, documents, state."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import pytest

from scraper import ingest
from scraper.core import stages as st
from scraper.core.records import Filing, Project, ProjectBatch, StageStep
from scraper.core.timeutil import today_shanghai
from scraper.db import connection as dbconn
from scraper.db.known import KnownState
from scraper.db.runs import load_cursor, save_cursor
from scraper.parsers.review import finish_timeline

TODAY = today_shanghai()


def day(offset: int) -> str:
    return (TODAY + timedelta(days=offset)).isoformat()


@pytest.fixture
def db(tmp_path: Path):
    return dbconn.open_db(tmp_path / "fw.db")


def project(native_id="9001", company="芯穹算力科技（上海）股份有限公司", stage=st.INQUIRED,
            status_raw="2", updated=None, timeline=None, **kw) -> Project:  # fmt: skip
    return Project(source="sse", native_id=native_id, company=company, board="star", stage=stage,
                   status_raw=status_raw, status_label="已问询", sponsors=["中信证券股份有限公司"],
                   industry_code="C39", industry="计算机、通信和其他电子设备制造业",
                   updated=updated or f"{day(-1)}T17:00:00", raw={"stockAuditNum": native_id},
                   timeline=timeline, url=f"https://www.sse.com.cn/?auditId={native_id}", **kw)  # fmt: skip


def step(stage, raw, when, **kw) -> StageStep:
    return StageStep(stage=stage, status_raw=raw, label=st.LABELS_ZH.get(stage), date=when,
                     sort_key=when, **kw)  # fmt: skip


def doc(native_id: str, project_id="9001", company="芯穹算力科技（上海）股份有限公司") -> Filing:
    return Filing(source="sse", native_id=f"{project_id}:{native_id}", company=company,
                  kind="exchange_document", title=f"招股说明书 {native_id}", report_type="prospectus",
                  event_date=day(-3), disclosed_date=day(-3), raw={"project": project_id})  # fmt: skip


def write(db, *projects, filings=(), baseline=False):
    ctx = ingest.WriteContext(run_id=1, baseline=baseline)
    batch = ProjectBatch(source="sse", url="http://q/", page=None, filings=list(filings),
                         projects=list(projects))  # fmt: skip
    return ingest.write_projects(db, batch, ctx)


def rows(db, sql, *args):
    return db.conn.execute(sql, args).fetchall()


def test_a_list_page_stores_projects_without_events(db):
    result = write(db, project(), project("9004", "苏州光刻新材料股份有限公司"))
    assert (result.new, result.events) == (2, [])
    got = rows(db, "SELECT native_id, stage, sponsor, sponsors, industry_code, list_key, detail_key"
                   " FROM projects ORDER BY native_id")  # fmt: skip
    assert got[0][:5] == (
        "9001",
        st.INQUIRED,
        "中信证券股份有限公司",
        '["中信证券股份有限公司"]',
        "C39",
    )
    assert got[0][5] == f"{day(-1)}T17:00:00|2" and got[0][6] is None
    assert rows(db, "SELECT industry_code FROM companies WHERE name LIKE '芯穹%'") == [("C39",)]


def test_details_record_one_event_per_step_with_the_timeline_dates(db):
    steps = [step(st.ACCEPTED, "1", day(-60)), step(st.INQUIRED, "2", day(-20))]
    result = write(db, project(timeline=steps), filings=[doc("1"), doc("2")])
    stage_events = rows(db, "SELECT stage, old_stage, event_date, status_raw, baseline, dedupe_key,"
                            " project_id FROM events WHERE kind = 'stage' ORDER BY event_date")  # fmt: skip
    pid = rows(db, "SELECT id FROM projects")[0][0]
    assert [e[:5] for e in stage_events] == [
        (st.ACCEPTED, None, day(-60), "1", 1),  # older than HISTORY_DAYS: history, no alert
        (st.INQUIRED, st.ACCEPTED, day(-20), "2", 0),
    ]
    assert stage_events[1][5] == "sse:stage:9001:2#1" and stage_events[1][6] == pid
    assert len([e for e in result.events if e["kind"] == "filing"]) == 2
    assert rows(db, "SELECT count(*) FROM filings WHERE project_id = ?", pid) == [(2,)]
    assert rows(db, "SELECT stage_date, detail_key FROM projects") == [
        (day(-20), f"{day(-1)}T17:00:00|2")
    ]
    assert rows(db, "SELECT status, status_date FROM company_status") == [(st.INQUIRED, day(-20))]
    assert rows(
        db, "SELECT stage, stage_date, stage_source FROM companies WHERE name LIKE '芯穹%'"
    ) == [(st.INQUIRED, day(-20), "sse")]


def test_rewriting_the_same_details_adds_nothing(db):
    steps = [step(st.ACCEPTED, "1", day(-9)), step(st.INQUIRED, "2", day(-5))]
    write(db, project(timeline=list(steps)), filings=[doc("1")])
    again = write(db, project(timeline=list(steps)), filings=[doc("1")])
    assert (again.new, again.events) == (0, [])
    assert rows(db, "SELECT count(*) FROM events") == [(3,)]


def test_a_new_step_is_one_new_event_and_reentry_is_its_own_event(db):
    write(db, project(timeline=[step(st.ACCEPTED, "1", day(-9)), step(st.INQUIRED, "2", day(-5))]))
    steps = [step(st.ACCEPTED, "1", day(-9)), step(st.INQUIRED, "2", day(-5)),
             step(st.SUSPENDED, "7-1", day(-3), reason="财报更新", detail="financial_update"),
             step(st.INQUIRED, "2", day(-1), reason="恢复审核", detail="resumed")]  # fmt: skip
    result = write(db, project(stage=st.INQUIRED, updated=f"{day(0)}T09:00:00", timeline=steps))
    assert [
        (e["stage"], e["old_stage"], e["event_date"], e["stage_detail"]) for e in result.events
    ] == [
        (st.SUSPENDED, st.INQUIRED, day(-3), "financial_update"),
        (st.INQUIRED, st.SUSPENDED, day(-1), "resumed"),
    ]
    assert result.events[1]["dedupe_key"].endswith(":2#2")
    assert rows(db, "SELECT reason FROM events WHERE stage = 'suspended'") == [("财报更新",)]


def test_baseline_run_marks_every_event(db):
    write(db, project(timeline=[step(st.ACCEPTED, "1", day(-1))]), baseline=True)
    assert rows(db, "SELECT baseline FROM events") == [(1,)]


def test_a_refiled_project_links_to_the_same_company(db):
    company = "合肥量子微电子股份有限公司"
    write(db, project("9003", company, st.TERMINATED, "8", timeline=[step(st.TERMINATED, "8", day(-70))]),
          project("9006", company, st.ACCEPTED, "1", timeline=[step(st.ACCEPTED, "1", day(-7))]))  # fmt: skip
    ids = rows(db, "SELECT DISTINCT company_id FROM projects")
    assert len(ids) == 1
    # the newer project decides the company's stage
    assert rows(db, "SELECT stage FROM companies WHERE id = ?", ids[0][0]) == [(st.ACCEPTED,)]


def test_unknown_steps_are_events_but_not_the_company_stage(db):
    steps = [step(st.INQUIRED, "2", day(-9)), StageStep("11", "11", None, day(-2), known=False)]
    write(db, project(stage="11", status_raw="11", flags=["unknown_status"], timeline=steps))
    assert rows(db, "SELECT stage FROM events WHERE kind = 'stage' ORDER BY event_date") == [
        (st.INQUIRED,), ("11",)]  # fmt: skip
    assert rows(db, "SELECT stage FROM companies") == [(st.INQUIRED,)]
    assert json.loads(rows(db, "SELECT flags FROM projects")[0][0]) == ["unknown_status"]


def test_a_node_without_stage_keeps_the_stored_stage(db):
    write(db, project(stage=st.INQUIRED))
    write(db, project(stage=None, status_raw="3"))
    assert rows(db, "SELECT stage, status_raw FROM projects") == [(st.INQUIRED, "3")]


def test_state_tells_changed_and_pending_projects(db):
    p = project()
    write(db, p)  # listed, details not yet fetched
    state = KnownState(db).project_state("sse")
    assert state.changed(p) and [x[0] for x in state.pending()] == ["9001"]
    write(db, replace(p, timeline=[step(st.INQUIRED, "2", day(-3))]))
    state = KnownState(db).project_state("sse")
    assert not state.changed(p) and state.pending() == []
    assert state.changed(replace(p, updated=f"{day(0)}T10:00:00"))
    assert state.changed(replace(p, status_raw="3-1"))
    assert state.changed(replace(p, native_id="9999"))


def test_date_only_update_stamps_are_rechecked_on_the_day_they_were_fetched(db):
    today = replace(project("1"), source="szse", updated=day(0), status_raw="30")
    older = replace(
        project("2", "另一家股份有限公司"), source="szse", updated=day(-1), status_raw="30"
    )
    batch = ProjectBatch(source="szse", url="", page=None, filings=[],
                         projects=[replace(p, timeline=[step(st.INQUIRED, "30", day(-1))])
                                   for p in (today, older)])  # fmt: skip
    ingest.write_projects(db, batch, ingest.WriteContext(run_id=1))
    state = KnownState(db).project_state("szse")
    assert state.changed(
        today
    )  # stamped the day it was fetched: a later change that day would hide
    assert not state.changed(older)


def test_cursor_round_trip(db):
    assert load_cursor(db, "bse") == {}
    save_cursor(db, "bse", {"cookies": {"C3VK": "abc"}})
    assert load_cursor(db, "bse") == {"cookies": {"C3VK": "abc"}}


def test_finish_timeline_orders_folds_and_drops_undated():
    steps = finish_timeline([step(st.INQUIRED, "2", "2026-05-01"), step(st.ACCEPTED, "1", "2026-04-01"),
                             step(st.INQUIRED, "2", "2026-06-01", reason="第二轮"),
                             step(st.COMMITTEE_PASSED, "3-1", None)])  # fmt: skip
    assert [(s.status_raw, s.date, s.reason) for s in steps] == [
        ("1", "2026-04-01", None),
        ("2", "2026-05-01", "第二轮"),
    ]


def test_migration_columns_exist(db):
    cols = {r[1] for r in rows(db, "PRAGMA table_info(events)")}
    assert {"project_id", "status_raw", "status_label", "stage_detail", "reason"} <= cols
    assert "project_id" in {r[1] for r in rows(db, "PRAGMA table_info(filings)")}
    assert "industry_code" in {r[1] for r in rows(db, "PRAGMA table_info(companies)")}
    assert date.fromisoformat(day(0)) == TODAY
