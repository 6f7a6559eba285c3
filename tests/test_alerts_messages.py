"""Messages per channel family, end to end into real receivers (aiosmtpd, local HTTP servers).

Mail is our own multipart/alternative (alerts/mailer.py); chat plugins get Markdown split under
their body_maxlen; webhooks keep the plain text; Jinja2 templates override per rule and channel.
"""

import json
from urllib.parse import parse_qs

import pytest
from helpers import parsed_mail as parsed

from alerts import message as outgoing
from scraper.config import ConfigError
from scraper.db import connection as dbconn
from tests.test_alerts_outbox import COMPANIES, deliverer, filing, make_cfg, outbox, record

LONG_URL = "http://eid.csrc.gov.cn/csrcfd/pdf/" + "%E8%B6%85%E8%81%9A%E5%8F%98" * 12 + ".pdf"


def test_mail_is_multipart_with_our_own_plain_lines_an_html_card_and_a_stable_message_id(
    tmp_path, mail
):
    cfg = make_cfg(tmp_path, {"mail": mail.url()}, alerts='language = "both"')
    record(cfg, [filing(COMPANIES[0], n=0, status="tutoring", url=LONG_URL)])
    d = deliverer(cfg)
    assert d.drain(timeout=20).sent == 1
    (path,) = mail.files()
    msg = parsed(path)
    assert msg.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in msg.iter_parts()] == ["text/plain", "text/html"]
    subject = str(msg["subject"])
    assert "超聚变数字技术股份有限公司" in subject and "辅导备案" in subject
    plain = msg.get_body(preferencelist=("plain",)).get_content()
    lines = plain.splitlines()
    # our plain text, line by line (not apprise's HTML-to-text conversion, not one paragraph)
    assert (
        "券商：中信证券" in lines
        and "Broker: 中信证券" in lines
        and "监管/交易所：河南证监局" in lines
    )
    assert any(line.strip().endswith("辅导备案") and line.strip()[:4].isdigit() for line in lines)
    html = msg.get_body(preferencelist=("html",)).get_content()
    # the document is a short readable link, the long URL only in the href
    assert f'<a href="{LONG_URL}"' in html and f">{LONG_URL}<" not in html
    assert "(PDF, eid.csrc.gov.cn)</a>" in html and 'data-field="timeline"' in html
    assert "max-width:600px" in html and "prefers-color-scheme: dark" in html
    first_id = msg["Message-ID"]
    assert first_id.endswith("@filingwatch>")

    # the same row sent again (a crash before it was marked) keeps its Message-ID
    db = dbconn.open_db(cfg.db_path)
    with dbconn.transaction(db):
        db.conn.execute("UPDATE outbox SET status = 'pending', due_at = 0")
    db.conn.close()
    assert deliverer(cfg).drain(timeout=20).sent == 1
    assert [parsed(p)["Message-ID"] for p in mail.files()] == [first_id, first_id]


def test_html_escapes_what_the_source_wrote(tmp_path, mail):
    cfg = make_cfg(tmp_path, {"mail": mail.url()})
    record(cfg, [filing("<b>星河</b>服务器股份有限公司", n=1)])
    assert deliverer(cfg).drain(timeout=20).sent == 1
    html = parsed(mail.files()[0]).get_body(preferencelist=("html",)).get_content()
    assert "&lt;b&gt;星河&lt;/b&gt;" in html and "<b>星河" not in html


def test_json_and_form_webhooks_keep_the_plain_text(tmp_path, hook):
    form = f"form://127.0.0.1:{hook.port}/form"
    cfg = make_cfg(tmp_path, {"hook": hook.url(), "form": form})
    record(cfg, [filing(COMPANIES[0])])
    assert deliverer(cfg).drain(timeout=20).sent == 2
    by_path = {e["path"]: e["data"] for e in hook.received}
    body = by_path["/hook"]["message"]
    assert "券商：中信证券" in body.splitlines() and "**" not in body
    posted = parse_qs(by_path["/form"]["raw"])
    assert "券商：中信证券" in posted["message"][0].splitlines()


def test_a_burst_of_100_events_to_a_chat_robot_is_a_few_messages_under_its_limit(tmp_path, hook):
    url = f"rocket://robot/t0k@127.0.0.1:{hook.port}/"
    fam = outgoing.family(url)
    assert fam.body_format == "markdown" and fam.body_maxlen == 1000 and fam.batch
    cfg = make_cfg(tmp_path, {"chat": url}, alerts="max_per_message = 100")
    names = [f"测试{n:03d}半导体股份有限公司" for n in range(100)]
    record(cfg, [filing(name, n=n) for n, name in enumerate(names)])
    assert len(outbox(cfg)) == 100
    report = deliverer(cfg).drain(timeout=30)
    assert report.sent == 100 and report.failed == 0
    posts = [e["data"] for e in hook.received]
    assert 2 <= len(posts) <= 12  # a few messages, not 100 (robots allow ~20 a minute)
    texts = [p["text"] for p in posts]
    assert all(len(t) <= fam.body_maxlen for t in texts)
    joined = "\n".join(texts)
    assert all(name in joined for name in names)  # nothing lost by the split
    assert "**测试000半导体股份有限公司**" in joined  # Markdown, grouped by company


def test_split_keeps_every_line_and_respects_the_limit():
    body = "\n\n".join(f"block {i}\n" + "x" * 90 for i in range(50))
    fam = outgoing.Family("markdown", "markdown", 400, True, True)
    parts = outgoing.split_message("title", body, "markdown", fam)
    assert len(parts) > 1 and all(len(p.title) + len(p.body) <= 400 for p in parts)
    assert "\n\n".join(p.body for p in parts) == body
    long_line = "y" * 1000  # a single over-long line is cut, never sent whole
    parts = outgoing.split_message("t", long_line, "text", fam)
    assert "".join(p.body for p in parts) == long_line and max(len(p.body) for p in parts) <= 400


def test_jinja_templates_override_per_rule_and_per_channel(tmp_path, hook):
    folder = tmp_path / "tpl"
    (folder / "rule-hw").mkdir(parents=True)
    (folder / "channel-chat2").mkdir()
    (folder / "rule-hw" / "chat.md.j2").write_text(
        "RULE {{ blocks[0].events[0].company }} {{ blocks[0].events[0].event }}", encoding="utf-8"
    )
    (folder / "channel-chat2" / "chat.md.j2").write_text("CHANNEL {{ rules|join(',') }}")
    chat1 = f"rocket://one/t1@127.0.0.1:{hook.port}/"
    chat2 = f"rocket://two/t2@127.0.0.1:{hook.port}/"
    cfg = make_cfg(tmp_path, {"chat1": chat1, "chat2": chat2}, alerts=f'template_dir = "{folder}"')
    record(cfg, [filing(COMPANIES[0])])
    assert deliverer(cfg).drain(timeout=20).sent == 2
    by_path = {e["path"]: e["data"]["text"] for e in hook.received}
    assert by_path["/hooks/one/t1"].endswith("RULE 超聚变数字技术股份有限公司 辅导备案")
    assert by_path["/hooks/two/t2"].endswith("CHANNEL hw")


def test_templates_are_sandboxed_and_checked_when_the_config_loads(tmp_path, hook):
    folder = tmp_path / "tpl"
    folder.mkdir()
    (folder / "chat.md.j2").write_text("{{ rules.__class__.__mro__[1].__subclasses__() }}")
    chat = f"rocket://one/t1@127.0.0.1:{hook.port}/"
    cfg = make_cfg(tmp_path, {"chat": chat}, alerts=f'template_dir = "{folder}"')
    record(cfg, [filing(COMPANIES[0])])
    report = deliverer(cfg).deliver_due()
    assert report.failed == 1 and "render failed" in report.errors[0]
    assert hook.received == []  # nothing half-rendered went out; the row stays pending
    assert [r[0] for r in outbox(cfg)] == ["pending"]

    (folder / "chat.md.j2").write_text("{% for x in %}")
    with pytest.raises(ConfigError, match=r"alerts.template_dir.*chat.md.j2.*TemplateSyntaxError"):
        make_cfg(tmp_path, {"chat": chat}, alerts=f'template_dir = "{folder}"')


def test_formats_come_from_the_installed_plugins():
    assert outgoing.family("mailtos://u:p@example.com").name == "mail"
    assert outgoing.family("json://127.0.0.1/x").body_format == "text"
    for schema in ("tgram", "slack", "dingtalk", "feishu", "lark", "discord"):
        assert outgoing.family_of_schema(schema).body_format == "markdown", schema
    assert outgoing.family_of_schema("discord").body_maxlen == 2000
    assert outgoing.family_of_schema("sendgrid").body_format == "html"
    assert outgoing.family_of_schema("clicksend").body_format == "text"  # SMS
    assert outgoing.family_of_schema("no-such-schema").body_format == "text"


def test_old_payloads_without_new_keys_still_render():
    item = {"kind": "stage", "stage": "tutoring", "company": "甲公司", "rule": "r", "event_id": 1}
    (out,) = outgoing.build("event", [item], "mailto://127.0.0.1", "both", channel="mail")
    assert "甲公司" in out.body and out.html and "甲公司" in out.html
    item = {
        **item,
        "facts": {"province": "河南", "zzz": "其他"},
        "change": {"text_zh": "募资额 30 → 20"},
    }
    (out,) = outgoing.build("event", [item], "mailto://127.0.0.1", "zh", channel="mail")
    assert "省份：河南" in out.body.splitlines() and "zzz" in out.html
    assert json.dumps(item)  # payloads stay JSON


def test_preview_renders_a_recorded_event_per_channel_and_writes_the_html(tmp_path, cli, hook):
    chat = f"rocket://one/t1@127.0.0.1:{hook.port}/"
    cfg = make_cfg(tmp_path, {"mail": "mailto://127.0.0.1:9?to=a@b.c", "chat": chat})
    record(cfg, [filing(COMPANIES[0], url=LONG_URL)])
    config = str(cfg.path)
    proc = cli("alerts", "preview", "--config", config, "--channel", "chat")
    assert proc.returncode == 0, proc.stderr
    assert (
        "chat: markdown" in proc.stdout
        and "**超聚变数字技术股份有限公司 (xFusion)**" in proc.stdout
    )
    page = tmp_path / "out.html"
    proc = cli("alerts", "preview", "--config", config, "--rule", "hw", "--html", str(page))
    assert proc.returncode == 0, proc.stderr
    assert "from outbox row" in proc.stdout and "券商：中信证券" in proc.stdout
    assert f'<a href="{LONG_URL}"' in page.read_text(encoding="utf-8")
    assert hook.received == []  # a preview sends nothing
    bad = cli("alerts", "preview", "--config", config, "--channel", "nope")
    assert bad.returncode != 0 and "unknown channel 'nope'; defined: mail, chat" in bad.stderr
    missing = cli("alerts", "preview", "--config", config, "--event", "99999")
    assert missing.returncode != 0 and "no event with id 99999" in missing.stderr
