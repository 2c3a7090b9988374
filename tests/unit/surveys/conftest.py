"""Builders for the surveys unit tests, exposed as fixtures (no cross-module imports)."""

from __future__ import annotations

import random
from collections.abc import Callable

import pytest

from services.surveys.domain.sampling import FrameKey

Row = tuple[str, str, str, str, str]


def _make_keys(sizes: dict[str, int]) -> list[FrameKey]:
    return [
        FrameKey(f"{stratum}-{i:05d}", stratum) for stratum, n in sizes.items() for i in range(n)
    ]


def _frame_csv(rows: list[Row], header: str = "respondent_id,stratum,name,phone,address") -> bytes:
    lines = [header] + [",".join(r) for r in rows]
    return ("\n".join(lines) + "\n").encode("utf-8")


def _person_rows(keys: list[FrameKey], seed: int = 7) -> list[Row]:
    rng = random.Random(seed)
    return [
        (
            k.respondent_id,
            k.stratum,
            rng.choice("王李张刘陈杨赵黄周吴") + rng.choice("伟芳娜敏静丽强磊军洋"),
            f"13{rng.randrange(10)}{rng.randrange(10**8):08d}",
            f"白莲镇{rng.randrange(1, 30)}村{rng.randrange(1, 200)}号",
        )
        for k in keys
    ]


@pytest.fixture
def make_keys() -> Callable[[dict[str, int]], list[FrameKey]]:
    """Opaque ids per stratum: make_keys({"business": 3}) -> business-00000 ..."""
    return _make_keys


@pytest.fixture
def frame_csv() -> Callable[..., bytes]:
    """CSV bytes with the standard header (or another) and the given rows."""
    return _frame_csv


@pytest.fixture
def person_rows() -> Callable[..., list[Row]]:
    """Frame rows with made-up names, mobile numbers and addresses for the given keys."""
    return _person_rows
