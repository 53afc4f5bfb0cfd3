"""The geometry of the charts typst_charts.typ draws, for the funder report and the slides:
round ticks, Danish month ticks, positions of days and events on a monthly axis, the period's
shading, and a line chart as the Typst charts read it. Hidden and missing values are gaps."""

from __future__ import annotations

import datetime as dt
import math

import pandas as pd

from ipsdash import fmt, theme
from ipsdash.figures import events, filters


def hex_colour(colour: str) -> str:
    """A theme colour as Typst reads it; "rgba(r, g, b, a)" becomes "#rrggbbaa"."""
    if colour.startswith("rgba"):
        r, g, b, a = (float(x) for x in colour[5:-1].split(","))
        return f"#{int(r):02x}{int(g):02x}{int(b):02x}{round(a * 255):02x}"
    return colour


def nice_ticks(top: float, count: int = 5, whole: bool = True) -> list[float]:
    """Round tick values from 0 to at least `top`: steps of 1, 2, 2.5 or 5 times a power of ten."""
    top = max(float(top), 1.0 if whole else 1e-9)
    raw = top / count
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw * (1 - 1e-9))
    if whole:
        step = max(1.0, math.ceil(step))
    n = math.ceil(top / step - 1e-9)
    return [round(i * step, 10) for i in range(n + 1)]


def numbers(values: pd.Series) -> list[float | None]:
    """Values for drawing: hidden ("<5") and missing ones become None, a gap."""
    out = []
    for v in values:
        out.append(None if isinstance(v, str) or fmt.is_missing(v) else float(v))
    return out


def _month_ticks(months: list[dt.date], max_ticks: int = 8) -> list[dict]:
    """The dashboard's Danish month ticks (theme.danish_month_ticks), as positions on the chart."""
    import plotly.graph_objects as go

    fig = theme.danish_month_ticks(go.Figure(), months, max_ticks=max_ticks)
    index = {m: i for i, m in enumerate(months)}
    axis = fig.layout.xaxis
    return [{"i": index[fmt.as_date(v)], "label": t} for v, t in zip(axis.tickvals or (), axis.ticktext or ())]


def _position(months: list[dt.date], day: dt.date) -> float:
    """Where a day falls on a monthly axis whose points are the months' first days."""
    first = months[0]
    index = (day.year - first.year) * 12 + day.month - first.month
    length = (filters.add_months(day.replace(day=1), 1) - day.replace(day=1)).days
    return index + (day.day - 1) / length


def shade(months: list[dt.date], start: dt.date, end: dt.date) -> list[float]:
    # As charts.shade_period: from half a month before the first point to the period's last day.
    return [_position(months, start) - 0.5, _position(months, end)]


def event_marks(months: list[dt.date], found: pd.DataFrame) -> tuple[list[dict], list[str]]:
    """The events (events.events_in) on a monthly chart: numbered marks, and a note per number.

    Only the events within the chart's months are marked; the note is the event as plain text.
    """
    if not months or found.empty:
        return [], []
    last = filters.add_months(months[-1], 1) - dt.timedelta(days=1)
    inside = found[[months[0] <= fmt.as_date(day) <= last for day in found["event_date"]]]
    marks = [{"i": _position(months, fmt.as_date(r["event_date"])), "label": str(i + 1)}
             for i, (_, r) in enumerate(inside.iterrows())]
    return marks, [f"{i + 1}: {events.line(r)}" for i, (_, r) in enumerate(inside.iterrows())]


def line_chart(
    title, months, series, y_ticks, y_max, notes=(), shade=None, reference=None, label_width=34, height=150, max_ticks=8,
    marks=(),
):
    legend = [{"name": s.get("legend", s["name"]), "color": s["color"], "kind": "line"} for s in series]
    for s in series:
        if s.get("band_low") is not None:
            legend.append({"name": "95 %-interval", "color": s["band_color"], "kind": "box"})
    if shade:
        legend.append({"name": "Perioden", "color": hex_colour(theme.HIGHLIGHT), "kind": "box"})
    if reference:
        legend.append({"name": reference["name"], "color": theme.ACCENT, "kind": "dash"})
    if marks:
        legend.append({"name": "Hændelse (se nr. under figuren)", "color": theme.ACCENT, "kind": "dash"})
    full = [{"band_low": None, "band_high": None, "band_color": None, "markers": True, **s} for s in series]
    return {
        "type": "line",
        "title": title,
        "legend": legend,
        "height": height,
        "label_width": label_width,
        "n": len(months),
        "x_ticks": _month_ticks(months, max_ticks),
        "y_ticks": y_ticks,
        "y_max": y_max,
        "series": full,
        "shade": shade,
        "reference": reference,
        "notes": list(notes),
        "events": list(marks),
    }
