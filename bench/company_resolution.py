"""Company resolution throughput and `filingwatch company NAME` latency.

1. 20,000 generated filings from every source (full legal names, former names, traditional
   script, short security names with codes, HK names with English names and codes, English-only
   names), written page by page (200 a page) through ingest.write_filings into a fresh DB.
   Prints resolution throughput (ensure_companies alone, per page batch, as write_filings calls
   it) and end-to-end write_filings throughput.
2. A DB of 1,000,000 filings (bulk inserts), then `filingwatch company NAME` in a subprocess,
   median of several runs by Chinese name, short name, English name and stock code, plus the
   in-process lookup + timeline query time.

Last line: key=value figures.  Usage: python bench/company_resolution.py [--filings N] [--big N]
"""

from __future__ import annotations

import argparse
import logging
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from scraper import companies, ingest  # noqa: E402
from scraper.core.names import keys_for  # noqa: E402
from scraper.core.records import Filing  # noqa: E402
from scraper.db import connection as dbconn
from scraper.db import timeline  # noqa: E402

REGIONS = ["北京", "上海", "深圳", "苏州", "杭州", "合肥", "广州", "成都", "武汉", "西安"]
WORDS = ["智算", "芯片", "半导体", "新材料", "生物医药", "储能", "精密", "软件", "光电", "数据",
         "微电子", "集成电路", "算力", "机器人", "通信", "传感", "存储", "激光"]  # fmt: skip
SYL = ["ba", "chen", "di", "fei", "guo", "hua", "jin", "kai", "lan", "ming", "nuo", "pu",
       "qi", "rui", "sheng", "tai", "wei", "xin", "yuan", "zhi"]  # fmt: skip
HANZI = "华芯源泰瑞鑫宏达科创微联讯腾博睿信诚安恒凯盛海光长江天数燧壁摩沐昂奕兆思朗云智谱"
SOURCES = ["csrcfd", "sse", "szse", "bse", "hkex", "cninfo", "csrc_approvals", "sse_notices",
           "szse_notices", "eastmoney_tutoring"]  # fmt: skip


def make_company(i: int, rnd: random.Random) -> dict:
    digits = f"{i:05d}".translate(str.maketrans("0123456789", "零一二三四五六七八九"))
    head = "".join(rnd.choice(HANZI) for _ in range(2)) + digits  # unique per company
    trade = head + rnd.choice(WORDS)
    region = rnd.choice(REGIONS)
    style = i % 3
    full = (
        f"{region}{trade}科技股份有限公司" if style == 0
        else f"{trade}科技({region})股份有限公司" if style == 1
        else f"{trade}集团股份有限公司"
    )  # fmt: skip
    en = " ".join(rnd.choice(SYL).capitalize() for _ in range(3)) + f" {i} Technology Co., Ltd."
    code = f"{688000 + i:06d}" if i % 2 else f"{300000 + i:06d}"
    return {"full": full, "former": full.replace("股份有限公司", "有限公司"), "short": head,
            "trade": trade, "en": en, "code": code, "hk": f"{i % 10000:05d}"}  # fmt: skip


def generate_filings(n: int, seed: int = 11) -> list[Filing]:
    rnd = random.Random(seed)
    n_companies = max(50, n // 5)
    comps = [make_company(i, rnd) for i in range(n_companies)]
    out = []
    for j in range(n):
        c = comps[rnd.randrange(n_companies)]
        source = SOURCES[j % len(SOURCES)]
        name, en, code = c["full"], None, None
        if source in ("csrcfd", "eastmoney_tutoring") and rnd.random() < 0.3:
            name = c["former"]  # tutoring under the 有限公司 name
        elif source == "hkex":  # the applicant's full name, or the listed stock's short name
            name = c["full"] if rnd.random() < 0.5 else c["short"] + "-B"
            en, code = c["en"], c["hk"]
        elif source in ("cninfo", "szse_notices"):
            name, code = c["short"], c["code"]
        elif source == "sse_notices":
            code = c["code"]
        if rnd.random() < 0.05:
            name = name.replace("(", "（").replace(")", "）")
        out.append(Filing(source=source, native_id=f"{source}-{j}", company=name, kind="doc",
                          title=f"{name} 文件 {j}", company_en=en, stock_code=code,
                          event_date="2026-01-01"))  # fmt: skip
    return out


def bench_resolution(n: int, page: int = 200) -> dict:
    filings = generate_filings(n)
    pages = [filings[i : i + page] for i in range(0, len(filings), page)]
    with tempfile.TemporaryDirectory() as tmp:
        db = dbconn.open_db(Path(tmp) / "r.db")
        t0 = time.perf_counter()
        for p in pages:
            with dbconn.transaction(db):
                companies.ensure_companies(
                    db,
                    [(f.company, f.company_en, f.stock_code) for f in p],
                    "2026-01-01T00:00:00+08:00",
                )
        resolve_s = time.perf_counter() - t0
        n_companies = db.execute("SELECT count(*) FROM companies").fetchone()[0]
        n_cands = db.execute("SELECT count(*) FROM company_candidates").fetchone()[0]
        db.conn.close()
        db = dbconn.open_db(Path(tmp) / "w.db")
        t0 = time.perf_counter()
        for p in pages:
            ingest.write_filings(db, p, ingest.WriteContext())
        write_s = time.perf_counter() - t0
        db.conn.close()
    return {
        "resolve_filings_per_s": round(n / resolve_s),
        "write_filings_per_s": round(n / write_s),
        "companies": n_companies,
        "candidates": n_cands,
    }


def build_big_db(path: Path, n_filings: int, seed: int = 5) -> dict:
    """1M filings over ~100k companies with bulk inserts (aliases through the real key code)."""
    rnd = random.Random(seed)
    db = dbconn.open_db(path)
    conn = db.conn
    n_companies = max(100, n_filings // 10)
    now = "2026-01-01T00:00:00+08:00"
    comps = [make_company(i, rnd) for i in range(n_companies)]
    conn.execute("BEGIN")
    conn.executemany(
        "INSERT INTO companies (id, name, name_key, name_en, stock_code, stage, first_seen_at,"
        " updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        ((i + 1, c["full"], f"k{i}", c["en"], c["code"], "tutoring", now, now)
         for i, c in enumerate(comps)),
    )  # fmt: skip
    rows = []
    for i, c in enumerate(comps):
        k = keys_for(c["full"], c["en"], c["code"])
        for kind, key in k.pairs():
            rows.append((i + 1, kind, key, c["full"], "new", now))
        rows.append((i + 1, "full", keys_for(c["short"]).full, c["short"], "trade", now))
    conn.executemany(
        "INSERT OR IGNORE INTO company_aliases (company_id, kind, key, alias, reason,"
        " first_seen_at) VALUES (?, ?, ?, ?, ?, ?)",
        rows,
    )
    conn.execute("UPDATE companies SET name_key = (SELECT key FROM company_aliases a WHERE"
                 " a.company_id = companies.id AND a.kind = 'full' ORDER BY a.id LIMIT 1)")  # fmt: skip

    def gen():
        for j in range(n_filings):
            cid = rnd.randrange(n_companies) + 1
            src = SOURCES[j % len(SOURCES)]
            day = f"20{20 + j % 7}-{1 + j % 12:02d}-{1 + j % 28:02d}"
            yield (src, f"{src}-{j}", comps[cid - 1]["full"], cid, "doc", f"文件 {j}", "tutoring",
                   day, day, f"http://x/{j}", now, now)  # fmt: skip

    conn.executemany(
        "INSERT INTO filings (source, native_id, company, company_id, kind, title, status,"
        " event_date, disclosed_date, url, first_seen_at, last_seen_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        gen(),
    )
    conn.executemany(
        "INSERT INTO events (created_at, source, kind, stage, company_id, company, event_date,"
        " dedupe_key) VALUES (?, 'sse', 'stage', 'accepted', ?, ?, '2025-06-30', ?)",
        ((now, i + 1, comps[i]["full"], f"b:{i}") for i in range(0, n_companies, 3)),
    )
    conn.execute("COMMIT")
    conn.execute("ANALYZE")
    conn.close()
    probe = comps[n_companies // 2]
    return {"companies": n_companies, "probe": probe}


def bench_cli(n_filings: int, runs: int = 5) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "big.db"
        t0 = time.perf_counter()
        info = build_big_db(path, n_filings)
        build_s = time.perf_counter() - t0
        probe = info["probe"]
        queries = [probe["full"], probe["short"], probe["en"].split(" Co.")[0], probe["code"]]
        exe = Path(sys.executable).with_name("filingwatch")
        cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "scraper.cli"]
        walls = []
        for _ in range(runs):
            for q in queries:
                t = time.perf_counter()
                proc = subprocess.run([*cmd, "company", q, "--db", str(path)],
                                      capture_output=True, text=True, env={**os.environ})  # fmt: skip
                walls.append(time.perf_counter() - t)
                if proc.returncode != 0 or probe["full"] not in proc.stdout:
                    raise SystemExit(f"company {q!r} failed: {proc.stdout}\n{proc.stderr}")
        # in-process: lookup + timeline query (what the indexes make fast)
        conn = dbconn.open_readonly(path)
        qtimes = []
        for _ in range(runs):
            for q in queries:
                t = time.perf_counter()
                match = companies.find(conn, q)[0]
                entries = timeline.timeline(conn, match.company_id)
                qtimes.append(time.perf_counter() - t)
        # a part of a name (no exact key): the substring fallback
        part = probe["trade"][2:8]
        ctimes = []
        for _ in range(runs):
            t = time.perf_counter()
            hits = companies.find(conn, part)
            ctimes.append(time.perf_counter() - t)
        assert any(m.name == probe["full"] for m in hits), (part, hits)
        conn.close()
        baseline = []
        for _ in range(runs):
            t = time.perf_counter()
            subprocess.run([*cmd, "company", "--help"], capture_output=True)
            baseline.append(time.perf_counter() - t)
    return {
        "big_filings": n_filings,
        "big_build_s": round(build_s, 1),
        "company_cli_ms": round(statistics.median(walls) * 1000, 1),
        "company_cli_max_ms": round(max(walls) * 1000, 1),
        "cli_startup_ms": round(statistics.median(baseline) * 1000, 1),
        "company_query_ms": round(statistics.median(qtimes) * 1000, 2),
        "company_contains_ms": round(statistics.median(ctimes) * 1000, 2),
        "timeline_rows": len(entries),
    }


def main() -> None:
    logging.disable(logging.WARNING)  # candidate reports would flood the output
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--filings", type=int, default=20_000)
    ap.add_argument("--big", type=int, default=1_000_000)
    args = ap.parse_args()
    res = bench_resolution(args.filings)
    print(f"resolution: {res}", flush=True)
    cli = bench_cli(args.big) if args.big else {}
    print(f"cli: {cli}", flush=True)
    figures = {"filings": args.filings, **res, **cli}
    print(" ".join(f"{k}={v}" for k, v in figures.items()))


if __name__ == "__main__":
    main()
