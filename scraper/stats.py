"""Stage statistics: days in each step per company (the stage_days / hk_stage_days views) and
their medians and percentiles per board, sponsor and sector.

A-share steps: tutoring (CSRC filing) -> accepted -> committee passed -> registered -> listed;
HKEX: Application Proof -> PHIP -> listed. A step a project has not reached is left out of that
step's figures (never counted as zero).
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable
from datetime import date

from scraper.db import stats as stats_repo

A_STEPS = ("tutoring_days", "review_days", "registration_days", "listing_days", "total_days")
HK_STEPS = ("ap_phip_days", "phip_listing_days", "total_days")
GROUPINGS = ("board", "sponsor", "sector")


def percentile(values: list[int], q: float) -> float:
    """Linear interpolation between closest ranks (the spreadsheet PERCENTILE.INC)."""
    if not values:
        raise ValueError("no values")
    pos = (len(values) - 1) * q
    low = int(pos)
    high = min(low + 1, len(values) - 1)
    return values[low] + (values[high] - values[low]) * (pos - low)


def _days(a: int | None, b: int | None) -> int | None:
    return b - a if a is not None and b is not None else None


_STEP_COLS = ("tutoring", "accepted", "committee", "registered", "listed")


def _facts(conn, sector: str, board: str, since: str):
    """Per project: (row fields, the five step dates, their five day counts), filtered."""
    steps = stats_repo.first_steps(conn)
    accepted_on, committee_on = steps["accepted"], steps["committee"]
    registered_on, listed_on = steps["registered"], steps["listed"]
    tutoring = stats_repo.tutoring_starts(conn)
    listed = stats_repo.listed_dates(conn)
    found = stats_repo.sectors(conn)
    ords: dict[str | None, int | None] = {None: None}

    def ordinal(day):
        if day not in ords:
            ords[day] = date.fromisoformat(day[:10]).toordinal()
        return ords[day]

    for (
        pid,
        cid,
        p_board,
        sponsor,
        accepted_date,
        source,
        native_id,
        company,
    ) in stats_repo.projects(conn, board=board):
        sec = found.get(cid)
        if sector and f'"{sector}"' not in (sec or ""):
            continue
        accepted = accepted_on.get(pid) or accepted_date
        if since and (accepted or "") < since:
            continue
        dates = (tutoring.get(cid), accepted, committee_on.get(pid), registered_on.get(pid),
                 listed_on.get(pid) or listed.get(cid))  # fmt: skip
        t, a, c, r, lst = map(ordinal, dates)
        days = (_days(t, a), _days(a, c), _days(c, r), _days(r, lst), _days(a, lst))
        yield (source, native_id, cid, company, p_board, sponsor, sec), dates, days


def _days(a: int | None, b: int | None) -> int | None:
    return b - a if a is not None and b is not None else None


def project_rows(conn, *, sector: str = "", board: str = "", since: str = "") -> list[dict]:
    """One row per A-share project: the first date of each step and the days between (the
    stage_days view's columns), filtered by sector, board and acceptance date."""
    head = ("source", "native_id", "company_id", "company", "board", "sponsor", "sectors")
    return [{**dict(zip(head, fields, strict=True)), **dict(zip(_STEP_COLS, dates, strict=True)),
             **dict(zip(A_STEPS, days, strict=True))}
            for fields, dates, days in _facts(conn, sector, board, since)]  # fmt: skip


def hk_rows(conn, *, sector: str = "", board: str = "", since: str = "") -> list[dict]:
    where, params = [], []
    if sector:
        where.append("sectors LIKE ?")
        params.append(f'%"{sector}"%')
    if board:
        where.append("board = ?")
        params.append(board)
    if since:
        where.append("ap >= ?")
        params.append(since)
    sql = f"SELECT * FROM hk_stage_days{' WHERE ' + ' AND '.join(where) if where else ''}"
    cur = conn.execute(sql, params)
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, r, strict=True)) for r in cur]


_SECTORS: dict[str | None, list[str]] = {}


def _sector_list(text: str | None) -> list[str]:
    if text not in _SECTORS:
        _SECTORS[text] = (json.loads(text) if text else []) or ["(none)"]
    return _SECTORS[text]


def summarize(items: Iterable[tuple[dict, list[tuple[str, int]]]], groupings: Iterable[str],
              market: str) -> list[dict]:  # fmt: skip
    """items: (group fields board/sponsor/sectors, [(step, days)]) -> one row per grouping,
    group and step: n, median, p25, p75, p90 (days)."""
    values: dict[tuple[str, str, str], list[int]] = defaultdict(list)
    groupings = [g for g in groupings if not (g == "sponsor" and market == "hkex")]
    for fields, pairs in items:
        if not pairs:
            continue
        for by in groupings:
            keys = _sector_list(fields["sectors"]) if by == "sector" else [fields[by] or "(none)"]
            for key in keys:
                for step, v in pairs:
                    values[(by, key, step)].append(v)
    out = []
    for (by, key, step), vals in sorted(values.items()):
        vals.sort()
        out.append({"market": market, "by": by, "group": key, "step": step, "n": len(vals),
                    "median": percentile(vals, 0.5), "p25": percentile(vals, 0.25),
                    "p75": percentile(vals, 0.75), "p90": percentile(vals, 0.9)})  # fmt: skip
    return out


def stats(conn, *, sector: str = "", board: str = "", since: str = "",
          groupings: Iterable[str] = GROUPINGS) -> list[dict]:  # fmt: skip
    groupings = list(groupings)
    a_items = (
        ({"board": f[4], "sponsor": f[5], "sectors": f[6]},
         [(s, d) for s, d in zip(A_STEPS, days, strict=True) if d is not None and d >= 0])
        for f, _dates, days in _facts(conn, sector, board, since)
    )  # fmt: skip
    hk_items = (
        (row, [(s, row[s]) for s in HK_STEPS if row.get(s) is not None and row[s] >= 0])
        for row in hk_rows(conn, sector=sector, board=board, since=since)
    )
    return summarize(a_items, groupings, "a_share") + summarize(hk_items, groupings, "hkex")
