"""Successive-filing diffs through the one write path on a real SQLite file: each diff kind is one
`change` event with old/new and one-liners; baseline changes are history; rules filter by field."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from alerts.outbox import OutboxSink
from scraper import config as config_mod
from scraper import ingest
from scraper.core import stages as st
from scraper.core.records import Filing, HkexBatch, Project, ProjectBatch, StageStep
from scraper.db import connection as dbconn
from scraper.parsers.hkex_app import Applicant, Doc

NOW = "2026-05-10T10:00:00+08:00"


@pytest.fixture
def db(tmp_path: Path):
    return dbconn.open_db(tmp_path / "fw.db")


def project(**kw) -> Project:
    base = dict(source="sse", native_id="9001", company="芯穹算力科技（上海）股份有限公司",
                board="star", stage=st.INQUIRED, status_raw="2", status_label="已问询",
                sponsors=["中信证券股份有限公司"], auditor="天健会计师事务所（特殊普通合伙）",
                law_firm="北京市金杜律师事务所", planned_raise=30.0, industry_code="C39",
                industry="计算机、通信和其他电子设备制造业", updated="2026-05-01",
                url="https://www.sse.com.cn/?auditId=9001")  # fmt: skip
    base.update(kw)
    return Project(**base)


def write(db, *projects, baseline=False, sink=None, filings=()):
    batch = ProjectBatch(source="sse", url="u", page=1, filings=list(filings),
                         projects=list(projects))  # fmt: skip
    ctx = ingest.WriteContext(run_id=1, baseline=baseline, now=NOW)
    return ingest.ingest(db, batch, ctx, sink)[0]


def changes(db):
    rows = db.conn.execute(
        "SELECT change_field, detail, baseline, dedupe_key FROM events WHERE kind = 'change'"
        " ORDER BY id"
    ).fetchall()
    return [(f, json.loads(d), b, k) for f, d, b, k in rows]


@pytest.mark.parametrize(
    ("field", "kw", "text_zh"),
    [
        ("planned_raise", {"planned_raise": 20.0}, "募资额 30.0 亿 → 20.0 亿"),
        ("sponsor", {"sponsors": ["中国国际金融股份有限公司"]},
         "保荐机构 中信证券股份有限公司 → 中国国际金融股份有限公司"),
        ("auditor", {"auditor": "容诚会计师事务所（特殊普通合伙）"},
         "会计师事务所 天健会计师事务所（特殊普通合伙） → 容诚会计师事务所（特殊普通合伙）"),
        ("board", {"board": "main"}, "板块 科创板 → 主板"),
        ("name", {"company": "芯穹科技（上海）股份有限公司"},
         "名称 芯穹算力科技（上海）股份有限公司 → 芯穹科技（上海）股份有限公司"),
    ],
)  # fmt: skip
def test_each_field_change_is_one_event(db, field, kw, text_zh):
    write(db, project())
    write(db, project(**kw))
    write(db, project(**kw))  # seen again: no second event
    found = changes(db)
    assert [(f, d["text_zh"]) for f, d, _b, _k in found] == [(field, text_zh)]
    assert found[0][3] == f"sse:stage:9001:change:{field}#1"
    assert found[0][1]["document_url"] == "https://www.sse.com.cn/?auditId=9001"


def test_a_value_filling_in_or_left_out_is_no_change(db):
    write(db, project(planned_raise=None, law_firm=None))
    write(db, project(auditor=None))  # raise and law firm fill in; the list omits the auditor
    assert changes(db) == []


def test_the_second_change_of_a_field_is_its_own_event(db):
    write(db, project())
    write(db, project(planned_raise=20.0))
    write(db, project(planned_raise=30.0))
    write(db, project(planned_raise=20.0))
    keys = [k for _f, _d, _b, k in changes(db)]
    assert keys == [f"sse:stage:9001:change:planned_raise#{n}" for n in (1, 2, 3)]


def test_baseline_changes_are_history(db):
    write(db, project(), baseline=True)
    write(db, project(planned_raise=12.5), baseline=True)
    assert [b for _f, _d, b, _k in changes(db)] == [1]


def _doc(version: str, n: int) -> Filing:
    return Filing(source="sse", native_id=f"9001:f{n}", company="芯穹算力科技（上海）股份有限公司",
                  kind="exchange_document", title=f"招股说明书（{version}）", report_type="prospectus",
                  disclosed_date=f"2026-05-0{n}", pdf_url=f"http://static.sse.com.cn/stock/{n}.pdf",
                  raw={"project": "9001", "version": version})  # fmt: skip


def test_prospectus_version_moves_are_changes(db):
    step = StageStep(st.INQUIRED, "2", "已问询", "2026-04-20")
    write(db, project(timeline=[step]), filings=[_doc("申报稿", 1)])
    write(db, project(timeline=[step]), filings=[_doc("申报稿", 1), _doc("上会稿", 2)])
    found = changes(db)
    assert [(f, d["old"], d["new"]) for f, d, _b, _k in found] == [
        ("document_version", "申报稿", "上会稿")
    ]
    assert found[0][1]["document_url"] == "http://static.sse.com.cn/stock/2.pdf"
    assert found[0][1]["text_en"] == "prospectus version filing draft → committee draft"


# ---------------------------------------------------------------- HKEX


def applicant(app_id, name="星河智造控股有限公司", docs=(), **kw) -> Applicant:
    base = dict(board="sehk", app_id=app_id, status="appactive_app", status_code="A",
                name_c=name, name_en="Galaxy Smart Holdings Ltd", has_phip=False,
                stock_code=None, docs=list(docs), files=["appactive_app_sehk_c.json"],
                u_date="2026-05-01")  # fmt: skip
    base.update(kw)
    return Applicant(**base)


def ap(key, date, submission=1, kind="application_proof") -> Doc:
    return Doc(key=key, date=date, type=kind, submission=submission, full=True)


def hk_write(db, *apps, baseline=False):
    files = [{"name": f"{s}_sehk_{lang}.json", "status": s, "board": "sehk", "lang": lang,
              "outcome": "ok"} for s in ("appactive_app", "appactive_appphip", "appinactive")
             for lang in ("c", "e")]  # fmt: skip
    batch = HkexBatch(source="hkex_app", url="https://www1.hkexnews.hk/app/appindex.html",
                      filings=[], applicants=list(apps), files=files)  # fmt: skip
    ingest.ingest(db, batch, ingest.WriteContext(run_id=1, baseline=baseline, now=NOW))


def test_hkex_refiling_under_a_new_id_is_one_companys_change(db):
    hk_write(db, applicant(101, docs=[ap("sehk25100101", "2025-10-01")]))
    lapsed = applicant(101, status="appinactive", status_code="LP",
                       docs=[ap("sehk25100101", "2025-10-01")])  # fmt: skip
    hk_write(db, lapsed, applicant(202, docs=[ap("sehk26050101", "2026-05-01", 2)]))
    found = changes(db)
    assert [(f, d["old"], d["new"]) for f, d, _b, _k in found] == [
        ("hk_refiling", "sehk:101 (hk_lapsed)", "sehk:202")
    ]
    ids = db.conn.execute("SELECT DISTINCT company_id FROM hkex_applicants").fetchall()
    assert len(ids) == 1  # one company, two applications: one timeline


def test_hkex_new_submission_and_phip_and_rename(db):
    hk_write(db, applicant(101, docs=[ap("sehk25100101", "2025-10-01")]))
    hk_write(db, applicant(101, docs=[ap("sehk25100101", "2025-10-01"),
                                      ap("sehk26040101", "2026-04-01", 2)]))  # fmt: skip
    hk_write(db, applicant(101, name="星河智能控股有限公司", docs=[
        ap("sehk25100101", "2025-10-01"), ap("sehk26040101", "2026-04-01", 2),
        ap("sehk26050201", "2026-05-02", None, "phip")]))  # fmt: skip
    texts = [d["text_zh"] for _f, d, _b, _k in changes(db)]
    assert texts == [
        "香港上市申请文件 申请版本（第1次呈交） → 申请版本（第2次呈交）",
        "名称 星河智造控股有限公司 → 星河智能控股有限公司",
        "香港上市申请文件 申请版本（第2次呈交） → 聆讯后资料集",
    ]


# ---------------------------------------------------------------- rules and payload


def _config(tmp_path, rule_extra: str) -> config_mod.Config:
    text = f"""
[database]
path = "{tmp_path / "fw.db"}"
[[channels]]
name = "log"
url = "json://localhost:1/x"
[[watch]]
name = "raise"
channels = ["log"]
events = ["change"]
{rule_extra}
"""
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return config_mod.load(path)


def test_rule_fields_pick_changes_and_payload_carries_the_line(db, tmp_path):
    sink = OutboxSink(_config(tmp_path, 'fields = ["planned_raise"]'))
    write(db, project(), sink=sink)
    write(db, project(planned_raise=20.0, auditor="容诚会计师事务所（特殊普通合伙）"), sink=sink)
    rows = db.conn.execute("SELECT payload FROM outbox").fetchall()
    assert len(rows) == 1
    payload = json.loads(rows[0][0])
    assert payload["kind"] == "change"
    assert payload["change"]["text_zh"] == "募资额 30.0 亿 → 20.0 亿"
    from alerts.render import event_label

    assert event_label(payload, "zh") == "募资额 30.0 亿 → 20.0 亿"
    assert event_label(payload, "en") == "planned raise CNY 3.00bn → CNY 2.00bn"


def test_baseline_change_queues_no_alert(db, tmp_path):
    sink = OutboxSink(_config(tmp_path, ""))
    write(db, project(), sink=sink, baseline=True)
    write(db, project(planned_raise=20.0), sink=sink, baseline=True)
    assert db.conn.execute("SELECT count(*) FROM outbox").fetchone()[0] == 0


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ('fields = ["raise"]', "unknown field 'raise'"),
        ('fields = ["planned_raise"]\nevents = ["listed"]', None),
    ],
)
def test_rule_fields_are_validated(tmp_path, extra, message):
    text_extra = extra
    if "events" in extra:  # a second events key: rebuild the rule without change events
        cfg_text = f"""
[[channels]]
name = "log"
url = "json://localhost:1/x"
[[watch]]
name = "r"
channels = ["log"]
{text_extra}
"""
        path = tmp_path / "c.toml"
        path.write_text(cfg_text, encoding="utf-8")
        with pytest.raises(config_mod.ConfigError) as err:
            config_mod.load(path)
        assert "fields only apply to change events" in str(err.value)
        assert "watch[0].fields" in str(err.value)
        return
    with pytest.raises(config_mod.ConfigError) as err:
        _config(tmp_path, text_extra)
    assert message in str(err.value)
    assert "config.toml:11: key 'watch[0].fields'" in str(err.value)
