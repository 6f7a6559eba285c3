"""Real crawls of hkex_app and hkex_listings against the replay server."""

import json
import sqlite3

import pytest
from scrapy.settings import Settings

pytestmark = pytest.mark.slow

SOURCES = ("hkex_app", "hkex_listings")
NO_DELAY = "title_search_delay = 0"


def crawl(cli, cfg, source, *args):
    return cli("crawl", source, "--config", str(cfg), *args)


def q(cfg, sql, params=()):
    with sqlite3.connect(cfg.parent / "filingwatch.db") as conn:
        return conn.execute(sql, params).fetchall()


@pytest.fixture
def cfg(make_config, replay):
    path = make_config(replay.base_url, sources=SOURCES)
    text = path.read_text("utf-8").replace(
        "[sources.hkex_listings]", f"[sources.hkex_listings]\n{NO_DELAY}"
    )
    path.write_text(text, "utf-8")
    return path


def paths(replay, site):
    return [e["path"] for e in replay.requests(site)]


def problems(cfg):
    sql = "SELECT problems FROM source_runs ORDER BY id DESC LIMIT 1"
    return json.loads(q(cfg, sql)[0][0] or "[]")


def test_app_index_crawl_then_steady_state_is_one_request_per_status_file(replay, cfg, cli):
    first = crawl(cli, cfg, "hkex_app")
    assert first.returncode == 0, first.stdout + first.stderr[-3000:]
    assert "health=ok pages=1 requests=20 rows=18 new=18" in first.stdout
    assert q(cfg, "SELECT count(*) FROM hkex_applicants") == [(10,)]
    assert q(cfg, "SELECT count(*) FROM events WHERE baseline = 0") == [(0,)]
    assert q(cfg, "SELECT name FROM hkex_files WHERE outcome = 'missing' ORDER BY name") == [
        ("appactive_appphip_gem_c.json",), ("appactive_appphip_gem_e.json",),
        ("appreturned_gem_c.json",), ("appreturned_gem_e.json",)]  # fmt: skip
    assert problems(cfg) == []  # a 404 for a missing combination is normal

    replay.clear_log()
    second = crawl(cli, cfg, "hkex_app")
    assert second.returncode == 0 and "new=0 updated=0 events=0" in second.stdout
    requested = paths(replay, "hkex_app")
    assert len(requested) == 20 and len(set(requested)) == 20
    assert all(p.startswith("/ncms/json/eds/app") for p in requested)
    log = replay.requests("hkex_app")[0]
    assert log["headers"]["referer"].endswith("/app/appindex.html")


def test_phip_after_the_hearing_is_an_alertable_event_dated_from_ls(replay, cfg, cli):
    assert crawl(cli, cfg, "hkex_app").returncode == 0
    replay.site("hkex_app").control("move", {"id": 108801, "to": "appactive_appphip",
                                             "phip_date": "2026-11-24", "u_date": "2026-11-25"})  # fmt: skip
    run = crawl(cli, cfg, "hkex_app")
    assert run.returncode == 0 and "new=1" in run.stdout
    assert q(cfg, "SELECT stage, old_stage, event_date, company FROM events WHERE kind = 'stage'"
                  " AND source = 'hkex_app' AND baseline = 0") == [
        ("hk_phip", "hk_application_filed", "2026-11-24", "蘇州靈犀機器人科技股份有限公司")]  # fmt: skip
    replay.site("hkex_app").control("add", {"id": 108900, "name_c": "杭州數境智能科技股份有限公司",
                                            "name_en": "Hangzhou Shujing Intelligent Technology Co., Ltd.",
                                            "ap_date": "2026-11-24"})  # fmt: skip
    run = crawl(cli, cfg, "hkex_app")
    assert q(cfg, "SELECT stage, event_date FROM events WHERE kind = 'stage' AND baseline = 0"
                  " AND dedupe_key LIKE 'hkex_app:stage:sehk:108900:%'") == [("hk_application_filed", "2026-11-24")]  # fmt: skip


@pytest.mark.parametrize("fault", ["truncate", "html_error", "empty", "reset", "challenge"])
def test_broken_status_file_is_a_source_error_and_lapses_nobody(replay, cfg, cli, fault):
    assert crawl(cli, cfg, "hkex_app").returncode == 0
    site = replay.site("hkex_app")
    site.control("move", {"id": 108801, "to": "appinactive"})
    site.control("move", {"id": 108805, "to": "appinactive"})
    replay.add_fault(fault, site="hkex_app", path=r"appinactive_sehk_[ce]\.json")
    run = crawl(cli, cfg, "hkex_app")
    assert run.returncode == 1 and "health=unhealthy" in run.stdout
    kinds = {p["kind"] for p in problems(cfg)}
    expected = {"truncate": "bad_payload", "html_error": "bad_payload", "empty": "bad_payload",
                "reset": "network_error", "challenge": "challenge_page"}[fault]  # fmt: skip
    assert kinds == {expected}
    assert q(cfg, "SELECT DISTINCT stage, present FROM hkex_applicants WHERE app_id IN (108801, 108805)") == [
        ("hk_application_filed", 1)]  # fmt: skip
    assert q(
        cfg, "SELECT outcome, records FROM hkex_files WHERE name = 'appinactive_sehk_c.json'"
    ) == [("error", 1)]
    if fault != "reset":
        assert list((cfg.parent / "broken" / "hkex_app").glob("*.body"))
    if fault == "truncate":  # once the file loads again, the move is seen
        replay.clear_faults()
        assert crawl(cli, cfg, "hkex_app").returncode == 0
        assert q(cfg, "SELECT DISTINCT stage FROM hkex_applicants WHERE app_id IN (108801, 108805)") == [
            ("hk_lapsed",)]  # fmt: skip


def test_listings_crawl_links_documents_to_the_applicants(replay, cfg, cli):
    assert crawl(cli, cfg, "hkex_app").returncode == 0
    run = crawl(cli, cfg, "hkex_listings")
    assert run.returncode == 0, run.stdout + run.stderr[-3000:]
    assert "health=ok pages=7 requests=9" in run.stdout
    requested = paths(replay, "hkex_listings")
    assert requested[:4] == ["/New-Listings/New-Listing-Information/Main-Board"] * 2 + [
        "/New-Listings/New-Listing-Information/GEM"] * 2  # fmt: skip
    assert requested.count("/search/titleSearchServlet.do") == 4
    servlet = [e for e in replay.requests("hkex_listings") if e["path"].endswith("Servlet.do")]
    assert {e["query"]["t2code"][0] for e in servlet} == {"30500", "30600", "30700", "31000"}
    assert all(e["headers"].get("x-requested-with") == "XMLHttpRequest" for e in servlet)
    # one document seen on three pages is one filing
    assert q(cfg, "SELECT count(*) FROM filings WHERE native_id = 'doc:2026111700040'") == [(1,)]
    aurora = q(cfg, "SELECT company_id FROM hkex_applicants WHERE app_id = 108820")[0][0]
    assert q(cfg, "SELECT company_id, stage FROM hkex_new_listings WHERE stock_code = '02701'") == [
        (aurora, "prospectus_published")]  # fmt: skip
    huaxin = q(cfg, "SELECT company_id FROM hkex_applicants WHERE app_id = 107200")[0][0]
    assert q(cfg, "SELECT stage, event_date FROM events WHERE source = 'hkex_listings' AND kind = 'stage'"
                  " AND company_id = ? ORDER BY event_date", [huaxin]) == [
        ("prospectus_published", "2026-11-10"), ("allotment_results", "2026-11-18"),
        ("listed", "2026-11-19")]  # fmt: skip  # dealing day after the allotment results
    assert q(
        cfg, "SELECT count(*) FROM filings WHERE source = 'hkex_listings' AND stock_code = '01234'"
    ) == [(0,)]
    second = crawl(cli, cfg, "hkex_listings")
    assert second.returncode == 0 and "new=0 updated=0 events=0" in second.stdout


def test_retired_servlet_falls_back_to_the_form(replay, cfg, cli):
    replay.site("hkex_listings").control("retire_servlet", {"on": True})
    run = crawl(cli, cfg, "hkex_listings")
    assert run.returncode == 0, run.stdout
    assert {p["kind"] for p in problems(cfg)} == {"servlet_unavailable"}  # warnings only
    forms = [e for e in replay.requests("hkex_listings") if e["method"] == "POST"]
    assert sorted(e["form"]["t2code"] for e in forms) == ["30500", "30600", "30700", "31000"]
    assert q(cfg, "SELECT json_extract(raw, '$.endpoint') FROM filings"
                  " WHERE native_id = 'doc:2026112000077'") == [("titlesearch.xhtml",)]  # fmt: skip
    assert q(cfg, "SELECT count(*) FROM filings WHERE stock_code = '06690'") == [(2,)]


@pytest.mark.parametrize("fault", ["challenge", "reset", "empty"])
def test_blocked_title_search_is_an_alerted_error_and_the_form_still_runs(replay, cfg, cli, fault):
    replay.add_fault(fault, site="hkex_listings", path="titleSearchServlet")
    run = crawl(cli, cfg, "hkex_listings")
    assert run.returncode == 1 and "health=unhealthy" in run.stdout
    expected = {"challenge": "challenge_page", "reset": "network_error", "empty": "bad_payload"}[
        fault
    ]
    assert {p["kind"] for p in problems(cfg)} == {expected}
    assert len([e for e in replay.requests("hkex_listings") if e["method"] == "POST"]) == 4
    assert q(cfg, "SELECT count(*) FROM filings WHERE native_id = 'doc:2026112000077'") == [(1,)]


def test_title_search_pages_with_load_more_at_most_one_request_per_delay(replay, make_config, cli):
    site = replay.site("hkex_listings")
    for n in range(130):
        site.control("publish", {"code": "30600", "doc": {
            "NEWS_ID": str(13000000 + n), "STOCK_NAME": "發售測試", "TITLE": "全球發售",
            "DATE_TIME": "18/11/2026 07:00", "STOCK_CODE": "02790",
            "FILE_LINK": f"/listedco/listconews/sehk/2026/1118/2026111800{n:03d}_c.pdf"}})  # fmt: skip
    cfg = make_config(replay.base_url, sources=("hkex_listings",),
                      source_extra='title_search_delay = 0.4\nboards = ""\nlatest_files = ""')  # fmt: skip
    run = crawl(cli, cfg, "hkex_listings")
    assert run.returncode == 0, run.stdout
    servlet = [e for e in replay.requests("hkex_listings") if e["path"].endswith("Servlet.do")]
    asked = [(e["query"]["t2code"][0], e["query"]["rowRange"][0]) for e in servlet]
    assert asked == [
        ("30500", "100"),
        ("30600", "100"),
        ("30600", "200"),
        ("30700", "100"),
        ("31000", "100"),
    ]
    assert q(cfg, "SELECT count(*) FROM filings WHERE stock_code = '02790'") == [(130,)]
    gaps = [b["time"] - a["time"] for a, b in zip(servlet, servlet[1:], strict=False)]
    assert min(gaps) >= 0.35, gaps  # the hkex-titlesearch download slot keeps them apart


def test_download_handler_is_swappable_per_source(tmp_path):
    from spiders.hkex_app import HkexAppSpider
    from spiders.hkex_listings import HkexListingsSpider

    path = tmp_path / "config.toml"
    path.write_text('[sources.hkex_app]\ndownload_handler = "my.pkg.ImpersonateHandler"\n'
                    "[sources.hkex_listings]\ntitle_search_delay = 1.5\n", "utf-8")  # fmt: skip
    s = Settings({"FILINGWATCH_CONFIG": str(path)})
    HkexAppSpider.update_settings(s)
    assert s.getdict("DOWNLOAD_HANDLERS")["https"] == "my.pkg.ImpersonateHandler"
    s2 = Settings({"FILINGWATCH_CONFIG": str(path)})
    HkexListingsSpider.update_settings(s2)
    assert "https" not in s2.getdict("DOWNLOAD_HANDLERS")
    assert s2.getdict("DOWNLOAD_SLOTS")["hkex-titlesearch"]["delay"] == 1.5
