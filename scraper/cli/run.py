"""`filingwatch run` (the daemon) and `filingwatch demo` (its full cycle against the replay)."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import click

from scraper.cli.options import config_option, db_option, load_config


@click.command("run")
@click.option("--once", is_flag=True, help="Crawl every enabled source once, deliver, and exit.")
@click.option("-v", "--verbose", is_flag=True, help="Debug logging.")
@config_option
@db_option
def run(once, verbose, config_path, db_path):
    """Run the daemon: every enabled source on its schedule, alerts delivered continuously.

    Each crawl is a subprocess with a timeout; SIGTERM stops scheduling, ends the running crawl
    (SIGTERM, then SIGKILL after daemon.stop_timeout) and exits. A lock file next to the
    database refuses a second daemon. Logs go to stderr as key=value lines.
    """
    from scraper.config import ConfigError
    from scraper.daemon import Daemon, DaemonError, setup_logging

    setup_logging(logging.DEBUG if verbose else logging.INFO)
    cfg = load_config(config_path, db_path)
    daemon = Daemon(cfg)
    try:
        if once:
            daemon.install_signal_handlers()
            daemon.prepare()
            try:
                outcomes = daemon.run_cycle()
            finally:
                daemon.stop()
            if daemon.signalled:  # interrupted: the crawls were ended, say so like a shell would
                sys.exit(128 + daemon.signalled)
            sys.exit(0 if all(o.health == "ok" and not o.failure for o in outcomes) else 1)
        daemon.run_forever()
    except (DaemonError, ConfigError) as exc:
        raise click.ClickException(str(exc)) from None


@click.command("demo")
@click.option("--workdir", type=click.Path(file_okay=False), default="demo", show_default=True,
              help="Folder for config.toml, filingwatch.db, mail/ and logs/ (its state is reset).")  # fmt: skip
def demo(workdir):
    """Full cycle against the bundled replay: crawl, a new filing, alerts to console and a mailbox."""
    from alerts.demo import run_demo
    from scraper.resources import DataMissing

    try:
        code = run_demo(Path(workdir), echo=click.echo)
    except DataMissing as exc:
        raise click.ClickException(str(exc)) from None
    sys.exit(code)


COMMANDS = (run, demo)
