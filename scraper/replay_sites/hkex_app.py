"""Replay of the HKEX application index: `/ncms/json/eds/{status}_{board}_{lang}.json`.

Serves tests/fixtures/hkex_app/*.json at the live paths (a file that is not there answers 404,
as missing combinations such as appactive_appphip_gem do live), `/app/appindex.html`, and stub
PDFs under `/app/`. The files are held in memory so control actions can change them:

* `move`     {id, to, board?, phip_date?, st?, u_date?}: an applicant changes status file (both
             languages); `phip_date` adds a PHIP document, `st` a stock code.
* `add`      {id, name_c, name_en, status?, board?, ap_date?}: a new applicant with an AP.
* `generate` {applicants, seed?}: a synthetic index of that many applicants (benchmarks).
* `reset`:   back to the fixture files.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

from scraper.replay import ReplayRequest, ReplayResponse

EDS = "/ncms/json/eds/"
STATUS_FILES = ("appactive_app", "appactive_appphip", "appinactive", "applisted", "appreturned")
NOT_FOUND = (
    "<!DOCTYPE html><html><head><title>404 - Page Not Found</title></head>"
    "<body><h1>Page Not Found</h1><p>The page you requested cannot be found.</p></body></html>"
)
SUB = {1: ("第一次呈交", "1st submission"), 2: ("第二次呈交", "2nd submission")}
# Distinct made-up trade names for generated applicants (no digits: names are compared without).
SYLLABLES = [(c, e) for c, e in zip(
    "安百博辰達鼎方豐福高廣海瀚恒宏華輝嘉匯佳金錦晶駿凱坤藍朗力聯領龍隆美明納鵬奇啟銳瑞賽森盛思泰騰天拓維偉翔欣鑫星旭雅耀億逸英宇元悅雲澤兆哲正智眾卓",
    ["An", "Bai", "Bo", "Chen", "Da", "Ding", "Fang", "Feng", "Fu", "Gao", "Guang", "Hai",
     "Han", "Heng", "Hong", "Hua", "Hui", "Jia", "Huey", "Kar", "Jin", "Kam", "Jing", "Jun",
     "Kai", "Kun", "Lan", "Lang", "Li", "Lian", "Ling", "Long", "Lung", "Mei", "Ming", "Na",
     "Peng", "Qi", "Chi", "Rui", "Ray", "Sai", "Sen", "Sheng", "Si", "Tai", "Teng", "Tian",
     "Tuo", "Wei", "Way", "Xiang", "Xin", "Sun", "Xing", "Xu", "Ya", "Yao", "Yi", "Yat", "Ying",
     "Yu", "Yuan", "Yue", "Yun", "Ze", "Zhao", "Zhe", "Zheng", "Zhi", "Zhong", "Zhuo"],
    strict=True)]  # fmt: skip


def _ddmmyyyy(iso: str) -> str:
    y, m, d = iso.split("-")
    return f"{d}/{m}/{y}"


def make_doc(kind: str, iso_date: str, board: str, app_id: int, no: int, sub: int = 1):
    """(Chinese entry, English entry) of one ls[] document in the live shape."""
    y, m, d = iso_date.split("-")
    base = f"{board}/{y}/{app_id}/documents/{board}{y[2:]}{m}{d}{no:05d}"
    date = _ddmmyyyy(iso_date)
    if kind == "oc":
        return ({"d": date, "nS1": "整體協調人公告－委任", "u1": base + "_c.pdf"},
                {"d": date, "nS1": "Overall Coordinator Announcement - Appointment",
                 "u1": base + ".pdf"})  # fmt: skip
    zh, en = SUB.get(sub, (f"第{sub}次呈交", f"{sub}th submission"))
    nf_c = f"申請版本（{zh}）" if kind == "ap" else f"聆訊後資料集（{zh}）"
    nf_e = f"Application Proof ({en})" if kind == "ap" else f"PHIP ({en})"
    index = f"{board}/{y}/{app_id}/{y}{m}{d}{no - 3:05d}"
    return (
        {"d": date, "nF": nf_c, "nS1": "全文檔案", "nS2": "多檔案", "u1": base + "_c.pdf",
         "u2": index + "_c.htm"},
        {"d": date, "nF": nf_e, "nS1": "Full Version", "nS2": "Multi-Files", "u1": base + ".pdf",
         "u2": index + ".htm"},
    )  # fmt: skip


class HkexAppSite:
    name = "hkex_app"

    def __init__(self, fixtures_dir: Path):
        self.dir = Path(fixtures_dir) / "hkex_app"
        self.files: dict[str, dict] = {}
        self.cache: dict[str, bytes] = {}
        self.pdfs: dict[str, bytes] = {}  # path -> PDF bytes registered by `add` (issue 15)
        self.reset()

    def reset(self) -> None:
        self.files = {
            p.name: json.loads(p.read_text("utf-8"))
            for p in sorted(self.dir.glob("app*_*_[ce].json"))
        }
        self.cache.clear()
        self.pdfs.clear()

    # -- serving

    def handle(self, request: ReplayRequest) -> ReplayResponse | None:
        path = request.path
        if path.startswith(EDS + "app") and path.endswith(".json"):
            name = path[len(EDS) :]
            if name not in self.files:
                return ReplayResponse.text(NOT_FOUND, status=404)
            if name not in self.cache:
                self.cache[name] = json.dumps(
                    self.files[name], ensure_ascii=False, separators=(",", ":")
                ).encode("utf-8")
            return ReplayResponse(body=self.cache[name], content_type="application/json")
        if path == "/app/appindex.html":
            return ReplayResponse.text(
                "<!DOCTYPE html><html><head><meta charset='utf-8'><title>Application Proofs"
                "</title></head><body><div id='app-index'></div></body></html>"
            )
        if path.startswith("/app/") and path.endswith((".pdf", ".htm")):
            if path.endswith(".htm"):
                return ReplayResponse.text("<html><body>multi-file index (replay)</body></html>")
            # issue 15: a real PDF (generic, no facts) unless a control action registered one
            body = self.pdfs.get(path) or (self.dir / "pdf" / "generic_ap.pdf").read_bytes()
            return ReplayResponse(body=body, content_type="application/pdf")
        return None

    # -- control actions (POST /_replay/hkex_app/<action>)

    def _touch(self, u_date: str | None = None) -> None:
        self.cache.clear()
        if u_date:
            for body in self.files.values():
                body["uDate"] = _ddmmyyyy(u_date)

    def _take(self, board: str, app_id: int) -> tuple[dict | None, dict | None, str | None]:
        found: dict[str, dict] = {}
        status = None
        for name, body in self.files.items():
            if f"_{board}_" not in name:
                continue
            for rec in list(body["app"]):
                if rec["id"] == app_id:
                    body["app"].remove(rec)
                    found[name[-6]] = rec  # 'c' or 'e'
                    status = name.rsplit(f"_{board}_", 1)[0]
        return found.get("c"), found.get("e"), status

    def _put(self, status: str, board: str, c: dict, e: dict) -> None:
        for lang, rec in (("c", c), ("e", e)):
            name = f"{status}_{board}_{lang}.json"
            body = self.files.setdefault(name, {"genDate": "1795162500000", "uDate": "20/11/2026",
                                                "app": []})  # fmt: skip
            body["app"].append(rec)

    def control(self, action: str, payload: dict) -> dict:
        board = payload.get("board", "sehk")
        if action == "reset":
            self.reset()
            return {"ok": True}
        if action == "move":
            app_id = int(payload["id"])
            c, e, was = self._take(board, app_id)
            if c is None or e is None:
                return {"error": f"no applicant {app_id} on {board}"}
            if payload.get("phip_date"):
                dc, de = make_doc("phip", payload["phip_date"], board, app_id, 1900)
                for rec, doc in ((c, dc), (e, de)):
                    rec["ls"].append(doc)
                    rec["hasPhip"] = True
            if payload.get("st"):
                c["st"] = e["st"] = payload["st"]
            self._put(payload["to"], board, c, e)
            self._touch(payload.get("u_date"))
            return {"ok": True, "from": was, "to": payload["to"]}
        if action == "add":
            app_id = int(payload["id"])
            dc, de = make_doc("ap", payload.get("ap_date", "2026-11-19"), board, app_id, 2001)
            if payload.get("ap_pdf_b64"):  # the AP's own PDF at its u1 paths (issue 15)
                import base64

                for doc in (dc, de):
                    self.pdfs["/app/" + doc["u1"]] = base64.b64decode(payload["ap_pdf_b64"])
            date = dc["d"]
            c = {"id": app_id, "d": date, "a": payload["name_c"], "s": "A", "hasPhip": False,
                 "ls": [dc], "ps": []}  # fmt: skip
            e = {**c, "a": payload["name_en"], "ls": [de]}
            self._put(payload.get("status", "appactive_app"), board, c, e)
            self._touch(payload.get("u_date"))
            return {"ok": True}
        if action == "generate":
            self.generate(int(payload.get("applicants", 2000)), int(payload.get("seed", 6)))
            return {"ok": True, "files": len(self.files)}
        return {"error": f"unknown action {action}"}

    def generate(self, count: int, seed: int = 6) -> None:
        """A synthetic index of `count` applicants spread over every status file and both boards
        (about 55 % active, 3 % PHIP, 30 % inactive, 10 % listed, 2 % returned)."""
        rnd = random.Random(seed)
        self.files = {}
        words = ["智算", "晶片", "半導體", "新材料", "生物醫藥", "儲能", "機器人", "軟件", "光電",
                 "數據", "消費", "物流"]  # fmt: skip
        words_en = ["AI Computing", "Chips", "Semiconductor", "New Materials", "Biopharma",
                    "Energy Storage", "Robotics", "Software", "Optoelectronics", "Data",
                    "Consumer", "Logistics"]  # fmt: skip
        cities = [("深圳", "Shenzhen"), ("上海", "Shanghai"), ("北京", "Beijing"), ("蘇州", "Suzhou"),
                  ("杭州", "Hangzhou"), ("廣州", "Guangzhou")]  # fmt: skip
        for boards in ("sehk", "gem"):
            for status in STATUS_FILES:
                for lang in "ce":
                    self.files[f"{status}_{boards}_{lang}.json"] = {
                        "genDate": "1795162500000", "uDate": "20/11/2026", "app": []}  # fmt: skip
        for n in range(count):
            app_id = 100000 + n * 3
            board = "gem" if n % 20 == 0 else "sehk"
            roll = rnd.random()
            status = ("appactive_app" if roll < 0.55 else "appactive_appphip" if roll < 0.58
                      else "appinactive" if roll < 0.88 else "applisted" if roll < 0.98
                      else "appreturned")  # fmt: skip
            if board == "gem" and status == "appactive_appphip":
                status = "appactive_app"
            w = n % len(words)
            city, city_en = cities[n % len(cities)]
            a, b = SYLLABLES[n % len(SYLLABLES)], SYLLABLES[(n // len(SYLLABLES)) % len(SYLLABLES)]
            name_c = f"{city}{a[0]}{b[0]}{words[w]}科技股份有限公司"
            name_en = f"{city_en} {a[1]}{b[1].lower()} {words_en[w]} Technology Co., Ltd."
            year = 2024 + n % 3
            ap_day = f"{year}-{1 + n % 12:02d}-{1 + n % 28:02d}"
            docs = [make_doc("oc", ap_day, board, app_id, 100 + n % 900),
                    make_doc("ap", ap_day, board, app_id, 1000 + n % 9000)]  # fmt: skip
            if status in ("appactive_appphip", "applisted"):
                docs.append(make_doc("phip", f"{year}-{1 + n % 12:02d}-28", board, app_id, 50))
            c = {"id": app_id, "d": docs[-1][0]["d"], "a": name_c,
                 "s": {"appinactive": "IR", "applisted": "LT", "appreturned": "R"}.get(status, "A"),
                 "hasPhip": len(docs) > 2, "ls": [d[0] for d in docs], "ps": []}  # fmt: skip
            e = {**c, "a": name_en, "ls": [d[1] for d in docs]}
            if status == "applisted":
                c["st"] = e["st"] = f"{2000 + n % 7000:05d}"
            self._put(status, board, c, e)
            if status == "appactive_appphip" and rnd.random() < 0.5:  # superset style: also in AP
                ca = {**c, "hasPhip": False, "ls": c["ls"][:2]}
                ea = {**e, "hasPhip": False, "ls": e["ls"][:2]}
                self._put("appactive_app", board, ca, ea)
        for name in [n for n in self.files if n.startswith(("appactive_appphip_gem",
                                                            "appreturned_gem"))]:  # fmt: skip
            del self.files[name]  # combinations that 404 live
        self.cache.clear()


def make_site(fixtures_dir: Path) -> HkexAppSite:
    return HkexAppSite(fixtures_dir)
