"""`python -m filingwatch`: a distinctive entry point that forwards to the command line.

The code itself stays in the card's top-level packages (`scraper`, `spiders`, `alerts`) for now:
moving them is a later migration that keeps the old names importable. This package also carries
config.example.toml in a wheel (copied in by setup.py), read via scraper.resources.
"""

from __future__ import annotations


def main() -> None:
    from scraper.cli import main as cli_main

    cli_main()
