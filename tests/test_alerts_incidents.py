"""One ops message per outage, not per source: incidents grouped by cause within a window.

A network outage is simulated in a real SQLite file: several sources finish runs that failed
with the same DNS error, one with a different cause. Delivery runs on a controlled clock
(deliver_due(now=...)) into a real local webhook; no sleeps decide anything.
"""

import time

from alerts import incidents
from alerts.config import settings
from alerts.delivery import Deliverer
from scraper import config
from scraper.db import connection as dbconn
from scraper.db import runs
from scraper.sources import SOURCES

DNS = "DNSLookupError('DNS lookup failed: no results for hostname lookup: www.csrc.gov.cn.')"


def finish(db, source: str, health: str, error: str | None = None) -> None:
    run = runs.start_run(db, source, "full")
    stats = {"health": health, "finish_reason": "finished", "items": 0 if error else 5}
    if error:
        stats |= {"last_error": error, "last_error_url": f"http://{source}.example/list"}
    runs.finish_run(db, run, source, stats, completed_full=True)


def test_an_outage_of_several_sources_is_one_incident_message_and_one_recovery(tmp_path, ops):
    path = tmp_path / "config.toml"
    path.write_text(
        f'[database]\npath = "{tmp_path / "fw.db"}"\n[alerts]\nops_channels = ["ops"]\n'
        f'incident_window = "1m"\n[[channels]]\nname = "ops"\nurl = "{ops.url()}"\n'
        'language = "en"\n',
        encoding="utf-8",
    )
    cfg = config.load(path)
    s = settings(cfg)
    db = dbconn.open_db(cfg.db_path)
    down = sorted(SOURCES)[:5]
    other = sorted(SOURCES)[5]
    for source in down:
        finish(db, source, "unhealthy", DNS)
        assert incidents.check_source(db, cfg, s, source) == "opened"
    finish(db, other, "unhealthy", "HTTP 403 challenge page")
    assert incidents.check_source(db, cfg, s, other) == "opened"
    d = Deliverer(db, s)
    start = time.time()
    # within the window nothing of the DNS group is due yet: more sources may still fail
    assert d.deliver_due(now=start + 1).messages == 0
    report = d.deliver_due(now=start + 61)
    assert report.messages == 2 and report.sent == 6
    titles = sorted(m["title"] for m in ops.messages())
    # one message for the five DNS failures; the lone other cause keeps the one-source form
    assert titles == ["⚠ 5 sources unreachable: DNS lookup failed", f"⚠ Source unhealthy: {other}"]
    group = next(m for m in ops.messages() if m["title"].startswith("⚠ 5"))
    assert all(f"- {src}: http://{src}.example/list" in group["message"] for src in down)

    # a second failing run of a source in an open incident sends nothing new
    finish(db, down[0], "unhealthy", DNS)
    assert incidents.check_source(db, cfg, s, down[0]) is None

    # the network is back: every source recovers; one recovery message for the group
    for source in down:
        finish(db, source, "ok")
        assert incidents.check_source(db, cfg, s, source) == "resolved"
    assert d.deliver_due(now=start + 200).messages == 1
    recovered = ops.messages()[-1]
    assert recovered["title"] == "✅ 5 sources recovered"
    assert "unreachable: DNS lookup failed" in recovered["message"]
    assert len(ops.messages()) == 3
    d.close()


def test_causes_group_network_failures_and_keep_other_reasons_apart():
    assert incidents.cause_of(DNS)[0] == "dns"
    assert incidents.cause_of("CannotResolveHostError: www.hkexnews.hk")[0] == "dns"
    assert incidents.cause_of("ConnectionRefusedError('Connection was refused')")[0] == "refused"
    assert incidents.cause_of("TCPTimedOutError()")[0] == "timeout"
    assert incidents.cause_of("HTTP 502")[0] == "http5xx"
    assert incidents.cause_of("HTTP 403")[0] != incidents.cause_of("no data rows")[0]
    assert incidents.cause_of(None)[0] == "other:unknown"
