"""The outbox: rows written with their events, delivered through apprise to real receivers, once."""

import json
import threading
import time

import pytest

from alerts.config import settings
from alerts.delivery import Deliverer
from alerts.outbox import OutboxSink
from alerts.receivers import MailSink, free_port
from scraper import config, ingest
from scraper.core.records import Filing
from scraper.db import connection as dbconn

COMPANIES = [
    "超聚变数字技术股份有限公司",
    "上海燧原科技股份有限公司",
    "北京星河智算科技股份有限公司",
]


def make_cfg(tmp_path, channels: dict[str, str], watch: str = "", alerts: str = ""):
    text = [
        f'[database]\npath = "{tmp_path / "fw.db"}"',
        f"[alerts]\nretry_base = 0.05\nretry_max = 0.2\n{alerts}",
    ]
    for name, url in channels.items():
        text.append(f'[[channels]]\nname = "{name}"\nurl = "{url}"')
    text.append(
        watch
        or f'[[watch]]\nname = "hw"\nsectors = ["ai_server", "chips"]\nchannels = {json.dumps(list(channels))}'
    )
    path = tmp_path / "config.toml"
    path.write_text("\n".join(text) + "\n", encoding="utf-8")
    return config.load(path)


def filing(company, n=0, status="tutoring", **kw):
    return Filing(source="csrcfd", native_id=f"{company}-{n}", company=company, kind="tutoring_report",
                  title=f"关于{company}辅导备案报告", report_type="filing_report", status=status,
                  status_raw="辅导备案", company_stage=status, broker="中信证券股份有限公司",
                  regulator="河南证监局", event_date="2026-01-05", disclosed_date="2026-01-06", **kw)  # fmt: skip


def record(cfg, filings, baseline=False):
    db = dbconn.open_db(cfg.db_path)
    result = ingest.write_filings(
        db, filings, ingest.WriteContext(baseline=baseline), sink=OutboxSink(cfg)
    )
    db.conn.close()
    return result


def outbox(cfg, cols="status, channel, attempts"):
    db = dbconn.open_db(cfg.db_path)
    rows = db.execute(f"SELECT {cols} FROM outbox ORDER BY id").fetchall()
    db.conn.close()
    return rows


def deliverer(cfg):
    return Deliverer(dbconn.open_db(cfg.db_path), settings(cfg))


def test_outbox_rows_commit_with_their_events_and_sectors_land_on_companies(tmp_path, hook):
    cfg = make_cfg(tmp_path, {"hook": hook.url()})
    record(cfg, [filing(c) for c in COMPANIES[:1]], baseline=True)  # history: no alert
    assert outbox(cfg) == []
    record(cfg, [filing(COMPANIES[1]), filing("苏州精工新材料股份有限公司")])
    # one stage event + one document event for 燧原: one row; 精工新材料 is in no watched sector
    assert outbox(cfg, "kind, rule, channel, json_extract(payload, '$.company')") == [
        ("event", "hw", "hook", COMPANIES[1])
    ]
    record(
        cfg, [filing(COMPANIES[1]), filing("苏州精工新材料股份有限公司")]
    )  # re-crawl: nothing new
    assert len(outbox(cfg)) == 1
    db = dbconn.open_db(cfg.db_path)
    row = db.execute(
        "SELECT name_en, sectors, sector_reasons FROM companies WHERE name = ?", [COMPANIES[1]]
    ).fetchone()
    assert row[0] == "Enflame" and json.loads(row[1]) == ["ai_server", "chips"]
    assert json.loads(row[2])[0]["by"] == "company"

    # a hook failure later in the same transaction rolls the outbox rows back with the events
    def outbox_then_boom(db_, events, ctx):
        OutboxSink(cfg)(db_, events, ctx)
        boom(db_, events, ctx)

    with pytest.raises(RuntimeError):
        ingest.write_filings(
            db, [filing(COMPANIES[2])], ingest.WriteContext(), sink=outbox_then_boom
        )
    assert db.execute("SELECT count(*) FROM outbox").fetchone()[0] == 1
    assert (
        db.execute("SELECT count(*) FROM events WHERE company = ?", [COMPANIES[2]]).fetchone()[0]
        == 0
    )


def boom(db, events, ctx):
    raise RuntimeError("crash after the outbox hook")


def test_failing_webhook_is_retried_and_delivered_exactly_once(tmp_path, hook):
    cfg = make_cfg(tmp_path, {"hook": hook.url()})
    record(cfg, [filing(COMPANIES[0])])
    hook.fail_next = 2
    d = deliverer(cfg)
    first = d.deliver_due()
    assert first.failed == 1 and "500" in first.errors[0]
    assert outbox(cfg, "status, attempts, last_error IS NOT NULL") == [("pending", 1, 1)]
    clock = time.time()  # the deliverer's clock: each round a second later, past any back-off
    for step in range(1, 20):
        if outbox(cfg)[0][0] == "sent":
            break
        d.deliver_due(now=clock + step)
    for step in range(20, 25):  # more rounds send nothing more
        d.deliver_due(now=clock + step)
    assert len(hook.refused) == 2 and len(hook.messages()) == 1
    assert "超聚变数字技术股份有限公司 (xFusion)" in hook.messages()[0]["title"]
    db = dbconn.open_db(cfg.db_path)
    assert db.execute("SELECT attempt, ok FROM alert_attempts ORDER BY id").fetchall() == [
        (1, 0),
        (2, 0),
        (3, 1),
    ]


def test_smtp_down_then_up_delivers_once_and_a_healthy_channel_is_not_held_back(tmp_path, hook):
    port = free_port()
    sink = MailSink(tmp_path / "mail", port=port)
    mail_url = f"mailto://127.0.0.1:{port}?from=fw@localhost&to=me@localhost&mode=insecure"
    cfg = make_cfg(tmp_path, {"mail": mail_url, "hook": hook.url()})
    record(cfg, [filing(COMPANIES[0])])
    d = deliverer(cfg)
    report = d.deliver_due()
    assert report.sent == 1 and report.failed == 1  # the webhook went; SMTP is down
    assert outbox(cfg) == [("pending", "mail", 1), ("sent", "hook", 1)]
    sink.start()  # the mail server comes back
    try:
        clock = time.time()  # each round a second later on the deliverer's clock
        for step in range(1, 20):
            if sink.files():
                break
            d.deliver_due(now=clock + step)
        for _ in range(3):
            d.deliver_due()
        (mail,) = sink.messages()
        assert (
            "超聚变" in mail["subject"]
            and "中信证券" in mail["body"]
            and "河南证监局" in mail["body"]
        )
        assert len(hook.messages()) == 1 and [r[0] for r in outbox(cfg)] == ["sent", "sent"]
    finally:
        sink.stop()


def test_digest_batches_events_and_caps_each_message(tmp_path, hook):
    watch = '[[watch]]\nname = "daily"\nsectors = ["ai_server", "chips"]\nchannels = ["hook"]\ndigest = "1h"\nmax_per_message = 2\n'
    cfg = make_cfg(tmp_path, {"hook": hook.url()}, watch)
    record(cfg, [filing(c) for c in COMPANIES[:2]])
    record(cfg, [filing(COMPANIES[2])])  # a later batch joins the same window
    d = deliverer(cfg)
    assert d.deliver_due().messages == 0  # the window is still open
    due = outbox(cfg, "DISTINCT due_at")
    assert len(due) == 1 and due[0][0] > time.time() + 3500
    report = d.deliver_due(now=time.time() + 3601)
    assert report.sent == 3 and report.messages == 2
    titles = [m["title"] for m in hook.messages()]
    assert titles == [
        "filingwatch：2 条新动态（daily）",
        f"{COMPANIES[2]} — 辅导备案",
    ]  # oldest first
    bodies = "\n".join(m["message"] for m in hook.messages())
    assert all(c in bodies for c in COMPANIES)


def test_two_deliverers_never_send_a_row_twice(tmp_path, hook):
    cfg = make_cfg(tmp_path, {"hook": hook.url()})
    record(cfg, [filing(f"第{i}芯片科技股份有限公司") for i in range(12)])
    a, b = deliverer(cfg), deliverer(cfg)

    def loop(d):
        for _ in range(20):
            d.deliver_due()

    threads = [threading.Thread(target=loop, args=(d,)) for d in (a, b)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    companies = [m["title"].split(" — ")[0] for m in hook.messages()]
    assert len(companies) == 12 and len(set(companies)) == 12


def test_an_expired_claim_is_sent_again_and_the_stale_mark_is_refused(tmp_path, hook):
    """A crash after claiming (before sending) leaves the row to a later deliverer, sent once."""
    cfg = make_cfg(tmp_path, {"hook": hook.url()}, alerts="lease = 30")
    record(cfg, [filing(COMPANIES[0])])
    crashed = deliverer(cfg)
    (message,) = crashed.claim()  # claimed, then the process "dies" before sending
    later = deliverer(cfg)
    assert later.deliver_due().messages == 0  # the claim still holds
    assert later.deliver_due(now=time.time() + 31).messages == 1
    crashed.mark(message, True, None, 0.0)  # a zombie's late mark changes nothing
    # attempts count real sends: the crashed claim never sent
    assert outbox(cfg, "status, attempts") == [("sent", 1)] and len(hook.messages()) == 1
    # ... nor does a late failure report: a 'sent' row never goes back to pending
    crashed.mark(message, False, "timed out", 30.0)
    assert outbox(cfg, "status, attempts") == [("sent", 1)]
    assert deliverer(cfg).deliver_due(now=time.time() + 3600).messages == 0
    assert len(hook.messages()) == 1


def test_alerts_cli_test_pending_and_history(tmp_path, hook, cli):
    cfg = make_cfg(tmp_path, {"hook": hook.url(), "broken": "json://127.0.0.1:9/none"})
    path = cfg.path
    out = cli("alerts", "test", "--config", path, "--channel", "hook", check=True).stdout
    assert out.startswith("ok") and "json://127.0.0.1" in out
    assert hook.messages()[0]["title"] == "filingwatch 测试消息"
    bad = cli("alerts", "test", "--config", path)
    assert bad.returncode == 1 and "FAILED broken" in bad.stdout
    record(cfg, [filing(COMPANIES[0])])
    pending = cli("alerts", "pending", "--config", path, "--format", "json", check=True).stdout
    assert {r["channel"] for r in json.loads(pending)} == {"hook", "broken"}
    deliverer(cfg).deliver_due()
    history = json.loads(
        cli("alerts", "history", "--config", path, "--format", "json", check=True).stdout
    )
    assert [(r["channel"], r["company"], r["stage"]) for r in history] == [
        ("hook", COMPANIES[0], "tutoring")
    ]
