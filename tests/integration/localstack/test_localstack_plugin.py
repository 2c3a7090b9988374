import json
import os
import subprocess
import sys
import textwrap

import psutil
import pytest

pytestmark = pytest.mark.integration

INNER_TEST = """
import json, os
import psutil

def test_servers(pg_server, kafka_broker, database_url, broker_bootstrap):
    postmaster = psutil.Process(pg_server.pid)
    pids = [postmaster.pid, *[c.pid for c in postmaster.children()], kafka_broker.pid]
    with open(os.environ["PIDS_FILE"], "w") as fh:
        json.dump({"pids": pids, "database_url": database_url, "bootstrap": broker_bootstrap}, fh)
"""


def test_session_servers_leave_no_process_behind(tmp_path):
    (tmp_path / "test_inner.py").write_text(textwrap.dedent(INNER_TEST))
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    pids_file = tmp_path / "pids.json"
    env = {**os.environ, "PIDS_FILE": str(pids_file)}
    env.pop("JIXIAO_TEST_POSTGRES_URL", None)
    env.pop("JIXIAO_TEST_KAFKA_BOOTSTRAP", None)
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "--assert=plain",
            "-p",
            "jixiao.testing.pytest_plugin",
            "-p",
            "no:cacheprovider",
            "--rootdir",
            str(tmp_path),
            "-c",
            str(tmp_path / "pytest.ini"),
            str(tmp_path / "test_inner.py"),
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    seen = json.loads(pids_file.read_text())
    assert seen["database_url"].startswith("postgresql+asyncpg://postgres@127.0.0.1:")
    assert seen["bootstrap"].startswith("127.0.0.1:")
    assert len(seen["pids"]) >= 3
    left = [pid for pid in seen["pids"] if psutil.pid_exists(pid)]
    assert left == [], [psutil.Process(p).cmdline() for p in left if psutil.pid_exists(p)]
