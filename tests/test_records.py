"""The positional record helpers the parsers' hot loops use fill every field by its name."""

from __future__ import annotations

from scraper.core.records import Filing, document_filing


def test_document_filing_fills_the_fields_it_names():
    """A field inserted into Filing (or two swapped) shifts a positional call silently: every
    argument gets a distinct value here, so any shift lands a value in the wrong field."""
    args = dict(
        source="s", native_id="n", company="c", kind="k", title="t", report_type="r",
        broker="b", regulator="g", board="o", url="u", pdf_url="p", raw={"x": 1},
        flags=["f"], period=7, status="st", status_raw="sr", company_en="en", stock_code="00001",
    )  # fmt: skip
    made = document_filing(**{**args, "day": "2026-01-02"})
    expected = Filing(**args, event_date="2026-01-02", disclosed_date="2026-01-02")
    assert made == expected
    assert list(made.as_dict().items()) == list(expected.as_dict().items())  # order too


def test_document_filing_defaults_are_filings_defaults():
    made = document_filing("s", "n", "c", "k", "t", None, None, None, None, None, None, None, {})
    assert made == Filing(source="s", native_id="n", company="c", kind="k", title="t", raw={})
    assert made.flags == [] and made.flags is not document_filing(*"snckt", *[None] * 7, {}).flags


def test_field_orders_the_positional_calls_rely_on():
    """bse.documents builds Filing positionally, szse/bse project_from_item build Project
    positionally, szse._step / bse.timeline build
    StageStep positionally, hkex_app._add_doc / merge_index
    build Doc and Applicant positionally: a reordered or inserted field must fail here."""
    from dataclasses import fields

    from scraper.core.records import Project, StageStep
    from scraper.parsers.hkex_app import Applicant, Doc

    def names(cls):
        return [f.name for f in fields(cls)]

    assert names(Filing) == [
        "source", "native_id", "company", "kind", "title", "report_type", "period", "status",
        "status_raw", "company_stage", "stage_date", "broker", "regulator", "board",
        "event_date", "disclosed_date", "url", "pdf_url", "company_en", "stock_code", "flags",
        "raw",
    ]  # fmt: skip
    assert names(Project) == [
        "source", "native_id", "company", "board", "stage", "status_raw", "status_label",
        "company_short", "sponsors", "law_firm", "auditor", "valuer", "planned_raise",
        "industry_code", "industry", "province", "accepted_date", "updated", "stock_code", "url",
        "flags", "raw", "timeline", "current_date", "current_date_source",
    ]  # fmt: skip
    assert names(StageStep) == ["stage", "status_raw", "label", "date", "sort_key", "reason",
                                "detail", "known"]  # fmt: skip
    assert names(Doc) == ["key", "date", "type", "submission", "full", "nf_c", "ns1_c", "nf_e",
                          "ns1_e", "ns2", "u1_c", "u1_e", "u2_c", "u2_e", "date_raw"]  # fmt: skip
    assert names(Applicant) == ["board", "app_id", "status", "status_code", "name_c", "name_en",
                                "has_phip", "stock_code", "docs", "files", "u_date", "d",
                                "warning", "posting_date", "flags"]  # fmt: skip
