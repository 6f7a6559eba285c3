"""Company resolution on an adversarial page: N near-identical names in one fuzzy block.

Before the comparison windows (scraper/companies.py FUZZY_WINDOW / PENDING_WINDOW) 1k/2k/4k/8k
names took 2.4/4.8/14.7/60.5 s. Prints seconds and comparisons per size; last line key=value.
"""

from __future__ import annotations

import logging
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from scraper import companies  # noqa: E402
from scraper.core.timeutil import now_iso  # noqa: E402
from scraper.db import connection as dbconn  # noqa: E402


def run(n: int) -> tuple[float, dict]:
    with tempfile.TemporaryDirectory() as tmp:
        db = dbconn.open_db(Path(tmp) / "fw.db")
        names = [(f"上海芯片科技{i}号股份有限公司", None) for i in range(n)]
        stats: dict = {}
        started = time.perf_counter()
        with dbconn.transaction(db):
            companies.ensure_companies(db, names, now_iso(), stats)
        seconds = time.perf_counter() - started
        db.conn.close()
        return seconds, stats


def main() -> None:
    logging.disable(logging.WARNING)  # every name logs its candidates
    sizes = [int(a) for a in sys.argv[1:]] or [1000, 2000, 4000, 8000]
    out = {}
    for n in sizes:
        seconds, stats = run(n)
        print(f"{n} names: {seconds:.2f} s, {stats['comparisons']} comparisons, "
              f"at most {stats['max_comparisons']} for one name", flush=True)  # fmt: skip
        out[f"s_{n}"] = round(seconds, 2)
        out[f"max_cmp_{n}"] = stats["max_comparisons"]
    print(" ".join(f"{k}={v}" for k, v in out.items()))


if __name__ == "__main__":
    main()
