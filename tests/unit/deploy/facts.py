"""What the code says a deployment must provide, read from the code itself (not restated in the tests):
each service's topic, the topics it consumes, whether it serves gRPC, its health routes, and every
setting (`JIXIAO_*`) that some Settings class reads."""

from __future__ import annotations

import importlib
import re
from dataclasses import dataclass
from functools import cache

from pydantic_settings import BaseSettings

from jixiao import settings as kernel_settings
from jixiao.messaging import topics
from jixiao.registry import SERVICES
from jixiao.settings import KafkaSettings, ServiceSettings

SERVICE_SETTINGS_MODULES = [f"services.{name}.settings" for name in SERVICES]


@dataclass(frozen=True)
class ServiceFacts:
    name: str
    publishes: str | None  # its topic, when it has an outbox
    consumes: tuple[str, ...]
    grpc: bool
    routes: frozenset[str]
    group: str  # its consumer group


@cache
def services() -> dict[str, ServiceFacts]:
    """Each service as its app.py assembles it (apps are built, not started: no I/O)."""
    out = {}
    for name in SERVICES:
        app = importlib.import_module(f"services.{name}.app").create_app(ServiceSettings(service=name))
        parts = app.state.runtime.parts
        out[name] = ServiceFacts(
            name=name,
            publishes=topics.TOPIC_OF_SERVICE.get(name) if parts.publishes else None,
            consumes=tuple(parts.consumes),
            grpc=parts.grpc is not None,
            routes=frozenset(getattr(r, "path", "") for r in app.routes),
            group=consumer_group(name),
        )
    return out


def consumer_group(name: str) -> str:
    """The group id runtime.py gives a service's consumer (read from its source, where it is decided)."""
    source = importlib.import_module("jixiao.runtime").__file__
    found = re.search(r'IdempotentConsumer\([^)]*?f"([^"]*)\{self\.parts\.name\}"', open(source).read())
    assert found, 'jixiao/runtime.py no longer names consumer groups f"...{self.parts.name}": update facts.py'
    return f"{found.group(1)}{name}"


@cache
def known_settings() -> frozenset[str]:
    """Every JIXIAO_* variable some Settings class of the kernel or of a service reads."""
    classes = [
        c
        for c in vars(kernel_settings).values()
        if isinstance(c, type) and issubclass(c, BaseSettings) and c is not BaseSettings
    ]
    for module in SERVICE_SETTINGS_MODULES:
        try:
            mod = importlib.import_module(module)
        except ModuleNotFoundError:
            continue
        classes += [
            c
            for c in vars(mod).values()
            if isinstance(c, type) and issubclass(c, BaseSettings) and c is not BaseSettings and c.__module__ == module
        ]
    names = set()
    for cls in classes:
        prefix = cls.model_config.get("env_prefix", "")
        names.update(f"{prefix}{field}".upper() for field in cls.model_fields)
    return frozenset(names)


def partitions_default() -> int:
    return KafkaSettings.model_fields["kafka_partitions"].default


def scoring_sources() -> dict[str, str]:
    """Scoring's source gRPC settings: source service -> JIXIAO_<SOURCE>_GRPC."""
    from jixiao.registry import SOURCES

    return {source: f"JIXIAO_{source.upper()}_GRPC" for source in SOURCES}
