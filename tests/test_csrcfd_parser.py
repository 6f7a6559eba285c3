"""Every csrcfd parser rule, on fixture files (no network)."""

from pathlib import Path

import pytest

from scraper.parsers.common import BadPayload, ChallengePage, TableMissing, ZeroRows
from scraper.parsers.csrcfd import (
    company_from_title,
    disclosure_date,
    parse_list_page,
    pdf_url,
    report_period,
    to_filing,
)

FIX = Path(__file__).parent / "fixtures" / "csrcfd"
URL = "http://eid.csrc.gov.cn/csrcfd/index.html"


def page(name: str):
    return parse_list_page((FIX / name).read_bytes(), URL)


def by_title(records, needle):
    return next(r for r in records if needle in r.title)


def test_page_one_has_all_rows_and_pager():
    p = page("index.html")
    assert len(p.records) == 10
    assert p.total_pages == 3


def test_eight_columns_map_to_fields():
    r = page("index.html").records[0]
    assert r.company == "北京星河智算科技股份有限公司"
    assert r.broker == "中信证券股份有限公司"
    assert r.filing_date == "2026-09-20"
    assert r.status == "tutoring" and r.status_raw == "辅导备案"
    assert r.regulator == "北京证监局"
    assert r.report_type == "filing_report" and r.report_type_raw == "辅导备案报告"
    assert r.title.endswith(
        "首次公开发行股票并在科创板上市辅导备案报告"
    )  # full text from title attr
    assert r.board == "star"


def test_blank_company_cell_inherits_previous_company():
    records = page("index.html").records
    followers = [r for r in records if r.company_source == "inherited"]
    assert len(followers) == 3
    assert {r.company for r in followers} == {"上海芯源微电子股份有限公司"}


def test_visible_company_text_wins_over_title_repeating_report_name():
    r = page("index.html").records[1]
    assert r.raw["company_title"].startswith("关于")
    assert r.company == "上海芯源微电子股份有限公司" and r.company_source == "cell"


def test_company_cut_from_title_when_cell_holds_report_title():
    r = by_title(page("index.html").records, "苏州精工")
    assert r.company == "苏州精工新材料股份有限公司" and r.company_source == "title"
    assert r.period == 21 and r.board == "bse"


@pytest.mark.parametrize(
    "title, company",
    [
        ("关于上海壁仞科技股份有限公司首次公开发行股票并上市辅导备案报告", "上海壁仞科技股份有限公司"),
        ("开源证券股份有限公司关于某某科技股份有限公司向不特定合格投资者公开发行股票并在北京证券交易所上市辅导工作进展报告（第1期）",
         "某某科技股份有限公司"),
        ("关于甲乙科技股份有限公司辅导工作总结报告", "甲乙科技股份有限公司"),
        ("关于丙丁股份有限公司上市辅导备案报告", "丙丁股份有限公司"),
        ("无法识别的标题", None),
    ],
)  # fmt: skip
def test_company_from_title(title, company):
    assert company_from_title(title) == company


def test_onclick_on_tr_and_on_td():
    records = page("index.html").records
    on_td = by_title(records, "第二期辅导进展")
    on_tr = records[0]
    assert on_td.raw["onclick_on"] == "td" and on_tr.raw["onclick_on"] == "tr"
    assert on_td.pdf_path and on_tr.pdf_path
    assert by_title(records, "深圳光刻").pdf_path  # onclick on the company <td>


def test_pdf_url_is_host_plus_path_without_csrcfd_and_encoded():
    r = page("index.html").records[0]
    assert r.pdf_url.startswith("http://eid.csrc.gov.cn/mnt/storage/stock/pre_ipo/2026/9/22/")
    assert "/csrcfd/" not in r.pdf_url
    assert r.pdf_url.isascii() and "%E5%85%B3%E4%BA%8E" in r.pdf_url  # 关于, percent-encoded
    assert (
        pdf_url("http://h", "/a/已%20编码.pdf") == "http://h/a/%E5%B7%B2%20%E7%BC%96%E7%A0%81.pdf"
    )


def test_disclosure_date_from_path_and_batch_folder():
    assert (
        disclosure_date(
            "/mnt/storage/stock/pre_ipo/2024/9/12/PREIPO_F0101_V01_20240912_24081_Q/x.pdf"
        )
        == "2024-09-12"
    )
    assert disclosure_date("/mnt/storage/PREIPO_F0101_V01_20240915_24084_Q/ABC.PDF") == "2024-09-15"
    assert disclosure_date(None) is None


def test_hex_file_names_never_used_for_company_or_title():
    records = page("index_2.html").records
    hexed = [r for r in records if r.pdf_path.rsplit("/", 1)[1][:32].isalnum()]
    assert hexed, "fixture should hold hash-named PDFs"
    for r in records:
        assert r.company.endswith("有限公司")
        assert r.title.startswith("关于")
    assert any(r.pdf_path.endswith(".PDF") for r in records)


@pytest.mark.parametrize(
    "raw, status",
    [("辅导备案", "tutoring"), ("辅导验收", "tutoring_done"), ("辅导工作完成", "tutoring_done"),
     ("撤回辅导备案", "withdrawn"), ("终止辅导", "withdrawn")],
)  # fmt: skip
def test_status_vocabulary(raw, status):
    all_records = (
        page("index.html").records + page("index_2.html").records + page("index_3.html").records
    )
    matching = [r for r in all_records if r.status_raw == raw]
    assert matching and all(r.status == status and not r.flags for r in matching)


def test_unknown_status_kept_verbatim_and_flagged():
    r = by_title(page("index.html").records, "南京微光")
    assert r.status == "辅导暂停" and "unknown_status" in r.flags
    assert r.period == 5  # full-width （第５期）


@pytest.mark.parametrize(
    "title, period",
    [("…辅导工作进展报告（第3期）", 3), ("…第二十一期辅导进展工作报告", 21), ("（第５期）", 5),
     ("辅导工作进展报告（第十期）", 10), ("辅导备案报告", None)],
)  # fmt: skip
def test_report_period_from_chinese_or_arabic_numerals(title, period):
    assert report_period(title) == period


def test_report_types_normalised():
    types = {
        r.report_type
        for p in ("index.html", "index_2.html", "index_3.html")
        for r in page(p).records
    }
    assert types == {"filing_report", "progress_report", "completion_report", "summary_report"}


def test_gbk_page_decodes_without_mojibake():
    p = page("index_3.html")
    assert (FIX / "index_3.html").read_bytes().decode("gbk")  # really GBK on disk
    assert p.records[0].company == "郑州中原数据服务股份有限公司"
    assert p.records[0].regulator == "河南证监局"


def test_utf8_bytes_with_gbk_header_still_decode():
    body = (FIX / "index.html").read_bytes()
    p = parse_list_page(body, URL, content_type="text/html; charset=GBK")
    assert p.records[0].company == "北京星河智算科技股份有限公司"


def test_filing_dates_accept_slashes():
    r = by_title(page("index.html").records, "杭州云帆")
    assert r.filing_date == "2026-04-18"


@pytest.mark.parametrize(
    "name, error",
    [
        ("challenge.html", ChallengePage),
        ("no_table.html", TableMissing),
        ("empty_table.html", ZeroRows),
    ],
)
def test_unusable_pages_raise_instead_of_returning_nothing(name, error):
    with pytest.raises(error):
        page(name)


def test_truncated_page_is_an_error_not_a_short_page():
    body = (FIX / "index.html").read_bytes()
    with pytest.raises(BadPayload):
        parse_list_page(body[: len(body) // 2], URL)


def test_to_filing_carries_company_stage_and_dates():
    r = page("index.html").records[0]
    f = to_filing(r, URL)
    assert f.source == "csrcfd" and f.native_id == r.native_id
    assert f.company_stage == "tutoring" and f.event_date == "2026-09-20"
    assert f.disclosed_date == "2026-09-22" and f.pdf_url == r.pdf_url


def test_native_ids_are_unique_and_stable():
    a = [
        r.native_id for p in ("index.html", "index_2.html", "index_3.html") for r in page(p).records
    ]
    b = [
        r.native_id for p in ("index.html", "index_2.html", "index_3.html") for r in page(p).records
    ]
    assert a == b and len(set(a)) == len(a)


def test_shared_reconstructed_sample_parses(shared_sources):
    body = (shared_sources / "csrc" / "csrcfd_list_page-reconstructed.html").read_bytes()
    p = parse_list_page(body, URL)
    assert [r.company for r in p.records] == [
        "上海壁仞科技股份有限公司",
        *["西安奕斯伟材料科技股份有限公司"] * 2,
    ]
    assert p.records[0].disclosed_date == "2024-09-12"
    assert p.records[2].period == 5 and p.records[2].status == "tutoring_done"
