"""The HTML e-mail and the digest, rendered by a real headless chromium at 375 px and 1024 px.

Each e-mail is embedded (srcdoc iframes, same origin) in a host page whose script measures the
frames and writes the facts into the DOM, read back with --dump-dom: no horizontal scroll, every
field laid out inside the viewport, the document link a real <a href>. Screenshots are kept in
tests/.artifacts/browser/ (gitignored).
"""

import html
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from alerts import message as outgoing

ARTIFACTS = Path(__file__).parent / ".artifacts" / "browser"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
WIDTHS = (375, 1024)
LONG_URL = (
    "http://eid.csrc.gov.cn/csrcfd/uploadfile/"
    + "%E8%B6%85%E8%81%9A%E5%8F%98%E6%95%B0%E5%AD%97%E6%8A%80%E6%9C%AF" * 8
    + ".pdf"
)
FIELDS = ("company", "company_en", "event", "broker", "regulator", "board", "date", "sectors",
          "document", "timeline", "why", "fact", "facts_document")  # fmt: skip

pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="Debian's chromium is not installed (apt-get install chromium)"
)


def event_item(company="超聚变数字技术股份有限公司", en="xFusion", rule="ai-hardware", n=1):
    return {
        "kind": "stage", "stage": "tutoring", "old_stage": None, "company": company,
        "company_en": en, "broker": "中信证券股份有限公司", "regulator": "河南证监局",
        "board": "主板", "event_date": "2026-06-01", "url": LONG_URL,
        "title": f"关于{company}首次公开发行股票并上市辅导备案报告", "report_type": "filing_report",
        "source": "csrcfd", "event_id": n, "rule": rule,
        "sectors": [{"name": "ai_server", "zh": "AI服务器/算力", "en": "AI servers / compute"}],
        "why": ["keyword 服务器 in the name → ai_server"],
        "facts": {"agreement_date": "2026-05-20", "province": "河南省",
                  "main_business": "服务器、存储、数据中心基础设施的研发、生产和销售" * 2,
                  "registered_capital": "人民币 1,234,567,890 元",
                  # one unbreakable token wider than a phone: must wrap, not scroll
                  "address": "ZhengzhouHighTechIndustrialDevelopmentZone-No.9-XFusionDigitalPark"},
        "facts_document": {"title": "辅导备案报告", "url": LONG_URL, "pages": "1-3"},
        "timeline": [
            {"stage": "tutoring", "stage_zh": "辅导备案", "stage_en": "tutoring filed",
             "date": "2026-06-01", "source": "csrcfd"},
        ],
    }  # fmt: skip


def digest_items():
    names = [("超聚变数字技术股份有限公司", "xFusion"), ("上海燧原科技股份有限公司", "Enflame"),
             ("摩尔线程智能科技（北京）股份有限公司", "Moore Threads")]  # fmt: skip
    items = [event_item(c, en, n=i) for i, (c, en) in enumerate(names)]
    items.append({**event_item(*names[0], n=9), "stage": "accepted", "old_stage": "tutoring"})
    items.append(event_item("长鑫科技集团股份有限公司", "CXMT", rule="memory", n=10))
    return items


def host_page(mail_html: str) -> str:
    frames = "".join(
        f'<div style="display:inline-block;vertical-align:top;margin:8px">'
        f'<div style="font:12px sans-serif">{w} px</div>'
        f'<iframe id="w{w}" style="width:{w}px;height:400px;border:1px solid #999;background:#fff"'
        f' srcdoc="{html.escape(mail_html)}"></iframe></div>'
        for w in WIDTHS
    )
    fields = json.dumps(FIELDS)
    script = """
window.addEventListener('load', () => {
  const out = {};
  for (const w of WIDTHS) {
    const f = document.getElementById('w' + w), d = f.contentDocument, win = f.contentWindow;
    const vw = win.innerWidth, root = d.documentElement;
    const hidden = [], present = new Set();
    for (const el of d.querySelectorAll('[data-field]')) {
      present.add(el.dataset.field);
      const r = el.getBoundingClientRect(), cs = win.getComputedStyle(el);
      if (r.width <= 0 || r.height <= 0 || r.left < -0.5 || r.right > vw + 0.5 ||
          cs.visibility === 'hidden' || cs.display === 'none') hidden.push(el.dataset.field);
    }
    const links = [...d.querySelectorAll('a')].map(a => ({href: a.getAttribute('href'),
      text: a.textContent, w: a.getBoundingClientRect().width}));
    out[w] = {inner: vw, scroll: root.scrollWidth, height: root.scrollHeight,
              hidden, present: [...present], links, text: d.body.innerText};
    f.style.height = (root.scrollHeight + 4) + 'px';
  }
  document.getElementById('fw-out').textContent = JSON.stringify(out);
});"""
    return (
        '<!DOCTYPE html><html><head><meta charset="utf-8"></head>'
        f'<body style="margin:0;background:#ddd">{frames}<pre id="fw-out" style="display:none"></pre>'
        f"<script>const WIDTHS = {list(WIDTHS)}; const FIELDS = {fields};{script}</script>"
        "</body></html>"
    )


def chromium(*args: str, timeout: float = 60) -> str:
    proc = subprocess.run(
        [CHROMIUM, "--headless=new", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
         "--virtual-time-budget=5000", *args],
        capture_output=True, text=True, timeout=timeout,
    )  # fmt: skip
    return proc.stdout


def measure(name: str, mail_html: str) -> dict:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / f"{name}.html").write_text(mail_html, encoding="utf-8")
    page = ARTIFACTS / f"{name}-host.html"
    page.write_text(host_page(mail_html), encoding="utf-8")
    dom = chromium("--window-size=1440,900", "--dump-dom", page.as_uri())
    found = re.search(r'<pre id="fw-out"[^>]*>(.*?)</pre>', dom, re.S)
    assert found and found.group(1), f"chromium did not run the page script; see {page}"
    result = json.loads(html.unescape(found.group(1)))
    tallest = max(r["height"] for r in result.values()) + 60
    shot = ARTIFACTS / f"{name}.png"
    chromium(f"--window-size=1440,{min(tallest, 4000)}", f"--screenshot={shot}", page.as_uri())
    assert shot.exists(), f"no screenshot written to {shot}"
    return result


def test_single_event_mail_fits_phone_and_desktop_widths():
    (out,) = outgoing.build("event", [event_item()], "mailto://127.0.0.1", "both", channel="mail")
    result = measure("mail", out.html)
    for width in WIDTHS:
        r = result[str(width)]
        where = f"at {width} px; screenshot {ARTIFACTS / 'mail.png'}"
        assert r["inner"] == width and r["scroll"] <= r["inner"], f"horizontal scroll {where}"
        assert not r["hidden"], f"fields outside the view {r['hidden']} {where}"
        assert set(FIELDS) <= set(r["present"]), f"missing {set(FIELDS) - set(r['present'])}"
        doc_links = [a for a in r["links"] if a["href"] == LONG_URL]
        # zh + en card, each: the document and the PDF the facts came from
        assert len(doc_links) == 4 and all(a["w"] > 0 for a in doc_links), where
        assert all(LONG_URL not in a["text"] for a in r["links"])  # short readable link text
        for text in ("超聚变数字技术股份有限公司", "xFusion", "中信证券", "河南证监局",
                     "辅导备案", "tutoring filed", "2026-06-01", "河南省", "ai-hardware"):  # fmt: skip
            assert text in r["text"], f"{text!r} not visible {where}"


def test_digest_mail_is_one_table_grouped_by_rule_then_company():
    items = digest_items()
    (out,) = outgoing.build("event", items, "mailto://127.0.0.1", "zh", channel="mail")
    result = measure("digest", out.html)
    for width in WIDTHS:
        r = result[str(width)]
        where = f"at {width} px; screenshot {ARTIFACTS / 'digest.png'}"
        assert r["scroll"] <= r["inner"], f"horizontal scroll {where}"
        assert not r["hidden"] and r["present"] == ["digest"], where
        text = r["text"]
        assert text.index("规则：ai-hardware") < text.index("超聚变") < text.index("规则：memory")
        assert text.count("超聚变数字技术股份有限公司") == 1  # two events, one company cell
        assert "辅导备案报告 (PDF)" in text  # short link text in a table
        assert all(a["href"] == LONG_URL for a in r["links"]) and len(r["links"]) == len(items)
