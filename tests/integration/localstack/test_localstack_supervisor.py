import asyncio
import logging
import os
import signal
import sys

import httpx
import psutil
import pytest

from jixiao.localstack import (
    ChildSpec,
    ChildStartError,
    EmbeddedPostgres,
    Supervisor,
    TansuBroker,
    free_port,
    kafka_answers,
)
from jixiao.localstack.supervisor import next_backoff
from jixiao.testing.servers import initdb_cache

from .conftest import FAKE_SERVICE

pytestmark = pytest.mark.integration


def fake_spec(name: str, log_dir, **overrides) -> ChildSpec:
    port = free_port()
    values = dict(
        name=name,
        argv=[sys.executable, str(FAKE_SERVICE)],
        env={"JIXIAO_HTTP_PORT": str(port), "JIXIAO_SERVICE": name},
        ready=f"http://127.0.0.1:{port}/readyz",
        log_file=log_dir / f"{name}.log",
        ready_timeout=15,
    )
    values.update(overrides)
    return ChildSpec(**values)


def test_backoff_doubles_from_half_a_second_to_ten():
    delays, d = [], 0.0
    for _ in range(8):
        d = next_backoff(d)
        delays.append(d)
    assert delays == [0.5, 1, 2, 4, 8, 10, 10, 10]


async def test_restarts_a_child_killed_with_9(tmp_path, caplog):
    restarted = []
    changed = []
    sup = Supervisor(on_pid_change=lambda child: changed.append(child.pid))
    spec = fake_spec("fake", tmp_path, on_restart=lambda child: restarted.append(child.pid))
    caplog.set_level(logging.INFO, logger="jixiao.localstack")
    try:
        child = await sup.start(spec)
        old = child.pid
        assert sup.pids == {"fake": old}
        os.kill(old, signal.SIGKILL)
        new = await sup.wait_restarted("fake", old, timeout=10)
        assert new != old and sup.pids == {"fake": new}
        assert restarted == [new] and changed == [new]
        assert child.restarts == 1 and child.last_exit_code == -9
        async with httpx.AsyncClient(trust_env=False) as http:
            assert (await http.get(spec.ready)).status_code == 200
        text = caplog.text
        assert f"fake pid={old} exited with code -9 (SIGKILL)" in text
        assert f"restarted fake: pid {old} -> {new}" in text
    finally:
        await sup.stop()
    assert not psutil.pid_exists(new) or psutil.Process(new).status() == psutil.STATUS_ZOMBIE


async def test_stop_goes_in_reverse_order_with_sigterm(tmp_path, caplog):
    caplog.set_level(logging.INFO, logger="jixiao.localstack")
    sup = Supervisor()
    first = await sup.start(fake_spec("first", tmp_path))
    second = await sup.start(fake_spec("second", tmp_path))
    await sup.stop()
    assert first.process.returncode == 0 and second.process.returncode == 0  # exited on SIGTERM
    stops = [r.getMessage() for r in caplog.records if r.getMessage().startswith("stopped")]
    assert [m.split()[1] for m in stops] == ["second", "first"]
    assert sup.pids == {"first": None, "second": None}


async def test_stubborn_child_is_killed(tmp_path):
    port = free_port()
    spec = fake_spec(
        "stubborn",
        tmp_path,
        stop_timeout=0.5,
        env={"JIXIAO_HTTP_PORT": str(port), "FAKE_IGNORE_SIGTERM": "1"},
        ready=f"http://127.0.0.1:{port}/readyz",
    )
    sup = Supervisor()
    child = await sup.start(spec)
    loop = asyncio.get_running_loop()
    started = loop.time()
    await sup.stop()
    assert child.process.returncode == -signal.SIGKILL
    assert 0.4 < loop.time() - started < 5


async def test_a_child_that_dies_at_start_raises_with_its_log(tmp_path):
    sup = Supervisor()
    spec = ChildSpec(
        "broken",
        [sys.executable, "-c", "print('config is wrong'); raise SystemExit(3)"],
        ready=lambda: False,
        log_file=tmp_path / "broken.log",
        ready_timeout=10,
    )
    with pytest.raises(ChildStartError, match="exited with code 3") as info:
        await sup.start(spec)
    assert "config is wrong" in str(info.value)
    await sup.stop()


async def test_postgres_killed_with_9_comes_back_on_the_same_port_with_its_data(scratch):
    pg = EmbeddedPostgres(scratch, fsync=False, initdb_cache=initdb_cache())
    await asyncio.to_thread(pg.prepare)
    sup = Supervisor()
    try:
        child = await sup.start(pg.child_spec())
        old = child.pid
        assert pg.pid == old
        await asyncio.to_thread(pg.psql, "CREATE TABLE kept (a int); INSERT INTO kept VALUES (7)")
        # a backend that the kill orphans; the supervisor must clear it before the restart
        backends = [p.pid for p in psutil.Process(old).children()]
        os.kill(old, signal.SIGKILL)
        new = await sup.wait_restarted("postgres", old, timeout=30)
        assert new != old and pg.pid == new
        assert not any(psutil.pid_exists(b) and psutil.Process(b).status() != psutil.STATUS_ZOMBIE for b in backends)
        assert (await asyncio.to_thread(pg.psql, "SELECT a FROM kept")).strip() == "7"
        assert pg.url.endswith(f":{pg.port}/postgres")
    finally:
        await sup.stop()
    assert not (scratch / "data" / "postmaster.pid").exists()  # clean (fast) shutdown


async def test_broker_killed_with_9_comes_back_empty_on_the_same_port(tmp_path):
    broker = TansuBroker(tmp_path)
    broker.prepare()
    sup = Supervisor()
    try:
        child = await sup.start(broker.child_spec())
        old = child.pid
        os.kill(old, signal.SIGKILL)
        new = await sup.wait_restarted("broker", old, timeout=15)
        assert new != old
        assert await kafka_answers(broker.bootstrap)
    finally:
        await sup.stop()
    assert "starting broker" in (tmp_path / "broker.log").read_text()


async def test_a_missing_program_raises_child_start_error():
    sup = Supervisor()
    with pytest.raises(ChildStartError, match="cannot run /nonexistent/jixiao"):
        await sup.start(ChildSpec("ghost", ["/nonexistent/jixiao"]))
    await sup.stop()
