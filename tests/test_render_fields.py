"""Plain-text fields read as words: board names, no empty brackets when a rule names no sector."""

from alerts import render

ITEM = {
    "kind": "change", "company": "苏州光刻新材料股份有限公司", "board": "star",
    "sectors": [{"name": "chips", "zh": "芯片/半导体", "en": "Chips"}], "why": [],
    "rule": "what-changed", "source": "sse",
}  # fmt: skip


def test_board_codes_are_shown_by_name_in_both_languages():
    title, body = render.render("event", [ITEM], "both")
    assert "板块：科创板" in body and "Board: STAR" in body
    assert "star" not in body.replace("STAR", "")


def test_a_sector_line_without_reasons_has_no_empty_brackets():
    _, body = render.render("event", [ITEM], "both")
    assert "行业：芯片/半导体\n" in body + "\n" and "（）" not in body
    assert "Sector: Chips\n" in body + "\n" and "()" not in body


def test_facts_are_printed_once_in_the_plain_text():
    from alerts import message

    item = {**ITEM, "kind": "stage", "stage": "tutoring",
            "facts": {"agreement_date": "2025-12-31", "province": "河南"},
            "facts_document": {"title": "辅导备案报告", "url": "http://x/a.pdf", "pages": "1"}}  # fmt: skip
    _, text = message.plain_text("event", [item], "both", None)
    assert text.count("2025-12-31") == 2  # once in Chinese, once in English
    assert text.count("省份：河南") == 1
