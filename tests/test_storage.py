"""Storage on fresh SQLite files: migrations, idempotent upserts, events, runs."""

import pytest

from scraper import ingest
from scraper.core.records import Filing
from scraper.db import connection as dbconn
from scraper.db import runs


@pytest.fixture
def db(tmp_path):
    return dbconn.open_db(tmp_path / "t.db")


def filing(native_id="a1", company="甲科技股份有限公司", status="tutoring", **kw):
    base = dict(source="csrcfd", native_id=native_id, company=company, kind="tutoring_report",
                title=f"关于{company}辅导备案报告", status=status, status_raw="辅导备案",
                company_stage=status, event_date="2026-01-05", disclosed_date="2026-01-06")  # fmt: skip
    base.update(kw)
    return Filing(**base)


def test_wal_and_schema_version_recorded(db, tmp_path):
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    version = dbconn.schema_version(db)
    assert version >= 1
    again = dbconn.open_db(tmp_path / "t.db")
    assert dbconn.schema_version(again) == version  # migrations are not re-applied
    assert {"filings", "companies", "events", "source_runs", "company_status"} <= set(
        db.table_names()
    )


def test_recrawl_updates_last_seen_and_never_duplicates(db):
    first = ingest.write_filings(
        db, [filing()], ingest.WriteContext(now="2026-01-06T10:00:00+08:00")
    )
    again = ingest.write_filings(
        db, [filing()], ingest.WriteContext(now="2026-01-07T10:00:00+08:00")
    )
    assert first.new == 1 and again.new == 0 and again.events == []
    row = db.execute(
        "SELECT count(*), min(first_seen_at), max(last_seen_at) FROM filings"
    ).fetchone()
    assert row == (1, "2026-01-06T10:00:00+08:00", "2026-01-07T10:00:00+08:00")


def test_new_filing_and_first_stage_become_events(db):
    result = ingest.write_filings(db, [filing()], ingest.WriteContext())
    kinds = sorted((e["kind"], e["stage"]) for e in result.events)
    assert kinds == [("filing", "tutoring"), ("stage", "tutoring")]
    assert db.execute("SELECT count(*) FROM companies").fetchone()[0] == 1


def test_status_change_of_known_company_is_one_stage_event(db):
    ingest.write_filings(db, [filing()], ingest.WriteContext())
    done = filing(status="tutoring_done", status_raw="辅导验收", disclosed_date="2026-04-01")
    result = ingest.write_filings(db, [done], ingest.WriteContext())
    assert result.new == 0 and result.updated == 1
    assert [(e["kind"], e["old_stage"], e["stage"]) for e in result.events] == [
        ("stage", "tutoring", "tutoring_done")
    ]
    assert db.execute("SELECT stage FROM companies").fetchone()[0] == "tutoring_done"
    # the same change seen again is not a new event
    assert ingest.write_filings(db, [done], ingest.WriteContext()).events == []


def test_full_and_half_width_names_meet_on_one_company(db):
    ingest.write_filings(
        db, [filing("x", "摩尔线程智能科技（北京）股份有限公司")], ingest.WriteContext()
    )
    ingest.write_filings(
        db, [filing("y", "摩尔线程智能科技(北京)股份有限公司")], ingest.WriteContext()
    )
    assert db.execute("SELECT count(*) FROM companies").fetchone()[0] == 1


def test_baseline_events_are_marked(db):
    result = ingest.write_filings(db, [filing()], ingest.WriteContext(baseline=True))
    assert all(e["baseline"] == 1 for e in result.events)


def test_the_sink_runs_in_the_same_transaction(db):
    seen = []

    def hook(db_, events, ctx):
        seen.extend(events)
        raise RuntimeError("delivery layer exploded")

    with pytest.raises(RuntimeError):
        ingest.write_filings(db, [filing()], ingest.WriteContext(), sink=hook)
    assert seen  # the hook saw the events ...
    assert (
        db.execute("SELECT count(*) FROM events").fetchone()[0] == 0
    )  # ... and they rolled back together
    assert db.execute("SELECT count(*) FROM filings").fetchone()[0] == 0


def test_run_bookkeeping_and_in_progress_mark(db):
    run = runs.start_run(db, "csrcfd", "full")
    assert runs.crawl_state(db, "csrcfd")["in_progress_run"] == run
    runs.finish_run(
        db, run, "csrcfd", {"health": "ok", "finish_reason": "finished"}, completed_full=True
    )
    state = runs.crawl_state(db, "csrcfd")
    assert state["in_progress_run"] is None and state["last_full_at"] and state["last_ok_at"]


def test_killed_run_leaves_mark_and_is_closed_as_interrupted(db):
    run = runs.start_run(db, "csrcfd", "full")
    runs.mark_stale_runs(db, "csrcfd")
    assert (
        db.execute("SELECT health FROM source_runs WHERE id = ?", [run]).fetchone()[0]
        == "interrupted"
    )
    assert runs.crawl_state(db, "csrcfd")["in_progress_run"] == run


def test_readonly_connection_refuses_writes(db, tmp_path):
    ro = dbconn.open_readonly(tmp_path / "t.db")
    with pytest.raises(Exception, match="readonly"):
        ro.execute("DELETE FROM filings")
