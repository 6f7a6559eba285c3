"""Commands of the alert layer: match, alerts test|preview|pending|history|deliver.

Registered on the root group by scraper/cli/app.py; they reuse the shared option decorators and
output of scraper.cli.options (and import nothing else of the CLI, so this module imports alone).
Everything heavier than click is imported inside the commands, so `filingwatch --help` and the
other commands do not pay for the alert layer at start-up.
"""

from __future__ import annotations

import json
import sys

import click

from scraper.cli.options import _emit, _read, config_option, db_option, format_option, load_config


@click.command("match")
@click.argument("name")
@click.option("--name-en", default="", help="The company's English name, if known.")
@click.option("--industry", default="", help="CSRC industry code or text, e.g. C39.")
@click.option(
    "--json", "as_json", is_flag=True, help='Print {"name", "sectors", "reasons"} as JSON.'
)
@click.option(
    "--text",
    "text_file",
    type=click.File("r", encoding="utf-8"),
    default=None,
    help="A report's text (FILE or - for stdin): its 主营业务/行业分类 are read; text without "
    "those labels is taken as the main-business description itself.",
)
@config_option
def match(name, name_en, industry, text_file, as_json, config_path):
    """Show which sectors NAME falls in and why (known company, industry, main business, name)."""
    from alerts.config import settings

    taxonomy = settings(load_config(config_path)).taxonomy
    business = None
    if text_file is not None:
        from scraper.parsers.tutoring_report import parse_filing_report

        text = text_file.read()
        facts = parse_filing_report([text]).facts
        business = facts["main_business"].value if "main_business" in facts else text
        if not industry and "industry" in facts:
            industry = facts["industry"].value
    result = taxonomy.classify(name, name_en or None, industry or None, business)
    if as_json:
        click.echo(json.dumps(result.as_json(), ensure_ascii=False))
        return
    from alerts.sectors import reason_text

    click.echo(
        name + (f" ({result.known.name_en})" if result.known and result.known.name_en else "")
    )
    if not result.sectors:
        click.echo("  no sector matched")
    for reason in result.reasons:
        click.echo(f"  {reason_text(reason)}")
    for phrase in result.excluded:
        if phrase.startswith("不…"):
            click.echo(f"  ignored: the main business denies {phrase[2:]!r}")
        else:
            click.echo(f"  ignored: {phrase!r} is an excluded phrase")


@click.group("alerts")
def alerts():
    """Alert channels and the outbox: send a test, preview a message, list pending or sent alerts, deliver now."""


@alerts.command("test")
@click.option("--channel", "channels", multiple=True, help="Only this channel (repeatable).")
@config_option
def alerts_test(channels, config_path):
    """Send a test message to every channel (or --channel NAME); exit 1 if one fails."""
    from alerts.config import settings
    from alerts.delivery import check_channels, send_test
    from scraper.config import ConfigError
    from scraper.core.textsafe import mask_urls_in

    cfg = load_config(config_path)
    s = settings(cfg)
    unknown = [c for c in channels if c not in s.channels]
    if unknown or not s.channels:
        raise click.ClickException(
            f"unknown channel {unknown[0]!r}; defined: {', '.join(s.channels) or '(none)'}"
            if unknown else "no [[channels]] in the config"
        )  # fmt: skip
    try:
        check_channels(cfg, list(channels) or None)
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None
    failed = 0
    for name, url, ok, error in send_test(s, list(channels) or None):
        click.echo(
            f"{'ok    ' if ok else 'FAILED'} {name:12} {url}"
            + (f"  {mask_urls_in(error)}" if error else "")
        )
        failed += not ok
    sys.exit(1 if failed else 0)


@alerts.command("preview")
@click.option("--rule", default=None, help="As sent for this watch rule.")
@click.option(
    "--event", "event_id", type=int, default=None, help="This event id (default: latest)."
)
@click.option("--channel", default=None, help="As this channel would get it (format, language).")
@click.option("--html", "html_file", type=click.Path(dir_okay=False), default=None,
              help="Also write the e-mail's HTML part to FILE (to open in a browser).")  # fmt: skip
@config_option
@db_option
def alerts_preview(rule, event_id, channel, html_file, config_path, db_path):
    """Render what would be sent for an event, without sending (templates, format, splitting)."""
    from pathlib import Path

    from alerts.config import settings
    from alerts.preview import preview
    from scraper.db import connection as dbconn

    cfg = load_config(config_path, db_path)
    s = settings(cfg)
    if channel and channel not in s.channels:
        raise click.ClickException(
            f"unknown channel {channel!r}; defined: {', '.join(s.channels) or '(none)'}"
        )
    if rule and rule not in {r.name for r in s.rules}:
        raise click.ClickException(
            f"unknown rule {rule!r}; defined: {', '.join(r.name for r in s.rules) or '(none)'}"
        )
    db = dbconn.open_db(cfg.db_path)
    try:
        desc, messages, source = preview(db, s, event_id=event_id, rule=rule, channel=channel,
                                         html=bool(html_file))  # fmt: skip
    except LookupError as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        db.conn.close()
    click.echo(f"# {desc}; from {source}; {len(messages)} message(s)")
    for m in messages:
        click.echo(
            f"\n── title: {m.title}" + (f"\n── Message-ID: {m.message_id}" if m.message_id else "")
        )
        click.echo(f"── body ({'text/plain part' if m.html else m.body_format}):\n{m.body}")
    if html_file:
        page = next(
            (m.html or (m.body if m.body_format == "html" else None) for m in messages), None
        )
        if page is None:
            raise click.ClickException(f"this channel gets no HTML ({desc})")
        Path(html_file).write_text(page, encoding="utf-8")
        click.echo(f"\nHTML written to {html_file}")


@alerts.command("pending")
@click.option("--limit", default=50, show_default=True)
@format_option
@config_option
@db_option
def alerts_pending(limit, fmt, config_path, db_path):
    """Alerts not yet delivered: attempts, next try (Asia/Shanghai) and the last error."""
    from alerts import outbox

    cfg = load_config(config_path, db_path)
    sql = outbox.rows_sql("status != 'sent'", order="id")
    _emit(_masked(_read(cfg, sql, [limit])), fmt)


def _masked(rows: list[dict]) -> list[dict]:
    """Errors quote channel URLs; rows stored before masking must not print their tokens."""
    from scraper.core.textsafe import mask_urls_in

    return [{**r, "last_error": mask_urls_in(r.get("last_error"))} for r in rows]


@alerts.command("history")
@click.option("--limit", default=50, show_default=True)
@click.option("--channel", default="", help="Only this channel.")
@click.option("--rule", default="", help="Only this watch rule.")
@format_option
@config_option
@db_option
def alerts_history(limit, channel, rule, fmt, config_path, db_path):
    """Delivered alerts, newest first (one row per rule, event and channel)."""
    from alerts import outbox

    cfg = load_config(config_path, db_path)
    where, params = ["status = 'sent'"], []
    if channel:
        where.append("channel = ?")
        params.append(channel)
    if rule:
        where.append("rule = ?")
        params.append(rule)
    sql = outbox.rows_sql(" AND ".join(where), order="sent_at DESC, id DESC")
    _emit(_masked(_read(cfg, sql, [*params, limit])), fmt)


@alerts.command("deliver")
@click.option("--timeout", default=60.0, show_default=True, help="Give up after this many seconds.")
@click.option("--loop", is_flag=True,
              help="Keep delivering every --interval seconds until SIGTERM/Ctrl-C (the deliverer "
                   "of machines whose crawls run elsewhere, e.g. under scrapyd).")  # fmt: skip
@click.option(
    "--interval", default=10.0, show_default=True, help="Seconds between rounds (--loop)."
)
@config_option
@db_option
def alerts_deliver(timeout, loop, interval, config_path, db_path):
    """Deliver due alerts now and exit (for use without the daemon, e.g. from cron)."""
    from alerts.config import settings
    from alerts.delivery import Deliverer, check_channels
    from scraper.config import ConfigError
    from scraper.db import connection as dbconn

    cfg = load_config(config_path, db_path)
    try:
        check_channels(cfg)
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None
    deliverer = Deliverer(dbconn.open_db(cfg.db_path), settings(cfg), data_dir=cfg.data_dir)
    if loop:
        sys.exit(_deliver_loop(deliverer, timeout, interval))
    report = deliverer.drain(timeout=timeout)
    deliverer.close()
    click.echo(f"sent={report.sent} messages={report.messages} failed={report.failed} "
               f"uncertain={report.uncertain} still_pending={deliverer.pending()}")  # fmt: skip
    for error in report.errors:
        click.echo(f"  {error}", err=True)
    sys.exit(1 if report.failed or report.uncertain else 0)


def _deliver_loop(deliverer, timeout: float, interval: float) -> int:
    """Drain, wait, repeat; SIGTERM or Ctrl-C ends it after the current round."""
    import signal
    import threading

    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    try:
        while not stop.is_set():
            report = deliverer.drain(timeout=timeout)
            if report.sent or report.failed:
                click.echo(f"sent={report.sent} messages={report.messages} failed={report.failed} "
                           f"still_pending={deliverer.pending()}")  # fmt: skip
            stop.wait(interval)
    finally:
        deliverer.close()
    return 0


COMMANDS = (match, alerts)
