"""The root `filingwatch` group: registers every command group's commands.

Only this module imports the command modules; they import `scraper.cli.options`, never this
module or each other, so any of them (and `alerts.cli`) imports alone.
"""

from __future__ import annotations

import click

from alerts.cli import COMMANDS as ALERT_COMMANDS
from scraper.cli.capture import COMMANDS as CAPTURE_COMMANDS
from scraper.cli.companies import COMMANDS as COMPANY_COMMANDS
from scraper.cli.crawl import COMMANDS as CRAWL_COMMANDS
from scraper.cli.due import COMMANDS as DUE_COMMANDS
from scraper.cli.options import CONTEXT
from scraper.cli.query import COMMANDS as QUERY_COMMANDS
from scraper.cli.replay import COMMANDS as REPLAY_COMMANDS
from scraper.cli.run import COMMANDS as RUN_COMMANDS
from scraper.cli.serve import COMMANDS as SERVE_COMMANDS
from scraper.cli.setup import COMMANDS as SETUP_COMMANDS


@click.group(context_settings=CONTEXT)
@click.version_option(package_name="filingwatch")
def cli():
    """filingwatch: watch China's IPO pipeline at its source.

    Crawls the regulators' and exchanges' own disclosure pages into one SQLite file
    (filings, companies, events, source_runs) and alerts on moves in watched sectors.
    """


for _command in (*CRAWL_COMMANDS, *REPLAY_COMMANDS, *QUERY_COMMANDS, *CAPTURE_COMMANDS,
                 *ALERT_COMMANDS, *RUN_COMMANDS, *COMPANY_COMMANDS, *SERVE_COMMANDS,
                 *SETUP_COMMANDS, *DUE_COMMANDS):  # fmt: skip
    cli.add_command(_command)


def main() -> None:
    """Run the CLI; a problem of the user's files or database is one line, not a traceback."""
    import os
    import sqlite3
    import sys

    try:
        cli(prog_name="filingwatch")
    except (sqlite3.OperationalError, sqlite3.DatabaseError, OSError) as exc:
        if os.environ.get("FILINGWATCH_DEBUG"):
            raise
        what = getattr(exc, "filename", None)
        text = f"{exc.strerror} ({what})" if getattr(exc, "strerror", None) and what else str(exc)
        if isinstance(exc, sqlite3.Error):
            text = f"database: {text}" + (
                "; another process is writing, try again" if "locked" in text else ""
            )
        click.echo(f"Error: {text}  (FILINGWATCH_DEBUG=1 shows the traceback)", err=True)
        sys.exit(1)
