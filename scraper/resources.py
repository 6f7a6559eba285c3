"""Where the shipped data files are, in a checkout, an installed wheel or a zipped scrapyd egg.

Everything is found through importlib.resources, never through paths next to `__file__`: a
wheel installed elsewhere has no `tests/` folder, and inside a zipped egg there is no folder at
all. The replay data (tests/fixtures in the repository) is installed as the data package
`filingwatch_replay` (setup.py maps the folder; nothing moves). In a checkout the folder next to
the code wins, so the replay always serves the fixtures of the code that is running.
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

REPLAY_PACKAGE = "filingwatch_replay"
# Folders whose presence says "this is the replay data" (a sample: every source has one).
_REPLAY_MARKERS = ("csrcfd", "sse", "hkex_app")


class DataMissing(RuntimeError):
    """A shipped data file or folder is not where the install should have put it."""


def _checkout_root() -> Path | None:
    root = resources.files("scraper")
    return Path(str(root)).parent if isinstance(root, Path) else None


def is_replay_dir(path: Path | Traversable) -> bool:
    return all(path.joinpath(name).is_dir() for name in _REPLAY_MARKERS)


def replay_dir() -> Path:
    """The replay fixtures as a real folder; DataMissing (one line, says what to do) if absent."""
    checkout = _checkout_root()
    if checkout is not None and is_replay_dir(checkout / "tests" / "fixtures"):
        return checkout / "tests" / "fixtures"
    try:
        root = resources.files(REPLAY_PACKAGE)
    except ModuleNotFoundError:
        root = None
    if root is not None and is_replay_dir(root):
        if isinstance(root, Path):
            return root
        return _materialise(root)
    raise DataMissing(
        f"replay data not found: neither tests/fixtures next to the code nor the package "
        f"{REPLAY_PACKAGE!r} is installed; reinstall filingwatch from a wheel or a clone "
        "(or pass --fixtures DIR)"
    )


def check_replay_dir(path: Path) -> Path:
    """Refuse a fixtures folder that is not one, instead of serving 404s without a word."""
    if not Path(path).is_dir() or not is_replay_dir(Path(path)):
        raise DataMissing(
            f"replay data folder {path} is missing or incomplete "
            f"(expected sub-folders {', '.join(_REPLAY_MARKERS)}, ...)"
        )
    return Path(path)


def _materialise(root: Traversable) -> Path:
    """Copy a folder out of a zip (Python 3.11's as_file takes files only) for this process."""
    target = Path(tempfile.mkdtemp(prefix="filingwatch-replay-"))
    atexit.register(shutil.rmtree, target, True)

    def copy(node: Traversable, dest: Path) -> None:
        for child in node.iterdir():
            if child.is_dir():
                (dest / child.name).mkdir()
                copy(child, dest / child.name)
            else:
                (dest / child.name).write_bytes(child.read_bytes())

    copy(root, target)
    return target


def read_text(package: str, name: str) -> str:
    """A data file shipped inside a package (works from a zipped egg too)."""
    try:
        return resources.files(package).joinpath(name).read_text(encoding="utf-8")
    except (FileNotFoundError, ModuleNotFoundError) as exc:
        raise DataMissing(f"{package}/{name} is missing from this install: {exc}") from exc


def example_config() -> str:
    """config.example.toml: at the checkout root, or copied into the `filingwatch` package."""
    checkout = _checkout_root()
    if checkout is not None and (checkout / "config.example.toml").is_file():
        return (checkout / "config.example.toml").read_text(encoding="utf-8")
    return read_text("filingwatch", "config.example.toml")


def files_path(package: str) -> Path:
    """A package's folder on disk (wheel or checkout installs; not for zipped eggs)."""
    root = resources.files(package)
    if not isinstance(root, Path):
        raise DataMissing(f"{package} is not installed as a folder ({root})")
    return root
