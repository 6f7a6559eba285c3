"""A database written before the one write path migrates forward: history and outbox kept."""

from __future__ import annotations

from scraper import ingest
from scraper.core import stages as st
from scraper.core.names import keys_for
from scraper.core.records import Filing
from scraper.db import connection as dbconn
from scraper.db import migrations
from scraper.db.companies import insert_aliases

NOW = "2026-11-01T10:00:00+08:00"


def old_db(path):
    """Schema as the last landed release left it (every migration before m0500), with rows."""
    db = dbconn.open_db(path, migrate=False)
    db.execute("CREATE TABLE _migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)")
    for name, apply in migrations.discover():
        if name >= "m0500":
            break
        apply(db)
        db.execute("INSERT INTO _migrations VALUES (?, ?)", [name, NOW])
    db.execute("INSERT INTO companies (id, name, name_key, first_seen_at, updated_at)"
               " VALUES (7, '中原恒远装备股份有限公司', '中原恒远装备股份有限公司', ?, ?)", [NOW, NOW])  # fmt: skip
    name = "中原恒远装备股份有限公司"
    insert_aliases(
        db.conn, [(7, kind, key, name, "new", None, NOW) for kind, key in keys_for(name).pairs()]
    )
    events = [
        ("csrcfd:stage:7:>tutoring", "csrcfd", st.TUTORING, "河南证监局"),
        ("csrcfd:stage:7:tutoring>withdrawn", "csrcfd", st.WITHDRAWN, "河南证监局"),
        ("hkex_app:sehk:108801:hk_application_filed", "hkex_app", st.HK_APPLICATION_FILED, "HKEX"),
        ("hkex_listings:02733:listed:2026", "hkex_listings", st.LISTED, "HKEX"),
        ("sse:stage:9001:1#1", "sse", st.ACCEPTED, "上交所"),
        ("timeline:stage:7:withdrawn>accepted", "timeline", st.ACCEPTED, "上交所"),
    ]
    for i, (key, source, stage, regulator) in enumerate(events, 1):
        db.execute("INSERT INTO events (id, created_at, source, kind, stage, company_id, company, title,"
                   " regulator, event_date, baseline, dedupe_key) VALUES (?, ?, ?, 'stage', ?, 7, 'x',"
                   " 't', ?, '2026-01-01', 0, ?)", [i, NOW, source, stage, regulator, key])  # fmt: skip
    db.execute("INSERT INTO outbox (dedupe_key, kind, rule, channel, event_id, payload, created_at,"
               " due_at) VALUES ('event:r:5:c', 'event', 'r', 'c', 5, '{}', ?, 0)", [NOW])  # fmt: skip
    for source, last_full, last_ok, running in (("csrcfd", NOW, NOW, None), ("sse", None, None, 3)):
        db.execute("INSERT INTO crawl_state (source, last_full_at, last_ok_at, in_progress_run)"
                   " VALUES (?, ?, ?, ?)", [source, last_full, last_ok, running])  # fmt: skip
    db.conn.close()


def test_old_database_migrates_forward(tmp_path):
    path = tmp_path / "old.db"
    old_db(path)
    db = dbconn.open_db(path)
    keys = [k for (k,) in db.execute("SELECT dedupe_key FROM events ORDER BY id").fetchall()]
    assert keys == [
        "csrcfd:stage:7:tutoring#1",
        "csrcfd:stage:7:withdrawn#1",
        "hkex_app:stage:sehk:108801:hk_application_filed#1",
        "hkex_listings:stage:02733:2026:listed#1",
        "sse:stage:9001:1#1",
        "timeline:stage:7:accepted#1",
    ]
    regs = {r for (r,) in db.execute("SELECT DISTINCT regulator FROM events").fetchall()}
    assert regs == {"河南证监局", "香港交易所", "上海证券交易所"}
    assert db.execute("SELECT count(*) FROM outbox").fetchone()[0] == 1  # the queue is kept
    done = dict(db.execute("SELECT source, baseline_done_at FROM crawl_state").fetchall())
    assert done == {"csrcfd": NOW, "sse": None}  # an unfinished first sweep stays baseline

    # the company files again after its withdrawal: the second tutoring is its own event
    again = Filing(source="csrcfd", native_id="n2", company="中原恒远装备股份有限公司",
                   kind="tutoring_report", title="辅导备案报告", report_type="filing_report",
                   status=st.TUTORING, company_stage=st.TUTORING, stage_date="2026-10-01")  # fmt: skip
    db.execute(
        "INSERT INTO company_status VALUES (7, 'csrcfd', 'withdrawn', '撤回', '2026-01-01', ?)",
        [NOW],
    )
    result = ingest.write_filings(db, [again], ingest.WriteContext())
    assert "csrcfd:stage:7:tutoring#2" in {e["dedupe_key"] for e in result.events}
