"""`filingwatch replay`: serve the bundled fixtures at the sites' own paths on 127.0.0.1."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from scraper.sources import SOURCES


@click.command()
@click.option(
    "--port", default=8650, show_default=True, help="Port on 127.0.0.1 (0 = any free port)."
)
@click.option(
    "--fixtures",
    type=click.Path(file_okay=False),
    default=None,
    help="Folder with one sub-folder of fixture responses per source "
    "(default: the replay data shipped with filingwatch).",
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

    from scraper.resources import DataMissing

    try:
        main_serve(port, Path(fixtures) if fixtures else None, parsed,
                   [Path(c) for c in captured], announce)  # fmt: skip
    except DataMissing as exc:
        raise click.ClickException(str(exc)) from None


COMMANDS = (replay,)
