"""Long jobs over HTTP as NDJSON: one line per progress step as it happens, then the report."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from jixiao.errors import JixiaoError
from jixiao.logging import get_logger
from jixiao.rules.exactjson import dumps

NDJSON = "application/x-ndjson"
log = get_logger("scoring.progress")
_DONE = object()
_RUNNING: set[asyncio.Task] = set()


def _line(value: Any) -> bytes:
    return (dumps(value, indent=None) + "\n").encode()


async def progress_lines(job: Callable[[Callable[[str, int, int], None]], Awaitable[Any]]) -> AsyncIterator[bytes]:
    """Run `job(progress)`; yield each `progress(stage, done, total)` call as a line, then the
    job's `to_dict()` as {"report": ...} — or {"error": ...} when it fails (the status is sent)."""
    queue: asyncio.Queue = asyncio.Queue()

    def progress(stage: str, done: int, total: int) -> None:
        queue.put_nowait({"stage": stage, "done": done, "total": total})

    async def run() -> None:
        try:
            report = await job(progress)
            queue.put_nowait({"report": report.to_dict()})
        except JixiaoError as exc:
            queue.put_nowait({"error": {"status": exc.status, "title": exc.title, "detail": exc.detail}})
        except Exception as exc:
            log.exception("scoring.job_failed")
            queue.put_nowait({"error": {"status": 500, "title": "Internal error", "detail": type(exc).__name__}})
        finally:
            queue.put_nowait(_DONE)

    task = asyncio.create_task(run())
    _RUNNING.add(task)  # a client that goes away does not stop the job: it finishes and logs
    task.add_done_callback(_RUNNING.discard)
    while (item := await queue.get()) is not _DONE:
        yield _line(item)
