"""Replay of www.bse.cn: the home page's cookie script, the project list and the details.

The fixture files in tests/fixtures/bse/ are the data: `infoResult_*.jsonp` list pages give the
items, `infoDetailResult_<id>.jsonp` the details. Like the live site, the API answers only with
the current `C3VK` cookie, which the home page (`/`) sets from script; without it the answer is
a verification page (or, after `rotate_cookie` with mode "redirect", a 302 to the home page).
Lists take `page` (0-based), `statetypes`/`statetypes[]` (any case), `keyword`, by GET with a
`callback` (JSONP) or by POST form (`null([...])`); pages hold `per_page` rows (3 here).

Control (POST /_replay/bse/<action>): `update` ({"item": {...}, "detail": {...}} by id),
`rotate_cookie` ({"mode": "verify" | "redirect"}), `require_cookie` ({"on": bool}),
`generate`, `reset`.
"""

from __future__ import annotations

import json
import math
import random
import secrets
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs

from scraper.core.timeutil import SHANGHAI
from scraper.parsers.common import unwrap_jsonp
from scraper.replay import ReplayRequest, ReplayResponse
from scraper.replay_sites.sse import synthetic_name

LIST = "/projectNewsController/infoResult.do"
DETAIL = "/projectNewsController/infoDetailResult.do"

HOME = """<!DOCTYPE html><html><head><meta charset="utf-8"><title>北京证券交易所</title>
<script>document.cookie="C3VK={token}; path=/";location.href=location.href;</script>
</head><body></body></html>"""
VERIFY = """<!DOCTYPE html><html><head><meta charset="utf-8"><title>访问验证</title></head>
<body><noscript>请开启JavaScript并刷新该页</noscript>
<script>document.cookie="C3VK={token}; path=/";location.reload();</script></body></html>"""
NEWS_PAGE = """<!DOCTYPE html><html><head><meta charset="utf-8"><title>审核动态</title></head>
<body><div id="project_news"></div></body></html>"""


class BseSite:
    name = "bse"

    def __init__(self, fixtures_dir: Path):
        self.dir = Path(fixtures_dir) / "bse"
        self.reset()

    def reset(self) -> None:
        self.per_page = 3
        self.token = secrets.token_hex(4)
        self.require_cookie = True
        self.stale_mode = "verify"
        self.items: dict[str, dict] = {}
        self.details: dict[str, dict] = {}
        self.home, self.verify = HOME, VERIFY
        if not self.dir.is_dir():
            return
        if (self.dir / "home.html").exists():
            self.home = (self.dir / "home.html").read_text("utf-8")
        if (self.dir / "verify.html").exists():
            self.verify = (self.dir / "verify.html").read_text("utf-8")
        for path in sorted(self.dir.glob("infoResult_*.jsonp")):
            answer = json.loads(unwrap_jsonp(path.read_text("utf-8")))[0]
            for item in answer["listInfo"]["content"]:
                self.items[str(item["id"])] = item
        for path in sorted(self.dir.glob("infoDetailResult_*.jsonp")):
            project_id = path.stem.split("_", 1)[1]
            self.details[project_id] = json.loads(unwrap_jsonp(path.read_text("utf-8")))[0]

    # -- answers
    def handle(self, request: ReplayRequest) -> ReplayResponse | None:
        if request.path in ("/", "/index.html") and request.method == "GET":
            return ReplayResponse.text(self.home.replace("{token}", self.token))
        if request.path == "/audit/project_news.html":
            return ReplayResponse.text(NEWS_PAGE)
        if request.path not in (LIST, DETAIL):
            return None
        if self.require_cookie and _cookie(request, "C3VK") != self.token:
            if self.stale_mode == "redirect":
                return ReplayResponse(status=302, body=b"", headers={"Location": "/"})
            return ReplayResponse.text(self.verify.replace("{token}", "pending"))
        args = _args(request)
        if request.path == LIST:
            answer = self._list(args)
        else:
            answer = self.details.get(args.get("id", [""])[-1]) or {
                "projectNews": None,
                "projectStatus": None,
            }
        callback = args.get("callback", [""])[-1] if request.method == "GET" else ""
        text = json.dumps([answer], ensure_ascii=False)
        return ReplayResponse(body=f"{callback or 'null'}({text})".encode(),
                              content_type="text/javascript;charset=UTF-8")  # fmt: skip

    def _list(self, args: dict[str, list[str]]) -> dict:
        items = list(self.items.values())
        codes = set()
        for key in ("statetypes", "statetypes[]"):
            for value in args.get(key, []):
                codes |= {c.strip().upper() for c in value.split(",") if c.strip()}
        if codes:
            items = [i for i in items if str(i.get("status", "")).upper() in codes]
        keyword = args.get("keyword", [""])[-1]
        if keyword:
            items = [i for i in items if keyword in (i.get("companyName") or "")]
        items.sort(key=lambda i: ((i.get("updateDate") or {}).get("time") or 0, int(i["id"])),
                   reverse=True)  # fmt: skip
        page = max(0, int(args.get("page", ["0"])[-1] or 0))
        size = self.per_page
        total_pages = math.ceil(len(items) / size)
        rows = items[page * size : (page + 1) * size]
        return {"listInfo": {"content": rows, "firstPage": page == 0,
                             "lastPage": page + 1 >= total_pages, "number": page,
                             "numberOfElements": len(rows), "size": size, "sort": None,
                             "totalElements": len(items), "totalPages": total_pages},
                "status": 0}  # fmt: skip

    def empty(self, request: ReplayRequest) -> ReplayResponse:
        info = {"content": [], "firstPage": True, "lastPage": True, "number": 0,
                "numberOfElements": 0, "size": self.per_page, "sort": None, "totalElements": 0,
                "totalPages": 0}  # fmt: skip
        return ReplayResponse(body=f"null({json.dumps([{'listInfo': info, 'status': 0}])})".encode(),
                              content_type="text/javascript;charset=UTF-8")  # fmt: skip

    # -- control
    def control(self, action: str, payload: dict) -> dict:
        if action == "update":
            item = payload.get("item") or {}
            project_id = str(item.get("id") or payload.get("id"))
            if item:
                self.items[project_id] = {**self.items.get(project_id, {}), **item}
            if payload.get("detail"):
                self.details[project_id] = {**self.details.get(project_id, {}), **payload["detail"]}
            return {"ok": True, "projects": len(self.items)}
        if action == "rotate_cookie":
            self.token = secrets.token_hex(4)
            self.stale_mode = payload.get("mode", "verify")
            return {"ok": True}
        if action == "home":
            # {"file": "home_computed.html"}: a home page that computes C3VK in script (issue 16)
            self.home = (self.dir / str(payload.get("file", "home.html"))).read_text("utf-8")
            return {"ok": True}
        if action == "require_cookie":
            self.require_cookie = bool(payload.get("on", True))
            return {"ok": True}
        if action == "generate":
            self.items.clear()
            self.details.clear()
            n = int(payload.get("projects", 2000))
            for i in range(n):
                item, detail = generate_project(i, int(payload.get("docs", 6)),
                                                int(payload.get("seed", 7)))  # fmt: skip
                self.items[str(item["id"])] = item
                self.details[str(item["id"])] = detail
            self.per_page = int(payload.get("per_page", 100))
            return {"ok": True, "projects": n}
        if action == "reset":
            self.reset()
            return {"ok": True}
        return {"error": f"unknown action {action}"}


def _cookie(request: ReplayRequest, name: str) -> str | None:
    for part in request.headers.get("cookie", "").split(";"):
        key, _, value = part.strip().partition("=")
        if key == name:
            return value
    return None


def _args(request: ReplayRequest) -> dict[str, list[str]]:
    args = dict(request.query)
    if "application/x-www-form-urlencoded" in request.headers.get("content-type", ""):
        for key, values in parse_qs(request.body.decode("utf-8", "replace"),
                                    keep_blank_values=True).items():  # fmt: skip
            args.setdefault(key, []).extend(values)
    return args


def java_date(day: datetime) -> dict:
    """A Java Date as the site serialises it: epoch ms plus the broken-down fields."""
    local = day.replace(tzinfo=SHANGHAI)
    return {"time": int(local.timestamp() * 1000), "year": local.year - 1900,
            "month": local.month - 1, "date": local.day, "day": (local.weekday() + 1) % 7,
            "hours": local.hour, "minutes": local.minute, "seconds": local.second,
            "timezoneOffset": -480}  # fmt: skip


_PATH = ["P01", "P02", "P03", "P06", "P07"]
_DATE_KEYS = ["receiveDate", "inquiryDate", "listingCommitteeDate", "submitDate",
              "approveResultDate"]  # fmt: skip


def generate_project(i: int, docs: int, seed: int = 7) -> tuple[dict, dict]:
    rnd = random.Random(seed * 100043 + i)
    pid = 5000 + i
    name = synthetic_name(i + 4000)
    reached = rnd.randint(1, len(_PATH))
    start = datetime(2026, 10, 31, 9) - timedelta(days=i // 3 + 40 * reached)
    updated = start + timedelta(days=40 * (reached - 1), hours=8)
    item = {"id": pid, "stockCode": f"87{i:04d}", "stockName": name[2:6], "companyName": name,
            "status": _PATH[reached - 1], "registerAddress": name[:2],
            "sponsorOrg": rnd.choice(["开源证券股份有限公司", "申万宏源证券承销保荐有限责任公司"]),
            "accountingOrg": "容诚会计师事务所（特殊普通合伙）", "lawyerOrg": "北京德恒律师事务所",
            "appraisalOrg": "", "updateDate": java_date(updated),
            "receiveDate": java_date(start), "operatingTime": java_date(updated)}  # fmt: skip
    status = {key: (java_date(start + timedelta(days=40 * n)) if n < reached else None)
              for n, key in enumerate(_DATE_KEYS)}  # fmt: skip
    status["listingCommitteeResult"] = 1 if reached >= 3 else None
    status["approveResult"] = 1 if reached >= 5 else None
    day = start.strftime("%Y-%m-%d")
    files = [{"disclosureTitle": f"{name[2:6]}:招股说明书(申报稿){d}", "publishDate": day,
              "destFilePath": f"/disclosure/{start.year}/{day}/{pid}{d:03d}_1.pdf"}
             for d in range(docs)]  # fmt: skip
    detail = {"projectNews": {"id": pid, "companyName": name, "sponsorOrg": item["sponsorOrg"]},
              "projectStatus": status, "xxgkInfo": {"GPFXSMS": {"SBG": files}},
              "wxhfhInfo": [], "hyggjgInfo": [], "hztzInfo": []}  # fmt: skip
    return item, detail


def make_site(fixtures_dir: Path) -> BseSite:
    return BseSite(fixtures_dir)
