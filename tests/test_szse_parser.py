"""SZSE parser on our fixtures (tests/fixtures/szse) and on the real samples in ../shared/sources."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scraper.core import stages as st
from scraper.parsers import szse
from scraper.parsers.common import BadPayload, ZeroRows

FIX = Path(__file__).parent / "fixtures" / "szse"


def body(name: str) -> bytes:
    return (FIX / name).read_bytes()


def listed(prjid: str):
    for name in ("query_chinext_p0.json", "query_chinext_p1.json", "query_main_p0.json"):
        for p in szse.parse_list(body(name)).projects:
            if p.native_id == prjid:
                return p
    raise KeyError(prjid)


def detail(prjid: str):
    return szse.parse_detail(body(f"details_{prjid}.json"), "http://l/details", listed(prjid))


def test_list_pages_zero_based_with_last_page():
    first = szse.parse_list(body("query_chinext_p0.json"))
    assert (first.page, first.page_count, first.total, first.last) == (0, 2, 5, False)
    assert [p.native_id for p in first.projects] == ["2000102", "2000101", "2000103"]
    assert szse.parse_list(body("query_chinext_p1.json")).last
    main = szse.parse_list(body("query_main_p0.json"))
    assert main.last and {p.board for p in main.projects} == {"main"}
    with pytest.raises(ZeroRows):
        szse.parse_list(body("query_empty.json"))
    with pytest.raises(BadPayload):
        szse.parse_list(body("query_main_p0.json")[:200])


def test_list_item_fields_sponsor_and_co_sponsor_and_industry_code():
    a = listed("2000101")
    assert (a.company, a.company_short, a.board, a.stage) == (
        "深圳极光存储科技股份有限公司",
        "极光存储",
        "chinext",
        st.REGISTERED,
    )
    assert a.sponsors == ["华泰联合证券有限责任公司", "招商证券股份有限公司"]
    assert (a.law_firm, a.auditor) == ("广东信达律师事务所", "天健会计师事务所（特殊普通合伙）")
    assert (a.industry, a.industry_code, a.planned_raise) == (
        "计算机、通信和其他电子设备制造业",
        "C39",
        16.88,
    )
    assert (a.accepted_date, a.updated, a.province) == ("2026-03-27", "2026-11-02", "广东")


def test_industry_names_map_to_csrc_codes():
    assert szse.industry_code("软件和信息技术服务业") == "I65"
    assert szse.industry_code("食品制造业") == "C14"
    assert szse.industry_code("C39 计算机、通信和其他电子设备制造业") == "C39"
    assert szse.industry_code("综合") == "S90"
    assert szse.industry_code("没有这个行业") is None


def test_unknown_status_is_flagged():
    h = listed("2000203")
    assert (h.stage, h.status_raw, h.flags) == ("57", "57", ["unknown_status"])


def test_registered_timeline_uses_sub_results_and_node_dates():
    a, docs = detail("2000101")
    assert [(s.stage, s.status_raw, s.date) for s in a.timeline] == [
        (st.ACCEPTED, "20", "2026-03-27"),
        (st.INQUIRED, "30", "2026-04-22"),
        (st.COMMITTEE_PASSED, "45", "2026-08-06"),  # the 上市委会议 node's status[]
        (st.SUBMITTED_FOR_REGISTRATION, "60", "2026-08-19"),
        (st.REGISTERED, "70", "2026-10-30"),  # not the list's updtdt 2026-11-02
    ]
    assert a.updated == "2026-11-02"


def test_suspension_and_resumption_from_others():
    b, _ = detail("2000102")
    assert [(s.stage, s.date, s.detail) for s in b.timeline] == [
        (st.ACCEPTED, "2026-06-19", None),
        (st.INQUIRED, "2026-07-15", None),
        (st.SUSPENDED, "2026-08-28", None),
        (st.INQUIRED, "2026-11-12", "resumed"),
    ]
    assert "中止" in b.timeline[2].reason and "恢复" in b.timeline[3].reason


def test_current_suspension_and_termination_nodes():
    c, _ = detail("2000103")
    assert (c.timeline[-1].stage, c.timeline[-1].date) == (st.SUSPENDED, "2026-10-30")
    assert "立案调查" in c.timeline[-1].reason
    d, docs = detail("2000104")
    last = d.timeline[-1]
    assert (last.stage, last.status_raw, last.detail, last.date) == (
        st.TERMINATED,
        "95",
        "withdrawn",
        "2026-09-22",
    )
    assert "撤回" in last.reason
    assert [f.report_type for f in docs if f.raw["array"] == "terminationNoticeAttachment"] == [
        "termination_decision"
    ]
    e, _ = detail("2000105")
    assert e.timeline[-1].stage == st.REGISTRATION_TERMINATED and e.timeline[-1].status_raw == "76"


def test_unknown_current_status_is_a_step_dated_by_the_current_node():
    h, _ = detail("2000203")
    assert (h.timeline[-1].status_raw, h.timeline[-1].known, h.timeline[-1].date) == (
        "57",
        False,
        "2026-10-15",
    )


def test_documents_types_and_docx_twins():
    a, docs = detail("2000101")
    titles = [d.title for d in docs]
    assert titles.count("1 发行人及保荐机构关于审核问询函的回复") == 1  # the .docx twin is dropped
    types = {d.report_type for d in docs}
    assert {"prospectus", "sponsor_letter", "listing_sponsor_letter", "audit_report",
            "legal_opinion", "inquiry_reply", "inquiry_letter", "committee_notice",
            "committee_result", "registration_result"} <= types  # fmt: skip
    approval = next(d for d in docs if d.report_type == "registration_result")
    assert approval.pdf_url.startswith("http://reportdocs.static.szse.cn/UpFiles/rasinfodisc/RAS_")
    assert approval.disclosed_date == "2026-11-02" and approval.native_id == "2000101:21301"
    versions = sorted(d.raw["version"] for d in docs if d.report_type == "prospectus")
    assert versions == ["上会稿", "注册稿", "申报稿"]


def test_pjdot_is_a_json_string_and_tolerated_when_broken():
    assert szse.pjdot_nodes('{"-1":{"value":70}}') == {"-1": {"value": 70}}
    assert szse.pjdot_nodes("{broken") == {} and szse.pjdot_nodes(None) == {}


def test_timeline_from_pjdot_alone():
    data = json.loads(body("details_2000101.json"))["data"]
    data["prjprogs"] = []
    a, _ = szse.parse_detail(json.dumps({"data": data}), "", listed("2000101"))
    assert [s.stage for s in a.timeline] == [st.ACCEPTED, st.INQUIRED, st.COMMITTEE_PASSED,
                                             st.SUBMITTED_FOR_REGISTRATION, st.REGISTERED]  # fmt: skip


def test_details_without_data_are_bad_payload():
    with pytest.raises(BadPayload):
        szse.parse_detail(b'{"data":null}', "http://l/details?id=1")


# -- the real samples (../shared/sources)


def test_real_sanyou_lianzhong_registered(shared_sources):
    raw = (
        shared_sources / "szse/projectrends_details_sanyou_lianzhong_prjid1000144.json"
    ).read_text("utf-8")
    p, docs = szse.parse_detail(json.dumps({"data": json.loads(raw)["data"]}))
    assert (p.native_id, p.stage, p.industry_code) == ("1000144", st.REGISTERED, "C38")
    assert p.sponsors == ["信达证券股份有限公司"]
    assert [(s.stage, s.date) for s in p.timeline][-3:] == [
        (st.COMMITTEE_PASSED, "2020-08-27"), (st.SUBMITTED_FOR_REGISTRATION, "2020-09-10"),
        (st.REGISTERED, "2020-12-04")]  # fmt: skip
    assert all(d.raw["ext"] == "pdf" for d in docs)
    assert any(d.report_type == "registration_result" for d in docs)


def test_real_jingdao_suspended_and_resumed(shared_sources):
    raw = (
        shared_sources / "szse/projectrends_details_jingdao_microelectronics_prjid1000554.json"
    ).read_text("utf-8")
    p, _ = szse.parse_detail(json.dumps({"data": json.loads(raw)["data"]}))
    assert [(s.stage, s.date) for s in p.timeline] == [
        (st.ACCEPTED, "2020-07-06"), (st.INQUIRED, "2020-08-01"), (st.SUSPENDED, "2020-09-19"),
        (st.INQUIRED, "2020-12-17")]  # fmt: skip
    assert p.sponsors == ["中信证券股份有限公司"] and p.industry_code == "C39"


def test_real_list_items(shared_sources):
    data = json.loads(
        (shared_sources / "szse/projectrends_query_data_items_2021-02_selected.json").read_text(
            "utf-8"
        )
    )
    page = szse.parse_list(json.dumps({"data": data["data"]}), board="chinext")
    assert all(not p.flags for p in page.projects)
    by_id = {p.native_id: p for p in page.projects}
    assert by_id["1000116"].stage == st.REGISTRATION_TERMINATED  # 76 终止注册
    assert (
        by_id["1000924"].stage == st.TERMINATED and by_id["1000500"].stage == st.COMMITTEE_DEFERRED
    )
    assert {p.board for p in page.projects} == {"chinext"}
    assert all(p.industry_code for p in page.projects)
