import asyncio
import json
import os
import signal
import subprocess
import sys
import time

import httpx
import psutil
import pytest

from jixiao.localstack.stack import (
    LocalStack,
    StackAlreadyRunning,
    StackNotRunning,
    load_stack,
    ready_line,
    running_stack,
    service_urls,
)
from jixiao.testing.servers import initdb_cache

from .conftest import FAKE_SERVICE

pytestmark = pytest.mark.integration

NAMES = ["indicators", "scoring"]


def alive(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


async def test_running_stack_writes_stack_json_and_removes_it(scratch, fake_service_command):
    with pytest.raises(StackNotRunning, match="jixiao up"):
        load_stack(scratch)
    async with running_stack(
        scratch, services=NAMES, service_command=fake_service_command, pg_fsync=False, initdb_cache=initdb_cache()
    ) as stack:
        path = scratch / "stack.json"
        on_disk = json.loads(path.read_text())
        assert on_disk == stack == load_stack(scratch)
        assert set(stack) == {"database_url", "kafka_bootstrap", "services"}
        services = stack["services"]
        assert set(services) == {*NAMES, "broker", "postgres"}
        for name in NAMES:
            assert set(services[name]) == {"url", "grpc", "pid"}
            assert services[name]["url"].startswith("http://127.0.0.1:")
            assert services[name]["grpc"].startswith("127.0.0.1:")
            assert alive(services[name]["pid"])
        assert set(services["broker"]) == {"pid", "bootstrap"}
        assert services["broker"]["bootstrap"] == stack["kafka_bootstrap"]
        assert set(services["postgres"]) == {"pid", "url"}
        pg_port = services["postgres"]["url"].rsplit(":", 1)[1].split("/")[0]
        assert services["postgres"]["url"] == f"postgresql://postgres@127.0.0.1:{pg_port}/postgres"
        assert stack["database_url"] == f"postgresql+asyncpg://postgres@127.0.0.1:{pg_port}/jixiao"
        assert list(service_urls(stack)) == NAMES
        assert ready_line(stack, path).startswith(
            f"jixiao: ready — indicators {services['indicators']['url']} scoring {services['scoring']['url']}"
        )

        async with httpx.AsyncClient(trust_env=False) as http:
            env = (await http.get(services["scoring"]["url"] + "/env")).json()
        assert env["JIXIAO_SERVICE"] == "scoring"
        assert env["JIXIAO_DATABASE_URL"] == stack["database_url"]
        assert env["JIXIAO_KAFKA_BOOTSTRAP"] == stack["kafka_bootstrap"]
        assert env["JIXIAO_HTTP_PORT"] == services["scoring"]["url"].rsplit(":", 1)[1]
        assert env["JIXIAO_GRPC_PORT"] == services["scoring"]["grpc"].rsplit(":", 1)[1]
        assert env["JIXIAO_DATA_DIR"] == str(scratch)
        assert env["JIXIAO_INDICATORS_GRPC"] == services["indicators"]["grpc"]

        # a second `up` on the same data directory is refused before it starts anything
        with pytest.raises(StackAlreadyRunning):
            await LocalStack(scratch, services=NAMES, service_command=fake_service_command).start()

        # a killed service comes back and stack.json follows its new pid
        old = services["indicators"]["pid"]
        os.kill(old, signal.SIGKILL)
        deadline = time.monotonic() + 15
        while json.loads(path.read_text())["services"]["indicators"]["pid"] == old:
            assert time.monotonic() < deadline, "stack.json was not rewritten"
            await asyncio.sleep(0.1)
        assert stack["services"]["indicators"]["pid"] != old
        pids = [entry["pid"] for entry in stack["services"].values()]
    assert not path.exists()
    assert not any(alive(pid) for pid in pids)
    with pytest.raises(StackNotRunning):
        load_stack(scratch)


def test_load_stack_rejects_a_stale_file(scratch):
    (scratch / "stack.json").write_text(
        json.dumps({"database_url": "x", "kafka_bootstrap": "y", "services": {"reports": {"pid": os.getpid()}}})
    )
    with pytest.raises(StackNotRunning, match="stale"):
        load_stack(scratch)


UP_SCRIPT = """
import asyncio, sys
from jixiao.localstack.stack import up
from jixiao.testing.servers import initdb_cache
asyncio.run(up(sys.argv[1], services=["surveys"], pg_fsync=False, initdb_cache=initdb_cache(),
               service_command=lambda name: [sys.executable, sys.argv[2]]))
"""


def start_up(data_dir) -> tuple[subprocess.Popen, str]:
    proc = subprocess.Popen(
        [sys.executable, "-c", UP_SCRIPT, str(data_dir), str(FAKE_SERVICE)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines = []
    deadline = time.monotonic() + 30
    for line in proc.stdout:
        lines.append(line)
        if line.startswith("jixiao: ready"):
            return proc, line
        assert time.monotonic() < deadline
    raise AssertionError("".join(lines))


def test_up_survives_a_kill_9_of_the_previous_up_and_stops_on_sigint(scratch):
    first, _ = start_up(scratch)
    old = json.loads((scratch / "stack.json").read_text())
    old_pids = [e["pid"] for e in old["services"].values()]
    first.kill()  # leaves postgres, the broker and the service behind
    first.wait()
    with pytest.raises(StackNotRunning, match="stale"):
        load_stack(scratch)

    second, line = start_up(scratch)
    try:
        assert line.startswith("jixiao: ready — surveys http://127.0.0.1:")
        assert line.rstrip().endswith(f"(stack.json: {scratch / 'stack.json'})")
        assert not any(alive(pid) for pid in old_pids)  # the leftovers were stopped
        new_pids = [e["pid"] for e in load_stack(scratch)["services"].values()]
        second.send_signal(signal.SIGINT)
        out, _ = second.communicate(timeout=30)
    finally:
        second.kill()
    assert second.returncode == 0, out
    assert "jixiao: stopped" in out
    assert not (scratch / "stack.json").exists()
    assert not any(alive(pid) for pid in new_pids)
