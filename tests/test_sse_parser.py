"""SSE parser on our fixtures (tests/fixtures/sse) and on the real samples in ../shared/sources."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scraper.core import stages as st
from scraper.parsers import sse
from scraper.parsers.common import BadPayload, ChallengePage, ZeroRows, load_json, unwrap_jsonp

FIX = Path(__file__).parent / "fixtures" / "sse"


def body(name: str) -> bytes:
    return (FIX / name).read_bytes()


def detail(audit: str, project=None):
    project = project or _project(audit)
    return sse.parse_detail(project, body(f"GP_GPZCZ_XMDTZTTLB_{audit}.jsonp"),
                            body(f"GP_GPZCZ_XMDTZTYYLB_{audit}.jsonp"),
                            body(f"GP_GPZCZ_SHXXPL_{audit}.jsonp"))  # fmt: skip


def _project(audit: str):
    for name in ("list_star_p1.jsonp", "list_star_p2.jsonp", "list_main_p1.json"):
        for p in sse.parse_list(body(name)).projects:
            if p.native_id == audit:
                return p
    raise KeyError(audit)


# -- JSON / JSONP bodies


@pytest.mark.parametrize(
    "text",
    [
        'jsonpCallback123({"a":"\\/information\\/c\\/x.pdf"})',
        'jsonpCallback123({"a":"\\/information\\/c\\/x.pdf"});',
        '/**/ jsonpCallback123({"a":"\\/information\\/c\\/x.pdf"})\n',
        '{"a":"\\/information\\/c\\/x.pdf"}',
        '// a comment line\nnull({"a":"\\/information\\/c\\/x.pdf"})',
    ],
)
def test_jsonp_and_json_bodies_unwrap_with_escaped_slashes(text):
    assert load_json(text) == {"a": "/information/c/x.pdf"}


def test_truncated_and_html_bodies_are_errors_not_empty_lists():
    whole = body("list_star_p1.jsonp")
    with pytest.raises(BadPayload):
        sse.parse_list(whole[: len(whole) // 2], "http://q/statusAction.do")
    with pytest.raises(BadPayload, match="HTML"):
        sse.parse_list(
            b"<html><body>\xe7\xb3\xbb\xe7\xbb\x9f\xe7\xb9\x81\xe5\xbf\x99</body></html>"
        )
    with pytest.raises(ChallengePage):
        sse.parse_list("<html><title>访问验证</title><script>acw_sc__v2</script></html>")
    with pytest.raises(BadPayload):
        sse.parse_list(b"")
    with pytest.raises(BadPayload, match="pageHelp"):
        sse.parse_list('jsonpCallback1({"actionErrors":["系统繁忙"]})')
    assert unwrap_jsonp("cb({") == "cb({"  # truncated JSONP is left for the JSON parser to reject


# -- list pages


def test_list_page_jsonp_first_of_two():
    page = sse.parse_list(body("list_star_p1.jsonp"), "http://q/statusAction.do")
    assert (page.page, page.page_count, page.total, page.last) == (1, 2, 6, False)
    assert [p.native_id for p in page.projects] == ["9006", "9004", "9002"]
    b = page.projects[2]
    assert (b.company, b.board, b.stage, b.status_raw) == (
        "北京深瞳智能科技股份有限公司",
        "star",
        st.SUSPENDED,
        "7-1",
    )
    assert b.updated == "2026-10-31T17:00:03"
    assert b.accepted_date == "2026-05-12"
    assert b.list_key == "2026-10-31T17:00:03|7-1"


def test_list_last_page_and_plain_json_main_board():
    last = sse.parse_list(body("list_star_p2.jsonp"))
    assert last.last and last.page == 2
    main = sse.parse_list(body("list_main_p1.json"))
    assert main.last and {p.board for p in main.projects} == {"main"}
    assert {p.stage for p in main.projects} == {st.SUBMITTED_FOR_REGISTRATION,
                                                 st.REGISTRATION_REFUSED}  # fmt: skip


def test_empty_list_page_is_zero_rows():
    with pytest.raises(ZeroRows):
        sse.parse_list(body("list_empty.jsonp"))


def test_sponsors_are_chosen_by_type_and_order_never_by_position():
    a = _project("9001")
    # intermediary[] lists the accountant first and the second sponsor (order 2) before the first.
    assert a.sponsors == ["中信证券股份有限公司", "中国国际金融股份有限公司"]
    assert a.auditor == "容诚会计师事务所（特殊普通合伙）"
    assert a.law_firm == "上海市锦天城律师事务所"
    assert a.valuer == "中联资产评估集团有限公司"


def test_project_fields_and_the_name_suffix():
    a = _project("9001")
    assert a.raw["stockAuditName"].endswith("首次公开发行股票并在科创板上市项目")
    assert a.company == "芯穹算力科技（上海）股份有限公司"
    assert (a.industry_code, a.industry, a.province) == (
        "C39",
        "计算机、通信和其他电子设备制造业",
        "上海",
    )
    assert a.planned_raise == 45.5
    assert a.url.endswith("auditId=9001")
    assert (
        sse._strip_suffix("某某股份有限公司首次公开发行股票并在科创板上市项目")
        == "某某股份有限公司"
    )


def test_unknown_status_is_flagged_not_guessed():
    f = _project("9005")
    assert (f.stage, f.status_raw, f.flags) == ("11", "11", ["unknown_status"])


# -- details: timeline and documents


def test_timeline_dates_come_from_publish_date_and_repeats_fold():
    a, _docs = detail("9001")
    steps = [(s.stage, s.date) for s in a.timeline]
    assert steps == [
        (st.ACCEPTED, "2026-03-30"),
        (st.INQUIRED, "2026-04-24"),  # the second 已问询 row (06-10) is the same stage: folded
        (st.COMMITTEE_PASSED, "2026-08-14"),
        (st.SUBMITTED_FOR_REGISTRATION, "2026-08-20"),
        (st.REGISTERED, "2026-10-20"),  # publishDate, not qianDate (10-21) nor updateDate
    ]
    assert a.updated.startswith("2026-10-20T18")


def test_suspension_and_termination_carry_reason_and_kind():
    b, _ = detail("9002")
    last = b.timeline[-1]
    assert (last.stage, last.status_raw, last.date, last.detail) == (
        st.SUSPENDED,
        "7-1",
        "2026-09-30",
        "financial_update",
    )
    assert "第六十四条" in last.reason
    c, docs = detail("9003")
    assert (c.timeline[-1].stage, c.timeline[-1].detail) == (st.TERMINATED, "withdrawn")
    assert "撤回" in c.timeline[-1].reason
    assert "termination_decision" in {d.report_type for d in docs}


def test_unknown_code_in_the_timeline_is_a_step_marked_unknown():
    f, docs = detail("9005")
    assert [(s.status_raw, s.known) for s in f.timeline] == [
        ("1", True),
        ("2", True),
        ("11", False),
    ]
    assert docs == []


def test_documents_types_versions_and_pdf_urls():
    _a, docs = detail("9001")
    assert len(docs) == 10
    by_type = {}
    for d in docs:
        by_type.setdefault(d.report_type, []).append(d)
    assert set(by_type) == {"registration_result", "prospectus", "inquiry_reply",
                            "sponsor_letter", "listing_sponsor_letter", "audit_report",
                            "legal_opinion"}  # fmt: skip
    assert sorted(d.raw["version"] for d in by_type["prospectus"]) == ["上会稿", "注册稿", "申报稿"]
    approval = by_type["registration_result"][0]
    assert approval.disclosed_date == "2026-10-20" and approval.raw["version"] == "结果"
    assert approval.pdf_url.startswith("http://static.sse.com.cn/stock/information/c/202610/")
    assert approval.native_id.startswith("9001:") and approval.raw["project"] == "9001"
    assert approval.broker == "中信证券股份有限公司、中国国际金融股份有限公司"
    other = sse.documents(json.loads(unwrap_jsonp(body("GP_GPZCZ_SHXXPL_9001.jsonp").decode()))[
        "pageHelp"]["data"], _a, pdf_base="http://127.0.0.1:1/stock/")  # fmt: skip
    assert other[0].pdf_url.startswith("http://127.0.0.1:1/stock/information/")


# -- the real samples (../shared/sources)


def _bundle(shared, name):
    return json.loads((shared / "sse" / name).read_text("utf-8"))


def _env(rows):
    return json.dumps({"pageHelp": {"data": rows}}, ensure_ascii=False)


def test_real_cambricon_bundle(shared_sources):
    d = _bundle(shared_sources, "commonSoaQuery_detail_bundle_cambricon_auditId354.json")
    p = sse.project_from_item(d["info"][0])
    assert (p.native_id, p.stage, p.industry_code, p.board) == ("354", st.REGISTERED, "C39", "star")
    assert p.sponsors and "中信证券" in p.sponsors[0]
    p, docs = sse.parse_detail(p, _env(d["status"]), _env(d["res"]), _env(d["release"]))
    registered = [s for s in p.timeline if s.stage == st.REGISTERED]
    assert [(s.date, s.status_raw) for s in registered] == [("2020-06-23", "5-1")]
    assert [s.stage for s in p.timeline] == [st.ACCEPTED, st.INQUIRED, st.COMMITTEE_PASSED,
                                             st.SUBMITTED_FOR_REGISTRATION, st.REGISTERED]  # fmt: skip
    assert [s.date for s in p.timeline][:3] == ["2020-03-26", "2020-04-10", "2020-06-02"]
    approval = [f for f in docs if f.report_type == "registration_result"]
    assert approval and approval[0].pdf_url.startswith(
        "http://static.sse.com.cn/stock/information/"
    )
    assert len(docs) == 30


def test_real_list_items_every_combination(shared_sources):
    items = _bundle(shared_sources, "SH_XM_LB_result_items_2021-02_selected.json")["result"]
    projects = {p.native_id: p for p in map(sse.project_from_item, items)}
    assert all(not p.flags for p in projects.values())  # every real code is in the table
    smic = projects["497"]
    assert smic.sponsors == ["海通证券股份有限公司", "中国国际金融股份有限公司"]  # two sponsors
    assert projects["597"].stage == st.COMMITTEE_DEFERRED
    assert projects["584"].status_raw == "7-2" and projects["584"].stage == st.SUSPENDED
    assert projects["374"].stage == st.REGISTRATION_TERMINATED
    assert projects["82"].stage == st.REGISTRATION_REFUSED
    assert projects["754"].stage == st.TERMINATED


def test_real_jsonp_list_and_empty_and_documents(shared_sources):
    page = sse.parse_list(
        (shared_sources / "sse/statusAction_SH_XM_LB_list_2021-12-30.jsonp").read_bytes()
    )
    assert page.last and page.projects[0].native_id == "924"
    assert page.projects[0].sponsors == ["华泰联合证券有限责任公司"]
    with pytest.raises(ZeroRows):
        sse.parse_list((shared_sources / "sse/statusAction_SH_XM_LB_empty.jsonp").read_bytes())
    rows, _ = sse.rows_of(
        (shared_sources / "sse/commonSoaQuery_GP_GPZCZ_SHXXPL_auditId1037.jsonp").read_bytes()
    )
    assert rows[0]["filePath"].startswith("/information/c/")  # escaped slashes undone
