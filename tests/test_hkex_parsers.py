"""HKEX parsers on fixture files: the application index (merge, ls[] dates, coordinator
announcements, _c/_e pairing) and the listing pages (New Listing Information, title search in
both forms, latest announcements)."""

import gc
from datetime import date
from pathlib import Path

import pytest

from scraper.core import stages
from scraper.parsers.common import BadPayload, ChallengePage, TableMissing
from scraper.parsers.hkex_app import (
    applicant_filings,
    classify,
    index_filings,
    merge_index,
    parse_index_file,
    split_file_name,
)
from scraper.parsers.hkex_common import (
    doc_date_from_path,
    doc_key,
    hk_date,
    hk_datetime,
    stock_code,
)
from scraper.parsers.hkex_listings import (
    classify_listing_doc,
    doc_claims,
    listing_filings,
    merge_new_listing_rows,
    parse_latest_json,
    parse_new_listing_page,
    parse_title_search_html,
    parse_title_search_json,
    row_claims,
)

APP = Path(__file__).parent / "fixtures" / "hkex_app"
LST = Path(__file__).parent / "fixtures" / "hkex_listings"
EDS = "https://www1.hkexnews.hk/ncms/json/eds/"
BASE = "https://www1.hkexnews.hk"


def load(name: str):
    return parse_index_file((APP / name).read_bytes(), EDS + name)


def index(*names: str, previous=None):
    names = names or tuple(p.name for p in sorted(APP.glob("*.json")))
    return {a.app_id: a for a in merge_index([load(n) for n in names], previous)}


# ---------------------------------------------------------------- application index


def test_index_file_fields():
    f = load("appactive_app_sehk_c.json")
    assert (f.status, f.board, f.lang) == ("appactive_app", "sehk", "c")
    assert f.u_date == "2026-11-20" and f.gen_date == "2026-11-20T16:15:00+08:00"
    assert [r["id"] for r in f.records] == [108801, 108805, 108810, 108820, 108840]
    assert split_file_name("appactive_appphip_gem_e.json") == ("appactive_appphip", "gem", "e")
    with pytest.raises(ValueError):
        split_file_name("app_2026_sehk_e.json")


def test_ap_and_phip_files_merge_by_id_phip_wins():
    apps = index("appactive_app_sehk_c.json", "appactive_appphip_sehk_c.json")
    aurora = apps[108820]  # in both files: AP file says hasPhip false, PHIP file true
    assert aurora.status == "appactive_appphip" and aurora.stage == stages.HK_PHIP
    assert aurora.files == ["appactive_app_sehk_c.json", "appactive_appphip_sehk_c.json"]
    assert (aurora.ap_date, aurora.phip_date) == ("2026-06-02", "2026-11-16")
    assert [d.type for d in aurora.docs] == ["oc_announcement", "application_proof", "phip"]
    hanhai = apps[108830]  # split style: only the PHIP file, only a PHIP document
    assert hanhai.stage == stages.HK_PHIP and hanhai.ap_date is None
    assert hanhai.phip_date == "2026-11-10"


def test_ap_date_comes_from_ls_not_from_d_w_or_coordinator_announcements():
    lingxi = index("appactive_app_sehk_c.json")[108801]
    # OC announcement 2026-10-28 comes first, `d` and the warning PDF say 2026-11-06
    assert lingxi.d == "2026-11-06" and "warn261106" in lingxi.warning
    assert lingxi.ap_date == "2026-11-03"
    assert lingxi.ap_doc.key == "sehk26110301816" and lingxi.ap_doc.full
    xinglan = index("appactive_app_sehk_c.json")[108805]  # second submission does not move it
    assert xinglan.ap_date == "2026-05-12"
    assert sorted(d.submission for d in xinglan.docs if d.type == "application_proof") == [1, 2]


def test_coordinator_announcement_is_no_ipo_evidence():
    cloudmap = index("appactive_app_sehk_c.json", "appactive_app_sehk_e.json")[108810]
    assert [d.type for d in cloudmap.docs] == ["oc_announcement"]
    assert cloudmap.stage is None and cloudmap.ap_date is None and cloudmap.last_doc_date is None
    (filing,) = applicant_filings(cloudmap, BASE, BASE + "/app/appindex.html")
    assert filing.report_type == "oc_announcement" and filing.status is None
    assert classify({"nS1": "整體協調人公告－退任", "u1": "x.pdf"})[0] == "oc_announcement"
    assert (
        classify({"nS1": "Overall Coordinator Announcement - Retirement"})[0] == "oc_announcement"
    )


def test_c_and_e_files_give_one_applicant_with_both_names_and_paired_documents():
    apps = index("appactive_app_sehk_c.json", "appactive_app_sehk_e.json")
    lingxi = apps[108801]
    assert lingxi.name_c == "蘇州靈犀機器人科技股份有限公司"
    assert lingxi.name_en == "Suzhou Lingxi Robotics Technology Co., Ltd."
    assert len(lingxi.docs) == 3  # three documents, each in both languages
    ap = lingxi.ap_doc
    assert ap.nf_c == "申請版本（第一次呈交）" and ap.nf_e == "Application Proof (1st submission)"
    assert ap.u1_c.endswith("sehk26110301816_c.pdf") and ap.u1_e.endswith("sehk26110301816.pdf")
    filings = applicant_filings(lingxi, BASE, BASE + "/app/appindex.html")
    f = next(x for x in filings if x.report_type == "application_proof")
    assert f.company == lingxi.name_c and f.company_en == lingxi.name_en
    assert f.native_id == "app:108801:sehk26110301816" and f.period == 1
    assert f.status == stages.HK_APPLICATION_FILED and f.event_date == "2026-11-03"
    assert f.pdf_url == BASE + "/app/sehk/2026/108801/documents/sehk26110301816_c.pdf"
    assert f.raw["pdf_url_en"] == BASE + "/app/sehk/2026/108801/documents/sehk26110301816.pdf"
    assert f.raw["index_url"] == BASE + "/app/sehk/2026/108801/2026110301813_c.htm"


def test_a_missing_language_file_keeps_the_last_good_names():
    apps = index(
        "appactive_app_sehk_e.json",
        previous={("sehk", 108801): ("蘇州靈犀機器人科技股份有限公司", None)},
    )
    assert apps[108801].company_name == "蘇州靈犀機器人科技股份有限公司"
    assert apps[108805].company_name == "Shenzhen Xinglan Semiconductor Co., Ltd."  # nothing better


def test_status_of_every_file():
    apps = index()
    assert apps[107500].stage == stages.HK_LAPSED and apps[107500].status_code == "IR"
    assert apps[107900].stage == stages.HK_RETURNED
    assert apps[107200].stage == stages.LISTED and apps[107200].stock_code == "02688"
    assert apps[108850].board == "gem" and apps[108850].stage == stages.HK_APPLICATION_FILED
    assert len(apps) == 10


@pytest.mark.parametrize(
    "body, error",
    [
        (
            b'{"genDate":"1795162500000","uDate":"20/11/2026","app":[{"id":108801,"d":"06/1',
            BadPayload,
        ),
        ("<html><body>系統繁忙，請稍後再試</body></html>".encode(), BadPayload),
        (b"", BadPayload),
        (b'{"genDate":"1","uDate":"20/11/2026"}', BadPayload),
        ("<html><title>访问验证</title><body>请完成安全验证</body></html>".encode(), ChallengePage),
    ],
)
def test_broken_index_files_raise(body, error):
    with pytest.raises(error):
        parse_index_file(body, EDS + "appinactive_sehk_c.json")


def test_empty_app_list_is_a_valid_file():
    assert load("appinactive_gem_e.json").records == []


def test_real_hkex_samples(shared_sources):
    real = parse_index_file(
        (shared_sources / "hkex" / "appactive_app_sehk_c_2026-07-10_real_subset.json").read_bytes(),
        EDS + "appactive_app_sehk_c.json",
    )
    apps = {a.app_id: a for a in merge_index([real])}
    assert real.u_date == "2026-07-10" and set(apps) == {107796, 108066}
    assert (
        apps[107796].ap_date == "2025-10-17" and apps[107796].stage == stages.HK_APPLICATION_FILED
    )
    assert [d.type for d in apps[108066].docs].count("oc_announcement") == 1
    rec = parse_index_file(
        (shared_sources / "hkex" / "appactive_appphip_sehk_c-reconstructed.json").read_bytes(),
        EDS + "appactive_appphip_sehk_c.json",
    )
    (luxshare,) = merge_index([rec])
    # placeholder dates (DD/MM/2026) date nothing; the PHIP entry has a real one
    assert luxshare.stage == stages.HK_PHIP and luxshare.phip_date == "2026-06-23"
    assert luxshare.ap_date is None and "bad_document_date" in luxshare.flags


# ---------------------------------------------------------------- helpers


def test_hk_dates_codes_and_document_numbers():
    assert hk_date("17/10/2025") == "2025-10-17" and hk_date("DD/MM/2026") is None
    assert (
        hk_date("Jun 23, 2026") == "2026-06-23" and hk_date("Updated: 07 Jul 2026") == "2026-07-07"
    )
    assert hk_datetime("29/04/2025 17:00") == ("2025-04-29", "17:00")
    assert hk_datetime("22/09 16:33", today=date(2026, 9, 30)) == ("2026-09-22", "16:33")
    assert hk_datetime("30/12 09:00", today=date(2027, 1, 2)) == ("2026-12-30", "09:00")
    assert stock_code("3752") == "03752" and stock_code("股份代號: 02688") == "02688"
    assert doc_key("/listedco/listconews/sehk/2026/0630/2026063000033_c.pdf") == "2026063000033"
    assert (
        doc_date_from_path("/listedco/listconews/sehk/2024/0115/ltn20240115001.pdf") == "2024-01-15"
    )
    assert doc_date_from_path("sehk/2026/108261/documents/sehk26062301881_c.pdf") == "2026-06-23"


# ---------------------------------------------------------------- listings


def page(name: str, board="sehk"):
    url = BASE.replace("www1", "www2") + "/New-Listings/New-Listing-Information/" + (
        "Main-Board" if board == "sehk" else "GEM")  # fmt: skip
    return parse_new_listing_page((LST / name).read_bytes(), url, board=board)


def test_new_listing_page_english_and_chinese_joined_by_stock_code():
    en, zh = page("new_listing_main_board_en.html"), page("new_listing_main_board_zh.html")
    assert (en.lang, zh.lang) == ("en", "zh") and en.updated == zh.updated == "2026-11-20"
    rows = {r.stock_code: r for r in merge_new_listing_rows(en, zh)}
    assert set(rows) == {"06690", "02701", "02688", "03321"}
    huaxin = rows["02688"]
    assert (huaxin.name, huaxin.name_en) == (
        "華芯微電子股份有限公司",
        "Huaxin Microelectronics Co., Ltd.",
    )
    kinds = {(d.report_type, d.key, d.date) for d in huaxin.docs}
    assert kinds == {("new_listing_announcement", "2026111000011", "2026-11-10"),
                     ("prospectus", "2026111000035", "2026-11-10"),
                     ("allotment_results", "2026111800422", "2026-11-18")}  # fmt: skip
    # relative links resolve against the page; only-allotment rows are kept
    assert rows["06690"].docs[0].url.startswith("https://www2.hkexnews.hk/listedco/")
    assert [d.report_type for d in rows["03321"].docs] == ["allotment_results"]
    claims = {
        (c.stock_code, c.stage, c.date)
        for r in rows.values()
        for c in row_claims(r, date(2026, 11, 20))
    }
    assert ("02688", stages.ALLOTMENT_RESULTS, "2026-11-18") in claims
    assert ("02701", stages.PROSPECTUS_PUBLISHED, "2026-11-17") in claims
    # no listing-date column: the dealing day after the allotment results (Wed 18/11; 03321's
    # Thu 05/11)
    assert sorted(c for c in claims if c[1] == stages.LISTED) == [
        ("02688", stages.LISTED, "2026-11-19"), ("03321", stages.LISTED, "2026-11-06")]  # fmt: skip
    filings = listing_filings(huaxin.docs, "https://www2.hkexnews.hk/x")
    assert {f.native_id for f in filings} == {
        "doc:2026111000011",
        "doc:2026111000035",
        "doc:2026111800422",
    }
    assert all(f.company == "華芯微電子股份有限公司" and f.stock_code == "02688" for f in filings)


def test_new_listing_quiet_board_and_listing_date_variant():
    assert page("new_listing_gem_en.html", "gem").rows == []
    # the documented five columns: no Listing Date; the dealing day follows the allotment results
    variant = page("new_listing_with_listing_date_en.html")
    rows = {r.stock_code: r for r in variant.rows}
    assert rows["02701"].listing_date is None
    assert len([d for d in rows["02701"].docs if d.report_type == "allotment_results"]) == 2
    claims = {
        (c.stock_code, c.stage): c.date
        for r in variant.rows
        for c in row_claims(r, date(2026, 12, 2))
    }
    assert claims[("02701", stages.LISTED)] == "2026-11-25"  # allotment results Tue 24/11
    assert claims[("02766", stages.LISTED)] == "2026-11-30"  # Fri 27/11 -> Mon 30/11
    assert ("02745", stages.LISTED) not in claims  # no allotment results yet
    early = {
        (c.stock_code, c.stage) for r in variant.rows for c in row_claims(r, date(2026, 11, 24))
    }
    assert ("02701", stages.LISTED) not in early  # the dealing day has not come


def test_new_listing_page_errors():
    url = "https://www2.hkexnews.hk/New-Listings/New-Listing-Information/Main-Board"
    with pytest.raises(TableMissing):
        parse_new_listing_page(b"<html><body><h1>Maintenance</h1></body></html>", url)
    with pytest.raises(ChallengePage):
        parse_new_listing_page("<html><title>访问验证</title></html>".encode(), url)
    with pytest.raises(BadPayload):
        parse_new_listing_page(b"   ", url)
    cut = (LST / "new_listing_main_board_en.html").read_bytes()[:1500]
    with pytest.raises(BadPayload):
        parse_new_listing_page(cut, url)


def test_title_search_servlet_json_is_json_in_a_string():
    url = BASE + "/search/titleSearchServlet.do?t2code=30700"
    result = parse_title_search_json(
        (LST / "titlesearch_servlet_30700.json").read_bytes(), url, BASE
    )
    assert result.record_count == 3 and not result.has_next
    docs = {d.stock_code: d for d in result.docs}
    assert docs["02733"].title == "全球發售" and docs["02733"].name == "瀚海存儲"
    assert (docs["02733"].date, docs["02733"].time) == ("2026-11-20", "06:30")
    assert docs["02733"].report_type == "prospectus" and docs["02733"].key == "2026112000077"
    assert docs["02701"].url == BASE + "/listedco/listconews/sehk/2026/1117/2026111700040_c.pdf"
    empty = parse_title_search_json(
        b'{"result":"null","hasNextRow":false,"recordCnt":0}', url, BASE
    )
    assert empty.docs == []
    with pytest.raises(BadPayload):
        parse_title_search_json(b'{"result":"[{\\"FILE_LINK\\": ', url, BASE)
    with pytest.raises(BadPayload):
        parse_title_search_json(b"<html><body>Error</body></html>", url, BASE)


def test_title_search_html_form_result():
    url = BASE + "/search/titlesearch.xhtml?lang=zh"
    result = parse_title_search_html((LST / "titlesearch_form_30700.html").read_bytes(), url, BASE)
    assert result.record_count == 3
    docs = {d.stock_code: d for d in result.docs}
    assert (
        docs["06690"].name == "港灣之光－Ｂ"
        and docs["06690"].headline == "上市文件 - [發售以供認購]"
    )
    assert docs["06690"].raw["file_info"] == "6MB" and docs["06690"].date == "2026-11-19"
    servlet = parse_title_search_json(
        (LST / "titlesearch_servlet_30700.json").read_bytes(), url, BASE
    )
    assert {d.key for d in result.docs} == {d.key for d in servlet.docs}  # same documents
    none = parse_title_search_html((LST / "titlesearch_form_no_match.html").read_bytes(), url, BASE)
    assert none.docs == []
    with pytest.raises(TableMissing):
        parse_title_search_html(b"<html><body>Session expired</body></html>", url, BASE)


def test_latest_announcements_keep_only_new_listing_documents():
    url = BASE + "/ncms/json/eds/lcisehk1relsdc_1.json"
    docs = parse_latest_json(
        (LST / "lcisehk1relsdc_1.json").read_bytes(), url, BASE, date(2026, 11, 20)
    )
    kept = {(d.stock_code, d.report_type) for d in docs}
    assert kept == {
        ("02733", "prospectus"),
        ("02688", "allotment_results"),
        ("02701", "prospectus"),
    }
    claims = {(c.stock_code, c.stage) for c in doc_claims(docs)}
    assert ("02688", stages.ALLOTMENT_RESULTS) in claims


def test_listing_document_classification():
    assert classify_listing_doc("全球發售") == ("prospectus", stages.PROSPECTUS_PUBLISHED)
    assert classify_listing_doc("GLOBAL OFFERING") == ("prospectus", stages.PROSPECTUS_PUBLISHED)
    assert (
        classify_listing_doc("ANNOUNCEMENT OF OFFER PRICE AND ALLOTMENT RESULTS")[0]
        == "allotment_results"
    )
    assert classify_listing_doc("供股章程", "上市文件 - [供股]") is None
    assert classify_listing_doc("RESULTS OF THE RIGHTS ISSUE AND ALLOTMENT RESULTS") is None
    assert classify_listing_doc("上市文件", "上市文件 - [介紹]")[0] == "listing_document"
    assert classify_listing_doc("年度業績公告", "公告及通告 - [末期業績]") is None


def test_real_listing_samples(shared_sources):
    hk = shared_sources / "hkex"
    nl = parse_new_listing_page(
        (
            hk / "new_listing_information_mainboard_2026-07-07_constructed-from-real.html"
        ).read_bytes(),
        "https://www2.hkexnews.hk/New-Listings/New-Listing-Information/Main-Board",
    )
    rows = {r.stock_code: r for r in nl.rows}
    assert nl.updated == "2026-07-07" and len(rows) == 7
    assert rows["02475"].name_en == "Luxshare Precision Industry Co., Ltd."
    assert {d.report_type for d in rows["02475"].docs} == {"new_listing_announcement", "prospectus"}
    assert [d.date for d in rows["02667"].docs] == ["2026-07-06"]
    ts = parse_title_search_json((hk / "titleSearchServlet_response-reconstructed.json").read_bytes(),
                                 BASE + "/search/titleSearchServlet.do", BASE, ipo_query=False)  # fmt: skip
    assert ts.docs == []  # an annual report is not a listing document
    ts = parse_title_search_json((hk / "titleSearchServlet_response-reconstructed.json").read_bytes(),
                                 BASE + "/search/titleSearchServlet.do", BASE)  # fmt: skip
    assert ts.docs[0].stock_code == "01522" and ts.docs[0].date == "2025-04-29"
    html = parse_title_search_html((hk / "titlesearch_xhtml_result_rows-reconstructed.html").read_bytes(),
                                   BASE + "/search/titlesearch.xhtml", BASE)  # fmt: skip
    assert html.record_count == 15 and html.docs[0].stock_code == "09999"
    assert html.docs[0].key == "ltn20240115001" and html.docs[0].report_type == "prospectus"
    latest = parse_latest_json((hk / "lcisehk_latest_announcements-reconstructed.json").read_bytes(),
                               BASE + "/ncms/json/eds/lcisehk1relsdc_1.json", BASE)  # fmt: skip
    assert latest[0].stock_code == "06082" and latest[0].stage == stages.PROSPECTUS_PUBLISHED


def test_chinese_header_variants_are_matched_and_unknown_headers_are_loud():
    url = "https://www2.hkexnews.hk/New-Listings/New-Listing-Information/Main-Board?sc_lang=zh-HK"
    variant = parse_new_listing_page(
        (LST / "new_listing_zh_variant_headers.html").read_bytes(), url
    )
    assert variant.lang == "zh"
    (row,) = variant.rows
    assert (row.stock_code, row.name) == ("02701", "北京極光智算科技股份有限公司")
    assert sorted(d.report_type for d in row.docs) == [
        "allotment_results", "new_listing_announcement", "prospectus"]  # fmt: skip
    with pytest.raises(TableMissing, match="暗盤交易"):
        parse_new_listing_page((LST / "new_listing_unknown_header_zh.html").read_bytes(), url)


def test_being_in_the_phip_file_alone_is_the_phip_stage():
    """hasPhip false and no PHIP document: the file the applicant is in says PHIP."""
    body = (
        '{"genDate":"1795162500000","uDate":"20/11/2026","app":[{"id":109001,"d":"18/11/2026",'
        '"a":"深圳星河算力科技股份有限公司","s":"A","hasPhip":false,"ls":[{"d":"02/05/2026",'
        '"nF":"申請版本（第一次呈交）","nS1":"全文檔案",'
        '"u1":"sehk/2026/109001/documents/sehk26050200101_c.pdf"}],"ps":[]}]}'
    ).encode()
    name = "appactive_appphip_sehk_c.json"
    (app,) = merge_index([parse_index_file(body, EDS + name)])
    assert app.phip_doc is None and not app.has_phip
    assert app.stage == stages.HK_PHIP


def test_index_filings_are_every_applicants_filings_in_order():
    apps = list(index().values())
    assert [f.native_id for f in index_filings(apps, BASE, BASE + "/app/")] == [
        f.native_id for a in apps for f in applicant_filings(a, BASE, BASE + "/app/")
    ]


def test_the_merge_leaves_the_garbage_collector_as_it_found_it():
    """merge_index and index_filings pause the cyclic collector while they build records."""
    files = [load(p.name) for p in sorted(APP.glob("*.json"))]
    assert gc.isenabled()
    apps = merge_index(files)
    index_filings(apps, BASE, BASE + "/app/")
    assert gc.isenabled()
    with pytest.raises(BadPayload):
        merge_index([*files, "not an index file"])  # an error inside: still restored
    assert gc.isenabled()
    gc.disable()
    try:
        merge_index(files)
        assert not gc.isenabled()  # paused by someone else: stays paused
    finally:
        gc.enable()
