"""`filingwatch query`, `filings` and `runs`: read-only views of the database."""

from __future__ import annotations

import click

from scraper.cli.options import _emit, _read, config_option, db_option, format_option, load_config


@click.command()
@click.argument("sql")
@format_option
@config_option
@db_option
def query(sql, fmt, config_path, db_path):
    """Run a read-only SQL query against the database (writes are refused)."""
    cfg = load_config(config_path, db_path)
    _emit(_read(cfg, sql), fmt)


@click.command()
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


@click.command()
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


COMMANDS = (query, filings, runs)
