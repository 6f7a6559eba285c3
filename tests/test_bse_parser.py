"""BSE parser on our fixtures (tests/fixtures/bse) and on the reconstructed samples in ../shared."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scraper.core import stages as st
from scraper.parsers import bse
from scraper.parsers.common import BadPayload, ChallengePage, ZeroRows, unwrap_jsonp

FIX = Path(__file__).parent / "fixtures" / "bse"


def body(name: str) -> bytes:
    return (FIX / name).read_bytes()


def listed(pid: str):
    for name in ("infoResult_p0.jsonp", "infoResult_p1.jsonp", "infoResult_p2.jsonp"):
        for p in bse.parse_list(body(name)).projects:
            if p.native_id == pid:
                return p
    raise KeyError(pid)


def detail(pid: str):
    return bse.parse_detail(body(f"infoDetailResult_{pid}.jsonp"), "http://b/detail", listed(pid))


def test_list_pages_with_callback_and_null_wrappers():
    first = bse.parse_list(body("infoResult_p0.jsonp"))
    assert (first.page, first.page_count, first.total, first.last) == (0, 3, 7, False)
    assert [p.native_id for p in first.projects] == ["3006", "3005", "3002"]
    last = bse.parse_list(body("infoResult_p2.jsonp"))  # null([...])
    assert last.last and last.page == 2
    with pytest.raises(ZeroRows):
        bse.parse_list(body("infoResult_empty.jsonp"))
    with pytest.raises(BadPayload):
        bse.parse_list(body("infoResult_p0.jsonp")[:300])


def test_java_dates_are_shanghai_dates_not_utc():
    # 2026-03-20 00:30 in Shanghai is 2026-03-19 16:30 UTC: the date is the 20th.
    ms = json.loads(unwrap_jsonp(body("infoDetailResult_3001.jsonp").decode()))[0][
        "projectStatus"]["inquiryDate"]["time"]  # fmt: skip
    assert bse.java_date({"time": ms}) == "2026-03-20"
    assert bse.java_date(ms) == "2026-03-20"
    assert bse.java_date("2026-03-20") == "2026-03-20"
    assert bse.java_date({"year": 126, "month": 2, "date": 20}) == "2026-03-20"
    assert bse.java_date(None) is None and bse.java_date({}) is None


def test_list_item_fields():
    p = listed("3006")
    assert (p.company, p.board, p.stage, p.stock_code) == (
        "安徽江淮电气股份有限公司",
        "bse",
        st.COMMITTEE_PASSED,
        "873606",
    )
    assert p.sponsors == ["国元证券股份有限公司", "华安证券股份有限公司"]  # joint sponsors
    assert (p.accepted_date, p.current_date, p.updated) == (
        "2026-05-29",
        "2026-11-19",
        "2026-11-19T17:00:00",
    )
    lower = listed("3002")
    assert (lower.status_raw, lower.stage) == ("P09", st.SUSPENDED)  # p09 in the list


def test_registered_timeline_and_documents():
    p, docs = detail("3001")
    assert [(s.stage, s.status_raw, s.date) for s in p.timeline] == [
        (st.ACCEPTED, "P01", "2026-02-27"), (st.INQUIRED, "P02", "2026-03-20"),
        (st.COMMITTEE_PASSED, "P03", "2026-07-16"),  # listingCommitteeResultDate
        (st.SUBMITTED_FOR_REGISTRATION, "P06", "2026-07-25"), (st.REGISTERED, "P07", "2026-09-04")]  # fmt: skip
    kinds = {d.report_type for d in docs}
    assert {"prospectus", "sponsor_letter", "listing_sponsor_letter", "audit_report",
            "legal_opinion", "other", "inquiry_letter", "inquiry_reply", "committee_notice",
            "committee_result", "registration_result"} == kinds  # fmt: skip
    versions = sorted(d.raw["version"] for d in docs if d.report_type == "prospectus")
    assert versions == ["上会稿", "注册稿", "申报稿"]
    approval = next(d for d in docs if d.report_type == "registration_result")
    assert approval.pdf_url.startswith("https://www.bse.cn/disclosure/2026/2026-09-04/")
    assert approval.disclosed_date == "2026-09-04"


def test_committee_date_under_either_key():
    p, _ = detail("3006")  # listingCommitteeDate, as one crawler reads it
    assert (p.timeline[-1].stage, p.timeline[-1].date) == (st.COMMITTEE_PASSED, "2026-11-19")


def test_p08_resolved_by_the_decision_title_or_kept_raw_and_flagged():
    refused, _ = detail("3004")
    assert refused.stage == st.REGISTRATION_REFUSED and "ambiguous_status" not in refused.flags
    assert refused.timeline[-1].stage == st.REGISTRATION_REFUSED
    unknown, _ = detail("3007")
    assert unknown.stage == "P08" and "unknown_status" in unknown.flags
    assert [(s.status_raw, s.known) for s in unknown.timeline][-1] == ("P08", False)
    assert listed("3007").stage is None and "ambiguous_status" in listed("3007").flags


def test_suspended_and_terminated():
    s, _ = detail("3002")
    assert (s.timeline[-1].stage, s.timeline[-1].date) == (st.SUSPENDED, "2026-10-28")
    t, _ = detail("3003")
    assert (t.timeline[-1].stage, t.timeline[-1].date) == (st.TERMINATED, "2026-08-11")


def test_verification_page_and_home_cookie():
    page = body("verify.html")
    assert bse.verification_marker(page.decode()) is not None
    with pytest.raises(ChallengePage):
        bse.parse_list(page, "http://b/projectNewsController/infoResult.do")
    with pytest.raises(ChallengePage):
        bse.parse_detail(page, "http://b/d", listed("3001"))
    home = body("home.html").decode().replace("{token}", "9f3a77c1")
    assert bse.home_cookies(home) == {"C3VK": "9f3a77c1"}
    assert bse.verification_marker('null([{"listInfo":{}}])') is None


def test_reconstructed_samples(shared_sources):
    lst = (shared_sources / "bse/projectNewsController_infoResult-reconstructed.jsonp").read_text(
        "utf-8"
    )
    page = bse.parse_list(lst)  # the leading // comment line is skipped
    p = page.projects[0]
    assert (p.stage, p.accepted_date, p.current_date) == (st.INQUIRED, "2025-12-03", "2025-12-15")
    det = (
        shared_sources / "bse/projectNewsController_infoDetailResult-reconstructed.jsonp"
    ).read_text("utf-8")
    p, docs = bse.parse_detail(det, "", p)
    assert [s.stage for s in p.timeline] == [st.ACCEPTED, st.INQUIRED]
    assert {d.report_type for d in docs} == {"prospectus", "inquiry_reply"}
