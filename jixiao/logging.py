"""Structured JSON logs (structlog) carrying the service name and the current trace id."""

from __future__ import annotations

import logging
import sys
import uuid
from contextvars import ContextVar

import structlog

trace_id_var: ContextVar[str] = ContextVar("trace_id", default="")


def new_trace_id() -> str:
    return uuid.uuid4().hex


def current_trace_id() -> str:
    """The trace id of the request or event being handled, or a fresh one."""
    return trace_id_var.get() or new_trace_id()


def _add_trace(_logger, _name, event: dict) -> dict:
    tid = trace_id_var.get()
    if tid:
        event.setdefault("trace_id", tid)
    return event


def configure(service: str, level: str = "INFO", json: bool = True) -> None:
    """Configure structlog and stdlib logging once per process."""
    renderer = structlog.processors.JSONRenderer(ensure_ascii=False) if json else structlog.dev.ConsoleRenderer()
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            _add_trace,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.format_exc_info,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(getattr(logging, level)),
        logger_factory=structlog.PrintLoggerFactory(file=sys.stderr),
        cache_logger_on_first_use=True,
    )
    structlog.contextvars.bind_contextvars(service=service)
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr, format="%(levelname)s %(name)s %(message)s")


def get_logger(name: str = "jixiao"):
    return structlog.get_logger(name)
