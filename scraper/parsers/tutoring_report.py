"""Text of a tutoring report (or an HKEX application proof) -> typed facts, each with its page.

Pure: pages of text in (scraper/parsers/pdf_text.py), `Fact`s out. Both layouts are read: the
official four-column table (label, value, label, value; labels wrap inside their cells, so the
text is compared with all whitespace removed) and prose sentences. Labels without a colon count
only inside the "基本情况" section, where the table sits; elsewhere a label needs a colon or a
connective (为/是/系). A field not found stays out of the result and is listed as missing:
nothing is guessed. Dates near 成立/备案 or the report's own date are never taken for the
agreement date: that date must sit in the sentence that says the agreement was signed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from scraper.core.facts import EXPECTED, DocumentRead, Fact
from scraper.parsers import pdf_text

_CN_DIGITS = {"〇": 0, "○": 0, "零": 0, "O": 0, "Ｏ": 0, "一": 1, "二": 2, "三": 3, "四": 4,
              "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}  # fmt: skip
_CN = "〇○零OＯ一二三四五六七八九十"
_Y = rf"(\d{{4}}|[{_CN}]{{4}})"
_MD = rf"(\d{{1,2}}|[{_CN}]{{1,3}})"
DATE_RE = re.compile(
    rf"{_Y}\s*年\s*{_MD}\s*月\s*{_MD}\s*日|(\d{{4}})[-./](\d{{1,2}})[-./](\d{{1,2}})"
)
MONTH_RE = re.compile(
    rf"{_Y}\s*年\s*{_MD}\s*月(?!\s*{_MD}\s*日)|(\d{{4}})[-./](\d{{1,2}})(?![-./\d])"
)

PROVINCES = (
    "北京", "天津", "上海", "重庆", "河北", "山西", "辽宁", "吉林", "黑龙江", "江苏", "浙江",
    "安徽", "福建", "江西", "山东", "河南", "湖北", "湖南", "广东", "海南", "四川", "贵州",
    "云南", "陕西", "甘肃", "青海", "台湾", "内蒙古", "广西", "西藏", "宁夏", "新疆", "香港", "澳门",
)  # fmt: skip

# field -> label alternatives (whitespace removed); order matters where one label prefixes another
LABELS: dict[str, tuple[str, ...]] = {
    "company_name": ("公司名称", "企业名称", "辅导对象名称", "辅导对象"),
    "established_date": ("成立日期", "成立时间", "设立日期", "设立时间"),
    "registered_capital": ("注册资本",),
    "legal_representative": ("法定代表人",),
    "address": ("注册地址", "住所", "注册地"),
    "controlling_shareholder": ("控股股东及其持股比例", "控股股东及持股比例", "控股股东"),
    "industry": ("所属行业", "行业分类", "行业类别"),
    "main_business": ("主营业务", "主要业务"),
}
# Labels that end a value but are not read (the template's other cells).
STOP_LABELS = ("统一社会信用代码", "实际控制人", "经营范围", "公司类型", "联系电话", "董事会秘书",
               "股票代码", "邮政编码", "辅导机构", "辅导人员", "律师事务所", "会计师事务所",
               "辅导协议签署时间", "辅导协议签署日期", "辅导期", "证券简称", "上市板块", "拟上市板块")  # fmt: skip
_ALL_LABELS = sorted(
    {x for v in LABELS.values() for x in v} | set(STOP_LABELS), key=len, reverse=True
)
_LABEL_RE = re.compile("|".join(re.escape(x) for x in _ALL_LABELS))
_FIELD_OF = {label: name for name, labels in LABELS.items() for label in labels}
_HEADING_RE = re.compile(r"[一二三四五六七八九十]{1,3}、")
_CONNECT_RE = re.compile(r"^(?:[:：]|为|是|系|位于)")
_PROSE_END = {"main_business": "。；;", "controlling_shareholder": "。；;",
              "address": "。；;，,"}  # fmt: skip


@dataclass
class ReportFacts:
    facts: dict[str, Fact] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)


def flat(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _cn_number(s: str) -> int:
    if s.isdigit():
        return int(s)
    if "十" in s:
        tens, _, ones = s.partition("十")
        return (_CN_DIGITS.get(tens, 1) if tens else 1) * 10 + (
            _CN_DIGITS.get(ones, 0) if ones else 0
        )
    return int("".join(str(_CN_DIGITS[c]) for c in s))


def _valid(y: int, m: int, d: int = 1) -> bool:
    return 1980 <= y <= 2100 and 1 <= m <= 12 and 1 <= d <= 31


def iso_date(m: re.Match) -> str | None:
    parts = [g for g in m.groups() if g is not None]
    try:
        y, mo, d = (_cn_number(p) for p in parts[:3])
    except (KeyError, ValueError):
        return None
    return f"{y:04d}-{mo:02d}-{d:02d}" if _valid(y, mo, d) else None


def iso_month(m: re.Match) -> str | None:
    parts = [g for g in m.groups() if g is not None]
    try:
        y, mo = (_cn_number(p) for p in parts[:2])
    except (KeyError, ValueError):
        return None
    return f"{y:04d}-{mo:02d}" if _valid(y, mo) else None


def dates_in(text: str) -> list[tuple[int, str]]:
    return [(m.start(), d) for m in DATE_RE.finditer(text) if (d := iso_date(m))]


# ---------------------------------------------------------------- labelled fields


def _table_region(page: str) -> tuple[int, int] | None:
    start = page.find("基本情况")
    if start < 0:
        return None
    start += 4
    m = _HEADING_RE.search(page, start)
    return start, (m.start() if m else len(page))


def _labelled(pages: list[str], out: dict[str, Fact]) -> None:
    for no, page in enumerate(pages, 1):
        region = _table_region(page)
        hits = list(_LABEL_RE.finditer(page))
        for i, m in enumerate(hits):
            name = _FIELD_OF.get(m[0])
            if name is None or name in out:
                continue
            rest = page[m.end() :]
            connect = _CONNECT_RE.match(rest)
            in_table = region is not None and region[0] <= m.start() < region[1]
            if not connect and not in_table:
                continue
            start = m.end() + (connect.end() if connect else 0)
            if connect and not in_table or (connect and connect[0] in "为是系位于"):
                stops = _PROSE_END.get(name, "。；;，,")
                end = min([page.find(c, start) for c in stops if page.find(c, start) >= 0]
                          or [len(page)])  # fmt: skip
            else:
                end = region[1] if region else len(page)
            nxt = next((h.start() for h in hits[i + 1 :] if h.start() >= start), None)
            if nxt is not None and nxt < end:
                end = nxt
            value = page[start:end].strip("：:，,。；; ")
            if value:
                out[name] = Fact(value[:400], no)


def _established_prose(pages: list[str], out: dict[str, Fact]) -> None:
    if "established_date" in out:
        return
    for no, page in enumerate(pages, 1):
        m = re.search(r"(?:成立|设立)于", page)
        if m:
            d = dates_in(page[m.end() : m.end() + 20])
            if d and d[0][0] == 0:
                out["established_date"] = Fact(d[0][1], no)
                return


# ---------------------------------------------------------------- agreement and period


def _agreement(pages: list[str]) -> Fact | None:
    for no, page in enumerate(pages, 1):
        for m in re.finditer(r"辅导协议", page):
            lo = max(0, m.start() - 90)
            window = page[lo : m.end() + 40]
            sign = re.search(r"签署|签订|签定|订立", window)
            if not sign:
                continue
            # the sentence holding both: cut the window at sentence ends
            cands = []
            for pos, d in dates_in(window):
                before = window[max(0, pos - 8) : pos]
                if re.search(r"成立|备案|设立|报告", before):
                    continue
                between = window[min(pos, sign.start()) : max(pos, sign.start())]
                if "。" in between:
                    continue
                cands.append((abs(pos - sign.start()), d))
            if cands:
                return Fact(min(cands)[1], no)
    return None


_PERIOD_CTX = re.compile(r"辅导期|辅导时间|辅导计划|辅导期间|预计辅导|辅导工作|开展辅导|辅导安排")
_SPAN_RES = (
    re.compile(r"自(?P<a>.{4,16}?)(?:起)?至(?P<b>.{2,16}?)(?:止|结束)"),
    re.compile(r"预计(?:于|自)?(?P<a>.{4,16}?)(?:开始|起)[，,]?(?:至|到|于)(?P<b>.{2,16}?)(?:结束|完成|止)"),
    re.compile(r"(?P<a>\d{4}年\d{1,2}月|[〇○零一二三四五六七八九十]{4}年[一二三四五六七八九十]{1,2}月)(?:[上中下]旬)?(?:至|到|—|-|－|~)(?P<b>(?:\d{4}年|[〇○零一二三四五六七八九十]{4}年)?[0-9一二三四五六七八九十]{1,2}月)"),
)  # fmt: skip
_MONTHS_RE = re.compile(
    r"(?:共计|共|为期|约|期限为|时间为)?(\d{1,2}|[一二三四五六七八九十]{1,3})个月"
)


def _end_month(start: str, text: str) -> str | None:
    m = MONTH_RE.search(text)
    if m and (v := iso_month(m)):
        return v
    d = DATE_RE.search(text)
    if d and (v := iso_date(d)):
        return v[:7]
    bare = re.match(r"(\d{1,2}|[一二三四五六七八九十]{1,3})月", text)
    if bare:
        y, mo = int(start[:4]), _cn_number(bare[1])
        if not 1 <= mo <= 12:
            return None
        if mo < int(start[5:7]):
            y += 1
        return f"{y:04d}-{mo:02d}"
    return None


def _start_month(text: str) -> str | None:
    d = DATE_RE.search(text)
    if d and (v := iso_date(d)):
        return v[:7]
    m = MONTH_RE.search(text)
    return iso_month(m) if m else None


def _period(pages: list[str]) -> dict[str, Fact]:
    out: dict[str, Fact] = {}
    for no, page in enumerate(pages, 1):
        for sentence in re.split(r"[。；;]", page):
            if not _PERIOD_CTX.search(sentence) or re.search(r"成立|设立", sentence):
                continue
            if "tutoring_start" not in out:
                for rx in _SPAN_RES:
                    m = rx.search(sentence)
                    if not m:
                        continue
                    start = _start_month(m["a"])
                    end = _end_month(start, m["b"]) if start else None
                    if start and end and end >= start:
                        out["tutoring_start"] = Fact(start, no)
                        out["tutoring_end"] = Fact(end, no)
                        break
            if "tutoring_months" not in out:
                mm = _MONTHS_RE.search(sentence)
                if mm:
                    n = _cn_number(mm[1])
                    if 0 < n <= 60:
                        out["tutoring_months"] = Fact(str(n), no)
    if "tutoring_start" in out and "tutoring_months" not in out:
        s, e = out["tutoring_start"].value, out["tutoring_end"].value
        n = (int(e[:4]) - int(s[:4])) * 12 + int(e[5:7]) - int(s[5:7]) + 1
        out["tutoring_months"] = Fact(str(n), out["tutoring_start"].page)
    if "tutoring_start" in out:
        s, e = out["tutoring_start"], out["tutoring_end"]
        text = f"{s.value} 至 {e.value}（{out['tutoring_months'].value}个月）"
        out["tutoring_period"] = Fact(text, s.page)
    elif "tutoring_months" in out:
        out["tutoring_period"] = Fact(
            f"{out['tutoring_months'].value}个月", out["tutoring_months"].page
        )
    return out


# ---------------------------------------------------------------- firms, province, stake

_FIRM_RES = {
    "law_firm": re.compile(r"(?:^|[：:，,；;、为是由（(])([\u4e00-\u9fa5（）()]{2,30}?律师事务所(?:（[^）]{1,12}）)?)"),
    "accounting_firm": re.compile(r"(?:^|[：:，,；;、为是由（(])([\u4e00-\u9fa5]{2,30}?会计师事务所(?:（[^）]{1,12}）)?)"),
}  # fmt: skip


_FIRM_LABEL_RES = {
    "law_firm": re.compile(r"(?:律师事务所|法律顾问)[:：为]([^；;。，,：:]{2,40}?律师事务所(?:（[^）]{1,12}）)?)"),
    "accounting_firm": re.compile(r"(?:会计师事务所|审计机构)[:：为]([^；;。，,：:]{2,40}?会计师事务所(?:（[^）]{1,12}）)?)"),
}  # fmt: skip
_NOT_A_FIRM = re.compile(r"中介|机构|聘请|担任|律师事务所.|^会计师事务所")


def _firms(pages: list[str], out: dict[str, Fact]) -> None:
    for name, rx in _FIRM_RES.items():
        for no, page in enumerate(pages, 1):
            labelled = [m[1] for m in _FIRM_LABEL_RES[name].finditer(page)]
            for firm in [*labelled, *(m[1] for m in rx.finditer(page))]:
                if len(firm) > 6 and not _NOT_A_FIRM.search(firm[:-6]):
                    out[name] = Fact(firm, no)
                    break
            if name in out:
                break


def province_of(address: str) -> str | None:
    head = address[:12]
    found = [(head.find(p), p) for p in PROVINCES if p in head]
    return min(found)[1] if found else None


def _tidy(out: dict[str, Fact]) -> None:
    if "address" in out and "province" not in out:
        p = province_of(out["address"].value)
        if p:
            out["province"] = Fact(p, out["address"].page)
    if "established_date" in out:
        d = dates_in(out["established_date"].value)
        if d:
            out["established_date"] = Fact(d[0][1], out["established_date"].page)
        else:
            del out["established_date"]
    ind = out.get("industry")
    if ind:
        v = (
            re.sub(r"^.*?(?:行业分类|分类指引|所属行业)[^，,为是]{0,12}[为是]?", "", ind.value)
            or ind.value
        )
        v = re.sub(r"^([A-S]\d{2,4})(?=[^\d\s])", r"\1 ", v.strip('“”"，,：'))
        out["industry"] = Fact(v, ind.page)
        code = industry_code(v)
        if code:
            out["industry_code"] = Fact(code, ind.page)


def industry_code(industry: str | None) -> str | None:
    """The CSRC code in an industry line: 'C39 计算机…' -> 'C39'; None without one."""
    m = re.search(r"(?<![A-Za-z])([A-S])\s*(\d{2,4})(?!\d)", industry or "")
    return f"{m[1]}{m[2]}" if m else None


# ---------------------------------------------------------------- entry points


def parse_filing_report(pages: list[str]) -> ReportFacts:
    fl = [flat(p) for p in pages]
    out: dict[str, Fact] = {}
    _labelled(fl, out)
    _established_prose(fl, out)
    agreement = _agreement(fl)
    if agreement:
        out["agreement_date"] = agreement
    out.update(_period(fl))
    _firms(fl, out)
    _tidy(out)
    return _result(out, "filing_report")


def parse_progress_report(pages: list[str]) -> ReportFacts:
    fl = [flat(p) for p in pages]
    out: dict[str, Fact] = {}
    for no, page in enumerate(fl, 1):
        m = re.search(r"第([0-9一二三四五六七八九十]{1,3})期", page)
        if m and "period_no" not in out:
            out["period_no"] = Fact(str(_cn_number(m[1])), no)
        w = re.search(r"(?:本期)?辅导工作(?:内容|开展情况)[：:为]?|主要辅导内容[：:为]?", page)
        if w and "work_done" not in out:
            text = page[w.end() : w.end() + 300].split("。")[0]
            if text:
                out["work_done"] = Fact(text, no)
    return _result(out, "progress_report")


def parse_completion_report(pages: list[str]) -> ReportFacts:
    fl = [flat(p) for p in pages]
    out: dict[str, Fact] = {}
    for no, page in enumerate(fl, 1):
        for m in re.finditer(r"完成", page):
            window = page[max(0, m.start() - 30) : m.end() + 20]
            if "辅导" not in window:
                continue
            d = [x for x in dates_in(window) if "备案" not in window[max(0, x[0] - 6) : x[0]]]
            if d:
                out["completion_date"] = Fact(d[0][1], no)
                break
        if out:
            break
    return _result(out, "completion_report")


def parse_application_proof(pages: list[str]) -> ReportFacts:
    """HKEX AP first pages: sponsors, industry line, business summary (loud when absent)."""
    out: dict[str, Fact] = {}
    for no, page in enumerate(pages[:12], 1):
        lines = [ln.strip() for ln in page.splitlines() if ln.strip()]
        for ln in lines:
            m = re.search(r"(?:獨家保薦人|独家保荐人|聯席保薦人|联席保荐人|Sole Sponsor|Joint Sponsors)"
                          r"[^：:]*[：:]\s*(.+)", ln)  # fmt: skip
            if m and "sponsors" not in out:
                names = [x.strip() for x in re.split(r"[、,，;；]", m[1]) if x.strip()]
                out["sponsors"] = Fact("、".join(names), no)
            m = re.match(r"(?:行業|行业|所屬行業|所属行业|Industry)[：:]\s*(.+)", ln)
            if m and "industry" not in out:
                out["industry"] = Fact(m[1], no)
            m = re.match(r"(?:業務概覽|业务概览|概覽|概览|Overview)[：:]\s*(.+)", ln)
            if m and "business_summary" not in out:
                out["business_summary"] = Fact(m[1][:300], no)
    return _result(out, "application_proof")


PARSERS = {
    "filing_report": parse_filing_report,
    "progress_report": parse_progress_report,
    "completion_report": parse_completion_report,
    "application_proof": parse_application_proof,
}


def parse(doc_type: str, pages: list[str]) -> ReportFacts:
    """Facts of a document of a known type; other types (withdrawal, summary) give none."""
    fn = PARSERS.get(doc_type)
    return fn(pages) if fn else ReportFacts()


def _result(out: dict[str, Fact], doc_type: str) -> ReportFacts:
    out.pop("company_name", None)
    missing = [k for k in EXPECTED.get(doc_type, ()) if k not in out]
    return ReportFacts(out, missing)


def read_document(native_id: str, url: str, doc_type: str | None, body: bytes,
                  max_bytes: int = pdf_text.MAX_BYTES, ocr=None) -> DocumentRead:  # fmt: skip
    """Downloaded bytes -> a DocumentRead: ok with facts, scan (no text layer), or a declared
    error of that document. The crawl (spiders/documents.py) and the --documents backfill share it."""
    doc = DocumentRead(native_id, url, doc_type or "unknown", "ok", size=len(body))
    try:
        text = pdf_text.extract(body, max_bytes=max_bytes)
    except pdf_text.DocumentError as exc:
        doc.status, doc.error_kind, doc.error = "error", exc.kind, str(exc)
        return doc
    doc.page_count, doc.pages_read = text.page_count, len(text.pages)
    pages = text.pages
    if not text.has_text_layer:
        doc.status = "scan"
        # optional OCR (scraper/ocr.py, off by default): a callable bytes -> page texts
        pages = ocr(body) if ocr is not None else []
        if not any(p.strip() for p in pages):
            return doc
        doc.status = "ocr"
    found = parse(doc.doc_type, pages)
    doc.facts, doc.missing = found.facts, found.missing
    return doc
