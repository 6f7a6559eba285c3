"""Message building cost: single e-mails, a 100-event digest, a 100-event chat burst (no sending).

Renders through alerts.message.build exactly as delivery does (Jinja2 HTML + plain text for
mail, Markdown split under the plugin's body_maxlen for chat). Prints sizes and timings.
Last line: key=value pairs.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from alerts import message  # noqa: E402

URL = "http://eid.csrc.gov.cn/csrcfd/uploadfile/" + "%E8%B6%85%E8%81%9A%E5%8F%98" * 20 + ".pdf"


def item(n: int) -> dict:
    return {
        "kind": "stage", "stage": "tutoring", "company": f"测试{n:03d}半导体股份有限公司",
        "company_en": f"Test {n} Semiconductor", "broker": "中信证券股份有限公司",
        "regulator": "河南证监局", "event_date": "2026-06-01", "url": URL,
        "title": "辅导备案报告", "report_type": "filing_report", "source": "csrcfd",
        "event_id": n, "rule": "chips" if n % 3 else "ai-hardware",
        "sectors": [{"name": "chips", "zh": "芯片/半导体", "en": "chips"}], "why": ["keyword 半导体"],
        "facts": {"province": "河南省", "registered_capital": "人民币 1 亿元"},
        "timeline": [{"stage": "tutoring", "stage_zh": "辅导备案", "stage_en": "tutoring filed",
                      "date": "2026-06-01", "source": "csrcfd"}],
    }  # fmt: skip


def timed(fn, repeat: int) -> tuple[float, object]:
    started = time.perf_counter()
    for _ in range(repeat):
        out = fn()
    return (time.perf_counter() - started) / repeat, out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=200)
    args = parser.parse_args()
    items = [item(n) for n in range(100)]
    mail = "mailto://127.0.0.1"
    single_s, (single,) = timed(
        lambda: message.build("event", items[:1], mail, "both", channel="m"), args.repeat
    )
    digest_s, (digest,) = timed(lambda: message.build("event", items, mail, "zh", channel="m"), 20)
    tg = "tgram://123456789:abcdefghijklmnopqrstuvwxyz/12345"
    burst_s, burst = timed(lambda: message.build("event", items, tg, "zh", channel="tg"), 20)
    ding = "dingtalk://token"
    ding_s, ding_out = timed(lambda: message.build("event", items, ding, "zh", channel="d"), 20)
    print(
        f"single mail (both languages): html {len(single.html)} chars, plain {len(single.body)} chars, {single_s * 1000:.2f} ms"
    )
    print(f"100-event digest mail: html {len(digest.html)} chars, {digest_s * 1000:.1f} ms")
    print(
        f"100-event burst to Telegram (limit 4096): {len(burst)} messages, longest {max(len(m.title) + len(m.body) for m in burst)}"
    )
    print(f"100-event burst to DingTalk (limit 19985): {len(ding_out)} messages")
    print(
        f"single_ms={single_s * 1000:.2f} digest100_ms={digest_s * 1000:.1f} "
        f"single_html_kb={len(single.html.encode()) / 1024:.1f} digest100_html_kb={len(digest.html.encode()) / 1024:.1f} "
        f"tgram_burst100_messages={len(burst)} tgram_burst_ms={burst_s * 1000:.1f} "
        f"dingtalk_burst100_messages={len(ding_out)} dingtalk_burst_ms={ding_s * 1000:.1f}"
    )


if __name__ == "__main__":
    main()
