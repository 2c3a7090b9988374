"""Fixtures for the indicators unit tests: the example bundle and in-memory doubles of the ports
(FakeRepository, FakeUnitOfWork; the suite imports in importlib mode, so they live here)."""

from __future__ import annotations

import copy
import json
from dataclasses import fields
from decimal import Decimal
from typing import Any

import pytest

from jixiao.samples import BAILIAN_BUNDLE
from jixiao.testing import fakes
from services.indicators.service.unit_of_work import AbstractUnitOfWork

_KEYS = {
    "plans": ("id",),
    "plan_versions": ("plan_id", "version"),
    "units": ("plan_id", "id"),
    "targets": ("plan_id", "unit_id", "indicator_id"),
    "results": ("id",),
    "result_entries": ("result_id", "revision"),
    "periods": ("plan_id", "period"),
    "tasks": ("id",),
    "staff": ("plan_id", "id"),
    "reports": ("plan_id", "unit_id", "period"),
    "evidence": ("id",),
}


class FakeRepository:
    """Rows by primary key; objects are copied in and out like a database would."""

    def __init__(self, key: tuple[str, ...]) -> None:
        self.key = key
        self.rows: dict[tuple, Any] = {}

    async def get(self, *key: Any, for_update: bool = False) -> Any:
        row = self.rows.get(tuple(key))
        return copy.deepcopy(row)

    def _match(self, where: dict[str, Any]) -> list[Any]:
        return [
            r
            for k, r in sorted(self.rows.items())
            if all(
                getattr(r, f) in v if isinstance(v, set | frozenset | tuple) else getattr(r, f) == v
                for f, v in where.items()
                if v is not None
            )
        ]

    async def find(self, *, limit: int | None = None, offset: int = 0, **where: Any) -> list[Any]:
        found = self._match(where)[offset:]
        return copy.deepcopy(found[:limit] if limit is not None else found)

    async def count(self, **where: Any) -> int:
        return len(self._match(where))

    async def save(self, obj: Any) -> None:
        assert {f.name for f in fields(obj)} >= set(self.key)
        self.rows[tuple(getattr(obj, k) for k in self.key)] = copy.deepcopy(obj)

    async def save_many(self, objs: list[Any]) -> None:
        for obj in objs:
            await self.save(obj)

    async def delete(self, *key: Any) -> bool:
        return self.rows.pop(tuple(key), None) is not None

    async def find_meta(self, **where: Any) -> list[Any]:
        """Like the evidence repository: rows without their bytes."""
        found = await self.find(**where)
        for row in found:
            row.data = None
        return found


class FakeUnitOfWork(fakes.FakeUnitOfWork, AbstractUnitOfWork):
    """Commits keep changes and events; leaving without commit rolls both back."""

    source = "indicators"

    def __init__(self) -> None:
        super().__init__()
        for name, key in _KEYS.items():
            setattr(self, name, FakeRepository(key))

    def snapshot(self) -> dict[str, dict]:
        return {name: copy.deepcopy(getattr(self, name).rows) for name in _KEYS}

    def restore(self, saved: dict[str, dict]) -> None:
        for name, rows in saved.items():
            getattr(self, name).rows = rows

    def types(self) -> list[str]:
        return [e.type for e in self.published]


BUNDLE = BAILIAN_BUNDLE


@pytest.fixture(scope="session")
def _bundle() -> dict[str, Any]:
    return json.loads(BUNDLE.read_text(encoding="utf-8"), parse_float=Decimal)


@pytest.fixture
def part(_bundle) -> dict[str, Any]:
    return copy.deepcopy({k: _bundle[k] for k in ("plan", "indicators", "units", "targets", "results")})


@pytest.fixture
def uow() -> FakeUnitOfWork:
    return FakeUnitOfWork()
