"""Shared fixtures: real PostgreSQL and the real broker, started once per test session
(embedded, external, or testcontainers where Docker exists: see jixiao.testing.containers)."""

import logging

import pytest
import structlog

pytest_plugins = ["jixiao.testing.pytest_plugin", "jixiao.testing.containers"]


@pytest.fixture
def restore_logging():
    """Code that tunes logging for itself (the bench scripts' `quiet()`: structlog at WARNING) must
    not change what later tests see in their captured output."""
    config = structlog.get_config()
    levels = {name: logging.getLogger(name).level for name in ("aiokafka", "httpx")}
    yield
    structlog.configure(**config)
    for name, level in levels.items():
        logging.getLogger(name).setLevel(level)
