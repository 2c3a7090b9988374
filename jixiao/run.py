"""Run one service process: `python -m jixiao.run NAME` (HTTP on JIXIAO_HTTP_PORT, gRPC on JIXIAO_GRPC_PORT)."""

from __future__ import annotations

import importlib
import sys

import uvicorn

from jixiao import logging as jlog
from jixiao.registry import SERVICES
from jixiao.settings import ServiceSettings


def main(argv: list[str]) -> int:
    if len(argv) != 1 or argv[0] not in SERVICES:
        print(f"usage: python -m jixiao.run {{{'|'.join(SERVICES)}}}", file=sys.stderr)
        return 2
    name = argv[0]
    settings = ServiceSettings(service=name)
    jlog.configure(name, settings.log_level)
    app = importlib.import_module(f"services.{name}.app").create_app(settings)
    uvicorn.run(
        app, host=settings.http_host, port=settings.http_port, log_level="warning", lifespan="on", access_log=False
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
