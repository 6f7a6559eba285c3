"""Feeds, full-text search and the pipeline chart, from a database filled by the one write path.

Atom is checked against RFC 4287's rules (atom:feed/atom:entry must each have exactly one id,
title and updated; ids are IRIs; dates are RFC 3339; a feed without a feed-level author needs
one in every entry; a self link), JSON Feed against 1.1's required keys. Ids must stay the same
when a feed is regenerated, and each new event adds exactly one entry.
"""

from __future__ import annotations

import json
import re
from dataclasses import replace
from datetime import datetime

from lxml import etree

from alerts import feeds
from alerts.outbox import OutboxSink
from scraper import config as config_mod
from scraper import ingest, report, site
from scraper.core.records import PageBatch
from scraper.db import connection as dbconn
from scraper.db import migrations
from scraper.parsers.csrcfd import parse_list_page, to_filing
from scraper.resources import replay_dir

A = "{http://www.w3.org/2005/Atom}"
RFC3339 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$")
CONFIG = """
[[channels]]
name = "console"
url = "console://"
[[watch]]
name = "ai-hardware"
sectors = ["ai_server", "chips"]
channels = ["console"]
"""


def _filled_db(tmp_path, extra_rows: int = 0):
    """csrcfd's fixture page through ingest: the first write is baseline, then a new company."""
    db_line = f'[database]\npath = "{tmp_path / "fw.db"}"\n'
    (tmp_path / "config.toml").write_text(db_line + CONFIG, encoding="utf-8")
    cfg = config_mod.load(tmp_path / "config.toml")
    db = dbconn.open_db(cfg.db_path)
    url = "http://eid.csrc.gov.cn/csrcfd/index.html"
    page = parse_list_page((replay_dir() / "csrcfd" / "index.html").read_bytes(), url)
    filings = [to_filing(r, url) for r in page.records]
    sink = OutboxSink(cfg)
    ingest.ingest(
        db,
        PageBatch("csrcfd", url, 1, filings[1:]),
        ingest.WriteContext(run_id=1, baseline=True),
        sink,
    )
    ingest.ingest(
        db,
        PageBatch("csrcfd", url, 1, filings[:1]),
        ingest.WriteContext(run_id=2, baseline=False),
        sink,
    )
    return db, cfg, filings  # fmt: skip


def check_atom(body: bytes) -> list[str]:
    """RFC 4287 structure; returns the entry ids."""
    root = etree.fromstring(body)
    assert root.tag == f"{A}feed"

    def one(el, name):
        found = el.findall(f"{A}{name}")
        assert len(found) == 1, f"{el.tag} needs exactly one atom:{name}, has {len(found)}"
        assert (found[0].text or "").strip(), f"atom:{name} is empty"
        return found[0].text

    for name in ("id", "title", "updated"):
        one(root, name)
    assert RFC3339.match(one(root, "updated"))
    assert any(link.get("rel") == "self" and link.get("href") for link in root.findall(f"{A}link"))
    feed_author = root.find(f"{A}author/{A}name") is not None
    ids = []
    for entry in root.findall(f"{A}entry"):
        ids.append(one(entry, "id"))
        assert re.match(r"^[a-z][a-z0-9+.-]*:", ids[-1]), "atom:id must be an IRI"
        one(entry, "title")
        assert RFC3339.match(one(entry, "updated"))
        assert feed_author or entry.find(f"{A}author") is not None
        # no atom:content: then an alternate link is required (RFC 4287 4.1.1.1)
        if entry.find(f"{A}content") is None:
            assert any(
                link.get("rel", "alternate") == "alternate" for link in entry.findall(f"{A}link")
            )
    assert len(ids) == len(set(ids)), "duplicate entry ids"
    return ids


def check_json_feed(body: bytes) -> list[str]:
    data = json.loads(body)
    assert data["version"] == "https://jsonfeed.org/version/1.1"
    assert isinstance(data["title"], str) and data["title"]
    assert isinstance(data["items"], list)
    ids = []
    for item in data["items"]:
        assert isinstance(item["id"], str) and item["id"]
        assert item.get("content_text") or item.get("content_html")
        for key in ("date_published", "date_modified"):
            if key in item:
                datetime.fromisoformat(item[key])
        ids.append(item["id"])
    assert len(ids) == len(set(ids))
    return ids


def test_feeds_follow_the_specs_keep_ids_and_never_duplicate(tmp_path):
    db, _cfg, filings = _filled_db(tmp_path)
    all_atom = site.feed_body(db.conn, "all", "atom", "http://x")
    rule_atom = site.feed_body(db.conn, "rule/ai-hardware", "atom", "http://x")
    ids = check_atom(all_atom)
    assert len(ids) >= 1 and check_atom(rule_atom)
    assert check_json_feed(site.feed_body(db.conn, "all", "json", "http://x")) == ids
    company = db.conn.execute(
        "SELECT company_id FROM events WHERE baseline = 0 LIMIT 1"
    ).fetchone()[0]
    assert check_atom(site.feed_body(db.conn, f"company/{company}", "atom", "http://x"))

    # Regenerated: the same ids. The same page again: nothing new. A new filing: its events.
    assert check_atom(site.feed_body(db.conn, "all", "atom", "http://x")) == ids
    url = "http://eid.csrc.gov.cn/csrcfd/index.html"
    ingest.ingest(
        db, PageBatch("csrcfd", url, 1, filings[:1]), ingest.WriteContext(run_id=3, baseline=False)
    )
    assert check_atom(site.feed_body(db.conn, "all", "atom", "http://x")) == ids
    new = replace(filings[0], native_id="fw-new-1", company="新增芯片科技股份有限公司",
                  title="关于新增芯片科技股份有限公司首次公开发行股票并上市辅导备案报告",
                  pdf_url=(filings[0].pdf_url or "") + "?new")  # fmt: skip
    ingest.ingest(
        db, PageBatch("csrcfd", url, 1, [new]), ingest.WriteContext(run_id=4, baseline=False)
    )
    again = check_atom(site.feed_body(db.conn, "all", "atom", "http://x"))
    news = db.conn.execute("SELECT COUNT(*) FROM events WHERE baseline = 0").fetchone()[0]
    assert news > len(ids) and len(again) == news and set(ids) <= set(again)  # one entry per event


def test_feed_ids_come_from_the_dedupe_key_not_the_row_id(tmp_path):
    db, *_ = _filled_db(tmp_path)
    key = db.conn.execute("SELECT dedupe_key FROM events WHERE baseline = 0 LIMIT 1").fetchone()[0]
    assert feeds.entry_id(key) in check_atom(site.feed_body(db.conn, "all", "atom", "http://x"))


def test_trigram_search_finds_chinese_names_and_follows_updates(tmp_path):
    db, *_ = _filled_db(tmp_path)
    name = db.conn.execute("SELECT name FROM companies ORDER BY id LIMIT 1").fetchone()[0]
    part = name[2:6]

    def search(table, text):
        return db.conn.execute(f"SELECT rowid FROM {table}_fts WHERE {table}_fts MATCH ?",
                               [f'"{text}"']).fetchall()  # fmt: skip

    assert search("companies", part)
    assert search("filings", part)
    cid = db.conn.execute("SELECT id FROM companies WHERE name = ?", [name]).fetchone()[0]
    db.conn.execute("UPDATE companies SET name = '改名测试科技股份有限公司' WHERE id = ?", [cid])
    assert (cid,) in search("companies", "改名测试")
    assert (cid,) not in search("companies", part)
    db.conn.execute("INSERT INTO companies_fts(companies_fts) VALUES ('integrity-check')")


def test_fts_migration_fills_rows_that_existed_before_it(tmp_path):
    db = dbconn.open_db(tmp_path / "old.db", migrate=False)
    db.execute("CREATE TABLE _migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)")
    for name, apply in migrations.discover():
        if name >= "m0630":
            break
        apply(db)
        db.execute("INSERT INTO _migrations VALUES (?, '2026-11-01T00:00:00+08:00')", [name])
    db.execute("INSERT INTO companies (id, name, name_key, first_seen_at, updated_at)"
               " VALUES (7, '中原恒远装备股份有限公司', 'x', '2026', '2026')")  # fmt: skip
    db.conn.close()
    db = dbconn.open_db(tmp_path / "old.db")  # migrates forward
    rows = db.conn.execute(
        "SELECT rowid FROM companies_fts WHERE companies_fts MATCH '\"恒远装备\"'"
    )
    assert rows.fetchall() == [(7,)]
    db.conn.close()
    dbconn.open_db(tmp_path / "old.db").conn.close()  # re-running is a no-op


def test_pipeline_report_has_one_row_per_company_with_stage_bars(tmp_path):
    db, *_ = _filled_db(tmp_path)
    sector = next(iter(json.loads(s)[0] for (s,) in db.conn.execute(
        "SELECT sectors FROM companies WHERE sectors != '[]'")))  # fmt: skip
    rows = report.pipeline_rows(db.conn, sector)
    page = site.report_html(db.conn, sector)
    assert rows and page.count('class="stage ') == sum(len(r.steps) for r in rows)
    etree.fromstring(
        page[page.index("<svg") : page.index("</svg>") + 6].encode()
    )  # well-formed SVG


def test_metadata_links_home_to_reports_and_feeds(tmp_path):
    meta = site.metadata("fw", ["ai-hardware"])
    home = meta["description_html"]
    assert "/-/report/chips.html" in home and "/-/feeds/rule/ai-hardware.atom" in home
    queries = meta["databases"]["fw"]["queries"]
    assert {
        "pipeline_by_sector",
        "tutoring_this_week",
        "company_timeline",
        "sponsors_league_table",
    } <= set(queries)
    assert "{" not in queries["pipeline_by_sector"]["sql"]  # placeholders filled
