"""What `filingwatch serve` puts in front of Datasette: the shipped metadata (filled with the
stage order and the home page's links), and the feed and report pages its plugin serves.

The metadata lives in filingwatch/datasette.json (package data, read via importlib.resources);
the plugin (filingwatch/datasette_plugins/) only routes requests to the functions here.
"""

from __future__ import annotations

import html
import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from alerts import feeds
from alerts.sectors import default_taxonomy
from scraper import report, resources
from scraper.core import stages as st

FEED_FORMATS = ("atom", "json")


def _stage_list(stages: list[str]) -> str:
    return ", ".join(f"'{s}'" for s in stages)


# Hong Kong stages sit after LISTED in core.stages.ORDER; for "furthest first" they rank with
# their mainland counterparts.
_HK_LIKE = {
    st.HK_APPLICATION_FILED: st.ACCEPTED, st.HK_PHIP: st.COMMITTEE_PASSED,
    st.PROSPECTUS_PUBLISHED: st.REGISTERED, st.ALLOTMENT_RESULTS: st.ISSUED,
    st.HK_LAPSED: st.TERMINATED, st.HK_RETURNED: st.TERMINATED,
    st.SUPPLEMENTARY_REVIEW: st.SUBMITTED_FOR_REGISTRATION,
}  # fmt: skip


def stage_rank() -> dict[str, int]:
    return {
        s: st.ORDER[_HK_LIKE.get(s, s)] for s in st.ALL_STAGES if _HK_LIKE.get(s, s) in st.ORDER
    }


def metadata(db_name: str, rules: list[str], sectors: list[str] | None = None) -> dict[str, Any]:
    """The shipped metadata for a database called `db_name`, with the home page's links."""
    text = resources.read_text("filingwatch", "datasette.json")
    rank = (
        "CASE p.stage "
        + " ".join(f"WHEN '{s}' THEN {i}" for s, i in st.ORDER.items())
        + " ELSE -1 END"
    )
    review = [
        s
        for s in st.ALL_STAGES
        if st.ORDER[st.ACCEPTED] <= st.ORDER.get(s, -1) < st.ORDER[st.LISTED]
    ]
    meta = json.loads(
        text.replace("{STAGE_RANK}", rank)
        .replace("{TUTORING_STAGES}", _stage_list([st.TUTORING, st.TUTORING_DONE]))
        .replace("{REVIEW_STAGES}", _stage_list(review))
    )  # fmt: skip
    meta["databases"] = {db_name: meta["databases"]["filingwatch"]}
    taxonomy = default_taxonomy()
    sectors = sectors or list(taxonomy.sectors)
    reports = " · ".join(
        f'<a href="/-/report/{html.escape(s)}.html">{html.escape(taxonomy.label(s, "en"))}</a>'
        for s in sectors
    )
    rule_links = " · ".join(
        f'{html.escape(r)} (<a href="/-/feeds/rule/{html.escape(r)}.atom">Atom</a>,'
        f' <a href="/-/feeds/rule/{html.escape(r)}.json">JSON</a>)'
        for r in rules
    )
    meta["description_html"] = (
        "<p>China's IPO pipeline at its source. Start with "
        f'<a href="/{db_name}/pipeline">the pipeline of watched sectors</a> or '
        f'<a href="/{db_name}/filings_brief">the latest filings</a>.</p>'
        f"<p><strong>Pipeline charts:</strong> {reports}</p>"
        '<p><strong>Feeds:</strong> everything (<a href="/-/feeds/all.atom">Atom</a>, '
        '<a href="/-/feeds/all.json">JSON Feed</a>)'
        + (f"; per rule: {rule_links}" if rule_links else "")
        + "; per company: /-/feeds/company/&lt;id&gt;.atom</p>"
    )
    return meta


def write_metadata(path: Path, db_name: str, rules: list[str]) -> Path:
    path.write_text(json.dumps(metadata(db_name, rules), ensure_ascii=False, indent=2), "utf-8")
    return path


def feed_body(conn, path: str, fmt: str, base_url: str) -> bytes:
    """`all`, `rule/<name>` or `company/<id>` -> the feed; KeyError if there is no such feed."""
    if fmt not in FEED_FORMATS:
        raise KeyError(fmt)
    db = SimpleNamespace(conn=conn)
    scope, _, key = path.partition("/")
    if scope == "all" and not key:
        feed = feeds.build(db, "all", None, base_url, fmt)
    elif scope == "rule" and key:
        feed = feeds.build(db, "rule", key, base_url, fmt)
    elif scope == "company" and key.isdigit():
        feed = feeds.build(db, "company", key, base_url, fmt)
    else:
        raise KeyError(path)
    return feeds.render(feed, fmt)


def report_html(conn, sector: str) -> str:
    taxonomy = default_taxonomy()
    if sector not in taxonomy.sectors:
        raise KeyError(sector)
    return report.render_html(
        report.pipeline_rows(conn, sector), sector, taxonomy.label(sector, "en")
    )


def plugins_dir() -> Path:
    """The folder Datasette loads the filingwatch plugin from (a real folder in any install)."""
    root = resources.files_path("filingwatch") / "datasette_plugins"
    if not root.is_dir():
        raise resources.DataMissing(f"{root} is missing from this install")
    return root
