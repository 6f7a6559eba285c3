"""Bad config, bad paths and hostile text: one-line errors, masked secrets, no escape sequences.

Each case is a rule of scraper/config.py, alerts/config.py, scraper/cli (app.main, options),
scraper/capture.py or scraper/core/textsafe.py; deleting the rule makes its case fail.
"""

from __future__ import annotations

import io
import json

import pytest

from alerts import delivery
from alerts.config import settings
from alerts.receivers import WebhookReceiver
from scraper import config, ingest
from scraper.core.records import Filing
from scraper.core.textsafe import mask_url, mask_urls_in, strip_controls
from scraper.db import connection as dbconn

BAD_VALUES = [
    ("[daemon]\ncrawl_timeout = -1\n", "daemon.crawl_timeout"),
    ("[daemon]\nworkers = 0\n", "daemon.workers"),
    ("[daemon]\ndeliver_interval = nan\n", "daemon.deliver_interval"),
    ("[crawl]\ndownload_delay = -2\n", "crawl.download_delay"),
    ("[crawl]\ntimeout = 0\n", "crawl.timeout"),
    ("[crawl]\nretries = -1\n", "crawl.retries"),
    ("[crawl]\nbackoff_base = nan\n", "crawl.backoff_base"),
    ("[crawl]\nbackoff_max = inf\n", "crawl.backoff_max"),
    ("[crawl]\nrun_timeout = -inf\n", "crawl.run_timeout"),
    ("[sources.csrcfd]\njitter = -5\n", "sources.csrcfd.jitter"),
    ("[sources.csrcfd]\nmax_pages = -1\n", "sources.csrcfd.max_pages"),
    ("[alerts]\nretry_base = 0\n", "alerts.retry_base"),
    ("[alerts]\nretry_max = inf\n", "alerts.retry_max"),
    ("[alerts]\nlease = -1\n", "alerts.lease"),
    ("[alerts]\nuncertain_retry = nan\n", "alerts.uncertain_retry"),
    ("[alerts]\nmax_per_message = 0\n", "alerts.max_per_message"),
    ('[[channels]]\nname = "c"\nurl = "console://"\ntimeout = 0\n', "channels[0].timeout"),
    ('[[channels]]\nname = "c"\nurl = "console://"\ntimeout = inf\n', "channels[0].timeout"),
    ('[database]\ntimezone = "Mars/Olympus_Mons"\n', "database.timezone"),
]


@pytest.mark.parametrize(("text", "key"), BAD_VALUES, ids=[k for _, k in BAD_VALUES])
def test_a_nonsense_value_is_an_error_naming_file_line_and_key(tmp_path, text, key):
    path = tmp_path / "config.toml"
    path.write_text("# filingwatch\n" + text, encoding="utf-8")
    with pytest.raises(config.ConfigError) as err:
        config.load(path)
    message = str(err.value)
    assert f"key '{key}'" in message and "\n" not in message
    assert message.startswith(f"{path}:")  # with the line the key is on
    assert err.value.line is not None and err.value.line >= 2


def test_sane_values_still_load(tmp_path):
    path = tmp_path / "config.toml"
    path.write_text("[crawl]\ndownload_delay = 0\nbackoff_base = 0.05\n[daemon]\ncrawl_timeout = 0\n"
                    '[[channels]]\nname = "c"\nurl = "console://"\ntimeout = 90\n', "utf-8")  # fmt: skip
    cfg = config.load(path)
    assert settings(cfg).channels["c"].timeout == 90


def no_traceback(result) -> str:
    err = result.stderr.strip()
    assert result.returncode != 0 and "Traceback" not in err, err
    assert err.splitlines()[-1].startswith("Error:"), err  # click may print its usage above
    return err.splitlines()[-1]


def test_user_errors_are_one_line_not_tracebacks(tmp_path, cli):
    latin = tmp_path / "latin1.toml"
    latin.write_bytes('[database]\n# 数据库\ntimezone = "Asia/Shanghai"\n'.encode("gbk"))
    err = no_traceback(cli("filings", "--config", str(latin)))
    assert "not UTF-8" in err and "latin1.toml:2" in err
    tz = tmp_path / "tz.toml"
    tz.write_text('[database]\ntimezone = "Asia/Nowhere"\n', "utf-8")
    assert "unknown time zone" in no_traceback(cli("filings", "--config", str(tz)))
    folder = tmp_path / "dbdir.toml"
    folder.write_text(f'[database]\npath = "{tmp_path}"\n', "utf-8")
    assert "is a directory" in no_traceback(cli("crawl", "csrcfd", "--config", str(folder)))
    afile = tmp_path / "plain.txt"
    afile.write_text("x")
    assert "not a directory" in no_traceback(cli("crawl", "csrcfd", "--db", str(afile / "fw.db")))
    # a path the database cannot be created at (even as root): sqlite's own error, one line
    err = no_traceback(cli("alerts", "deliver", "--db", "/proc/filingwatch-test/fw.db"))
    assert err.startswith("Error:")
    assert "is a directory" in no_traceback(cli("filings", "--config", str(tmp_path)))


def test_capture_fetches_http_only(tmp_path, cli):
    for url in ("file:///etc/passwd", "ftp://example.org/x", "/etc/passwd"):
        err = no_traceback(cli("capture", url, "--source", "csrcfd", "--out", str(tmp_path)))
        assert "expected an http:// or https:// URL" in err
    assert not any(tmp_path.rglob("*.body"))


def test_tokens_in_webhook_paths_are_masked():
    token = "a1b2c3d4e5f6g7h8i9j0"
    assert token not in mask_url(f"json://hooks.example.com/hook/{token}")
    assert mask_url(f"json://hooks.example.com/hook/{token}").startswith(
        "json://hooks.example.com/hook/"
    )
    assert token not in mask_url(f"forms://u:{token}@example.com/x?+Authorization=Bearer%20{token}")
    assert token not in mask_url(f"tgram://123456789:{token}/-100123")
    assert token not in delivery.masked(f"json://127.0.0.1:9/hook/{token}")
    assert token not in mask_urls_in(f"error sending to json://127.0.0.1:9/hook/{token}: refused")


def test_alerts_test_prints_a_webhook_path_token_masked(tmp_path, cli):
    token = "s3cr3tT0ken0123456789"
    with WebhookReceiver() as hook:
        path = tmp_path / "config.toml"
        path.write_text(f'[database]\npath = "{tmp_path / "fw.db"}"\n[[channels]]\nname = "hook"\n'
                        f'url = "{hook.url("/hook/" + token)}"\n', "utf-8")  # fmt: skip
        out = cli("alerts", "test", "--config", str(path), check=True)
        assert hook.received and hook.received[0]["path"].endswith(token)  # it really went there
    assert token not in out.stdout + out.stderr and "json://127.0.0.1" in out.stdout


HOSTILE = "超聚变数字技术股份有限公司\x1b[2J\x1b]0;owned\x07\x9b31m报告\x1b[0m\u202e\x00"


def test_escape_sequences_are_stripped():
    clean = strip_controls(HOSTILE)
    assert clean == "超聚变数字技术股份有限公司31m报告" or "\x1b" not in clean
    assert not any(ord(c) < 32 or 0x7F <= ord(c) <= 0x9F for c in clean)
    assert (
        strip_controls("a\nb\tc") == "a\nb\tc" and strip_controls("a\nb", newlines=False) == "a b"
    )


def test_scraped_escape_sequences_never_reach_the_terminal(tmp_path, cli, monkeypatch):
    path = tmp_path / "config.toml"
    path.write_text(f'[database]\npath = "{tmp_path / "fw.db"}"\n[[channels]]\nname = "con"\n'
                    'url = "console://"\n[[watch]]\nsectors = ["ai_server"]\nchannels = ["con"]\n',
                    "utf-8")  # fmt: skip
    cfg = config.load(path)
    db = dbconn.open_db(cfg.db_path)
    f = Filing(source="csrcfd", native_id="x", company="超聚变数字技术股份有限公司", kind="tutoring_report",
               title=HOSTILE, status="tutoring", company_stage="tutoring", event_date="2026-01-05")  # fmt: skip
    from alerts.outbox import OutboxSink

    ingest.write_filings(db, [f], ingest.WriteContext(), sink=OutboxSink(cfg))
    for fmt in ("table", "csv", "json"):
        out = cli("filings", "--config", str(path), "--format", fmt, check=True).stdout
        assert "\x1b" not in out and "\x9b" not in out and "\x07" not in out
    assert "\\u001b" not in cli("filings", "--config", str(path), "--format", "json").stdout
    stream = io.StringIO()
    monkeypatch.setattr(delivery, "CONSOLE_STREAM", lambda: stream)
    d = delivery.Deliverer(db, settings(cfg))
    assert d.deliver_due().messages == 1
    shown = stream.getvalue()
    assert "报告" in shown and "\x1b" not in shown and "\x07" not in shown and "\x9b" not in shown
    json.dumps(shown)


def test_run_problems_and_daemon_log_fields_lose_escape_sequences(tmp_path):
    from scraper.daemon import kv
    from scraper.health import RunRecorder

    rec = RunRecorder(source="csrcfd", mode="full", db=None, broken_dir=None)
    rec.problem("unknown_status", "http://x/\x1b[2J", f"unknown status {HOSTILE}")
    entry = rec.problems[0]
    assert "\x1b" not in entry["message"] + entry["url"] and "报告" in entry["message"]
    assert "\x1b" not in kv(failure=HOSTILE) and "\x07" not in kv(failure=HOSTILE)
