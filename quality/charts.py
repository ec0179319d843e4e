"""Small inline SVG line charts for the QA console's KPI trends: drawn on the server, no script and no CDN."""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

WIDTH, HEIGHT = 320, 120
PAD_LEFT, PAD_RIGHT, PAD_TOP, PAD_BOTTOM = 36, 8, 10, 20


@dataclass(frozen=True)
class Chart:
    title: str
    points: str  # the polyline's "x,y x,y …", empty when there is no value
    dots: list[tuple[float, float, str]]  # (x, y, tooltip) of each value
    y_labels: list[tuple[float, str]]  # (y, label) of the axis ticks
    x_labels: list[tuple[float, str]]  # (x, label) of the first and last day
    latest: str
    width: int = WIDTH
    height: int = HEIGHT


def line_chart(title: str, series: list[tuple[dt.date, Decimal | None]], *, floor: Decimal | None = None) -> Chart:
    """A chart of ``series`` (days in order; None: no value that day, the line breaks over it). The y axis spans
    the values (from ``floor`` when given, e.g. 0 for a rate), with three ticks."""
    values = [float(v) for _, v in series if v is not None]
    if not series:
        return Chart(title=title, points="", dots=[], y_labels=[], x_labels=[], latest="—")
    lo = min(values, default=0.0) if floor is None else min(float(floor), *values) if values else float(floor)
    hi = max(values, default=1.0)
    if hi - lo < 1e-9:
        hi = lo + 1
    first, last = series[0][0], series[-1][0]
    span = max((last - first).days, 1)
    plot_w = WIDTH - PAD_LEFT - PAD_RIGHT
    plot_h = HEIGHT - PAD_TOP - PAD_BOTTOM

    def x(day: dt.date) -> float:
        return round(PAD_LEFT + plot_w * (day - first).days / span, 1)

    def y(value: float) -> float:
        return round(PAD_TOP + plot_h * (1 - (value - lo) / (hi - lo)), 1)

    dots = [(x(day), y(float(v)), f"{day:%m-%d}: {v}") for day, v in series if v is not None]
    ticks = [lo, (lo + hi) / 2, hi]
    latest = next((str(v) for _, v in reversed(series) if v is not None), "—")
    return Chart(
        title=title,
        points=" ".join(f"{px},{py}" for px, py, _ in dots),
        dots=dots,
        y_labels=[(y(t), f"{t:.1f}".rstrip("0").rstrip(".")) for t in ticks],
        x_labels=[(x(first), f"{first:%m-%d}"), (x(last), f"{last:%m-%d}")],
        latest=latest,
    )
