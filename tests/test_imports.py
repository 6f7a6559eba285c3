"""Every module of scraper, spiders and alerts imports alone in a fresh interpreter.

An import cycle held together by import order only shows when a module is the first one
imported (`import alerts.cli` used to fail that way), so each module gets its own process.
"""

from __future__ import annotations

import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("scraper", "spiders", "alerts", "filingwatch")


def module_names() -> list[str]:
    """Dotted names of every .py file in the packages; `__main__` modules run, so they are left out."""
    names = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            if parts[-1] == "__main__":
                continue
            names.append(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return names


MODULES = module_names()


def _import_alone(name: str) -> tuple[int, str]:
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
    }
    proc = subprocess.run([sys.executable, "-c", f"import {name}"], capture_output=True, text=True,
                          cwd=ROOT, env=env, timeout=120)  # fmt: skip
    return proc.returncode, proc.stderr.strip()


@cache
def results() -> dict[str, tuple[int, str]]:
    """All modules at once, a few processes at a time: one process each, but not one after another."""
    with ThreadPoolExecutor(max_workers=max(2, (os.cpu_count() or 1) * 2)) as pool:
        return dict(zip(MODULES, pool.map(_import_alone, MODULES), strict=True))


def test_the_packages_have_modules():
    assert {"alerts.cli", "scraper.cli", "scraper.cli.options", "scraper.daemon"} <= set(MODULES)


@pytest.mark.parametrize("name", MODULES)
def test_module_imports_alone(name):
    rc, stderr = results()[name]
    last = stderr.splitlines()[-1] if stderr else ""
    assert rc == 0, f"`import {name}` in a fresh interpreter failed: {last}\n{stderr}"


def test_scraper_cli_package_imports_no_command_module():
    """options.py runs scraper/cli/__init__.py first: a command imported there is a cycle again."""
    code = ("import sys, scraper.cli, scraper.cli.options; "
            "print(sorted(m for m in sys.modules if m.startswith('scraper.cli')))")  # fmt: skip
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT,
                         check=True, timeout=120).stdout  # fmt: skip
    assert out.strip() == "['scraper.cli', 'scraper.cli.options']"


@pytest.mark.parametrize(
    "entry", [["-m", "scraper.cli"], ["-c", "from scraper.cli import main; main()"]]
)
def test_module_and_console_script_entry_points(entry):
    """`python -m scraper.cli` (what the daemon runs) and pyproject's `scraper.cli:main`."""
    assert 'filingwatch = "scraper.cli:main"' in (ROOT / "pyproject.toml").read_text(
        encoding="utf-8"
    )
    proc = subprocess.run([sys.executable, *entry, "--help"], capture_output=True, text=True, cwd=ROOT,
                          timeout=120)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert "Usage: filingwatch [OPTIONS] COMMAND" in proc.stdout and "companies" in proc.stdout
