"""A sector's pipeline as one static page: a row per company, coloured by stage over time (SVG).

`filingwatch report --sector chips --out report.html` writes it for static hosting;
`filingwatch serve` serves the same page at /-/report/<sector>.html, linked from its home page.
Hand-written SVG: no chart library, no JavaScript, opens anywhere (and in a mail attachment).
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import date, timedelta

from scraper.core import stages as st
from scraper.core.timeutil import today_shanghai

# Stage -> colour by phase: tutoring (blues), exchange review (ambers), registration and issue
# (greens), listed (dark green), stopped (greys), Hong Kong (purples).
PHASE_COLOURS = {
    st.TUTORING: "#9ecae1", st.TUTORING_DONE: "#4292c6",
    st.ACCEPTED: "#fdd49e", st.INQUIRED: "#fdbb84", st.COMMITTEE_PASSED: "#fc8d59",
    st.COMMITTEE_DEFERRED: "#fee8c8", st.SUPPLEMENTARY_REVIEW: "#fee8c8",
    st.SUBMITTED_FOR_REGISTRATION: "#a1d99b", st.REGISTERED: "#41ab5d", st.ISSUED: "#238b45",
    st.LISTED: "#00441b",
    st.WITHDRAWN: "#bdbdbd", st.TERMINATED: "#969696", st.SUSPENDED: "#d9d9d9",
    st.COMMITTEE_FAILED: "#737373", st.REGISTRATION_REFUSED: "#737373",
    st.REGISTRATION_TERMINATED: "#969696",
    st.HK_APPLICATION_FILED: "#dadaeb", st.HK_PHIP: "#9e9ac8", st.HK_LAPSED: "#bdbdbd",
    st.HK_RETURNED: "#bdbdbd", st.PROSPECTUS_PUBLISHED: "#807dba", st.ALLOTMENT_RESULTS: "#54278f",
}  # fmt: skip
FALLBACK_COLOUR = "#cccccc"


@dataclass
class Row:
    company_id: int
    name: str
    name_en: str
    steps: list[tuple[date, str]]  # (first date seen in the stage, stage), in date order


def pipeline_rows(conn, sector: str) -> list[Row]:
    """Companies in the sector with their dated stages (the first date each stage was seen)."""
    companies = conn.execute(
        "SELECT id, name, coalesce(name_en, '') FROM companies WHERE EXISTS"
        " (SELECT 1 FROM json_each(companies.sectors) WHERE value = ?) ORDER BY id",
        [sector],
    ).fetchall()
    rows = []
    for cid, name, name_en in companies:
        found = conn.execute(
            "SELECT stage, min(event_date) FROM events WHERE company_id = ? AND stage IS NOT NULL"
            " AND event_date IS NOT NULL GROUP BY stage",
            [cid],
        ).fetchall()
        steps = sorted(
            (date.fromisoformat(d[:10]), s) for s, d in found if _is_date(d)
        )  # by date, then stage name
        if steps:
            rows.append(Row(cid, name, name_en, steps))
    rows.sort(key=lambda r: (r.steps[0][0], r.name))
    return rows


def _is_date(text: str | None) -> bool:
    try:
        date.fromisoformat((text or "")[:10])
        return True
    except ValueError:
        return False


def render_svg(rows: list[Row], today: date | None = None) -> str:
    today = today or today_shanghai()
    if not rows:
        return '<svg xmlns="http://www.w3.org/2000/svg" width="600" height="40"><text x="10" y="25">no dated stages yet</text></svg>'
    label_w, row_h, chart_w, top = 300, 22, 760, 30
    start = min(r.steps[0][0] for r in rows) - timedelta(days=7)
    span = max((today - start).days + 5, 1)  # room for a company that moved today

    def x(d: date) -> float:
        return label_w + chart_w * (d - start).days / span

    height = top + row_h * len(rows) + 10
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{label_w + chart_w + 20}" height="{height}"'
        ' font-family="sans-serif" font-size="12" role="img">'
    ]
    # month ticks
    tick = date(start.year, start.month, 1)
    while tick <= today:
        if tick >= start:
            out.append(
                f'<line x1="{x(tick):.1f}" y1="{top - 5}" x2="{x(tick):.1f}" y2="{height - 10}" stroke="#eee"/>'
            )
            out.append(
                f'<text x="{x(tick) + 2:.1f}" y="{top - 10}" fill="#666">{tick:%Y-%m}</text>'
            )
        tick = date(tick.year + tick.month // 12, tick.month % 12 + 1, 1)
    for i, row in enumerate(rows):
        y = top + i * row_h
        label = row.name + (f" ({row.name_en})" if row.name_en else "")
        out.append(
            f'<text x="4" y="{y + 15}"><title>{html.escape(label)}</title>{html.escape(label[:24])}</text>'
        )
        for j, (day, stage) in enumerate(row.steps):
            end = row.steps[j + 1][0] if j + 1 < len(row.steps) else today
            width = max(x(end) - x(day), 3)
            colour = PHASE_COLOURS.get(stage, FALLBACK_COLOUR)
            tip = f"{st.LABELS_ZH.get(stage, stage)} {stage} {day}"
            out.append(
                f'<rect class="stage {html.escape(stage)}" x="{x(day):.1f}" y="{y + 3}" width="{width:.1f}"'
                f' height="{row_h - 6}" fill="{colour}"><title>{html.escape(tip)}</title></rect>'
            )
    out.append("</svg>")
    return "\n".join(out)


def render_html(rows: list[Row], sector: str, label: str = "", today: date | None = None) -> str:
    today = today or today_shanghai()
    used = list(dict.fromkeys(s for r in rows for _d, s in r.steps))
    legend = "".join(
        f'<span class="key"><i style="background:{PHASE_COLOURS.get(s, FALLBACK_COLOUR)}"></i>'
        f"{html.escape(st.LABELS_ZH.get(s, s))} ({html.escape(s)})</span>"
        for s in sorted(used, key=lambda s: st.ORDER.get(s, 99))
    )
    title = f"Pipeline: {label or sector}"
    return f"""<!doctype html>
<html lang="zh"><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{{font-family:sans-serif;margin:1.5em}} .key{{margin-right:1em;white-space:nowrap}}
.key i{{display:inline-block;width:12px;height:12px;margin-right:4px;vertical-align:middle}}
.chart{{overflow-x:auto}}</style></head>
<body><h1>{html.escape(title)}</h1>
<p>{len(rows)} companies in sector <code>{html.escape(sector)}</code>, one row each from their first
dated stage to today ({today}); colour = stage, hover for dates. Generated by filingwatch.</p>
<p class="legend">{legend}</p>
<div class="chart">{render_svg(rows, today)}</div>
</body></html>
"""
