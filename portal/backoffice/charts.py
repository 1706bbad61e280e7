"""Small SVG charts rendered on the server (no chart library, nothing from a CDN).
Each chart has a title and a description; the page shows the same figures as a table."""
from __future__ import annotations

from datetime import date

from markupsafe import Markup, escape

PALETTE = ("#1b4f9c", "#b35900", "#2e7d32", "#7b1fa2")


def _frame(width: int, height: int, title: str, body: str) -> Markup:
    # Markup is safe here: the title is escaped and the body is built by this module from escaped
    # labels and numbers.
    return Markup(  # noqa: S704
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}" '
        f'xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>{body}</svg>')


def _axis(width: int, height: int, pad: int, top: int, days: list[date]) -> str:
    parts = [f'<line x1="{pad}" y1="{height - pad}" x2="{width - 10}" y2="{height - pad}" stroke="#555"/>',
             f'<line x1="{pad}" y1="10" x2="{pad}" y2="{height - pad}" stroke="#555"/>',
             f'<text x="{pad - 6}" y="16" text-anchor="end" font-size="11">{top}</text>',
             f'<text x="{pad - 6}" y="{height - pad}" text-anchor="end" font-size="11">0</text>']
    if days:
        parts.append(f'<text x="{pad}" y="{height - pad + 16}" font-size="11">{days[0]:%d.%m.}</text>')
        parts.append(f'<text x="{width - 10}" y="{height - pad + 16}" text-anchor="end" font-size="11">'
                     f'{days[-1]:%d.%m.}</text>')
    return "".join(parts)


def line_chart(series: dict[str, list[tuple[date, int]]], title: str, width: int = 640, height: int = 220) -> Markup:
    pad = 40
    values = [v for points in series.values() for _, v in points] or [0]
    top = max(max(values), 1)
    days = next(iter(series.values()), [])
    days = [d for d, _ in days]
    step = (width - pad - 10) / max(len(days) - 1, 1)
    body = [_axis(width, height, pad, top, days)]
    for index, (name, points) in enumerate(series.items()):
        colour = PALETTE[index % len(PALETTE)]
        coords = " ".join(f"{pad + i * step:.1f},{height - pad - (v / top) * (height - pad - 10):.1f}"
                          for i, (_, v) in enumerate(points))
        body.append(f'<polyline fill="none" stroke="{colour}" stroke-width="2" points="{coords}"/>')
        body.append(f'<text x="{width - 12}" y="{24 + 14 * index}" text-anchor="end" font-size="12" '
                    f'fill="{colour}">{escape(name)}</text>')
    return _frame(width, height, title, "".join(body))


def bar_chart(points: list[tuple[date, int]], title: str, width: int = 640, height: int = 220) -> Markup:
    pad = 40
    top = max([v for _, v in points] + [1])
    slot = (width - pad - 10) / max(len(points), 1)
    body = [_axis(width, height, pad, top, [d for d, _ in points])]
    for i, (_, value) in enumerate(points):
        bar = (value / top) * (height - pad - 10)
        body.append(f'<rect x="{pad + i * slot + 1:.1f}" y="{height - pad - bar:.1f}" width="{max(slot - 2, 1):.1f}" '
                    f'height="{bar:.1f}" fill="{PALETTE[0]}"/>')
    return _frame(width, height, title, "".join(body))
