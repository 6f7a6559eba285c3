"""SSE answer shapes of the 2026 site (issue 16): result-only lists, suffixed or short audit
names, the GP_COMMON_FILE_SEARCH document search. Fixtures: tests/fixtures/sse/variant_*."""

from __future__ import annotations

from pathlib import Path

import pytest

from scraper.parsers import sse
from scraper.parsers.common import BadPayload

FIX = Path(__file__).parent / "fixtures" / "sse"


def body(name: str) -> bytes:
    return (FIX / name).read_bytes()


def test_list_reads_result_when_pagehelp_data_is_empty():
    page = sse.parse_list(body("variant_list_result_only.jsonp"))
    assert [p.native_id for p in page.projects] == ["9201", "9202"]


def test_list_copies_that_disagree_are_a_bad_payload():
    with pytest.raises(BadPayload, match="disagree"):
        sse.parse_list(body("variant_list_disagree.jsonp"))


def test_audit_name_suffix_is_cut_and_a_short_name_is_marked():
    suffixed, short = sse.parse_list(body("variant_list_result_only.jsonp")).projects
    assert suffixed.company == "星河智算科技股份有限公司"
    assert "short_name" not in suffixed.flags
    assert short.company == "芯穹算力"
    assert short.company_short == "芯穹算力" and "short_name" in short.flags


def test_file_search_rows_are_typed_by_title_and_dated_by_fileupdtime():
    project = sse.parse_list(body("list_star_p1.jsonp")).projects[1]
    assert project.native_id == "9004"
    rows, _ = sse.rows_of(body("GP_COMMON_FILE_SEARCH_9004.jsonp"))
    docs = sse.documents(rows, project)
    assert [(d.report_type, d.event_date, d.raw["fileTypeMap"]) for d in docs] == [
        ("prospectus", "2026-11-05", "I0011"),
        ("inquiry_reply", "2026-11-12", "I0021"),
        ("other", "2026-11-13", "I0099"),
    ]
    assert docs[2].flags == ["unknown_file_type"] and docs[0].flags == []
    assert docs[0].pdf_url.startswith("http://static.sse.com.cn/stock/information/c/202611/")
