"""Parse cost of the exchange answers against a minimal baseline, in one run (issue 16).

For N generated projects (default 2,000) per exchange — the replay's own generators, answered
through the replay sites in the sites' envelopes — time:

* ours: the parsers as the spiders call them (SSE list pages + status events, milestones and
  documents per project; SZSE list pages + details; BSE list pages + details; the HKEX
  application index: every status file, merged, with the filings of every document);
* baseline: `json.loads` of the same bodies (JSONP unwrapped) and the same fields picked into
  plain dicts: no normalisation, no records.

Prints per exchange the best of --repeat interleaved runs and the ratio ours / baseline
(target <= 2.0).
Last line: key=value pairs.
"""

from __future__ import annotations

import argparse
import gc
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from scraper import FIXTURES_DIR  # noqa: E402
from scraper.parsers import bse, hkex_app, sse, szse  # noqa: E402
from scraper.replay import ReplayRequest  # noqa: E402
from scraper.replay_sites.bse import BseSite  # noqa: E402
from scraper.replay_sites.hkex_app import HkexAppSite  # noqa: E402
from scraper.replay_sites.sse import SseSite  # noqa: E402
from scraper.replay_sites.szse import SzseSite  # noqa: E402

HK = "https://www1.hkexnews.hk"


def get(site, path: str, query: dict | None = None) -> bytes:
    q = {k: [str(v)] for k, v in (query or {}).items()}
    return site.handle(ReplayRequest("GET", path, q, {}, b"")).body


def _loads(body: bytes):
    text = body.decode("utf-8")
    if not text.startswith(("{", "[")):
        text = text[text.index("(") + 1 : text.rindex(")")]
    return json.loads(text)


# ---------------------------------------------------------------- the bodies


def sse_bodies(n: int):
    site = SseSite(FIXTURES_DIR)
    site.control("generate", {"projects": n, "docs": 6, "per_page": 100})
    pages = []
    for page in range(1, -(-n // 100) + 1):
        pages.append(get(site, "/statusAction.do", {"sqlId": "SH_XM_LB", "pageHelp.pageNo": page,
                                                    "pageHelp.pageSize": 100,
                                                    "jsonCallBack": "jsonpCallback1"}))  # fmt: skip
    details = {}
    for audit in site.items:
        details[audit] = [get(site, "/commonSoaQuery.do", {"sqlId": s, "stockAuditNum": audit,
                                                           "jsonCallBack": "jsonpCallback2"})
                          for s in ("GP_GPZCZ_XMDTZTTLB", "GP_GPZCZ_XMDTZTYYLB",
                                    "GP_GPZCZ_SHXXPL")]  # fmt: skip
    return pages, details


def szse_bodies(n: int):
    site = SzseSite(FIXTURES_DIR)
    site.control("generate", {"projects": n, "docs": 6, "per_page": 100})
    pages = [get(site, "/api/ras/projectrends/query", {"bizType": 1, "pageIndex": i,
                                                       "pageSize": 100})
             for i in range(-(-n // 100))]  # fmt: skip
    details = {p: get(site, "/api/ras/projectrends/details", {"id": p}) for p in site.details}
    return pages, details


def bse_bodies(n: int):
    site = BseSite(FIXTURES_DIR)
    site.require_cookie = False
    site.control("generate", {"projects": n, "docs": 6, "per_page": 100})
    pages = [
        get(site, "/projectNewsController/infoResult.do", {"page": i, "callback": "cb"})
        for i in range(-(-n // 100))
    ]
    details = {p: get(site, "/projectNewsController/infoDetailResult.do", {"id": p,
                                                                          "callback": "cb"})
               for p in site.details}  # fmt: skip
    return pages, details


def hkex_bodies(n: int):
    site = HkexAppSite(FIXTURES_DIR)
    site.control("generate", {"applicants": n})
    return {name: get(site, "/ncms/json/eds/" + name) for name in site.files}


# ---------------------------------------------------------------- ours


def ours_sse(pages, details):
    count = 0
    for body in pages:
        for p in sse.parse_list(body, "u").projects:
            milestones, events, docs = details[p.native_id]
            _p, filings = sse.parse_detail(p, milestones, events, docs, "u")
            count += 1 + len(filings) + len(p.timeline)
    return count


def ours_szse(pages, details):
    count = 0
    for body in pages:
        for p in szse.parse_list(body, "u").projects:
            fresh, filings = szse.parse_detail(details[p.native_id], "u", project=p)
            count += 1 + len(filings) + len(fresh.timeline)
    return count


def ours_bse(pages, details):
    count = 0
    for body in pages:
        for p in bse.parse_list(body, "u").projects:
            fresh, filings = bse.parse_detail(details[p.native_id], "u", p)
            count += 1 + len(filings) + len(fresh.timeline or [])
    return count


def ours_hkex(files):
    parsed = [hkex_app.parse_index_file(body, HK + "/ncms/json/eds/" + name)
              for name, body in files.items()]  # fmt: skip
    apps = hkex_app.merge_index(parsed)
    filings = hkex_app.index_filings(apps, HK, HK + "/app/")
    return len(apps) + len(filings)


# ---------------------------------------------------------------- baseline: pick the same fields

_SSE_ITEM = ("stockAuditNum", "stockAuditName", "currStatus", "commitiResult", "registeResult",
             "suspendStatus", "issueMarketType", "planIssueCapital", "auditApplyDate",
             "updateDate")  # fmt: skip
_SSE_ISSUER = ("s_issueCompanyFullName", "s_issueCompanyAbbrName", "s_csrcCode",
               "s_csrcCodeDesc", "s_province", "s_companyCode")  # fmt: skip
_SSE_STEP = ("auditStatus", "commitiResult", "registeResult", "suspendStatus", "publishDate",
             "qianDate", "timesave", "reasonDesc")  # fmt: skip
_SSE_DOC = ("fileId", "fileTitle", "filePath", "fileType", "fileVersion", "fileSize",
            "publishDate", "fileUpdateTime", "auditStatus")  # fmt: skip


def _rows(body):
    data = _loads(body)
    return (data.get("pageHelp") or {}).get("data") or data.get("result") or []


def base_sse(pages, details):
    count = 0
    for body in pages:
        for item in _rows(body):
            rec = {k: item.get(k) for k in _SSE_ITEM}
            issuer = (item.get("stockIssuer") or [{}])[0]
            rec.update({k: issuer.get(k) for k in _SSE_ISSUER})
            rec["intermediaries"] = [(i.get("i_intermediaryType"), i.get("i_intermediaryName"),
                                      i.get("i_intermediaryOrder"))
                                     for i in item.get("intermediary") or []]  # fmt: skip
            milestones, events, docs = details[str(item["stockAuditNum"])]
            steps = [{k: r.get(k) for k in _SSE_STEP} for b in (milestones, events)
                     for r in _rows(b)]  # fmt: skip
            files = [{k: r.get(k) for k in _SSE_DOC} for r in _rows(docs)]
            count += 1 + len(files) + len(steps)
    return count


_SZSE_ITEM = ("prjid", "cmpnm", "cmpsnm", "prjstatus", "prjst", "boardCode", "sprinst",
              "jsprinst", "lawfm", "acctfm", "evalinst", "maramt", "csrcind", "regloc", "acptdt",
              "updtdt", "cmpcode")  # fmt: skip
_SZSE_NODE = ("caption", "value", "date", "orderNo")
_SZSE_DOC = ("dfid", "dfnm", "dftitle", "dtyp", "matcat", "ddt", "ddtime", "dfext", "dfpth",
             "inquiryId", "mtid")  # fmt: skip


def base_szse(pages, details):
    count = 0
    for body in pages:
        for item in _loads(body)["data"]:
            rec = {k: item.get(k) for k in _SZSE_ITEM}
            data = _loads(details[str(item["prjid"])])["data"]
            rec["steps"] = [{**{k: n.get(k) for k in _SZSE_NODE},
                             "status": [(s.get("value"), s.get("date")) for s in n.get("status") or []]}
                            for n in data.get("prjprogs") or []]  # fmt: skip
            docs = [{k: r.get(k) for k in _SZSE_DOC} for a in szse.DOC_ARRAYS
                    for r in data.get(a) or []]  # fmt: skip
            count += 1 + len(docs) + len(rec["steps"])
    return count


_BSE_ITEM = ("id", "stockCode", "stockName", "companyName", "status", "registerAddress",
             "sponsorOrg", "accountingOrg", "lawyerOrg", "appraisalOrg")  # fmt: skip


def base_bse(pages, details):
    count = 0
    for body in pages:
        for item in _loads(body)[0]["listInfo"]["content"]:
            rec = {k: item.get(k) for k in _BSE_ITEM}
            rec.update({k: (item.get(k) or {}).get("time") for k in ("updateDate", "receiveDate",
                                                                     "operatingTime")})  # fmt: skip
            data = _loads(details[str(item["id"])])[0]
            status = data.get("projectStatus") or {}
            steps = {k: (v or {}).get("time") if isinstance(v, dict) else v
                     for k, v in status.items()}  # fmt: skip
            docs = [{k: f.get(k) for k in ("disclosureTitle", "publishDate", "destFilePath")}
                    for group in (data.get("xxgkInfo") or {}).values() for files in group.values()
                    for f in files]  # fmt: skip
            for key in ("wxhfhInfo", "hyggjgInfo", "hztzInfo"):
                docs += [{k: f.get(k) for k in ("disclosureTitle", "publishDate", "destFilePath")}
                         for f in data.get(key) or []]  # fmt: skip
            count += 1 + len(docs) + len([v for v in steps.values() if v])
    return count


def base_hkex(files):
    apps: dict[tuple[str, int], dict] = {}
    docs = 0
    for name, body in files.items():
        data = json.loads(body)
        for rec in data.get("app") or []:
            app = apps.setdefault((name.rsplit("_", 2)[1], rec["id"]), {"id": rec["id"]})
            app["name_" + name[-6]] = rec.get("a")
            app.update({k: rec.get(k) for k in ("s", "hasPhip", "st", "d", "w", "postingDate")})
            app["docs"] = [{k: d.get(k) for k in ("d", "nF", "nS1", "u1", "nS2", "u2")}
                           for d in (rec.get("ls") or []) + (rec.get("ps") or [])]  # fmt: skip
            docs += len(app["docs"])
    return len(apps) + docs


# ---------------------------------------------------------------- timing


def cold_caches() -> None:
    """Empty every memo the parsers keep (dates, sponsor lists, status texts), as in the fresh
    process each crawl runs in: a repeat must not find the last repeat's answers."""
    for module in list(sys.modules.values()):
        if not getattr(module, "__name__", "").startswith("scraper."):
            continue
        for value in list(vars(module).values()):
            if callable(getattr(value, "cache_clear", None)):
                value.cache_clear()


def timed_pair(ours, base, bodies, repeat: int) -> tuple[float, float, int, int]:
    """Ours and the baseline interleaved, best of `repeat` each (the machine is shared: the
    minimum is the least disturbed run, and interleaving exposes both to the same load)."""
    t_ours, t_base, recs, picks = [], [], 0, 0
    for _ in range(repeat):
        cold_caches()
        gc.collect()  # each side starts clean: neither pays for the other's garbage
        t0 = time.perf_counter()
        recs = ours(*bodies)
        t1 = time.perf_counter()
        gc.collect()
        t2 = time.perf_counter()
        picks = base(*bodies)
        t3 = time.perf_counter()
        t_ours.append(t1 - t0)
        t_base.append(t3 - t2)
    return min(t_ours), min(t_base), recs, picks


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--projects", type=int, default=2000)
    ap.add_argument("--repeat", type=int, default=9)
    args = ap.parse_args()
    n = args.projects
    results = {}
    for name, make, ours, base in (
        ("sse", sse_bodies, ours_sse, base_sse),
        ("szse", szse_bodies, ours_szse, base_szse),
        ("bse", bse_bodies, ours_bse, base_bse),
        ("hkex_app", hkex_bodies, ours_hkex, base_hkex),
    ):
        bodies = make(n)
        bodies = bodies if isinstance(bodies, tuple) else (bodies,)
        t_ours, t_base, recs, picked = timed_pair(ours, base, bodies, args.repeat)
        results[name] = t_ours / t_base
        print(
            f"{name:9s} ours {t_ours * 1000:8.1f} ms ({recs} records)  baseline"
            f" {t_base * 1000:8.1f} ms ({picked} picks)  ratio {t_ours / t_base:.2f}"
        )
    worst = max(results.values())
    print(
        " ".join(f"{k}_ratio={v:.2f}" for k, v in results.items())
        + f" worst_ratio={worst:.2f} projects={n} target=2.0 ok={int(worst <= 2.0)}"
    )


if __name__ == "__main__":
    main()
