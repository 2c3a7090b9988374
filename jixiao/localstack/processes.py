"""Child processes of the local stack: process groups (tracked, killed with the stack), logs, backoff,
the OS user a child runs as."""

from __future__ import annotations

import atexit
import os
import pwd
import signal
import subprocess
import time
from pathlib import Path
from typing import Any


def next_backoff(current: float, *, initial: float = 0.5, maximum: float = 10.0) -> float:
    """The delay after `current`: doubles from `initial` up to `maximum`."""
    if current <= 0:
        return initial
    return min(current * 2, maximum)


def describe_exit(code: int | None) -> str:
    """`1`, or `-9 (SIGKILL)` for a signal."""
    if code is None:
        return "unknown"
    if code < 0:
        try:
            return f"{code} ({signal.Signals(-code).name})"
        except ValueError:
            return str(code)
    return str(code)


def log_tail(path: Path | None, lines: int = 20) -> str:
    """The last `lines` lines of a log file ('' when it is missing)."""
    if path is None:
        return ""
    try:
        with open(path, "rb") as fh:
            fh.seek(0, os.SEEK_END)
            fh.seek(max(0, fh.tell() - 16384))
            text = fh.read().decode("utf-8", "replace")
    except OSError:
        return ""
    return "\n".join(text.splitlines()[-lines:])


def ensure_os_user(name: str) -> pwd.struct_passwd:
    """Return the passwd entry of `name`, creating a system user if needed (root only)."""
    try:
        return pwd.getpwnam(name)
    except KeyError:
        pass
    subprocess.run(
        ["useradd", "--system", "--no-create-home", "--shell", "/bin/false", name],
        check=True,
        capture_output=True,
        text=True,
    )
    return pwd.getpwnam(name)


def run_as_kwargs(user: str | None) -> dict[str, Any]:
    """Popen keyword arguments that drop root to `user`; empty when not root or no user."""
    if user is None or os.geteuid() != 0:
        return {}
    entry = ensure_os_user(user)
    return {"user": entry.pw_uid, "group": entry.pw_gid, "extra_groups": []}


def kill_group(pgid: int, sig: int = signal.SIGKILL) -> bool:
    """Signal a whole process group; False when the group is gone."""
    try:
        os.killpg(pgid, sig)
    except (ProcessLookupError, PermissionError):
        return False
    return True


def open_log(path: Path | None, name: str) -> Any:
    """Open (append) a child's log file and write a start marker; DEVNULL when no file."""
    if path is None:
        return subprocess.DEVNULL
    path.parent.mkdir(parents=True, exist_ok=True)
    fh = open(path, "ab")
    fh.write(f"\n=== {time.strftime('%Y-%m-%d %H:%M:%S')} starting {name} ===\n".encode())
    fh.flush()
    return fh


# Process groups of children that are running, so that an interpreter exiting without stop()
# (a crashed test, an unhandled error) does not leave them behind.
_LIVE_GROUPS: set[int] = set()


def track_group(pgid: int) -> None:
    """Remember a started process group: it is SIGKILLed at interpreter exit unless untracked."""
    _LIVE_GROUPS.add(pgid)


def stop_process(proc: subprocess.Popen | None, sig: int, timeout: float) -> None:
    """Send `sig`, wait up to `timeout`, then kill the whole process group; forget the group."""
    if proc is None:
        return
    if proc.poll() is None:
        proc.send_signal(sig)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            kill_group(proc.pid)
            proc.wait()
    kill_group(proc.pid)
    untrack_group(proc.pid)


def untrack_group(pgid: int) -> None:
    """Forget a process group that was stopped."""
    _LIVE_GROUPS.discard(pgid)


@atexit.register
def _kill_live_groups() -> None:
    for pgid in list(_LIVE_GROUPS):
        kill_group(pgid)
    _LIVE_GROUPS.clear()
