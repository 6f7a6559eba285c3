"""The `filingwatch` command line, one module per command group.

This file stays import-light on purpose: `scraper.cli.options` (imported by every command
module, `alerts.cli` included) executes it first, so importing a command module here would bring
back the import cycle. The root group lives in `scraper.cli.app` and is loaded on first use.
"""

from __future__ import annotations

from typing import Any


def main() -> None:
    """Console-script entry point (`filingwatch = "scraper.cli:main"`)."""
    from scraper.cli.app import main as run

    run()


def __getattr__(name: str) -> Any:
    """`from scraper.cli import cli` keeps working without importing the commands eagerly."""
    if name == "cli":
        from scraper.cli.app import cli

        return cli
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
