"""Real Scrapy crawls against the replay answering in the sites' documented variant shapes
(issue 16): each one must land every project/document and leave the run healthy."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow


def query(cfg, sql, *params):
    with sqlite3.connect(cfg.parent / "filingwatch.db") as conn:
        return conn.execute(sql, params).fetchall()


def last_problems(cfg) -> list[dict]:
    (text,) = query(cfg, "SELECT problems FROM source_runs ORDER BY id DESC LIMIT 1")[0]
    return json.loads(text or "[]")


def test_sse_result_only_lists_short_names_and_the_file_search(replay, make_config, cli):
    site = replay.site("sse")
    site.control("variant", {"retire": ["GP_GPZCZ_SHXXPL"], "result_only": True})
    site.control("update", {"item": {
        "stockAuditNum": "9202", "stockAuditName": "芯穹算力", "currStatus": 2,
        "commitiResult": "", "registeResult": "", "suspendStatus": "", "issueMarketType": 1,
        "updateDate": "20261119170000", "auditApplyDate": "20261101170000", "intermediary": [],
    }})  # fmt: skip
    cfg = make_config(replay.base_url, sources=("sse",))
    run = cli("crawl", "sse", "--config", str(cfg))
    assert run.returncode == 0, run.stdout + run.stderr
    assert "health=ok" in run.stdout
    assert query(cfg, "SELECT count(*) FROM projects WHERE source = 'sse'") == [(9,)]
    # the short name is an alias of 9001's company, not a company of its own
    ids = query(cfg, "SELECT native_id, company_id FROM projects WHERE native_id IN"
                     " ('9001', '9202') ORDER BY native_id")  # fmt: skip
    assert ids[0][1] == ids[1][1]
    assert query(cfg, "SELECT count(*) FROM companies WHERE name = '芯穹算力'") == [(0,)]
    docs = query(cfg, "SELECT report_type, event_date FROM filings WHERE source = 'sse'"
                      " AND native_id LIKE '9004:%' ORDER BY native_id")  # fmt: skip
    assert docs == [("prospectus", "2026-11-05"), ("inquiry_reply", "2026-11-12"),
                    ("other", "2026-11-13")]  # fmt: skip
    # the unmapped code is a warning of the run, not silently 'other'
    problems = last_problems(cfg)
    assert any(p["kind"] == "unknown_file_type" and "I0099" in p["message"] for p in problems)


def test_szse_text_only_status_short_sponsors_board_names_and_material_names(
    replay, make_config, cli
):
    site = replay.site("szse")
    fixtures = Path(__file__).parent / "fixtures" / "szse"
    items = json.loads((fixtures / "variant_query_text_only.json").read_text("utf-8"))["data"]
    detail = json.loads((fixtures / "variant_details_2000301.json").read_text("utf-8"))["data"]
    for item in items:
        site.control("update", {"item": item,
                                "detail": detail if item["prjid"] == 2000301 else {}})  # fmt: skip
    cfg = make_config(replay.base_url, sources=("szse",))
    run = cli("crawl", "szse", "--config", str(cfg))
    assert run.returncode == 0, run.stdout + run.stderr
    assert "health=ok" in run.stdout
    rows = query(cfg, "SELECT native_id, board, stage, sponsor FROM projects"
                      " WHERE native_id IN ('2000301', '2000302', '2000303', '2000304')"
                      " ORDER BY native_id")  # fmt: skip
    assert rows == [("2000301", "chinext", "inquired", "国泰海通"),
                    ("2000302", "main", "registered", "招商证券"),
                    ("2000303", "main", "suspended", "兴业证券股份有限公司"),
                    ("2000304", "chinext", "terminated", "兴业证券股份有限公司")], rows  # fmt: skip
    assert not [p for p in last_problems(cfg) if p["kind"] == "unknown_status"
                and "20003" in p["message"]]  # fmt: skip
    docs = query(cfg, "SELECT report_type FROM filings WHERE native_id LIKE '2000301:%'"
                      " ORDER BY native_id")  # fmt: skip
    assert docs == [("prospectus",), ("sponsor_letter",), ("audit_report",), ("other",)]


def _announcement(n: int, day: str, title: str) -> dict:
    return {"id": f"a{n:04d}", "annId": 1000 + n, "title": title, "content": "",
            "publishTime": f"{day} 18:{n % 60:02d}:00",
            "attachPath": f"/disc/disk03/finalpage/{day}/a{n:04d}.PDF", "attachFormat": "PDF",
            "attachSize": 100, "secCode": ["301888"], "secName": ["光芯智能"],
            "bondType": None, "bigIndustryCode": "C", "bigCategoryId": None,
            "smallCategoryId": None, "channelCode": "listedNotice_disc"}  # fmt: skip


def test_szse_notices_pages_every_issuer_until_the_window_is_covered(replay, make_config, cli):
    """No searchKey: page 1 is other issuers' announcements; the IPO document on page 2 must be
    found by the first run and a later one on page 2 by an incremental run too."""
    from scraper.core.timeutil import today_shanghai

    today = today_shanghai().isoformat()
    site = replay.site("szse_notices")
    others = [_announcement(n, today, f"某某{n}：关于股东减持股份的公告") for n in range(1, 5)]
    ipo = _announcement(90, "2026-11-25" if today > "2026-11-25" else today,
                        "光芯智能：首次公开发行股票并在创业板上市招股说明书")  # fmt: skip
    site.control("load", {"rows": [*others, ipo]})
    cfg = make_config(replay.base_url, sources=("szse_notices",),
                      source_extra="page_size = 3\nnotice_list = false\nfull_sweep_hours = 0\n"
                      "lookback_days = 3650")  # fmt: skip
    first = cli("crawl", "szse_notices", "--config", str(cfg))
    assert first.returncode == 0, first.stdout + first.stderr[-2000:]
    assert "health=ok" in first.stdout
    assert all("searchKey" not in b for b in site.bodies)
    assert query(cfg, "SELECT count(*) FROM filings WHERE source = 'szse_notices'") == [(1,)]

    site.bodies.clear()
    later = _announcement(0, today, "光芯智能：首次公开发行股票并在创业板上市之上市公告书")
    newer = [_announcement(n, today, f"某某{n}：董事会决议公告") for n in range(10, 14)]
    site.control("load", {"rows": [*others, ipo, later, *newer]})
    second = cli("crawl", "szse_notices", "--config", str(cfg))
    assert "mode=incremental" in second.stdout, second.stdout
    assert [b["pageNum"] for b in site.bodies] == [1, 2, 3]  # the IPO row is last
    assert query(cfg, "SELECT count(*) FROM filings WHERE source = 'szse_notices'") == [(2,)]


def test_sse_notices_full_sweep_is_bounded_and_completes(replay, make_config, cli):
    cfg = make_config(replay.base_url, sources=("sse_notices",),
                      source_extra="sweep_pages = 1\nfull_sweep_hours = 0.000001")  # fmt: skip
    run = cli("crawl", "sse_notices", "--config", str(cfg))
    assert run.returncode == 0 and "mode=full" in run.stdout, run.stdout + run.stderr[-1500:]
    lists = [r["path"] for r in replay.requests("sse_notices") if "index" in r["path"]]
    assert lists == ["/disclosure/announcement/listing/ipo/index.shtml"]
    assert query(cfg, "SELECT last_full_at IS NOT NULL FROM crawl_state"
                      " WHERE source = 'sse_notices'") == [(1,)]  # fmt: skip
    again = cli("crawl", "sse_notices", "--config", str(cfg))
    assert "mode=full" in again.stdout  # the sweep is due again (full_sweep_hours elapsed)


def test_bse_computed_cookie_is_named_in_the_problem_with_the_body(replay, make_config, cli):
    replay.site("bse").control("home", {"file": "home_computed.html"})
    cfg = make_config(replay.base_url, sources=("bse",))
    run = cli("crawl", "bse", "--config", str(cfg))
    assert "health=unhealthy" in run.stdout, run.stdout
    problems = last_problems(cfg)
    assert [p["kind"] for p in problems] == ["challenge_page"], problems
    assert "computes the C3VK cookie in JavaScript" in problems[0]["message"]
    assert Path(problems[0]["saved"]).read_bytes().startswith(b"<!DOCTYPE html>")
    assert b"_0x5d" in Path(problems[0]["saved"]).read_bytes()
    assert len([r for r in replay.requests("bse") if r["path"] == "/"]) == 1  # no re-warm loop


@pytest.mark.parametrize(
    "source, path",
    [
        ("sse_notices", r"/listing/ipo/index\.shtml"),
        ("szse_notices", r"/disclosure/notice/company/index\.html"),
        ("csrcfd", r"/csrcfd/index\.html"),
    ],
)
def test_a_truncated_html_list_page_is_an_error_not_fewer_rows(
    replay, make_config, cli, source, path
):
    replay.add_fault("truncate", site=source, path=path)
    cfg = make_config(replay.base_url, sources=(source,))
    run = cli("crawl", source, "--config", str(cfg))
    assert "health=unhealthy" in run.stdout, run.stdout
    assert any(p["kind"] == "bad_payload" and "truncated" in p["message"]
               for p in last_problems(cfg)), last_problems(cfg)  # fmt: skip
