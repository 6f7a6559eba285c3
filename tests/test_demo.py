"""`filingwatch demo`: the README's main job, end to end in a fresh process, under a minute."""

import sqlite3
import time
from email import message_from_bytes, policy

import pytest

pytestmark = pytest.mark.slow


def test_demo_end_to_end(tmp_path, cli):
    workdir = tmp_path / "demo"
    started = time.monotonic()
    proc = cli("demo", "--workdir", str(workdir), timeout=120)
    elapsed = time.monotonic() - started
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert elapsed < 60
    out = proc.stdout
    # the console channel printed the alert; the summary says where things are
    assert "超聚变数字技术股份有限公司 (xFusion) — 辅导备案" in out and "券商：中信证券" in out
    assert str(workdir / "filingwatch.db") in out and str(workdir / "mail") in out
    assert "filingwatch query --config" in out

    (mail,) = sorted((workdir / "mail").glob("*.eml"))
    msg = message_from_bytes(mail.read_bytes(), policy=policy.default)
    body = msg.get_body(preferencelist=("plain",)).get_content()
    assert "超聚变" in str(msg["subject"]) and "中信证券" in body and "河南证监局" in body
    assert "Broker: 中信证券" in body  # the mail channel is bilingual
    # facts read from the filing report PDF the replay serves (issue 15)
    assert "辅导协议签署：2025-12-31" in body and "辅导期：2026-01 至 2026-04（4个月）" in body
    assert "Agreement signed: 2025-12-31" in body and "省份：河南" in body
    assert msg["Message-ID"].endswith("@filingwatch>")
    page = mail.with_suffix(".html").read_text(encoding="utf-8")  # the HTML part, for a browser
    assert (
        "超聚变数字技术股份有限公司" in page and "<a href=" in page and mail.stem + ".html" in out
    )

    db = sqlite3.connect(workdir / "filingwatch.db")
    rows = db.execute(
        "SELECT channel, status FROM outbox WHERE kind = 'event' AND rule = 'ai-hardware'"
        " ORDER BY channel"
    ).fetchall()
    assert rows == [("console", "sent"), ("mail", "sent")]
    # issue 14, step 4: one change event and one upcoming committee meeting, on the console
    assert "苏州光刻新材料股份有限公司 — 募资额 7.3 亿 → 5.2 亿" in out
    assert "苏州光刻新材料股份有限公司 将于" in out and "上会（科创板上市委" in out
    assert db.execute(
        "SELECT json_extract(payload, '$.kind'), status FROM outbox WHERE rule = 'what-changed'"
        " ORDER BY 1"
    ).fetchall() == [("change", "sent"), ("committee_meeting", "sent")]
    baseline = db.execute(
        "SELECT count(*) FROM events WHERE baseline = 1 AND source = 'csrcfd'"
    ).fetchone()[0]
    assert baseline > 0  # the first crawl was history and alerted nothing
    sectors = db.execute(
        "SELECT sectors FROM companies WHERE name = '超聚变数字技术股份有限公司'"
    ).fetchone()[0]
    assert sectors == '["ai_server"]'
    assert (workdir / "logs" / "daemon.log").read_text().count("event=crawl_done") >= 2

    again = cli("demo", "--workdir", str(workdir), timeout=120)  # re-runnable: starts fresh
    assert again.returncode == 0 and len(list((workdir / "mail").glob("*.eml"))) == 1
