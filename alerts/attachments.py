"""The sector pipeline chart attached to digests, for channels that take files (issue 13, item 6).

A digest says "12 companies moved"; the chart (scraper/report.py, the page `filingwatch report`
writes) shows where each of them stands against the rest of the sector. It is rendered from
the database at send time, so it is as fresh as the digest, into a temp folder the deliverer
removes after the send. Bounded: at most MAX_SECTORS charts, each under `max_bytes`; a big
sector keeps its most recently moved companies (the title says how many of how many).
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

from scraper import report

MAX_SECTORS = 3
MAX_ROWS = 300
MAX_BYTES = 512_000  # per file; mail servers and chat robots cap uploads, people skim charts


def digest_sectors(items: list[dict]) -> list[str]:
    """The sectors the digest's events matched, in order of first appearance."""
    names = [s.get("name") for i in items for s in i.get("sectors") or [] if isinstance(s, dict)]
    return [n for n in dict.fromkeys(names) if n][:MAX_SECTORS]


def _page(rows: list[report.Row], sector: str, label: str, total: int, today: date | None) -> bytes:
    if len(rows) < total:
        label = f"{label}: {len(rows)} most recently moved of {total} companies"
    return report.render_html(rows, sector, label, today).encode("utf-8")


def pipeline_file(conn, sector: str, label: str, folder: Path, *, max_bytes: int = MAX_BYTES,
                  today: date | None = None) -> Path | None:  # fmt: skip
    """Write `pipeline-<sector>.html` into folder; None when the sector has no dated stages."""
    rows = report.pipeline_rows(conn, sector)
    total = len(rows)
    if not rows:
        return None
    # the companies that moved last matter to a digest's reader; keep them, in chart order
    recent = sorted(rows, key=lambda r: r.steps[-1][0], reverse=True)
    keep = min(total, MAX_ROWS)
    while True:
        kept = set(id(r) for r in recent[:keep])
        data = _page([r for r in rows if id(r) in kept], sector, label, total, today)
        if len(data) <= max_bytes:
            break
        if keep == 1:
            return None  # even one company does not fit: no chart rather than a huge one
        keep = max(1, keep // 2)
    safe = re.sub(r"[^A-Za-z0-9_.-]", "_", sector)
    path = folder / f"pipeline-{safe}.html"
    path.write_bytes(data)
    return path
