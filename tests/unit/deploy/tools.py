"""Tools the deploy checks (and tests/e2e/test_prometheus_scrape.py) need, installed when missing: PyYAML and kubernetes-validate (PyPI, into this
venv), promtool and prometheus (Debian package `prometheus`). A test skips, saying why, only when the
registry cannot be reached; any other install failure is an error."""

from __future__ import annotations

import importlib
import os
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[3]
DEPLOY = ROOT / "deploy"
_UNREACHABLE = (
    "Temporary failure resolving",
    "Could not resolve",
    "Failed to fetch",
    "Network is unreachable",
    "Connection refused",
    "No matching distribution",
    "Failed to establish a new connection",
    "Could not connect",
    "Unable to locate package",
)


def python_module(module: str, requirement: str) -> ModuleType:
    """Import `module`, pip-installing `requirement` into this interpreter first when it is missing."""
    try:
        return importlib.import_module(module)
    except ImportError:
        pass
    done = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", requirement],
        capture_output=True,
        text=True,
        timeout=600,
    )
    if done.returncode != 0:
        _skip_if_unreachable(f"pip install {requirement}", done.stdout + done.stderr)
    importlib.invalidate_caches()
    return importlib.import_module(module)


def debian_tool(binary: str, package: str) -> str:
    """The path of `binary`, apt-get installing Debian `package` first when it is missing."""
    found = shutil.which(binary)
    if found:
        return found
    if shutil.which("apt-get") is None:
        pytest.skip(f"{binary} is missing and this machine has no apt-get to install Debian {package}")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    install = ["apt-get", "install", "-y", "-q", "--no-install-recommends", package]
    done = subprocess.run(install, capture_output=True, text=True, timeout=900, env=env)
    if done.returncode != 0:  # an old or empty package list: update once, then try again
        update = subprocess.run(["apt-get", "update", "-q"], capture_output=True, text=True, timeout=600, env=env)
        done = subprocess.run(install, capture_output=True, text=True, timeout=900, env=env)
        if done.returncode != 0:
            _skip_if_unreachable(
                f"apt-get install {package}", update.stdout + update.stderr + done.stdout + done.stderr
            )
    found = shutil.which(binary)
    assert found, f"apt-get installed {package} but {binary} is not on PATH"
    return found


def _skip_if_unreachable(what: str, output: str) -> None:
    if any(sign in output for sign in _UNREACHABLE):
        pytest.skip(f"{what}: the package registry cannot be reached here ({output.strip()[-300:]})")
    raise AssertionError(f"{what} failed:\n{output[-3000:]}")
