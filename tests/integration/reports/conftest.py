"""Debian packages the reports tests need: installed here when missing (as root), else the test skips."""

from __future__ import annotations

import ctypes.util
import os
import shutil
import subprocess

import pytest

PDF_FONT = "WenQuanYi Micro Hei"  # Debian fonts-wqy-microhei: TrueType, so WeasyPrint subsets it fast


def _has_font(name: str) -> bool:
    if not shutil.which("fc-list"):
        return False
    out = subprocess.run(["fc-list"], capture_output=True, text=True, check=False).stdout
    return name.lower() in out.lower()


def ensure_debian(packages: list[str], present) -> str | None:
    """Install `packages` with apt-get when `present()` is false; the reason to skip, or None."""
    if present():
        return None
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        return f"needs Debian {' '.join(packages)} (not root, cannot install it)"
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for cmd in (
        ["apt-get", "update", "-qq"],
        ["apt-get", "install", "-y", "-qq", "--no-install-recommends", *packages],
    ):
        done = subprocess.run(cmd, capture_output=True, text=True, check=False, env=env, timeout=900)
        if done.returncode != 0:
            return (
                f"needs Debian {' '.join(packages)}; the package registry could not be reached: "
                f"{done.stderr.strip()[-300:]}"
            )
    return None if present() else f"installed {' '.join(packages)} but it is still not found"


@pytest.fixture(scope="session")
def pdf_font() -> str:
    """The CJK font the PDF annual report is printed with (installed when missing)."""
    reason = ensure_debian(["fontconfig", "fonts-wqy-microhei"], lambda: _has_font(PDF_FONT))
    if reason:
        pytest.skip(reason)
    reason = ensure_debian(
        ["libpango-1.0-0", "libpangoft2-1.0-0"],  # WeasyPrint draws text with Pango
        lambda: ctypes.util.find_library("pango-1.0") is not None,
    )
    if reason:
        pytest.skip(reason)
    return PDF_FONT
