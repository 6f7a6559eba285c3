"""config.toml -> frozen dataclasses; every error names the file, the key, its line and what was expected."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scraper.sources import SOURCES

DEFAULT_USER_AGENT = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Chrome/126.0 Safari/537.36"
)


class ConfigError(ValueError):
    """A config problem a user can fix: which file, which key, which line, what was expected."""

    def __init__(self, path: str, key: str, expected: str, line: int | None = None):
        self.path, self.key, self.expected, self.line = path, key, expected, line
        where = f"{path}:{line}" if line else path
        super().__init__(f"{where}: key '{key}': {expected}")


@dataclass(frozen=True)
class CrawlConfig:
    download_delay: float = 2.0
    timeout: float = 20.0
    retries: int = 3
    backoff_base: float = 2.0
    backoff_max: float = 60.0
    user_agent: str = DEFAULT_USER_AGENT
    run_timeout: float = 900.0
    # issue 15: report PDFs of new rows fetched and read in the crawl, and their size cap
    documents: bool = True
    documents_max_mb: float = 30.0
    documents_ocr: bool = False  # optional extra: Tesseract chi_sim reads scans (scraper/ocr.py)
    broken_max_file_mb: float = 5.0  # the most of one failed page kept in data/broken
    broken_max_source_mb: float = 50.0  # data/broken/<source> is pruned (oldest first) to this


@dataclass(frozen=True)
class SourceConfig:
    slug: str
    enabled: bool
    base_url: str
    fallback_base_url: str
    schedule: str
    jitter: int
    unhealthy_after_hours: float
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Config:
    path: str
    db_path: Path
    data_dir: Path
    timezone: str
    crawl: CrawlConfig
    sources: dict[str, SourceConfig]
    raw: dict[str, Any]
    sections: dict[str, Any]

    def source(self, slug: str) -> SourceConfig:
        if slug not in self.sources:
            known = ", ".join(sorted(self.sources))
            raise ConfigError(self.path, f"sources.{slug}", f"unknown source; known: {known}")
        return self.sources[slug]

    @property
    def broken_dir(self) -> Path:
        return self.data_dir / "broken"


@dataclass
class KeyContext:
    """Handed to section parsers so their errors point at the right line."""

    path: str
    text: str

    def error(self, key: str, expected: str) -> ConfigError:
        return ConfigError(self.path, key, expected, line_of(self.text, key))


# Top-level sections owned by other modules (alerts, daemon...): name -> parser(value, ctx).
SECTION_PARSERS: dict[str, Callable[[Any, KeyContext], Any]] = {}
# Modules that register section parsers; imported lazily so the config has no import cycle.
SECTION_MODULES = ["alerts.config"]


def register_section(name: str, parser: Callable[[Any, KeyContext], Any]) -> None:
    SECTION_PARSERS[name] = parser


def line_of(text: str, dotted_key: str) -> int | None:
    """Best-effort line number of a dotted key (sources.csrcfd.base_url, watch[1].sectors)."""
    parts = [p for p in re.split(r"\.", re.sub(r"\[(\d+)\]", r".#\1", dotted_key)) if p]
    lines = text.splitlines()
    section: list[str] = []
    occurrence: dict[str, int] = {}
    want_index: dict[str, int] = {}
    names = []
    for part in parts:
        if part.startswith("#"):
            want_index[".".join(names)] = int(part[1:])
        else:
            names.append(part)
    best = None
    for no, raw in enumerate(lines, 1):
        line = raw.strip()
        header = re.match(r"^\[\[?\s*([^\]]+?)\s*\]\]?", line)
        if header:
            section = [s.strip().strip('"') for s in header[1].split(".")]
            sec = ".".join(section)
            occurrence[sec] = occurrence.get(sec, 0) + 1
            if names[: len(section)] == section and (
                sec not in want_index or occurrence[sec] == want_index[sec] + 1
            ):
                best = best or no
                if len(section) == len(names):
                    return no
            continue
        m = re.match(r'^"?([A-Za-z0-9_\-]+)"?\s*=', line)
        if m and section + [m[1]] == names[: len(section) + 1] and len(section) + 1 == len(names):
            sec = ".".join(section)
            if sec not in want_index or occurrence.get(sec, 0) == want_index[sec] + 1:
                return no
    return best


_TYPE_NAMES = {bool: "true or false", int: "an integer", float: "a number", str: "a string"}


def _typed(ctx: KeyContext, key: str, value: Any, kind: type) -> Any:
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if kind is int and isinstance(value, bool) or not isinstance(value, kind):
        raise ctx.error(key, f"expected {_TYPE_NAMES.get(kind, kind.__name__)}, got {value!r}")
    return value


def check_range(
    ctx: KeyContext, key: str, value: float, low: float, high: float, *, low_open: bool = False
) -> float:
    """A finite number in [low, high] (or (low, high] with low_open), else a ConfigError on key."""
    if value is None or value != value or value in (float("inf"), float("-inf")):
        raise ctx.error(key, f"expected a finite number, got {value!r}")
    if value < low or (low_open and value <= low) or value > high:
        lower = f"above {low:g}" if low_open else f"at least {low:g}"
        raise ctx.error(key, f"expected a number {lower} and at most {high:g}, got {value!r}")
    return value


# [crawl] key -> (lowest, highest, lowest excluded): a nonsense value is an error, not a crawl
# killed at once (crawl_timeout = -1) or a tight loop (zero delay and back-off).
CRAWL_RANGES: dict[str, tuple[float, float, bool]] = {
    "download_delay": (0.0, 3600.0, False),
    "timeout": (0.0, 3600.0, True),
    "retries": (0, 100, False),
    "backoff_base": (0.0, 3600.0, True),
    "backoff_max": (0.0, 86400.0, True),
    "run_timeout": (0.0, 7 * 86400.0, True),
    "broken_max_file_mb": (0.0, 10_000.0, True),
    "broken_max_source_mb": (0.0, 100_000.0, True),
}


def _take(ctx: KeyContext, table: dict, prefix: str, spec: dict[str, tuple[type, Any]]) -> dict:
    out = {}
    for key, value in table.items():
        if key not in spec:
            allowed = ", ".join(sorted(spec))
            raise ctx.error(f"{prefix}.{key}", f"unknown key; allowed here: {allowed}")
        out[key] = _typed(ctx, f"{prefix}.{key}", value, spec[key][0])
    return {k: out.get(k, default) for k, (_, default) in spec.items()}


def _check_url(ctx: KeyContext, key: str, url: str) -> str:
    if url and not re.match(r"^https?://[^/\s]+/?$", url):
        raise ctx.error(
            key, f"expected scheme and host only, like http://eid.csrc.gov.cn, got {url!r}"
        )
    return url.rstrip("/")


_SCHEDULE_RE = re.compile(r"^(interval:\d+(\.\d+)?[smhd]|cron:\S+( \S+){4})$")


def parse(text: str, path: str = "<config>") -> Config:
    ctx = KeyContext(path, text)
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(path, "<syntax>", f"not valid TOML: {exc}") from None
    base = Path(path).resolve().parent if path != "<config>" else Path.cwd()

    for module in SECTION_MODULES:
        try:
            __import__(module)
        except ModuleNotFoundError:
            pass

    known_top = {"database", "crawl", "sources"} | set(SECTION_PARSERS)
    for key in raw:
        if key not in known_top:
            raise ctx.error(key, f"unknown section; known: {', '.join(sorted(known_top))}")

    database = _take(
        ctx,
        _table(ctx, raw, "database"),
        "database",
        {
            "path": (str, "data/filingwatch.db"),
            "data_dir": (str, ""),
            "timezone": (str, "Asia/Shanghai"),
        },
    )
    crawl_raw = _take(
        ctx,
        _table(ctx, raw, "crawl"),
        "crawl",
        {
            "download_delay": (float, CrawlConfig.download_delay),
            "timeout": (float, CrawlConfig.timeout),
            "retries": (int, CrawlConfig.retries),
            "backoff_base": (float, CrawlConfig.backoff_base),
            "backoff_max": (float, CrawlConfig.backoff_max),
            "user_agent": (str, CrawlConfig.user_agent),
            "run_timeout": (float, CrawlConfig.run_timeout),
            "documents": (bool, CrawlConfig.documents),  # issue 15
            "documents_max_mb": (float, CrawlConfig.documents_max_mb),
            "documents_ocr": (bool, CrawlConfig.documents_ocr),
            "broken_max_file_mb": (float, CrawlConfig.broken_max_file_mb),
            "broken_max_source_mb": (float, CrawlConfig.broken_max_source_mb),
        },
    )
    for key, (low, high, low_open) in CRAWL_RANGES.items():
        check_range(ctx, f"crawl.{key}", crawl_raw[key], low, high, low_open=low_open)
    if crawl_raw["broken_max_source_mb"] < crawl_raw["broken_max_file_mb"]:
        raise ctx.error("crawl.broken_max_source_mb", "expected at least crawl.broken_max_file_mb")
    if crawl_raw["backoff_max"] < crawl_raw["backoff_base"]:
        raise ctx.error("crawl.backoff_max", "expected at least crawl.backoff_base")
    _check_timezone(ctx, database["timezone"])
    crawl = CrawlConfig(**crawl_raw)

    sources_raw = _table(ctx, raw, "sources")
    sources: dict[str, SourceConfig] = {}
    for slug in sources_raw:
        if slug not in SOURCES:
            raise ctx.error(
                f"sources.{slug}", f"unknown source; known: {', '.join(sorted(SOURCES))}"
            )
    for slug, spec in SOURCES.items():
        table = sources_raw.get(slug, {})
        if not isinstance(table, dict):
            raise ctx.error(f"sources.{slug}", "expected a table")
        keys: dict[str, tuple[type, Any]] = {
            "enabled": (bool, spec.enabled),
            "base_url": (str, spec.base_url),
            "fallback_base_url": (str, spec.fallback_base_url),
            "schedule": (str, "interval:15m"),
            "jitter": (int, 30),
            "unhealthy_after_hours": (float, 6.0),
        }
        keys.update({k: (t, d) for k, (t, d, _h) in spec.extra_keys.items()})
        values = _take(ctx, table, f"sources.{slug}", keys)
        check_range(ctx, f"sources.{slug}.jitter", values["jitter"], 0, 86400)
        check_range(ctx, f"sources.{slug}.unhealthy_after_hours", values["unhealthy_after_hours"],
                    0, 24 * 365, low_open=True)  # fmt: skip
        for key, value in values.items():
            if isinstance(value, int | float) and not isinstance(value, bool):
                check_range(ctx, f"sources.{slug}.{key}", value, 0, 1e9)
        if not _SCHEDULE_RE.match(values["schedule"]):
            raise ctx.error(
                f"sources.{slug}.schedule",
                "expected 'interval:<N><s|m|h|d>' or 'cron:<5 crontab fields>', "
                f"got {values['schedule']!r}",
            )
        base_url = _check_url(ctx, f"sources.{slug}.base_url", values.pop("base_url"))
        fallback = _check_url(
            ctx, f"sources.{slug}.fallback_base_url", values.pop("fallback_base_url")
        )
        sources[slug] = SourceConfig(
            slug=slug,
            enabled=values.pop("enabled"),
            base_url=base_url,
            fallback_base_url=fallback,
            schedule=values.pop("schedule"),
            jitter=values.pop("jitter"),
            unhealthy_after_hours=values.pop("unhealthy_after_hours"),
            extra=values,
        )

    sections = {name: parser(raw.get(name), ctx) for name, parser in SECTION_PARSERS.items()}
    db_path = _resolve(base, database["path"])
    data_dir = _resolve(base, database["data_dir"]) if database["data_dir"] else db_path.parent
    return Config(
        path=path,
        db_path=db_path,
        data_dir=data_dir,
        timezone=database["timezone"],
        crawl=crawl,
        sources=sources,
        raw=raw,
        sections=sections,
    )


def _check_timezone(ctx: KeyContext, name: str) -> None:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        raise ctx.error(
            "database.timezone", f"unknown time zone {name!r}; expected e.g. Asia/Shanghai"
        ) from None


def _table(ctx: KeyContext, raw: dict, name: str) -> dict:
    value = raw.get(name, {})
    if not isinstance(value, dict):
        raise ctx.error(name, "expected a table like [" + name + "]")
    return value


def _resolve(base: Path, value: str) -> Path:
    p = Path(value).expanduser()
    return p if p.is_absolute() else base / p


def load(path: str | Path | None = None) -> Config:
    """Load a config file, or defaults when none is given (the database goes to ./data)."""
    if path is None:
        return parse("", "<defaults>")
    p = Path(path)
    if not p.exists():
        raise ConfigError(str(p), "<file>", "file not found")
    if p.is_dir():
        raise ConfigError(str(p), "<file>", "is a directory, expected a config.toml file")
    try:
        data = p.read_bytes()
    except OSError as exc:
        raise ConfigError(str(p), "<file>", f"cannot read: {exc.strerror or exc}") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ConfigError(
            str(p), "<encoding>", f"not UTF-8 text (byte {exc.start}); save the file as UTF-8", line
        ) from None
    return parse(text, str(p))
