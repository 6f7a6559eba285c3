"""Replay of listing.szse.cn `api/ras/projectrends`: list `query` and `details?id=`.

The fixture files in tests/fixtures/szse/ are the data: `query_*.json` list pages give the list
items, `details_<prjid>.json` the details. Answers are plain JSON, sorted by updtdt (newest
first), filtered by bizType/boardCode, paged by the 0-based pageIndex with at most
min(pageSize, 100, per_page) rows (per_page = 3 for the fixtures).

Control (POST /_replay/szse/<action>): `update` ({"item": {...list fields}, "detail":
{...detail fields}} merged by prjid; list fields also reach the details), `generate`, `reset`.
"""

from __future__ import annotations

import json
import math
import random
from datetime import date, timedelta
from pathlib import Path

from scraper.replay import ReplayRequest, ReplayResponse
from scraper.replay_sites.sse import synthetic_name

QUERY = "/api/ras/projectrends/query"
DETAILS = "/api/ras/projectrends/details"


class SzseSite:
    name = "szse"

    def __init__(self, fixtures_dir: Path):
        self.dir = Path(fixtures_dir) / "szse"
        self.reset()

    def reset(self) -> None:
        self.per_page = 3
        self.items: dict[str, dict] = {}
        self.details: dict[str, dict] = {}
        if not self.dir.is_dir():
            return
        for path in sorted(self.dir.glob("query_*.json")):
            for item in json.loads(path.read_text("utf-8")).get("data") or []:
                self.items[str(item["prjid"])] = item
        for path in sorted(self.dir.glob("details_*.json")):
            data = json.loads(path.read_text("utf-8")).get("data")
            if data:
                self.details[str(data["prjid"])] = data

    def handle(self, request: ReplayRequest) -> ReplayResponse | None:
        if request.path == QUERY:
            return ReplayResponse.json(self._query(request))
        if request.path == DETAILS:
            data = self.details.get(request.arg("id"))
            if data is None and request.arg("id") in self.items:
                data = {**self.items[request.arg("id")], "prjprogs": [], "pjdot": None,
                        "others": None}  # fmt: skip
            return ReplayResponse.json({"data": data})
        return None

    def _query(self, request: ReplayRequest) -> dict:
        items = list(self.items.values()) if request.arg("bizType", "1") == "1" else []
        board = request.arg("boardCode")
        if board:
            items = [i for i in items if _board_code(i) == board]
        keyword = request.arg("keywords")
        if keyword:
            items = [i for i in items if keyword in (i.get("cmpnm") or "")]
        items.sort(key=lambda i: (i.get("updtdt") or "", int(i["prjid"])), reverse=True)
        size = max(1, min(int(request.arg("pageSize") or 20), 100, self.per_page))
        index = max(0, int(request.arg("pageIndex") or 0))
        rows = items[index * size : (index + 1) * size]
        return {"data": rows, "totalSize": len(items), "pageIndex": index, "pageSize": size,
                "totalPage": math.ceil(len(items) / size)}  # fmt: skip

    def empty(self, request: ReplayRequest) -> ReplayResponse:
        return ReplayResponse.json({"data": [], "totalSize": 0, "pageIndex": 0, "pageSize": 20,
                                    "totalPage": 0})  # fmt: skip

    def control(self, action: str, payload: dict) -> dict:
        if action == "update":
            item = payload.get("item") or {}
            prjid = str(item.get("prjid") or payload.get("prjid"))
            if item:
                self.items[prjid] = {**self.items.get(prjid, {}), **item}
            detail = {**self.details.get(prjid, {}), **item, **(payload.get("detail") or {})}
            self.details[prjid] = detail
            return {"ok": True, "projects": len(self.items)}
        if action == "generate":
            self.items.clear()
            self.details.clear()
            n = int(payload.get("projects", 2000))
            for i in range(n):
                item, detail = generate_project(i, int(payload.get("docs", 6)),
                                                int(payload.get("seed", 7)))  # fmt: skip
                self.items[str(item["prjid"])] = item
                self.details[str(item["prjid"])] = detail
            self.per_page = int(payload.get("per_page", 100))
            return {"ok": True, "projects": n}
        if action == "reset":
            self.reset()
            return {"ok": True}
        return {"error": f"unknown action {action}"}


def _board_code(item: dict) -> str:
    """boardCode, or the code of boardName (2026 items may carry only the name); ChiNext else."""
    code = item.get("boardCode")
    if code is None:
        code = {"主板": "12", "深市主板": "12"}.get(item.get("boardName") or "", "16")
    return str(code)


_PATH = [(20, "已受理"), (30, "已问询"), (45, "上市委会议通过"), (60, "提交注册"), (70, "注册生效")]
_NODES = [(20, "已受理"), (30, "已问询"), (40, "上市委会议"), (60, "提交注册"), (70, "注册结果")]


def generate_project(i: int, docs: int, seed: int = 7) -> tuple[dict, dict]:
    rnd = random.Random(seed * 100019 + i)
    prjid = 3000000 + i
    name = synthetic_name(i + 2000)
    reached = rnd.randint(1, len(_PATH))
    start = date(2026, 10, 31) - timedelta(days=i // 3 + 40 * reached)
    status, label = _PATH[reached - 1]
    updated = start + timedelta(days=40 * (reached - 1))
    item = {
        "prjid": prjid, "cmpnm": name, "cmpsnm": name[2:6], "cmpcode": "", "biztype": 1,
        "prjstatus": status, "prjst": label, "stage": None, "regloc": name[:2],
        "csrcind": rnd.choice(["计算机、通信和其他电子设备制造业", "软件和信息技术服务业",
                               "专用设备制造业"]),
        "sprinst": rnd.choice(["中信证券股份有限公司", "国信证券股份有限公司"]),
        "sprinsts": "", "jsprinst": "", "lawfm": "北京市中伦律师事务所",
        "acctfm": "天健会计师事务所（特殊普通合伙）", "evalinst": None,
        "maramt": f"{rnd.uniform(2, 30):.4f}", "updtdt": updated.isoformat(),
        "acptdt": start.isoformat(), "boardCode": "16" if i % 3 else "12",
        "boardName": "创业板" if i % 3 else "主板",
    }  # fmt: skip
    progs, day = [], start
    for n, (value, caption) in enumerate(_NODES):
        reached_node = n < reached
        subs = []
        if value == 40 and reached_node:
            subs = [{"caption": "上市委会议通过", "value": 45, "date": f"{day} 18:00"}]
        if value == 70 and reached_node:
            subs = [{"caption": "注册生效", "value": 70, "date": f"{day} 18:00"}]
        progs.append({"caption": caption, "value": value, "finished": reached_node,
                      "date": f"{day} 18:00" if reached_node else None,
                      "stageType": 0 if reached_node else 2, "orderNo": n, "status": subs})  # fmt: skip
        day += timedelta(days=40)
    progs.append({"caption": label, "value": status, "finished": False,
                  "date": f"{updated} 18:00", "stageType": None, "orderNo": -1, "status": []})  # fmt: skip
    materials = [{"dfid": prjid * 100 + d, "prjid": prjid, "dfnm": f"1-{d + 1} 招股说明书.pdf",
                  "dftitle": "", "dtyp": 1, "matcat": 3 + d % 5, "ddt": start.isoformat(),
                  "ddtime": f"{start} 18:00:00", "dfext": "pdf",
                  "dfpth": f"/UpFiles/rasinfodisc/RAS_{prjid:08d}{d:04d}.pdf"}
                 for d in range(docs)]  # fmt: skip
    detail = {**item, "prjprogs": progs, "pjdot": None, "others": None,
              "disclosureMaterials": materials, "enquiryResponseAttachment": [],
              "meetingConclusionAttachment": [], "registrationResultAttachment": [],
              "terminationNoticeAttachment": []}  # fmt: skip
    return item, detail


def make_site(fixtures_dir: Path) -> SzseSite:
    return SzseSite(fixtures_dir)
