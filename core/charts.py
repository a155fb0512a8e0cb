"""Small charts for pages and printouts: inline SVG drawn on the server.

Why this way (see docs/plugin-authors.md, "Charts"): an SVG written into the page needs no
script and no file from elsewhere, so it passes the Content-Security-Policy (``core.web.headers``:
scripts and styles only from our own files; SVG presentation attributes are not styles), it
prints as it shows, and it scales to a 375 px phone from its ``viewBox``. Every chart:

- names itself (``role="img"`` with a ``<title>``) and carries its figures as a table that
  screen readers read and sighted readers do not see (``visually-hidden``);
- writes the figures beside their marks where they fit (else the highest on the scale, all
  in the table), and tells series apart by hatching as well as by shade, so a
  black-and-white printout says what the screen does;
- escapes every label, so a class or dish named ``<script>`` stays text.

Values are numbers for drawing only (a Decimal or int is turned into a float for the
coordinates); what people read is the ``shown`` text the caller formats (money in yuan
exactly, a rate with its percent sign).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from flask_babel import gettext as _
from markupsafe import Markup, escape

Number = Decimal | int | float


@dataclass(frozen=True)
class Point:
    """One figure: its label (a class, a month, a day), its value (None: no figure, e.g. no
    meals counted that week) and the figure as people read it (else the value itself)."""

    label: str
    value: Number | None
    shown: str | None = None

    @property
    def text(self) -> str:
        if self.shown is not None:
            return self.shown
        return "—" if self.value is None else _plain(self.value)


@dataclass(frozen=True)
class Series:
    """One layer of a stacked chart: its name (in the legend) and a value per label."""

    name: str
    values: Sequence[Number | None]


# Three fills that stay apart in black and white: solid, hatched, dotted.
FILLS = 3
INK, MUTED, LINE = "#1f2933", "#52606d", "#9aa5b1"
_ids = itertools.count(1)


def _plain(value: Number) -> str:
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, Decimal):
        return format(value.normalize(), "f") if value == value.to_integral() else str(value)
    return str(value)


def _n(x: float) -> str:
    """A coordinate, short: 12.0 -> 12, 12.25 -> 12.3."""
    text = f"{x:.1f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _float(value: Number | None) -> float:
    return 0.0 if value is None else float(value)


def _clip(label: str, most: int) -> str:
    """A label short enough to draw; the whole label is in the tooltip and the table."""
    return label if len(label) <= most else label[:most - 1] + "…"


def _text(x: float, y: float, words: str, css: str, anchor: str = "start",
          size: int = 12) -> str:
    return (f'<text class="{css}" x="{_n(x)}" y="{_n(y)}" text-anchor="{anchor}" '
            f'font-size="{size}" fill="{INK}">{escape(words)}</text>')


def _defs(uid: str) -> str:
    """The hatched and dotted fills of the second and third series."""
    return (f'<defs><pattern id="{uid}-1" width="6" height="6" patternUnits="userSpaceOnUse" '
            f'patternTransform="rotate(45)"><rect width="6" height="6" fill="#fff"/>'
            f'<line x1="0" y1="0" x2="0" y2="6" stroke="{INK}" stroke-width="2.5"/></pattern>'
            f'<pattern id="{uid}-2" width="5" height="5" patternUnits="userSpaceOnUse">'
            f'<rect width="5" height="5" fill="#fff"/>'
            f'<circle cx="2.5" cy="2.5" r="1.3" fill="{INK}"/></pattern></defs>')


def _fill(uid: str, series: int) -> str:
    kind = series % FILLS
    return MUTED if kind == 0 else f"url(#{uid}-{kind})"


def _rect(x: float, y: float, width: float, height: float, fill: str, css: str,
          tip: str) -> str:
    return (f'<rect class="{css}" x="{_n(x)}" y="{_n(y)}" width="{_n(max(width, 0))}" '
            f'height="{_n(max(height, 0))}" fill="{fill}" stroke="{INK}" stroke-width="0.6">'
            f'<title>{escape(tip)}</title></rect>')


def _figure(kind: str, title: str, width: int, height: int, body: str, table: str,
            small: bool) -> Markup:
    size = " chart-small" if small else ""
    return Markup(
        f'<figure class="chart{size}" data-chart="{kind}">'
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="100%" '
        f'role="img" aria-label="{escape(title)}" focusable="false" '
        f'font-family="system-ui, sans-serif"><title>{escape(title)}</title>{body}</svg>'
        f'<figcaption class="chart-title" aria-hidden="true">{escape(title)}</figcaption>'
        f'{table}</figure>')


def _table(title: str, headings: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    head = "".join(f'<th scope="col">{escape(h)}</th>' for h in headings)
    body = "".join("<tr>" + f'<th scope="row">{escape(row[0])}</th>'
                   + "".join(f"<td>{escape(cell)}</td>" for cell in row[1:]) + "</tr>"
                   for row in rows)
    # A table is as wide as its cells whatever its own width: the box around it is hidden.
    return (f'<div class="visually-hidden"><table class="chart-data">'
            f"<caption>{escape(title)}</caption>"
            f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>")


def _empty(kind: str, title: str, message: str | None) -> Markup:
    return Markup(f'<figure class="chart chart-empty" data-chart="{kind}">'
                  f'<figcaption>{escape(title)}</figcaption>'
                  f'<p class="note">{escape(message or _("No figures to draw yet."))}</p>'
                  f"</figure>")


def _span(values: Sequence[float]) -> tuple[float, float]:
    """The scale from the lowest to the highest value, always holding zero."""
    low, high = min([0.0, *values]), max([0.0, *values])
    return (low, high) if high > low else (low, low + 1.0)


# --- bars ----------------------------------------------------------------------------------


def bar_chart(title: str, points: Sequence[Point], headings: tuple[str, str], *,
              maximum: Number | None = None, small: bool = False,
              empty: str | None = None) -> Markup:
    """One horizontal bar per point, its label on the left and its figure on the right: for
    things with names (classes), which a phone reads better down than across. ``maximum``
    fixes the end of the scale (100 for a rate); a larger value still fits. ``headings``
    head the table's two columns."""
    if not points:
        return _empty("bar", title, empty)
    values = [_float(p.value) for p in points]
    low, high = _span([*values, _float(maximum)])
    width, row = (300, 18) if small else (360, 26)
    label_w, value_w = (70, 56) if small else (100, 64)
    size = 11 if small else 13
    left, right = label_w, width - value_w
    scale = (right - left) / (high - low)
    zero = left + (0 - low) * scale
    height = row * len(points) + 4
    parts = [f'<line class="chart-axis" x1="{_n(zero)}" y1="0" x2="{_n(zero)}" '
             f'y2="{height}" stroke="{INK}" stroke-width="1"/>']
    for n, (point, value) in enumerate(zip(points, values, strict=True)):
        top = n * row + 2
        bar = row - (5 if small else 8)
        start, end = sorted((zero, zero + value * scale))
        middle = top + bar / 2 + size * 0.35
        parts.append(_text(label_w - 4, middle, _clip(point.label, 6 if small else 7),
                           "chart-label", "end", size))
        if point.value is not None:
            parts.append(_rect(start, top, end - start, bar, _fill("", 0), "chart-bar",
                               f"{point.label}: {point.text}"))
        parts.append(_text(right + 4, middle, point.text, "chart-value", "start", size))
    table = _table(title, headings, [(p.label, p.text) for p in points])
    return _figure("bar", title, width, height, "".join(parts), table, small)


def _x_labels(count: int, small: bool) -> set[int]:
    """Which labels along the bottom are written: all that fit, evenly, and the last."""
    if small:  # the first and the last, at the two ends
        return {0, count - 1}
    most = 6
    if count <= most:
        return set(range(count))
    step = math.ceil(count / most)
    chosen = set(range(0, count, step))
    if count - 1 - max(chosen) < step:  # too close to the last to write both
        chosen.discard(max(chosen))
    return chosen | {0, count - 1}


def _x_label(x: float, y: float, label: str, width: int, size: int) -> str:
    """A label centred under its mark, or kept inside the chart at either end."""
    half = _text_width(label, size) / 2
    if x - half < 0:
        return _text(0, y, label, "chart-label", "start", size)
    if x + half > width:
        return _text(width, y, label, "chart-label", "end", size)
    return _text(x, y, label, "chart-label", "middle", size)


def _frame(small: bool) -> tuple[int, int, int, int, int]:
    """width, height, and the plot's left, top and bottom."""
    return (300, 90, 4, 14, 72) if small else (360, 190, 52, 26, 164)


def _y_axis(low: float, high: float, y_of, low_text: str, high_text: str, left: int,
            width: int, small: bool) -> list[str]:
    parts = [f'<line class="chart-axis" x1="{left}" y1="{_n(y_of(0))}" x2="{width}" '
             f'y2="{_n(y_of(0))}" stroke="{INK}" stroke-width="1"/>']
    if small:
        return parts
    parts.append(f'<line class="chart-grid" x1="{left}" y1="{_n(y_of(high))}" x2="{width}" '
                 f'y2="{_n(y_of(high))}" stroke="{LINE}" stroke-width="0.6" '
                 f'stroke-dasharray="3 3"/>')
    parts.append(_text(left - 4, y_of(high) + 4, high_text, "chart-scale", "end", 12))
    parts.append(_text(left - 4, y_of(0) + 4, "0", "chart-scale", "end", 12))
    if low < 0:
        parts.append(_text(left - 4, y_of(low) + 4, low_text, "chart-scale", "end", 12))
    return parts


def column_chart(title: str, points: Sequence[Point], headings: tuple[str, str], *,
                 small: bool = False, empty: str | None = None) -> Markup:
    """One upright bar per point along time (months, days), the tallest figure on the scale
    and written above its bar; on a small chart only the first and last labels."""
    return stacked_chart(title, [p.label for p in points],
                         [Series(headings[1], [p.value for p in points])], headings[:1],
                         shown=[p.text for p in points], small=small, empty=empty,
                         kind="column")


def stacked_chart(title: str, labels: Sequence[str], series: Sequence[Series],
                  headings: Sequence[str] = (), *, shown: Sequence[str] | None = None,
                  small: bool = False, empty: str | None = None,
                  kind: str = "stacked") -> Markup:
    """Upright bars along time, each split into its series (solid, hatched, dotted, named in
    a legend); the total is written above each bar where there is room. ``headings``: the
    table's first column (the series name the others). ``shown``: how each total reads."""
    if not labels or all(v is None for layer in series for v in layer.values):
        return _empty(kind, title, empty)
    width, height, left, top, bottom = _frame(small)
    uid = f"chart{next(_ids)}"
    totals = [sum(_float(s.values[n]) for s in series) for n in range(len(labels))]
    positives = [sum(max(_float(s.values[n]), 0) for s in series) for n in range(len(labels))]
    negatives = [sum(min(_float(s.values[n]), 0) for s in series) for n in range(len(labels))]
    low, high = _span([*positives, *negatives])
    texts = list(shown) if shown is not None else [_plain(_round(t)) for t in totals]

    def y_of(value: float) -> float:
        return bottom - (value - low) * (bottom - top) / (high - low)

    highest = max(range(len(labels)), key=lambda n: positives[n])
    lowest = min(range(len(labels)), key=lambda n: negatives[n])
    parts = [_defs(uid)] if len(series) > 1 else []
    parts += _y_axis(low, high, y_of, texts[lowest], texts[highest], left, width, small)
    slot = (width - left) / len(labels)
    bar = max(slot * 0.7, 1.0)
    # Figures above the bars where every one fits (a month of days is read from the table).
    figures = not small and len(labels) <= 12 and all(
        slot >= _text_width(text, 11) + 2 for text in texts)
    every = _x_labels(len(labels), small)
    for n, label in enumerate(labels):
        x = left + n * slot + (slot - bar) / 2
        up, down = 0.0, 0.0
        for k, layer in enumerate(series):
            value = _float(layer.values[n])
            if value == 0:
                continue
            base = up if value > 0 else down
            y1, y2 = sorted((y_of(base), y_of(base + value)))
            tip = f"{label} · {layer.name}: {_plain(_round(value))}" if len(series) > 1 \
                else f"{label}: {texts[n]}"
            parts.append(_rect(x, y1, bar, y2 - y1, _fill(uid, k), f"chart-bar series-{k}",
                               tip))
            up, down = (up + value, down) if value > 0 else (up, down + value)
        if figures and any(layer.values[n] is not None for layer in series):
            parts.append(_text(x + bar / 2, y_of(up) - 3, texts[n], "chart-value", "middle",
                               11))
        if n in every:
            parts.append(_x_label(x + bar / 2, height - 3, _clip(label, 10), width,
                                  11 if small else 13))
    if len(series) > 1:
        parts += _legend(uid, series, small)
    headings = [*(headings or ("",)), *(s.name for s in series)]
    rows = [(label, *(("—" if s.values[n] is None else _plain(s.values[n])) for s in series))
            for n, label in enumerate(labels)]
    if len(series) > 1:
        headings.append(_("Total"))
        rows = [(*row, texts[n]) for n, row in enumerate(rows)]
    elif shown is not None:  # one series: its figures as the caller writes them
        rows = [(label, texts[n]) for n, label in enumerate(labels)]
    return _figure(kind, title, width, height, "".join(parts), _table(title, headings, rows),
                   small)


def _round(value: float) -> Number:
    return int(value) if value == int(value) else round(value, 2)


def _legend(uid: str, series: Sequence[Series], small: bool) -> list[str]:
    """Swatches and names along the top, so the hatching means something on paper."""
    parts, x, size = [], 4.0, 11 if small else 12
    for k, layer in enumerate(series):
        parts.append(f'<rect class="chart-swatch series-{k}" x="{_n(x)}" y="2" width="10" '
                     f'height="10" fill="{_fill(uid, k)}" stroke="{INK}" stroke-width="0.6"/>')
        parts.append(_text(x + 13, 11, layer.name, "chart-legend", "start", size))
        x += 13 + _text_width(layer.name, size) + 10
    return parts


def _text_width(words: str, size: int) -> float:
    """About how wide a text is drawn: a Chinese character is square, a Latin one narrow."""
    return sum(size if ord(c) > 0x2E80 else size * 0.6 for c in words)


# --- lines ---------------------------------------------------------------------------------


def line_chart(title: str, points: Sequence[Point], headings: tuple[str, str], *,
               small: bool = False, empty: str | None = None) -> Markup:
    """A line through the points along time (weeks), each point marked; a gap where a point
    has no value. Small, it is a sparkline: the line and its last figure, no scale."""
    drawn = [p for p in points if p.value is not None]
    if not drawn:
        return _empty("line", title, empty)
    width, height, left, top, bottom = _frame(small)
    right = width - (48 if small else 8)
    low, high = _span([_float(p.value) for p in drawn])
    if small:  # a sparkline shows the shape: from its own lowest figure, not from zero
        values = [_float(p.value) for p in drawn]
        low, high = min(values), max(values)
        low, high = (low, high) if high > low else (low - 1, high + 1)

    def y_of(value: float) -> float:
        return bottom - (value - low) * (bottom - top) / (high - low)

    def x_of(n: int) -> float:
        return left + (right - left) * (n + 0.5) / len(points)

    high_point = max(drawn, key=lambda p: _float(p.value))
    low_point = min(drawn, key=lambda p: _float(p.value))
    parts = _y_axis(low, high, y_of, low_point.text, high_point.text, left, width, small) \
        if not small else []
    runs: list[list[str]] = [[]]
    for n, point in enumerate(points):
        if point.value is None:
            runs.append([])
            continue
        runs[-1].append(f"{_n(x_of(n))},{_n(y_of(_float(point.value)))}")
    for run in runs:
        if len(run) > 1:
            parts.append(f'<polyline class="chart-line" points="{" ".join(run)}" fill="none" '
                         f'stroke="{INK}" stroke-width="{1.5 if small else 2}"/>')
    every = _x_labels(len(points), small)
    for n, point in enumerate(points):
        if point.value is not None:
            parts.append(f'<circle class="chart-point" cx="{_n(x_of(n))}" '
                         f'cy="{_n(y_of(_float(point.value)))}" r="{2 if small else 3}" '
                         f'fill="#fff" stroke="{INK}" stroke-width="1.5">'
                         f"<title>{escape(point.label)}: {escape(point.text)}</title></circle>")
        if n in every and not small:
            parts.append(_x_label(x_of(n), height - 3, _clip(point.label, 10), width, 13))
    if small:
        last = max(n for n, p in enumerate(points) if p.value is not None)
        parts.append(_text(right + 6, y_of(_float(points[last].value)) + 4,
                           points[last].text, "chart-value", "start", 12))
    table = _table(title, headings, [(p.label, p.text) for p in points])
    return _figure("line", title, width, height, "".join(parts), table, small)
