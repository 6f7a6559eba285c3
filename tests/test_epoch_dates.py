"""Epoch milliseconds to a Shanghai or Hong Kong day: the integer path (UTC+8 years) gives what
the zone database gives, on both sides of every span edge."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scraper.core import timeutil
from scraper.core.timeutil import HONG_KONG, SHANGHAI, epoch_ms_to_date, epoch_ms_to_local


def by_zone(ms: int, tz: ZoneInfo) -> str:
    return epoch_ms_to_local(ms, tz).date().isoformat()


@settings(max_examples=500, derandomize=True)
@given(
    st.integers(min_value=-(10**12), max_value=5 * 10**12), st.sampled_from([SHANGHAI, HONG_KONG])
)
def test_the_day_is_the_zone_databases_day(ms, tz):
    assert timeutil._epoch_date.__wrapped__(ms, tz) == by_zone(ms, tz)


@pytest.mark.parametrize("tz", [SHANGHAI, HONG_KONG])
def test_span_edges(tz):
    start, end = timeutil._plus_eight_span(tz)
    assert start < end
    for ms in (start - 1, start, end - 1, end, start + 16 * 3_600_000 - 1, start + 16 * 3_600_000):
        assert timeutil._epoch_date.__wrapped__(ms, tz) == by_zone(ms, tz)


def test_daylight_saving_years_take_the_zone_path():
    # 1991-07-01 12:00 in Shanghai was UTC+9 (daylight saving), before the integer span
    ms = int(datetime(1991, 7, 1, 12, tzinfo=SHANGHAI).timestamp() * 1000)
    assert ms < timeutil._plus_eight_span(SHANGHAI)[0]
    assert epoch_ms_to_date(ms) == "1991-07-01"
    late_evening = int(datetime(1991, 7, 1, 23, 30, tzinfo=SHANGHAI).timestamp() * 1000)
    assert epoch_ms_to_date(late_evening) == "1991-07-01"  # +8 arithmetic would say 07-01 too
    just_after = int(datetime(1991, 7, 2, 0, 30, tzinfo=SHANGHAI).timestamp() * 1000)
    assert epoch_ms_to_date(just_after) == "1991-07-02"  # +8 arithmetic would say 07-01


def test_a_zone_that_is_not_utc_plus_eight_has_no_span():
    assert timeutil._plus_eight_span(ZoneInfo("Europe/Berlin")) == (0, 0)
