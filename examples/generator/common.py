"""The plan parts the four examples share: exact numbers, grade bands, survey answers, the
scoring-method builders and the indicator leaf."""

from __future__ import annotations

from decimal import Decimal

D = Decimal
YEAR = 2026

# 篇一's county bands (优 ≥ 90, 良 85–90, 一般 75–85, 差 < 75): the township plans' scale
TOWNSHIP_BANDS = [
    {"grade": "excellent", "label": "优", "min": D(90)},
    {"grade": "good", "label": "良", "min": D(85)},
    {"grade": "fair", "label": "一般", "min": D(75)},
    {"grade": "poor", "label": "差", "min": None},
]
# 篇四: 优秀 ≥ 95 (含95), 合格 75–95 (含75), 不合格 < 75 — the bureau scale
BUREAU_BANDS = [
    {"grade": "excellent", "label": "优秀", "min": D(95)},
    {"grade": "pass", "label": "合格", "min": D(75)},
    {"grade": "fail", "label": "不合格", "min": None},
]
ANSWERS = {"satisfied": D(100), "basically_satisfied": D(80), "dissatisfied": D(0)}


def m_ratio():
    return {"type": "ratio"}


def m_inverse():
    return {"type": "inverse_ratio"}


def m_bool():
    return {"type": "boolean"}


def m_manual():
    return {"type": "manual"}


def m_rating(scale):
    return {"type": "rating", "ratings": dict(scale)}


def m_bands(*steps):
    return {"type": "bands", "bands": [{"min": D(lo), "fraction": D(f)} for lo, f in steps]}


def m_composite(*parts):
    return {"type": "composite", "parts": [{"key": k, "weight": D(w), "method": m} for k, w, m in parts]}


def q1(x) -> Decimal:
    """One decimal place, exactly."""
    return D(x).quantize(D("0.1"))


def leaf(
    id_: str, name: str, parent: str, points, method: dict, target=None, applies_to=None, responsible=None
) -> dict:
    node = {"id": id_, "name": name, "parent": parent, "max_points": D(points), "method": method}
    if target is not None:
        node["target"] = D(target)
    if applies_to is not None:
        node["applies_to"] = list(applies_to)
    if responsible is not None:
        node["responsible"] = responsible
    return node
