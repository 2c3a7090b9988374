"""Stratified quota random sampling (分层配额、随机抽样): allocation, reproducible draws, replacements.

Everything here is a pure function of (frame keys, size, seed, allocation, standard deviations):
anyone holding the same frame and seed re-draws the same sample.

Algorithm `jixiao.surveys.sample/v1`:

1. Allocation. Fixed (`quotas`): each stratum takes the quota the round fixes (0 when not
   named); a quota above the stratum's frame size, or for a stratum the frame does not have, is
   refused; the size is their sum. Otherwise stratum quotas q_h = n·w_h/Σw computed exactly (fractions); w_h = N_h for
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
4. Areas (兼顾地理分布, algorithm `jixiao.surveys.sample/v1+area`): when the frame carries an area
   (e.g. village) for its respondents, the frame hash covers `[respondent_id, stratum, area]`
   triples instead, and inside each stratum the n_h seats are split across its areas in
   proportion to their frame counts N_ha by the same largest-remainder rule (ties by area name;
   never above N_ha). Each area's members (sorted ids) are permuted as in 3 with the seed of
   JSON [seed, frame_hash, h, area]; its first n_ha are sampled. The stratum's draw order is the
   sample (areas in name order) followed by the remaining members permuted with the stratum's
   seed of 3: those are the replacements and the reserve. A blank area is an area of its own.

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


class AreaKey(NamedTuple):
    """A respondent of a frame with an area column: the area is a place (e.g. a village)."""

    respondent_id: str
    stratum: str
    area: str


def frame_key(respondent_id: str, stratum: str, area: str = "") -> FrameKey | AreaKey:
    """The key sampling sees: with the area when there is one."""
    return AreaKey(respondent_id, stratum, area) if area else FrameKey(respondent_id, stratum)


def _split(key: tuple[str, ...]) -> tuple[str, str, str]:
    """(respondent_id, stratum, area) of a 2- or 3-field key."""
    return (key[0], key[1], key[2]) if len(key) > 2 else (key[0], key[1], "")


class Allocation(StrEnum):
    """How the total sample size is split between strata."""

    PROPORTIONAL = "proportional"
    NEYMAN = "neyman"
    FIXED = "fixed"  # the round fixes each stratum's quota


SAMPLING_ALGORITHM_AREAS = SAMPLING_ALGORITHM + "+area"


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
        raise SamplingError(f"sample size must be an integer, got {size!r}", field="size")
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
        raise SamplingError(f"unknown allocation {allocation!r} (expected proportional, neyman or fixed)") from None
    if any(isinstance(n, bool) or not isinstance(n, int) or n < 0 for n in sizes.values()):
        raise SamplingError("stratum sizes must be non-negative integers")
    if method is Allocation.FIXED:
        raise SamplingError("fixed allocation takes its quotas from `fixed_quotas`, not from a size")
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


def fixed_quotas(quotas: Mapping[str, object] | None, sizes: Mapping[str, int]) -> dict[str, int]:
    """The per-stratum sizes a round fixes, checked against the frame: every stratum of the frame
    (0 when not named); SamplingError naming `quotas.<stratum>` for an unknown stratum, a quota
    that is not a non-negative integer or above the stratum's frame size, or a zero total."""
    if not quotas:
        raise SamplingError("fixed allocation needs `quotas`: {stratum: n}", field="quotas")
    result = {h: 0 for h in sizes}
    for h, n in sorted(quotas.items()):
        if h not in sizes:
            known = ", ".join(sorted(sizes))
            raise SamplingError(f"unknown stratum {h!r}: the frame has {known}", field=f"quotas.{h}")
        if isinstance(n, bool) or not isinstance(n, int) or n < 0:
            raise SamplingError(f"the quota of {h!r} must be a non-negative integer, got {n!r}", field=f"quotas.{h}")
        if n > sizes[h]:
            raise SamplingError(
                f"the quota of {h!r} ({n}) is above the stratum's {sizes[h]} respondents in the frame",
                field=f"quotas.{h}",
            )
        result[h] = n
    if not sum(result.values()):
        raise SamplingError("the quotas add up to 0", field="quotas")
    return dict(sorted(result.items()))


def frame_sha256(frame: Iterable[FrameKey | AreaKey | tuple[str, ...]]) -> str:
    """sha256 (hex) over the canonical serialisation of the frame's (respondent_id, stratum), or
    of (respondent_id, stratum, area) when any respondent has an area."""
    keys = [_split(k) for k in frame]
    if any(area for _, _, area in keys):
        rows: list = sorted([str(rid), str(stratum), str(area)] for rid, stratum, area in keys)
    else:
        rows = sorted((str(rid), str(stratum)) for rid, stratum, _ in keys)
    payload = json.dumps(rows, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def stratum_seed(seed: int, frame_hash: str, stratum: str) -> int:
    """The integer seeding one stratum's generator: sha256 of JSON [seed, frame_hash, stratum]."""
    payload = json.dumps([seed, frame_hash, stratum], ensure_ascii=False, separators=(",", ":"))
    return int.from_bytes(hashlib.sha256(payload.encode("utf-8")).digest(), "big")


def area_seed(seed: int, frame_hash: str, stratum: str, area: str) -> int:
    """The integer seeding one area's generator inside a stratum: sha256 of JSON [seed, frame_hash, stratum, area]."""
    payload = json.dumps([seed, frame_hash, stratum, area], ensure_ascii=False, separators=(",", ":"))
    return int.from_bytes(hashlib.sha256(payload.encode("utf-8")).digest(), "big")


def _area_order(
    by_area: Mapping[str, list[str]], n: int, seed: int, digest: str, stratum: str
) -> tuple[tuple[str, ...], dict[str, int]]:
    """A stratum's draw order balanced across areas: each area's seats (largest remainder over its
    frame count), its members drawn by its own seed, then the rest of the stratum as replacements."""
    seats = largest_remainder(n, {a: len(ids) for a, ids in by_area.items()})
    sampled: list[str] = []
    for a in sorted(by_area):
        sampled.extend(draw_order(by_area[a], area_seed(seed, digest, stratum, a))[: seats[a]])
    taken = set(sampled)
    rest = [rid for ids in by_area.values() for rid in ids if rid not in taken]
    return tuple(sampled) + draw_order(rest, stratum_seed(seed, digest, stratum)), seats


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
    areas: Mapping[str, int] | None = None  # seats per area when the frame carries areas

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

    def allocated_by_area(self) -> dict[str, dict[str, int]] | None:
        """Seats per stratum and area (None when the frame carries no area)."""
        if not any(d.areas is not None for d in self.strata.values()):
            return None
        return {h: dict(d.areas or {}) for h, d in self.strata.items()}

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
    frame: Iterable[FrameKey | AreaKey | tuple[str, ...]],
    size: int | None,
    seed: int,
    *,
    allocation: Allocation | str = Allocation.PROPORTIONAL,
    sds: Mapping[str, object] | None = None,
    reserve_rate: Decimal | int | str = 0,
    quotas: Mapping[str, object] | None = None,
) -> Sample:
    """Draw a stratified quota random sample of `size` from the frame's (respondent_id, stratum[,
    area]); with `allocation="fixed"` the `quotas` decide each stratum's size (and `size`, when
    given, must be their sum)."""
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise SamplingError(f"seed must be an integer, got {seed!r}")
    rate = _decimal(reserve_rate)
    if rate is None or rate < 0:
        raise SamplingError(f"reserve rate must be a non-negative decimal, got {reserve_rate!r}")
    members: dict[str, list[str]] = {}
    areas: dict[str, dict[str, list[str]]] = {}
    seen: set[str] = set()
    keys: list[tuple[str, str, str]] = []
    duplicates: set[str] = set()
    for key in frame:
        rid, stratum, area = _split(key)
        if rid in seen:
            duplicates.add(rid)
        seen.add(rid)
        keys.append((rid, stratum, area))
        members.setdefault(stratum, []).append(rid)
        areas.setdefault(stratum, {}).setdefault(area, []).append(rid)
    if duplicates:
        raise SamplingError([f"duplicate respondent_id {rid!r} in the frame" for rid in sorted(duplicates)])
    if not keys:
        raise SamplingError("the frame is empty")
    sizes = {h: len(ids) for h, ids in sorted(members.items())}
    if sds:
        # a plan may know strata this unit's frame lacks: their deviations are not needed
        sds = {h: v for h, v in sds.items() if h in sizes}
    if Allocation(allocation) is Allocation.FIXED:
        if sds:
            raise SamplingError("standard deviations are only used by neyman allocation")
        seats = fixed_quotas(quotas, sizes)
        if size is not None and size != sum(seats.values()):
            raise SamplingError(f"size {size} is not the sum of the quotas ({sum(seats.values())})", field="size")
        size = sum(seats.values())
    else:
        if quotas:
            raise SamplingError("quotas are only used by fixed allocation", field="quotas")
        seats = allocate(size, sizes, allocation, sds)
    digest = frame_sha256(keys)
    with_areas = any(area for _, _, area in keys)
    strata = {}
    for h, ids in sorted(members.items()):
        n = seats[h]
        reserve_size = min(math.ceil(n * rate), len(ids) - n)
        if with_areas:
            order, by_area = _area_order(areas[h], n, seed, digest, h)
            strata[h] = StratumDraw(h, len(ids), n, reserve_size, order, by_area)
        else:
            order = draw_order(ids, stratum_seed(seed, digest, h))
            strata[h] = StratumDraw(h, len(ids), n, reserve_size, order)
    stored_sds = (
        {h: _decimal(v) for h, v in sorted(sds.items())}  # type: ignore[misc]
        if sds
        else None
    )
    return Sample(
        algorithm=SAMPLING_ALGORITHM_AREAS if with_areas else SAMPLING_ALGORITHM,
        seed=seed,
        frame_sha256=digest,
        allocation=Allocation(allocation),
        size=size,
        sds=stored_sds,
        reserve_rate=rate,
        strata=strata,
    )
