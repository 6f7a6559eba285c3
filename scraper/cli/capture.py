"""`filingwatch capture`: save a live response as a fixture the replay can serve."""

from __future__ import annotations

from pathlib import Path

import click

from scraper.sources import SOURCES


@click.command()
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
    from scraper.capture import CaptureError, capture_url

    try:
        path = capture_url(url, source, Path(out), method=method, data=data, timeout=timeout)
    except CaptureError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"saved {path} (serve it with: filingwatch replay --captured {out})")


COMMANDS = (capture,)
