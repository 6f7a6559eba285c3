"""Deadline clocks at their boundaries (a day before, on, after) with a controllable clock, read
from the `clocks` view over facts written through the one write path on a real SQLite file."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from scraper import clocks, ingest
from scraper.core import clocks as rules
from scraper.core import stages as st
from scraper.core.records import Filing, HkexBatch, Project, ProjectBatch, StageStep
from scraper.db import connection as dbconn
from scraper.parsers.hkex_app import Applicant, Doc

HK, SH, UTC = ZoneInfo("Asia/Hong_Kong"), ZoneInfo("Asia/Shanghai"), ZoneInfo("UTC")
NOW = "2026-01-10T10:00:00+08:00"


@pytest.fixture
def db(tmp_path: Path):
    return dbconn.open_db(tmp_path / "fw.db")


def at(day: str, hour: int = 12, tz=HK) -> datetime:
    y, m, d = map(int, day.split("-"))
    return datetime(y, m, d, hour, tzinfo=tz)


def hk_applicant(db, ap_date="2025-08-31", **kw):
    a = Applicant(board="sehk", app_id=101, status="appactive_app", status_code="A",
                  name_c="星河智造控股有限公司", name_en="Galaxy Smart Holdings Ltd",
                  has_phip=False, stock_code=None, files=["appactive_app_sehk_c.json"],
                  docs=[Doc(key="sehk25083101", date=ap_date, type="application_proof",
                            submission=1, full=True)], u_date=ap_date, **kw)  # fmt: skip
    files = [{"name": f"{s}_sehk_c.json", "status": s, "board": "sehk", "lang": "c",
              "outcome": "ok"} for s in ("appactive_app", "appactive_appphip", "appinactive")]  # fmt: skip
    batch = HkexBatch(source="hkex_app", url="https://www1.hkexnews.hk/app/appindex.html",
                      filings=[], applicants=[a], files=files)  # fmt: skip
    ingest.ingest(db, batch, ingest.WriteContext(run_id=1, now=NOW))


def only(db, now, kind, options=rules.DEFAULT_OPTIONS):
    found = [r for r in clocks.readings(db.conn, now, options, open_only=False)
             if r.clock.kind == kind]  # fmt: skip
    assert len(found) == 1, found
    return found[0]


def test_hk_lapse_is_six_months_clamped_to_month_end(db):
    hk_applicant(db, "2025-08-31")
    assert only(db, at("2026-01-01"), "hk_lapse").clock.due_date == "2026-02-28"


@pytest.mark.parametrize(
    ("day", "state", "alert"),
    [
        ("2026-02-13", "open", None),  # 15 days before: outside the 14-day reminder
        ("2026-02-14", "reminder", rules.HK_LAPSE_REMINDER),  # 14 days before
        ("2026-02-27", "reminder", rules.HK_LAPSE_REMINDER),  # the day before
        ("2026-02-28", "due", rules.HK_LAPSE_REMINDER),  # lapses today
        ("2026-03-01", "lapsed", None),  # the day after
    ],
)
def test_hk_lapse_boundaries(db, day, state, alert):
    hk_applicant(db, "2025-08-31")
    r = only(db, at(day), "hk_lapse")
    assert (r.state, r.alert) == (state, alert)


def test_hk_lapse_date_is_the_hong_kong_day_not_utc(db):
    hk_applicant(db, "2025-08-31")
    # 2026-02-27 16:30 UTC is 2026-02-28 00:30 in Hong Kong: the lapse day there
    r = only(db, datetime(2026, 2, 27, 16, 30, tzinfo=UTC), "hk_lapse")
    assert (r.state, r.days_left) == ("due", 0)
    r = only(db, datetime(2026, 2, 27, 15, 59, tzinfo=UTC), "hk_lapse")
    assert (r.state, r.days_left) == ("reminder", 1)


def test_reminder_days_are_configurable(db):
    hk_applicant(db, "2025-08-31")
    r = only(db, at("2026-02-13"), "hk_lapse", rules.Options(hk_lapse_reminder_days=30))
    assert r.state == "reminder"


def test_heard_application_has_no_lapse(db):
    hk_applicant(db, "2025-08-31")
    db.conn.execute("UPDATE hkex_applicants SET phip_date = '2026-01-20', has_phip = 1")
    r = only(db, at("2026-02-27"), "hk_lapse")
    assert (r.state, r.alert) == ("heard", None)


def test_a_clock_fires_once_per_instance(db):
    hk_applicant(db, "2025-08-31")
    first = clocks.fire(db, at("2026-02-20"))
    again = clocks.fire(db, at("2026-02-21"))
    on_day = clocks.fire(db, at("2026-02-28"))
    assert [e["stage"] for e in first] == [rules.HK_LAPSE_REMINDER]
    assert again == [] and on_day == []
    detail = db.conn.execute("SELECT detail FROM events WHERE kind = 'clock'").fetchone()[0]
    assert "港股申请失效日 2026-02-28（剩 8 天）" in detail


# ---------------------------------------------------------------- A-share suspension


def suspended_project(db, steps):
    p = Project(source="sse", native_id="9001", company="芯穹算力科技（上海）股份有限公司",
                board="star", stage=steps[-1].stage, status_raw=steps[-1].status_raw,
                updated="2026-04-01", timeline=steps)  # fmt: skip
    batch = ProjectBatch(source="sse", url="u", page=1, filings=[], projects=[p])
    ingest.ingest(db, batch, ingest.WriteContext(run_id=1, now=NOW))


ACCEPTED = StageStep(st.ACCEPTED, "1", "已受理", "2026-01-05")
SUSPENDED = StageStep(st.SUSPENDED, "7-1", "中止", "2026-03-31", detail="financial_update")


@pytest.mark.parametrize(
    ("now", "state", "alert"),
    [
        (at("2026-06-29", tz=SH), "open", None),
        (at("2026-06-30", tz=SH), "due", None),  # 03-31 + 3 months, clamped to 06-30
        (at("2026-07-01", tz=SH), "expired", rules.SUSPENSION_EXPIRED),
        (at("2026-07-16", tz=SH), "expired", None),  # past the grace window: history
        # 2026-06-30 16:00 UTC is 07-01 00:00 in Shanghai: already expired there
        (datetime(2026, 6, 30, 16, 0, tzinfo=UTC), "expired", rules.SUSPENSION_EXPIRED),
    ],
)
def test_suspension_window_boundaries(db, now, state, alert):
    suspended_project(db, [ACCEPTED, SUSPENDED])
    r = only(db, now, "suspension")
    assert (r.clock.due_date, r.state, r.alert) == ("2026-06-30", state, alert)


def test_resume_alerts_once(db):
    resumed = StageStep(st.INQUIRED, "2", "已问询", "2026-05-10")
    suspended_project(db, [ACCEPTED, SUSPENDED, resumed])
    r = only(db, at("2026-05-11", tz=SH), "suspension")
    assert (r.state, r.alert, r.clock.closed_on) == (
        "resumed",
        rules.SUSPENSION_RESUMED,
        "2026-05-10",
    )
    assert len(clocks.fire(db, at("2026-05-11", tz=SH))) == 1
    assert clocks.fire(db, at("2026-05-12", tz=SH)) == []


# ---------------------------------------------------------------- CSRC tutoring


def tutoring(db, *reports):
    filings = [
        Filing(source="csrcfd", native_id=f"t{i}", company="北京星尘科技股份有限公司",
               kind="tutoring_report", title=f"{kind} {i}", report_type=kind, status=st.TUTORING,
               company_stage=st.TUTORING_DONE if kind == "completion_report" else st.TUTORING,
               event_date=day, disclosed_date=day, regulator="北京证监局")
        for i, (kind, day) in enumerate(reports)
    ]  # fmt: skip
    ingest.write_filings(db, filings, ingest.WriteContext(run_id=1, now=NOW))


@pytest.mark.parametrize(
    ("day", "state", "alert"),
    [
        ("2026-02-27", "open", None),
        ("2026-02-28", "due", None),  # 2025-11-30 + 3 months, clamped
        ("2026-03-01", "overdue", rules.TUTORING_OVERDUE),
    ],
)
def test_tutoring_progress_report_boundaries(db, day, state, alert):
    tutoring(db, ("filing_report", "2025-08-20"), ("progress_report", "2025-11-30"))
    r = only(db, at(day, tz=SH), "tutoring_report")
    assert (r.clock.due_date, r.state, r.alert) == ("2026-02-28", state, alert)


def test_tutoring_duration_is_recorded_at_completion(db):
    tutoring(db, ("filing_report", "2025-08-20"), ("progress_report", "2025-11-30"),
             ("completion_report", "2026-01-15"))  # fmt: skip
    r = only(db, at("2026-03-10", tz=SH), "tutoring_report")
    assert (r.state, r.clock.closed_on, r.clock.duration_days) == ("completed", "2026-01-15", 148)


def test_now_must_carry_a_time_zone():
    c = rules.Clock("hk_lapse", "hkex_app:sehk:1", None, None, "Asia/Hong_Kong", "2025-01-01",
                    "2025-07-01")  # fmt: skip
    with pytest.raises(ValueError):
        rules.read(c, datetime(2025, 6, 1))


def test_clocks_and_company_commands(tmp_path, cli):
    db = dbconn.open_db(tmp_path / "fw.db")
    hk_applicant(db, "2025-08-31")
    db.conn.close()
    args = ("--db", str(tmp_path / "fw.db"), "--format", "json")
    run = cli("clocks", "--now", "2026-02-20T09:00:00+08:00", "--fire", "--due-within", "10", *args)
    assert run.returncode == 0, run.stderr
    assert "fired 1 clock alert(s)" in run.stderr
    (row,) = json.loads(run.stdout)
    assert (row["kind"], row["due"], row["state"], row["days_left"]) == (
        "hk_lapse",
        "2026-02-28",
        "reminder",
        8,
    )
    none = cli("clocks", "--now", "2026-02-20", "--due-within", "5", *args)
    assert json.loads(none.stdout or "[]") == []
    shown = cli("company", "星河智造", *args)
    assert [c["kind"] for c in json.loads(shown.stdout)["clocks"]] == ["hk_lapse"]


def test_the_daemon_fires_clocks_at_its_own_clock_and_rules_pick_them(tmp_path):
    from scraper import config as config_mod
    from scraper.daemon import Daemon

    path = tmp_path / "config.toml"
    path.write_text(
        f'[database]\npath = "{tmp_path / "fw.db"}"\n[clocks]\nhk_lapse_reminder_days = 3\n'
        '[[channels]]\nname = "log"\nurl = "json://127.0.0.1:9/x"\n'
        '[[watch]]\nname = "lapses"\nchannels = ["log"]\nevents = ["hk_lapse_reminder"]\n'
        '[[watch]]\nname = "overdue"\nchannels = ["log"]\nevents = ["tutoring_report_overdue"]\n',
        encoding="utf-8",
    )
    db = dbconn.open_db(tmp_path / "fw.db")
    hk_applicant(db, "2025-08-31")
    moments = iter([at("2026-02-24"), at("2026-02-25"), at("2026-02-26")])
    daemon = Daemon(config_mod.load(path), clock=lambda: next(moments))
    daemon.run_clocks()  # 4 days before: outside the configured 3-day reminder
    assert db.conn.execute("SELECT count(*) FROM outbox").fetchone()[0] == 0
    daemon.run_clocks()  # 3 days before: the reminder, for the rule that names it
    daemon.run_clocks()  # again: the same clock instance fires once
    rows = db.conn.execute("SELECT rule, json_extract(payload, '$.detail.text_zh') FROM outbox")
    assert rows.fetchall() == [("lapses", "港股申请失效日 2026-02-28（剩 3 天）")]


@pytest.mark.parametrize(
    ("text", "key", "expected"),
    [
        ("[clocks]\nhk_lapse_reminder_days = -1\n", "clocks.hk_lapse_reminder_days", ">= 0"),
        ("[clocks]\ngrace = 3\n", "clocks.grace", "unknown key"),
    ],
)
def test_clock_config_errors_name_key_and_line(text, key, expected):
    from scraper import config as config_mod

    with pytest.raises(config_mod.ConfigError) as err:
        config_mod.parse(text, "cfg.toml")
    assert str(err.value).startswith(f"cfg.toml:2: key '{key}'") and expected in str(err.value)
