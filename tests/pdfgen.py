"""Generated tutoring-report PDFs for tests, the replay fixtures and bench/pdf_extract.py.

reportlab's built-in CID font STSong-Light (Adobe-GB1, not embedded) writes real Chinese text
layers without shipping a font. Every line is drawn at an absolute position, as word processors
do, so extractors see the geometry a real report has: the official template is a four-column
table (label, value, label, value) whose labels wrap inside their cells.
"""

from __future__ import annotations

import io
import zlib

from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

FONT = "STSong-Light"
pdfmetrics.registerFont(UnicodeCIDFont(FONT))
WIDTH, HEIGHT = A4
SIZE = 10.5
LEADING = 15

XFUSION = {
    "公司名称": "超聚变数字技术股份有限公司",
    "成立日期": "2021年11月18日",
    "注册资本": "人民币10,000万元",
    "法定代表人": "刘宏云",
    "注册地址": "河南省郑州市郑东新区龙子湖智慧岛中道东路北侧",
    "控股股东及持股比例": "河南超聚能科技有限公司，持股比例35.12%",
    "行业分类": "C39 计算机、通信和其他电子设备制造业",
    "主营业务": "服务器、存储、数据中心基础设施及液冷等算力产品的研发、生产和销售",
    "辅导机构": "中信证券股份有限公司",
    "律师事务所": "北京市金杜律师事务所",
    "会计师事务所": "天职国际会计师事务所（特殊普通合伙）",
    "辅导协议签署时间": "2025年12月31日",
}


def _wrap(text: str, width_pt: float, size: float = SIZE) -> list[str]:
    lines, cur = [], ""
    for ch in text:
        if cur and pdfmetrics.stringWidth(cur + ch, FONT, size) > width_pt:
            lines.append(cur)
            cur = ""
        cur += ch
    return [*lines, cur] if cur else lines or [""]


class Writer:
    """A page cursor: paragraphs and four-column tables, new pages as needed."""

    def __init__(self, encrypt: str | None = None, compress: bool = True):
        self.buf = io.BytesIO()
        self.c = canvas.Canvas(self.buf, pagesize=A4, pageCompression=int(compress),
                               encrypt=encrypt)  # fmt: skip
        self.y = HEIGHT - 60
        self.page = 1

    def _room(self, need: float) -> None:
        if self.y - need < 50:
            self.new_page()

    def new_page(self) -> None:
        self.c.showPage()
        self.y = HEIGHT - 60
        self.page += 1

    def text(self, text: str, size: float = SIZE, indent: float = 0) -> None:
        for line in _wrap(text, WIDTH - 120 - indent, size):
            self._room(LEADING)
            self.c.setFont(FONT, size)
            self.c.drawString(60 + indent, self.y, line)
            self.y -= LEADING * size / SIZE
        self.y -= 4

    def table(self, pairs: list[tuple[str, str]], widths=(64, 170, 64, 172)) -> None:
        """Two label/value pairs per row; labels wrap inside their narrow cells; top aligned."""
        rows = [pairs[i : i + 2] for i in range(0, len(pairs), 2)]
        for row in rows:
            cells = []
            for label, value in row:
                cells += [label, value]
            cells += [""] * (4 - len(cells))
            wrapped = [_wrap(t, w - 8) for t, w in zip(cells, widths, strict=True)]
            height = max(len(w) for w in wrapped) * LEADING + 6
            self._room(height)
            x = 60
            top = self.y
            self.c.setLineWidth(0.5)
            for lines, w in zip(wrapped, widths, strict=True):
                self.c.rect(x, top - height, w, height)
                self.c.setFont(FONT, SIZE)
                for i, line in enumerate(lines):
                    self.c.drawString(x + 4, top - 14 - i * LEADING, line)
                x += w
            self.y = top - height
        self.y -= 10

    def pdf(self) -> bytes:
        self.c.save()
        return self.buf.getvalue()


def filing_report(facts: dict[str, str] | None = None, layout: str = "table",
                  period_text: str = "辅导期：自2026年1月起至2026年4月止，共计4个月。",
                  report_date: str = "2026年1月5日", pad_pages: int = 0,
                  encrypt: str | None = None) -> bytes:  # fmt: skip
    """A 辅导备案报告 in the official table layout or as prose paragraphs."""
    f = dict(XFUSION if facts is None else facts)
    name = f.get("公司名称", "某某股份有限公司")
    w = Writer(encrypt=encrypt)
    w.text(f"关于{name}首次公开发行股票并上市辅导备案报告", size=14)
    w.text("中国证券监督管理委员会河南监管局：")
    broker = f.pop("辅导机构", "")
    w.text(f"{name}（以下简称“辅导对象”或“公司”）拟申请首次公开发行股票并上市。"
           f"根据《证券发行上市保荐业务管理办法》和《首次公开发行股票并上市辅导监管规定》，"
           f"{broker}作为辅导机构，现就辅导备案有关情况报告如下：")  # fmt: skip
    w.text("一、辅导对象基本情况")
    sign = f.pop("辅导协议签署时间", "")
    law, acct = f.pop("律师事务所", ""), f.pop("会计师事务所", "")
    if layout == "table":
        w.table(list(f.items()))
    else:
        parts = [f"{k}：{v}。" for k, v in f.items()]
        w.text("".join(parts))
    w.text("二、辅导机构及辅导人员")
    w.text(f"辅导机构：{broker}。本次辅导工作小组成员包括王某、李某等5名人员。"
           "辅导人员将就人工智能等新技术对公司治理的影响开展专题培训。")  # fmt: skip
    w.text("三、其他中介机构")
    w.text(f"律师事务所：{law}；会计师事务所：{acct}。")
    w.text("四、辅导协议签署及辅导计划")
    if sign:
        w.text(f"{broker}与辅导对象于{sign}签署了辅导协议。")
    w.text(period_text)
    for i in range(pad_pages):
        w.new_page()
        w.text(f"附件{i + 1}：辅导计划及实施方案")
        for j in range(30):
            w.text(f"第{j + 1}项：组织辅导对象董事、监事、高级管理人员学习证券市场法律法规，"
                   "督促公司规范运作，完善内部控制制度，并对财务会计制度进行核查。")  # fmt: skip
    w.text(f"{broker}")
    w.text(report_date)
    return w.pdf()


def progress_report(name: str, period: int, work: str) -> bytes:
    w = Writer()
    w.text(f"关于{name}首次公开发行股票并上市辅导工作进展报告（第{period}期）", size=14)
    w.text(f"本期为第{period}期辅导。本期辅导工作内容：{work}")
    w.text("2026年4月3日")
    return w.pdf()


def completion_report(name: str, done: str) -> bytes:
    w = Writer()
    w.text(f"关于{name}首次公开发行股票并上市辅导工作完成报告", size=14)
    w.text(f"辅导工作于{done}完成。辅导机构认为辅导对象已具备发行上市条件。")
    return w.pdf()


def hkex_proof(name: str, sponsors: list[str], industry: str, summary: str) -> bytes:
    w = Writer()
    w.text(f"{name}（於中華人民共和國註冊成立的股份有限公司）", size=12)
    w.text("申請版本 Application Proof")
    w.text(f"獨家保薦人 Sole Sponsor：{'、'.join(sponsors)}" if len(sponsors) == 1
           else f"聯席保薦人 Joint Sponsors：{'、'.join(sponsors)}")  # fmt: skip
    w.new_page()
    w.text("概要 SUMMARY")
    w.text(f"行業：{industry}")
    w.text(f"業務概覽：{summary}")
    return w.pdf()


def scanned_pdf() -> bytes:
    """A page holding only an image, as a scanner makes: no text layer."""
    from PIL import Image
    from reportlab.lib.utils import ImageReader

    img = Image.new("L", (200, 280), 255)
    for x in range(20, 180):
        img.putpixel((x, 40), 0)
    bio = io.BytesIO()
    img.save(bio, format="PNG")
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4)
    c.drawImage(ImageReader(io.BytesIO(bio.getvalue())), 50, 50, WIDTH - 100, HEIGHT - 100)
    c.showPage()
    c.save()
    return buf.getvalue()


def scanned_report(pdf: bytes | None = None, scale: float = 3.0) -> bytes:
    """A report as a scanner makes it: each page of a generated report rendered to an image
    (PDFium) and placed on an image-only page, so the text is visible but not extractable."""
    import pypdfium2 as pdfium
    from reportlab.lib.utils import ImageReader

    src = pdfium.PdfDocument(pdf or filing_report())
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4)
    for page in src:
        bio = io.BytesIO()
        page.render(scale=scale, grayscale=True).to_pil().save(bio, format="PNG")
        c.drawImage(ImageReader(io.BytesIO(bio.getvalue())), 0, 0, WIDTH, HEIGHT)
        c.showPage()
    src.close()
    c.save()
    return buf.getvalue()


def encrypted_pdf() -> bytes:
    return filing_report(encrypt="secret")


def truncated_pdf() -> bytes:
    data = filing_report()
    return data[: len(data) // 2]


def html_error_page() -> bytes:
    return ("<!DOCTYPE html><html><head><title>404</title></head><body>"
            "<h1>对不起，您访问的页面不存在</h1></body></html>").encode()  # fmt: skip


def bomb_pdf(inflated_mb: int = 64) -> bytes:
    """A one-page PDF whose content stream inflates from ~60 KB to inflated_mb of text operators."""
    chunk = b"BT /F1 12 Tf 72 712 Td (A) Tj ET\n" * 32768
    comp = zlib.compressobj(9)
    parts = [comp.compress(chunk) for _ in range(inflated_mb * 1024 * 1024 // len(chunk))]
    stream = b"".join(parts) + comp.flush()
    objs = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R"
        b" /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for i, body in enumerate(objs, 1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % i + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1))
    for off in offsets:
        out.write(b"%010d 00000 n \n" % off)
    out.write(
        b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref)
    )
    return out.getvalue()


def generic_report() -> bytes:
    """The replay's default report: a real PDF that states no company facts."""
    w = Writer()
    w.text("首次公开发行股票并上市辅导备案报告", size=14)
    w.text("本文件为重放站点的通用示例报告，不含辅导对象的基本情况。")
    return w.pdf()


def generic_proof() -> bytes:
    """The hkex_app replay's default application proof: real text, no sponsor or business."""
    w = Writer()
    w.text("申請版本 Application Proof", size=14)
    w.text("本文件為重放站點的通用示例，不含保薦人及業務資料。")
    return w.pdf()


def write_fixtures(folder) -> None:
    """Regenerate tests/fixtures/csrcfd/pdf/ (python -m tests.pdfgen)."""
    from pathlib import Path

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "generic.pdf").write_bytes(generic_report())
    ap_folder = folder.parent.parent / "hkex_app" / "pdf"
    ap_folder.mkdir(parents=True, exist_ok=True)
    (ap_folder / "generic_ap.pdf").write_bytes(generic_proof())
    (folder / "xfusion.pdf").write_bytes(
        filing_report(period_text="根据辅导计划，辅导期预计自2026年1月开始至2026年4月结束。")
    )


if __name__ == "__main__":
    from pathlib import Path

    write_fixtures(Path(__file__).parent / "fixtures" / "csrcfd" / "pdf")
