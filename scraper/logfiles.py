"""Per-source crawl logs kept across runs: `<source>.log` is the latest, `.1` … `.N` the ones
before, so the log of the run that went wrong is still there when someone looks next morning."""

from __future__ import annotations

from pathlib import Path

KEEP = 5  # previous logs kept per source, besides the current one


def rotate(path: Path, keep: int = KEEP) -> Path:
    """Shift path -> path.1 -> … -> path.<keep> (the oldest falls off); returns `path`, now free."""
    path = Path(path)
    if keep < 1:
        return path
    path.with_name(f"{path.name}.{keep}").unlink(missing_ok=True)
    for n in range(keep - 1, 0, -1):
        older = path.with_name(f"{path.name}.{n}")
        if older.exists():
            older.replace(path.with_name(f"{path.name}.{n + 1}"))
    if path.exists():
        path.replace(path.with_name(f"{path.name}.1"))
    return path
