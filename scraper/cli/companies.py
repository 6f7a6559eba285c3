"""`filingwatch company NAME` and `filingwatch companies`: one timeline per company, who is where.

Registered on the root group by scraper/cli/app.py. Reads through a read-only connection; imports
stay light (no Scrapy, no sqlite-utils) so the command answers quickly.
"""

from __future__ import annotations

import json
import sqlite3
import sys

import click

from scraper.cli.options import _emit, load_config


def _options(f):
    f = click.option("--db", "db_path", type=click.Path(dir_okay=False),
                     help="SQLite file; overrides [database] path.")(f)  # fmt: skip
    f = click.option("--config", "config_path", type=click.Path(dir_okay=False),
                     envvar="FILINGWATCH_CONFIG",
                     help="config.toml to use (env FILINGWATCH_CONFIG).")(f)  # fmt: skip
    f = click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]),
                     default="table", show_default=True, help="Output format.")(f)  # fmt: skip
    return f


def _connect(config_path: str | None, db_path: str | None) -> sqlite3.Connection:
    from pathlib import Path

    if db_path:
        path = Path(db_path)
    else:
        path = load_config(config_path, None).db_path
    if not path.exists():
        raise click.ClickException(f"database not found: {path}; run `filingwatch crawl` first")
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)
    conn.execute("PRAGMA busy_timeout = 30000")
    return conn


@click.command()
@click.argument("name")
@click.option("--limit", default=500, show_default=True, help="At most this many timeline rows.")
@_options
def company(name, limit, fmt, config_path, db_path):
    """Print one company's timeline across every source, oldest first.

    NAME is a Chinese or English name, a short name or former name, an alias or a stock code
    (688795, 6082.HK). Other companies the name may mean, and open candidates, are listed too.
    """
    from scraper import companies
    from scraper.db import timeline

    conn = _connect(config_path, db_path)
    try:
        matches = companies.find(conn, name)
        if not matches:
            raise click.ClickException(f"no company matches {name!r}")
        best = matches[0]
        row = conn.execute(
            "SELECT id, name, name_en, stock_code, stage, stage_source, stage_date, sectors"
            " FROM companies WHERE id = ?",
            [best.company_id],
        ).fetchone()
        aliases = [r[0] for r in conn.execute(
            "SELECT DISTINCT alias FROM company_aliases WHERE company_id = ? AND kind IN"
            " ('full', 'en', 'code') AND alias != ? ORDER BY id", [best.company_id, row[1]])]  # fmt: skip
        doubts = [dict(zip(("id", "name", "score", "reason"), r, strict=True)) for r in conn.execute(
            "SELECT c.id, c.name, cc.score, cc.reason FROM company_candidates cc JOIN companies c"
            " ON c.id = CASE WHEN cc.company_id = ? THEN cc.candidate_id ELSE cc.company_id END"
            " WHERE cc.status = 'open' AND ? IN (cc.company_id, cc.candidate_id)",
            [best.company_id, best.company_id])]  # fmt: skip
        entries = timeline.timeline(conn, best.company_id)[:limit]
        facts = _facts(conn, best.company_id)
        due = _clocks_of(conn, best.company_id, config_path)
        meetings, changed = _meetings_and_changes(conn, best.company_id)
    finally:
        conn.close()
    rows = [{"date": e.date, "stage": e.stage or "", "source": e.source, "title": e.title,
             "url": e.url} for e in entries]  # fmt: skip
    others = [m for m in matches[1:] if m.score >= matches[0].score - 10]
    if fmt == "json":
        out = {"company": row[1], "id": row[0], "name_en": row[2], "stock_code": row[3],
               "stage": row[4], "stage_source": row[5], "stage_date": row[6],
               "sectors": json.loads(row[7]) if row[7] else [], "aliases": aliases,
               "candidates": doubts, "other_matches": [m.__dict__ for m in others],
               "timeline": rows, "clocks": due, "committee_meetings": meetings,
               "changes": changed, **facts}  # fmt: skip
        click.echo(json.dumps(out, ensure_ascii=False, indent=2))
        return
    if fmt == "table":
        head = f"{row[1]} (id {row[0]})"
        if row[3]:
            head += f"  stock {row[3]}"
        if row[4]:
            head += f"  stage {row[4]} ({row[5]}, {row[6]})"
        click.echo(head)
        if row[2]:
            click.echo(f"  English: {row[2]}")
        if aliases:
            click.echo(f"  also: {', '.join(aliases[:12])}")
        for d in doubts:
            click.echo(f"  may also be: {d['name']} (id {d['id']}, {d['reason']} {d['score']:.0f})")
        for m in others:
            click.echo(f"  other match: {m.name} (id {m.company_id}, {m.how})")
        if facts:
            from scraper.core.facts import facts_text

            doc = facts["facts_document"]
            click.echo(f"  from its report ({doc['title']}, p. {doc['pages']}):")
            for line in facts_text(facts["facts"], "zh").splitlines():
                click.echo(f"    {line}")
        for c in due:
            click.echo(f"  clock: {c['text']}")
        for m in meetings:
            click.echo(f"  committee: {m['meeting_date'] or '(date in the notice)'} {m['title']}")
        for c in changed:
            click.echo(f"  changed {c['date']}: {c['text']}")
        click.echo("")
    if not rows:
        click.echo("(no timeline rows)", err=True)
        return
    _emit(rows, fmt)


def _clocks_of(conn, company_id: int, config_path: str | None) -> list[dict]:
    """Issue 14: the company's clocks (open and closed) read now, and its committee meetings."""
    from alerts.config import clock_options
    from scraper import clocks as clocks_mod
    from scraper.cli.due import _now, clock_rows

    options = clock_options(load_config(config_path, None)) if config_path else None
    readings = clocks_mod.readings(conn, _now(None), *(options,) if options else (),
                                   company_id=company_id, open_only=False)  # fmt: skip
    return clock_rows(readings)


def _meetings_and_changes(conn, company_id: int) -> tuple[list[dict], list[dict]]:
    """Issue 14: the company's announced committee meetings and its recorded field changes."""
    from scraper.db import committee

    meetings = committee.meetings(conn, [company_id])
    changed = [{"date": d, "field": f, "text": json.loads(t)["text_zh"]} for d, f, t in conn.execute(
        "SELECT event_date, change_field, detail FROM events WHERE company_id = ?"
        " AND kind = 'change' ORDER BY id", [company_id])]  # fmt: skip
    return meetings, changed


@click.command()
@click.option("--sector", default="", help="Only companies classified in this sector (e.g. chips).")
@click.option(
    "--stage", default="", help="Only companies whose current stage is this (e.g. tutoring)."
)
@click.option("--source", default="", help="Only companies this source has stated a stage for.")
@click.option("--candidates", is_flag=True,
              help="List open candidate pairs (names that may be one company) instead.")  # fmt: skip
@click.option(
    "--merge",
    "merge_id",
    type=int,
    default=None,
    metavar="ID",
    help="Fold company ID into the one given by --into (after checking a candidate).",
)
@click.option("--into", "into_id", type=int, default=None, metavar="ID",
              help="The company that --merge keeps.")  # fmt: skip
@click.option("--reclassify", is_flag=True,
              help="Classify every company again (taxonomy/config changed); queues no alerts.")  # fmt: skip
@click.option("--limit", default=100, show_default=True)
@_options
def companies_command(sector, stage, source, candidates, merge_id, into_id, reclassify, limit,
                      fmt, config_path, db_path):  # fmt: skip
    """List companies and where each stands (current stage, its source and date)."""
    if reclassify:
        _reclassify(config_path, db_path)
        return
    if merge_id is not None or into_id is not None:
        _merge(config_path, db_path, merge_id, into_id)
        return
    conn = _connect(config_path, db_path)
    conn.row_factory = sqlite3.Row
    try:
        if candidates:
            from scraper import companies

            _emit(companies.candidates(conn)[:limit], fmt)
            return
        where, params = [], []
        if sector:
            where.append("EXISTS (SELECT 1 FROM json_each(CASE WHEN json_valid(c.sectors)"
                         " THEN c.sectors ELSE '[]' END) j WHERE j.value = ?)")  # fmt: skip
            params.append(sector)
        if stage:
            where.append("c.stage = ?")
            params.append(stage)
        if source:
            where.append("EXISTS (SELECT 1 FROM company_status s WHERE s.company_id = c.id"
                         " AND s.source = ?)")  # fmt: skip
            params.append(source)
        sql = (
            "SELECT c.id, c.name, c.stock_code, c.stage, c.stage_date, c.stage_source, c.sectors"
            f" FROM companies c {'WHERE ' + ' AND '.join(where) if where else ''}"
            " ORDER BY c.stage_date IS NULL, c.stage_date DESC, c.id LIMIT ?"
        )
        try:
            rows = [dict(r) for r in conn.execute(sql, [*params, limit]).fetchall()]
        except sqlite3.Error as exc:
            raise click.ClickException(f"query failed: {exc}") from None
    finally:
        conn.close()
    if not rows:
        click.echo("(no companies)", err=True)
        sys.exit(0)
    _emit(rows, fmt)


def _facts(conn, company_id: int) -> dict:
    """What the company's latest filing report said (payload shape); {} before migration m0650."""
    from scraper.core.facts import facts_payload
    from scraper.db import documents

    try:
        row = conn.execute(
            "SELECT facts_filing_id FROM companies WHERE id = ?", [company_id]
        ).fetchone()
        fid = row[0] if row else None
        if fid is None:
            return {}
        return facts_payload(documents.facts_of_filings(conn, [fid]).get(fid, {}))
    except sqlite3.OperationalError:
        return {}


def _reclassify(config_path, db_path) -> None:
    """Every company classified again with the current taxonomy and its stored facts; sectors
    and reasons rewritten on the company rows; nothing queued (history never alerts)."""
    from alerts.config import settings
    from alerts.outbox import classify_companies
    from scraper.core.timeutil import now_iso
    from scraper.db import connection as dbconn

    cfg = load_config(config_path, db_path)
    if not cfg.db_path.exists():
        raise click.ClickException(f"database not found: {cfg.db_path}")
    taxonomy = settings(cfg).taxonomy
    db = dbconn.open_db(cfg.db_path)
    rows = db.execute("SELECT id, name, sectors FROM companies ORDER BY id").fetchall()
    now, changed = now_iso(), 0
    for i in range(0, len(rows), 500):
        part = rows[i : i + 500]
        with dbconn.transaction(db):
            classes = classify_companies(db, [{"company_id": r[0], "company": r[1]} for r in part],
                                         taxonomy, now)  # fmt: skip
        changed += sum(1 for r in part if json.loads(r[2] or "[]") != classes[r[1]].sectors)
    click.echo(f"reclassified {len(rows)} companies; {changed} changed sectors; no alerts queued")


def _merge(config_path, db_path, drop: int | None, keep: int | None) -> None:
    if drop is None or keep is None or drop == keep:
        raise click.UsageError("--merge ID and --into ID name two different companies")
    from scraper import companies
    from scraper.core.timeutil import now_iso
    from scraper.db import connection as dbconn

    cfg = load_config(config_path, db_path)
    if not cfg.db_path.exists():
        raise click.ClickException(f"database not found: {cfg.db_path}")
    db = dbconn.open_db(cfg.db_path)
    found = {r[0]: r[1] for r in db.execute(
        "SELECT id, name FROM companies WHERE id IN (?, ?)", [drop, keep]).fetchall()}  # fmt: skip
    for cid in (drop, keep):
        if cid not in found:
            raise click.ClickException(f"no company with id {cid}")
    with dbconn.transaction(db):
        companies.merge_companies(db, keep=keep, drop=drop, reason="manual", now=now_iso())
    click.echo(f"merged {found[drop]} (id {drop}) into {found[keep]} (id {keep})")


companies_command.name = "companies"
COMMANDS = (company, companies_command)
