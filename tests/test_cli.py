"""The command line: help everywhere, read-only queries, listings, and README coverage."""

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from scraper import ingest
from scraper.cli import cli as cli_group
from scraper.core.records import Filing
from scraper.db import connection as dbconn

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


def all_commands(group=cli_group, prefix=""):
    for name, cmd in sorted(group.commands.items()):
        yield prefix + name, cmd
        if hasattr(cmd, "commands"):
            yield from all_commands(cmd, prefix + name + " ")


@pytest.mark.parametrize("name", [n for n, _ in all_commands()])
def test_every_command_has_help_and_is_in_readme(name):
    result = CliRunner().invoke(cli_group, [*name.split(), "--help"])
    assert result.exit_code == 0 and "Usage:" in result.output
    assert re.search(rf"filingwatch {re.escape(name)}\b", README), (
        f"`filingwatch {name}` missing from README"
    )


@pytest.fixture
def db_path(tmp_path):
    path = tmp_path / "f.db"
    db = dbconn.open_db(path)
    ingest.write_filings(db, [
        Filing(source="csrcfd", native_id="1", company="甲芯片股份有限公司", kind="tutoring_report",
               title="关于甲芯片股份有限公司辅导备案报告", status="tutoring", company_stage="tutoring",
               disclosed_date="2026-10-01", broker="中信证券股份有限公司"),
        Filing(source="csrcfd", native_id="2", company="乙材料股份有限公司", kind="tutoring_report",
               title="关于乙材料股份有限公司辅导备案报告", status="tutoring", company_stage="tutoring",
               disclosed_date="2025-01-01"),
    ], ingest.WriteContext())  # fmt: skip
    db.conn.close()
    return path


def run(*args):
    return CliRunner().invoke(cli_group, list(args))


def test_query_formats(db_path):
    out = run(
        "query", "SELECT company FROM filings ORDER BY id", "--db", str(db_path), "--format", "json"
    )
    assert json.loads(out.output) == [
        {"company": "甲芯片股份有限公司"},
        {"company": "乙材料股份有限公司"},
    ]
    out = run(
        "query",
        "SELECT native_id, company FROM filings ORDER BY id",
        "--db",
        str(db_path),
        "--format",
        "csv",
    )
    assert out.output.splitlines() == [
        "native_id,company",
        "1,甲芯片股份有限公司",
        "2,乙材料股份有限公司",
    ]
    out = run("query", "SELECT company FROM filings", "--db", str(db_path))
    assert out.output.splitlines()[1].startswith("---")


def test_query_refuses_writes(db_path):
    out = run("query", "DELETE FROM filings", "--db", str(db_path))
    assert out.exit_code != 0 and "readonly" in out.output


def test_filings_filters(db_path):
    out = run("filings", "--db", str(db_path), "--company", "芯片", "--format", "json")
    rows = json.loads(out.output)
    assert [r["company"] for r in rows] == ["甲芯片股份有限公司"] and rows[0][
        "broker"
    ] == "中信证券股份有限公司"
    out = run("filings", "--db", str(db_path), "--since", "2026-01-01", "--format", "json")
    assert len(json.loads(out.output)) == 1


def test_missing_database_is_a_clear_error(tmp_path):
    out = run("filings", "--db", str(tmp_path / "none.db"))
    assert out.exit_code != 0 and "database not found" in out.output


def test_bad_config_names_key_and_line(tmp_path):
    cfg = tmp_path / "c.toml"
    cfg.write_text('[crawl]\ntimeout = "x"\n', encoding="utf-8")
    out = run("runs", "--config", str(cfg))
    assert out.exit_code != 0 and f"{cfg}:2: key 'crawl.timeout'" in out.output
