"""Channels as apprise users keep them: apprise config files with tags, URLs from the environment,
`$$` for a literal `$`; delivered into real receivers (local HTTP, aiosmtpd with AUTH)."""

import logging
from email import message_from_bytes, policy

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

from alerts.channel_sources import expand
from alerts.config import settings
from alerts.delivery import check_channels
from alerts.receivers import free_port
from scraper import config
from scraper.config import ConfigError
from tests.test_alerts_outbox import COMPANIES, deliverer, filing, outbox, record


def write_cfg(tmp_path, body: str):
    path = tmp_path / "config.toml"
    path.write_text(
        f'[database]\npath = "{tmp_path / "fw.db"}"\n[alerts]\nretry_base = 0.05\n' + body,
        encoding="utf-8",
    )
    return config.load(path)


@pytest.mark.parametrize("kind", ["text", "yaml"])
def test_an_apprise_config_file_with_tags_routes_two_rules_to_different_targets(
    tmp_path, hook, kind
):
    base = f"json://127.0.0.1:{hook.port}"
    if kind == "text":
        (tmp_path / "apprise.txt").write_text(
            f"# kept as apprise users keep it\nfamily,board={base}/family\nops={base}/ops\n",
            encoding="utf-8",
        )
        name = "apprise.txt"
    else:
        (tmp_path / "apprise.yml").write_text(
            f"version: 1\nurls:\n  - {base}/family:\n    - tag: family, board\n"
            f"  - {base}/ops:\n    - tag: ops\n",
            encoding="utf-8",
        )
        name = "apprise.yml"
    cfg = write_cfg(
        tmp_path,
        f'[[channels]]\nname = "home"\nconfig = "{name}"\n'
        '[[watch]]\nname = "servers"\nsectors = ["ai_server"]\ntags = ["family"]\n'
        '[[watch]]\nname = "chips"\nsectors = ["chips"]\ntags = ["ops"]\n',
    )
    s = settings(cfg)
    assert sorted(s.channels) == ["home/1", "home/2"]
    assert s.channels["home/1"].tags == ("board", "family")
    assert [r.channels for r in s.rules] == [("home/1",), ("home/2",)]
    # an AI-server company and a chip company: each rule to its own target
    record(cfg, [filing(COMPANIES[0]), filing("上海某某半导体股份有限公司", n=2)])
    assert deliverer(cfg).drain(timeout=20).sent == 2
    by_path = {e["path"]: e["data"]["title"] for e in hook.received}
    assert "超聚变" in by_path["/family"] and "半导体" in by_path["/ops"]


def test_a_rule_tag_no_channel_carries_and_a_missing_file_are_clear_errors(tmp_path):
    (tmp_path / "a.txt").write_text("ops=json://127.0.0.1:9/x\n", encoding="utf-8")
    with pytest.raises(
        ConfigError, match=r"watch\[0\]\.tags.*no channel carries tag 'family'; tags: ops"
    ):
        write_cfg(tmp_path, '[[channels]]\nname = "a"\nconfig = "a.txt"\n'
                  '[[watch]]\nname = "r"\ntags = ["family"]\n')  # fmt: skip
    with pytest.raises(ConfigError, match=r"channels\[0\]\.config.*nope.txt' does not exist"):
        write_cfg(tmp_path, '[[channels]]\nname = "a"\nconfig = "nope.txt"\n')


def test_tags_on_plain_channels_and_a_config_files_name_in_channels(tmp_path, hook):
    (tmp_path / "a.txt").write_text(
        f"json://127.0.0.1:{hook.port}/one\njson://127.0.0.1:{hook.port}/two\n", encoding="utf-8"
    )
    cfg = write_cfg(
        tmp_path,
        '[[channels]]\nname = "files"\nconfig = "a.txt"\n'
        f'[[channels]]\nname = "x"\nurl = "json://127.0.0.1:{hook.port}/x"\ntags = ["team"]\n'
        '[[watch]]\nname = "r"\nsectors = ["ai_server"]\nchannels = ["files"]\ntags = ["team"]\n',
    )
    assert settings(cfg).rules[0].channels == ("files/1", "files/2", "x")
    record(cfg, [filing(COMPANIES[0])])
    assert deliverer(cfg).drain(timeout=20).sent == 3
    assert sorted(e["path"] for e in hook.received) == ["/one", "/two", "/x"]


def test_a_whole_url_from_the_environment(tmp_path, hook, monkeypatch):
    cfg = write_cfg(
        tmp_path,
        '[[channels]]\nname = "hook"\nurl = "${FW_HOOK_URL}"\n'
        '[[watch]]\nname = "r"\nsectors = ["ai_server"]\nchannels = ["hook"]\n',
    )
    monkeypatch.delenv("FW_HOOK_URL", raising=False)
    with pytest.raises(ConfigError, match="environment variable FW_HOOK_URL is not set"):
        check_channels(cfg)
    monkeypatch.setenv("FW_HOOK_URL", hook.url("/from-env"))
    check_channels(cfg)
    record(cfg, [filing(COMPANIES[0])])
    assert deliverer(cfg).drain(timeout=20).sent == 1
    assert [e["path"] for e in hook.received] == ["/from-env"]


def test_dollar_escaping():
    env = {"PASS": "s$cret", "HOST": "mail.example.com"}
    assert expand("mailtos://u:pa$$word@$HOST", env) == ("mailtos://u:pa$word@mail.example.com", [])
    assert expand("x:${PASS}@h", env) == ("x:s$cret@h", [])  # a value is never expanded again
    assert expand("a$$$$b", env) == ("a$$b", [])
    assert expand("u:${NOPE}@h", env) == ("u:${NOPE}@h", ["NOPE"])
    assert expand("price $5", env) == ("price $5", [])  # a $ before a digit is just a $


class _Authed:
    """An SMTP receiver requiring LOGIN/PLAIN, recording the password it was given."""

    def __init__(self, password: str):
        self.password, self.seen, self.messages = password, [], []

    def __call__(self, server, session, envelope, mechanism, auth_data):
        self.seen.append(auth_data.password.decode())
        ok = auth_data.password.decode() == self.password
        return AuthResult(success=ok, handled=False)  # handled=False: aiosmtpd answers 535

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(envelope.original_content or envelope.content)
        return "250 OK"


@pytest.fixture
def authed_smtp():
    handler = _Authed("pa$$word")
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port, authenticator=handler,
                            auth_require_tls=False, auth_required=True)  # fmt: skip
    controller.start()
    yield handler, port
    controller.stop()


def test_a_dollar_in_an_smtp_password_reaches_the_server_and_never_the_logs(
    tmp_path, authed_smtp, caplog
):
    handler, port = authed_smtp
    url = f"mailto://fw:pa$$$$word@127.0.0.1:{port}?from=fw@localhost&to=me@localhost&mode=insecure"
    cfg = write_cfg(
        tmp_path,
        f'[[channels]]\nname = "mail"\nurl = "{url}"\n'
        '[[watch]]\nname = "r"\nsectors = ["ai_server"]\nchannels = ["mail"]\n',
    )
    check_channels(cfg)
    record(cfg, [filing(COMPANIES[0])])
    with caplog.at_level(logging.INFO):
        assert deliverer(cfg).drain(timeout=20).sent == 1
    assert handler.seen == ["pa$$word"]
    msg = message_from_bytes(handler.messages[0], policy=policy.default)
    assert "超聚变" in str(msg["subject"])
    assert "pa$$word" not in caplog.text and "pa$$$$word" not in caplog.text

    # a wrong password: the failure is recorded and logged without the secret
    bad = url.replace("pa$$$$word", "wr$$ong")
    cfg = write_cfg(
        tmp_path,
        f'[[channels]]\nname = "mail2"\nurl = "{bad}"\n'
        '[[watch]]\nname = "r2"\nsectors = ["ai_server"]\nchannels = ["mail2"]\n',
    )
    record(cfg, [filing(COMPANIES[0], n=5, status="tutoring_done")])
    with caplog.at_level(logging.INFO):
        report = deliverer(cfg).deliver_due()
    assert report.failed >= 1
    errors = [r[0] for r in outbox(cfg, "last_error") if r[0]]
    assert errors and not any("wr$ong" in e for e in errors)
    assert "wr$ong" not in caplog.text
