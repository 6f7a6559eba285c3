"""What every command shares: option decorators, config loading and output.

Command modules import this; it imports no command module (nor `scraper.cli.app`), which is
what keeps the command line free of import cycles.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import click

from scraper import config as config_mod

F = TypeVar("F", bound=Callable[..., Any])

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


def config_option(f: F) -> F:
    return click.option(
        "--config", "config_path", type=click.Path(dir_okay=False), envvar="FILINGWATCH_CONFIG",
        help="config.toml to use (env FILINGWATCH_CONFIG); defaults apply without one.",
    )(f)  # fmt: skip


def db_option(f: F) -> F:
    return click.option("--db", "db_path", type=click.Path(dir_okay=False),
                        help="SQLite file; overrides [database] path.")(f)  # fmt: skip


def format_option(f: F) -> F:
    return click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table",
                        show_default=True, help="Output format.")(f)  # fmt: skip


def load_config(config_path: str | None, db_path: str | None = None) -> config_mod.Config:
    """The config, with a bad file turned into a one-line click error naming key and line."""
    try:
        cfg = config_mod.load(config_path)
    except config_mod.ConfigError as exc:
        raise click.ClickException(str(exc)) from None
    if db_path:
        from dataclasses import replace

        cfg = replace(cfg, db_path=Path(db_path).resolve(), data_dir=Path(db_path).resolve().parent)
    check_db_path(cfg.db_path)
    return cfg


def check_db_path(path: Path) -> None:
    """A database path that cannot work is a one-line error before anything opens it."""
    import os

    if path.is_dir():
        raise click.ClickException(f"database path {path} is a directory; expected a file name")
    parent = next((p for p in (path, *path.parents) if p.exists()), None)
    if parent is not None and parent != path and not parent.is_dir():
        raise click.ClickException(f"database path {path}: {parent} is not a directory")
    if not path.exists() and parent is not None and not os.access(parent, os.W_OK | os.X_OK):
        raise click.ClickException(
            f"database path {path}: cannot create it, {parent} is not writable"
        )


def _emit(rows: list[dict], fmt: str) -> None:
    from scraper.core.textsafe import strip_controls

    # scraped text never reaches the terminal raw (escape sequences in a title would)
    rows = [{k: strip_controls(v) for k, v in r.items()} for r in rows]
    if fmt == "json":
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    if not rows:
        click.echo("(no rows)", err=True)
        return
    cols = list(rows[0])
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=cols)
        writer.writeheader()
        writer.writerows(rows)
        click.echo(out.getvalue(), nl=False)
        return
    click.echo(render_table(rows, cols))


def render_table(rows: list[dict], cols: list[str], max_width: int = 40) -> str:
    """A plain-text table that lines up Chinese (double-width) characters too."""
    import unicodedata

    def width(s: str) -> int:
        return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in s)

    def cut(value) -> str:
        s = "" if value is None else str(value)
        s = s.replace("\n", " ")
        while width(s) > max_width:
            s = s[:-2] + "…"
        return s

    cells = [[cut(r.get(c)) for c in cols] for r in rows]
    widths = [max([width(c)] + [width(row[i]) for row in cells]) for i, c in enumerate(cols)]

    def line(values):
        return "  ".join(v + " " * (widths[i] - width(v)) for i, v in enumerate(values)).rstrip()

    return "\n".join([line(cols), line(["-" * w for w in widths]), *(line(r) for r in cells)])


def _read(cfg: config_mod.Config, sql: str, params: Sequence[Any] = ()) -> list[dict]:
    """Rows of a query on a read-only connection: the CLI can never write by accident."""
    from scraper.db.connection import open_readonly

    try:
        conn = open_readonly(cfg.db_path)
    except FileNotFoundError as exc:
        raise click.ClickException(f"{exc}; run `filingwatch crawl` first or pass --db") from None
    try:
        return [dict(r) for r in conn.execute(sql, params).fetchall()]
    except Exception as exc:  # sqlite3 errors carry the useful message
        raise click.ClickException(f"query failed: {exc}") from None
    finally:
        conn.close()
