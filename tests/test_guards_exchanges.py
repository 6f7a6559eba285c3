"""Exchange (SSE/SZSE/BSE) defensive rules, through the parsers and the storage layer's entry point.

* the list-lag guard (scraper/parsers/review.py with_current): when the list's status is older than
  the timeline's last step, the timeline wins; no step back to the list's stale status;
* the exchange date guard (scraper/db/status.py upsert_company_status only_newer, and the overall stage recomputed by scraper/db/status.py recompute_overall, `WHERE
  coalesce(company_status.status_date, '') <= excluded.status_date`): an older project's
  details, written later, do not overwrite what a newer project of the company says;
* the history cut-off (scraper/reconcile/projects.py HISTORY_DAYS): a step first seen long after its date
  is history (baseline = 1) even outside a baseline run.
Projects come from the SSE fixture answers parsed with scraper.parsers.sse.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from helpers import write_batch as write

from scraper.core import stages
from scraper.core.records import Project, ProjectBatch, StageStep
from scraper.core.timeutil import today_shanghai
from scraper.db import connection as dbconn
from scraper.parsers import sse

SSE = Path(__file__).parent / "fixtures" / "sse"
URL = "https://query.sse.com.cn/statusAction.do"


@pytest.fixture
def db(tmp_path):
    return dbconn.open_db(tmp_path / "fw.db")


def q(db, sql, params=()):
    return db.conn.execute(sql, params).fetchall()


def list_items() -> dict[str, dict]:
    out = {}
    for name in ("list_star_p1.jsonp", "list_star_p2.jsonp"):
        rows, _ = sse.rows_of((SSE / name).read_bytes(), URL)
        out.update({str(r["stockAuditNum"]): r for r in rows})
    return out


def detail_batch(project: Project) -> ProjectBatch:
    """What the SSE spider yields for one project's details (its three answers parsed)."""

    def body(kind: str) -> bytes:
        return (SSE / f"GP_GPZCZ_{kind}_{project.native_id}.jsonp").read_bytes()

    project, docs = sse.parse_detail(
        project, body("XMDTZTTLB"), body("XMDTZTYYLB"), body("SHXXPL"), URL
    )
    return ProjectBatch(source="sse", url=URL, page=None, filings=docs, projects=[project])


def status_of(db, company: str) -> list[tuple]:
    return q(db, "SELECT s.status, s.status_date FROM company_status s JOIN companies c"
                 " ON c.id = s.company_id WHERE c.name = ? AND s.source = 'sse'", [company])  # fmt: skip


# ---------------------------------------------------------------- list-lag guard


def test_a_list_that_lags_the_timeline_does_not_add_a_step_back(db):
    """9002's timeline reaches 中止 on 2026-09-30; the list still says 已问询 (updated 06-05)."""
    item = dict(list_items()["9002"], currStatus=2, suspendStatus="", updateDate="20260605193000")
    project = sse.project_from_item(item, board="star")
    assert (project.stage, project.current_date) == (stages.INQUIRED, "2026-06-05")
    batch = detail_batch(project)
    assert [s.stage for s in batch.projects[0].timeline] == [
        stages.ACCEPTED, stages.INQUIRED, stages.SUSPENDED]  # fmt: skip
    result = write(db, batch)
    assert [(e["old_stage"], e["stage"]) for e in result.events if e["kind"] == "stage"] == [
        (None, stages.ACCEPTED), (stages.ACCEPTED, stages.INQUIRED),
        (stages.INQUIRED, stages.SUSPENDED)]  # fmt: skip
    assert status_of(db, "北京深瞳智能科技股份有限公司") == [(stages.SUSPENDED, "2026-09-30")]
    assert q(db, "SELECT stage_date FROM projects WHERE native_id = '9002'") == [("2026-09-30",)]


# ---------------------------------------------------------------- exchange date guard


def test_an_older_project_written_later_does_not_overwrite_the_companys_exchange_status(db):
    """合肥量子微电子: 9003 was terminated on 2026-09-15, its re-filing 9006 accepted 2026-11-18."""
    items = list_items()
    newer = sse.project_from_item(items["9006"], board="star")
    write(db, detail_batch(newer))
    assert status_of(db, "合肥量子微电子股份有限公司") == [(stages.ACCEPTED, "2026-11-18")]
    for _ in range(2):  # a backfill reaching the old application; then again (no new event)
        write(db, detail_batch(sse.project_from_item(items["9003"], board="star")))
        assert status_of(db, "合肥量子微电子股份有限公司") == [(stages.ACCEPTED, "2026-11-18")]
        assert q(db, "SELECT stage, stage_date FROM companies WHERE name = '合肥量子微电子股份有限公司'") == [
            (stages.ACCEPTED, "2026-11-18")]  # fmt: skip


# ---------------------------------------------------------------- history cut-off


def test_steps_dated_long_before_they_are_first_seen_are_history(db):
    today = today_shanghai()

    def day(offset: int) -> str:
        return (today + timedelta(days=offset)).isoformat()

    steps = [StageStep(stage=stages.ACCEPTED, status_raw="1", label="已受理", date=day(-120), sort_key=day(-120)),
             StageStep(stage=stages.INQUIRED, status_raw="2", label="已问询", date=day(-31), sort_key=day(-31)),
             StageStep(stage=stages.SUSPENDED, status_raw="7-1", label="中止", date=day(-2), sort_key=day(-2))]  # fmt: skip
    project = Project(source="sse", native_id="9901", company="杭州远帆数据科技股份有限公司", board="star",
                      stage=stages.SUSPENDED, status_raw="7-1", timeline=steps)  # fmt: skip
    write(db, ProjectBatch(source="sse", url=URL, page=None, filings=[], projects=[project]))
    assert q(db, "SELECT stage, baseline FROM events WHERE kind = 'stage' ORDER BY event_date") == [
        (stages.ACCEPTED, 1), (stages.INQUIRED, 1), (stages.SUSPENDED, 0)]  # fmt: skip
