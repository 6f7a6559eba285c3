"""Message text in Chinese and English (pure: payload dicts in, (title, body) out).

Templates are `str.format` strings over the fields below; a template line whose fields are all
empty is dropped, so a source without a broker does not print "券商：". Users override any
template in `[alerts.templates.zh]` / `[alerts.templates.en]`.
"""

from __future__ import annotations

import string
from typing import Any

from scraper.core import stages
from scraper.core.changes import board_label
from scraper.core.facts import FACT_LABELS, FACT_ORDER, facts_text

LANGUAGES = ("zh", "en", "both")

# Fields an event template may use.
EVENT_FIELDS = (
    "company", "company_en", "company_display", "event", "stage", "old_stage", "broker",
    "broker_full", "regulator", "board", "date", "title", "url", "source", "sectors", "why", "rule",
    "facts",
)  # fmt: skip
HEALTH_FIELDS = ("source", "kind", "since", "at", "run_id", "reason", "url", "duration", "failures")
GROUP_FIELDS = ("count", "cause", "since", "sources")  # one message for same-cause incidents

DEFAULT_TEMPLATES: dict[str, dict[str, str]] = {
    "zh": {
        "title": "{company_display} — {event}",
        "event": "{company_display} — {event}\n券商：{broker}\n监管/交易所：{regulator}\n板块：{board}\n"
                 "日期：{date}\n文件：{title}\n链接：{url}\n{facts}\n行业：{sectors}（{why}）\n规则：{rule}；来源：{source}",
        "digest_title": "filingwatch：{count} 条新动态（{rule}）",
        "health_open_title": "⚠ 数据源异常：{source}",
        "health_open": "数据源 {source} 自 {since} 起异常\n原因：{reason}\n地址：{url}\n运行：{run_id}",
        "health_resolved_title": "✅ 数据源恢复：{source}",
        "health_resolved": "数据源 {source} 已于 {at} 恢复（运行 {run_id}）\n异常持续：{duration}",
        "health_group_open_title": "⚠ {count} 个数据源{cause}",
        "health_group_open": "{count} 个数据源{cause}（自 {since} 起）：\n{sources}",
        "health_group_resolved_title": "✅ {count} 个数据源已恢复",
        "health_group_resolved": "{count} 个数据源已恢复（{cause}）：\n{sources}",
        "test_title": "filingwatch 测试消息",
        "test": "这是一条来自 filingwatch 的测试消息（通道 {channel}）。",
    },
    "en": {
        "title": "{company_display} — {event}",
        "event": "{company_display} — {event}\nBroker: {broker}\nRegulator/exchange: {regulator}\n"
                 "Board: {board}\nDate: {date}\nDocument: {title}\nLink: {url}\n{facts}\n"
                 "Sector: {sectors} ({why})\nRule: {rule}; source: {source}",
        "digest_title": "filingwatch: {count} new events ({rule})",
        "health_open_title": "⚠ Source unhealthy: {source}",
        "health_open": "Source {source} unhealthy since {since}\nReason: {reason}\nURL: {url}\n"
                       "Run: {run_id}",
        "health_resolved_title": "✅ Source recovered: {source}",
        "health_resolved": "Source {source} recovered at {at} (run {run_id})\nDown for: {duration}",
        "health_group_open_title": "⚠ {count} sources {cause}",
        "health_group_open": "{count} sources {cause} (since {since}):\n{sources}",
        "health_group_resolved_title": "✅ {count} sources recovered",
        "health_group_resolved": "{count} sources recovered ({cause}):\n{sources}",
        "test_title": "filingwatch test message",
        "test": "This is a test message from filingwatch (channel {channel}).",
    },
}  # fmt: skip

TEMPLATE_FIELDS = {
    "title": EVENT_FIELDS, "event": EVENT_FIELDS, "digest_title": ("count", "rule"),
    "health_open_title": HEALTH_FIELDS, "health_open": HEALTH_FIELDS,
    "health_resolved_title": HEALTH_FIELDS, "health_resolved": HEALTH_FIELDS,
    "test_title": ("channel",), "test": ("channel",),
    **{f"health_group_{state}{part}": GROUP_FIELDS
       for state in ("open", "resolved") for part in ("", "_title")},
}  # fmt: skip

STAGE_LABELS_EN = {
    stages.TUTORING: "tutoring filed", stages.TUTORING_DONE: "tutoring completed",
    stages.WITHDRAWN: "tutoring withdrawn", stages.ACCEPTED: "application accepted",
    stages.INQUIRED: "inquiry", stages.COMMITTEE_PASSED: "listing committee passed",
    stages.COMMITTEE_FAILED: "listing committee failed",
    stages.COMMITTEE_DEFERRED: "listing committee deferred",
    stages.SUBMITTED_FOR_REGISTRATION: "submitted for registration",
    stages.REGISTERED: "registration effective", stages.REGISTRATION_REFUSED: "registration refused",
    stages.REGISTRATION_TERMINATED: "registration terminated", stages.SUSPENDED: "suspended",
    stages.TERMINATED: "terminated", stages.ISSUED: "issued", stages.LISTED: "listed",
    stages.HK_APPLICATION_FILED: "HK application proof filed", stages.HK_PHIP: "HK post-hearing",
    stages.HK_LAPSED: "HK application lapsed", stages.HK_RETURNED: "HK application returned",
    stages.PROSPECTUS_PUBLISHED: "prospectus published",
    stages.ALLOTMENT_RESULTS: "allotment results",
}  # fmt: skip
REPORT_LABELS = {
    "filing_report": ("辅导备案报告", "tutoring filing report"),
    "progress_report": ("辅导工作进展报告", "tutoring progress report"),
    "completion_report": ("辅导工作完成报告", "tutoring completion report"),
    "summary_report": ("辅导工作总结报告", "tutoring summary report"),
    "withdrawal_report": ("撤回辅导备案报告", "tutoring withdrawal report"),
}
_ORG_SUFFIXES = ("股份有限公司", "有限责任公司", "有限公司")


def short_org(name: str | None) -> str:
    """中信证券股份有限公司 -> 中信证券: the form people say and search for."""
    name = (name or "").strip()
    for suffix in _ORG_SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix) + 1:
            return name[: -len(suffix)]
    return name


def stage_label(stage: str | None, lang: str) -> str:
    if not stage:
        return ""
    table = stages.LABELS_ZH if lang == "zh" else STAGE_LABELS_EN
    return table.get(stage, stage)  # unknown stages are shown verbatim, as stored


def event_label(item: dict, lang: str) -> str:
    said = item.get("change") or item.get("detail")  # issue 14: change, committee, clock
    if isinstance(said, dict) and said.get(f"text_{lang}"):
        return said[f"text_{lang}"]
    if item.get("kind") == "stage":
        new = stage_label(item.get("stage"), lang)
        old = stage_label(item.get("old_stage"), lang)
        return f"{old} → {new}" if old else new
    report = REPORT_LABELS.get(item.get("report_type") or "")
    what = (report[0] if lang == "zh" else report[1]) if report else (item.get("title") or "")
    return f"新文件：{what}" if lang == "zh" else f"new document: {what}"


def event_fields(item: dict, lang: str) -> dict[str, Any]:
    """Template fields for one outbox payload (a snapshot of the event taken when it was queued)."""
    en = item.get("company_en") or ""
    sectors = item.get("sectors") or []
    why = item.get("why") or []
    return {
        "company": item.get("company") or "",
        "company_en": en,
        "company_display": f"{item.get('company', '')} ({en})" if en else item.get("company", ""),
        "event": event_label(item, lang),
        "stage": stage_label(item.get("stage"), lang),
        "old_stage": stage_label(item.get("old_stage"), lang),
        "broker": short_org(item.get("broker")),
        "broker_full": item.get("broker") or "",
        "regulator": item.get("regulator") or "",
        "board": board_label(item.get("board"), lang),
        "date": item.get("event_date") or "",
        "title": item.get("title") or "",
        "url": item.get("url") or "",
        "source": item.get("source") or "",
        "sectors": ("、" if lang == "zh" else ", ").join(s.get(lang) or s["name"] for s in sectors),
        "why": "; ".join(why),
        "rule": item.get("rule") or "",
        # what the report PDF says (issue 15); issue 12's templates render them their own way
        "facts": facts_text(item.get("facts"), lang, item.get("facts_document")),
    }


def fill(template: str, fields: dict[str, Any]) -> str:
    """Format line by line, dropping lines whose every field is empty."""
    out = []
    for line in template.split("\n"):
        names = [n for _, n, _, _ in string.Formatter().parse(line) if n]
        if names and all(fields.get(n) in ("", None) for n in names):
            continue
        # a bracketed field left empty ("行业：芯片（）" when a rule names no sector) goes too
        out.append(line.format(**fields).replace("（）", "").replace(" ()", ""))
    return "\n".join(out)


def _langs(lang: str) -> tuple[str, ...]:
    return ("zh", "en") if lang == "both" else (lang,)


def _t(templates: dict[str, dict[str, str]] | None, lang: str, name: str) -> str:
    return ((templates or {}).get(lang) or {}).get(name) or DEFAULT_TEMPLATES[lang][name]


def render_events(items: list[dict], lang: str, templates: dict | None = None) -> tuple[str, str]:
    """One message for one event, or a digest of several (same rule and channel)."""
    parts, titles = [], []
    for code in _langs(lang):
        blocks = [fill(_t(templates, code, "event"), event_fields(i, code)) for i in items]
        parts.append("\n\n".join(blocks))
        if len(items) == 1:
            titles.append(fill(_t(templates, code, "title"), event_fields(items[0], code)))
        else:
            rule = items[0].get("rule") or ""
            titles.append(_t(templates, code, "digest_title").format(count=len(items), rule=rule))
    return " / ".join(dict.fromkeys(titles)), "\n\n———\n\n".join(parts)


def render_health(item: dict, lang: str, templates: dict | None = None) -> tuple[str, str]:
    state = "health_resolved" if item.get("state") == "resolved" else "health_open"
    fields = {k: item.get(k, "") for k in HEALTH_FIELDS}
    titles = [fill(_t(templates, c, f"{state}_title"), fields) for c in _langs(lang)]
    bodies = [fill(_t(templates, c, state), fields) for c in _langs(lang)]
    return " / ".join(dict.fromkeys(titles)), "\n\n———\n\n".join(bodies)


def render_health_group(
    items: list[dict], lang: str, templates: dict | None = None
) -> tuple[str, str]:
    """Several sources with one cause: "10 sources unreachable: DNS lookup failed", one line each."""
    state = "resolved" if items[0].get("state") == "resolved" else "open"
    titles, bodies = [], []
    for code in _langs(lang):
        if state == "open":
            lines = [
                f"- {i.get('source')}: {i.get('url') or i.get('reason') or ''}".rstrip(": ")
                for i in items
            ]
        else:
            lines = [f"- {i.get('source')} ({i.get('duration') or '?'})" for i in items]
        fields = {"count": len(items), "cause": items[0].get(f"cause_{code}") or items[0].get("reason") or "",
                  "since": min(str(i.get("since") or "") for i in items), "sources": "\n".join(lines)}  # fmt: skip
        titles.append(fill(_t(templates, code, f"health_group_{state}_title"), fields))
        bodies.append(fill(_t(templates, code, f"health_group_{state}"), fields))
    return " / ".join(dict.fromkeys(titles)), "\n\n———\n\n".join(bodies)


def render_test(channel: str, lang: str, templates: dict | None = None) -> tuple[str, str]:
    titles = [_t(templates, c, "test_title") for c in _langs(lang)]
    bodies = [_t(templates, c, "test").format(channel=channel) for c in _langs(lang)]
    return " / ".join(titles), "\n\n".join(bodies)


def render(
    kind: str, items: list[dict], lang: str, templates: dict | None = None
) -> tuple[str, str]:
    """Dispatch on the outbox row kind: 'event' rows may be batched, 'health' rows go alone."""
    if kind == "health":
        if len(items) > 1:
            return render_health_group(items, lang, templates)
        return render_health(items[0], lang, templates)
    return render_events(items, lang, templates)


def check_template(name: str, template: str) -> str | None:
    """An error message for a template with unknown fields or bad syntax, else None."""
    allowed = TEMPLATE_FIELDS.get(name)
    if allowed is None:
        return f"unknown template; known: {', '.join(TEMPLATE_FIELDS)}"
    try:
        names = [n for _, n, _, _ in string.Formatter().parse(template) if n is not None]
    except ValueError as exc:
        return f"bad template syntax: {exc}"
    unknown = [n for n in names if n not in allowed]
    if unknown or "" in names:
        return f"unknown field {{{(unknown or [''])[0]}}}; allowed: {', '.join(allowed)}"
    return None


# ---------------------------------------------------------------- structured view for templates
# The Jinja2 templates (alerts/templates/, alerts/message.py) get the same fields as the
# str.format templates plus structured lists (facts, timeline) and a short link text.

# Fact labels and order: scraper.core.facts (one table for the plain text and the card).
LABELS = {
    "zh": {"company": "公司", "event": "事件", "stage": "阶段", "broker": "券商",
           "regulator": "监管/交易所", "board": "板块", "date": "日期", "document": "文件",
           "sectors": "行业", "why": "匹配原因", "rule": "规则", "source": "来源",
           "timeline": "进程", "facts": "公司信息", "facts_document": "信息来源", "change": "变更", "detail": "详情", "events": "条新动态",
           "open": "查看文件", "footer": "由 filingwatch 发送：规则", "sep": "："},
    "en": {"company": "Company", "event": "Event", "stage": "Stage", "broker": "Broker",
           "regulator": "Regulator / exchange", "board": "Board", "date": "Date",
           "document": "Document", "sectors": "Sector", "why": "Why it matched", "rule": "Rule",
           "source": "Source", "timeline": "Timeline", "facts": "Facts", "facts_document": "Facts from", "change": "Change", "detail": "Detail",
           "events": "new events", "open": "Open document", "footer": "Sent by filingwatch for rule",
           "sep": ": "},
}  # fmt: skip


def link_text(item: dict, lang: str, short: bool = False) -> str:
    """A short readable name for the document link: its title or report type, file type, host.

    The raw URL (often 300 percent-encoded characters) stays in the href, never in the text.
    """
    from urllib.parse import urlsplit

    url = item.get("url") or ""
    report = REPORT_LABELS.get(item.get("report_type") or "")
    fallback = (report[0] if lang == "zh" else report[1]) if report else LABELS[lang]["open"]
    name = fallback if short else ((item.get("title") or "").strip() or fallback)
    if len(name) > 60:
        name = name[:58] + "…"
    parts = urlsplit(url)
    kind = "PDF" if parts.path.lower().endswith(".pdf") else ""
    host = (parts.hostname or "").removeprefix("www.")
    extra = ", ".join(x for x in (kind, "" if short else host) if x)
    return f"{name} ({extra})" if extra else name


def event_view(item: dict, lang: str) -> dict[str, Any]:
    """Fields plus lists for one payload in one language; every new payload key is optional."""
    view = event_fields(item, lang)
    i = 0 if lang == "zh" else 1
    facts = item.get("facts") or {}
    ordered = [k for k in FACT_ORDER if facts.get(k)] + [k for k in facts if k not in FACT_ORDER]
    view["facts"] = [
        (FACT_LABELS.get(k, (k, k))[i], str(facts[k])) for k in ordered if facts.get(k)
    ]
    view["timeline"] = [
        {"date": t.get("date") or "", "stage": t.get(f"stage_{lang}") or stage_label(t.get("stage"), lang),
         "source": t.get("source") or "", "current": t.get("stage") == item.get("stage")}
        for t in (item.get("timeline") or [])
    ]  # fmt: skip
    for key in ("change", "detail"):
        extra = item.get(key) or {}
        view[key] = extra.get(f"text_{lang}") or ""
    view["link_text"] = link_text(item, lang) if item.get("url") else ""
    view["link_short"] = link_text(item, lang, short=True) if item.get("url") else ""
    doc = item.get("facts_document") or {}
    view["facts_document"] = (
        {"url": doc["url"], "text": link_text({"url": doc["url"], "title": doc.get("title")}, lang)
         + (f" p. {doc['pages']}" if doc.get("pages") else "")}
        if doc.get("url") else None
    )  # fmt: skip
    view["why_list"] = list(item.get("why") or [])
    return view


def extras_text(item: dict, lang: str) -> str:
    """Facts, change and timeline as plain lines, appended under the str.format event block."""
    v = event_view(item, lang)
    lab, sep = LABELS[lang], ("：" if lang == "zh" else ": ")
    lines = []
    if v["change"]:
        lines.append(f"{lab['change']}{sep}{v['change']}")
    elif v["detail"]:
        lines.append(f"{lab['detail']}{sep}{v['detail']}")
    # facts are not repeated here: the event template's {facts} field prints them (and users who
    # drop that field from their template do not want them back under it)
    if v["timeline"]:
        lines.append(f"{lab['timeline']}{sep.strip()}")
        lines += [f"  {t['date'] or '?'}  {t['stage']}" for t in v["timeline"]]
    return "\n".join(lines)
