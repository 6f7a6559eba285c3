"""SSE listing-committee announcements: the pure parser on the documented shape, and real Scrapy
crawls against the replay (meetings stored per project, one alert when a meeting is announced)."""

from __future__ import annotations

import json
import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest

from scraper.core.timeutil import today_shanghai
from scraper.parsers import sse_committee
from scraper.parsers.common import BadPayload

FIXTURE = Path(__file__).parent / "fixtures" / "sse_committee" / "GP_GPZCZ_SSWHYGGJG.json"


def test_parser_one_meeting_per_project_and_file():
    meetings, page_help = sse_committee.parse(FIXTURE.read_bytes(), "u")
    assert page_help["pageCount"] == 1
    got = [
        (m.native_project, m.kind, m.meeting, m.published_date, m.meeting_date) for m in meetings
    ]
    assert got == [
        ("9101", "announcement", "2026年第30次", "2026-09-18", None),
        ("9102", "announcement", "2026年第30次", "2026-09-18", None),
        ("9101", "result", "2026年第30次", "2026-09-25", "2026-09-25"),  # a result dates it
        ("9102", "result", "2026年第30次", "2026-09-25", "2026-09-25"),
        ("9004", "announcement", "2026年第48次", "2026-11-20", None),
        ("9201", "announcement", "2026年第48次", "2026-11-20", None),
    ]
    assert meetings[0].url == (
        "http://static.sse.com.cn/stock/information/c/202609/c0ffee0000000000000000000000a301.pdf"
    )


def _row(**kw):
    row = {"fileTitle": "科创板上市委2026年第50次审议会议公告", "fileType": 1,
           "filePath": "/information/c/202612/x.pdf", "publishDate": "2026-12-01", "fileId": "x",
           "stockAudit": [{"auditId": "9004", "companyFullName": "苏州光刻新材料股份有限公司"}]}  # fmt: skip
    row.update(kw)
    return json.dumps({"pageHelp": {"data": [row]}, "result": [row]}, ensure_ascii=False)


def test_a_date_in_the_title_is_the_meeting_date():
    title = "科创板上市委2026年第50次审议会议公告（2026年12月9日召开）"
    (m,), _ = sse_committee.parse(_row(fileTitle=title))
    assert (m.meeting, m.meeting_date) == ("2026年第50次", "2026-12-09")


@pytest.mark.parametrize(
    "body",
    [
        _row(stockAudit=None),  # no project list: unknown shape
        _row(stockAudit=[{"companyFullName": "x"}]),  # a project without its id
        '{"actionErrors": ["unknown sqlId"], "pageHelp": null, "result": null}',
    ],
)
def test_unknown_shapes_are_loud(body):
    with pytest.raises(BadPayload):
        sse_committee.parse(body, "u")


def test_unknown_file_type_is_flagged():
    (m,), _ = sse_committee.parse(_row(fileType=9))
    assert (m.kind, m.flags) == ("other", ["unknown_file_type:9"])


# ---------------------------------------------------------------- crawls against the replay

WATCH = """
[[channels]]
name = "log"
url = "json://127.0.0.1:9/x"
[[watch]]
name = "meetings"
channels = ["log"]
events = ["committee_meeting"]
"""


def q(cfg, sql):
    with sqlite3.connect(cfg.parent / "filingwatch.db") as conn:
        return conn.execute(sql).fetchall()


@pytest.mark.slow
def test_crawl_stores_meetings_per_project_and_alerts_on_a_new_announcement(
    replay, make_config, cli
):
    cfg = make_config(replay.base_url, sources=("sse", "sse_committee"), extra=WATCH)
    assert cli("crawl", "sse", "--config", str(cfg)).returncode == 0
    first = cli("crawl", "sse_committee", "--config", str(cfg))
    assert first.returncode == 0 and "health=ok" in first.stdout, first.stdout + first.stderr
    linked = q(cfg, "SELECT m.native_project, p.native_id IS NOT NULL, m.meeting_date"
                    " FROM committee_meetings m LEFT JOIN projects p ON p.id = m.project_id"
                    " WHERE m.kind = 'announcement' ORDER BY m.id")  # fmt: skip
    assert linked == [("9004", 1, None), ("9201", 0, None), ("9101", 1, "2026-09-25"),
                      ("9102", 1, "2026-09-25")]  # fmt: skip
    assert q(cfg, "SELECT count(*) FROM outbox") == [(0,)]  # first sweep: history
    day = today_shanghai() + timedelta(days=6)
    title = (
        f"科创板上市委{day.year}年第50次审议会议公告（{day.year}年{day.month}月{day.day}日召开）"
    )
    replay.site("sse_committee").control("announce", {"row": {
        "fileTitle": title, "fileType": 1, "filePath": "/information/c/202612/d50.pdf",
        "publishDate": today_shanghai().isoformat(), "fileId": "d50",
        "stockAudit": [{"auditId": "9006", "companyFullName": "合肥量子微电子股份有限公司"}]}})  # fmt: skip
    second = cli("crawl", "sse_committee", "--config", str(cfg))
    assert second.returncode == 0, second.stdout + second.stderr
    payloads = [json.loads(p) for (p,) in q(cfg, "SELECT payload FROM outbox")]
    assert [p["detail"]["text_zh"] for p in payloads] == [
        f"合肥量子微电子股份有限公司 将于 {day.isoformat()} 上会（科创板上市委{day.year}年第50次审议会议）"
    ]
    third = cli("crawl", "sse_committee", "--config", str(cfg))
    assert third.returncode == 0
    assert q(
        cfg, "SELECT count(*) FROM events WHERE kind = 'committee_meeting' AND baseline = 0"
    ) == [(1,)]


@pytest.mark.slow
def test_projects_scope_asks_per_project_in_review(replay, make_config, cli):
    cfg = make_config(replay.base_url, sources=("sse",))
    cfg.write_text(cfg.read_text("utf-8") + f'[sources.sse_committee]\nbase_url = "{replay.base_url}"\n'
                   'fallback_base_url = ""\nscope = "projects"\n', encoding="utf-8")  # fmt: skip
    assert cli("crawl", "sse", "--config", str(cfg)).returncode == 0
    replay.clear_log()
    run = cli("crawl", "sse_committee", "--config", str(cfg))
    assert run.returncode == 0 and "health=ok" in run.stdout, run.stdout + run.stderr
    asked = sorted(r["query"].get("stockAuditNum", [""])[0] if isinstance(r["query"], dict)
                   else "" for r in replay.requests("sse_committee"))  # fmt: skip
    assert asked == ["9004", "9006"]  # 已问询 and 已受理; registered/terminated ones are not asked
    # 9004's file also names 9201 (one file covers several companies)
    assert q(cfg, "SELECT DISTINCT native_project FROM committee_meetings ORDER BY 1") == [
        ("9004",),
        ("9201",),
    ]


@pytest.mark.slow
@pytest.mark.parametrize(
    ("source", "native", "meeting", "announced", "held"),
    [
        (
            "szse",
            "2000101",
            "2026年第41次",
            "2026-07-30",
            "2026-08-06",
        ),  # meetingConclusionAttachment
        ("bse", "3001", "2026年第30次", "2026-07-09", "2026-07-16"),  # hyggjgInfo
    ],
)
def test_szse_and_bse_meetings_come_from_project_documents(
    replay, make_config, cli, source, native, meeting, announced, held
):
    cfg = make_config(replay.base_url, sources=(source,))
    run = cli("crawl", source, "--config", str(cfg))
    assert run.returncode == 0, run.stdout + run.stderr
    rows = q(cfg, f"SELECT source, meeting, kind, published_date, meeting_date, project_id IS NOT NULL"
                  f" FROM committee_meetings WHERE native_project = '{native}' ORDER BY kind")  # fmt: skip
    assert rows == [(source, meeting, "announcement", announced, held, 1),
                    (source, meeting, "result", held, held, 1)]  # fmt: skip
    # the announcement is one committee_meeting event of the review source (history: first sweep)
    assert q(cfg, f"SELECT source, baseline FROM events WHERE kind = 'committee_meeting'"
                  f" AND dedupe_key LIKE '{source}:stage:{native}:committee:%'") == [(source, 1)]  # fmt: skip
