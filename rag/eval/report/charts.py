"""Bar charts as inline SVG, written in Python: the report works offline, with no script."""

from __future__ import annotations

from html import escape

# Okabe-Ito colours: distinguishable with the common colour-vision deficiencies.
COLOURS = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#000000"]
_FONT = "font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif"


def bar_chart(
    title: str,
    groups: list[str],
    series: list[tuple[str, list[float | None]]],
    *,
    width: int = 880,
    label_width: int = 210,
    notes: list[str] | None = None,
) -> str:
    """Horizontal grouped bars: one block per group, one bar per series, value at the end.
    Values are fractions drawn on a 0-100% axis; None is drawn as 'n/a'.
    `notes` (one per group, optional) are printed under the group's label."""
    bar, gap, group_gap, axis_h = 15, 3, 16, 22
    plot_w = width - label_width - 70
    legend, legend_h = _legend(series, label_width, width)
    top = legend_h + 12
    block = len(series) * (bar + gap) - gap
    height = top + len(groups) * (block + group_gap) + axis_h
    x = label_width
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" style="{_FONT};font-size:12px">',
        f"<title>{escape(title)}</title>",
    ]
    out += legend
    out += _grid(x, plot_w, top, height - axis_h)
    for g, group in enumerate(groups):
        y0 = top + g * (block + group_gap)
        note = notes[g] if notes and g < len(notes) else ""
        label_y = y0 + block / 2 + (0 if note else 4)
        out.append(_text(x - 8, label_y, group, anchor="end", weight="600"))
        if note:
            out.append(_text(x - 8, label_y + 14, note, anchor="end", fill="#555", size=11))
        for s, (_, vs) in enumerate(series):
            value = vs[g] if g < len(vs) else None
            y = y0 + s * (bar + gap)
            out.append(_bar(x, y, bar, plot_w, value, COLOURS[s % len(COLOURS)]))
    out.append("</svg>")
    return "\n".join(out)


def _legend(series: list[tuple[str, list[float | None]]], x: int, width: int) -> tuple[list[str], int]:
    """Legend entries left to right, wrapping to a new line; returns (elements, height)."""
    out, cursor, y = [], x, 8
    for s, (name, _) in enumerate(series):
        step = 30 + int(6.8 * len(name))
        if cursor > x and cursor + step > width:
            cursor, y = x, y + 18
        colour = COLOURS[s % len(COLOURS)]
        out.append(f'<rect x="{cursor}" y="{y}" width="12" height="12" fill="{colour}"/>')
        out.append(_text(cursor + 17, y + 10, name))
        cursor += step
    return out, y + 14


def _grid(x: int, plot_w: int, top: int, bottom: int) -> list[str]:
    out = []
    for i in range(5):
        gx = x + plot_w * i / 4
        label = f"{i / 4:.0%}"
        out.append(f'<line x1="{gx:.1f}" y1="{top - 4}" x2="{gx:.1f}" y2="{bottom}" stroke="#ddd"/>')
        out.append(_text(gx, bottom + 15, label, anchor="middle", fill="#555", size=11))
    return out


def _bar(x: int, y: int, h: int, plot_w: int, value: float | None, colour: str) -> str:
    if value is None:
        return _text(x + 4, y + h - 3, "n/a", fill="#888", size=11)
    w = max(0.0, min(1.0, value)) * plot_w
    return f'<rect x="{x}" y="{y}" width="{w:.1f}" height="{h}" fill="{colour}" rx="2"/>' + _text(
        x + w + 5, y + h - 3, f"{value:.0%}", size=11
    )


def _text(
    x: float, y: float, text: str, anchor: str = "start", fill: str = "#222", size: int = 12, weight: str = ""
) -> str:
    bold = f' font-weight="{weight}"' if weight else ""
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" fill="{fill}" font-size="{size}"{bold}>'
        f"{escape(text)}</text>"
    )
