"""Stage statistics and clocks over a large generated database.

Builds (once per run, in a temp folder) a database through the migrations with --projects
A-share projects (default 50,000) and --events stage events (default 1,000,000) spread over them,
plus HKEX applicants (10 % of the projects), CSRC tutoring reports for half the companies and a
suspension for 5 % of the projects. Then times, median of --repeat runs:

* `stats_s`: `scraper.stats.stats()` (every step, grouped by board, sponsor and sector; target < 1 s)
* `clocks_s`: `scraper.clocks.readings()` for every open clock at a fixed instant (target < 0.5 s)

Last line: key=value pairs.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from scraper import clocks, stats  # noqa: E402
from scraper.core.timeutil import SHANGHAI  # noqa: E402
from scraper.db import connection as dbconn  # noqa: E402

STEPS = ["accepted", "inquired", "committee_passed", "submitted_for_registration", "registered",
         "listed"]  # fmt: skip
BOARDS = ["star", "main", "chinext", "bse"]
SPONSORS = [f"券商{i:02d}证券股份有限公司" for i in range(40)]
SECTORS = ['["chips"]', '["ai_server"]', '["chips", "ai_server"]', "[]", "[]"]


def build(path: Path, n_projects: int, n_events: int, seed: int = 7) -> None:
    rnd = random.Random(seed)
    db = dbconn.open_db(path)
    conn = db.conn
    now = "2026-12-01T10:00:00+08:00"
    base = date(2019, 1, 1)
    conn.execute("BEGIN")
    conn.executemany(
        "INSERT INTO companies (id, name, name_key, sectors, first_seen_at, updated_at)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        [(i, f"公司{i}股份有限公司", f"公司{i}", rnd.choice(SECTORS), now, now)
         for i in range(1, n_projects + 1)],
    )  # fmt: skip
    projects, events, filings = [], [], []
    per = max(1, n_events // n_projects)
    eid = 0
    for i in range(1, n_projects + 1):
        start = base + timedelta(days=rnd.randrange(0, 2500))
        reached = rnd.randrange(1, len(STEPS) + 1)
        suspended = rnd.random() < 0.05
        stage = "suspended" if suspended else STEPS[reached - 1]
        projects.append((i, "sse" if i % 3 else "szse", str(i), i, f"公司{i}股份有限公司",
                         rnd.choice(BOARDS), stage, "x", rnd.choice(SPONSORS), "C39",
                         start.isoformat(), now, now))  # fmt: skip
        day = start
        for k in range(per):
            step = STEPS[min(k, reached - 1)] if k < reached else "inquired"
            if suspended and k == per - 1:
                step = "suspended"
            day += timedelta(days=rnd.randrange(1, 60))
            eid += 1
            events.append((eid, now, projects[-1][1], "stage", step, i, f"公司{i}股份有限公司",
                           day.isoformat(), f"k{eid}", i, 0))  # fmt: skip
        if i % 2 == 0:
            t0 = start - timedelta(days=rnd.randrange(90, 400))
            filings.append(
                (
                    projects[-1][0] * 10,
                    "csrcfd",
                    f"f{i}a",
                    f"公司{i}股份有限公司",
                    i,
                    "tutoring_report",
                    "t",
                    "filing_report",
                    t0.isoformat(),
                    now,
                    now,
                )
            )
            filings.append((projects[-1][0] * 10 + 1, "csrcfd", f"f{i}b", f"公司{i}股份有限公司",
                            i, "tutoring_report", "t", "progress_report",
                            (t0 + timedelta(days=90)).isoformat(), now, now))  # fmt: skip
    conn.executemany(
        "INSERT INTO projects (id, source, native_id, company_id, company, board, stage,"
        " status_raw, sponsor, industry_code, accepted_date, first_seen_at, last_seen_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        projects,
    )
    conn.executemany(
        "INSERT INTO events (id, created_at, source, kind, stage, company_id, company,"
        " event_date, dedupe_key, project_id, baseline) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        events,
    )
    conn.executemany(
        "INSERT INTO filings (id, source, native_id, company, company_id, kind, title,"
        " report_type, event_date, first_seen_at, last_seen_at) VALUES"
        " (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        filings,
    )
    apps = []
    for j in range(1, n_projects // 10 + 1):
        ap = date(2025, 6, 1) + timedelta(days=rnd.randrange(0, 540))
        heard = rnd.random() < 0.4
        apps.append(("sehk" if j % 5 else "gem", j, j, f"公司{j}股份有限公司",
                     "hk_phip" if heard else "hk_application_filed", ap.isoformat(),
                     (ap + timedelta(days=rnd.randrange(60, 170))).isoformat() if heard else None,
                     int(heard), now, now))  # fmt: skip
    conn.executemany(
        "INSERT INTO hkex_applicants (board, app_id, company_id, name_c, stage, ap_date,"
        " phip_date, has_phip, first_seen_at, last_seen_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        apps,
    )
    conn.execute("COMMIT")
    conn.execute("ANALYZE")
    conn.close()


def timed(fn, repeat: int) -> tuple[float, float, object]:
    """Median wall and CPU seconds (the machine may be shared: CPU time is the steadier one)."""
    times, cpu, out = [], [], None
    for _ in range(repeat):
        t, c = time.perf_counter(), time.process_time()
        out = fn()
        times.append(time.perf_counter() - t)
        cpu.append(time.process_time() - c)
    return statistics.median(times), statistics.median(cpu), out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--projects", type=int, default=50_000)
    ap.add_argument("--events", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.db"
        t = time.perf_counter()
        build(path, args.projects, args.events)
        build_s = time.perf_counter() - t
        conn = dbconn.open_readonly(path)
        events = conn.execute("SELECT count(*) FROM events").fetchone()[0]
        stats_s, stats_cpu, rows = timed(lambda: stats.stats(conn), args.repeat)
        now = datetime(2026, 12, 1, 12, tzinfo=SHANGHAI)
        clocks_s, clocks_cpu, readings = timed(lambda: clocks.readings(conn, now), args.repeat)
        conn.close()
    print(
        f"projects={args.projects} events={events} build_s={build_s:.1f} stats_s={stats_s:.3f} "
        f"stats_cpu_s={stats_cpu:.3f} stat_rows={len(rows)} clocks_s={clocks_s:.3f} "
        f"clocks_cpu_s={clocks_cpu:.3f} open_clocks={len(readings)} "
        f"stats_ok={stats_s < 1.0} clocks_ok={clocks_s < 0.5}"
    )


if __name__ == "__main__":
    main()
