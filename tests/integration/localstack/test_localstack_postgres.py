import os
import signal
import time

import asyncpg
import psutil
import pytest

from jixiao.localstack import EmbeddedPostgres
from jixiao.testing.servers import fresh_database, initdb_cache

pytestmark = pytest.mark.integration


def plain(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://")


def test_pg_server_answers(pg_server, postgres_url):
    assert pg_server.psql("SHOW server_version").startswith("18")
    assert postgres_url.startswith("postgresql://postgres@127.0.0.1:")
    assert pg_server.psql("SHOW fsync").strip() == "off"
    assert pg_server.psql("SHOW server_encoding").strip() == "UTF8"
    if pg_server.pid is not None:
        assert psutil.Process(pg_server.pid).is_running()


async def test_database_url_is_a_fresh_database(database_url, pg_server):
    assert database_url.startswith("postgresql+asyncpg://postgres@127.0.0.1:")
    conn = await asyncpg.connect(plain(database_url))
    try:
        assert await conn.fetchval("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'") == 0
        await conn.execute("CREATE SCHEMA indicators; CREATE TABLE indicators.t (name text)")
        await conn.execute("INSERT INTO indicators.t VALUES ('绩效')")
        assert await conn.fetchval("SELECT name FROM indicators.t") == "绩效"
    finally:
        await conn.close()


def test_fresh_database_is_dropped_even_with_open_connections(pg_server):
    with fresh_database(pg_server) as url:
        name = url.rsplit("/", 1)[1]
        assert name.startswith("t_")
        pg_server.psql("CREATE TABLE x (a int)", database=name)
        with fresh_database(pg_server) as other:
            assert other != url
    assert not pg_server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{name}'").strip()


def test_restart_after_kill_9_keeps_data_and_port(scratch):
    pg = EmbeddedPostgres(scratch, fsync=False, initdb_cache=initdb_cache())
    try:
        pg.start()
        port, pid = pg.port, pg.pid
        pg.psql("CREATE TABLE kept (a int); INSERT INTO kept VALUES (42)")
        os.kill(pid, signal.SIGKILL)
        deadline = time.monotonic() + 5
        while pg.pid is not None and time.monotonic() < deadline:
            time.sleep(0.01)
        pg.start()
        assert pg.port == port and pg.pid != pid
        assert pg.psql("SELECT a FROM kept").strip() == "42"
    finally:
        pg.stop()
    assert not (scratch / "data" / "postmaster.pid").exists()


def test_stale_pidfile_naming_an_unrelated_process_is_ignored(scratch):
    pg = EmbeddedPostgres(scratch, fsync=False, initdb_cache=initdb_cache())
    try:
        pg.start()
        lines = (scratch / "data" / "postmaster.pid").read_text().split("\n")
        pg.stop()
        # as after a crash and a reboot, when the old pid now belongs to someone else
        lines[0] = str(os.getpid())
        (scratch / "data" / "postmaster.pid").write_text("\n".join(lines))
        started = time.monotonic()
        pg.start()
        assert time.monotonic() - started < 10
        assert pg.psql("SELECT 1").strip() == "1"
    finally:
        pg.stop()


def test_refuses_a_data_directory_in_use_unless_taking_over(scratch):
    first = EmbeddedPostgres(scratch, fsync=False, initdb_cache=initdb_cache()).start()
    try:
        second = EmbeddedPostgres(scratch, fsync=False, initdb_cache=initdb_cache())
        with pytest.raises(Exception, match="already running"):
            second.prepare()
        third = EmbeddedPostgres(scratch, fsync=False, initdb_cache=initdb_cache(), takeover=True).start()
        try:
            assert first._process.wait(10) == 0  # fast shutdown of the old one
            assert third.psql("SELECT 1").strip() == "1"
        finally:
            third.stop()
    finally:
        first.stop()
