"""`filingwatch example-config`: the annotated example config, from the install itself.

A wheel or container has no checkout to copy config.example.toml from; it ships as package
data (scraper/resources.py) and this prints or writes it.
"""

from __future__ import annotations

from pathlib import Path

import click


@click.command("example-config")
@click.option("--out", type=click.Path(dir_okay=False), help="Write here (refuses to overwrite).")
def example_config(out):
    """Print the annotated example config.toml (or write it with --out FILE)."""
    from scraper.resources import DataMissing, example_config

    try:
        text = example_config()
    except DataMissing as exc:
        raise click.ClickException(str(exc)) from None
    if not out:
        click.echo(text, nl=False)
        return
    if Path(out).exists():
        raise click.ClickException(f"{out} exists; not overwriting it")
    Path(out).write_text(text, encoding="utf-8")
    click.echo(f"wrote {out}; edit it, then: filingwatch run --config {out}")


COMMANDS = (example_config,)
