"""Server-rendered SVG charts: small, readable on a phone, coloured by CSS so dark mode works.

Long ranges draw one <path> per series rather than an element per point, which keeps five
years of data to a few tens of kilobytes.
"""
from datetime import date, timedelta

from markupsafe import Markup, escape

# Drawn at a phone's width, so text in the SVG is the size it says.
WIDTH, HEIGHT = 360, 170
LEFT, RIGHT, TOP, BOTTOM = 24, 6, 8, 30
PLOT_W, PLOT_H = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM


def n(value: float) -> str:
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


def svg(body: str, label: str, height: int = HEIGHT, width: int = WIDTH) -> Markup:
    return Markup(
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" aria-label="{escape(label)}" '
        f'preserveAspectRatio="xMidYMid meet" xmlns="http://www.w3.org/2000/svg">{body}</svg>'
    )


def x_at(index: int, count: int) -> float:
    return LEFT + (PLOT_W * index / (count - 1) if count > 1 else PLOT_W / 2)


def y_at(value: float, top: float = 10) -> float:
    return TOP + PLOT_H * (1 - value / top)


def line_path(values: list, count: int, top: float = 10, joined: bool = False) -> str:
    """One path for a series with gaps: a new segment starts after each missing value (unless `joined`)."""
    parts, pen_down = [], False
    for index, value in enumerate(values):
        if value is None:
            pen_down = pen_down and joined
            continue
        parts.append(f"{'L' if pen_down else 'M'}{n(x_at(index, count))} {n(y_at(value, top))}")
        pen_down = True
    return "".join(parts)


def x_labels(days: list[date], format_label) -> str:
    if not days:
        return ""
    picks = sorted({0, len(days) // 2, len(days) - 1})
    anchors = {0: "start", len(days) - 1: "end"}
    return "".join(
        f'<text class="axis" x="{n(x_at(i, len(days)))}" y="{HEIGHT - 6}" text-anchor="{anchors.get(i, "middle")}">'
        f"{escape(format_label(days[i]))}</text>"
        for i in picks
    )


def grid(top: float, steps: list[float]) -> str:
    return "".join(
        f'<line class="grid" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{n(y_at(v, top))}" y2="{n(y_at(v, top))}"/>'
        f'<text class="axis" x="{LEFT - 4}" y="{n(y_at(v, top) + 3)}" text-anchor="end">{n(v)}</text>'
        for v in steps
    )


def comfort_chart(days, daily, rolling: dict, marks, format_label, label, show_points=True) -> Markup:
    """Daily comfort (dots, or a faint line on long ranges) with rolling averages and markers."""
    count = len(days)
    body = [grid(10, [0, 5, 10])]
    # Beyond a year, averages are drawn every few days (a phone has ~360 pixels) and the daily
    # values are left to the calendar below.
    step = max(1, count // 180) if count > 400 else 1
    if show_points and count <= 120:
        body.append("".join(
            f'<circle class="dot" cx="{n(x_at(i, count))}" cy="{n(y_at(v))}" r="2"/>'
            for i, v in enumerate(daily) if v is not None
        ))
    elif show_points and step == 1:
        body.append(f'<path class="daily" d="{line_path(daily, count)}"/>')
    for window, values in rolling.items():
        sampled = [v if i % step == 0 or i == count - 1 else None for i, v in enumerate(values)]
        body.append(f'<path class="avg avg{window}" d="{line_path(sampled, count, joined=step > 1)}"/>')
    index = {day: i for i, day in enumerate(days)}
    for day, kind in marks:
        if day in index:
            x = n(x_at(index[day], count))
            body.append(f'<path class="mark {kind}" d="M{x} {HEIGHT - BOTTOM + 2}v8"/>')
    body.append(x_labels(days, format_label))
    return svg("".join(body), label)


def stacked_bars(labels: list[date], series: list[tuple[str, list[float]]], format_label, label, top=None) -> Markup:
    """Bars per week or month, one path per series stacked bottom to top."""
    count = len(labels)
    totals = [sum(values[i] for _name, values in series) for i in range(count)]
    top = top or max(max(totals, default=0), 1)
    step = PLOT_W / max(count, 1)
    width = max(step * 0.8, 0.6)
    body = [grid(top, [0, round(top / 2, 1), top])]
    base = [0.0] * count
    for name, values in series:
        parts = []
        for i, value in enumerate(values):
            if value <= 0:
                continue
            x = LEFT + i * step + (step - width) / 2
            y = y_at(base[i] + value, top)
            height = PLOT_H * value / top
            parts.append(f"M{n(x)} {n(y)}h{n(width)}v{n(height)}h{n(-width)}z")
            base[i] += value
        body.append(f'<path class="bar {name}" d="{"".join(parts)}"/>')
    if labels:
        picks = sorted({0, count // 2, count - 1})
        anchors = {0: "start", count - 1: "end"}
        body.append("".join(
            f'<text class="axis" x="{n(LEFT + i * step + step / 2)}" y="{HEIGHT - 6}" text-anchor="{anchors.get(i, "middle")}">'
            f"{escape(format_label(labels[i]))}</text>"
            for i in picks
        ))
    return svg("".join(body), label)


HEAT_CELL, HEAT_GAP = 9, 1


def bucket(value: float) -> int:
    """Five shades for 0–10."""
    return min(4, int(value // 2.5)) if value < 10 else 4


def heatmap(years: dict[int, dict[date, float]], label: str) -> Markup:
    """A calendar of comfort by day: one year per row, weeks across, Monday at the top."""
    step = HEAT_CELL + HEAT_GAP
    row_height = 7 * step + 14
    width = 34 + 54 * step
    paths = {b: [] for b in range(5)}
    texts = []
    for row, year in enumerate(sorted(years, reverse=True)):
        origin_y = row * row_height + 12
        texts.append(f'<text class="axis year" x="0" y="{origin_y + 3 * step + 7}">{year}</text>')
        jan1 = date(year, 1, 1)
        first_monday = jan1 - timedelta(days=jan1.weekday())
        for day, value in years[year].items():
            column = (day - first_monday).days // 7
            x = 34 + column * step
            y = origin_y + day.weekday() * step
            paths[bucket(value)].append(f"M{x} {y}h{HEAT_CELL}v{HEAT_CELL}h-{HEAT_CELL}z")
    body = "".join(texts) + "".join(f'<path class="heat h{b}" d="{"".join(p)}"/>' for b, p in paths.items() if p)
    return svg(body, label, height=max(len(years), 1) * row_height + 12, width=width)
