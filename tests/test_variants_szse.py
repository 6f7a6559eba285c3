"""SZSE answer shapes (issue 16): `prjst` text only, `sprinsts` only, `boardName` only, `matnm`
only. Fixtures: tests/fixtures/szse/variant_*."""

from __future__ import annotations

from pathlib import Path

from scraper.core import stages as st
from scraper.parsers import szse

FIX = Path(__file__).parent / "fixtures" / "szse"


def body(name: str) -> bytes:
    return (FIX / name).read_bytes()


def test_status_text_without_code_maps_through_the_one_table():
    page = szse.parse_list(body("variant_query_text_only.json"))
    got = [(p.native_id, p.stage, p.status_raw, p.status_label, p.flags) for p in page.projects]
    assert got == [
        ("2000301", st.INQUIRED, "30", "已问询", []),
        ("2000302", st.REGISTERED, "70", "注册生效", []),
        ("2000303", st.SUSPENDED, "80", "中止", []),
        ("2000304", st.TERMINATED, "终止", "终止", []),
    ]


def test_unknown_status_text_is_flagged_verbatim():
    item = {"prjid": 1, "cmpnm": "甲股份有限公司", "prjst": "神秘状态"}
    project = szse.project_from_item(item)
    assert (project.stage, project.flags) == ("神秘状态", ["unknown_status"])


def test_short_sponsor_names_and_board_name_without_code():
    one, two, *_ = szse.parse_list(body("variant_query_text_only.json")).projects
    assert one.sponsors == ["国泰海通"] and one.board == "chinext"
    assert two.sponsors == ["招商证券", "华泰联合"] and two.board == "main"


def test_materials_without_matcat_are_classified_by_name():
    project = szse.parse_list(body("variant_query_text_only.json")).projects[0]
    _p, docs = szse.parse_detail(body("variant_details_2000301.json"), project=project)
    assert [d.report_type for d in docs] == [
        "prospectus", "sponsor_letter", "audit_report", "other"]  # fmt: skip
