"""The stale deliverer's refused mark (alerts/delivery.py Deliverer.mark: `WHERE ... AND
claimed_by = ? AND status IN ('claimed', 'sending')`).

A deliverer that claimed a row and then stalled past its lease is a zombie: a later deliverer
takes the row over. The zombie's late report ("send failed") must be refused, or it puts the row
back to pending under the later deliverer's feet: the later deliverer's own "sent" mark is then
refused in turn, and the row goes out a second time.
"""

from __future__ import annotations

import json
import time

import pytest

from alerts.config import settings
from alerts.delivery import Deliverer
from alerts.outbox import OutboxSink
from scraper import config, ingest
from scraper.core.records import Filing
from scraper.db import connection as dbconn

COMPANY = "超聚变数字技术股份有限公司"


@pytest.fixture
def cfg(tmp_path, hook):
    path = tmp_path / "config.toml"
    path.write_text(
        f'[database]\npath = "{tmp_path / "fw.db"}"\n'
        "[alerts]\nretry_base = 0.05\nretry_max = 0.2\nlease = 30\n"
        f'[[channels]]\nname = "hook"\nurl = "{hook.url()}"\n'
        f'[[watch]]\nname = "hw"\nsectors = ["ai_server", "chips"]\nchannels = {json.dumps(["hook"])}\n',
        encoding="utf-8",
    )
    return config.load(path)


def record(cfg) -> None:
    db = dbconn.open_db(cfg.db_path)
    f = Filing(source="csrcfd", native_id="t-1", company=COMPANY, kind="tutoring_report",
               title=f"关于{COMPANY}首次公开发行股票并上市辅导备案报告", report_type="filing_report",
               status="tutoring", status_raw="辅导备案", company_stage="tutoring",
               broker="中信证券股份有限公司", regulator="河南证监局", event_date="2026-01-05",
               disclosed_date="2026-01-06")  # fmt: skip
    ingest.write_filings(db, [f], ingest.WriteContext(), sink=OutboxSink(cfg))
    db.conn.close()


def rows(cfg, cols: str) -> list[tuple]:
    db = dbconn.open_db(cfg.db_path)
    out = db.execute(f"SELECT {cols} FROM outbox ORDER BY id").fetchall()
    db.conn.close()
    return out


def deliverer(cfg) -> Deliverer:
    return Deliverer(dbconn.open_db(cfg.db_path), settings(cfg))


def test_a_zombies_late_failure_mark_is_refused_while_another_deliverer_holds_the_row(cfg, hook):
    record(cfg)
    zombie = deliverer(cfg)
    (stale,) = zombie.claim()  # claimed, then the process stalls past its lease
    later = deliverer(cfg)
    (message,) = later.claim(now=time.time() + 31)  # the lease expired: the row is taken over
    title, body = later.render(message)
    assert later.start_send(message)  # claimed -> sending
    assert not zombie.start_send(stale)  # the zombie can no longer start it
    ok, error = later.senders.send(message.channel, title, body)
    assert ok, error
    zombie.mark(stale, False, "timed out", 30.0)  # the zombie wakes up and reports a failure
    assert rows(cfg, "status, claimed_by") == [("sending", later.worker)]
    later.mark(message, ok, error, 0.1)
    assert rows(cfg, "status, attempts") == [("sent", 1)]
    # nothing is due any more, now or later: the alert went out exactly once after the takeover
    assert deliverer(cfg).deliver_due(now=time.time() + 3600).messages == 0
    assert len(hook.messages()) == 1
