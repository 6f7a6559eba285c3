"""The inputs issue 16 names: each raises a declared page error, never lxml's ParserError, a
ValueError on NUL, a TypeError/AttributeError on a value of an unexpected type, or RecursionError."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scraper.parsers import eastmoney, hkex_listings, sse_notices, szse_notices
from scraper.parsers.common import BadPayload, html_document, load_json

FIX = Path(__file__).parent / "fixtures"
URL = "https://example.invalid/x"


@pytest.mark.parametrize(
    "body",
    ["[" * 100_000, '{"a":' * 5000 + "1" + "}" * 5000, "[1," * 5000 + "1" + "]" * 5000,
     "cb(" + "[" * 70 + "]" * 70 + ")", '{"x": ' + "[1," * 100 + "1" + "]" * 100 + "}",
     '{"x": [' + '{"a":' * 80 + "1" + "}" * 80 + "]}"],
)  # fmt: skip
def test_json_nested_past_the_limit_is_bad_payload(body):
    with pytest.raises(BadPayload, match="nested deeper"):
        load_json(body, URL)


def test_json_within_the_limit_loads():
    assert load_json("[" * 60 + "]" * 60, URL) is not None


@pytest.mark.parametrize(
    "body", [b"", b"   \n", b"\x00\x00", b"<html>\x00<body>x</body></html>"[:14]]
)
def test_empty_or_nul_html_is_bad_payload(body):
    with pytest.raises(BadPayload):
        html_document(body, URL)


def test_nul_and_control_characters_inside_a_whole_page_are_dropped():
    doc = html_document(b"<html><body><p>a\x00b\x0bc</p></body></html>", URL)
    assert doc.xpath("string(//p)") == "abc"


@pytest.mark.parametrize("parse", [sse_notices.parse_list, szse_notices.parse_notice_list,
                                   hkex_listings.parse_new_listing_page])  # fmt: skip
def test_html_list_parsers_on_an_empty_body(parse):
    with pytest.raises(BadPayload):
        parse(b"", URL)


def _ann(**change):
    data = json.loads((FIX / "szse_notices" / "annList_1.json").read_text("utf-8"))
    data["data"][0].update(change)
    return json.dumps(data, ensure_ascii=False).encode()


@pytest.mark.parametrize(
    "body",
    [
        b'{"announceCount": 2, "data": ["a string", ["a", "list"]]}',
        _ann(publishTime={"time": 1}),
        _ann(attachPath=["/a.PDF"]),
        _ann(title=["首次公开发行"]),
    ],
)
def test_szse_ann_list_items_of_unexpected_types(body):
    with pytest.raises(BadPayload):
        szse_notices.parse_ann_list(body, URL)


@pytest.mark.parametrize(
    "body",
    [
        b'{"newsInfoLst": ["x", 1, null]}',
        b'{"newsInfoLst": [{"title": ["\\u5168\\u7403\\u767c\\u552e"], "stock": "02701",'
        b' "relTime": {"a": 1}, "webPath": ["/x.pdf"]}]}',
        b'{"newsInfoLst": {"a": 1}}',
    ],
)
def test_hkex_latest_announcements_of_unexpected_types(body):
    try:
        docs = hkex_listings.parse_latest_json(body, URL, "https://www1.hkexnews.hk")
    except BadPayload:
        return
    assert docs == []


@pytest.mark.parametrize(
    "body",
    [
        b'{"result": {"data": ["x", [1]], "pages": 1, "count": 2}, "success": true}',
        b'{"result": {"data": [{"TUTOR_OBJECT": ["a"], "RECORD_DATE": {"x": 1}}],'
        b' "pages": "x", "count": []}, "success": true}',
        '{"result": {"data": [{"TUTOR_OBJECT": "甲股份有限公司",'.encode()
        + b' "TUTOR_ORG": ["x"]}], "pages": 1, "count": 1}, "success": true}',
        b'{"result": "nope", "success": true}',
    ],
)
def test_eastmoney_mirror_of_unexpected_types(body):
    try:
        page = eastmoney.parse_page(body, URL)
    except BadPayload:
        return
    assert all(isinstance(f.company, str) and "[" not in f.company for f in page.filings)
