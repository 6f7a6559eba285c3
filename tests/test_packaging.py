"""The wheel carries what the main job needs, and the code finds it without a checkout.

Before: a wheel had no replay data, no example config and no licence, `filingwatch demo` failed
on every source and the replay served a missing folder without a word. The wheel is imported
here as a zip (as scrapyd imports an egg), from another directory, so nothing can reach
tests/fixtures or a path next to `__file__`.
"""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from scraper.replay import ReplayServer
from scraper.resources import DataMissing

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    proc = subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(out), str(ROOT)],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return next(out.glob("filingwatch-*.whl"))


def test_wheel_contents_and_metadata(wheel):
    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
        meta = zf.read(next(n for n in names if n.endswith(".dist-info/METADATA"))).decode()
        entry_points = zf.read(next(n for n in names if n.endswith("entry_points.txt"))).decode()
    for needed in ("filingwatch_replay/csrcfd/index.html", "filingwatch_replay/hkex_app/README.md",
                   "alerts/sectors.toml", "filingwatch/config.example.toml", "filingwatch/__main__.py",
                   "filingwatch/datasette.json",
                   "filingwatch/datasette_plugins/filingwatch_site.py"):  # fmt: skip
        assert needed in names, needed
    assert any(n.endswith(".dist-info/licenses/LICENSE") for n in names)
    assert "License-Expression: MIT" in meta
    requires = [line for line in meta.splitlines() if line.startswith("Requires-Dist:")]
    assert not any("beautifulsoup4" in line for line in requires)  # listed once, imported nowhere
    assert "Requires-Dist: scrapy<2.20,>=2.13" in meta
    assert "[scrapy]\nsettings = scraper.settings" in entry_points
    assert "filingwatch = scraper.cli:main" in entry_points


def test_data_is_read_from_a_zip_outside_the_checkout(wheel, tmp_path):
    probe = (
        "import sys; sys.path.insert(0, sys.argv[1])\n"
        "from scraper import resources; from alerts import sectors\n"
        "assert resources.resources.files('scraper').__class__.__name__ != 'PosixPath'\n"
        "d = resources.replay_dir(); assert (d / 'csrcfd' / 'index.html').is_file(), d\n"
        "assert sectors.load_data()['sectors']\n"
        "assert '[[watch]]' in resources.example_config()\n"
        "print('ok', d)\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    proc = subprocess.run([sys.executable, "-c", probe, str(wheel)], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=60)  # fmt: skip
    assert proc.returncode == 0 and proc.stdout.startswith("ok"), proc.stderr[-3000:]
    assert str(ROOT) not in proc.stdout


def test_replay_refuses_a_missing_data_folder(tmp_path, cli):
    with pytest.raises(DataMissing, match="missing or incomplete"):
        ReplayServer(fixtures_dir=tmp_path / "nothing", port=0)
    (tmp_path / "empty").mkdir()
    with pytest.raises(DataMissing):
        ReplayServer(fixtures_dir=tmp_path / "empty", port=0)
    proc = cli("replay", "--port", "0", "--fixtures", str(tmp_path / "nothing"))
    assert proc.returncode == 1
    assert proc.stderr.strip().splitlines() == [
        f"Error: replay data folder {tmp_path / 'nothing'} is missing or incomplete "
        "(expected sub-folders csrcfd, sse, hkex_app, ...)"
    ]


def test_python_dash_m_filingwatch_is_the_cli():
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
    }
    proc = subprocess.run([sys.executable, "-m", "filingwatch", "--version"], env=env,
                          capture_output=True, text=True, timeout=60)  # fmt: skip
    assert proc.returncode == 0 and "filingwatch" in proc.stdout


def test_container_files_use_real_commands_and_run_as_non_root():
    """Docker is not available here to build the image; this keeps its files honest."""
    import json as _json
    import re

    import yaml

    from scraper.cli.app import cli

    dockerfile = (ROOT / "Dockerfile").read_text("utf-8")
    assert re.search(r"^USER filingwatch$", dockerfile, re.M)
    assert re.search(r'^VOLUME \["/data"\]$', dockerfile, re.M)
    commands = [_json.loads(m) for m in re.findall(r"(?:CMD|ENTRYPOINT) (\[.*\])", dockerfile)]
    assert "HEALTHCHECK" in dockerfile and ["filingwatch"] in commands
    compose = yaml.safe_load((ROOT / "compose.example.yaml").read_text("utf-8"))
    for argv in commands + [s["command"] for s in compose["services"].values()]:
        argv = argv[1:] if argv[0] == "filingwatch" else argv
        assert not argv or argv[0] in cli.commands, argv
