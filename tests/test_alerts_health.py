"""Source health: one ops message when a source breaks, one when it heals (real crawls, real webhook)."""

from datetime import datetime, timedelta

import pytest

from alerts import incidents
from alerts.config import settings
from alerts.delivery import Deliverer
from scraper import config
from scraper.core.timeutil import SHANGHAI
from scraper.daemon import Daemon
from scraper.db import connection as dbconn
from scraper.db import runs

pytestmark = pytest.mark.slow


def make(make_config, replay, ops, extra=""):
    path = make_config(
        replay.base_url,
        extra=f'[alerts]\nops_channels = ["ops"]\nretry_base = 0.1\nincident_window = 0\n[[channels]]\nname = "ops"\n'
        f'url = "{ops.url()}"\nlanguage = "en"\n[daemon]\ncrawl_timeout = 60\n{extra}',
    )
    return config.load(path)


def deliver(cfg):
    d = Deliverer(dbconn.open_db(cfg.db_path), settings(cfg))
    d.drain(timeout=10)
    d.close()


def test_unhealthy_source_alerts_once_and_recovers_once(make_config, replay, ops):
    cfg = make(make_config, replay, ops)
    daemon = Daemon(cfg)
    assert daemon.run_source("csrcfd").health == "ok"
    replay.add_fault("empty", site="csrcfd")  # a table with zero rows: never "nothing new"
    for _ in range(2):
        outcome = daemon.run_source("csrcfd")
        assert outcome.health == "unhealthy" and outcome.failure is None
        deliver(cfg)
    assert [m["title"] for m in ops.messages()] == ["⚠ Source unhealthy: csrcfd"]
    assert (
        "no data rows" in ops.messages()[0]["message"]
        and "/csrcfd/index.html" in ops.messages()[0]["message"]
    )
    replay.clear_faults()
    assert daemon.run_source("csrcfd").health == "ok"
    deliver(cfg)
    assert [m["title"] for m in ops.messages()][1:] == ["✅ Source recovered: csrcfd"]
    db = dbconn.open_db(cfg.db_path)
    row = db.execute("SELECT kind, failures, resolved_at IS NOT NULL FROM incidents").fetchall()
    assert row == [("unhealthy", 2, 1)]


def test_source_without_success_for_too_long_is_stale(make_config, replay, ops):
    cfg = make(make_config, replay, ops)
    db = dbconn.open_db(cfg.db_path)
    run = runs.start_run(db, "csrcfd", "full")
    runs.finish_run(db, run, "csrcfd", {"health": "ok", "finish_reason": "finished", "items": 3},
                       completed_full=True)  # fmt: skip
    s = settings(cfg)
    later = datetime.now(SHANGHAI) + timedelta(hours=7)  # unhealthy_after_hours defaults to 6
    assert incidents.check_source(db, cfg, s, "csrcfd") is None
    assert incidents.check_source(db, cfg, s, "csrcfd", now=later) == "opened"
    assert incidents.check_source(db, cfg, s, "csrcfd", now=later + timedelta(hours=1)) is None
    deliver(cfg)
    (msg,) = ops.messages()
    assert "no successful run since" in msg["message"] and "threshold 6 h" in msg["message"]
