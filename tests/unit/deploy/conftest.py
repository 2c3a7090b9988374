"""Fixtures of the deploy checks: the tools they need, installed when missing (see tools.py)."""

from __future__ import annotations

import sys
from pathlib import Path
from types import ModuleType

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # tools, render

from tools import debian_tool, python_module


@pytest.fixture(scope="session")
def yaml() -> ModuleType:
    """PyYAML (installed when missing)."""
    return python_module("yaml", "pyyaml>=6")


@pytest.fixture(scope="session")
def promtool() -> str:
    """promtool from Debian's `prometheus` package (installed when missing)."""
    return debian_tool("promtool", "prometheus")
