"""`jixiao up`: PostgreSQL, the broker and the services on one machine, described in stack.json."""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import json
import logging
import os
import signal
import sys
import time
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import psutil

from jixiao.localstack.broker import TansuBroker
from jixiao.localstack.ports import LOOPBACK, free_ports, port_is_free
from jixiao.localstack.postgres import EmbeddedPostgres, asyncpg_url
from jixiao.localstack.supervisor import Child, ChildSpec, LocalStackError, Supervisor, kill_group
from jixiao.registry import SERVICES

log = logging.getLogger("jixiao.localstack")

STACK_FILE = "stack.json"
LOCK_FILE = "stack.lock"
DATABASE = "jixiao"

ServiceCommand = Callable[[str], Sequence[str]]


class StackError(LocalStackError):
    """Base class of the local stack's errors."""


class StackNotRunning(StackError):
    """No running `jixiao up` was found for a data directory."""


class StackAlreadyRunning(StackError):
    """Another `jixiao up` already runs from the same data directory."""


class StackStartError(StackError):
    """A part of the stack did not start; the message says which and shows its log tail."""


def default_data_dir() -> Path:
    """$JIXIAO_DATA_DIR, or ./.jixiao, as an absolute path."""
    return Path(os.environ.get("JIXIAO_DATA_DIR") or ".jixiao").absolute()


def default_service_command(name: str) -> list[str]:
    """How a service process is started: `python -m jixiao.run NAME`."""
    return [sys.executable, "-m", "jixiao.run", name]


def stack_file(data_dir: str | os.PathLike[str] | None = None) -> Path:
    """Where stack.json lives for `data_dir`."""
    return (Path(data_dir).absolute() if data_dir else default_data_dir()) / STACK_FILE


def service_urls(stack: Mapping[str, Any]) -> dict[str, str]:
    """{service: http url} from a stack description (skips the broker and postgres entries)."""
    return {name: entry["url"] for name, entry in stack["services"].items() if name not in ("broker", "postgres")}


def ready_line(stack: Mapping[str, Any], path: Path) -> str:
    """The one line `jixiao up` prints once everything is ready."""
    urls = " ".join(f"{name} {url}" for name, url in service_urls(stack).items())
    return f"jixiao: ready — {urls} (stack.json: {path})"


def load_stack(data_dir: str | os.PathLike[str] | None = None) -> dict[str, Any]:
    """Read the stack.json of a running `jixiao up`; raise StackNotRunning when there is none."""
    path = stack_file(data_dir)
    hint = "start it with `jixiao up` (same JIXIAO_DATA_DIR) or pass the --url flags"
    try:
        stack = json.loads(path.read_text())
    except FileNotFoundError:
        raise StackNotRunning(f"no local stack is running (no {path}); {hint}") from None
    except (OSError, ValueError) as exc:
        raise StackNotRunning(f"cannot read {path} ({exc}); {hint}") from None
    if not _lock_is_held(path.parent / LOCK_FILE):
        raise StackNotRunning(f"{path} is stale: the `jixiao up` that wrote it is gone; {hint}")
    pids = _recorded_pids(stack)
    if not any(psutil.pid_exists(pid) for pid in pids.values()):
        raise StackNotRunning(f"{path} is stale: none of its processes is alive; {hint}")
    return stack


def _recorded_pids(stack: Mapping[str, Any]) -> dict[str, int]:
    return {
        name: int(entry["pid"])
        for name, entry in stack.get("services", {}).items()
        if isinstance(entry, dict) and entry.get("pid")
    }


def _running(proc: psutil.Process) -> bool:
    # a zombie counts as gone: without a reaping init it would stay forever
    try:
        return proc.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def _lock_is_held(path: Path) -> bool:
    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    else:
        fcntl.flock(fd, fcntl.LOCK_UN)
        return False
    finally:
        os.close(fd)


def _write_json(path: Path, data: Mapping[str, Any]) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
    os.replace(tmp, path)  # readers never see half a file


class LocalStack:
    """PostgreSQL, the broker and the services under one Supervisor; start() returns the description."""

    def __init__(
        self,
        data_dir: str | os.PathLike[str] | None = None,
        *,
        services: Sequence[str] = SERVICES,
        service_command: ServiceCommand = default_service_command,
        base_port: int | None = None,
        env: Mapping[str, str] | None = None,
        database: str = DATABASE,
        pg_fsync: bool = True,
        initdb_cache: Path | None = None,
        ready_timeout: float = 120.0,
        parallel: bool = True,
        supervisor: Supervisor | None = None,
    ) -> None:
        self.data_dir = Path(data_dir).absolute() if data_dir else default_data_dir()
        self.services = list(services)
        self.service_command = service_command
        if base_port is None and os.environ.get("JIXIAO_BASE_PORT"):
            base_port = int(os.environ["JIXIAO_BASE_PORT"])
        self.base_port = base_port
        self.env = dict(env or {})
        self.database = database
        self.pg_fsync = pg_fsync
        self.initdb_cache = initdb_cache
        self.ready_timeout = ready_timeout
        self.parallel = parallel
        self.supervisor = supervisor or Supervisor()
        self.supervisor.on_pid_change = self._pid_changed
        self.stack_file = self.data_dir / STACK_FILE
        self.log_dir = self.data_dir / "logs"
        self.description: dict[str, Any] = {}
        self.postgres: EmbeddedPostgres | None = None
        self.broker: TansuBroker | None = None
        self._lock_fd: int | None = None
        self._ports: dict[str, Any] = {}
        self._started = False

    # -- lifecycle ---------------------------------------------------------------------------

    async def start(self) -> dict[str, Any]:
        """Start everything in order, write stack.json, return the description (kept up to date)."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self._lock()
        try:
            await asyncio.to_thread(self._clean_leftovers)
            self._ports = ports = self._allocate_ports()
            await self._start_postgres(ports["postgres"])
            await self._start_broker(ports["broker"])
            await self._start_services(ports)
        except BaseException as exc:
            await self.supervisor.stop(grace=5.0)
            self._unlock()
            if isinstance(exc, LocalStackError) and not isinstance(exc, StackError):
                raise StackStartError(str(exc)) from exc  # ChildStartError, PostgresError, BrokerError
            raise
        self.description = self._describe()
        _write_json(self.stack_file, self.description)
        self._started = True
        return self.description

    async def stop(self) -> None:
        """Stop the services, the broker and PostgreSQL (in that order) and remove stack.json."""
        try:
            await self.supervisor.stop()
        finally:
            self.stack_file.unlink(missing_ok=True)
            self._started = False
            self._unlock()

    async def __aenter__(self) -> LocalStack:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # -- steps -------------------------------------------------------------------------------

    def _allocate_ports(self) -> dict[str, Any]:
        n = len(self.services)
        if self.base_port is None:
            ports = free_ports(2 + 2 * n)
            http, grpc = ports[2 : 2 + n], ports[2 + n :]
            chosen = {"postgres": ports[0], "broker": ports[1]}
        else:
            b = self.base_port
            http = [b + i for i in range(n)]
            grpc = [b + 100 + i for i in range(n)]
            chosen = {"postgres": b + 200, "broker": b + 201}
            busy = [p for p in [*http, *grpc, *chosen.values()] if not port_is_free(p)]
            if busy:
                raise StackStartError(f"ports already in use (JIXIAO_BASE_PORT={b}): {busy}")
        chosen["http"] = dict(zip(self.services, http, strict=True))
        chosen["grpc"] = dict(zip(self.services, grpc, strict=True))
        return chosen

    async def _start_postgres(self, port: int) -> None:
        pg = EmbeddedPostgres(
            self.data_dir / "postgres",
            port,
            fsync=self.pg_fsync,
            log_file=self.log_dir / "postgres.log",
            takeover=True,
            initdb_cache=self.initdb_cache,
        )
        self.postgres = pg
        await asyncio.to_thread(pg.prepare)
        await self.supervisor.start(pg.child_spec(on_restart=self._postgres_restarted))
        await asyncio.to_thread(pg.create_database, self.database, exist_ok=True)

    async def _start_broker(self, port: int) -> None:
        broker = TansuBroker(self.log_dir, port, log_file=self.log_dir / "broker.log")
        self.broker = broker
        broker.prepare()
        await self.supervisor.start(broker.child_spec(on_restart=self._broker_restarted))

    async def _start_services(self, ports: Mapping[str, Any]) -> None:
        assert self.postgres is not None and self.broker is not None
        common = {
            "JIXIAO_DATABASE_URL": asyncpg_url(self.postgres.port, self.database),  # type: ignore[arg-type]
            "JIXIAO_KAFKA_BOOTSTRAP": self.broker.bootstrap,
            "JIXIAO_DATA_DIR": str(self.data_dir),
            "PYTHONUNBUFFERED": "1",
        }
        for name in self.services:  # every service can find its peers
            common[f"JIXIAO_{name.upper()}_URL"] = f"http://{LOOPBACK}:{ports['http'][name]}"
            common[f"JIXIAO_{name.upper()}_GRPC"] = f"{LOOPBACK}:{ports['grpc'][name]}"
        specs = []
        for name in self.services:
            http = ports["http"][name]
            env = {
                **common,
                "JIXIAO_SERVICE": name,
                "JIXIAO_HTTP_PORT": str(http),
                "JIXIAO_GRPC_PORT": str(ports["grpc"][name]),
                **self.env,
            }
            specs.append(
                ChildSpec(
                    name=name,
                    argv=list(self.service_command(name)),
                    env=env,
                    ready=f"http://{LOOPBACK}:{http}/readyz",
                    log_file=self.log_dir / f"{name}.log",
                    ready_timeout=self.ready_timeout,
                )
            )
        await self.supervisor.start_all(specs, parallel=self.parallel)

    def _describe(self) -> dict[str, Any]:
        assert self.postgres is not None and self.broker is not None
        pids = self.supervisor.pids
        services: dict[str, Any] = {
            name: {
                "url": f"http://{LOOPBACK}:{self._ports['http'][name]}",
                "grpc": f"{LOOPBACK}:{self._ports['grpc'][name]}",
                "pid": pids.get(name),
            }
            for name in self.services
        }
        services["broker"] = {"pid": pids.get("broker"), "bootstrap": self.broker.bootstrap}
        services["postgres"] = {"pid": pids.get("postgres"), "url": self.postgres.url}
        return {
            "database_url": asyncpg_url(self.postgres.port, self.database),  # type: ignore[arg-type]
            "kafka_bootstrap": self.broker.bootstrap,
            "services": services,
        }

    # -- restarts ----------------------------------------------------------------------------

    def _pid_changed(self, child: Child) -> None:
        if not self._started:
            return
        self.description["services"][child.name]["pid"] = child.pid
        _write_json(self.stack_file, self.description)

    def _postgres_restarted(self, child: Child) -> None:
        log.warning("postgres is back on the same port (pid %s, data kept)", child.pid)

    def _broker_restarted(self, child: Child) -> None:
        log.warning(
            "broker is back on the same port (pid %s) but empty (memory storage); "
            "services recreate their topics when they reconnect",
            child.pid,
        )

    # -- the data directory ------------------------------------------------------------------

    def _lock(self) -> None:
        path = self.data_dir / LOCK_FILE
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        deadline = time.monotonic() + 0.5
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                # load_stack() takes a shared lock for an instant; a real owner keeps it
                if time.monotonic() > deadline:
                    owner = os.pread(fd, 32, 0).decode(errors="replace").strip() or "?"
                    os.close(fd)
                    raise StackAlreadyRunning(
                        f"a stack is already running from {self.data_dir} (pid {owner}); "
                        "stop it first or set another JIXIAO_DATA_DIR"
                    ) from None
                time.sleep(0.05)
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        self._lock_fd = fd

    def _unlock(self) -> None:
        if self._lock_fd is not None:
            os.close(self._lock_fd)  # releases the flock
            self._lock_fd = None

    def _clean_leftovers(self) -> None:
        """Stop processes that an earlier `jixiao up`, killed without cleaning up, left running."""
        if not self.stack_file.exists():
            return
        try:
            old = json.loads(self.stack_file.read_text())
            written = self.stack_file.stat().st_mtime
        except (OSError, ValueError):
            old, written = {}, 0.0
        leftovers = []
        for name, pid in _recorded_pids(old).items():
            if name == "postgres":
                continue  # EmbeddedPostgres(takeover=True) shuts it down properly
            try:
                proc = psutil.Process(pid)
                if proc.create_time() > written + 1 or proc.status() == psutil.STATUS_ZOMBIE:
                    continue  # the pid was reused after stack.json was written, or it is dead
            except psutil.Error:
                continue
            log.warning("stopping %s pid %s left running by an earlier `jixiao up`", name, pid)
            kill_group(pid, signal.SIGTERM)
            leftovers.append(proc)
        deadline = time.monotonic() + 5
        while leftovers and time.monotonic() < deadline:
            leftovers = [p for p in leftovers if _running(p)]
            time.sleep(0.05)
        for proc in leftovers:
            kill_group(proc.pid, signal.SIGKILL)
        self.stack_file.unlink(missing_ok=True)


@contextlib.asynccontextmanager
async def running_stack(
    data_dir: str | os.PathLike[str] | None = None, **options: Any
) -> AsyncIterator[dict[str, Any]]:
    """Run the stack for the duration of the block; yield its description (the stack.json content,
    updated in place when a restarted child gets a new pid). Options: see LocalStack."""
    stack = LocalStack(data_dir, **options)
    await stack.start()
    try:
        yield stack.description
    finally:
        await stack.stop()


async def up(
    data_dir: str | os.PathLike[str] | None = None,
    *,
    out: Callable[[str], Any] = print,
    **options: Any,
) -> None:
    """`jixiao up`: start everything, print the ready line, run until SIGINT/SIGTERM/SIGHUP, stop cleanly."""
    if not logging.getLogger().handlers and not log.handlers:
        logging.basicConfig(level=logging.INFO, format="jixiao: %(message)s", stream=sys.stderr)
        logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per readiness probe otherwise
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    stack = LocalStack(data_dir, **options)

    def on_signal() -> None:
        if stop.is_set():
            stack.supervisor.hurry()  # a second Ctrl-C: do not wait for graceful exits
        stop.set()

    handled = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
    for sig in handled:
        loop.add_signal_handler(sig, on_signal)
    starting = asyncio.create_task(stack.start())
    stopping = asyncio.create_task(stop.wait())
    try:
        await asyncio.wait([starting, stopping], return_when=asyncio.FIRST_COMPLETED)
        if not starting.done():
            starting.cancel()  # start() cleans up after itself
            with contextlib.suppress(asyncio.CancelledError):
                await starting
            out("jixiao: stopped before everything was ready")
            return
        starting.result()  # raises StackStartError etc.
        try:
            out(ready_line(stack.description, stack.stack_file))
            await stop.wait()
            out("jixiao: stopping…")
        finally:
            await stack.stop()
        out("jixiao: stopped")
    finally:
        stopping.cancel()
        for sig in handled:
            loop.remove_signal_handler(sig)
