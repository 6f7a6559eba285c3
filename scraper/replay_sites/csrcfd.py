"""Replay of eid.csrc.gov.cn/csrcfd: fixture pages, published rows, and a generated large site.

Static mode serves tests/fixtures/csrcfd/index.html, index_N.html and (for the POST form)
index_N_f.html. `publish` puts new rows at the top of page 1, as the live list shows its newest
disclosures first; `generate` swaps in a synthetic site of any size (benchmarks).
"""

from __future__ import annotations

import hashlib
import html
import random
import re
from datetime import date, timedelta
from pathlib import Path

from scraper.replay import ReplayRequest, ReplayResponse

_PAGE_RE = re.compile(r"/csrcfd/index(?:_(\d+))?(_f)?\.html")
_CHARSET_RE = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([A-Za-z0-9_\-]+)""", re.IGNORECASE)

HEADER = (
    "<tr><th>序号</th><th>辅导对象</th><th>辅导机构</th><th onclick=\"orderBy('filingDate')\">备案时间</th>"
    "<th>辅导状态</th><th>派出机构</th><th>报告类型</th><th>报告标题</th></tr>"
)

REPORT_SUFFIX = {
    "辅导备案报告": "首次公开发行股票并上市辅导备案报告",
    "辅导工作进展报告": "首次公开发行股票并上市辅导工作进展报告（第{period}期）",
    "辅导工作完成报告": "首次公开发行股票并上市辅导工作完成报告",
    "辅导工作总结报告": "首次公开发行股票并上市辅导工作总结报告",
}


def pdf_path_for(title: str, day: str, seq: int) -> str:
    y, m, d = (int(x) for x in day.split("-"))
    digest = hashlib.md5(title.encode("utf-8")).hexdigest().upper()
    return f"/mnt/storage/stock/pre_ipo/{y}/{m}/{d}/PREIPO_F0101_V01_{y:04d}{m:02d}{d:02d}_{seq}_Q/{digest}/{title}.pdf"


def _row_pdf_path(row: dict, no: int) -> str:
    day = row.get("disclosed") or row.get("filing_date") or "2026-01-05"
    return row.get("pdf_path") or pdf_path_for(row["title"], day, row.get("seq", 30000 + no))


def render_row(no: int, row: dict, show_company: bool = True) -> str:
    """One <tr> in the live list's shape; the onclick sits on the <tr> unless row['onclick_on'] == 'td'."""
    title = row["title"]
    day = row.get("disclosed") or row.get("filing_date") or "2026-01-05"
    path = _row_pdf_path(row, no)
    onclick = f"downloadPdf1('{path}','{title}','{day}','csrcfd','pdf');"
    short = title if len(title) <= 30 else title[:30] + "..."
    on_td = row.get("onclick_on") == "td"
    company = html.escape(row["company"]) if show_company else ""
    company_title = f' title="{html.escape(row["company"])}"' if show_company else ""
    return (
        f"<tr{'' if on_td else f' onclick={chr(34)}{html.escape(onclick)}{chr(34)}'}>"
        f"<td>{no}</td>"
        f"<td{company_title}{f' onclick={chr(34)}{html.escape(onclick)}{chr(34)}' if on_td else ''}>{company}</td>"
        f"<td>{html.escape(row.get('broker', ''))}</td><td>{row.get('filing_date', '')}</td>"
        f"<td>{html.escape(row.get('status', '辅导备案'))}</td><td>{html.escape(row.get('regulator', ''))}</td>"
        f"<td>{html.escape(row.get('report_type', '辅导备案报告'))}</td>"
        f'<td title="{html.escape(title)}">{html.escape(short)}</td></tr>'
    )


_OTHER_PAGER = '<div class="pagination"><a class="next">下一页</a></div>'  # markup we do not read


def render_page(
    rows: list[dict], page: int, total_pages: int, start_no: int = 1, pager: bool = True
) -> str:
    body, previous = [], None
    for i, row in enumerate(rows):
        body.append(render_row(start_no + i, row, show_company=row["company"] != previous))
        previous = row["company"]
    pager_html = f'<div class="page">共<b>{total_pages}</b>页 当前第{page}页</div>'
    return (
        '<!DOCTYPE html><html><head><meta charset="utf-8"><title>辅导信息</title></head><body>'
        f'<table class="m-table2 m-table2-0">{HEADER}{"".join(body)}</table>'
        f"{pager_html if pager else _OTHER_PAGER}</body></html>"
    )


_NAME_CHARS = (
    "华星云天海瑞宏达信恒泰安盛新源鑫中科博远智通创宇昊芯光微晶联合嘉诚德立明辉东方金鼎越凯腾飞翔"
)
_CITIES = [
    "北京",
    "上海",
    "深圳",
    "苏州",
    "杭州",
    "合肥",
    "南京",
    "成都",
    "武汉",
    "西安",
    "无锡",
    "广州",
]
_FORMS = ["股份有限公司", "科技股份有限公司", "技术股份有限公司", "集团股份有限公司"]


def generate_rows(count: int, seed: int = 7) -> list[dict]:
    """A deterministic synthetic list: companies with 1-4 reports each, newest group first."""
    rnd = random.Random(seed)
    brokers = ["中信证券股份有限公司", "中国国际金融股份有限公司", "华泰联合证券有限责任公司",
               "国泰海通证券股份有限公司", "中信建投证券股份有限公司", "招商证券股份有限公司"]  # fmt: skip
    bureaus = [
        "北京证监局",
        "上海证监局",
        "广东证监局",
        "深圳证监局",
        "江苏证监局",
        "浙江证监局",
        "河南证监局",
    ]
    words = [
        "智算",
        "芯片",
        "半导体",
        "新材料",
        "生物医药",
        "储能",
        "精密制造",
        "软件",
        "光电",
        "数据",
    ]
    rows: list[dict] = []
    day = date(2026, 9, 30)
    n = 0
    while len(rows) < count:
        n += 1
        given = "".join(rnd.choice(_NAME_CHARS) for _ in range(rnd.randint(2, 3)))
        company = f"{rnd.choice(_CITIES)}{given}{words[n % len(words)]}{rnd.choice(_FORMS)}"
        if any(r["company"] == company for r in rows[-50:]):
            continue
        reports = rnd.randint(1, 4)
        status = (
            "辅导验收"
            if reports == 4
            else rnd.choice(["辅导备案", "辅导备案", "辅导备案", "撤回辅导备案"])
        )
        broker, bureau = rnd.choice(brokers), rnd.choice(bureaus)
        filing_day = day - timedelta(days=90 * reports)
        for r in range(reports, 0, -1):
            if r == 1:
                kind, suffix = "辅导备案报告", REPORT_SUFFIX["辅导备案报告"]
            elif r == 4:
                kind, suffix = "辅导工作完成报告", REPORT_SUFFIX["辅导工作完成报告"]
            else:
                kind, suffix = (
                    "辅导工作进展报告",
                    REPORT_SUFFIX["辅导工作进展报告"].format(period=r - 1),
                )
            disclosed = (filing_day + timedelta(days=90 * (r - 1))).isoformat()
            rows.append({"company": company, "broker": broker, "filing_date": filing_day.isoformat(),
                         "status": status, "regulator": bureau, "report_type": kind,
                         "title": f"关于{company}{suffix}", "disclosed": disclosed,
                         "seq": 20000 + len(rows), "onclick_on": "td" if n % 5 == 0 else "tr"})  # fmt: skip
        if n % 3 == 0:
            day -= timedelta(days=1)
    return rows[:count]


class CsrcfdSite:
    name = "csrcfd"

    def __init__(self, fixtures_dir: Path):
        self.dir = Path(fixtures_dir) / "csrcfd"
        self.published: list[dict] = []
        self.generated: list[dict] | None = None
        self.per_page = 211
        # CMS variants (issue 16): a pager in markup we do not read, and 200 with an empty
        # table instead of 404 past the last page
        self.pager = True
        self.past_end = "404"

    # -- pages

    def handle(self, request: ReplayRequest) -> ReplayResponse | None:
        if request.path.startswith("/mnt/storage/"):
            return self._pdf(request.path)
        if request.path == "/fd.html":
            request.path = "/csrcfd/index.html"
        m = _PAGE_RE.fullmatch(request.path)
        if not m:
            return None
        page, post = int(m[1] or 1), bool(m[2])
        if post and request.method != "POST":
            return ReplayResponse.text("<html><body>405</body></html>", status=405)
        if self.generated is not None:
            return self._generated_page(page, request.form.get("keyWord", "") if post else "")
        return self._fixture_page(page, post)

    def _fixture_page(self, page: int, post: bool) -> ReplayResponse:
        name = "index.html" if page == 1 else f"index_{page}.html"
        path = self.dir / (f"index_{page}_f.html" if post else name)
        if post and not path.exists():
            path = self.dir / name
        if not path.exists():
            return ReplayResponse.text("<html><body>404 Not Found</body></html>", status=404)
        body = path.read_bytes()
        m = _CHARSET_RE.search(body[:2048])
        charset = m[1].decode() if m else "utf-8"
        if page == 1 and self.published:
            text = body.decode("gb18030" if charset.lower().startswith("gb") else "utf-8")
            rows = "".join(render_row(0, r) for r in self.published)
            text = text.replace("</tr>", "</tr>" + rows, 1)
            body = text.encode("gb18030" if charset.lower().startswith("gb") else "utf-8")
        return ReplayResponse(body=body, content_type=f"text/html; charset={charset}")

    def _pdf(self, path: str) -> ReplayResponse:
        """A published row's report: `pdf_b64` (any bytes, tests), `pdf_fixture` (a file of
        fixtures/csrcfd/pdf/, the demo), else the generic report; `pdf_status` an HTTP error."""
        from urllib.parse import unquote

        path = unquote(path)
        row = next((r for r in self.published if _row_pdf_path(r, 0) == path), {})
        if row.get("pdf_status"):
            return ReplayResponse.text(
                "<html><body>error</body></html>", status=int(row["pdf_status"])
            )
        if row.get("pdf_b64"):
            import base64

            body = base64.b64decode(row["pdf_b64"])
        else:
            body = (
                self.dir / "pdf" / Path(row.get("pdf_fixture") or "generic.pdf").name
            ).read_bytes()
        return ReplayResponse(body=body, content_type="application/pdf")

    def _all_rows(self) -> list[dict]:
        return self.published + (self.generated or [])

    def _generated_page(self, page: int, keyword: str) -> ReplayResponse:
        rows = self._all_rows()
        if keyword:
            rows = [r for r in rows if keyword in r["company"]]
        total = max(1, -(-len(rows) // self.per_page))
        if page > total and self.past_end == "empty":
            return ReplayResponse.text(render_page([], page, total, pager=self.pager))
        if page > total:
            return ReplayResponse.text("<html><body>404 Not Found</body></html>", status=404)
        start = (page - 1) * self.per_page
        chunk = rows[start : start + self.per_page]
        return ReplayResponse.text(
            render_page(chunk, page, total, start_no=start + 1, pager=self.pager)
        )

    def empty(self, request: ReplayRequest) -> ReplayResponse:
        return ReplayResponse.text(render_page([], 1, 1))

    # -- control actions (POST /_replay/csrcfd/<action>)

    def control(self, action: str, payload: dict) -> dict:
        if action == "publish":
            rows = payload.get("rows") or [payload]
            for row in rows:
                row.setdefault("title", f"关于{row['company']}{REPORT_SUFFIX['辅导备案报告']}")
            self.published[:0] = rows
            return {"ok": True, "published": len(self.published)}
        if action == "generate":
            self.generated = generate_rows(
                int(payload.get("rows", 13300)), int(payload.get("seed", 7))
            )
            self.per_page = int(payload.get("per_page", 211))
            return {
                "ok": True,
                "rows": len(self.generated),
                "pages": -(-len(self.generated) // self.per_page),
            }
        if action == "update":
            changed = 0
            for row in self._all_rows():
                if row["company"] == payload["company"]:
                    row.update({k: v for k, v in payload.items() if k != "company"})
                    changed += 1
            return {"ok": True, "changed": changed}
        if action == "variant":
            self.pager = bool(payload.get("pager", True))
            self.past_end = str(payload.get("past_end", "404"))
            return {"ok": True}
        if action == "reset":
            self.published.clear()
            self.generated = None
            self.pager, self.past_end = True, "404"
            return {"ok": True}
        return {"error": f"unknown action {action}"}


def make_site(fixtures_dir: Path) -> CsrcfdSite:
    return CsrcfdSite(fixtures_dir)
