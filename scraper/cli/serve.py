"""`filingwatch serve`, `feed` and `report`: the database as a website, feeds and charts.

serve runs Datasette on the database with the shipped metadata and the filingwatch plugin
(feeds at /-/feeds/..., pipeline charts at /-/report/<sector>.html); feed and report write the
same documents to files for static hosting.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import click

from scraper.cli.options import config_option, db_option, load_config


def _open(cfg):
    from scraper.db import connection as dbconn

    return dbconn.open_db(cfg.db_path)  # applies pending migrations (FTS, views) first


def _rules(cfg) -> list[str]:
    from alerts.config import settings

    return [rule.name for rule in settings(cfg).rules]


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8001, show_default=True, type=int)
@config_option
@db_option
def serve(host, port, config_path, db_path):
    """Browse the database in Datasette: facets, full-text search, canned queries, feeds, charts."""
    from alerts import feeds
    from scraper import site

    cfg = load_config(config_path, db_path)
    db = _open(cfg)
    rules = feeds.rule_names(db, _rules(cfg))
    db.conn.close()
    name = Path(cfg.db_path).stem
    meta = site.write_metadata(Path(cfg.db_path).with_name("datasette-metadata.json"), name, rules)
    args = [sys.executable, "-m", "datasette", "serve", str(cfg.db_path), "--metadata", str(meta),
            "--plugins-dir", str(site.plugins_dir()), "--host", host, "--port", str(port),
            "--setting", "sql_time_limit_ms", "3000", "--setting", "default_page_size", "50"]  # fmt: skip
    click.echo(f"serving {cfg.db_path} at http://{host}:{port}/", err=True)
    sys.stderr.flush()
    os.execv(sys.executable, args)  # Datasette takes over this process (signals go straight to it)


@click.command()
@click.argument("rule", required=False)
@click.option("--company", type=int, help="The feed of one company (its id in `companies`).")
@click.option("--out", "out", type=click.Path(dir_okay=False), required=True, help="File to write.")
@click.option("--format", "fmt", type=click.Choice(["atom", "json"]), default=None,
              help="Atom or JSON Feed 1.1 (default: from the file name; .json -> JSON Feed).")  # fmt: skip
@click.option("--base-url", default="http://localhost:8001", show_default=True,
              help="Where the feed will be published (its self link).")  # fmt: skip
@config_option
@db_option
def feed(rule, company, out, fmt, base_url, config_path, db_path):
    """Write the feed of RULE (a [[watch]] name), of --company ID, or of everything (no RULE)."""
    from scraper import site

    fmt = fmt or ("json" if out.endswith(".json") else "atom")
    path = f"company/{company}" if company else (f"rule/{rule}" if rule else "all")
    cfg = load_config(config_path, db_path)
    if rule and rule not in _rules(cfg):
        from alerts import feeds

        db = _open(cfg)
        known = feeds.rule_names(db, _rules(cfg))
        db.conn.close()
        if rule not in known:
            raise click.ClickException(
                f"no watch rule {rule!r}; known: {', '.join(known) or 'none'}"
            )
    db = _open(cfg)
    try:
        body = site.feed_body(db.conn, path, fmt, base_url)
    except KeyError:
        raise click.ClickException(f"no feed for {path}") from None
    finally:
        db.conn.close()
    Path(out).write_bytes(body)
    entries = body.count(b"<entry>") if fmt == "atom" else len(json.loads(body)["items"])
    click.echo(f"wrote {out} ({fmt}, {entries} entries)")


@click.command()
@click.option("--sector", required=True, help="A sector of the taxonomy, e.g. chips or ai_server.")
@click.option("--out", "out", type=click.Path(dir_okay=False), required=True)
@config_option
@db_option
def report(sector, out, config_path, db_path):
    """Write SECTOR's pipeline chart (companies x stages over time) as a static HTML/SVG page."""
    from alerts.sectors import default_taxonomy
    from scraper import site

    cfg = load_config(config_path, db_path)
    if sector not in default_taxonomy().sectors:
        known = ", ".join(default_taxonomy().sectors)
        raise click.ClickException(f"unknown sector {sector!r}; known: {known}")
    db = _open(cfg)
    try:
        page = site.report_html(db.conn, sector)
    finally:
        db.conn.close()
    Path(out).write_text(page, encoding="utf-8")
    bars = page.count('class="stage ')
    click.echo(f"wrote {out} ({bars} stage bars)")


COMMANDS = (serve, feed, report)
