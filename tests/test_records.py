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
