"""`filingwatch demo`: the daemon's full cycle against the bundled replay, with real mail delivery.

Starts the replay server and an SMTP receiver in this process, writes DIR/config.toml, crawls
every registered source once (a source's first crawl is baseline: history, no alerts), then
publishes xFusion's tutoring filing in the replay, crawls csrcfd again and delivers the alert to
the console and to DIR/mail/. Each crawl is a subprocess, exactly as in `filingwatch run`.
"""

from __future__ import annotations

import json
import logging
import shutil
import sys
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path

from alerts.receivers import MailSink
from scraper import resources
from scraper.core.timeutil import today_shanghai
from scraper.sources import SOURCES

XFUSION = {
    "company": "超聚变数字技术股份有限公司",
    "broker": "中信证券股份有限公司",
    "regulator": "河南证监局",
    "status": "辅导备案",
    "report_type": "辅导备案报告",
    # the replay serves this generated report at the row's PDF path (issue 15): the alert shows
    # the agreement date and the tutoring window read from it
    "pdf_fixture": "xfusion.pdf",
}
_STATE = ("filingwatch.db", "filingwatch.db-wal", "filingwatch.db-shm", "filingwatch.db.lock")


def _s(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)  # a TOML basic string


def demo_config(workdir: Path, replay_url: str, mail_url: str) -> str:
    lines = [
        "# Written by `filingwatch demo`: every source points at the local replay server.",
        "[database]", 'path = "filingwatch.db"',
        "[crawl]", "download_delay = 0", "timeout = 10", "retries = 1", "backoff_base = 0.1",
        "run_timeout = 40",
        "[daemon]", "crawl_timeout = 45", "workers = 3", 'log_dir = "logs"', "deliver_interval = 0.5",
        "[alerts]", 'language = "zh"', 'ops_channels = ["ops"]', "retry_base = 1",
        "[[channels]]", 'name = "console"', 'url = "console://"',
        "[[channels]]", 'name = "mail"', f"url = {_s(mail_url)}", 'language = "both"',
        "[[channels]]", 'name = "ops"', 'url = "console://"', 'language = "en"',
        "[[watch]]", 'name = "ai-hardware"', 'sectors = ["ai_server", "chips"]',
        'channels = ["console", "mail"]',
        # issue 14: what changed (a filing's fields) and what is due (committee meetings)
        "[[watch]]", 'name = "what-changed"', 'events = ["change", "committee_meeting"]',
        'channels = ["console"]',
    ]  # fmt: skip
    for slug, spec in sorted(SOURCES.items()):
        lines += [
            f"[sources.{slug}]",
            f"base_url = {_s(replay_url)}",
            'fallback_base_url = ""',
            "jitter = 0",
        ]
        for key, (kind, _default, _help) in spec.extra_keys.items():
            if kind is str and key.endswith("_url"):  # other hosts of the same site: replay too
                lines.append(f"{key} = {_s(replay_url)}")
    return "\n".join(lines) + "\n"


def run_demo(workdir: Path, echo: Callable[[str], None] = print) -> int:
    from scraper import config as config_mod
    from scraper.daemon import Daemon, setup_logging
    from scraper.replay import ReplayServer

    started = time.monotonic()
    fixtures = resources.replay_dir()  # DataMissing (a one-line error) before anything is reset
    workdir = workdir.resolve()
    workdir.mkdir(parents=True, exist_ok=True)
    for name in _STATE:  # a fresh database: the demo's first crawl must be a baseline
        (workdir / name).unlink(missing_ok=True)
    for name in ("mail", "logs", "broken"):
        shutil.rmtree(workdir / name, ignore_errors=True)

    (workdir / "logs").mkdir()
    log_file = open(workdir / "logs" / "daemon.log", "w", encoding="utf-8")  # noqa: SIM115
    setup_logging(logging.INFO, stream=log_file)  # key=value, as `filingwatch run` writes to stderr
    replay = ReplayServer(fixtures_dir=fixtures, port=0).start()
    sink = MailSink(workdir / "mail").start()
    daemon = None
    try:
        config_path = workdir / "config.toml"
        config_path.write_text(demo_config(workdir, replay.base_url, sink.url()), encoding="utf-8")
        cfg = config_mod.load(config_path)
        daemon = Daemon(cfg)
        daemon.prepare()
        echo(f"replay server   {replay.base_url}   (serving {', '.join(sorted(SOURCES))})")
        echo(f"SMTP receiver   127.0.0.1:{sink.port} -> {workdir / 'mail'}/")
        echo(f"config          {config_path}\n")

        echo("1. first crawl of every source (baseline: recorded as history, no alerts)")
        for o in daemon.run_cycle():
            echo(f"   {o.source:14} run {o.run_id}: health={o.health} {o.seconds:.1f}s"
                 + (f"  ({o.failure})" if o.failure else ""))  # fmt: skip

        XFUSION["filing_date"] = today_shanghai().isoformat()
        request = urllib.request.Request(
            f"{replay.base_url}/_replay/csrcfd/publish", data=json.dumps(XFUSION).encode(),
            headers={"Content-Type": "application/json"}, method="POST",
        )  # fmt: skip
        urllib.request.urlopen(request, timeout=10).read()
        echo(f"\n2. the replay publishes a new tutoring filing: {XFUSION['company']}, "
             f"{XFUSION['broker']}, {XFUSION['regulator']}, {XFUSION['status']}")  # fmt: skip
        echo("3. csrcfd runs again, the watch rule 'ai-hardware' fires, the deliverer sends:\n")
        for o in daemon.run_cycle(["csrcfd"]):
            echo(f"\n   {o.source:14} run {o.run_id}: health={o.health} {o.seconds:.1f}s")
        deadline = time.monotonic() + 15
        while not sink.files() and time.monotonic() < deadline:
            daemon.deliverer.drain(timeout=2)
            time.sleep(0.2)
        changes_and_meetings(replay.base_url, daemon, echo)
        mails = sink.messages()
        pages = write_html_parts(sink.files())
        db_path = cfg.db_path
        rel = _rel(config_path)
        echo(f"\nDone in {time.monotonic() - started:.1f}s.")
        echo(f"  database  {db_path}")
        echo(f"  mail      {workdir / 'mail'}/  ({len(mails)} message(s))")
        for m in mails:
            echo(f"            {Path(m['path']).name}: {m['subject']}")
        for page in pages:
            echo(f"            {page.name}: the HTML part, open it in a browser")
        echo(
            f"  logs      {workdir / 'logs'}/ (daemon.log: key=value lines; <source>.log: last crawl)"
        )
        prog = command_name()
        activate = Path(sys.executable).with_name("activate")
        hint = f"  (or `source {activate}` first, then plain `filingwatch ...`)"
        echo("\nTry:" + ("" if prog == "filingwatch" or not activate.exists() else hint))
        for cmd in (
            f"filingwatch alerts history --config {rel}",
            f'filingwatch query --config {rel} "SELECT kind, stage, company, broker, regulator, event_date'
            ' FROM events WHERE baseline = 0"',
            f'filingwatch query --config {rel} "SELECT name, name_en, stage, sectors FROM companies'
            " WHERE sectors != '[]'\"",
            f"filingwatch match 摩尔线程智能科技（北京）股份有限公司 --config {rel}",
            f"filingwatch runs --config {rel}",
            f"filingwatch clocks --all --config {rel}",
            f"filingwatch calendar --out {workdir / 'ipo.ics'} --config {rel}",
            f"filingwatch stats --by board --config {rel}",
        ):
            echo(f"  {prog}{cmd.removeprefix('filingwatch')}")
        return 0 if mails else 1
    finally:
        if daemon is not None:
            daemon.stop()
        sink.stop()
        replay.stop()
        log_file.close()


def command_name() -> str:
    """`filingwatch` when the shell finds this very install; else the script's full path.

    After `make demo` the command lives in .venv/bin, which is not on PATH: a bare name in the
    hints would answer `command not found`.
    """
    script = Path(sys.executable).with_name("filingwatch")
    found = shutil.which("filingwatch")
    if found and Path(found).resolve() == script.resolve():
        return "filingwatch"
    return str(script) if script.exists() else f"{sys.executable} -m filingwatch"


# Issue 14: SSE project 9004 of the replay fixtures (tests/fixtures/sse) files again with a
# smaller planned raise, and the exchange announces its listing-committee meeting.
DEMO_PROJECT = {"stockAuditNum": "9004", "planIssueCapital": 5.2}
DEMO_MEETING = "科创板上市委{y}年第50次审议会议公告（{y}年{m}月{d}日召开）"


def _post(url: str, payload: dict) -> None:
    request = urllib.request.Request(url, data=json.dumps(payload, ensure_ascii=False).encode(),
                                     headers={"Content-Type": "application/json"}, method="POST")  # fmt: skip
    urllib.request.urlopen(request, timeout=10).read()


def changes_and_meetings(replay_url: str, daemon, echo: Callable[[str], None]) -> None:
    """Step 4: one change event (募资额 7.4 亿 → 5.2 亿) and one upcoming committee meeting."""
    from datetime import timedelta

    today = today_shanghai()
    day = today + timedelta(days=7)
    stamp = today.strftime("%Y%m%d") + "180000"
    _post(f"{replay_url}/_replay/sse/update", {"item": {**DEMO_PROJECT, "updateDate": stamp}})
    _post(f"{replay_url}/_replay/sse_committee/announce", {"row": {
        "fileTitle": DEMO_MEETING.format(y=day.year, m=day.month, d=day.day), "fileType": 1,
        "filePath": f"/information/c/{today:%Y%m}/demo50.pdf", "publishDate": today.isoformat(),
        "fileId": "demo50", "fileUpdTime": stamp,
        "stockAudit": [{"auditId": "9004", "companyFullName": "苏州光刻新材料股份有限公司",
                        "auditOrderNo": ""}]}})  # fmt: skip
    echo("\n4. what changed and what is due: SSE project 9004 lowers its planned raise and the"
         " exchange announces its listing-committee meeting; sse and sse_committee run again:\n")  # fmt: skip
    for o in daemon.run_cycle(["sse", "sse_committee"]):
        echo(f"\n   {o.source:14} run {o.run_id}: health={o.health} {o.seconds:.1f}s")


def write_html_parts(files: list[Path]) -> list[Path]:
    """NNNN.eml -> NNNN.html (its text/html part), so the demo's mail can be looked at directly."""
    from email import message_from_bytes, policy

    pages = []
    for path in files:
        msg = message_from_bytes(path.read_bytes(), policy=policy.default)
        part = msg.get_body(preferencelist=("html",))
        if part is not None:
            page = path.with_suffix(".html")
            page.write_text(part.get_content(), encoding="utf-8")
            pages.append(page)
    return pages


def _rel(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)
