"""Delivery that never repeats and never waits: per-row state, per-channel workers, timeouts.

Real apprise into real local HTTP receivers; outcomes are decided by events (a receiver's gate,
arrival counts), never by how long something took.
"""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import pytest
from helpers import wait_for

from alerts.config import settings
from alerts.delivery import Deliverer
from alerts.outbox import OutboxSink, enqueue_health
from alerts.receivers import WebhookReceiver
from scraper import config, ingest
from scraper.core.records import Filing
from scraper.db import connection as dbconn

pytestmark = pytest.mark.slow


def make_cfg(tmp_path, channels: dict[str, str], alerts: str = "", extra: str = ""):
    """channels: name -> url, or name -> (url, timeout)."""
    text = [f'[database]\npath = "{tmp_path / "fw.db"}"',
            f"[alerts]\nretry_base = 0.05\nretry_max = 0.2\n{alerts}"]  # fmt: skip
    for name, spec in channels.items():
        url, timeout = spec if isinstance(spec, tuple) else (spec, None)
        text.append(f'[[channels]]\nname = "{name}"\nurl = "{url}"'
                    + (f"\ntimeout = {timeout}" if timeout else ""))  # fmt: skip
    text.append('[[watch]]\nname = "hw"\nsectors = ["ai_server", "chips"]\n'
                f"channels = {json.dumps(list(channels))}\n{extra}")  # fmt: skip
    path = tmp_path / "config.toml"
    path.write_text("\n".join(text) + "\n", encoding="utf-8")
    return config.load(path)


def record(cfg, n: int, start: int = 0) -> None:
    db = dbconn.open_db(cfg.db_path)
    filings = [
        Filing(source="csrcfd", native_id=f"f-{i}", company=f"第{i}芯片科技股份有限公司",
               kind="tutoring_report", title=f"第{i}芯片科技股份有限公司辅导备案报告",
               report_type="filing_report", status="tutoring", status_raw="辅导备案",
               company_stage="tutoring", broker="中信证券股份有限公司", regulator="河南证监局",
               event_date="2026-01-05", disclosed_date="2026-01-06")
        for i in range(start, start + n)
    ]  # fmt: skip
    ingest.write_filings(db, filings, ingest.WriteContext(), sink=OutboxSink(cfg))
    db.conn.close()


def rows(cfg, cols: str = "status", where: str = "1") -> list[tuple]:
    db = dbconn.open_db(cfg.db_path)
    out = db.execute(f"SELECT {cols} FROM outbox WHERE {where} ORDER BY id").fetchall()
    db.conn.close()
    return out


def deliverer(cfg) -> Deliverer:
    return Deliverer(dbconn.open_db(cfg.db_path), settings(cfg))


def test_a_send_that_times_out_is_uncertain_and_not_sent_again_until_much_later(tmp_path):
    """The channel answers after our timeout: it got the alert once, and is not hammered."""
    gate = threading.Event()  # the receiver answers only when the test says so: after the timeout
    with WebhookReceiver(gate=gate) as slow:
        cfg = make_cfg(tmp_path, {"slow": (slow.url(), 0.5)}, alerts="uncertain_retry = 3600")
        record(cfg, 3)
        d = deliverer(cfg)
        try:
            for _ in range(4):  # several rounds, as the daemon would run them
                report = d.deliver_due()
                assert report.failed == 0
            assert [r[0] for r in rows(cfg)] == ["uncertain"] * 3
            assert len(slow.received) == 3 and len(set(slow.keys())) == 3  # each alert once
            # an hour later it goes again, with the same idempotency key the receiver saw first
            first_keys = slow.keys()
            gate.set()
            d.deliver_due(now=time.time() + 3601)
            assert slow.keys()[3:] == first_keys
            assert [r[0] for r in rows(cfg)] == ["sent"] * 3
            events = [e["headers"].get("x-filingwatch-event", "") for e in slow.received]
            assert all(e.startswith("event:hw:") for e in events)
        finally:
            gate.set()
            d.close()


def test_a_channel_timeout_above_its_latency_is_what_apprise_waits(tmp_path):
    """The channel's `timeout` key reaches apprise's socket read timeout (default 4 s)."""
    gate = threading.Event()
    with WebhookReceiver(gate=gate) as slow:
        cfg = make_cfg(tmp_path, {"slow": (slow.url(), 120)})
        record(cfg, 1)
        d = deliverer(cfg)
        assert d.senders.get("slow").app[0].socket_read_timeout == 120
        done = threading.Thread(target=d.deliver_due)
        done.start()
        assert slow.wait_for(1)
        gate.set()  # answers whenever it likes; we are still waiting
        done.join()
        assert rows(cfg) == [("sent",)] and len(slow.received) == 1


def test_a_hanging_channel_does_not_delay_another_channel(tmp_path):
    gate = threading.Event()
    with WebhookReceiver(gate=gate) as dead, WebhookReceiver() as fast:
        cfg = make_cfg(tmp_path, {"dead": (dead.url(), 300), "fast": fast.url()})
        record(cfg, 20)
        d = deliverer(cfg)
        t = threading.Thread(target=d.drain, kwargs={"timeout": 600})
        t.start()
        try:
            assert fast.wait_for(20)
            # every fast alert is in while the dead channel still holds its first request open
            assert dead.answered == 0 and len(dead.received) == 1
            # ... and marked sent, while that request is still open
            wait_for(lambda: len(rows(cfg, "id", "status = 'sent'")) == 20, what="fast rows sent")
            assert rows(cfg, "channel", "status = 'sent'") == [("fast",)] * 20
            assert dead.answered == 0
        finally:
            gate.set()
            t.join()
            d.close()


def test_ops_rows_go_before_queued_chat_rows_on_the_same_channel(tmp_path):
    with WebhookReceiver() as hook:
        cfg = make_cfg(tmp_path, {"hook": hook.url()}, alerts='ops_channels = ["hook"]')
        record(cfg, 5)
        db = dbconn.open_db(cfg.db_path)
        db.execute(
            "INSERT INTO incidents (id, source, kind, opened_at) VALUES (1, 'csrcfd', 'unhealthy', 'x')"
        )
        enqueue_health(db, 1, "open", ("hook",), {"source": "csrcfd", "detail": "down"})
        db.conn.close()
        d = deliverer(cfg)
        d.deliver_due()
        keys = [e["headers"].get("x-filingwatch-event") for e in hook.received]
        assert keys[0] == "health:1:open:hook" and len(keys) == 6


def test_each_message_is_marked_sent_before_the_next_is_sent(tmp_path):
    """The old batch mark: a crash after 5 of 10 answered POSTs re-sent all 10."""
    seen: list[int] = []
    with WebhookReceiver() as hook:
        cfg = make_cfg(tmp_path, {"hook": hook.url()})
        record(cfg, 6)
        d = deliverer(cfg)
        original = d.senders.get("hook").send

        def send_and_look(*args, **kwargs):  # at each send: how many rows are already marked
            seen.append(len(rows(cfg, "id", "status = 'sent'")))
            return original(*args, **kwargs)

        d.senders.get("hook").send = send_and_look
        d.deliver_due()
        assert seen == [0, 1, 2, 3, 4, 5]


def test_sigkill_of_a_real_deliverer_loses_nothing_and_repeats_at_most_one_per_kill(tmp_path):
    """The documented window: a kill while a request is on the wire repeats that one message.

    Four SIGKILLs of `filingwatch alerts deliver` at random moments while a slow receiver
    answers; uncertain rows are retried at once here (uncertain_retry = 0.05), the worst case.
    """
    from alerts.faults import kill_harness

    with WebhookReceiver(delay=0.15) as slow:
        cfg = make_cfg(tmp_path, {"slow": slow.url()}, alerts="uncertain_retry = 0.05")
        record(cfg, 30)
        report = kill_harness(Path(cfg.path), cfg.db_path, slow, kills=4, seed=11)
    assert report.kills >= 3  # the deliverer was running when killed
    assert report.unsent == 0 and report.lost == 0 and report.delivered == 30
    assert report.duplicates <= report.kills, report


def test_a_long_write_elsewhere_delays_marks_but_never_loses_them(tmp_path, caplog):
    """'database is locked' past the busy timeout: the deliverer retries its commit, no crash."""
    import logging
    import sqlite3

    with WebhookReceiver() as hook:
        cfg = make_cfg(tmp_path, {"hook": hook.url()})
        record(cfg, 2)
        d = deliverer(cfg)
        d.db.conn.execute("PRAGMA busy_timeout = 50")  # give up on the lock fast, to retry
        writer = sqlite3.connect(cfg.db_path, isolation_level=None)
        writer.execute("BEGIN IMMEDIATE")  # a crawl's long write holds the lock
        busy = threading.Event()

        class Watch(logging.Handler):
            def emit(self, record):
                if "db_busy" in record.getMessage():
                    busy.set()

        watch = Watch()
        logging.getLogger("filingwatch.delivery").addHandler(watch)
        t = threading.Thread(target=lambda: d.deliver_due())
        t.start()
        try:
            assert busy.wait(60)  # the deliverer hit the lock and is retrying, not dead
        finally:
            writer.execute("COMMIT")  # the long write ends
            t.join()
            logging.getLogger("filingwatch.delivery").removeHandler(watch)
            writer.close()
        assert rows(cfg) == [("sent",), ("sent",)] and len(hook.received) == 2
