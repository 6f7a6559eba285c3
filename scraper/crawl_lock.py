"""One crawl per source at a time, across processes: an flock on a file beside the database.

Every crawl takes it, however it was started: `filingwatch crawl` (so the daemon's and
`run --once`'s subprocesses) takes it before choosing the run mode, and the run bookkeeping
extension (scraper/health.py) takes it when the spider opens, which covers plain
`scrapy crawl` and scrapyd. The kernel drops an flock when its process dies, even by SIGKILL,
so a crashed crawl never leaves a stale lock; a live one (an orphan of a killed daemon, a
manual crawl) makes the second crawl stop with a one-line message before it touches the
source's run state.
"""

from __future__ import annotations

import fcntl
import os
import threading
from pathlib import Path
from typing import IO

from scraper.core.timeutil import now_iso

# Exit status of a crawl refused because another crawl of the source holds the lock
# (EX_TEMPFAIL: try again later). The daemon logs it and does not open an incident.
EXIT_LOCKED = 75

_held: dict[str, object] = {}  # lock path -> open file, for this process
_guard = threading.Lock()


class CrawlLocked(RuntimeError):
    """Another process is crawling this source now."""


def lock_path(db_path: str | Path, source: str) -> Path:
    return Path(f"{db_path}.crawl-{source}.lock")


def acquire(db_path: str | Path, source: str) -> Path:
    """Take the source's crawl lock for the rest of this process (re-entrant in one process)."""
    path = lock_path(db_path, source)
    key = str(path.resolve()) if path.parent.exists() else str(path)
    with _guard:
        if key in _held:
            return path
        fh, holder = try_flock(path, f"pid {os.getpid()} since {now_iso()}")
        if fh is None:
            raise CrawlLocked(
                f"another crawl of {source} is running ({holder or 'another process'});"
                f" not starting a second one (lock: {path})"
            )
        _held[key] = fh
        return path


def try_flock(path: Path, stamp: str) -> tuple[IO | None, str]:
    """flock `path` without waiting: (open file, "") when taken, stamped with who holds it;
    (None, the holder's stamp) when another process has it. The kernel drops an flock when its
    process dies, even by SIGKILL, so nothing stale is ever left to clean up."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fh = open(path, "a+")  # noqa: SIM115 - held by the caller until it releases or exits
    try:
        fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        fh.seek(0)
        holder = fh.read().strip()
        fh.close()
        return None, holder
    fh.seek(0)
    fh.truncate()
    fh.write(stamp + "\n")
    fh.flush()
    return fh, ""


def release(db_path: str | Path, source: str) -> None:
    path = lock_path(db_path, source)
    key = str(path.resolve()) if path.parent.exists() else str(path)
    with _guard:
        fh = _held.pop(key, None)
    if fh is not None:
        fcntl.flock(fh, fcntl.LOCK_UN)
        fh.close()
