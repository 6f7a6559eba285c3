"""The `filingwatch` command line."""

from __future__ import annotations

import csv
import io
import json
import sys
from pathlib import Path

import click

from scraper import FIXTURES_DIR
from scraper import config as config_mod
from scraper.sources import SOURCES

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


def config_option(f):
    return click.option(
        "--config", "config_path", type=click.Path(dir_okay=False), envvar="FILINGWATCH_CONFIG",
        help="config.toml to use (env FILINGWATCH_CONFIG); defaults apply without one.",
    )(f)  # fmt: skip


def db_option(f):
    return click.option("--db", "db_path", type=click.Path(dir_okay=False),
                        help="SQLite file; overrides [database] path.")(f)  # fmt: skip


def format_option(f):
    return click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table",
                        show_default=True, help="Output format.")(f)  # fmt: skip


def load_config(config_path: str | None, db_path: str | None = None) -> config_mod.Config:
    try:
        cfg = config_mod.load(config_path)
    except config_mod.ConfigError as exc:
        raise click.ClickException(str(exc)) from None
    if db_path:
        from dataclasses import replace

        cfg = replace(cfg, db_path=Path(db_path).resolve(), data_dir=Path(db_path).resolve().parent)
    return cfg


@click.group(context_settings=CONTEXT)
@click.version_option(package_name="filingwatch")
def cli():
    """filingwatch: watch China's IPO pipeline at its source.

    Crawls the regulators' and exchanges' own disclosure pages into one SQLite file
    (filings, companies, events, source_runs) and alerts on moves in watched sectors.
    """


@cli.command()
@click.argument("source", type=click.Choice(sorted(SOURCES)))
@click.option("--backfill", is_flag=True, help="Crawl every page (first load or repair).")
@click.option("--full", is_flag=True, help="Force a full snapshot sweep instead of incremental.")
@click.option("--post", is_flag=True, help="csrcfd: use the POST form pages (index_N_f.html).")
@click.option(
    "--keyword", default="", help="csrcfd: company keyword for the POST form (implies --post)."
)
@click.option("--since", default="", help="csrcfd: filing date from (YYYY-MM-DD, POST form).")
@click.option("--until", default="", help="csrcfd: filing date to (YYYY-MM-DD, POST form).")
@click.option(
    "--alert-baseline",
    is_flag=True,
    help="Treat a source's first crawl as news (by default its events are baseline, no alerts).",
)
@click.option(
    "-s",
    "--set",
    "settings",
    multiple=True,
    metavar="NAME=VALUE",
    help="Override a Scrapy setting, e.g. -s DOWNLOAD_DELAY=0.",
)
@config_option
@db_option
def crawl(
    source,
    backfill,
    full,
    post,
    keyword,
    since,
    until,
    alert_baseline,
    settings,
    config_path,
    db_path,
):
    """Run one crawl of SOURCE and print a summary; exits 1 when the run is unhealthy."""
    from scraper.crawl import run_crawl

    cfg = load_config(config_path, db_path)
    spider_args = {}
    if post or keyword or since or until:
        spider_args = {"post": True, "keyword": keyword, "since": since, "until": until}
    overrides = {}
    for item in settings:
        name, _, value = item.partition("=")
        overrides[name] = value
    summary = run_crawl(cfg, source, backfill=backfill, full=full, alert_baseline=alert_baseline,
                        spider_args=spider_args, settings_overrides=overrides)  # fmt: skip
    click.echo(summary.line())
    sys.exit(0 if summary.health == "ok" else 1)


@cli.command()
@click.option(
    "--port", default=8650, show_default=True, help="Port on 127.0.0.1 (0 = any free port)."
)
@click.option(
    "--fixtures",
    type=click.Path(file_okay=False),
    default=str(FIXTURES_DIR),
    show_default=True,
    help="Folder with one sub-folder of fixture responses per source.",
)
@click.option(
    "--fault",
    "faults",
    multiple=True,
    metavar="SITE:KIND[:COUNT]",
    help="Inject a quirk: KIND is status503, challenge, challenge403, empty, gbk, slow, reset, "
    "truncate or html_error; COUNT requests (default: all). Repeatable.",
)
@click.option(
    "--captured",
    multiple=True,
    type=click.Path(file_okay=False),
    help="Also serve responses saved by `capture` or kept as broken pages.",
)
def replay(port, fixtures, faults, captured):
    """Serve the bundled fixtures at the sites' own paths on 127.0.0.1 until Ctrl-C."""
    from scraper.replay import Fault, main_serve

    parsed = []
    for spec in faults:
        parts = spec.split(":")
        if len(parts) < 2:
            raise click.BadParameter(f"{spec!r}: expected SITE:KIND[:COUNT]", param_hint="--fault")
        kind, status = parts[1], 503
        if kind.startswith("status"):
            status, kind = int(kind[6:] or 503), "status"
        parsed.append(Fault(kind=kind, site=parts[0], count=int(parts[2]) if len(parts) > 2 else None,
                            status=status))  # fmt: skip

    def announce(server):
        click.echo(f"replay serving {server.fixtures_dir} at {server.base_url}", err=True)
        click.echo("point a source at it in config.toml, e.g.:", err=True)
        for slug in sorted(SOURCES):
            click.echo(f'  [sources.{slug}]\n  base_url = "{server.base_url}"', err=True)
        sys.stderr.flush()

    main_serve(port, Path(fixtures), parsed, [Path(c) for c in captured], announce)


def _emit(rows: list[dict], fmt: str) -> None:
    if fmt == "json":
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    if not rows:
        click.echo("(no rows)", err=True)
        return
    cols = list(rows[0])
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=cols)
        writer.writeheader()
        writer.writerows(rows)
        click.echo(out.getvalue(), nl=False)
        return
    click.echo(render_table(rows, cols))


def render_table(rows: list[dict], cols: list[str], max_width: int = 40) -> str:
    import unicodedata

    def width(s: str) -> int:
        return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in s)

    def cut(value) -> str:
        s = "" if value is None else str(value)
        s = s.replace("\n", " ")
        while width(s) > max_width:
            s = s[:-2] + "…"
        return s

    cells = [[cut(r.get(c)) for c in cols] for r in rows]
    widths = [max([width(c)] + [width(row[i]) for row in cells]) for i, c in enumerate(cols)]

    def line(values):
        return "  ".join(v + " " * (widths[i] - width(v)) for i, v in enumerate(values)).rstrip()

    return "\n".join([line(cols), line(["-" * w for w in widths]), *(line(r) for r in cells)])


def _read(cfg, sql: str, params=()) -> list[dict]:
    from scraper.db.connection import open_readonly

    try:
        conn = open_readonly(cfg.db_path)
    except FileNotFoundError as exc:
        raise click.ClickException(f"{exc}; run `filingwatch crawl` first or pass --db") from None
    try:
        return [dict(r) for r in conn.execute(sql, params).fetchall()]
    except Exception as exc:  # sqlite3 errors carry the useful message
        raise click.ClickException(f"query failed: {exc}") from None
    finally:
        conn.close()


@cli.command()
@click.argument("sql")
@format_option
@config_option
@db_option
def query(sql, fmt, config_path, db_path):
    """Run a read-only SQL query against the database (writes are refused)."""
    cfg = load_config(config_path, db_path)
    _emit(_read(cfg, sql), fmt)


@cli.command()
@click.option("--company", default="", help="Part of the company name.")
@click.option("--since", default="", help="Disclosed on or after this date (YYYY-MM-DD).")
@click.option("--source", default="", help="Only this source slug.")
@click.option("--limit", default=50, show_default=True)
@format_option
@config_option
@db_option
def filings(company, since, source, limit, fmt, config_path, db_path):
    """List stored filings, newest disclosure first."""
    cfg = load_config(config_path, db_path)
    where, params = [], []
    if company:
        where.append("(company LIKE ? OR company_en LIKE ?)")
        params += [f"%{company}%", f"%{company}%"]
    if since:
        where.append("coalesce(disclosed_date, event_date) >= ?")
        params.append(since)
    if source:
        where.append("source = ?")
        params.append(source)
    sql = (
        "SELECT disclosed_date, source, company, status, report_type, period, broker, regulator, title, pdf_url"
        f" FROM filings {'WHERE ' + ' AND '.join(where) if where else ''}"
        " ORDER BY coalesce(disclosed_date, event_date) DESC, id LIMIT ?"
    )
    _emit(_read(cfg, sql, [*params, limit]), fmt)


@cli.command()
@click.option("--source", default="", help="Only this source slug.")
@click.option("--limit", default=20, show_default=True)
@format_option
@config_option
@db_option
def runs(source, limit, fmt, config_path, db_path):
    """Show recent crawl runs and their health (the source_runs table)."""
    cfg = load_config(config_path, db_path)
    sql = (
        "SELECT id, source, mode, started_at, health, pages, requests, items, new, events, errors, warnings,"
        " last_error, last_error_url FROM source_runs"
        f" {'WHERE source = ?' if source else ''} ORDER BY id DESC LIMIT ?"
    )
    _emit(_read(cfg, sql, [source, limit] if source else [limit]), fmt)


@cli.command()
def sources():
    """List the sources this build knows, with their default base URLs."""
    for slug, spec in sorted(SOURCES.items()):
        click.echo(f"{slug:12} {spec.base_url:35} {spec.title}")


@cli.command()
@click.argument("url")
@click.option(
    "--source",
    required=True,
    type=click.Choice(sorted(SOURCES)),
    help="Which source it belongs to.",
)
@click.option("--method", default="GET", type=click.Choice(["GET", "POST"]), show_default=True)
@click.option("--data", default="", help="Form body for POST (k=v&k2=v2).")
@click.option(
    "--out",
    type=click.Path(file_okay=False),
    default="captures",
    show_default=True,
    help="Folder to write <source>/<name>.body + .json into.",
)
@click.option("--timeout", default=20.0, show_default=True)
def capture(url, source, method, data, out, timeout):
    """Fetch a live URL and save it as a fixture the replay server can serve (--captured)."""
    from scraper.capture import capture_url

    path = capture_url(url, source, Path(out), method=method, data=data, timeout=timeout)
    click.echo(f"saved {path} (serve it with: filingwatch replay --captured {out})")


# `python -m scraper.cli` runs this file as __main__: alias it so modules that import
# scraper.cli (alerts.cli) get this module instead of executing it a second time.
sys.modules.setdefault("scraper.cli", sys.modules[__name__])
from alerts.cli import COMMANDS as _ALERT_COMMANDS  # noqa: E402

for _command in _ALERT_COMMANDS:  # match, alerts, run, demo
    cli.add_command(_command)

from scraper.company_commands import COMMANDS as _COMPANY_COMMANDS  # noqa: E402

for _command in _COMPANY_COMMANDS:  # company, companies
    cli.add_command(_command)


def main() -> None:
    cli(prog_name="filingwatch")


if __name__ == "__main__":
    main()
