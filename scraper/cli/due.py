"""`filingwatch clocks`, `calendar` and `stats`: what is due, when, and how long stages take.

Registered on the root group by scraper/cli/app.py. `clocks` reads the `clocks` view at a
given instant (--now, default the system clock) and, with --fire, queues the alerts due then.
"""

from __future__ import annotations

from datetime import datetime

import click

from scraper.cli.options import _emit, config_option, db_option, format_option, load_config


def _now(value: str | None) -> datetime:
    from scraper.core.timeutil import SHANGHAI

    if not value:
        return datetime.now(SHANGHAI)
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"expected an ISO date or time, got {value!r}") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=SHANGHAI)


def clock_rows(readings) -> list[dict]:
    return [{"kind": r.clock.kind, "company": r.clock.company, "subject": r.clock.subject,
             "start": r.clock.start_date, "due": r.clock.due_date, "state": r.state,
             "days_left": r.days_left, "closed_on": r.clock.closed_on,
             "duration_days": r.clock.duration_days, "text": r.text("zh")}
            for r in readings]  # fmt: skip


@click.command()
@click.option("--due-within", "due_within", type=int, default=None,
              help="Only clocks due within this many days (overdue ones included).")  # fmt: skip
@click.option("--all", "show_all", is_flag=True, help="Also closed clocks (heard, resumed...).")
@click.option("--now", "now_text", default=None, help="Read the clocks at this ISO time.")
@click.option("--fire", is_flag=True, help="Queue the alerts due now (each clock fires once).")
@format_option
@config_option
@db_option
def clocks(due_within, show_all, now_text, fire, fmt, config_path, db_path):
    """Deadlines from stored facts: HKEX lapses, suspension windows, tutoring reports."""
    from alerts.config import clock_options
    from alerts.outbox import OutboxSink
    from scraper import clocks as clocks_mod
    from scraper.db.connection import open_db, open_readonly

    cfg = load_config(config_path, db_path)
    if not cfg.db_path.exists():
        raise click.ClickException(
            f"database not found: {cfg.db_path}; run `filingwatch crawl` first"
        )
    options, now = clock_options(cfg), _now(now_text)
    if fire:  # writes events and outbox rows; reading alone needs no write access
        db = open_db(cfg.db_path)
        try:
            fired = clocks_mod.fire(db, now, options, OutboxSink(cfg))
        finally:
            db.conn.close()
        click.echo(f"fired {len(fired)} clock alert(s)", err=True)
    conn = open_readonly(cfg.db_path)
    try:
        readings = clocks_mod.readings(conn, now, options, open_only=not show_all)
    finally:
        conn.close()
    if due_within is not None:
        readings = [r for r in readings if r.days_left is not None and r.days_left <= due_within]
    _emit(clock_rows(readings), fmt)


@click.command()
@click.option("--rule", default=None, help="Only the companies this [[watch]] rule watches.")
@click.option("--out", "out_path", required=True, type=click.Path(dir_okay=False),
              help="The .ics file to write.")  # fmt: skip
@config_option
@db_option
def calendar(rule, out_path, config_path, db_path):
    """Write an iCalendar file: committee meetings, expected listings, HKEX lapse dates."""
    from pathlib import Path

    from alerts.config import settings
    from scraper import calendar as calendar_mod
    from scraper.core.timeutil import SHANGHAI
    from scraper.db.connection import open_readonly

    cfg = load_config(config_path, db_path)
    rules = settings(cfg).rules
    if rule is not None:
        rules = tuple(r for r in rules if r.name == rule)
        if not rules:
            known = ", ".join(r.name for r in settings(cfg).rules) or "(none)"
            raise click.ClickException(f"unknown rule {rule!r}; rules: {known}")
    try:
        conn = open_readonly(cfg.db_path)
    except FileNotFoundError as exc:
        raise click.ClickException(f"{exc}; run `filingwatch crawl` first or pass --db") from None
    try:
        ids = calendar_mod.watched_companies(conn, rules) if rules else None
        body = calendar_mod.build(conn, ids, datetime.now(SHANGHAI), f"filingwatch {rule or 'all'}")
    finally:
        conn.close()
    Path(out_path).write_bytes(body)
    click.echo(f"wrote {body.count(b'BEGIN:VEVENT')} event(s) to {out_path}", err=True)


@click.command()
@click.option("--sector", default="", help="Only companies classified in this sector.")
@click.option("--board", default="", help="Only this board (star, main, chinext, bse, sehk, gem).")
@click.option(
    "--since", default="", help="Only applications accepted / filed on or after (YYYY-MM-DD)."
)
@click.option("--by", "by", type=click.Choice(["all", "board", "sponsor", "sector"]), default="all",
              show_default=True, help="Group the figures by this.")  # fmt: skip
@click.option("--per-company", is_flag=True, help="Days per step for each project instead.")
@format_option
@config_option
@db_option
def stats(sector, board, since, by, per_company, fmt, config_path, db_path):
    """Days in each stage: medians and percentiles per board, sponsor and sector."""
    from scraper import stats as stats_mod
    from scraper.db.connection import open_readonly

    if since:
        from scraper.core.timeutil import parse_date

        if parse_date(since) != since:
            raise click.BadParameter(f"expected YYYY-MM-DD, got {since!r}", param_hint="--since")
    cfg = load_config(config_path, db_path)
    try:
        conn = open_readonly(cfg.db_path)
    except FileNotFoundError as exc:
        raise click.ClickException(f"{exc}; run `filingwatch crawl` first or pass --db") from None
    try:
        if per_company:
            rows = stats_mod.project_rows(conn, sector=sector, board=board, since=since)
        else:
            groupings = stats_mod.GROUPINGS if by == "all" else (by,)
            rows = stats_mod.stats(conn, sector=sector, board=board, since=since,
                                   groupings=groupings)  # fmt: skip
    finally:
        conn.close()
    _emit(rows, fmt)


COMMANDS = (clocks, calendar, stats)
