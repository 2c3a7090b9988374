"""The one list of the platform's services (settings, the local stack, the CLI and the deploy checks
read it; a service's code lives in `services/<name>/`)."""

from __future__ import annotations

from typing import Literal

SERVICES: tuple[str, ...] = ("indicators", "surveys", "inspections", "scoring", "reports")
ServiceName = Literal["indicators", "surveys", "inspections", "scoring", "reports"]
SOURCES: tuple[str, ...] = ("indicators", "surveys", "inspections")  # own facts; serve SnapshotService
