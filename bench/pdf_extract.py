"""PDF text extraction speed and memory, and the end-to-end time from a new CSRC row to its alert.

1. Generates --docs (200) multi-page Chinese tutoring reports (tests/pdfgen.py, reportlab), then
   extracts them in a fresh child process (scraper/parsers/pdf_text.py, pypdfium2) on one core:
   pages/s and the child's peak RSS (target >= 50 pages/s). Facts are parsed too (separately
   timed), as the crawl does.
2. End to end on the replay: a baseline crawl of csrcfd, then a new row whose report is a
   generated PDF; times `filingwatch crawl csrcfd` from the row's publication to the outbox row
   whose payload carries the PDF's agreement date (target <= 5 s).

Last line: key=value pairs.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))


def extract_child(folder: Path) -> dict:
    """Runs in the child: extract every PDF of folder; returns the figures."""
    os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})  # one core
    from scraper.parsers import pdf_text, tutoring_report

    files = sorted(folder.glob("*.pdf"))
    datas = [f.read_bytes() for f in files]
    rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    pages = chars = 0
    t0 = time.perf_counter()
    texts = []
    for data in datas:
        out = pdf_text.extract(data)
        pages += len(out.pages)
        chars += out.chars
        texts.append(out.pages)
    extract_s = time.perf_counter() - t0
    t1 = time.perf_counter()
    found = sum(len(tutoring_report.parse_filing_report(p).facts) for p in texts)
    parse_s = time.perf_counter() - t1
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"docs": len(datas), "pages": pages, "chars": chars, "extract_s": extract_s,
            "parse_s": parse_s, "facts": found, "rss_start_mb": rss0, "rss_peak_mb": rss}  # fmt: skip


def end_to_end(tmp: Path) -> float:
    import pdfgen

    from scraper import FIXTURES_DIR
    from scraper.replay import ReplayServer

    with ReplayServer(fixtures_dir=FIXTURES_DIR, port=0) as replay:
        cfg = tmp / "config.toml"
        db = tmp / "e2e.db"
        cfg.write_text(
            f'[database]\npath = "{db}"\n[crawl]\ndownload_delay = 0\ntimeout = 10\n'
            f'[sources.csrcfd]\nbase_url = "{replay.base_url}"\nfallback_base_url = ""\n'
            '[[channels]]\nname = "console"\nurl = "console://"\n'
            '[[watch]]\nname = "all"\nevents = ["tutoring", "filing"]\nchannels = ["console"]\n',
            encoding="utf-8",
        )
        cmd = [sys.executable, "-m", "scraper.cli", "crawl", "csrcfd", "--config", str(cfg)]
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        subprocess.run(cmd, check=True, capture_output=True, env=env)  # baseline sweep
        row = {"company": "超聚变数字技术股份有限公司", "broker": "中信证券股份有限公司",
               "regulator": "河南证监局", "filing_date": "2026-11-28", "status": "辅导备案",
               "report_type": "辅导备案报告",
               "pdf_b64": base64.b64encode(pdfgen.filing_report(pad_pages=6)).decode()}  # fmt: skip
        started = time.monotonic()
        replay.site("csrcfd").control("publish", row)
        subprocess.run(cmd, check=True, capture_output=True, env=env)
        with sqlite3.connect(db) as conn:
            payload = conn.execute("SELECT payload FROM outbox ORDER BY id LIMIT 1").fetchone()
        elapsed = time.monotonic() - started
        facts = json.loads(payload[0])["facts"] if payload else {}
        if facts.get("agreement_date") != "2025-12-31":
            sys.exit(f"alert without the PDF's facts: {payload}")
        return elapsed


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--docs", type=int, default=200)
    ap.add_argument("--pad-pages", type=int, default=4, help="appendix pages per report")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        print(json.dumps(extract_child(Path(args.child))))
        return
    import pdfgen

    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        folder = tmp / "pdfs"
        folder.mkdir()
        t0 = time.perf_counter()
        for i in range(args.docs):
            facts = dict(pdfgen.XFUSION, 公司名称=f"第{i}号科技股份有限公司")
            (folder / f"{i:04d}.pdf").write_bytes(
                pdfgen.filing_report(
                    facts, pad_pages=args.pad_pages, layout="table" if i % 2 else "prose"
                )
            )
        gen_s = time.perf_counter() - t0
        child = subprocess.run([sys.executable, __file__, "--child", str(folder)], check=True,
                               capture_output=True, text=True)  # fmt: skip
        r = json.loads(child.stdout.strip().splitlines()[-1])
        e2e = end_to_end(tmp)
    pps = r["pages"] / r["extract_s"]
    print(f"generated {args.docs} PDFs in {gen_s:.1f}s; extracted {r['pages']} pages "
          f"({r['chars']} chars) in {r['extract_s']:.2f}s on one core; facts parsed in "
          f"{r['parse_s']:.2f}s ({r['facts']} facts)")  # fmt: skip
    print(f"docs={r['docs']} pages={r['pages']} pages_per_s={pps:.0f} "
          f"parse_ms_per_doc={1000 * r['parse_s'] / r['docs']:.1f} "
          f"rss_start_mb={r['rss_start_mb']:.0f} rss_peak_mb={r['rss_peak_mb']:.0f} "
          f"e2e_s={e2e:.2f} target_pages_per_s=50 target_e2e_s=5")  # fmt: skip


if __name__ == "__main__":
    main()
