"""Facts from generated report PDFs: both layouts, the date and period wordings, distractors;
pdf_text's declared errors for every kind of bad file."""

import pdfgen
import pytest

from scraper.parsers import pdf_text
from scraper.parsers import tutoring_report as tr


def facts_of(pdf: bytes, kind: str = "filing_report") -> tr.ReportFacts:
    return tr.parse(kind, pdf_text.extract(pdf).pages)


@pytest.mark.parametrize("layout", ["table", "prose"])
def test_filing_report_layouts_yield_every_field(layout):
    out = facts_of(pdfgen.filing_report(layout=layout))
    f = {k: v.value for k, v in out.facts.items()}
    assert out.missing == []
    assert f["agreement_date"] == "2025-12-31"
    assert (f["tutoring_start"], f["tutoring_end"], f["tutoring_months"]) == (
        "2026-01",
        "2026-04",
        "4",
    )
    assert f["established_date"] == "2021-11-18"
    assert f["registered_capital"] == "人民币10,000万元"
    assert f["legal_representative"] == "刘宏云"
    assert f["province"] == "河南" and f["address"].startswith("河南省郑州市")
    assert f["controlling_shareholder"] == "河南超聚能科技有限公司，持股比例35.12%"
    assert f["industry"] == "C39 计算机、通信和其他电子设备制造业" and f["industry_code"] == "C39"
    assert f["main_business"].startswith("服务器、存储、数据中心") and f["main_business"].endswith(
        "销售"
    )
    assert f["law_firm"] == "北京市金杜律师事务所"
    assert f["accounting_firm"] == "天职国际会计师事务所（特殊普通合伙）"
    assert all(v.page == 1 for v in out.facts.values())


def test_table_labels_wrap_inside_cells_and_read_row_by_row():
    # the label cell 控股股东及持股比例 wraps; the extractor must keep label beside its value
    text = "\n".join(pdf_text.extract(pdfgen.filing_report()).pages)
    assert "控股股东及\n持股比例\n河南超聚能" in text


@pytest.mark.parametrize(
    "sign, expected",
    [("2025年12月31日", "2025-12-31"), ("2025-12-31", "2025-12-31"),
     ("二〇二五年十二月三十一日", "2025-12-31"), ("2025年3月5日", "2025-03-05")],
)  # fmt: skip
def test_agreement_date_wordings(sign, expected):
    facts = dict(pdfgen.XFUSION, 辅导协议签署时间=sign)
    assert facts_of(pdfgen.filing_report(facts)).facts["agreement_date"].value == expected


@pytest.mark.parametrize(
    "text, start, end, months",
    [("辅导期：自2026年1月起至2026年4月止。", "2026-01", "2026-04", "4"),
     ("本次辅导时间为2026年1月至4月，共计4个月。", "2026-01", "2026-04", "4"),
     ("根据辅导计划，辅导期预计自2026年1月开始至2026年5月结束。", "2026-01", "2026-05", "5"),
     ("辅导期自2025年11月1日起至2026年2月28日止。", "2025-11", "2026-02", "4"),
     ("本次辅导期间为二〇二六年一月至二〇二六年六月。", "2026-01", "2026-06", "6"),
     ("辅导计划：2025年12月至3月开展辅导工作。", "2025-12", "2026-03", "4")],
)  # fmt: skip
def test_period_wordings(text, start, end, months):
    f = facts_of(pdfgen.filing_report(period_text=text)).facts
    assert (f["tutoring_start"].value, f["tutoring_end"].value) == (start, end)
    assert f["tutoring_months"].value == months


def test_months_only_period():
    f = facts_of(pdfgen.filing_report(period_text="本次辅导期预计共计6个月。")).facts
    assert "tutoring_start" not in f and f["tutoring_period"].value == "6个月"


def test_distractor_dates_are_not_the_agreement_date():
    facts = {k: v for k, v in pdfgen.XFUSION.items() if k != "辅导协议签署时间"}
    out = facts_of(pdfgen.filing_report(facts, period_text="备案时间：2026年1月6日。"))
    assert "agreement_date" not in out.facts  # 成立日期, report date, 备案时间 all present
    assert "agreement_date" in out.missing and "tutoring_period" in out.missing


def test_missing_fields_stay_empty_and_counted():
    out = facts_of(pdfgen.generic_report())
    assert out.facts == {}
    assert len(out.missing) == 12


def test_progress_completion_and_hkex_proof():
    p = facts_of(pdfgen.progress_report("某某股份有限公司", 2, "组织董事、监事和高级管理人员学习法规。"),
                 "progress_report").facts  # fmt: skip
    assert p["period_no"].value == "2" and p["work_done"].value.startswith("组织董事")
    c = facts_of(pdfgen.completion_report("某某股份有限公司", "2026年6月30日"), "completion_report")
    assert c.facts["completion_date"].value == "2026-06-30"
    ap = facts_of(pdfgen.hkex_proof("某某科技股份有限公司", ["中信證券（香港）有限公司"],
                                    "人工智能軟件", "我們是一家人工智能公司。"),
                  "application_proof")  # fmt: skip
    assert ap.facts["sponsors"].value == "中信證券（香港）有限公司"
    assert ap.facts["industry"].value == "人工智能軟件" and ap.facts["business_summary"].page == 2
    loud = facts_of(pdfgen.generic_report(), "application_proof")
    assert loud.missing == ["sponsors", "industry", "business_summary"]


# ---------------------------------------------------------------- bad files


@pytest.mark.parametrize(
    "make, kind",
    [(pdfgen.truncated_pdf, "truncated_pdf"), (pdfgen.encrypted_pdf, "encrypted_pdf"),
     (pdfgen.html_error_page, "not_pdf"), (lambda: b"GIF89a....", "not_pdf"),
     (lambda: pdfgen.bomb_pdf(64), "decompression_bomb")],
)  # fmt: skip
def test_bad_files_raise_declared_errors(make, kind):
    with pytest.raises(pdf_text.DocumentError) as err:
        pdf_text.extract(make())
    assert err.value.kind == kind


def test_size_cap_pages_and_chars_are_bounded():
    data = pdfgen.filing_report(pad_pages=3)
    with pytest.raises(pdf_text.OversizePdf):
        pdf_text.extract(data, max_bytes=len(data) - 1)
    out = pdf_text.extract(data, max_pages=2)
    assert out.page_count > 2 and len(out.pages) == 2 and out.clipped
    out = pdf_text.extract(data, max_chars=100)
    assert out.chars == 100 and out.clipped


def test_scan_has_no_text_layer():
    out = pdf_text.extract(pdfgen.scanned_pdf())
    assert not out.has_text_layer and out.page_count == 1


def test_scan_is_counted_and_optional_ocr_reads_it():
    from scraper import ocr

    scan = pdfgen.scanned_report(scale=2.0)
    plain = tr.read_document("x", "u", "filing_report", scan)
    assert plain.status == "scan" and plain.facts == {}  # off by default: counted, no facts
    if not ocr.available():
        pytest.skip("optional extra: tesseract-ocr + tesseract-ocr-chi-sim not installed")
    doc = tr.read_document("x", "u", "filing_report", scan, ocr=ocr.ocr_pdf)
    assert doc.status == "ocr"
    assert doc.facts["agreement_date"].value == "2025-12-31"
    assert doc.facts["tutoring_period"].value == "2026-01 至 2026-04（4个月）"
    assert doc.facts["legal_representative"].value == "刘宏云"
