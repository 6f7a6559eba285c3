"""Config sections of the alert layer and the daemon: [[watch]], [[channels]], [sectors.*], [alerts], [daemon].

scraper.config imports this module (SECTION_MODULES). The outbox hook that turns events into
alerts in the same transaction is alerts.outbox.OutboxSink, the sink scraper/ingest.py is given. Cross-section checks (a rule naming an unknown channel or
sector) re-read the file's TOML, since each section parser only sees its own table.
Channel URLs are checked with apprise by `check_channels` when the daemon, the demo or
`alerts test` starts, not on every config load, so `filingwatch query` stays fast and does
not need the secrets' environment variables.
"""

from __future__ import annotations

import functools
import os
import re
import tomllib
from dataclasses import dataclass, field
from typing import Any

from alerts import channel_sources, render, sectors
from alerts.rules import EVENT_NAMES, Rule, resolve_events
from scraper.config import Config, KeyContext, _take, check_range, line_of, register_section
from scraper.sources import SOURCES

_DURATION_RE = re.compile(r"^(\d+(?:\.\d+)?)\s*([smhd]?)$")
_UNITS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_duration(value: Any) -> float | None:
    """'90s', '15m', '2h', '1d' or a number of seconds -> seconds; None when malformed."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value) if 0 <= value < float("inf") else None
    m = _DURATION_RE.match(str(value).strip())
    return float(m[1]) * _UNITS[m[2]] if m else None


@dataclass(frozen=True)
class Channel:
    name: str
    url: str  # as written; ${VAR} is expanded when sending, so secrets can live in the environment
    language: str | None  # None: [alerts] language
    key: str  # channels[N].url, for errors found later (apprise check)
    line: int | None
    timeout: float = 20.0  # seconds to wait for the channel's answer (apprise rto/cto)
    tags: tuple[str, ...] = ()  # rules may target channels by tag (issue 12)
    group: str | None = None  # the [[channels]] entry an apprise config file's URL came from
    per_minute: int | None = None  # sends per rolling minute; None: 20 for chat robots, else no cap

    def expanded_url(self) -> str:
        """The URL with ${VAR}/$VAR from the environment and $$ as a literal $ (alerts/channel_sources.py)."""
        return channel_sources.expand(self.url)[0]

    def missing_vars(self) -> list[str]:
        return channel_sources.expand(self.url)[1]


@dataclass(frozen=True)
class AlertOptions:
    language: str = "zh"
    ops_channels: tuple[str, ...] = ()
    max_per_message: int = 20
    retry_base: float = 30.0
    retry_max: float = 3600.0
    lease: float = 300.0
    uncertain_retry: float = 600.0  # a send with no answer is retried this late, same key
    templates: dict[str, dict[str, str]] = field(default_factory=dict)
    template_dir: str = ""  # Jinja2 overrides (issue 12): see alerts/message.py
    incident_window: float = 60.0  # seconds: same-cause incidents within it are one message
    attach_report: bool = True  # digests carry the sectors' pipeline chart where a channel can


@dataclass(frozen=True)
class DaemonOptions:
    crawl_timeout: float = 0.0  # 0: [crawl] run_timeout + 60 s
    min_interval: float = 60.0
    deliver_interval: float = 2.0
    health_interval: float = 300.0
    stop_timeout: float = 20.0
    workers: int = 2
    run_on_start: bool = True
    lock_file: str = ""
    log_dir: str = ""


@dataclass(frozen=True)
class AlertSettings:
    taxonomy: sectors.Taxonomy
    rules: tuple[Rule, ...]
    channels: dict[str, Channel]
    options: AlertOptions
    daemon: DaemonOptions


@functools.lru_cache(maxsize=8)
def _toml(text: str) -> dict[str, Any]:
    return tomllib.loads(text)


def _strings(ctx: KeyContext, key: str, value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ctx.error(key, f"expected a list of non-empty strings, got {value!r}")
    return tuple(v.strip() for v in value)


def _list_of_tables(ctx: KeyContext, name: str, value: Any) -> list[dict]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise ctx.error(name, f"expected [[{name}]] tables")
    return value


# ---------------------------------------------------------------- [sectors.*]

_SECTOR_KEYS = ("label_zh", "label_en", "keywords", "keywords_en", "exclude", "exclude_en",
                "industries", "companies",
                "business", "business_exclude", "broad_industries")  # issue 15  # fmt: skip


def parse_sectors(value: Any, ctx: KeyContext) -> sectors.Taxonomy:
    """Shipped taxonomy plus the config's additions (lists extend; `industries` replaces)."""
    if value is None:
        return sectors.default_taxonomy()
    if not isinstance(value, dict):
        raise ctx.error("sectors", "expected tables like [sectors.chips]")
    overrides: dict[str, dict[str, Any]] = {}
    extra: list[sectors.KnownCompany] = []
    for name, table in value.items():
        prefix = f"sectors.{name}"
        if not isinstance(table, dict):
            raise ctx.error(prefix, "expected a table")
        out: dict[str, Any] = {}
        for key, item in table.items():
            if key not in _SECTOR_KEYS:
                raise ctx.error(
                    f"{prefix}.{key}", f"unknown key; allowed here: {', '.join(_SECTOR_KEYS)}"
                )
            if key.startswith("label"):
                if not isinstance(item, str):
                    raise ctx.error(f"{prefix}.{key}", f"expected a string, got {item!r}")
                out[key] = item
            elif key == "companies":
                extra += [
                    _company(ctx, f"{prefix}.companies", c, name)
                    for c in _as_list(ctx, f"{prefix}.companies", item)
                ]
            else:
                out[key] = list(_strings(ctx, f"{prefix}.{key}", item))
        overrides[name] = out
    return sectors.build(sectors.load_data(), overrides, extra)


def _as_list(ctx: KeyContext, key: str, value: Any) -> list:
    if not isinstance(value, list):
        raise ctx.error(key, f"expected a list, got {value!r}")
    return value


def _company(ctx: KeyContext, key: str, item: Any, sector: str) -> sectors.KnownCompany:
    """A name string, or {name = "…", name_en = "…", aliases = [...]} for English names."""
    if isinstance(item, str) and item.strip():
        return sectors.KnownCompany(item.strip(), "", (), (sector,))
    if isinstance(item, dict) and isinstance(item.get("name"), str):
        unknown = set(item) - {"name", "name_en", "aliases"}
        if unknown:
            raise ctx.error(
                key, f"unknown company key {sorted(unknown)[0]!r}; allowed: name, name_en, aliases"
            )
        aliases = _strings(ctx, key, item.get("aliases", []))
        return sectors.KnownCompany(item["name"], str(item.get("name_en", "")), aliases, (sector,))
    raise ctx.error(
        key,
        f"expected a company name or {{name = ..., name_en = ..., aliases = [...]}}, got {item!r}",
    )


# ---------------------------------------------------------------- [[channels]]


def parse_channels(value: Any, ctx: KeyContext) -> dict[str, Channel]:
    channels: dict[str, Channel] = {}
    for i, table in enumerate(_list_of_tables(ctx, "channels", value)):
        prefix = f"channels[{i}]"
        spec = {"name": (str, ""), "url": (str, ""), "language": (str, ""),
                "timeout": (float, Channel.timeout), "config": (str, ""), "tags": (list, []), "per_minute": (int, None)}  # fmt: skip
        values = _take(ctx, table, prefix, spec)
        if values["per_minute"] is not None:  # 0: no cap
            check_range(ctx, f"{prefix}.per_minute", values["per_minute"], 0, 10_000)
        name = values["name"].strip()
        if not name:
            raise ctx.error(f"{prefix}.name", "every channel needs a name (rules refer to it)")
        if name in channels or any(c.group == name for c in channels.values()):
            raise ctx.error(f"{prefix}.name", f"channel name {name!r} is used twice")
        tags = _strings(ctx, f"{prefix}.tags", values["tags"]) if values["tags"] else ()
        if values["config"]:
            channels.update(_file_channels(ctx, prefix, name, values, tags))
            continue
        if not channel_sources.WHOLE_VAR.match(values["url"]) and not re.match(
            r"^[A-Za-z][A-Za-z0-9+.\-]*://", values["url"]
        ):
            raise ctx.error(f"{prefix}.url", "expected an apprise URL like mailtos://user:pass@host?to=…, "
                            f"tgram://token/chat, json://host/path or console:// (channel {name!r})")  # fmt: skip
        lang = values["language"] or None
        if lang is not None and lang not in render.LANGUAGES:
            raise ctx.error(
                f"{prefix}.language", f"expected one of {', '.join(render.LANGUAGES)}, got {lang!r}"
            )
        check_range(ctx, f"{prefix}.timeout", values["timeout"], 0, 3600, low_open=True)
        key = f"{prefix}.url"
        channels[name] = Channel(name, values["url"], lang, key, line_of(ctx.text, key),
                                 timeout=values["timeout"], tags=tags,
                                 per_minute=values["per_minute"])  # fmt: skip
    return channels


def _file_channels(ctx: KeyContext, prefix: str, name: str, values: dict,
                   tags: tuple[str, ...]) -> dict[str, Channel]:  # fmt: skip
    """An apprise config file: one channel `<name>/<n>` per URL, with the file's tags (+ ours)."""
    from pathlib import Path

    key = f"{prefix}.config"
    if values["url"]:
        raise ctx.error(
            key, f"channel {name!r}: give either url or config (an apprise config file)"
        )
    base = Path(ctx.path).resolve().parent if ctx.path != "<config>" else Path.cwd()
    path = base / os.path.expanduser(channel_sources.expand(values["config"])[0])
    try:
        entries = channel_sources.read_apprise_config(path)
    except ValueError as exc:
        raise ctx.error(key, f"channel {name!r}: {exc}") from None
    lang = values["language"] or None
    if lang is not None and lang not in render.LANGUAGES:
        raise ctx.error(
            f"{prefix}.language", f"expected one of {', '.join(render.LANGUAGES)}, got {lang!r}"
        )
    line = line_of(ctx.text, key)
    return {
        f"{name}/{n}": Channel(f"{name}/{n}", e.url, lang, key, line, timeout=values["timeout"],
                                tags=tuple(dict.fromkeys(e.tags + tags)), group=name,
                                per_minute=values["per_minute"])
        for n, e in enumerate(entries, 1)
    }  # fmt: skip


def expand_names(channels: dict[str, Channel], names: tuple[str, ...]) -> tuple[str, ...]:
    """Channel names with a config-file entry's name standing for all of its URLs."""
    out: list[str] = []
    for n in names:
        out += [n] if n in channels else [c.name for c in channels.values() if c.group == n]
    return tuple(dict.fromkeys(out))


def _known_names(channels: dict[str, Channel]) -> set[str]:
    return set(channels) | {c.group for c in channels.values() if c.group}


# ---------------------------------------------------------------- [alerts]


def parse_alerts(value: Any, ctx: KeyContext) -> AlertOptions:
    table = dict(value or {})
    if not isinstance(value or {}, dict):
        raise ctx.error("alerts", "expected a table [alerts]")
    templates = table.pop("templates", {})
    spec = {
        "language": (str, AlertOptions.language), "ops_channels": (list, []),
        "max_per_message": (int, AlertOptions.max_per_message),
        "retry_base": (float, AlertOptions.retry_base), "retry_max": (float, AlertOptions.retry_max),
        "lease": (float, AlertOptions.lease),
        "uncertain_retry": (float, AlertOptions.uncertain_retry), "template_dir": (str, ""),
        "incident_window": (object, AlertOptions.incident_window),
        "attach_report": (bool, AlertOptions.attach_report),
    }  # fmt: skip
    values = _take(ctx, table, "alerts", spec)
    if values["language"] not in render.LANGUAGES:
        raise ctx.error("alerts.language", f"expected one of {', '.join(render.LANGUAGES)}")
    ops = (
        _strings(ctx, "alerts.ops_channels", values["ops_channels"])
        if values["ops_channels"]
        else ()
    )
    defined = _channels(ctx)
    known = _known_names(defined)
    for name in ops:
        if name not in known:
            raise ctx.error(
                "alerts.ops_channels", f"unknown channel {name!r}; defined: {_fmt(known)}"
            )
    ops = expand_names(defined, ops)
    check_range(ctx, "alerts.max_per_message", values["max_per_message"], 1, 10_000)
    for key, high in (("retry_base", 86400), ("retry_max", 7 * 86400), ("lease", 86400),
                      ("uncertain_retry", 7 * 86400)):  # fmt: skip
        check_range(ctx, f"alerts.{key}", values[key], 0, high, low_open=True)
    if values["retry_max"] < values["retry_base"]:
        raise ctx.error("alerts.retry_max", "expected at least alerts.retry_base")
    window = parse_duration(values["incident_window"])
    if window is None:
        raise ctx.error(
            "alerts.incident_window",
            f'expected a duration like "2m" or 0, got {values["incident_window"]!r}',
        )
    return AlertOptions(
        language=values["language"], ops_channels=ops, max_per_message=values["max_per_message"],
        retry_base=values["retry_base"], retry_max=values["retry_max"], lease=values["lease"],
        uncertain_retry=values["uncertain_retry"], templates=_templates(ctx, templates),
        template_dir=_template_dir(ctx, values["template_dir"]), incident_window=window,
        attach_report=values["attach_report"],
    )  # fmt: skip


def _template_dir(ctx: KeyContext, value: str) -> str:
    """The Jinja2 template folder, relative to the config file; every template must compile."""
    if not value:
        return ""
    from pathlib import Path

    from alerts.message import check_template_dir

    base = Path(ctx.path).resolve().parent if ctx.path != "<config>" else Path.cwd()
    folder = str((base / os.path.expanduser(value)).resolve())
    problem = check_template_dir(folder)
    if problem:
        raise ctx.error("alerts.template_dir", problem)
    return folder


def _templates(ctx: KeyContext, value: Any) -> dict[str, dict[str, str]]:
    if not isinstance(value, dict):
        raise ctx.error(
            "alerts.templates", "expected tables [alerts.templates.zh] / [alerts.templates.en]"
        )
    out: dict[str, dict[str, str]] = {}
    for lang, table in value.items():
        if lang not in ("zh", "en") or not isinstance(table, dict):
            raise ctx.error(f"alerts.templates.{lang}", "expected a table named zh or en")
        for name, template in table.items():
            key = f"alerts.templates.{lang}.{name}"
            if not isinstance(template, str):
                raise ctx.error(key, "expected a string")
            problem = render.check_template(name, template)
            if problem:
                raise ctx.error(key, problem)
        out[lang] = dict(table)
    return out


# ---------------------------------------------------------------- [daemon]


def parse_daemon(value: Any, ctx: KeyContext) -> DaemonOptions:
    if not isinstance(value or {}, dict):
        raise ctx.error("daemon", "expected a table [daemon]")
    d = DaemonOptions()
    spec = {
        "crawl_timeout": (float, d.crawl_timeout), "min_interval": (float, d.min_interval),
        "deliver_interval": (float, d.deliver_interval), "health_interval": (float, d.health_interval),
        "stop_timeout": (float, d.stop_timeout), "workers": (int, d.workers),
        "run_on_start": (bool, d.run_on_start), "lock_file": (str, d.lock_file),
        "log_dir": (str, d.log_dir),
    }  # fmt: skip
    values = _take(ctx, value or {}, "daemon", spec)
    for key in ("deliver_interval", "health_interval", "stop_timeout"):
        check_range(ctx, f"daemon.{key}", values[key], 0, 86400, low_open=True)
    check_range(ctx, "daemon.crawl_timeout", values["crawl_timeout"], 0, 7 * 86400)  # 0: default
    check_range(ctx, "daemon.min_interval", values["min_interval"], 0, 86400)
    check_range(ctx, "daemon.workers", values["workers"], 1, 64)
    return DaemonOptions(**values)


# ---------------------------------------------------------------- [[watch]]

_RULE_LISTS = ("sectors", "companies", "brokers", "regulators", "sources", "events", "channels",
               "tags")  # fmt: skip


def parse_watch(value: Any, ctx: KeyContext) -> tuple[Rule, ...]:
    tables = _list_of_tables(ctx, "watch", value)
    if not tables:
        return ()
    raw = _toml(ctx.text)
    defined = _channels(ctx)
    channels = _known_names(defined)
    sector_names = set(parse_sectors(raw.get("sectors"), ctx).sectors)
    rules: list[Rule] = []
    for i, table in enumerate(tables):
        prefix = f"watch[{i}]"
        name = table.get("name", f"watch[{i}]")
        if not isinstance(name, str) or not name.strip():
            raise ctx.error(f"{prefix}.name", "expected a non-empty string")
        label = f"rule {name!r}: "
        allowed = (*_RULE_LISTS, "name", "digest", "max_per_message", "fields")
        for key in table:
            if key not in allowed:
                raise ctx.error(
                    f"{prefix}.{key}", f"{label}unknown key; allowed here: {', '.join(allowed)}"
                )
        lists = {
            k: _strings(ctx, f"{prefix}.{k}", table[k]) if k in table else () for k in _RULE_LISTS
        }
        if not lists["channels"] and not lists["tags"]:
            raise ctx.error(
                f"{prefix}.channels",
                f'{label}expected the channels to notify, e.g. channels = ["mail"] (or tags = [...])',
            )
        all_tags = {t for c in defined.values() for t in c.tags}
        for tag in lists["tags"]:
            if tag not in all_tags:
                raise ctx.error(
                    f"{prefix}.tags",
                    f"{label}no channel carries tag {tag!r}; tags: {_fmt(all_tags)}",
                )
        for key, known in (
            ("channels", channels),
            ("sectors", sector_names),
            ("sources", set(SOURCES)),
        ):
            for item in lists[key]:
                if item not in known:
                    raise ctx.error(
                        f"{prefix}.{key}",
                        f"{label}unknown {key[:-1]} {item!r}; known: {_fmt(known)}",
                    )
        events = None
        if "events" in table:
            events, unknown = resolve_events(lists["events"])
            if unknown:
                raise ctx.error(
                    f"{prefix}.events",
                    f"{label}unknown event {unknown[0]!r}; known: {', '.join(EVENT_NAMES)}",
                )
        fields = _change_fields(ctx, prefix, label, table, events)
        digest = parse_duration(table.get("digest", 0))
        if digest is None:
            raise ctx.error(
                f"{prefix}.digest",
                f'{label}expected a duration like "30m", "2h" or 0, got {table["digest"]!r}',
            )
        cap = table.get("max_per_message")
        if cap is not None and (not isinstance(cap, int) or isinstance(cap, bool) or cap < 1):
            raise ctx.error(f"{prefix}.max_per_message", f"{label}expected an integer >= 1")
        if any(r.name == name for r in rules):
            raise ctx.error(f"{prefix}.name", f"rule name {name!r} is used twice")
        rules.append(Rule(
            name=name, channels=_targets(defined, lists["channels"], lists["tags"]), sectors=lists["sectors"],
            companies=lists["companies"], brokers=lists["brokers"], regulators=lists["regulators"],
            sources=lists["sources"], events=events, digest=digest, max_per_message=cap,
            fields=fields,
        ))  # fmt: skip
    return tuple(rules)


def _change_fields(ctx: KeyContext, prefix: str, label: str, table: dict, events) -> tuple:
    """`fields = [...]` (issue 14): which changed fields a rule with events = ["change"] wants."""
    from scraper.core.changes import FIELDS

    if "fields" not in table:
        return ()
    fields = _strings(ctx, f"{prefix}.fields", table["fields"])
    for item in fields:
        if item not in FIELDS:
            raise ctx.error(f"{prefix}.fields",
                            f"{label}unknown field {item!r}; known: {', '.join(FIELDS)}")  # fmt: skip
    if events is None or "change" not in events:
        raise ctx.error(f"{prefix}.fields",
                        f'{label}fields only apply to change events; add events = ["change"]')  # fmt: skip
    return fields


def _channels(ctx: KeyContext) -> dict[str, Channel]:
    return parse_channels(_toml(ctx.text).get("channels"), ctx)


def _targets(
    defined: dict[str, Channel], names: tuple[str, ...], tags: tuple[str, ...]
) -> tuple[str, ...]:
    """A rule's channels: those named (a config file's name: all its URLs) plus those carrying a tag."""
    tagged = [c.name for c in defined.values() if set(c.tags) & set(tags)]
    return tuple(dict.fromkeys([*expand_names(defined, names), *tagged]))


def _fmt(names) -> str:
    return ", ".join(sorted(names)) or "(none)"


# ---------------------------------------------------------------- [clocks] (issue 14)


def parse_clocks(value: Any, ctx: KeyContext):
    """[clocks]: hk_lapse_reminder_days (days before an HKEX lapse to remind), grace_days."""
    from scraper.core.clocks import Options

    if not isinstance(value or {}, dict):
        raise ctx.error("clocks", "expected a table [clocks]")
    d = Options()
    spec = {"hk_lapse_reminder_days": (int, d.hk_lapse_reminder_days),
            "grace_days": (int, d.grace_days)}  # fmt: skip
    values = _take(ctx, value or {}, "clocks", spec)
    for key, n in values.items():
        if n < 0:
            raise ctx.error(f"clocks.{key}", "expected a number of days >= 0")
    return Options(**values)


def clock_options(cfg: Config | None):
    from scraper.core.clocks import Options

    return (cfg.sections.get("clocks") if cfg is not None else None) or Options()


register_section("clocks", parse_clocks)
register_section("sectors", parse_sectors)
register_section("channels", parse_channels)
register_section("alerts", parse_alerts)
register_section("daemon", parse_daemon)
register_section("watch", parse_watch)


# ---------------------------------------------------------------- access


@functools.lru_cache(maxsize=1)
def _defaults() -> AlertSettings:
    return AlertSettings(sectors.default_taxonomy(), (), {}, AlertOptions(), DaemonOptions())


def settings(cfg: Config | None) -> AlertSettings:
    """The alert layer's view of a loaded config (defaults without one: shipped sectors, no rules)."""
    if cfg is None:
        return _defaults()
    s = cfg.sections
    d = _defaults()
    return AlertSettings(
        taxonomy=s.get("sectors") or d.taxonomy, rules=s.get("watch") or (),
        channels=s.get("channels") or {}, options=s.get("alerts") or d.options,
        daemon=s.get("daemon") or d.daemon,
    )  # fmt: skip
