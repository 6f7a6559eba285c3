"""HKEX application index: time to parse and diff a 2,000-applicant index, requests per steady run.

1. In process: the replay's generator builds a {N}-applicant index (20 status files: 5 statuses x
   2 boards x 2 languages; the GEM PHIP/returned ones 404 as live). The files are stored once as
   the previous snapshot; then 2 % of the applicants move (AP -> PHIP, active -> lapsed) and the
   next snapshot is timed: parse every file + merge by id and language (`parse_merge_s`), then
   the store's diff and write in one transaction (`diff_store_s`); `parse_diff_s` is their sum
   (target < 1 s). Median of --repeat runs, each on a fresh copy of the database.
2. Real crawls (`filingwatch crawl hkex_app` in a subprocess) against the replay serving the same
   generated index: the second, unchanged run's request count from source_runs (target: one
   request per status file).

Last line: key=value pairs.
"""

from __future__ import annotations

import argparse
import random
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from scraper import FIXTURES_DIR, ingest  # noqa: E402
from scraper.core.records import HkexBatch  # noqa: E402
from scraper.db import connection as dbconn  # noqa: E402
from scraper.db.known import KnownState  # noqa: E402
from scraper.parsers.hkex_app import (  # noqa: E402
    LANGS,
    STATUS_FILES,
    applicant_filings,
    file_name,
    merge_index,
    parse_index_file,
)
from scraper.replay import ReplayRequest, ReplayServer  # noqa: E402
from scraper.replay_sites.hkex_app import HkexAppSite  # noqa: E402

BASE = "https://www1.hkexnews.hk"
PAGE = BASE + "/app/appindex.html"


def bodies(site: HkexAppSite) -> dict[str, tuple[int, bytes]]:
    out = {}
    for board in ("sehk", "gem"):
        for status in STATUS_FILES:
            for lang in LANGS:
                name = file_name(status, board, lang)
                r = site.handle(ReplayRequest("GET", "/ncms/json/eds/" + name, {}, {}, b""))
                out[name] = (r.status, r.body)
    return out


def snapshot(files: dict[str, tuple[int, bytes]], names) -> HkexBatch:
    """What the spider does once every response is in: parse, merge, build filings."""
    parsed, outcomes = [], []
    for name, (status, body) in files.items():
        st, board, lang = name[:-5].rsplit("_", 2)
        if status == 404:
            outcomes.append({"name": name, "status": st, "board": board, "lang": lang,
                             "outcome": "missing"})  # fmt: skip
            continue
        f = parse_index_file(body, BASE + "/ncms/json/eds/" + name, "application/json")
        parsed.append(f)
        outcomes.append({"name": name, "status": st, "board": board, "lang": lang, "outcome": "ok",
                         "records": len(f.records), "gen_date": f.gen_date, "u_date": f.u_date})  # fmt: skip
    apps = merge_index(parsed, names)
    filings = [f for a in apps for f in applicant_filings(a, BASE, PAGE)]
    return HkexBatch(source="hkex_app", url=PAGE, filings=filings, applicants=apps, files=outcomes)


def change(site: HkexAppSite, share: float, seed: int = 3) -> int:
    """Move `share` of the Main Board applicants: AP -> PHIP (with a PHIP document) or -> lapsed."""
    rnd = random.Random(seed)
    active = [r["id"] for r in site.files["appactive_app_sehk_c.json"]["app"]]
    moved = rnd.sample(active, int(len(active) * share))
    for i, app_id in enumerate(moved):
        if i % 2:
            site.control("move", {"id": app_id, "to": "appinactive"})
        else:
            site.control(
                "move", {"id": app_id, "to": "appactive_appphip", "phip_date": "2026-11-24"}
            )
    return len(moved)


def timed_diff(files, db_path: Path, repeat: int) -> tuple[float, float, int]:
    parse_times, store_times, events = [], [], 0
    for _ in range(repeat):
        work = db_path.with_name("work.db")
        shutil.copy(db_path, work)
        db = dbconn.open_db(work)
        names = KnownState(db).hkex_names()
        t0 = time.perf_counter()
        batch = snapshot(files, names)
        t1 = time.perf_counter()
        result = ingest.ingest(db, batch, ingest.WriteContext(run_id=2))[0]
        t2 = time.perf_counter()
        db.conn.close()
        for suffix in ("", "-wal", "-shm"):
            Path(str(work) + suffix).unlink(missing_ok=True)
        parse_times.append(t1 - t0)
        store_times.append(t2 - t1)
        events = len([e for e in result.events if e["kind"] == "stage"])
    return statistics.median(parse_times), statistics.median(store_times), events


def crawl(cfg: Path) -> tuple[int, float]:
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "scraper.cli", "crawl", "hkex_app", "--config", str(cfg)],
                          capture_output=True, text=True, timeout=600)  # fmt: skip
    elapsed = time.perf_counter() - t0
    print(proc.stdout.strip())
    if proc.returncode != 0:
        sys.exit(proc.stderr[-3000:])
    with sqlite3.connect(cfg.parent / "fw.db") as conn:
        (requests,) = conn.execute(
            "SELECT requests FROM source_runs ORDER BY id DESC LIMIT 1"
        ).fetchone()
    return requests, elapsed


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--applicants", type=int, default=2000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--change", type=float, default=0.02, help="share of applicants that move")
    args = ap.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        site = HkexAppSite(FIXTURES_DIR)
        site.generate(args.applicants)
        before = bodies(site)
        db_path = tmp / "previous.db"
        db = dbconn.open_db(db_path)
        t0 = time.perf_counter()
        first = snapshot(before, {})
        ingest.ingest(db, first, ingest.WriteContext(run_id=1, baseline=True))
        first_s = time.perf_counter() - t0
        db.conn.close()
        moved = change(site, args.change)
        parse_s, store_s, events = timed_diff(bodies(site), db_path, args.repeat)
        n_files = sum(1 for s, _ in bodies(site).values())
        print(f"applicants={len(first.applicants)} documents={len(first.filings)} moved={moved} "
              f"stage_events={events} first_load_s={first_s:.3f}")  # fmt: skip

        with ReplayServer(fixtures_dir=FIXTURES_DIR, port=0) as replay:
            replay.site("hkex_app").generate(args.applicants)
            cfg = tmp / "config.toml"
            cfg.write_text(
                f'[database]\npath = "{tmp / "fw.db"}"\n[crawl]\ndownload_delay = 0\n'
                f'[sources.hkex_app]\nbase_url = "{replay.base_url}"\nfallback_base_url = ""\n',
                "utf-8",
            )
            crawl(cfg)
            replay.clear_log()
            steady, steady_s = crawl(cfg)
            served = len(replay.requests("hkex_app"))

    print(
        f"applicants={args.applicants} files={n_files} parse_merge_s={parse_s:.3f} "
        f"diff_store_s={store_s:.3f} parse_diff_s={parse_s + store_s:.3f} "
        f"steady_requests={steady} served={served} requests_per_file={steady / n_files:.2f} "
        f"steady_run_s={steady_s:.2f}"
    )


if __name__ == "__main__":
    main()
