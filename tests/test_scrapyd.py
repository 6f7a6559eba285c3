"""scrapyd, how Scrapy users run spiders on more machines: a real scrapyd on 127.0.0.1, the
project deployed with `scrapyd-deploy` from the repository root (an egg: code and data read
from a zip), crawls scheduled over scrapyd's HTTP API against the replay, the database checked,
and the alert delivered by `filingwatch alerts deliver`.

What this guards: the egg's `[scrapy] settings` entry point (scrapyd refuses an egg without
it), data files read through importlib.resources (sectors.toml inside the zipped egg), and
`-s FILINGWATCH_CONFIG` reaching the base URL, the database and the baseline rule.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from helpers import db_scalar, wait_for

from alerts.receivers import WebhookReceiver, free_port
from scraper.core.timeutil import today_shanghai

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
pytestmark = pytest.mark.slow


def _api(base: str, endpoint: str, **form) -> dict:
    data = urllib.parse.urlencode(form, doseq=True).encode() if form else None
    with urllib.request.urlopen(f"{base}/{endpoint}", data=data, timeout=30) as response:
        return json.loads(response.read())


def _schedule_and_wait(base: str, config: Path, spider: str) -> dict:
    job = _api(base, "schedule.json", project="filingwatch", spider=spider,
               setting=[f"FILINGWATCH_CONFIG={config}"])  # fmt: skip
    assert job["status"] == "ok", job

    def finished():
        jobs = _api(base, "listjobs.json?project=filingwatch")
        return next((j for j in jobs["finished"] if j["id"] == job["jobid"]), None)

    return wait_for(finished, timeout=60, interval=0.2, what=f"scrapyd job {job['jobid']}")


@pytest.fixture
def scrapyd_server(tmp_path):
    """scrapyd on a free port, its eggs/logs/dbs under tmp_path; the environment carries no
    PYTHONPATH, so jobs import the deployed egg and nothing else of this checkout."""
    home = tmp_path / "scrapyd"
    home.mkdir()
    port = free_port()
    (home / "scrapyd.conf").write_text(
        "[scrapyd]\n"
        f"bind_address = 127.0.0.1\nhttp_port = {port}\n"
        f"eggs_dir = {home / 'eggs'}\nlogs_dir = {home / 'logs'}\n"
        f"items_dir = {home / 'items'}\ndbs_dir = {home / 'dbs'}\n"
        "max_proc = 1\npoll_interval = 0.2\n",
        encoding="utf-8",
    )
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "FILINGWATCH_CONFIG")}
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    proc = subprocess.Popen([str(BIN / "scrapyd")], cwd=home, env=env,
                            stdout=open(home / "scrapyd.out", "wb"), stderr=subprocess.STDOUT)  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(lambda: _ping(base), timeout=30, what="scrapyd listening")
        yield base, home, env
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


def _ping(base: str) -> bool:
    try:
        return _api(base, "daemonstatus.json")["status"] == "ok"
    except OSError:
        return False


def test_deploy_schedule_store_and_deliver(scrapyd_server, replay, make_config, tmp_path):
    base, home, env = scrapyd_server
    receiver = WebhookReceiver().start()
    try:
        config = make_config(replay.base_url, extra=(
            "[alerts]\nretry_base = 1\n"
            f'[[channels]]\nname = "hook"\nurl = "{receiver.url()}"\n'
            '[[watch]]\nname = "ai-hardware"\nsectors = ["ai_server", "chips"]\nchannels = ["hook"]\n'
        ))  # fmt: skip

        # scrapyd-deploy from the repository root; the target comes from a user-level scrapy.cfg
        # (XDG_CONFIG_HOME), as a user would add one without editing the project's file.
        (tmp_path / "scrapy.cfg").write_text(f"[deploy:test]\nurl = {base}/\n", encoding="utf-8")
        deploy = subprocess.run(
            [str(BIN / "scrapyd-deploy"), "test", "-p", "filingwatch"], cwd=ROOT,
            env={**env, "XDG_CONFIG_HOME": str(tmp_path)}, capture_output=True, text=True,
            timeout=120,
        )  # fmt: skip
        shutil.rmtree(ROOT / "build", ignore_errors=True)
        assert deploy.returncode == 0, deploy.stdout + deploy.stderr
        assert '"status": "ok"' in deploy.stdout, deploy.stdout + deploy.stderr
        spiders = _api(base, "listspiders.json?project=filingwatch")["spiders"]
        assert "csrcfd" in spiders
        # Jobs run the code and data inside the zipped egg (not this checkout).
        egg = next((home / "eggs" / "filingwatch").glob("*.egg"))
        probe = subprocess.run(
            [sys.executable, "-c", "import sys; from scrapyd.runner import activate_egg; "
             "activate_egg(sys.argv[1]); import alerts.sectors as s; "
             "print(s.__file__, len(s.load_data()['sectors']))", str(egg)],
            env=env, cwd=home, capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        assert probe.returncode == 0, probe.stderr
        assert f"{egg}/alerts/sectors.py" in probe.stdout and int(probe.stdout.split()[-1]) > 0

        # First crawl: a full sweep of the replay, stored as baseline (history, no alerts).
        first = _schedule_and_wait(base, config, "csrcfd")
        db = tmp_path / "filingwatch.db"
        log = (home / "logs" / "filingwatch" / "csrcfd" / f"{first['id']}.log").read_text("utf-8")
        assert db.exists(), log[-3000:]
        assert db_scalar(db, "SELECT health FROM source_runs ORDER BY id DESC LIMIT 1") == "ok", (
            log[-3000:]
        )
        assert db_scalar(db, "SELECT mode FROM source_runs ORDER BY id DESC LIMIT 1") == "full"
        assert db_scalar(db, "SELECT COUNT(*) FROM filings WHERE source = 'csrcfd'") > 0
        assert db_scalar(db, "SELECT COUNT(*) FROM outbox") == 0  # baseline: no alerts

        # The replay publishes a watched company; the second crawl queues its alert.
        replay.site("csrcfd").control("publish", {
            "company": "超聚变数字技术股份有限公司", "broker": "中信证券股份有限公司",
            "regulator": "河南证监局", "status": "辅导备案", "report_type": "辅导备案报告",
            "filing_date": today_shanghai().isoformat(),
        })  # fmt: skip
        _schedule_and_wait(base, config, "csrcfd")
        assert db_scalar(db, "SELECT COUNT(*) FROM outbox") >= 1

        # The deliverer of a scrapyd machine: `alerts deliver --loop` until SIGTERM.
        deliver = subprocess.Popen(
            [sys.executable, "-m", "filingwatch", "alerts", "deliver", "--config", str(config),
             "--loop", "--interval", "0.2"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            text=True, cwd=ROOT,
        )  # fmt: skip
        try:
            wait_for(lambda: receiver.messages(), timeout=30, what="the webhook receives the alert")
        finally:
            deliver.terminate()
            out, err = deliver.communicate(timeout=30)
        assert deliver.returncode == 0, out + err
        assert "sent=1" in out, out + err
        assert "超聚变" in json.dumps(receiver.messages(), ensure_ascii=False)
    finally:
        receiver.stop()
