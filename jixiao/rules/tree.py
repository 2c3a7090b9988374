"""The indicator tree of a plan: nodes, leaves and their scoring methods, every problem with its path."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from .decimals import ONE, ZERO
from .fields import Problems, Reader, decimal_map, describe
from .model import BANDS, COMPOSITE, METHOD_TYPES, RATING, Band, Indicator, Method, Part


def read_indicators(items: Any, path: str, problems: Problems) -> tuple[dict[str, Indicator], frozenset[str]]:
    if not isinstance(items, list):
        problems.add(path, f"must be a list of indicator nodes, not {describe(items)}")
        return {}, frozenset()
    raw: dict[str, tuple[Reader, dict]] = {}
    broken: set[str] = set()
    for i, item in enumerate(items):
        n = Reader(item, f"{path}[{i}]", problems, "an indicator node")
        node_id = n.str("id")
        if node_id is None:
            continue
        if node_id in raw:
            n.fail("id", f"duplicate indicator {node_id!r}")
            broken.add(node_id)
            continue
        fields = {
            "name": n.str("name"),
            "parent": n.str("parent", required=False),
            "max_points": n.decimal("max_points", required=False, positive=True),
            "target": n.decimal("target", required=False),
            "method": _method(n.obj["method"], n.at("method"), problems) if n.has("method") else None,
            "applies_to": n.str_list("applies_to", required=False),
        }
        if n.has("method") and fields["method"] is None:
            n.ok = False
        raw[node_id] = (n, fields)
    parents = {fields["parent"] for _, fields in raw.values() if fields["parent"]}
    nodes: dict[str, Indicator] = {}
    for node_id, (n, f) in raw.items():
        parent = f["parent"]
        if parent is not None and parent not in raw:
            n.fail("parent", f"unknown parent indicator {parent!r}")
        elif parent is not None and _has_cycle(node_id, raw):
            n.fail("parent", f"indicator {node_id!r} is its own ancestor")
        if node_id in parents:  # a group node
            for key in ("method", "max_points"):
                if n.has(key):
                    n.fail(key, f"indicator {node_id!r} has children, so it is a group and has no {key}")
        else:
            if not n.has("method"):
                n.fail("method", f"leaf indicator {node_id!r} needs a method")
            if not n.has("max_points"):
                n.fail("max_points", f"leaf indicator {node_id!r} needs positive max_points")
            method, target = f["method"], f["target"]
            if method is not None and method.needs_target and target is not None and target <= 0:
                n.fail("target", f"target must be > 0 for a {method.type} method, not {target}")
        if not n.ok:
            broken.add(node_id)
            continue
        nodes[node_id] = Indicator(
            id=node_id,
            name=f["name"],
            parent=parent,
            max_points=f["max_points"],
            method=f["method"],
            target=f["target"],
            applies_to=frozenset(f["applies_to"]) if f["applies_to"] is not None else None,
        )
    return nodes, frozenset(broken)


def _has_cycle(node_id: str, raw: dict[str, tuple[Reader, dict]]) -> bool:
    seen = {node_id}
    current = raw[node_id][1]["parent"]
    while current is not None and current in raw:
        if current in seen:
            return True
        seen.add(current)
        current = raw[current][1]["parent"]
    return False


def _method(obj: Any, path: str, problems: Problems, in_composite: bool = False) -> Method | None:
    m = Reader(obj, path, problems, "a method object")
    mtype = m.str("type")
    if mtype is None:
        return None
    if mtype not in METHOD_TYPES or (in_composite and mtype == COMPOSITE):
        allowed = [t for t in METHOD_TYPES if not (in_composite and t == COMPOSITE)]
        m.fail("type", f"must be one of {', '.join(allowed)}, not {describe(mtype)}")
        return None
    bands: tuple[Band, ...] = ()
    ratings: dict[str, Decimal] = {}
    parts: tuple[Part, ...] = ()
    if mtype == BANDS:
        bands = _bands(m, problems)
    elif mtype == RATING:
        ratings = decimal_map(m, "ratings", problems, low=ZERO, high=ONE)
        if m.ok and not ratings:
            m.fail("ratings", "a rating method needs at least one rating")
    elif mtype == COMPOSITE:
        parts = _parts(m, problems)
    return Method(mtype, bands, ratings, parts) if m.ok else None


def _bands(m: Reader, problems: Problems) -> tuple[Band, ...]:
    items = m.list("bands")
    if items is None:
        return ()
    if not items:
        m.fail("bands", "a bands method needs at least one band")
    out: list[Band] = []
    for i, item in enumerate(items):
        b = Reader(item, f"{m.at('bands')}[{i}]", problems)
        low = b.decimal("min")
        fraction = b.decimal("fraction", low=ZERO, high=ONE)
        if low is not None and out and low >= out[-1].min:
            b.fail("min", f"bands must be ordered from the highest min down: {low} is not below {out[-1].min}")
        if b.ok:
            out.append(Band(low, fraction))
        else:
            m.ok = False
    return tuple(out)


def _parts(m: Reader, problems: Problems) -> tuple[Part, ...]:
    items = m.list("parts")
    if items is None:
        return ()
    if not items:
        m.fail("parts", "a composite method needs at least one part")
    out: list[Part] = []
    for i, item in enumerate(items):
        p = Reader(item, f"{m.at('parts')}[{i}]", problems)
        key = p.str("key")
        weight = p.decimal("weight", positive=True)
        method = _method(p.obj["method"], p.at("method"), problems, in_composite=True) if p.has("method") else None
        if not p.has("method"):
            p.fail("method", "is required")
        if key is not None and any(o.key == key for o in out):
            p.fail("key", f"duplicate part {key!r}")
        if p.ok and method is not None:
            out.append(Part(key, weight, method))
        else:
            m.ok = False
    if m.ok and out:
        total = sum((part.weight for part in out), ZERO)
        if total != ONE:
            m.fail("parts", f"the parts' weights must sum to exactly 1, not {total}")
    return tuple(out)
