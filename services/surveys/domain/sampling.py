"""Stratified quota random sampling (分层配额、随机抽样): allocation, reproducible draws, replacements.

Everything here is a pure function of (frame keys, size, seed, allocation, standard deviations):
anyone holding the same frame and seed re-draws the same sample.

Algorithm `jixiao.surveys.sample/v1`:

1. Allocation. Stratum quotas q_h = n·w_h/Σw computed exactly (fractions); w_h = N_h for
   proportional, N_h·S_h for Neyman. Each stratum gets ⌊q_h⌋ and the seats left over go one each
   to the largest remainders q_h − ⌊q_h⌋, ties broken by stratum name ascending (Hamilton).
   Capping: a stratum whose exact quota exceeds its size N_h takes all its members (a census);
   it leaves the computation and the rest of the sample is re-allocated among the other strata
   by the same rule, repeated until no quota exceeds its size; only then is Hamilton applied.
   If the remaining strata all have weight 0 (every S_h = 0), the rest is allocated in
   proportion to N_h. Proportional allocation never needs the cap (q_h ≤ N_h when n ≤ N).
2. Frame hash. sha256 (hex) of the UTF-8 JSON `[[respondent_id, stratum], ...]` sorted by
   respondent_id, compact separators, non-ASCII kept as is. Row order and personal data do not
   affect it.
3. Draw. Per stratum h, the members' ids are sorted ascending and permuted by a front-to-back
   Fisher-Yates shuffle driven by `random.Random(int(sha256(JSON [seed, frame_hash, h])))`,
   taking indices from `getrandbits` by rejection (so the result does not depend on how a Python
   version implements `random.sample`). The first n_h of the permutation are the sample; the
   next ones, in order, are the replacements: replacement draw number d is position n_h + d.
   So replacements stay in their stratum, never repeat anyone sampled or already drawn, and
   depend only on (seed, frame, stratum, d). The reserve list is the first reserve_h
   replacements, published in advance: reserve_h = min(⌈n_h·reserve_rate⌉, N_h − n_h).

`draw_sample` ignores standard deviations of strata that have no member in the frame (a plan's
stratum the unit lacks); `allocate` itself refuses a deviation for a stratum it does not know.
"""

from __future__ import annotations

import hashlib
import json
import math
import random
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from fractions import Fraction
from typing import NamedTuple

from .errors import SamplingError

SAMPLING_ALGORITHM = "jixiao.surveys.sample/v1"


class FrameKey(NamedTuple):
    """What sampling sees of a respondent: no personal data."""

    respondent_id: str
    stratum: str


class Allocation(StrEnum):
    """How the total sample size is split between strata."""

    PROPORTIONAL = "proportional"
    NEYMAN = "neyman"


Number = int | Decimal | Fraction


def largest_remainder(total: int, weights: Mapping[str, Number]) -> dict[str, int]:
    """Split `total` seats in proportion to `weights` by Hamilton's method (ties: name order)."""
    if total < 0:
        raise SamplingError(f"cannot allocate a negative number of seats ({total})")
    fractions = {h: Fraction(w) for h, w in weights.items()}
    if any(w < 0 for w in fractions.values()):
        raise SamplingError("weights must not be negative")
    whole = sum(fractions.values(), Fraction(0))
    if whole == 0:
        if total == 0:
            return {h: 0 for h in sorted(fractions)}
        raise SamplingError("cannot allocate seats: every weight is zero")
    quotas = {h: total * w / whole for h, w in fractions.items()}
    seats = {h: math.floor(q) for h, q in quotas.items()}
    left = total - sum(seats.values())
    by_remainder = sorted(quotas, key=lambda h: (-(quotas[h] - seats[h]), h))
    for h in by_remainder[:left]:
        seats[h] += 1
    return dict(sorted(seats.items()))


def _decimal(value: object) -> Decimal | None:
    if isinstance(value, bool) or isinstance(value, float):
        return None  # no binary floats: a float sd would make the allocation platform-dependent
    try:
        d = Decimal(value) if isinstance(value, (int, str, Decimal)) else None
    except InvalidOperation:
        return None
    return d if d is not None and d.is_finite() else None


def _check_size(size: object, population: int) -> int:
    if isinstance(size, bool) or not isinstance(size, int):
        raise SamplingError(f"sample size must be an integer, got {size!r}")
    if size < 1:
        raise SamplingError(f"sample size must be at least 1, got {size}")
    if size > population:
        raise SamplingError(f"sample size {size} exceeds the frame's {population} respondents")
    return size


def _neyman_weights(sizes: Mapping[str, int], sds: Mapping[str, object] | None) -> dict[str, Fraction]:
    if not sds:
        raise SamplingError("neyman allocation needs a standard deviation for every stratum")
    problems: list[str] = []
    parsed: dict[str, Decimal] = {}
    for h, raw in sorted(sds.items()):
        if h not in sizes:
            problems.append(f"standard deviation given for unknown stratum {h!r}")
            continue
        d = _decimal(raw)
        if d is None:
            problems.append(f"standard deviation of {h!r} must be a finite decimal, got {raw!r}")
        elif d < 0:
            problems.append(f"standard deviation of {h!r} must not be negative, got {raw}")
        else:
            parsed[h] = d
    for h in sorted(sizes):
        if sizes[h] > 0 and h not in sds:
            problems.append(f"missing standard deviation for stratum {h!r}")
    if problems:
        raise SamplingError(problems)
    return {h: sizes[h] * Fraction(parsed.get(h, Decimal(0))) for h in sizes}


def allocate(
    size: int,
    sizes: Mapping[str, int],
    allocation: Allocation | str = Allocation.PROPORTIONAL,
    sds: Mapping[str, object] | None = None,
) -> dict[str, int]:
    """Per-stratum sample sizes for a total `size` (see the module docstring for the rules)."""
    try:
        method = Allocation(allocation)
    except ValueError:
        raise SamplingError(f"unknown allocation {allocation!r} (expected proportional or neyman)") from None
    if any(isinstance(n, bool) or not isinstance(n, int) or n < 0 for n in sizes.values()):
        raise SamplingError("stratum sizes must be non-negative integers")
    _check_size(size, sum(sizes.values()))
    if method is Allocation.PROPORTIONAL:
        if sds:
            raise SamplingError("standard deviations are only used by neyman allocation")
        weights: dict[str, Fraction] = {h: Fraction(n) for h, n in sizes.items()}
    else:
        weights = _neyman_weights(sizes, sds)

    result = {h: 0 for h in sizes}
    active = {h for h, n in sizes.items() if n > 0}
    remaining = size
    while True:
        current = {h: weights[h] for h in active}
        whole = sum(current.values(), Fraction(0))
        if whole == 0:
            current = {h: Fraction(sizes[h]) for h in active}
            whole = sum(current.values(), Fraction(0))
        over = {h for h in active if remaining * current[h] / whole > sizes[h]}
        if not over:
            break
        for h in over:
            result[h] = sizes[h]
            remaining -= sizes[h]
        active -= over
    result.update(largest_remainder(remaining, current))
    return dict(sorted(result.items()))


def frame_sha256(frame: Iterable[FrameKey | tuple[str, str]]) -> str:
    """sha256 (hex) over the canonical serialisation of the frame's (respondent_id, stratum)."""
    pairs = sorted((str(rid), str(stratum)) for rid, stratum in frame)
    payload = json.dumps(pairs, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def stratum_seed(seed: int, frame_hash: str, stratum: str) -> int:
    """The integer seeding one stratum's generator: sha256 of JSON [seed, frame_hash, stratum]."""
    payload = json.dumps([seed, frame_hash, stratum], ensure_ascii=False, separators=(",", ":"))
    return int.from_bytes(hashlib.sha256(payload.encode("utf-8")).digest(), "big")


def _below(rng: random.Random, n: int) -> int:
    """A uniform integer in [0, n) from raw generator bits (stable across Python versions)."""
    bits = n.bit_length()
    while True:
        r = rng.getrandbits(bits)
        if r < n:
            return r


def draw_order(members: Iterable[str], seed: int) -> tuple[str, ...]:
    """A seeded uniform random permutation of the members, taken in sorted order first."""
    pool = sorted(members)
    rng = random.Random(seed)
    for i in range(len(pool) - 1):
        j = i + _below(rng, len(pool) - i)
        pool[i], pool[j] = pool[j], pool[i]
    return tuple(pool)


@dataclass(frozen=True)
class StratumDraw:
    """One stratum's draw: its size, its quota and its full draw order."""

    stratum: str
    population: int
    allocated: int
    reserve_size: int
    order: tuple[str, ...] = field(repr=False)

    @property
    def sampled(self) -> tuple[str, ...]:
        """The sampled respondents, in draw order."""
        return self.order[: self.allocated]

    @property
    def reserve(self) -> tuple[str, ...]:
        """The reserve list: the first replacements, in the order they will be used."""
        return self.order[self.allocated : self.allocated + self.reserve_size]

    def replacement(self, draw_number: int) -> str | None:
        """The respondent of replacement draw `draw_number` (1-based), None once exhausted."""
        if isinstance(draw_number, bool) or not isinstance(draw_number, int) or draw_number < 1:
            raise SamplingError(f"draw number must be a positive integer, got {draw_number!r}")
        position = self.allocated + draw_number - 1
        return self.order[position] if position < len(self.order) else None


@dataclass(frozen=True)
class Sample:
    """A reproducible stratified sample: everything needed to re-draw it is stored with it."""

    algorithm: str
    seed: int
    frame_sha256: str
    allocation: Allocation
    size: int
    sds: Mapping[str, Decimal] | None
    reserve_rate: Decimal
    strata: Mapping[str, StratumDraw]

    def allocated(self) -> dict[str, int]:
        """Sample size per stratum."""
        return {h: d.allocated for h, d in self.strata.items()}

    def respondents(self) -> tuple[FrameKey, ...]:
        """Every sampled respondent, by stratum then respondent_id."""
        return tuple(FrameKey(rid, h) for h, d in self.strata.items() for rid in sorted(d.sampled))

    def reserve(self, stratum: str) -> tuple[str, ...]:
        """The stratum's reserve list."""
        return self._stratum(stratum).reserve

    def replacement(self, stratum: str, draw_number: int) -> str | None:
        """Replacement draw `draw_number` (1-based) in `stratum`; None once it is exhausted."""
        return self._stratum(stratum).replacement(draw_number)

    def _stratum(self, stratum: str) -> StratumDraw:
        try:
            return self.strata[stratum]
        except KeyError:
            raise SamplingError(f"stratum {stratum!r} is not in the sample") from None


def draw_sample(
    frame: Iterable[FrameKey | tuple[str, str]],
    size: int,
    seed: int,
    *,
    allocation: Allocation | str = Allocation.PROPORTIONAL,
    sds: Mapping[str, object] | None = None,
    reserve_rate: Decimal | int | str = 0,
) -> Sample:
    """Draw a stratified quota random sample of `size` from the frame's (respondent_id, stratum)."""
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise SamplingError(f"seed must be an integer, got {seed!r}")
    rate = _decimal(reserve_rate)
    if rate is None or rate < 0:
        raise SamplingError(f"reserve rate must be a non-negative decimal, got {reserve_rate!r}")
    members: dict[str, list[str]] = {}
    seen: set[str] = set()
    keys: list[tuple[str, str]] = []
    duplicates: set[str] = set()
    for rid, stratum in frame:
        if rid in seen:
            duplicates.add(rid)
        seen.add(rid)
        keys.append((rid, stratum))
        members.setdefault(stratum, []).append(rid)
    if duplicates:
        raise SamplingError([f"duplicate respondent_id {rid!r} in the frame" for rid in sorted(duplicates)])
    if not keys:
        raise SamplingError("the frame is empty")
    sizes = {h: len(ids) for h, ids in sorted(members.items())}
    if sds:
        # a plan may know strata this unit's frame lacks: their deviations are not needed
        sds = {h: v for h, v in sds.items() if h in sizes}
    quotas = allocate(size, sizes, allocation, sds)
    digest = frame_sha256(keys)
    strata = {}
    for h, ids in sorted(members.items()):
        n = quotas[h]
        reserve_size = min(math.ceil(n * rate), len(ids) - n)
        order = draw_order(ids, stratum_seed(seed, digest, h))
        strata[h] = StratumDraw(h, len(ids), n, reserve_size, order)
    stored_sds = (
        {h: _decimal(v) for h, v in sorted(sds.items())}  # type: ignore[misc]
        if sds
        else None
    )
    return Sample(
        algorithm=SAMPLING_ALGORITHM,
        seed=seed,
        frame_sha256=digest,
        allocation=Allocation(allocation),
        size=size,
        sds=stored_sds,
        reserve_rate=rate,
        strata=strata,
    )
