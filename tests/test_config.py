"""Config errors name the file, the key, its line and what was expected."""

from pathlib import Path

import pytest

from scraper import config
from scraper.config import ConfigError

ROOT = Path(__file__).resolve().parents[1]


def parse(text: str):
    return config.parse(text, "cfg.toml")


def test_defaults_without_a_file():
    cfg = config.load(None)
    src = cfg.source("csrcfd")
    assert src.base_url == "http://eid.csrc.gov.cn"
    assert src.fallback_base_url == "https://eid.csrc.gov.cn"
    assert cfg.crawl.timeout == 20.0


def test_example_config_is_valid_and_documents_every_key():
    text = (ROOT / "config.example.toml").read_text(encoding="utf-8")
    cfg = config.parse(text, "config.example.toml")
    assert "csrcfd" in cfg.sources
    for key in (
        "download_delay",
        "timeout",
        "retries",
        "base_url",
        "full_sweep_hours",
        "max_pages",
    ):
        assert f"{key} =" in text


@pytest.mark.parametrize(
    "text, key, line, expected",
    [
        ('[sources.csrcfd]\nbase_url = "ftp://x"\n', "sources.csrcfd.base_url", 2, "scheme and host only"),
        ("[crawl]\n\ntimeout = \"slow\"\n", "crawl.timeout", 3, "expected a number"),
        ("[crawl]\nretries = 1.5\n", "crawl.retries", 2, "expected an integer"),
        ("[sources.csrcfd]\nbase_urll = \"http://x\"\n", "sources.csrcfd.base_urll", 2, "unknown key"),
        ("[sources.nope]\nenabled = true\n", "sources.nope", 1, "unknown source"),
        ("[sources.csrcfd]\nschedule = \"every 5\"\n", "sources.csrcfd.schedule", 2, "interval:"),
        ("[mystery]\nx = 1\n", "mystery", 1, "unknown section"),
    ],
)  # fmt: skip
def test_errors_name_key_line_and_expectation(text, key, line, expected):
    with pytest.raises(ConfigError) as info:
        parse(text)
    err = info.value
    assert err.key == key and err.line == line and expected in str(err)
    assert str(err).startswith(f"cfg.toml:{line}: key '{key}'")


def test_syntax_error_names_file():
    with pytest.raises(ConfigError, match="cfg.toml.*not valid TOML"):
        parse("[crawl\n")


def test_relative_db_path_is_relative_to_the_config_file(tmp_path):
    path = tmp_path / "c.toml"
    path.write_text('[database]\npath = "sub/x.db"\n', encoding="utf-8")
    cfg = config.load(path)
    assert cfg.db_path == tmp_path / "sub" / "x.db"
    assert cfg.broken_dir == tmp_path / "sub" / "broken"


def test_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(ConfigError, match="file not found"):
        config.load(tmp_path / "absent.toml")
