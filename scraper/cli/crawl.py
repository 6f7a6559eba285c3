"""`filingwatch crawl` and `filingwatch sources`: one run of one source, and what sources exist."""

from __future__ import annotations

import sys

import click

from scraper.cli.options import config_option, db_option, load_config
from scraper.sources import SOURCES


@click.command()
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
    "--documents",
    is_flag=True,
    help="csrcfd: fetch and read the report PDFs of stored rows that have none yet (history "
    "from the baseline sweep), newest first; resumable. No list pages, no alerts.",
)
@click.option("--limit", default=200, show_default=True, help="--documents: at most this many.")
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
    documents,
    limit,
    settings,
    config_path,
    db_path,
):
    """Run one crawl of SOURCE and print a summary; exits 1 when the run is unhealthy."""
    from scraper.crawl import run_crawl
    from scraper.crawl_lock import EXIT_LOCKED, CrawlLocked

    cfg = load_config(config_path, db_path)
    if documents:
        if source != "csrcfd":
            raise click.UsageError("--documents reads csrcfd reports only")
        from scraper.documents_backfill import backfill

        cap = int(cfg.crawl.documents_max_mb * 1024 * 1024)
        click.echo(backfill(cfg, limit, echo=click.echo, max_bytes=cap).line())
        return
    spider_args = {}
    if post or keyword or since or until:
        spider_args = {"post": True, "keyword": keyword, "since": since, "until": until}
    overrides = {}
    for item in settings:
        name, _, value = item.partition("=")
        overrides[name] = value
    try:
        summary = run_crawl(cfg, source, backfill=backfill, full=full, alert_baseline=alert_baseline,
                            spider_args=spider_args, settings_overrides=overrides)  # fmt: skip
    except CrawlLocked as exc:
        click.echo(f"Error: {exc}", err=True)
        sys.exit(EXIT_LOCKED)
    click.echo(summary.line())
    sys.exit(0 if summary.health == "ok" else 1)


@click.command()
def sources():
    """List the sources this build knows, with their default base URLs."""
    for slug, spec in sorted(SOURCES.items()):
        click.echo(f"{slug:12} {spec.base_url:35} {spec.title}")


COMMANDS = (crawl, sources)
