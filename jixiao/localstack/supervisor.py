"""Start child processes in order, wait until they are ready, restart the ones that die."""

from __future__ import annotations

import asyncio
import inspect
import logging
import os
import signal
import subprocess
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jixiao.localstack.processes import (  # noqa: F401  (re-exported: broker, postgres, stack use them)
    _kill_live_groups,
    describe_exit,
    ensure_os_user,
    kill_group,
    log_tail,
    next_backoff,
    open_log,
    run_as_kwargs,
    stop_process,
    track_group,
    untrack_group,
)

log = logging.getLogger("jixiao.localstack")

ReadyCheck = str | Callable[[], bool | Awaitable[bool]] | None
Hook = Callable[["Child"], Any]


class LocalStackError(Exception):
    """Base class of the one-machine stack's errors (supervisor, PostgreSQL, broker, stack)."""


class SupervisorError(LocalStackError):
    """The supervisor was used wrongly or a child misbehaved."""


class ChildStartError(SupervisorError):
    """A child exited or did not become ready in time; the message carries its log tail."""

    def __init__(self, name: str, reason: str, log_file: Path | None = None) -> None:
        self.name = name
        self.reason = reason
        self.log_file = log_file
        message = f"{name} did not start: {reason}"
        tail = log_tail(log_file) if log_file else ""
        if tail:
            message += f"\n--- last lines of {log_file} ---\n{tail}"
        super().__init__(message)


@dataclass
class ChildSpec:
    """How to run, check and stop one child process."""

    name: str
    argv: Sequence[str | os.PathLike[str]]
    env: Mapping[str, str] | None = None  # added on top of the parent's environment
    ready: ReadyCheck = None  # URL (GET must answer 200) or a (sync or async) callable -> bool
    log_file: Path | None = None  # stdout and stderr are appended here
    cwd: Path | None = None
    user: str | None = None  # run as this OS user (only when we are root)
    inherit_env: bool = True
    stop_signal: int = signal.SIGTERM
    stop_timeout: float = 10.0  # grace between stop_signal and SIGKILL
    ready_timeout: float = 60.0
    restart: bool = True
    before_start: Callable[[], Any] | None = None  # before every (re)start; a sync one runs in a thread
    on_restart: Hook | None = None  # runs after a restarted child is ready again


@dataclass
class Child:
    """The live state of one supervised child."""

    spec: ChildSpec
    process: asyncio.subprocess.Process | None = None
    state: str = "new"  # new, starting, ready, backoff, exited, stopped
    restarts: int = 0
    started_at: float = 0.0
    last_exit_code: int | None = None
    backoff: float = 0.0
    monitor: asyncio.Task[None] | None = field(default=None, repr=False)

    @property
    def name(self) -> str:
        """The child's name."""
        return self.spec.name

    @property
    def pid(self) -> int | None:
        """The current process id, or None while it is not running."""
        if self.process is None or self.process.returncode is not None:
            return None
        return self.process.pid


async def _call(fn: Callable[..., Any], *args: Any) -> Any:
    result = fn(*args)
    if inspect.isawaitable(result):
        result = await result
    return result


class Supervisor:
    """Runs children as separate process groups, restarts them with backoff, stops them in reverse order."""

    def __init__(
        self,
        *,
        backoff_initial: float = 0.5,
        backoff_max: float = 10.0,
        healthy_after: float = 30.0,
        poll_interval: float = 0.1,
        on_pid_change: Hook | None = None,
    ) -> None:
        self.backoff_initial = backoff_initial
        self.backoff_max = backoff_max
        self.healthy_after = healthy_after
        self.poll_interval = poll_interval
        self.on_pid_change = on_pid_change
        self.children: dict[str, Child] = {}
        self._stopping = False
        self._hurry = asyncio.Event()
        self._http: Any = None

    # -- public API -------------------------------------------------------------------------

    @property
    def pids(self) -> dict[str, int | None]:
        """Current pid of every child by name (None while a child is down)."""
        return {name: child.pid for name, child in self.children.items()}

    def child(self, name: str) -> Child:
        """The state of one child."""
        return self.children[name]

    async def start(self, spec: ChildSpec) -> Child:
        """Start one child and wait until it is ready; raise ChildStartError otherwise."""
        if spec.name in self.children:
            raise SupervisorError(f"a child named {spec.name!r} is already supervised")
        if self._stopping:
            raise SupervisorError("the supervisor is stopping")
        child = Child(spec)
        self.children[spec.name] = child
        try:
            await self._spawn(child)
            await self._wait_ready(child)
        except BaseException:
            await self._terminate(child, grace=1.0)
            child.state = "exited"
            raise
        child.monitor = asyncio.create_task(self._monitor(child), name=f"supervise-{spec.name}")
        return child

    async def start_all(self, specs: Iterable[ChildSpec], *, parallel: bool = False) -> list[Child]:
        """Start children one after another (or together with parallel=True), each ready before returning."""
        specs = list(specs)
        if not parallel:
            return [await self.start(spec) for spec in specs]
        results = await asyncio.gather(*(self.start(spec) for spec in specs), return_exceptions=True)
        for result in results:
            if isinstance(result, BaseException):
                raise result
        return list(results)  # type: ignore[arg-type]

    async def wait_restarted(self, name: str, old_pid: int | None, timeout: float = 30.0) -> int:
        """Wait until `name` runs and is ready under a pid other than `old_pid`; return the new pid."""
        child = self.children[name]
        deadline = time.monotonic() + timeout
        while True:
            if child.state == "ready" and child.pid is not None and child.pid != old_pid:
                return child.pid
            if time.monotonic() > deadline:
                raise TimeoutError(f"{name} was not restarted within {timeout:.0f}s (state {child.state})")
            await asyncio.sleep(self.poll_interval)

    def hurry(self) -> None:
        """Make a stop in progress skip the remaining grace periods (e.g. a second Ctrl-C)."""
        self._hurry.set()

    async def stop(self, grace: float | None = None) -> None:
        """Stop every child in reverse start order: stop signal, then SIGKILL after the grace period."""
        self._stopping = True
        monitors = [c.monitor for c in self.children.values() if c.monitor is not None]
        for task in monitors:
            task.cancel()
        await asyncio.gather(*monitors, return_exceptions=True)
        for child in reversed(list(self.children.values())):
            await self._terminate(child, grace)
        if self._http is not None:
            await self._http.aclose()
            self._http = None

    async def __aenter__(self) -> Supervisor:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # -- internals --------------------------------------------------------------------------

    async def _spawn(self, child: Child) -> None:
        spec = child.spec
        child.state = "starting"
        if spec.before_start is not None:
            # may block (initdb, waiting for an old process to go away): keep the loop free
            if inspect.iscoroutinefunction(spec.before_start):
                await spec.before_start()
            else:
                await asyncio.to_thread(spec.before_start)
        env = dict(os.environ) if spec.inherit_env else {}
        env.update(spec.env or {})
        out = open_log(spec.log_file, spec.name)
        try:
            child.process = await asyncio.create_subprocess_exec(
                *[os.fspath(a) for a in spec.argv],
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                env=env,
                cwd=spec.cwd,
                # own process group: a terminal Ctrl-C reaches only us, and we can kill the
                # child's leftovers (e.g. postgres backends after a kill -9) as a group
                start_new_session=True,
                **run_as_kwargs(spec.user),
            )
        except OSError as exc:  # e.g. the program does not exist
            raise ChildStartError(spec.name, f"cannot run {os.fspath(spec.argv[0])}: {exc}") from exc
        finally:
            if out is not subprocess.DEVNULL:
                out.close()
        track_group(child.process.pid)
        child.started_at = time.monotonic()
        log.info(
            "started %s pid=%s", spec.name, child.process.pid, extra={"child": spec.name, "pid": child.process.pid}
        )

    async def _wait_ready(self, child: Child) -> None:
        spec = child.spec
        proc = child.process
        assert proc is not None
        deadline = time.monotonic() + spec.ready_timeout
        exited = asyncio.ensure_future(proc.wait())
        try:
            while True:
                if proc.returncode is not None:
                    raise ChildStartError(
                        spec.name, f"exited with code {describe_exit(proc.returncode)}", spec.log_file
                    )
                if await self._probe(spec.ready):
                    child.state = "ready"
                    return
                if time.monotonic() > deadline:
                    raise ChildStartError(spec.name, f"not ready after {spec.ready_timeout:.0f}s", spec.log_file)
                await asyncio.wait([exited], timeout=self.poll_interval)
        finally:
            exited.cancel()

    async def _probe(self, ready: ReadyCheck) -> bool:
        if ready is None:
            return True
        if isinstance(ready, str):
            return await self._http_ok(ready)
        try:
            return bool(await _call(ready))
        except Exception:  # a probe that fails means "not ready yet"
            return False

    async def _http_ok(self, url: str) -> bool:
        import httpx

        if self._http is None:
            # trust_env=False: a proxy from the environment must not intercept loopback probes
            self._http = httpx.AsyncClient(timeout=2.0, trust_env=False)
        try:
            response = await self._http.get(url)
        except httpx.HTTPError:
            return False
        return response.status_code == 200

    async def _monitor(self, child: Child) -> None:
        spec = child.spec
        while True:
            proc = child.process
            assert proc is not None
            code = await proc.wait()
            old_pid = proc.pid
            child.last_exit_code = code
            kill_group(old_pid)  # leftovers of the dead child (its pgid is its pid)
            untrack_group(old_pid)
            if self._stopping:
                return
            uptime = time.monotonic() - child.started_at
            if uptime >= self.healthy_after:
                child.backoff = 0.0
            if not spec.restart:
                child.state = "exited"
                log.error(
                    "%s pid=%s exited with code %s; not restarting",
                    spec.name,
                    old_pid,
                    describe_exit(code),
                    extra={"child": spec.name, "pid": old_pid, "exit_code": code},
                )
                return
            while True:
                child.backoff = next_backoff(child.backoff, initial=self.backoff_initial, maximum=self.backoff_max)
                child.state = "backoff"
                log.warning(
                    "%s pid=%s exited with code %s after %.1fs; restarting in %.1fs",
                    spec.name,
                    old_pid,
                    describe_exit(code),
                    uptime,
                    child.backoff,
                    extra={"child": spec.name, "pid": old_pid, "exit_code": code},
                )
                await asyncio.sleep(child.backoff)
                try:
                    await self._spawn(child)
                    await self._wait_ready(child)
                    break
                except ChildStartError as exc:
                    code = child.process.returncode if child.process else None
                    uptime = 0.0
                    log.warning(
                        "restart of %s failed: %s", spec.name, exc.reason, extra={"child": spec.name, "exit_code": code}
                    )
                    await self._terminate(child, grace=1.0)
                except Exception:
                    log.exception("restart of %s failed", spec.name)
                    await self._terminate(child, grace=1.0)
            child.restarts += 1
            log.warning(
                "restarted %s: pid %s -> %s (exit code %s, restart #%d)",
                spec.name,
                old_pid,
                child.pid,
                describe_exit(child.last_exit_code),
                child.restarts,
                extra={
                    "child": spec.name,
                    "pid": child.pid,
                    "old_pid": old_pid,
                    "exit_code": child.last_exit_code,
                    "restarts": child.restarts,
                },
            )
            for hook in (spec.on_restart, self.on_pid_change):
                if hook is not None:
                    try:
                        await _call(hook, child)
                    except Exception:
                        log.exception("restart hook of %s failed", spec.name)

    async def _terminate(self, child: Child, grace: float | None = None) -> None:
        proc = child.process
        if proc is None:
            child.state = "stopped"
            return
        grace = child.spec.stop_timeout if grace is None else grace
        if proc.returncode is None:
            try:
                proc.send_signal(child.spec.stop_signal)
            except ProcessLookupError:
                pass
            waiter = asyncio.ensure_future(proc.wait())
            hurry = asyncio.ensure_future(self._hurry.wait())
            await asyncio.wait([waiter, hurry], timeout=grace, return_when=asyncio.FIRST_COMPLETED)
            hurry.cancel()
            if proc.returncode is None:
                log.warning(
                    "%s pid=%s did not stop within %.1fs; killing it",
                    child.name,
                    proc.pid,
                    grace,
                    extra={"child": child.name, "pid": proc.pid},
                )
                kill_group(proc.pid)
                try:
                    proc.kill()
                except ProcessLookupError:
                    pass
            await waiter
            log.info(
                "stopped %s pid=%s (exit code %s)",
                child.name,
                proc.pid,
                describe_exit(proc.returncode),
                extra={"child": child.name, "pid": proc.pid, "exit_code": proc.returncode},
            )
        kill_group(proc.pid)
        untrack_group(proc.pid)
        child.state = "stopped"
