"""Digests carry the sector pipeline chart where a channel takes files; chat robots get at most
N messages a rolling minute. Real receivers (aiosmtpd, a local HTTP server), a simulated clock.
"""

import time
from pathlib import Path

import pytest
from helpers import parsed_mail as parsed

from alerts import attachments
from alerts.receivers import MailSink
from scraper import config
from scraper.config import ConfigError
from scraper.db import connection as dbconn
from tests.test_alerts_outbox import COMPANIES, deliverer, filing, make_cfg, outbox, record

DIGEST = '[[watch]]\nname = "daily"\nsectors = ["ai_server", "chips"]\nchannels = {channels}\ndigest = "1h"\n'


def test_a_digest_mail_carries_the_pipeline_chart_a_single_event_mail_does_not(tmp_path, mail):
    cfg = make_cfg(tmp_path, {"mail": mail.url()}, DIGEST.format(channels='["mail"]'))
    record(cfg, [filing(c, n=i) for i, c in enumerate(COMPANIES)])
    d = deliverer(cfg)
    report = d.deliver_due(now=time.time() + 3601)
    assert report.sent == 3 and report.messages == 1
    (path,) = mail.files()
    msg = parsed(path)
    assert msg.get_content_type() == "multipart/mixed"
    body = msg.get_body(preferencelist=("html",))
    assert body is not None and "超聚变" in body.get_content()  # the digest card is still there
    files = list(msg.iter_attachments())
    names = [f.get_filename() for f in files]
    assert names and all(n.startswith("pipeline-") and n.endswith(".html") for n in names)
    assert "pipeline-ai_server.html" in names
    chart = files[names.index("pipeline-ai_server.html")]
    assert chart.get_content_type() == "text/html"
    page = chart.get_content()
    assert page.startswith("<!doctype html>") and 'class="stage ' in page
    pages = "".join(f.get_content() for f in files)
    assert all(c[:6] in pages for c in COMPANIES)  # every company of the digest is charted
    assert all(len(f.get_content().encode()) <= attachments.MAX_BYTES for f in files)
    assert list((tmp_path / "tmp").iterdir()) == []  # the temp chart is gone after the send

    # one event alone is not a digest: no chart
    single = tmp_path / "single"
    single.mkdir()
    with MailSink(single / "mail") as sink:
        cfg1 = make_cfg(single, {"mail": sink.url()})
        record(cfg1, [filing(COMPANIES[0])])
        assert deliverer(cfg1).drain(timeout=20).sent == 1
        (one,) = sink.files()
        msg1 = parsed(one)
        assert msg1.get_content_type() == "multipart/alternative"
        assert list(msg1.iter_attachments()) == []


def test_attach_report_false_sends_the_digest_without_a_chart(tmp_path, mail):
    cfg = make_cfg(
        tmp_path, {"mail": mail.url()}, DIGEST.format(channels='["mail"]'),
        alerts="attach_report = false",
    )  # fmt: skip
    record(cfg, [filing(c, n=i) for i, c in enumerate(COMPANIES)])
    assert deliverer(cfg).deliver_due(now=time.time() + 3601).sent == 3
    (path,) = mail.files()
    msg = parsed(path)
    assert msg.get_content_type() == "multipart/alternative"
    assert list(msg.iter_attachments()) == []


def test_a_text_webhook_digest_gets_no_file(tmp_path, hook):
    # apprise's json plugin declares attachment_support (base64 in the payload); programs read
    # webhooks, so their payload keeps its shape
    cfg = make_cfg(tmp_path, {"hook": hook.url()}, DIGEST.format(channels='["hook"]'))
    record(cfg, [filing(c, n=i) for i, c in enumerate(COMPANIES)])
    assert deliverer(cfg).deliver_due(now=time.time() + 3601).sent == 3
    (posted,) = hook.messages()
    assert "超聚变" in posted["message"]  # the digest itself arrived
    assert not posted.get("attachments")


def test_a_big_sector_chart_is_cut_to_the_size_bound(tmp_path, mail):
    cfg = make_cfg(tmp_path, {"mail": mail.url()})
    record(cfg, [filing(c, n=i) for i, c in enumerate(COMPANIES)])
    db = dbconn.open_db(cfg.db_path)
    full = attachments.pipeline_file(db.conn, "ai_server", "AI servers", tmp_path)
    size = full.stat().st_size
    cut = tmp_path / "cut"
    cut.mkdir()
    small = attachments.pipeline_file(db.conn, "ai_server", "AI servers", cut, max_bytes=size - 1)
    db.conn.close()
    assert small is not None and small.stat().st_size <= size - 1
    page = small.read_text(encoding="utf-8")
    assert "most recently moved of" in page
    assert page.count('class="stage ') < full.read_text(encoding="utf-8").count('class="stage ')


# ---------------------------------------------------------------- rate limit


def _burst(tmp_path, hook, channel_extra: str = "", rounds: int = 30):
    """One new event every 2 simulated seconds, a delivery round after each; POSTs per round."""
    url = f"rocket://robot/t0k@127.0.0.1:{hook.port}/"
    cfg = make_cfg(tmp_path, {"chat": url})
    if channel_extra:
        path = Path(cfg.path)
        text = path.read_text(encoding="utf-8")
        path.write_text(text.replace(f'url = "{url}"', f'url = "{url}"\n{channel_extra}'), "utf-8")
        cfg = config.load(path)
    d = deliverer(cfg)
    t0 = time.time() + 5  # ahead of the rows' real due_at
    at: list[float] = []  # simulated time of each POST
    for k in range(rounds):
        record(cfg, [filing(f"测试{k:03d}半导体股份有限公司", n=k)])
        now = t0 + 2 * k
        before = len(hook.received)
        r = d.deliver_due(now=now)
        assert r.failed == 0 and r.uncertain == 0
        at += [now] * (len(hook.received) - before)
    return cfg, d, t0, at


def test_a_chat_robot_gets_at_most_20_posts_a_minute_the_rest_after_the_window(tmp_path, hook):
    cfg, d, t0, at = _burst(tmp_path, hook)
    in_first_minute = [t for t in at if t < t0 + 60]
    assert len(in_first_minute) == 20  # the burst was over the limit, and the limit held
    held = outbox(cfg, "status, attempts, last_error, due_at")
    waiting = [row for row in held if row[0] != "sent"]
    assert len(waiting) == 10  # held back, not failed: pending, no attempt used, no error
    assert all(s == "pending" and a == 0 and e is None for s, a, e, _ in waiting)
    assert all(due >= t0 + 60 for *_, due in waiting)
    assert d.deliver_due(now=t0 + 59).messages == 0  # still inside the window
    before = len(hook.received)
    r = d.deliver_due(now=t0 + 61)
    assert r.sent == 10 and r.failed == 0
    assert 1 <= len(hook.received) - before <= 20  # coalesced, and within the new window
    assert all(row[0] == "sent" for row in outbox(cfg))
    text = "\n".join(p["data"]["text"] for p in hook.received)
    assert all(f"测试{k:03d}" in text for k in range(30))  # nothing lost


def test_per_minute_sets_the_cap_and_zero_lifts_it(tmp_path, hook):
    a = tmp_path / "a"
    a.mkdir()
    _cfg, _d, t0, at = _burst(a, hook, "per_minute = 5", rounds=12)
    assert len([t for t in at if t < t0 + 60]) == 5
    b = tmp_path / "b"
    b.mkdir()
    _cfg, _d, t0, at = _burst(b, hook, "per_minute = 0", rounds=25)
    assert len(at) == 25  # no cap: one POST per round


@pytest.mark.parametrize("value", ["-1", "10001", "2.5", "true"])
def test_per_minute_out_of_range_is_a_config_error(tmp_path, value):
    path = tmp_path / "config.toml"
    path.write_text(
        f'[[channels]]\nname = "chat"\nurl = "rocket://robot/t@127.0.0.1/"\nper_minute = {value}\n',
        encoding="utf-8",
    )
    with pytest.raises(ConfigError, match=r"channels\[0\]\.per_minute"):
        config.load(path)


def test_the_window_counts_every_part_of_a_split_message():
    from alerts.ratelimit import Window

    w = Window(5)
    w.record(100.0, 4)
    assert w.wait_until(110.0, 1) is None  # one more fits
    assert w.wait_until(110.0, 2) == 160.0  # a 2-part message waits for the oldest to age out
    # more parts than the whole limit: it waits for an empty window, then goes out whole
    assert w.wait_until(110.0, 12) == 160.0
    w.record(130.0, 1)
    assert w.wait_until(159.0, 1) == 160.0 and w.wait_until(160.0, 1) is None
    assert w.wait_until(190.0, 5) is None  # everything aged out
