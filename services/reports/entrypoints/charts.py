"""Charts as inline SVG drawn on the server: no script, no CDN, printable, and readable in the PDF."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from html import escape

_COLOURS = ("#1a7f37", "#0969da", "#bf8700", "#cf222e", "#8250df", "#57606a")


def _n(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def bar_chart(
    title: str,
    bars: Sequence[tuple[str, Decimal | int, str]],
    *,
    max_value: Decimal | int | None = None,
    chart_id: str = "chart",
) -> str:
    """Horizontal bars: (label, value, value as text). One `<rect>` per bar carries its value in `data-value`."""
    width, label_w, row_h, pad = 560, 150, 28, 8
    height = pad * 2 + 24 + row_h * max(len(bars), 1)
    top = Decimal(max_value) if max_value is not None else max([Decimal(v) for _l, v, _t in bars] + [Decimal(1)])
    plot_w = width - label_w - 80
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="{escape(chart_id)}" role="img" '
        f'viewBox="0 0 {width} {height}" width="100%" style="max-width:{width}px" '
        f'aria-label="{escape(title)}"><title>{escape(title)}</title>',
        f'<text x="{pad}" y="{pad + 14}" font-size="14" font-weight="600" fill="#1f2328">{escape(title)}</text>',
    ]
    for i, (label, value, text) in enumerate(bars):
        y = pad + 24 + i * row_h
        w = float(Decimal(value) / top) * plot_w if top else 0.0
        w = max(w, 0.0)
        colour = _COLOURS[i % len(_COLOURS)]
        parts.append(
            f'<text x="{label_w - 6}" y="{_n(y + row_h / 2 + 5)}" font-size="13" text-anchor="end" '
            f'fill="#1f2328">{escape(label)}</text>'
        )
        parts.append(
            f'<rect x="{label_w}" y="{_n(y + 4)}" width="{_n(w)}" height="{row_h - 8}" fill="{colour}" '
            f'data-label="{escape(label)}" data-value="{escape(str(value))}"><title>{escape(label)} '
            f"{escape(text)}</title></rect>"
        )
        parts.append(
            f'<text x="{_n(label_w + w + 6)}" y="{_n(y + row_h / 2 + 5)}" font-size="13" '
            f'fill="#1f2328">{escape(text)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def line_chart(title: str, points: Sequence[tuple[str, Decimal]], *, chart_id: str = "trend") -> str:
    """A small line chart of totals over periods (a `<circle>` per point with `data-value`)."""
    width, height, pad = 560, 220, 40
    values = [p[1] for p in points]
    lo = min(values + [Decimal(60)])
    hi = max(values + [Decimal(100)])
    span = hi - lo or Decimal(1)
    step = (width - 2 * pad) / max(len(points) - 1, 1)

    def xy(i: int, v: Decimal) -> tuple[float, float]:
        return pad + i * step, height - pad - float((v - lo) / span) * (height - 2 * pad - 20)

    coords = [xy(i, v) for i, (_l, v) in enumerate(points)]
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="{escape(chart_id)}" role="img" '
        f'viewBox="0 0 {width} {height}" width="100%" style="max-width:{width}px" '
        f'aria-label="{escape(title)}"><title>{escape(title)}</title>',
        f'<text x="8" y="20" font-size="14" font-weight="600" fill="#1f2328">{escape(title)}</text>',
        f'<line x1="{pad}" y1="{height - pad}" x2="{width - pad}" y2="{height - pad}" stroke="#d0d7de"/>',
    ]
    if len(coords) > 1:
        path = " ".join(f"{_n(x)},{_n(y)}" for x, y in coords)
        parts.append(f'<polyline points="{path}" fill="none" stroke="#0969da" stroke-width="2"/>')
    for (label, value), (x, y) in zip(points, coords, strict=True):
        parts.append(
            f'<circle cx="{_n(x)}" cy="{_n(y)}" r="4" fill="#0969da" data-label="{escape(label)}" '
            f'data-value="{escape(str(value))}"><title>{escape(label)} {value:.2f}</title></circle>'
        )
        parts.append(f'<text x="{_n(x)}" y="{_n(y - 10)}" font-size="12" text-anchor="middle">{value:.2f}</text>')
        parts.append(
            f'<text x="{_n(x)}" y="{height - pad + 18}" font-size="12" text-anchor="middle">{escape(label)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)
