"""load_json decodes with msgspec first and json.loads where msgspec refuses: the two paths must
give the objects json.loads gives, and the depth guard must hold on bytes and on text."""

from __future__ import annotations

import json
import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scraper.parsers.common import BadPayload, load_json

URL = "https://example.invalid/x"

_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**30), max_value=10**30)  # past 64 bits: stays an exact int
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text()
)
_values = st.recursive(
    _scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)


@settings(max_examples=300, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(_values, st.booleans())
def test_every_json_value_decodes_as_json_loads_does(value, ascii_only):
    text = json.dumps({"data": value}, ensure_ascii=ascii_only)
    expected = json.loads(text)
    assert load_json(text, URL) == expected
    assert load_json(text.encode("utf-8", "surrogatepass"), URL) == expected
    assert load_json(f"cb({text});", URL) == expected


@pytest.mark.parametrize(
    "text", ['{"a": NaN}', '{"a": Infinity}', '{"a": -Infinity}', '{"a": 1e400}']
)
def test_what_only_the_stdlib_accepts_still_loads(text):
    value = load_json(text.encode(), URL)["a"]
    assert math.isnan(value) or math.isinf(value)


def test_a_lone_surrogate_escape_still_loads():
    assert load_json(b'{"a": "\\ud800x"}', URL) == {"a": "\ud800x"}


def test_big_integers_stay_exact():
    assert load_json(b'{"id": 123456789012345678901234567890}', URL) == {
        "id": 123456789012345678901234567890
    }


def test_gbk_bytes_take_the_text_path():
    body = '{"a": "中文"}'.encode("gbk")
    assert load_json(body, URL, "application/json; charset=gbk") == {"a": "中文"}


def test_duplicate_keys_keep_the_last_as_json_loads_does():
    assert load_json(b'{"a": 1, "a": 2}', URL) == {"a": 2}


@pytest.mark.parametrize("as_bytes", [False, True])
@pytest.mark.parametrize(
    "body",
    [
        # runs separated by whitespace or values are runs of the brackets
        '{"a": 1, "x": ' + "[ " * 70 + "1" + " ]" * 70 + "}",
        '{"a": 1, "x": ' + "[1, " * 70 + "1" + "] " * 70 + "}",
        '{"a": 1, "x": ' + '{"k": ' * 70 + "1" + " }" * 70 + "}",
        # an opening run at the start, with keys between the brackets
        '{"a": ' * 70 + "1" + "}" * 70,
    ],
)
def test_nesting_past_the_limit_is_refused_on_bytes_and_text(body, as_bytes):
    with pytest.raises(BadPayload, match="nested deeper"):
        load_json(body.encode() if as_bytes else body, URL)


@pytest.mark.parametrize("as_bytes", [False, True])
def test_many_brackets_that_do_not_nest_deep_load(as_bytes):
    body = json.dumps({"rows": [{"t": "[[[[[[[[ in a string ]]]]]]]]"} for _ in range(200)]})
    assert len(load_json(body.encode() if as_bytes else body, URL)["rows"]) == 200
