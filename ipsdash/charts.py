"""The dashboard's charts, built from figures that have passed the small-number rule.

A hidden count ("<5") is drawn as a gap and named in the hover text; nothing hidden is put
into a figure's data, since Plotly ships all of it to the browser.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from ipsdash import fmt, texts, theme


def numeric(values: pd.Series) -> pd.Series:
    """Counts as numbers with hidden ones ("<5", None) as NaN, for drawing."""
    return pd.to_numeric(values.where(values.map(lambda v: not isinstance(v, str)), None), errors="coerce")


def count_text(values: pd.Series) -> list[str]:
    return [v if isinstance(v, str) else fmt.number(v) for v in values]


def _base(title: str | None, height: int = 320) -> go.Figure:
    fig = go.Figure()
    fig.update_layout(template="ipsdash", height=height, title=title)
    return fig


def shade_period(fig: go.Figure, start, end) -> None:
    """Mark the chosen period on a monthly time axis."""
    fig.add_vrect(
        x0=pd.Timestamp(start) - pd.Timedelta(days=15),
        x1=pd.Timestamp(end),
        fillcolor=theme.HIGHLIGHT,
        opacity=0.35,
        line_width=0,
        layer="below",
    )


def monthly_counts(df: pd.DataFrame, columns: list[str], title: str | None = None) -> go.Figure:
    """Lines of person counts by month (df has period_start and the columns, protected)."""
    fig = _base(title)
    x = pd.to_datetime(df["period_start"])
    for i, col in enumerate(columns):
        fig.add_trace(
            go.Scatter(
                x=x,
                y=numeric(df[col]),
                name=texts.label(col),
                mode="lines+markers",
                line={"color": theme.SERIES[i % len(theme.SERIES)], "width": 2.5},
                marker={"size": 5},
                customdata=[[fmt.month_name(m), t] for m, t in zip(x, count_text(df[col]))],
                hovertemplate="%{customdata[1]}<extra>" + texts.label(col) + "</extra>",
                connectgaps=False,
            )
        )
    fig.update_yaxes(rangemode="tozero")
    theme.danish_month_ticks(fig, x)
    return fig


def monthly_rate(df: pd.DataFrame, rate: str = "placement_rate", title: str | None = None) -> go.Figure:
    """A rate by month with its 95 % interval as a band (df protected: hidden rates are None)."""
    fig = _base(title)
    x = pd.to_datetime(df["period_start"])
    y = pd.to_numeric(df[rate], errors="coerce")
    if f"{rate}_low" in df:
        low = pd.to_numeric(df[f"{rate}_low"], errors="coerce")
        high = pd.to_numeric(df[f"{rate}_high"], errors="coerce")
        fig.add_trace(go.Scatter(x=x, y=high, mode="lines", line={"width": 0}, hoverinfo="skip", showlegend=False))
        fig.add_trace(
            go.Scatter(
                x=x,
                y=low,
                mode="lines",
                line={"width": 0},
                fill="tonexty",
                fillcolor=theme.BAND,
                name="95 %-interval",
                hoverinfo="skip",
            )
        )
        hover = [
            "skjult (små tal)" if pd.isna(v) else f"{fmt.percent(v)} {fmt.interval(lo, hi)}"
            for v, lo, hi in zip(y, low, high)
        ]
    else:
        hover = ["skjult (små tal)" if pd.isna(v) else fmt.percent(v) for v in y]
    fig.add_trace(
        go.Scatter(
            x=x,
            y=y,
            name=texts.label(rate),
            mode="lines+markers",
            line={"color": theme.PRIMARY, "width": 2.5},
            marker={"size": 5},
            text=hover,
            hovertemplate="%{text}<extra>" + texts.label(rate) + "</extra>",
        )
    )
    theme.percent_axis(fig)
    theme.danish_month_ticks(fig, x)
    return fig
