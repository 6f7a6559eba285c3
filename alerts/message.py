"""What one channel receives: outbox payloads + channel URL + language -> Outgoing message(s).

Pure (no sending). The body format is chosen from the *installed* apprise plugin of the URL's
schema (its `notify_format` and `body_maxlen` attributes), not from a hand-kept list:
- e-mail (mailto/mailtos): an HTML card plus our own plain text, sent as multipart/alternative by
  alerts/mailer.py with a Message-ID derived from the outbox dedupe keys;
- generic webhooks (json/form/xml/apprise/amqp/mqtt): the plain text, as before (machines parse it);
- plugins that accept Markdown (Telegram, Slack, DingTalk, Feishu/Lark, Discord, ...): Markdown;
- HTML-only mail APIs (SendGrid, SES, Mailgun, ...): the HTML card;
- everything else, including SMS-like targets: plain text.
Chat targets get several due events coalesced into one digest-shaped message and split at
block boundaries under the plugin's length limit, so a burst of 100 events is a few messages.

Templates: the `[alerts.templates.*]` str.format strings still make the title and plain text;
Jinja2 templates (sandboxed; autoescaped for HTML) make the HTML and Markdown bodies. A
template folder ([alerts] template_dir) may override any part, per channel or per rule:
`channel-<name>/<part>.j2`, then `rule-<name>/<part>.j2`, then `<part>.j2`, then the shipped
alerts/templates/<part>.j2. Parts: mail.html, chat.md, text (plain text; replaces the
str.format event text when present).
"""

from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jinja2 import ChoiceLoader, FileSystemLoader, StrictUndefined, TemplateNotFound
from jinja2.sandbox import ImmutableSandboxedEnvironment

from alerts import render

SHIPPED = Path(__file__).with_name("templates")
PARTS = ("mail.html", "chat.md", "text")

# Generic webhooks: a program reads them, so they keep the plain text whatever they accept.
WEBHOOK_SCHEMAS = frozenset(
    {"json", "jsons", "form", "forms", "xml", "xmls", "apprise", "apprises", "amqp", "amqps",
     "mqtt", "mqtts", "console"}
)  # fmt: skip
MAIL_SCHEMAS = frozenset({"mailto", "mailtos"})
DEFAULT_MAXLEN = 32768


@dataclass(frozen=True)
class Family:
    """How a target is written to: body format, length limit, whether events are coalesced."""

    name: str  # mail | webhook | markdown | html | text
    body_format: str  # text | markdown | html
    body_maxlen: int
    title_in_body: bool  # the plugin has no title field: apprise puts the title into the body
    batch: bool  # coalesce due events into few messages (chat robots allow ~20 messages/min)


@dataclass
class Outgoing:
    title: str
    body: str  # plain text for mail (the text/plain part); otherwise in body_format
    body_format: str = "text"
    html: str | None = None  # mail only: the text/html alternative
    attachments: list[str] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)
    message_id: str | None = None  # mail only, "<…@filingwatch>"


def _formats(value: Any) -> set[str]:
    values = value if isinstance(value, list | tuple | set) else [value]
    return {str(getattr(v, "value", v)).lower() for v in values}


def _plugin_class(schema: str):
    from apprise.manager_plugins import NotificationManager

    manager = NotificationManager()  # a shared singleton: loads the installed plugins once
    return manager[schema] if schema in manager else None


@functools.lru_cache(maxsize=256)
def family_of_schema(schema: str) -> Family:
    """The family for an apprise schema, from the installed plugin's declared formats and limits."""
    schema = schema.lower()
    if schema in MAIL_SCHEMAS:
        return Family("mail", "html", DEFAULT_MAXLEN, False, False)
    if schema in WEBHOOK_SCHEMAS:
        return Family("webhook", "text", DEFAULT_MAXLEN, False, False)
    cls = _plugin_class(schema)
    if cls is None:
        return Family("text", "text", DEFAULT_MAXLEN, False, False)
    formats = _formats(cls.notify_format)
    maxlen = cls.body_maxlen if isinstance(cls.body_maxlen, int) else DEFAULT_MAXLEN
    title_in_body = isinstance(cls.title_maxlen, int) and cls.title_maxlen <= 0
    if "markdown" in formats:
        return Family("markdown", "markdown", maxlen, title_in_body, True)
    if formats == {"html"} or formats == {"html", "text"}:
        return Family("html", "html", maxlen, title_in_body, False)
    return Family("text", "text", maxlen, title_in_body, maxlen < DEFAULT_MAXLEN)


def family(url: str) -> Family:
    return family_of_schema(url.split("://", 1)[0] if "://" in url else "")


# ---------------------------------------------------------------- templates


@functools.lru_cache(maxsize=16)
def environment(template_dir: str = "", autoescape: bool = True) -> ImmutableSandboxedEnvironment:
    """Sandboxed: a template from a config folder cannot reach Python internals."""
    loaders = [FileSystemLoader(template_dir)] if template_dir else []
    loaders.append(FileSystemLoader(str(SHIPPED)))
    env = ImmutableSandboxedEnvironment(
        loader=ChoiceLoader(loaders), autoescape=autoescape, undefined=StrictUndefined,
        trim_blocks=False, lstrip_blocks=False, keep_trailing_newline=False,
    )  # fmt: skip
    return env


def _template(part: str, template_dir: str, rule: str | None, channel: str | None):
    """The most specific template for a part, or None (only 'text' has no shipped template)."""
    env = environment(template_dir, autoescape=part.endswith(".html"))
    names = []
    if template_dir:
        if channel:
            names.append(f"channel-{channel}/{part}.j2")
        if rule:
            names.append(f"rule-{rule}/{part}.j2")
    names.append(f"{part}.j2")
    try:
        return env.select_template(names)
    except TemplateNotFound:
        return None


def check_template_dir(template_dir: str) -> str | None:
    """An error for the first template in the folder that does not compile, else None."""
    folder = Path(template_dir)
    if not folder.is_dir():
        return f"template folder {template_dir!r} does not exist"
    for path in sorted(folder.rglob("*.j2")):
        rel = path.relative_to(folder).as_posix()
        env = environment(template_dir, autoescape=rel.endswith(".html.j2"))
        try:
            env.get_template(rel)
        except Exception as exc:  # jinja2.TemplateSyntaxError and friends: one clear line
            return f"{rel}: {type(exc).__name__}: {exc}"
    return None


def _langs(lang: str) -> tuple[str, ...]:
    return ("zh", "en") if lang == "both" else (lang,)


def _groups(views: list[dict]) -> list[tuple[str, list[tuple[str, list[dict]]]]]:
    """Digest order: by rule, then by company, each in order of first appearance."""
    by_rule: dict[str, dict[str, list[dict]]] = {}
    for v in views:
        by_rule.setdefault(v["rule"], {}).setdefault(v["company"], []).append(v)
    return [(rule, list(companies.items())) for rule, companies in by_rule.items()]


def context(items: list[dict], lang: str, title: str, templates: dict | None = None) -> dict:
    """Everything a template sees (documented in README: 'Templates and their fields')."""
    blocks = []
    for code in _langs(lang):
        views = [render.event_view(i, code) for i in items]
        if len(items) == 1:
            block_title = render.fill(render._t(templates, code, "title"), views[0])
        else:
            rules = ", ".join(dict.fromkeys(v["rule"] for v in views))
            block_title = render._t(templates, code, "digest_title").format(
                count=len(items), rule=rules
            )
        blocks.append({"lang": code, "labels": render.LABELS[code], "title": block_title,
                       "events": views, "groups": _groups(views)})  # fmt: skip
    return {
        "subject": title, "digest": len(items) > 1, "blocks": blocks, "lang": lang,
        "rules": list(dict.fromkeys(i.get("rule") or "" for i in items)),
    }  # fmt: skip


def message_id(keys: list[str]) -> str:
    """Stable per set of outbox rows, so a resent alert collapses into the first in mail clients."""
    digest = hashlib.sha256("\n".join(sorted(keys)).encode()).hexdigest()[:32]
    return f"<{digest}@filingwatch>"


def dedupe_keys(kind: str, items: list[dict], channel: str) -> list[str]:
    """The outbox dedupe_key of each item, rebuilt from its payload (see alerts/outbox.py)."""
    if kind == "health":
        return [
            f"health:{i.get('source')}:{i.get('state')}:{i.get('since')}:{channel}" for i in items
        ]
    return [f"event:{i.get('rule')}:{i.get('event_id')}:{channel}" for i in items]


def plain_text(kind: str, items: list[dict], lang: str, templates: dict | None,
               template_dir: str = "", rule: str | None = None,
               channel: str | None = None) -> tuple[str, str]:  # fmt: skip
    """(title, plain body): the str.format templates, plus facts and timeline for one event."""
    title, body = render.render(kind, items, lang, templates)
    if kind != "event":
        return title, body
    custom = _template("text", template_dir, rule, channel) if template_dir else None
    if custom is not None:
        return title, custom.render(**context(items, lang, title, templates)).strip()
    if len(items) == 1:
        extras = [render.extras_text(items[0], code) for code in _langs(lang)]
        parts = body.split("\n\n———\n\n")
        if len(parts) == len(extras):
            body = "\n\n———\n\n".join(
                p + ("\n" + x if x else "") for p, x in zip(parts, extras, strict=True)
            )
    return title, body


def build(kind: str, items: list[dict], url: str, lang: str, templates: dict | None = None,
          template_dir: str = "", channel: str | None = None) -> list[Outgoing]:  # fmt: skip
    """The message(s) to send for these outbox payloads on this channel (several when split)."""
    fam = family(url)
    rule = items[0].get("rule") if items else None
    title, text = plain_text(kind, items, lang, templates, template_dir, rule, channel)
    if kind == "event" and fam.name in ("mail", "html"):
        html = _template("mail.html", template_dir, rule, channel).render(
            **context(items, lang, title, templates)
        )
        if fam.name == "mail":
            mid = message_id(dedupe_keys(kind, items, channel or ""))
            return [Outgoing(title, text, "text", html=html, message_id=mid)]
        return [Outgoing(title, html, "html")]
    if fam.name == "mail":  # health and test messages: plain text, still a stable Message-ID
        return [
            Outgoing(
                title, text, "text", message_id=message_id(dedupe_keys(kind, items, channel or ""))
            )
        ]
    if kind == "event" and fam.body_format == "markdown":
        body = (
            _template("chat.md", template_dir, rule, channel)
            .render(**context(items, lang, title, templates))
            .strip()
        )
        return split_message(title, body, "markdown", fam)
    if kind == "event" and fam.batch and len(items) > 1:
        text = compact_text(items, lang)
    return split_message(title, text, "text", fam)


def compact_text(items: list[dict], lang: str) -> str:
    """Several events as one line each, grouped by rule then company (SMS and text chats)."""
    out = []
    for code in _langs(lang):
        views = [render.event_view(i, code) for i in items]
        for rule, companies in _groups(views):
            out.append(f"[{render.LABELS[code]['rule']}: {rule}]")
            for company, events in companies:
                for v in events:
                    bits = [company, v["event"], v["broker"], v["date"]]
                    out.append(" · ".join(b for b in bits if b))
        out.append("")
    return "\n".join(out).strip()


def split_message(title: str, body: str, body_format: str, fam: Family) -> list[Outgoing]:
    """Split at paragraph, then line boundaries so each message fits the plugin's body_maxlen."""
    reserve = len(title) + 12  # some plugins count the title (and our "(n/m)") in body_maxlen
    limit = max(40, fam.body_maxlen - reserve)
    chunks = split_text(body, limit)
    if len(chunks) == 1:
        return [Outgoing(title, chunks[0], body_format)]
    n = len(chunks)
    return [Outgoing(f"{title} ({k}/{n})", c, body_format) for k, c in enumerate(chunks, 1)]


def split_text(body: str, limit: int) -> list[str]:
    if len(body) <= limit:
        return [body]
    pieces: list[str] = []
    for para in body.split("\n\n"):
        if len(para) <= limit:
            pieces.append(para)
            continue
        for line in para.split("\n"):
            while len(line) > limit:  # one over-long line: cut it hard
                pieces.append(line[:limit])
                line = line[limit:]
            pieces.append(line)
    chunks: list[str] = []
    current = ""
    for piece in pieces:
        sep = "\n\n" if current and not current.endswith("\n") else ""
        if current and len(current) + len(sep) + len(piece) > limit:
            chunks.append(current)
            current = piece
        else:
            current = f"{current}{sep}{piece}" if current else piece
    if current:
        chunks.append(current)
    return chunks


def coalesce(messages: list, url: str) -> list:
    """For chat targets: merge due event messages into one (rows and items together).

    `messages` are delivery.Message objects of ONE channel; others pass through unchanged.
    """
    import dataclasses

    if not family(url).batch:
        return messages
    events = [m for m in messages if m.kind == "event"]
    if len(events) < 2:
        return messages
    merged = dataclasses.replace(
        events[0], ids=[i for m in events for i in m.ids], items=[x for m in events for x in m.items],
        attempts=max(m.attempts for m in events), keys=[k for m in events for k in m.keys],
    )  # fmt: skip
    return [*[m for m in messages if m.kind != "event"], merged]  # ops messages stay first
