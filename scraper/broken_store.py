"""The broken-page store: pages that failed to parse, kept for replay, within a size budget.

Each failing run used to save the whole page again: a 50 MB broken page crawled three times
took 157 MB. Now a page is stored once per content (file name carries its hash; a repeat only
updates the sidecar's `seen` count), at most `max_file` bytes of it (the sidecar says when it was
cut), and a source's folder stays under `max_source` bytes by deleting its oldest pages first.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from scraper.core.timeutil import now_iso

MB = 1024 * 1024


@dataclass(frozen=True)
class BrokenStore:
    root: Path
    max_file: int = 5 * MB
    max_source: int = 50 * MB

    def save(self, source: str, url: str, body: bytes, reason: str, **meta) -> Path:
        """Store `body` (raw bytes + a JSON sidecar) unless the same content is already kept."""
        folder = Path(self.root) / source
        folder.mkdir(parents=True, exist_ok=True)
        sha = hashlib.sha256(body).hexdigest()
        same = sorted(folder.glob(f"*-{sha[:16]}.body"))
        if same:
            sidecar = same[0].with_suffix(".json")
            try:
                info = json.loads(sidecar.read_text("utf-8"))
            except (OSError, ValueError):
                info = {}
            info.update(seen=int(info.get("seen", 1)) + 1, last_seen_at=now_iso(), last_url=url)
            sidecar.write_text(json.dumps(info, ensure_ascii=False, indent=2), "utf-8")
            return same[0]
        stamp = now_iso().replace(":", "").replace("+", "_")
        path = folder / f"{stamp}-{sha[:16]}.body"
        kept = body[: self.max_file]
        path.write_bytes(kept)
        sidecar = {
            "url": url, "reason": reason, "saved_at": now_iso(), "sha256": sha,
            "size": len(body), "kept": len(kept), "truncated": len(kept) < len(body), "seen": 1,
            **meta,
        }  # fmt: skip
        path.with_suffix(".json").write_text(
            json.dumps(sidecar, ensure_ascii=False, indent=2), "utf-8"
        )
        self.prune(folder, keep=path)
        return path

    def prune(self, folder: Path, keep: Path | None = None) -> int:
        """Delete the oldest pages (body + sidecar) until the folder fits max_source; count them."""
        pages = sorted(folder.glob("*.body"))  # names start with the save time: oldest first
        sizes = {p: _size(p) + _size(p.with_suffix(".json")) for p in pages}
        total = sum(sizes.values())
        removed = 0
        for page in pages:
            if total <= self.max_source:
                break
            if page == keep:
                continue
            page.unlink(missing_ok=True)
            page.with_suffix(".json").unlink(missing_ok=True)
            total -= sizes[page]
            removed += 1
        return removed

    def size(self, source: str) -> int:
        folder = Path(self.root) / source
        return sum(_size(p) for p in folder.iterdir()) if folder.is_dir() else 0


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0
