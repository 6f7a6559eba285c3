"""The replay server: sites' own paths and methods, fault switches, control API, captures."""

import json
import urllib.error
import urllib.request

import pytest

from scraper.capture import capture_url
from scraper.replay import ReplayServer


def fetch(url, data=None, method=None):
    req = urllib.request.Request(url, data=data, method=method)
    if data is not None:
        req.add_header("Content-Type", "application/x-www-form-urlencoded")
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, r.headers.get("Content-Type"), r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers.get("Content-Type"), e.read()


def control(replay, path, payload=None, method="POST"):
    data = json.dumps(payload or {}).encode() if payload is not None else None
    return json.loads(fetch(f"{replay.base_url}/_replay/{path}", data=data, method=method)[2])


def test_serves_fixture_pages_at_site_paths(replay):
    status, ctype, body = fetch(f"{replay.base_url}/csrcfd/index.html")
    assert status == 200 and "charset=utf-8" in ctype and "m-table2" in body.decode()
    status, ctype, body = fetch(f"{replay.base_url}/csrcfd/index_3.html")
    assert "gbk" in ctype.lower() and "郑州" in body.decode("gbk")
    assert fetch(f"{replay.base_url}/csrcfd/index_9.html")[0] == 404
    assert fetch(f"{replay.base_url}/nowhere")[0] == 404


def test_post_form_pages_need_post(replay):
    assert fetch(f"{replay.base_url}/csrcfd/index_1_f.html")[0] == 405
    status, _, body = fetch(
        f"{replay.base_url}/csrcfd/index_1_f.html", data="keyWord=芯源".encode()
    )
    assert status == 200 and body.decode().count("<tr") == 3


def test_faults_over_http_with_count(replay):
    control(replay, "faults", {"kind": "status", "site": "csrcfd", "status": 503, "count": 1})
    assert fetch(f"{replay.base_url}/csrcfd/index.html")[0] == 503
    assert fetch(f"{replay.base_url}/csrcfd/index.html")[0] == 200
    control(replay, "faults", {"kind": "challenge403", "site": "csrcfd"})
    status, _, body = fetch(f"{replay.base_url}/csrcfd/index.html")
    assert status == 403 and "访问验证" in body.decode()
    control(replay, "faults", method="DELETE")
    assert fetch(f"{replay.base_url}/csrcfd/index.html")[0] == 200


@pytest.mark.parametrize("kind", ["gbk", "empty", "truncate", "html_error"])
def test_body_faults(replay, kind):
    clean = fetch(f"{replay.base_url}/csrcfd/index.html")[2]
    replay.add_fault(kind, site="csrcfd", count=1)
    status, ctype, body = fetch(f"{replay.base_url}/csrcfd/index.html")
    assert status == 200 and body != clean
    if kind == "gbk":
        assert "GBK" in ctype and "超" not in body.decode("utf-8", "ignore")
        assert body.decode("gbk").count("<tr") == clean.decode().count("<tr")


def test_request_log_records_method_form_and_headers(replay):
    fetch(f"{replay.base_url}/csrcfd/index_1_f.html", data=b"keyWord=x&isfilter=true")
    entry = control(replay, "log", method="GET")[-1]
    assert entry["method"] == "POST" and entry["form"] == {"keyWord": "x", "isfilter": "true"}


def test_publish_and_generate(replay):
    control(
        replay, "csrcfd/publish", {"company": "测试芯片股份有限公司", "filing_date": "2026-11-20"}
    )
    assert "测试芯片股份有限公司" in fetch(f"{replay.base_url}/csrcfd/index.html")[2].decode()
    info = control(replay, "csrcfd/generate", {"rows": 500, "per_page": 211})
    assert info == {"ok": True, "rows": 500, "pages": 3}
    assert "共<b>3</b>页" in fetch(f"{replay.base_url}/csrcfd/index_3.html")[2].decode()


def test_captured_responses_are_served_again(replay, tmp_path):
    saved = capture_url(f"{replay.base_url}/csrcfd/index_2.html", "csrcfd", tmp_path)
    meta = json.loads(saved.with_suffix(".json").read_text("utf-8"))
    assert meta["status"] == 200 and meta["url"].endswith("index_2.html")
    with ReplayServer(port=0, captured=[tmp_path]) as other:
        other.site("csrcfd").control("generate", {"rows": 10})  # the fixture copy would differ now
        status, _, body = fetch(f"{other.base_url}/csrcfd/index_2.html")
        assert status == 200 and body == saved.read_bytes()
