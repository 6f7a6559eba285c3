"""The broken-page store stays bounded (scraper/broken_store.py): cap per file and per source,
one copy per content, oldest pruned."""

import json

import pytest

from scraper.broken_store import MB, BrokenStore

pytestmark = pytest.mark.slow


def test_a_50_mb_broken_page_saved_three_times_stays_under_the_caps(tmp_path):
    store = BrokenStore(tmp_path, max_file=5 * MB, max_source=12 * MB)
    page = b"<html>" + b"\xe7\xb3\xbb" * (50 * MB // 3)  # 50 MB
    paths = {store.save("csrcfd", "http://x/index.html", page, "parse_error") for _ in range(3)}
    (path,) = paths  # one copy: the same content is not stored again
    info = json.loads(path.with_suffix(".json").read_text("utf-8"))
    assert info["seen"] == 3 and info["truncated"] and info["size"] == len(page)
    assert path.stat().st_size == 5 * MB
    assert store.size("csrcfd") < 5 * MB + 4096
    # three different 50 MB pages: the oldest go, the folder stays under its cap
    for n in range(3):
        newest = store.save("csrcfd", f"http://x/{n}", bytes([n]) * 50 * MB, "parse_error")
    assert store.size("csrcfd") <= 12 * MB and newest.exists() and not path.exists()
    assert store.size("sse") == 0  # per source


def test_crawling_a_huge_broken_page_three_times_keeps_one_capped_copy(replay, make_config, cli):
    cfg = make_config(replay.base_url)
    text = cfg.read_text("utf-8").replace("timeout = 5\n", "timeout = 5\nbroken_max_file_mb = 1\n"
                                          "broken_max_source_mb = 2\n")  # fmt: skip
    cfg.write_text(text, "utf-8")
    replay.add_fault("html_error", site="csrcfd", path=r"index\.html", size=3 * MB)
    for _ in range(3):
        run = cli("crawl", "csrcfd", "--config", str(cfg))
        assert run.returncode == 1  # the page is broken: an unhealthy run
    folder = cfg.parent / "broken" / "csrcfd"
    bodies = list(folder.glob("*.body"))
    assert len(bodies) == 1 and bodies[0].stat().st_size == 1 * MB
    assert json.loads(bodies[0].with_suffix(".json").read_text("utf-8"))["seen"] == 3
    assert sum(p.stat().st_size for p in folder.iterdir()) <= 2 * MB
