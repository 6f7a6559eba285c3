"""Property: every parser, fed any mutation of our fixtures, returns records or raises one of the
project's declared page errors (PageError) — never TypeError, AttributeError, lxml's
ParserError, ValueError or RecursionError (issue 16).

Mutations (hypothesis, derandomized so every run tries the same examples): byte flips,
truncations, inserted NUL/control bytes, an empty body, and for JSON fixtures a value somewhere
in the tree swapped for a value of another type (string <-> list <-> object <-> number <-> null,
deep nesting). Each parser runs EXAMPLES examples; the note of issue 16 lists what each survives.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scraper.core.records import Project
from scraper.parsers import (
    bse,
    cninfo,
    csrc_approvals,
    csrcfd,
    eastmoney,
    hkex_app,
    hkex_listings,
    sse,
    sse_notices,
    szse,
    szse_notices,
)
from scraper.parsers.common import PageError, unwrap_jsonp

FIX = Path(__file__).parent / "fixtures"
EXAMPLES = 200
FUZZ = settings(
    max_examples=EXAMPLES,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
URL = "https://example.invalid/page"
HK = "https://www1.hkexnews.hk"


def _project(source: str, native_id: str = "1") -> Project:
    return Project(source=source, native_id=native_id, company="甲股份有限公司", stage=None,
                   status_raw="", board=None)  # fmt: skip


# ---------------------------------------------------------------- what each parser is asked


def _sse_list(b):
    for p in sse.parse_list(b, URL).projects:
        assert isinstance(p.company, str)


def _sse_detail(b):
    project = _project("sse", "9001")
    sse.parse_detail(project, b, b, b, URL)
    rows, _ = sse.rows_of(b, URL)
    sse.documents(rows, project)


def _szse_list(b):
    szse.parse_list(b, URL)


def _szse_detail(b):
    szse.parse_detail(b, URL, project=_project("szse"))


def _bse_list(b):
    bse.parse_list(b, URL)


def _bse_detail(b):
    bse.parse_detail(b, URL, _project("bse"))


def _cninfo(b):
    cninfo.parse_query(b, URL)


def _csrc_approvals(b):
    page = csrc_approvals.parse_search_list(b, URL, base_url="http://www.csrc.gov.cn")
    for item in getattr(page, "items", []) or []:
        csrc_approvals.to_filing(item, URL, "http://www.csrc.gov.cn")


def _csrc_channel(b):
    csrc_approvals.channel_id_from_page(b, URL)


def _csrc_local(b):
    csrc_approvals.channel_id_from_local_list(b, "c105906", URL)


def _csrcfd(b):
    page = csrcfd.parse_list_page(b, "http://eid.csrc.gov.cn/csrcfd/index.html")
    for r in page.records:
        csrcfd.to_filing(r, URL)


def _eastmoney(b):
    page = eastmoney.parse_page(b, URL)
    for rec in getattr(page, "rows", []) or []:
        eastmoney.to_filing(rec, URL)


def _hkex_app(b):
    f = hkex_app.parse_index_file(b, HK + "/ncms/json/eds/appactive_appphip_sehk_c.json")
    for app in hkex_app.merge_index([f]):
        _ = app.stage
        hkex_app.applicant_filings(app, HK, URL)


def _hkex_new_listing(b):
    page = hkex_listings.parse_new_listing_page(b, URL + "/Main-Board")
    for row in hkex_listings.merge_new_listing_rows(page):
        hkex_listings.row_claims(row, date(2026, 12, 1))


def _hkex_title_json(b):
    hkex_listings.parse_title_search_json(b, URL, HK)


def _hkex_title_html(b):
    hkex_listings.parse_title_search_html(b, URL, HK)


def _hkex_latest(b):
    docs = hkex_listings.parse_latest_json(b, URL, HK, today=date(2026, 12, 1))
    hkex_listings.listing_filings(docs, URL)


def _sse_notice_list(b):
    sse_notices.parse_list(b, URL)


def _sse_notice(b):
    sse_notices.parse_notice(b, URL)


def _szse_ann(b):
    szse_notices.parse_ann_list(b, URL)


def _szse_notice_list(b):
    szse_notices.parse_notice_list(b, URL)


def _szse_notice(b):
    szse_notices.parse_notice(b, URL)


CASES: dict[str, tuple[Callable[[bytes], object], str]] = {
    "sse_list": (_sse_list, "sse/list_star_p2.jsonp"),
    "sse_detail": (_sse_detail, "sse/GP_GPZCZ_SHXXPL_9001.jsonp"),
    "sse_file_search": (_sse_detail, "sse/GP_COMMON_FILE_SEARCH_9004.jsonp"),
    "szse_list": (_szse_list, "szse/query_chinext_p0.json"),
    "szse_detail": (_szse_detail, "szse/details_2000101.json"),
    "bse_list": (_bse_list, "bse/infoResult_p0.jsonp"),
    "bse_detail": (_bse_detail, "bse/infoDetailResult_3001.jsonp"),
    "cninfo": (_cninfo, "cninfo/query_szse_1.json"),
    "csrc_approvals": (_csrc_approvals, "csrc_approvals/searchList_8f3f0d4be56b4f8aa8183b3234b88ede_1.json"),
    "csrc_channel": (_csrc_channel, "csrc_approvals/channel_c105906.shtml"),
    "csrc_local_list": (_csrc_local, "csrc_approvals/getLocalList_c105906.json"),
    "csrcfd": (_csrcfd, "csrcfd/index.html"),
    "eastmoney": (_eastmoney, "eastmoney_tutoring/tutrecord_1.json"),
    "hkex_app": (_hkex_app, "hkex_app/appactive_appphip_sehk_c.json"),
    "hkex_new_listing": (_hkex_new_listing, "hkex_listings/new_listing_main_board_zh.html"),
    "hkex_title_json": (_hkex_title_json, "hkex_listings/titlesearch_servlet_30700.json"),
    "hkex_title_html": (_hkex_title_html, "hkex_listings/titlesearch_form_30700.html"),
    "hkex_latest": (_hkex_latest, "hkex_listings/lcisehk1relsdc_1.json"),
    "sse_notice_list": (_sse_notice_list, "sse_notices/index.shtml"),
    "sse_notice": (_sse_notice, "sse_notices/c/c_20251020_10999001.shtml"),
    "szse_ann_list": (_szse_ann, "szse_notices/annList_1.json"),
    "szse_notice_list": (_szse_notice_list, "szse_notices/notice_index.html"),
    "szse_notice": (_szse_notice, "szse_notices/t20251023_619999.html"),
}  # fmt: skip


# ---------------------------------------------------------------- mutations

_JSONP_RE = re.compile(rb"^\s*([\w$.]+)\s*\(")
_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**40), 2**40) | st.floats(allow_nan=False)
    | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=6,
)  # fmt: skip


def _nodes(value, path=()):
    yield path
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _nodes(v, (*path, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _nodes(v, (*path, i))


def _replace(value, path, new):
    if not path:
        return new
    value[path[0]] = _replace(value[path[0]], path[1:], new)
    return value


@st.composite
def mutated(draw, original: bytes):
    """One mutation of a fixture's bytes."""
    kind = draw(st.sampled_from(["swap", "swap", "swap", "flip", "truncate", "controls",
                                 "empty", "deep"]))  # fmt: skip
    text = original
    head = _JSONP_RE.match(original)
    try:
        tree = json.loads(unwrap_jsonp(original.decode("utf-8")))
    except ValueError:
        tree = None
    if kind in ("swap", "deep") and tree is None:
        kind = "flip"
    if kind == "swap":
        paths = list(_nodes(tree))
        for _ in range(draw(st.integers(1, 3))):
            path = draw(st.sampled_from(paths))
            try:
                tree = _replace(tree, path, draw(_VALUES))
            except (KeyError, IndexError, TypeError):
                continue
            paths = list(_nodes(tree))
        text = json.dumps(tree, ensure_ascii=False).encode()
        return head[1] + b"(" + text + b")" if head else text
    if kind == "deep":
        depth = draw(st.sampled_from([70, 500, 5000]))
        opener = draw(st.sampled_from([b"[", b'{"a":', b"[1,"]))
        closer = b"]" if opener != b'{"a":' else b"}"
        return opener * depth + b"1" + closer * depth
    if kind == "flip":
        data = bytearray(original)
        for _ in range(draw(st.integers(1, 8))):
            data[draw(st.integers(0, len(data) - 1))] = draw(st.integers(0, 255))
        return bytes(data)
    if kind == "truncate":
        return original[: draw(st.integers(0, len(original) - 1))]
    if kind == "controls":
        data = bytearray(original)
        for _ in range(draw(st.integers(1, 4))):
            data.insert(draw(st.integers(0, len(data))), draw(st.sampled_from([0, 1, 8, 11, 27])))
        return bytes(data)
    return b""


@pytest.mark.parametrize("case", sorted(CASES))
def test_parser_raises_only_declared_page_errors(case):
    parse, fixture = CASES[case]
    original = (FIX / fixture).read_bytes()
    parse(original)  # the fixture itself parses

    @FUZZ
    @given(body=mutated(original))
    def check(body):
        try:
            parse(body)
        except PageError:
            pass

    check()
