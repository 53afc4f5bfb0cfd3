"""Charts of grants and spending: money, never person counts."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from ipsdash import fmt, theme
from ipsdash.charts.base import new_figure


def money_axis(fig: go.Figure, axis: str = "yaxis", top: float | None = None) -> go.Figure:
    """An axis of kroner, in mio. kr. when the amounts reach a million ("1,5" under "mio. kr."), else
    in kroner ("150.000"); the template sets the Danish separators. `top`: the largest amount drawn."""
    if top is not None and abs(top) >= 1_000_000:
        step = _nice_step(abs(top) / 5)
        values = [i * step for i in range(int(abs(top) // step) + 2)]
        decimals = 0 if step >= 1_000_000 else 1
        fig.update_layout({axis: {"tickmode": "array", "tickvals": values,
                                  "ticktext": [fmt.number(v / 1_000_000, decimals) for v in values],
                                  "title": {"text": "mio. kr."}, "rangemode": "tozero"}})
        return fig
    fig.update_layout({axis: {"tickformat": ",.0f", "title": {"text": "kr."}, "rangemode": "tozero"}})
    return fig


def _nice_step(raw: float) -> float:
    """1, 2 or 5 times a power of ten, at least `raw`."""
    import math

    power = 10 ** math.floor(math.log10(raw))
    return next(m * power for m in (1, 2, 5, 10) if m * power >= raw)


def monthly_money_stacked(df: pd.DataFrame, labels: dict[str, str], title: str | None = None) -> go.Figure:
    """Stacked bars of money by month (df has period_start and one column per key of `labels`).

    Negative months (corrections larger than the month's postings) stack below zero, as they are.
    """
    fig = new_figure(title, height=360)
    x = pd.to_datetime(df["period_start"])
    if len(x) > 24:  # fewer, wider bars: quarters, dated by their first month
        df = df.assign(period_start=x.dt.to_period("Q").dt.start_time).groupby("period_start", as_index=False)[
            list(labels)].sum()
        x = pd.to_datetime(df["period_start"])
    for i, (col, label) in enumerate(labels.items()):
        fig.add_trace(
            go.Bar(
                x=x,
                y=df[col],
                name=label,
                marker={"color": theme.SERIES[i % len(theme.SERIES)]},
                text=[fmt.dkk_short(v) for v in df[col]],
                textposition="none",
                hovertemplate="%{text}<extra>" + label + "</extra>",
            )
        )
    fig.update_layout(barmode="relative", bargap=0.15)
    positive = df[list(labels)].clip(lower=0).sum(axis=1)
    money_axis(fig, top=float(positive.max()) if len(positive) else None)
    theme.danish_month_ticks(fig, x, max_ticks=6, monthly=len(x) == len(df) and len(df) <= 24)
    return fig


def budget_bars(
    rows: pd.DataFrame, highlight: tuple[int, ...] = (), title: str | None = None, label: str = "municipality"
) -> go.Figure:
    """Budget and spent to date per municipality (or per grant: `label="title"`), as horizontal bars,
    in the order of `rows` from the top.

    `rows` has municipality_code (with a highlight), the `label` column, budget_dkk, spent_dkk and use. The chosen
    municipalities (`highlight`) are drawn in the primary colour and the others in grey; with none
    chosen all are primary. The use is written at the end of each bar.
    """
    rows = rows.iloc[::-1]  # Plotly draws the first category at the bottom
    height = 90 + 34 * len(rows)
    fig = new_figure(title, height=max(height, 200))
    y = list(rows[label])
    chosen = [not highlight or int(m) in highlight for m in rows["municipality_code"]] if highlight else [True] * len(y)
    fig.add_trace(
        go.Bar(
            y=y,
            x=rows["budget_dkk"],
            orientation="h",
            name="Budget",
            marker={"color": theme.SECONDARY_BACKGROUND, "line": {"color": theme.AXIS_LINE, "width": 1}},
            text=[fmt.dkk_short(v) for v in rows["budget_dkk"]],
            textposition="none",
            hovertemplate="%{text}<extra>Budget</extra>",
        )
    )
    fig.add_trace(
        go.Bar(
            y=y,
            x=rows["spent_dkk"],
            orientation="h",
            name="Forbrugt",
            width=0.5,
            marker={"color": [theme.PRIMARY if c else theme.COMPARISON for c in chosen]},
            customdata=[fmt.dkk_short(v) for v in rows["spent_dkk"]],
            text=[fmt.percent(u) for u in rows["use"]],
            textposition="outside",
            cliponaxis=False,
            textfont={"color": theme.MUTED_TEXT, "size": 12},
            hovertemplate="%{customdata} (%{text})<extra>Forbrugt</extra>",
        )
    )
    fig.update_layout(barmode="overlay", hovermode="y unified", margin={"r": 48})
    money_axis(fig, "xaxis", top=float(pd.to_numeric(rows[["budget_dkk", "spent_dkk"]].stack()).max() or 0))
    fig.update_xaxes(showgrid=True, gridcolor=theme.GRID)
    fig.update_yaxes(showgrid=False)
    return fig


def _vertical_marker(
    fig: go.Figure, day, text: str, color: str, dash: str, y: float = 1.0, side: str = "left"
) -> None:
    # A shape and an annotation rather than add_vline: add_vline's annotation fails on date axes.
    # The label sits beside its line, never on it: left of it (`side`), or right of it.
    x = pd.Timestamp(day)
    fig.add_shape(type="line", xref="x", yref="paper", x0=x, x1=x, y0=0, y1=1,
                  line={"color": color, "width": 1.5, "dash": dash})
    fig.add_annotation(x=x, y=y, xref="x", yref="paper", text=text, showarrow=False, yanchor="top",
                       xanchor="right" if side == "left" else "left", xshift=-4 if side == "left" else 4,
                       font={"color": color, "size": 12}, bgcolor="rgba(255,255,255,0.85)")


def burndown(series: pd.DataFrame, end, on, depletion=None, title: str | None = None) -> go.Figure:
    """The remaining budget over time (grants.burndown: day, remaining_dkk, series "faktisk" or
    "prognose"), with the grant's end date, the day of the figures and the projected depletion.

    The time axis stops a year after the end date, so a depletion far in the future does not squeeze
    the history; the projection is then cut at the edge (the page says the date in words).
    """
    fig = new_figure(title, height=360)
    actual = series[series["series"] == "faktisk"]
    projected = series[series["series"] == "prognose"]
    fig.add_trace(
        go.Scatter(
            x=actual["day"],
            y=actual["remaining_dkk"],
            name="Tilbage af budgettet",
            mode="lines",
            line={"color": theme.PRIMARY, "width": 2.5},
            text=[fmt.dkk_short(v) for v in actual["remaining_dkk"]],
            hovertemplate="%{text}<extra>Tilbage</extra>",
        )
    )
    if not projected.empty:
        fig.add_trace(
            go.Scatter(
                x=projected["day"],
                y=projected["remaining_dkk"],
                name="Prognose (forbruget i de seneste 90 dage)",
                mode="lines",
                line={"color": theme.PRIMARY, "width": 2, "dash": "dot"},
                text=[fmt.dkk_short(v) for v in projected["remaining_dkk"]],
                hovertemplate="%{text}<extra>Prognose</extra>",
            )
        )
    end_ts = pd.Timestamp(end)
    last = end_ts
    if depletion is not None:
        last = max(last, min(pd.Timestamp(depletion), end_ts + pd.DateOffset(years=1)))
        if pd.Timestamp(depletion) <= last:
            fig.add_trace(
                go.Scatter(
                    x=[pd.Timestamp(depletion)],
                    y=[0],
                    mode="markers",
                    marker={"color": theme.PRIMARY, "size": 9, "symbol": "circle-open", "line": {"width": 2}},
                    name="Forventet opbrugt",
                    text=[fmt.date_long(depletion)],
                    hovertemplate="%{text}<extra>Forventet opbrugt</extra>",
                    showlegend=False,
                )
            )
    first = pd.Timestamp(series["day"].min()) if not series.empty else pd.Timestamp(on)
    span_days = max((last - first).days, 1)
    fig.update_xaxes(range=[first - pd.Timedelta(days=span_days * 0.01), last + pd.Timedelta(days=span_days * 0.03)])
    # The end date's label goes right of its line when there is room after it, else left; the day's
    # label sits lower, so the two never cover each other.
    room_after = (last - end_ts).days > 0.2 * span_days
    _vertical_marker(fig, end, f"Slutdato {fmt.date_medium(end)}", theme.ACCENT, "dash",
                     side="right" if room_after else "left")
    _vertical_marker(fig, on, f"Opgjort {fmt.date_medium(on)}", theme.MUTED_TEXT, "dot", y=0.88)
    money_axis(fig, top=float(pd.to_numeric(series["remaining_dkk"]).max()) if not series.empty else None)
    theme.danish_month_ticks(fig, [first, last], monthly=False)
    return fig
