"""Replay of query.sse.com.cn: SH_XM_LB list pages and the per-project detail calls.

The fixture files in tests/fixtures/sse/ are the data: list pages (`list_*.json[p]`) give the
projects, `<sqlId>_<auditId>.jsonp` the rows of each detail call. The replay answers at the
site's paths (`/statusAction.do`, `/commonSoaQuery.do`) in the site's envelope — JSONP when a
`jsonCallBack` is sent, slashes escaped as the site does — sorted by updateDate, filtered by
`issueMarketType`/`keyword`/`stockAuditNum`, paged by `pageHelp.pageNo` with at most
`per_page` rows (3 for the fixtures, so pagination is exercised).

Control (POST /_replay/sse/<action>): `update` (merge a list item by stockAuditNum, append
timeline/event/document rows), `generate` (N synthetic projects with details, for benchmarks),
`variant` (retire sqlIds such as GP_GPZCZ_SHXXPL so only `GP_COMMON_FILE_SEARCH_<id>` answers;
`result_only`: `pageHelp.data` [] with the rows in `result`), `reset`.
"""

from __future__ import annotations

import json
import math
import random
from datetime import datetime, timedelta
from pathlib import Path

from scraper.parsers.common import unwrap_jsonp
from scraper.replay import ReplayRequest, ReplayResponse

PATHS = ("/statusAction.do", "/commonSoaQuery.do")
DETAIL_IDS = ("GP_GPZCZ_XMDTZTTLB", "GP_GPZCZ_XMDTZTYYLB", "GP_GPZCZ_SHXXPL")
FILE_SEARCH = "GP_COMMON_FILE_SEARCH"  # the 2026 document search (fileTypeMap, fileUpdTime)
ENVELOPE = {
    "actionErrors": [], "actionMessages": [], "downloadFileName": None, "execlStream": None,
    "fieldErrors": {}, "fileId": None, "isPagination": "true", "jsonCallBack": None,
    "locale": "zh_CN", "mergeSize": None, "mergeType": None, "pageNo": None, "pageSize": None,
    "queryDate": "", "securityCode": "", "texts": None, "type": "", "validateCode": "",
}  # fmt: skip


class SseSite:
    name = "sse"

    def __init__(self, fixtures_dir: Path):
        self.dir = Path(fixtures_dir) / "sse"
        self.reset()

    def reset(self) -> None:
        self.per_page = 3
        self.items: dict[str, dict] = {}
        self.rows: dict[tuple[str, str], list[dict]] = {}
        self.retired: set[str] = set()  # sqlIds the site no longer answers (unknown sqlId)
        self.result_only = False  # 2026 variant: pageHelp.data [] while `result` holds the rows
        if not self.dir.is_dir():
            return
        for path in sorted(self.dir.glob("list_*.json*")):
            data = json.loads(unwrap_jsonp(path.read_text("utf-8")))
            for item in (data.get("pageHelp") or {}).get("data") or data.get("result") or []:
                self.items[str(item["stockAuditNum"])] = item
        for sql_id in (*DETAIL_IDS, FILE_SEARCH):
            for path in sorted(self.dir.glob(f"{sql_id}_*.json*")):
                audit = path.name[len(sql_id) + 1 :].split(".")[0]
                data = json.loads(unwrap_jsonp(path.read_text("utf-8")))
                self.rows[(sql_id, audit)] = (data.get("pageHelp") or {}).get("data") or []

    # -- answers
    def handle(self, request: ReplayRequest) -> ReplayResponse | None:
        if request.path not in PATHS:
            return None
        sql_id = request.arg("sqlId")
        if sql_id == "GP_GPZCZ_SSWHYGGJG":  # committee announcements: replay_sites/sse_committee.py
            return None
        if sql_id == "SH_XM_LB" and sql_id not in self.retired:
            rows, page_help = self._list(request)
        elif sql_id in (*DETAIL_IDS, FILE_SEARCH) and sql_id not in self.retired:
            rows = list(self.rows.get((sql_id, request.arg("stockAuditNum")), []))
            if sql_id == "GP_GPZCZ_XMDTZTYYLB":
                rows.sort(key=lambda r: r.get("qianDate") or "", reverse=True)
            page_help = _page_help(rows, 1, 1, len(rows), len(rows))
        else:
            return self._answer(request, {**ENVELOPE, "actionErrors": [f"unknown sqlId {sql_id}"],
                                          "pageHelp": None, "result": None})  # fmt: skip
        if self.result_only:
            page_help = {**page_help, "data": []}
        return self._answer(request, {**ENVELOPE, "pageHelp": page_help, "result": rows,
                                      "statistics": self._statistics()})  # fmt: skip

    def _list(self, request: ReplayRequest) -> tuple[list[dict], dict]:
        items = list(self.items.values())
        audit = request.arg("stockAuditNum")
        if audit:
            items = [i for i in items if str(i["stockAuditNum"]) == audit]
        markets = {m for m in request.arg("issueMarketType").split(",") if m}
        if markets:
            items = [i for i in items if str(i.get("issueMarketType")) in markets]
        keyword = request.arg("keyword")
        if keyword:
            items = [i for i in items if keyword in i.get("stockAuditName", "")]
        items.sort(key=lambda i: (i.get("updateDate") or "", int(i["stockAuditNum"])), reverse=True)
        size = max(1, min(int(request.arg("pageHelp.pageSize") or 20), self.per_page))
        page = max(1, int(request.arg("pageHelp.pageNo") or 1))
        count = math.ceil(len(items) / size)
        rows = items[(page - 1) * size : page * size]
        return rows, _page_help(rows, page, count, len(items), size)

    def _statistics(self) -> list[dict]:
        counts: dict[str, int] = {}
        for item in self.items.values():
            key = str(item.get("currStatus"))
            counts[key] = counts.get(key, 0) + 1
        return [{"num": n, "status": k} for k, n in sorted(counts.items())]

    def _answer(self, request: ReplayRequest, envelope: dict) -> ReplayResponse:
        callback = request.arg("jsonCallBack")
        envelope["jsonCallBack"] = callback or None
        text = json.dumps(envelope, ensure_ascii=False).replace("/", "\\/")
        if callback:
            return ReplayResponse(body=f"{callback}({text})".encode(),
                                  content_type="text/javascript;charset=UTF-8")  # fmt: skip
        return ReplayResponse(body=text.encode(), content_type="application/json;charset=UTF-8")

    def empty(self, request: ReplayRequest) -> ReplayResponse:
        return self._answer(request, {**ENVELOPE, "pageHelp": _page_help([], 1, 0, 0, 20),
                                      "result": [], "statistics": []})  # fmt: skip

    # -- control
    def control(self, action: str, payload: dict) -> dict:
        if action == "update":
            audit = str(payload["item"]["stockAuditNum"])
            self.items[audit] = {**self.items.get(audit, {}), **payload["item"]}
            for key, sql_id in (("milestones", DETAIL_IDS[0]), ("events", DETAIL_IDS[1]),
                                ("documents", DETAIL_IDS[2])):  # fmt: skip
                if payload.get(key):
                    self.rows.setdefault((sql_id, audit), []).extend(payload[key])
            return {"ok": True, "projects": len(self.items)}
        if action == "generate":
            self.items.clear()
            self.rows.clear()
            n, docs = int(payload.get("projects", 2000)), int(payload.get("docs", 6))
            for i in range(n):
                item, milestones, docs_rows = generate_project(i, docs, int(payload.get("seed", 7)))
                audit = item["stockAuditNum"]
                self.items[audit] = item
                self.rows[(DETAIL_IDS[0], audit)] = milestones
                self.rows[(DETAIL_IDS[1], audit)] = [dict(r, reasonDesc="") for r in milestones]
                self.rows[(DETAIL_IDS[2], audit)] = docs_rows
            self.per_page = int(payload.get("per_page", 100))
            return {"ok": True, "projects": n}
        if action == "variant":
            # {"retire": [sqlId, ...], "result_only": bool}: the 2026 shapes (issue 16)
            self.retired = set(payload.get("retire") or [])
            self.result_only = bool(payload.get("result_only"))
            return {"ok": True}
        if action == "reset":
            self.reset()
            return {"ok": True}
        return {"error": f"unknown action {action}"}


def _page_help(rows: list, page: int, count: int, total: int, size: int) -> dict:
    return {"beginPage": page, "cacheSize": 1, "data": rows, "endDate": None, "endPage": None,
            "objectResult": None, "pageCount": count, "pageNo": page, "pageSize": size,
            "searchDate": None, "sort": None, "startDate": None, "total": total}  # fmt: skip


# (currStatus, sub-field, sub value) along the road, for generated projects
_PATH = [(1, None, ""), (2, None, ""), (3, "commitiResult", 1), (4, None, ""),
         (5, "registeResult", 1)]  # fmt: skip
_WORDS = ["智算", "芯片", "半导体", "光电", "新材料", "储能", "数据", "医疗", "精密", "软件"]
_FIRST, _SECOND = "华瑞中海天博鼎恒嘉凯明南", "芯达科光穹睿盛信禾越"  # 120 two-character heads
_TAILS = [  # no character shared with another tail, a head or a city
    "微电子", "机器人", "生物", "能源", "材料", "软件", "传感", "精工", "算力", "存储",
    "医疗", "环保", "装备", "汽车", "化学", "食品", "数据", "网络", "制药", "视觉",
    "显示", "检测", "基因", "影像", "纺织", "钢铁", "水务", "农业", "林木", "石油",
    "燃气", "港口", "船舶", "游戏", "教育", "酒店", "地产", "家居", "珠宝", "茶叶",
    "养殖", "橡胶", "玻璃", "陶瓷", "印刷", "模具", "轴承", "阀门", "锅炉", "焊接",
]  # fmt: skip
_CITIES = ["北京", "上海", "深圳", "苏州", "合肥", "杭州", "成都", "武汉", "西安", "南京"]
_CODES = ["C39", "C39", "I65", "C35", "C26", "C38", "C27"]


def synthetic_name(i: int) -> str:
    """A distinct company name for generated project i < 6000 (sites offset i: SSE 0, SZSE 2000,
    BSE 4000). Names of one two-character head differ in their whole tail, so company
    resolution sees them as different companies rather than near-duplicates."""
    head = _FIRST[i % 12] + _SECOND[(i // 12) % 10]
    tail = _TAILS[(i // 120) % len(_TAILS)]
    return f"{_CITIES[i % len(_CITIES)]}{head}{tail}科技股份有限公司"


def generate_project(i: int, docs: int, seed: int = 7) -> tuple[dict, list[dict], list[dict]]:
    """One deterministic synthetic project: list item, milestone rows, document rows."""
    rnd = random.Random(seed * 100003 + i)
    audit = str(20000 + i)
    name = synthetic_name(i)
    reached = rnd.randint(1, len(_PATH))
    start = datetime(2026, 10, 31) - timedelta(days=i // 3 + 40 * reached)
    milestones, day = [], start
    for status, field, value in _PATH[:reached]:
        stamp = day.strftime("%Y-%m-%d 17:00:00")
        milestones.append({"auditStatus": status, "commitiResult": value if field == "commitiResult" else "",
                           "registeResult": value if field == "registeResult" else "",
                           "suspendStatus": "", "publishDate": day.strftime("%Y-%m-%d"),
                           "qianDate": stamp, "timesave": stamp, "stockAuditNum": audit,
                           "auditItemId": f"g{audit}-{status}"})  # fmt: skip
        day += timedelta(days=40)
    last = milestones[-1]
    item = {
        "stockAuditNum": audit, "stockAuditName": name, "currStatus": last["auditStatus"],
        "commitiResult": last["commitiResult"], "registeResult": last["registeResult"],
        "suspendStatus": "", "issueMarketType": 1 if i % 4 else 2, "collectType": 1,
        "planIssueCapital": round(rnd.uniform(3, 60), 4), "issueAmount": "", "wenHao": "",
        "auditApplyDate": start.strftime("%Y%m%d170000"),
        "updateDate": (start + timedelta(days=40 * (reached - 1))).strftime("%Y%m%d%H%M%S"),
        "createTime": start.strftime("%Y%m%d090000"), "OPERATION_SEQ": f"{i:032x}",
        "stockIssuer": [{"s_issueCompanyFullName": name, "s_issueCompanyAbbrName": name[2:6],
                         "s_csrcCode": rnd.choice(_CODES), "s_csrcCodeDesc": "",
                         "s_province": name[:2], "s_companyCode": "", "s_personName": "",
                         "s_jobTitle": "董事长", "auditId": audit, "s_stockIssueId": audit}],
        "intermediary": [
            {"auditId": audit, "i_intermediaryType": 2, "i_intermediaryName": "立信会计师事务所（特殊普通合伙）",
             "i_intermediaryAbbrName": "立信", "i_intermediaryOrder": 1, "i_person": []},
            {"auditId": audit, "i_intermediaryType": 1, "i_intermediaryName": rnd.choice(
                ["中信证券股份有限公司", "中国国际金融股份有限公司", "华泰联合证券有限责任公司"]),
             "i_intermediaryAbbrName": "", "i_intermediaryOrder": 1, "i_person": []},
            {"auditId": audit, "i_intermediaryType": 3, "i_intermediaryName": "北京市金杜律师事务所",
             "i_intermediaryAbbrName": "金杜", "i_intermediaryOrder": 1, "i_person": []},
        ],
    }  # fmt: skip
    doc_rows = []
    for d in range(docs):
        m = milestones[min(d, len(milestones) - 1)]
        file_id = f"{audit}{d:03d}"
        doc_rows.append({"fileId": file_id, "fileTitle": f"{name}科创板首次公开发行股票招股说明书（第{d + 1}稿）",
                         "filePath": f"/information/c/202610/{int(file_id):032x}.pdf",
                         "filename": f"{int(file_id):032x}.pdf", "fileSize": 100000 + d,
                         "fileType": [30, 32, 33, 36, 37, 6][d % 6], "fileVersion": 1,
                         "fileLastVersion": 1, "publishDate": m["publishDate"],
                         "fileUpdateTime": m["publishDate"].replace("-", "") + "170000",
                         "auditStatus": m["auditStatus"], "companyFullName": name,
                         "stockAuditNum": audit, "auditItemId": m["auditItemId"],
                         "StockType": 1, "MarketType": 1, "OPERATION_SEQ": ""})  # fmt: skip
    return item, milestones, doc_rows


def make_site(fixtures_dir: Path) -> SseSite:
    return SseSite(fixtures_dir)
