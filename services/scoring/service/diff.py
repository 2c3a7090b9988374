"""What changed between two sets of results/v1 unit entries, and why (for close and re-score reports)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any


@dataclass(frozen=True)
class DiffEntry:
    """One unit whose result changed: old → new total and grade, and which parts changed."""

    unit: str
    old_total: Decimal | None
    new_total: Decimal | None
    old_grade: str | None
    new_grade: str | None
    why: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "unit": self.unit,
            "old_total": self.old_total,
            "new_total": self.new_total,
            "old_grade": self.old_grade,
            "new_grade": self.new_grade,
            "why": list(self.why),
        }


def _num(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (Decimal, int)):
        return format(Decimal(value).quantize(Decimal("0.01")), "f") if isinstance(value, Decimal) else str(value)
    return str(value)


def _same(a: Any, b: Any) -> bool:
    if (
        isinstance(a, (Decimal, int))
        and isinstance(b, (Decimal, int))
        and not isinstance(a, bool)
        and not isinstance(b, bool)
    ):
        return Decimal(a) == Decimal(b)
    return a == b


def why_changed(old: Mapping[str, Any] | None, new: Mapping[str, Any] | None) -> tuple[str, ...]:
    """Human-readable reasons: each component, field and missing entry that differs."""
    if old is None:
        return ("new unit",)
    if new is None:
        return ("unit no longer scored",)
    reasons: list[str] = []
    old_c, new_c = old.get("components", {}), new.get("components", {})
    for key in [*old_c, *(k for k in new_c if k not in old_c)]:
        a, b = old_c.get(key), new_c.get(key)
        if not _same(a, b):
            reasons.append(f"component {key}: {_num(a)} → {_num(b)}")
    for field in ("survey_se", "status", "vetoed", "grade", "award_eligible", "rank", "group"):
        a, b = old.get(field), new.get(field)
        if not _same(a, b):
            reasons.append(f"{field}: {_num(a)} → {_num(b)}")
    old_m, new_m = set(old.get("missing", ())), set(new.get("missing", ()))
    reasons.extend(f"missing +{m}" for m in sorted(new_m - old_m))
    reasons.extend(f"missing -{m}" for m in sorted(old_m - new_m))
    if not reasons and not _same(old.get("total"), new.get("total")):
        reasons.append(f"total: {_num(old.get('total'))} → {_num(new.get('total'))}")
    return tuple(reasons)


def diff_units(old: Iterable[Mapping[str, Any]], new: Iterable[Mapping[str, Any]]) -> list[DiffEntry]:
    """The units whose entry differs (by unit id, sorted)."""
    before = {e["unit"]: e for e in old}
    after = {e["unit"]: e for e in new}
    out: list[DiffEntry] = []
    for unit in sorted(before.keys() | after.keys()):
        a, b = before.get(unit), after.get(unit)
        why = why_changed(a, b)
        if why:
            out.append(
                DiffEntry(
                    unit,
                    (a or {}).get("total"),
                    (b or {}).get("total"),
                    (a or {}).get("grade"),
                    (b or {}).get("grade"),
                    why,
                )
            )
    return out
