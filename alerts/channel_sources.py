"""Where channel URLs come from besides `url = "..."`: the environment and apprise config files.

- `${VAR}` / `$VAR` in a URL are read from the environment when sending (a whole URL may be one
  variable: `url = "${FW_MAIL_URL}"`); `$$` is a literal `$` (a password like `pa$$word` is
  written `pa$$$$word`); percent-encoding (`%24`) works too, since apprise unquotes passwords.
- An apprise config file (TEXT `tag1,tag2=url` lines or YAML `urls:` with `tag:`), as apprise
  users already keep one, is read with apprise's own parser; each URL becomes a channel
  `<name>/<n>` carrying its tags, so rules can target the file, one entry or a tag.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

_VAR = re.compile(r"\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)")
WHOLE_VAR = re.compile(r"^\$\{[A-Za-z_][A-Za-z0-9_]*\}$|^\$[A-Za-z_][A-Za-z0-9_]*$")


def expand(text: str, env: dict[str, str] | None = None) -> tuple[str, list[str]]:
    """(text with variables replaced, names of unset variables); `$$` -> `$`."""
    env = os.environ if env is None else env
    missing: list[str] = []

    def sub(m: re.Match) -> str:
        if m.group(0) == "$$":
            return "$"
        name = m.group(1) or m.group(2)
        if name in env:
            return env[name]
        missing.append(name)
        return m.group(0)

    return _VAR.sub(sub, text), missing


@dataclass(frozen=True)
class FileEntry:
    url: str
    tags: tuple[str, ...]


def read_apprise_config(path: Path) -> list[FileEntry]:
    """The URLs and tags of an apprise TEXT or YAML config file; ValueError with a clear reason."""
    if not path.is_file():
        raise ValueError(f"apprise config file {str(path)!r} does not exist")
    text = path.read_text(encoding="utf-8")
    from apprise.config.base import ConfigBase  # late: apprise is heavy to import

    fmt = ConfigBase.detect_config_format(text)
    if fmt is None:
        raise ValueError(f"{path}: not an apprise TEXT or YAML config")
    is_yaml = str(getattr(fmt, "value", fmt)).lower() == "yaml"
    parse = ConfigBase.config_parse_yaml if is_yaml else ConfigBase.config_parse_text
    servers, _includes = parse(text)
    if not servers:
        raise ValueError(f"{path}: no usable apprise URL in the file (apprise's log says why)")
    return [FileEntry(s.url(privacy=False), tuple(sorted(str(t) for t in s.tags))) for s in servers]
