"""Every exchange status code maps to the one stage vocabulary; unknown codes are kept, not guessed."""

from __future__ import annotations

import pytest

from scraper.core import stages as st
from scraper.parsers import bse, sse, szse

SSE_EXPECTED = {
    "1": st.ACCEPTED, "2": st.INQUIRED, "3": None, "3-1": st.COMMITTEE_PASSED,
    "3-2": st.COMMITTEE_PASSED, "3-3": st.COMMITTEE_FAILED, "3-6": st.COMMITTEE_DEFERRED,
    "4": st.SUBMITTED_FOR_REGISTRATION, "5": None, "5-1": st.REGISTERED,
    "5-2": st.REGISTRATION_REFUSED, "5-3": st.REGISTRATION_TERMINATED, "6": st.ISSUED,
    "7": st.SUSPENDED, "7-1": st.SUSPENDED, "7-2": st.SUSPENDED, "8": st.TERMINATED,
    "9": None, "9-4": st.COMMITTEE_PASSED, "9-5": st.COMMITTEE_FAILED,
    "10": st.SUPPLEMENTARY_REVIEW,
}  # fmt: skip
SZSE_EXPECTED = {
    "20": st.ACCEPTED, "30": st.INQUIRED, "40": None, "44": st.COMMITTEE_FAILED,
    "45": st.COMMITTEE_PASSED, "46": st.COMMITTEE_DEFERRED, "54": st.COMMITTEE_FAILED,
    "56": st.COMMITTEE_PASSED, "60": st.SUBMITTED_FOR_REGISTRATION, "70": st.REGISTERED,
    "74": st.REGISTRATION_REFUSED, "76": st.REGISTRATION_TERMINATED,
    "78": st.SUPPLEMENTARY_REVIEW, "80": st.SUSPENDED, "90": st.TERMINATED, "94": st.TERMINATED,
    "95": st.TERMINATED, "终止": st.TERMINATED,
}  # fmt: skip
BSE_EXPECTED = {
    "P01": st.ACCEPTED, "P02": st.INQUIRED, "P03": st.COMMITTEE_PASSED,
    "P04": st.COMMITTEE_FAILED, "P05": st.COMMITTEE_DEFERRED,
    "P06": st.SUBMITTED_FOR_REGISTRATION, "P07": st.REGISTERED, "P07-1": st.REGISTERED,
    "P07-2": st.REGISTERED, "P09": st.SUSPENDED, "P10": st.TERMINATED,
}  # fmt: skip


@pytest.mark.parametrize(
    "module,expected",
    [(sse, SSE_EXPECTED), (szse, SZSE_EXPECTED), (bse, BSE_EXPECTED)],
    ids=["sse", "szse", "bse"],
)
def test_every_code_in_the_table_maps_as_documented(module, expected):
    assert set(module.STATUS_MAP) == set(expected)
    for code, stage in expected.items():
        mapped, label, _detail, known = module.map_status(code)
        assert (mapped, known) == (stage, True), code
        assert label
        assert stage is None or stage in st.ALL_STAGES


@pytest.mark.parametrize(
    "module,code", [(sse, "11"), (sse, "3-4"), (szse, "57"), (szse, "55"), (bse, "P11")]
)
def test_unknown_codes_are_kept_verbatim_and_marked_unknown(module, code):
    stage, label, _detail, known = module.map_status(code)
    assert (stage, label, known) == (bse.norm_code(code) if module is bse else code, None, False)


def test_sse_code_joins_the_sub_result_of_its_status():
    assert sse.status_code(5, "", 1, "") == "5-1"
    assert sse.status_code(3, 6, "", "") == "3-6"
    assert sse.status_code(7, "", "", 2) == "7-2"
    assert sse.status_code(9, 4, "", "") == "9-4"
    assert sse.status_code(2, 1, 1, 1) == "2"  # sub-fields of other statuses are ignored
    assert sse.status_code("8", "", "", "") == "8"


def test_sse_published_tables_that_are_wrong_are_not_followed():
    # RSSHub would call currStatus 5 "提交注册" and FastAPI 7 "终止": the real data says otherwise.
    assert sse.map_status("5-1")[0] == st.REGISTERED
    assert sse.map_status("4")[0] == st.SUBMITTED_FOR_REGISTRATION
    assert sse.map_status("7")[0] == st.SUSPENDED
    assert sse.map_status("6")[0] == st.ISSUED


def test_szse_76_is_termination_of_registration_not_supplementary_review():
    assert szse.map_status("76")[:2] == (st.REGISTRATION_TERMINATED, "终止注册")
    assert szse.map_status("78")[0] == st.SUPPLEMENTARY_REVIEW


def test_szse_terminations_carry_their_kind():
    assert szse.map_status("90")[2] == "rejected"
    assert szse.map_status("94")[2] == "lapsed"
    assert szse.map_status("95")[2] == "withdrawn"


@pytest.mark.parametrize("raw", ["P07", "p07", "P07-1", "p07-2", "P07-2"])
def test_bse_p07_variants_all_mean_registered(raw):
    assert bse.map_status(raw)[0] == st.REGISTERED


def test_bse_case_and_the_po6_typo_are_normalised():
    assert bse.norm_code(" p01 ") == "P01"
    assert bse.norm_code("po6") == "P06"
    assert bse.map_status("p09")[0] == st.SUSPENDED


def test_bse_p08_is_ambiguous_until_documents_say_which_way():
    stage, label, _d, known = bse.map_status("P08")
    assert stage is None and known and "不予注册" in label and "核准" in label
    refused = ["关于不予注册上海某某股份有限公司向不特定合格投资者公开发行股票申请的决定"]
    approved = ["关于同意北京某某股份有限公司向不特定合格投资者公开发行股票注册的批复"]
    assert bse.resolve_registration(refused) == st.REGISTRATION_REFUSED
    assert bse.resolve_registration(approved) == st.REGISTERED
    assert bse.resolve_registration(["关于核准某某股份有限公司公开发行股票的批复"]) == st.REGISTERED
    assert bse.resolve_registration(["关于不同意某某公司注册的决定"]) == st.REGISTRATION_REFUSED
    assert bse.resolve_registration(["某某:审核问询函的回复"]) is None


def test_supplementary_review_is_a_known_stage_near_registration():
    assert st.SUPPLEMENTARY_REVIEW in st.ALL_STAGES
    assert st.ORDER[st.SUPPLEMENTARY_REVIEW] == st.ORDER[st.SUBMITTED_FOR_REGISTRATION]
    assert st.LABELS_ZH[st.SUPPLEMENTARY_REVIEW] == "补充审核"
