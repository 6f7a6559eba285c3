"""The iCalendar export, validated by the icalendar parser: meetings, listings and HKEX lapse
dates of the watched companies, per rule and for all, through the real CLI."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from icalendar import Calendar

from scraper import calendar as calendar_mod
from scraper import ingest
from scraper.core.records import CommitteeBatch, HkexBatch, Meeting
from scraper.core.timeutil import SHANGHAI, today_shanghai
from scraper.db import connection as dbconn
from scraper.parsers.hkex_app import Applicant, Doc

TODAY = today_shanghai()


def seed(path: Path) -> None:
    db = dbconn.open_db(path)
    ap = (TODAY - timedelta(days=170)).isoformat()
    a = Applicant(board="sehk", app_id=101, status="appactive_app", status_code="A",
                  name_c="星河智造控股有限公司", name_en=None, has_phip=False, stock_code=None,
                  files=[], docs=[Doc("sehk1", ap, "application_proof", 1, True)], u_date=ap)  # fmt: skip
    files = [{"name": f"{s}_sehk_c.json", "status": s, "board": "sehk", "lang": "c",
              "outcome": "ok"} for s in ("appactive_app", "appactive_appphip", "appinactive")]  # fmt: skip
    ctx = ingest.WriteContext(run_id=1)
    ingest.ingest(db, HkexBatch("hkex_app", "u", [], applicants=[a], files=files), ctx)
    meet = (TODAY + timedelta(days=5)).isoformat()
    meetings = [
        Meeting("sse_committee", "f1", "9004", "苏州光刻新材料股份有限公司", "announcement",
                "科创板上市委2026年第50次审议会议公告", "2026年第50次", TODAY.isoformat(), meet,
                "http://static.sse.com.cn/stock/x.pdf"),
        Meeting("sse_committee", "f2", "9201", "深圳智元芯片股份有限公司", "announcement",
                "科创板上市委2026年第51次审议会议公告", "2026年第51次", TODAY.isoformat(), None),
    ]  # fmt: skip
    ingest.ingest(db, CommitteeBatch("sse_committee", "u", None, [], meetings=meetings), ctx)
    db.conn.execute("UPDATE companies SET sectors = '[\"chips\"]' WHERE name LIKE '%光刻%'")
    db.conn.close()


def events_of(body: bytes) -> dict[str, str]:
    cal = Calendar.from_ical(body)
    return {str(e.get("summary")): e.decoded("dtstart").isoformat() for e in cal.walk("VEVENT")}


def test_calendar_holds_meetings_and_lapse_dates(tmp_path):
    seed(tmp_path / "fw.db")
    conn = dbconn.open_readonly(tmp_path / "fw.db")
    body = calendar_mod.build(conn, None, datetime.now(SHANGHAI))
    got = events_of(body)
    lapse = (TODAY - timedelta(days=170)).isoformat()
    assert got == {
        "苏州光刻新材料股份有限公司 上市委审议 2026年第50次": (TODAY + timedelta(days=5)).isoformat(),
        "深圳智元芯片股份有限公司 上市委审议 2026年第51次（公告日，会议日期见公告）": TODAY.isoformat(),
        "星河智造控股有限公司 港股申请失效日": conn.execute(
            "SELECT due_date FROM clocks WHERE kind = 'hk_lapse'").fetchone()[0],
    }  # fmt: skip
    assert lapse < got["星河智造控股有限公司 港股申请失效日"]


def test_calendar_per_rule_through_the_cli(tmp_path, cli):
    seed(tmp_path / "fw.db")
    cfg = tmp_path / "config.toml"
    cfg.write_text(f'[database]\npath = "{tmp_path / "fw.db"}"\n[[channels]]\nname = "c"\n'
                   'url = "console://"\n[[watch]]\nname = "chips"\nsectors = ["chips"]\n'
                   'channels = ["c"]\n', encoding="utf-8")  # fmt: skip
    out = tmp_path / "chips.ics"
    run = cli("calendar", "--rule", "chips", "--out", str(out), "--config", str(cfg))
    assert run.returncode == 0, run.stderr
    assert list(events_of(out.read_bytes())) == [
        "苏州光刻新材料股份有限公司 上市委审议 2026年第50次"
    ]
    bad = cli("calendar", "--rule", "nope", "--out", str(out), "--config", str(cfg))
    assert bad.returncode != 0 and "unknown rule 'nope'; rules: chips" in bad.stderr
