"""Whether scoring holds every fact a source holds, at its latest version, whatever delivered it.

A source's facts of a plan are what its SnapshotService streams; scoring keeps the latest version of
each in its fact tables, whether the fact came over Kafka, from a resync or from a reconcile. Both
sides reduce their facts to (kind, key, version) — the kind and key are scoring's fact table and
primary key — keep the highest version per (kind, key), and report a `FactDigest`: how many facts
and a SHA-256 of them, sorted. Equal digests mean the same facts at the same versions, so duplicates,
replays and the path of delivery cannot matter, and nothing is marked at any moment (no race).

Not facts (and so in no digest): PeriodClosed (a request to close), a pending result correction
(`confirmed` false: the snapshot streams the latest confirmed version only), events of other types.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from jixiao.messaging.envelope import Envelope, payload_of

# scoring's fact tables (their primary key without plan_id and `confirmed`), by the source they mirror
FACT_KINDS: dict[str, str] = {
    "plans": "indicators",
    "units": "indicators",
    "targets": "indicators",
    "results": "indicators",
    "survey_rounds": "surveys",
    "deductions": "inspections",
    "vetoes": "inspections",
    "people_facts": "inspections",
}

# people events → the `kind` column of scoring's people_facts and the payload field of the fact id
_PEOPLE = {
    "StaffMemberUpserted": ("staff", "staff_id"),
    "StaffMemberRemoved": ("staff_removed", "staff_id"),
    "LeaveRecorded": ("leave", "leave_id"),
    "AbsenceRecorded": ("absence", "absence_id"),
}

Fact = tuple[str, tuple[str, ...], int]  # (kind, key, version)


def version_of(payload: Any, envelope_version: int) -> int:
    """A fact's version: the payload's own `version`, else the envelope's aggregate version."""
    return int(getattr(payload, "version", 0) or envelope_version)


def result_id_of(payload: Any) -> str:
    """A result's id, or (for sources that omit it) one made of unit, leaf, part and period."""
    return payload.result_id or f"{payload.unit_id}:{payload.indicator_id}#{payload.part}@{payload.period}"


def fact_of(env: Envelope) -> Fact | None:
    """The fact an event sets as scoring stores it: (kind, key, version); None for an event that
    sets no fact (PeriodClosed, a pending correction, a type scoring does not keep)."""
    t = env.type
    if t not in _KEYS:
        return None
    p = payload_of(env)
    if t == "IndicatorResultConfirmed" and not p.confirmed:
        return None
    unit = getattr(p, "unit_id", "") or env.unit_id
    kind, key = _KEYS[t](p, unit)
    return kind, key, version_of(p, env.aggregate_version)


_KEYS: dict[str, Any] = {
    "PlanPublished": lambda p, unit: ("plans", ()),
    "UnitUpserted": lambda p, unit: ("units", (unit,)),
    "TargetSet": lambda p, unit: ("targets", (unit, p.indicator_id)),
    "IndicatorResultConfirmed": lambda p, unit: ("results", (unit, result_id_of(p))),
    "SurveyScoreUpdated": lambda p, unit: ("survey_rounds", (unit, p.round_id)),
    "DeductionRecorded": lambda p, unit: ("deductions", (unit, p.deduction_id)),
    "DeductionRevoked": lambda p, unit: ("deductions", (unit, p.deduction_id)),
    "VetoIssued": lambda p, unit: ("vetoes", (unit, p.veto_id)),
    "VetoLifted": lambda p, unit: ("vetoes", (unit, p.veto_id)),
    **{
        t: (lambda p, unit, kind=kind, field=field: ("people_facts", (kind, getattr(p, field))))
        for t, (kind, field) in _PEOPLE.items()
    },
}


@dataclass(frozen=True)
class FactDigest:
    """How many facts, and the hex SHA-256 of their sorted (kind, key, version) lines."""

    facts: int
    sha256: str

    @classmethod
    def of(cls, facts: Iterable[Fact]) -> FactDigest:
        """The digest of facts seen in any order and any number of times: the highest version of each
        (kind, key) counts, as in scoring's tables (latest version wins)."""
        latest: dict[tuple[str, tuple[str, ...]], int] = {}
        for kind, key, version in facts:
            k = (kind, tuple(str(part) for part in key))
            latest[k] = max(latest.get(k, version), version)
        lines = sorted(json.dumps([kind, list(key), v], ensure_ascii=False) for (kind, key), v in latest.items())
        return cls(len(lines), hashlib.sha256("\n".join(lines).encode()).hexdigest())

    def to_dict(self) -> dict[str, Any]:
        return {"facts": self.facts, "sha256": self.sha256}


def digest_envelopes(envelopes: Iterable[Envelope]) -> FactDigest:
    """The digest of a source's snapshot (or of any stream of its events)."""
    return FactDigest.of(f for f in map(fact_of, envelopes) if f is not None)


def digests_by_source(facts: Iterable[Fact]) -> dict[str, FactDigest]:
    """Scoring's held facts (kinds of FACT_KINDS) as one digest per source (every source, even empty)."""
    by_source: dict[str, list[Fact]] = {source: [] for source in dict.fromkeys(FACT_KINDS.values())}
    for fact in facts:
        by_source[FACT_KINDS[fact[0]]].append(fact)
    return {source: FactDigest.of(held) for source, held in by_source.items()}


def lag(source: str, at_source: FactDigest, held: FactDigest | None) -> str | None:
    """None when scoring holds exactly the source's latest facts, else how far behind, in words."""
    if held is None:
        return f"{source}: scoring does not report its facts (has {at_source.facts})"
    if held == at_source:
        return None
    if held.facts < at_source.facts:
        return f"{source}: {at_source.facts - held.facts} of {at_source.facts} facts missing in scoring"
    if held.facts > at_source.facts:
        return f"{source}: scoring holds {held.facts} facts, the source {at_source.facts}"
    return f"{source}: {at_source.facts} facts held, not all at the source's latest versions"


def lags(at_sources: Mapping[str, FactDigest], held: Mapping[str, FactDigest]) -> dict[str, str]:
    """Per source, how scoring's held facts differ from the source's (sources that match are left out)."""
    out = {}
    for source, digest in sorted(at_sources.items()):
        if (why := lag(source, digest, held.get(source))) is not None:
            out[source] = why
    return out
