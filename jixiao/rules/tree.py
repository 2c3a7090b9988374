"""The indicator tree of a plan: nodes, leaves and their scoring methods, every problem with its path."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from .decimals import ONE, ZERO
from .fields import Problems, Reader, decimal_map, describe
from .model import (
    BANDS,
    BUDGET_EXECUTION,
    COMPOSITE,
    INVERSE_RATIO,
    METHOD_TYPES,
    PROGRESS,
    RATING,
    TARGET_METHODS,
    Band,
    Indicator,
    Method,
    Part,
)

PART_SEP = "#"  # a composite part is named `leaf#part` (as in `missing`)


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
    for node_id, node in list(nodes.items()):
        if not _progress_refs_ok(node, nodes, raw[node_id][0], broken):
            broken.add(node_id)
            del nodes[node_id]
    return nodes, frozenset(broken)


def compared_slot(ref: str, nodes: Mapping[str, Indicator]) -> tuple[Indicator, Method] | None:
    """The leaf and the method of the slot a progress method compares (`leaf` or `leaf#part`)."""
    leaf_id, _, part_key = ref.partition(PART_SEP)
    leaf = nodes.get(leaf_id)
    if leaf is None or not leaf.is_leaf:
        return None
    if not part_key:
        return leaf, leaf.method
    part = leaf.method.part(part_key)
    return (leaf, part.method) if part is not None else None


def higher_is_better(method: Method) -> bool:
    """The direction of a compared slot: an inverse_ratio improves when its ratio falls."""
    return method.type != INVERSE_RATIO


def _progress_refs_ok(node: Indicator, nodes: dict[str, Indicator], n: Reader, broken: set[str]) -> bool:
    """A progress method (of a leaf or of a composite part) must compare a ratio-type leaf or part
    of this plan that applies to every unit the progress leaf applies to."""
    if not node.is_leaf:
        return True
    slots = [("method", node.method)]
    slots += [(f"method.parts[{i}].method", p.method) for i, p in enumerate(node.method.parts)]
    ok = True
    for where, method in slots:
        if method.type != PROGRESS:
            continue
        ref = method.of
        leaf_id = ref.partition(PART_SEP)[0]
        if leaf_id in broken:  # already reported
            ok = False
            continue
        slot = compared_slot(ref, nodes)
        if slot is None:
            n.problems.add(f"{n.path}.{where}.of", f"unknown leaf or composite part {ref!r}")
            ok = False
            continue
        leaf, compared = slot
        if compared.type not in TARGET_METHODS:
            allowed = ", ".join(sorted(TARGET_METHODS))
            n.problems.add(
                f"{n.path}.{where}.of",
                f"{ref!r} has a {compared.type} method; progress compares a completion ratio ({allowed})",
            )
            ok = False
        elif (
            node.applies_to is None
            and leaf.applies_to is not None
            or (node.applies_to is not None and leaf.applies_to is not None and not node.applies_to <= leaf.applies_to)
        ):
            n.problems.add(
                f"{n.path}.{where}.of",
                f"{ref!r} does not apply to every unit kind that {node.id!r} applies to",
            )
            ok = False
    return ok


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
    of = missing_fraction = None
    if mtype == BANDS or (mtype == BUDGET_EXECUTION and m.has("bands")):
        bands = _bands(m, problems)
    elif mtype == RATING:
        ratings = decimal_map(m, "ratings", problems, low=ZERO, high=ONE)
        if m.ok and not ratings:
            m.fail("ratings", "a rating method needs at least one rating")
    elif mtype == COMPOSITE:
        parts = _parts(m, problems)
    elif mtype == PROGRESS:
        of = m.str("of")
        bands = _progress_bands(m, problems)
        missing_fraction = m.decimal("missing_fraction", required=False, low=ZERO, high=ONE)
    return Method(mtype, bands, ratings, parts, of, missing_fraction) if m.ok else None


def _progress_bands(m: Reader, problems: Problems) -> tuple[Band, ...]:
    """Progress bands: `min` is a change of the completion ratio (may be negative), from the highest
    down, the last one `min: null` (the catch-all)."""
    items = m.list("bands")
    if items is None:
        return ()
    if not items:
        m.fail("bands", "a progress method needs bands ending with a catch-all (min: null)")
    out: list[Band] = []
    for i, item in enumerate(items):
        b = Reader(item, f"{m.at('bands')}[{i}]", problems)
        low = b.decimal("min", required=False)
        fraction = b.decimal("fraction", low=ZERO, high=ONE)
        last = i == len(items) - 1
        if low is None and not last and b.ok:
            b.fail("min", "only the last band may have min null (the catch-all)")
        if low is not None and last:
            b.fail("min", "the last band must have min null (the catch-all)")
        if low is not None and out and out[-1].min is not None and low >= out[-1].min:
            b.fail("min", f"bands must be ordered from the highest min down: {low} is not below {out[-1].min}")
        if b.ok:
            out.append(Band(low, fraction))
        else:
            m.ok = False
    return tuple(out)


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
