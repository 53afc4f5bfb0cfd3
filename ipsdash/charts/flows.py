"""Charts of the flow through the service by month and quarter: person counts, rates, days waited,
caseloads, and the same per municipality (small multiples)."""

from __future__ import annotations

import copy
import functools

import pandas as pd
import plotly.graph_objects as go

from ipsdash import fmt, texts, theme
from ipsdash.charts.base import count_bars, count_text, hidden_bars, new_figure, numeric, partial_quarters


def monthly_counts(df: pd.DataFrame, columns: list[str], title: str | None = None) -> go.Figure:
    """Lines of person counts by month (df has period_start and the columns, protected)."""
    fig = new_figure(title)
    x = pd.to_datetime(df["period_start"])
    for i, col in enumerate(columns):
        fig.add_trace(
            go.Scatter(
                x=x,
                y=numeric(df[col]),
                name=texts.label(col),
                mode="lines+markers",
                line={"color": theme.colour(col, i), "width": 2.5},
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
    fig = new_figure(title)
    x = pd.to_datetime(df["period_start"])
    y = pd.to_numeric(df[rate], errors="coerce")
    if f"{rate}_low" in df:
        low = pd.to_numeric(df[f"{rate}_low"], errors="coerce")
        high = pd.to_numeric(df[f"{rate}_high"], errors="coerce")
        # One band per run of months with an interval: a band filled across a hidden month would
        # draw a wedge from one run to the next.
        shown = (low.notna() & high.notna()).to_numpy()
        runs = (shown != pd.Series(shown).shift(fill_value=False).to_numpy()).cumsum()
        for k, run in enumerate(sorted(set(runs[shown]))):
            part = shown & (runs == run)
            fig.add_trace(go.Scatter(x=x[part], y=high[part], mode="lines", line={"width": 0}, hoverinfo="skip",
                                     showlegend=False, legendgroup="band"))
            fig.add_trace(
                go.Scatter(
                    x=x[part],
                    y=low[part],
                    mode="lines",
                    line={"width": 0},
                    fill="tonexty",
                    fillcolor=theme.BAND,
                    name="95 %-interval",
                    legendgroup="band",
                    showlegend=k == 0,
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


# --- Indskrivning og venteliste; Kvalitet ---------------------------------------------------------


def _days_text(value) -> str:
    """Hover text of a median in days: None is hidden, NaN means no courses to take it over."""
    if value is None:
        return "skjult (små tal)"
    if pd.isna(value):
        return "ingen forløb"
    return f"{fmt.number(value)} dage"


def monthly_days(df: pd.DataFrame, columns: list[str], title: str | None = None) -> go.Figure:
    """Lines of day counts by month, such as waiting days (median, 90 %-fractile); protected df.

    A hidden median (None) is a gap, named "skjult (små tal)" in the hover.
    """
    fig = new_figure(title)
    x = pd.to_datetime(df["period_start"])
    for i, col in enumerate(columns):
        fig.add_trace(
            go.Scatter(
                x=x,
                y=pd.to_numeric(df[col], errors="coerce"),
                name=texts.label(col),
                mode="lines+markers",
                line={"color": (theme.PRIMARY, theme.COMPARISON)[i % 2], "width": 2.5, "dash": ("solid", "dot")[i % 2]},
                marker={"size": 5},
                text=[_days_text(v) for v in df[col]],
                hovertemplate="%{text}<extra>" + texts.label(col) + "</extra>",
                connectgaps=False,
            )
        )
    fig.update_yaxes(rangemode="tozero", title_text="dage")
    theme.danish_month_ticks(fig, x)
    return fig


def monthly_stacked(
    df: pd.DataFrame, columns: list[str], total: str | None = None, threshold: int = 5, title: str | None = None
) -> go.Figure:
    """Stacked bars of person counts by month (df protected), parts `columns` of the count `total`.

    Hidden parts are not drawn one by one. With `total`, where a part is hidden, the rest of the
    total is drawn on top as one pale hatched part, "skjult (små tal)": the published total less
    the parts shown. Published counts carry their noise and add up only approximately, so a rest
    below the threshold (or none at all) says nothing, and is drawn as a total that is itself
    "<5" is: hatched up to threshold − 1, "<5" in the hover, as on the other pages. The hover
    names each part as the table shows it.
    """
    fig = new_figure(title)
    x = pd.to_datetime(df["period_start"])
    for i, col in enumerate(columns):
        shown = ["skjult" if v is None else t for v, t in zip(df[col], count_text(df[col]))]
        fig.add_trace(
            go.Bar(
                x=x,
                # 0, not a gap: plotly.js starts the next part of a stack from 0 after a gap.
                y=numeric(df[col]).fillna(0),
                name=texts.label(col),
                marker={"color": theme.colour(col, i)},
                text=shown,
                textposition="none",
                hovertemplate="%{text}<extra>" + texts.label(col) + "</extra>",
            )
        )
    if total is not None:
        parts = sum(numeric(df[col]).fillna(0) for col in columns)
        hidden = pd.concat([df[col].map(lambda v: isinstance(v, str) or v is None) for col in columns], axis=1)
        hidden = hidden.any(axis=1) | df[total].map(lambda v: isinstance(v, str))
        rest = (numeric(df[total]) - parts).where(hidden, 0).fillna(0).clip(lower=0)
        small = hidden & (rest < threshold)
        rest = rest.where(~small, 0)
        fig.add_trace(
            go.Bar(
                x=x,
                y=rest,
                name="Skjult (små tal)",
                marker={
                    "color": theme.SECONDARY_BACKGROUND,
                    "line": {"color": theme.COMPARISON, "width": 1},
                    "pattern": {"shape": "/", "fgcolor": theme.COMPARISON, "size": 6},
                },
                text=[fmt.number(r) for r in rest],
                textposition="none",
                hovertemplate="%{text}<extra>Skjult (små tal)</extra>",
                showlegend=bool((rest > 0).any()),
            )
        )
        fig.add_trace(hidden_bars(x, small.map({True: "<", False: None}), threshold, "Skjult (små tal)"))
    fig.update_layout(barmode="stack", legend={"traceorder": "normal"})
    theme.danish_month_ticks(fig, x)
    return fig


def monthly_caseload(df: pd.DataFrame, limit: float, limit_text: str, title: str | None = None) -> go.Figure:
    """Courses per consultant FTE by month (df protected: a hidden caseload is None) against a limit."""
    fig = new_figure(title)
    x = pd.to_datetime(df["period_start"])
    y = pd.to_numeric(df["caseload"], errors="coerce")
    hover = [
        "skjult (små tal)" if v is None else "ingen bemandingstal" if pd.isna(v) else fmt.number(v, 1)
        for v in df["caseload"]
    ]
    fig.add_trace(
        go.Scatter(
            x=x,
            y=y,
            name=texts.label("caseload"),
            mode="lines+markers",
            line={"color": theme.PRIMARY, "width": 2.5},
            marker={"size": 5},
            text=hover,
            hovertemplate="%{text}<extra>" + texts.label("caseload") + "</extra>",
            connectgaps=False,
        )
    )
    theme.reference_line(fig, limit, limit_text)
    top = max(limit * 1.25, float(y.max()) * 1.1 if y.notna().any() else 0)
    fig.update_yaxes(range=[0, top])
    theme.danish_month_ticks(fig, x)
    return fig


def monthly_bars(df: pd.DataFrame, column: str, threshold: int) -> go.Figure:
    """A person count by month as bars (df protected, with period_start)."""
    x = pd.to_datetime(df["period_start"])
    fig = count_bars(x, df[column], texts.label(column), threshold)
    theme.danish_month_ticks(fig, x)
    return fig


def quarterly_rate(df: pd.DataFrame, end, references=(), sources=(), height: int = 440) -> go.Figure:
    """The placement rate per quarter with its 95 % interval, against labelled reference rates.

    `df` is kpi_table by "quarter" (protected); the last quarter, when `end` cuts it short, is
    drawn hollow and named so in the hover. `references` have .value, .label and .source (a key
    of `sources`, which have .key and .name); each source gets its own dash and a legend entry,
    and the labels sit in the right margin, nudged apart so none covers another.
    """
    fig = new_figure(None, height)
    starts = [fmt.as_date(pd.Timestamp(d)) for d in df["period_start"]]
    end = fmt.as_date(end)
    partial = partial_quarters(starts, end)
    x = [fmt.quarter_label(s) + (" *" if p else "") for s, p in zip(starts, partial)]
    y = pd.to_numeric(df["placement_rate"], errors="coerce")
    low = pd.to_numeric(df["placement_rate_low"], errors="coerce")
    high = pd.to_numeric(df["placement_rate_high"], errors="coerce")
    fig.add_trace(go.Scatter(x=x, y=high, mode="lines", line={"width": 0}, hoverinfo="skip", showlegend=False))
    fig.add_trace(
        go.Scatter(x=x, y=low, mode="lines", line={"width": 0}, fill="tonexty", fillcolor=theme.BAND,
                   name="95 %-interval", hoverinfo="skip")
    )
    hover = [
        ("skjult (små tal)" if pd.isna(v) else f"{fmt.percent(v)} {fmt.interval(lo, hi)}")
        + (f"<br>kun til {fmt.date_long(end)}" if p else "")
        for v, lo, hi, p in zip(y, low, high, partial)
    ]
    fig.add_trace(
        go.Scatter(
            x=x,
            y=y,
            mode="lines+markers",
            name="Andel i kvartalet",
            line={"color": theme.PRIMARY, "width": 2.5},
            marker={"size": [7 if not p else 9 for p in partial],
                    "symbol": ["circle-open" if p else "circle" for p in partial],
                    "line": {"width": 2, "color": theme.PRIMARY}},
            text=hover,
            hovertemplate="%{text}<extra>" + texts.label("placement_rate") + "</extra>",
        )
    )
    dashes = ("dash", "dot", "dashdot", "longdash")
    dash_of = {s.key: dashes[i % len(dashes)] for i, s in enumerate(sources)}
    for s in sources:
        fig.add_trace(
            go.Scatter(x=[None], y=[None], mode="lines", name=s.name,
                       line={"color": theme.ACCENT, "width": 1.5, "dash": dash_of[s.key]})
        )
    # 0–80 % when everything fits: the reference lines then stand further apart.
    top = 0.8 if max([0.0, *high.dropna(), *(r.value for r in references)]) <= 0.8 else 1.0
    plot_height = height - 110  # margins and legend, roughly
    min_gap = 15 / plot_height * top  # a label's height, in axis units
    label_y: list[float] = []
    for ref in sorted(references, key=lambda r: r.value):
        fig.add_hline(y=ref.value, line={"color": theme.ACCENT, "width": 1.2, "dash": dash_of.get(ref.source, "dash")})
        want = ref.value if not label_y else max(ref.value, label_y[-1] + min_gap)
        label_y.append(want)
        fig.add_annotation(
            x=1, xref="paper", xanchor="left", xshift=6, y=want, yref="y", yanchor="middle",
            text=ref.label, font={"color": theme.ACCENT, "size": 12}, showarrow=False,
        )
    theme.percent_axis(fig, top=top, step=0.2)
    fig.update_layout(
        margin={"r": 250 if references else 8},
        hovermode="x unified",
        xaxis={"type": "category"},
        legend={"traceorder": "normal"},
    )
    return fig


@functools.lru_cache(maxsize=32)
def _grid(rows: int, columns: int, titles: tuple[str, ...]) -> dict:
    """The layout of a grid of small charts with shared axes (make_subplots, 0,2 s: kept)."""
    from plotly.subplots import make_subplots

    fig = make_subplots(rows=rows, cols=columns, shared_yaxes=True, shared_xaxes=True, subplot_titles=titles,
                        vertical_spacing=0.12 if rows > 1 else 0.2, horizontal_spacing=0.03)
    layout = fig.to_dict()["layout"]
    layout.pop("template", None)  # the default template again; validating a copy of it is slow
    return layout


def small_multiples(
    df: pd.DataFrame, column: str, threshold: int, highlight: tuple[str, ...] = (), columns: int = 4,
    start=None, end=None,
) -> go.Figure:
    """One small line chart of a count by month per municipality, on one shared scale.

    `df` is outcomes.monthly_by_municipality (protected). Hidden months are hatched bars as in
    `count_bars`. Highlighted municipalities are drawn in the primary colour, the rest in grey.
    The figure is put together as one dict and validated once: built trace by trace and axis by
    axis, Plotly walks the whole grid on every step (0,4 s for sixteen municipalities).
    """
    names = list(dict.fromkeys(df["municipality"]))
    rows = max(1, -(-len(names) // columns))
    chosen = set(highlight)
    titles = tuple(f"<b>{n}</b>" if n in chosen else n for n in names)
    layout = copy.deepcopy(_grid(rows, columns, titles))
    top = 0.0
    legend_shown = False
    data, shapes = [], []
    ticks = theme.month_ticks(pd.to_datetime(df["period_start"]), max_ticks=3)
    for i, name in enumerate(names):
        axis = "" if i == 0 else str(i + 1)
        one = df[df["municipality"] == name]
        x = list(pd.to_datetime(one["period_start"]))
        y = numeric(one[column])
        top = max(top, float(y.max()) if y.notna().any() else 0.0)
        color = theme.PRIMARY if not chosen or name in chosen else theme.COMPARISON
        line = go.Scatter(
            x=x, y=y, mode="lines+markers", line={"color": color, "width": 2}, marker={"size": 4},
            name=name, showlegend=False,
            customdata=[[fmt.month_name(m), t] for m, t in zip(x, count_text(one[column]))],
            hovertemplate="%{customdata[0]}: %{customdata[1]}<extra>" + name + "</extra>",
            connectgaps=False, xaxis=f"x{axis}", yaxis=f"y{axis}",
        )
        bars = hidden_bars(x, one[column], threshold, name)
        bars.update(showlegend=bool(bars.showlegend) and not legend_shown, width=20 * 24 * 3600 * 1000,
                    hovertemplate="%{x|%B %Y}: <" + str(threshold) + "<extra>" + name + "</extra>",
                    xaxis=f"x{axis}", yaxis=f"y{axis}")
        legend_shown = legend_shown or bool(bars.showlegend)
        data += [line.to_plotly_json(), bars.to_plotly_json()]
        layout[f"xaxis{axis}"].update(ticks)
        if start is not None and end is not None:
            shapes.append({"type": "rect", "xref": f"x{axis}", "x0": pd.Timestamp(start) - pd.Timedelta(days=15),
                           "x1": pd.Timestamp(end), "yref": f"y{axis} domain", "y0": 0, "y1": 1, "line": {"width": 0},
                           "fillcolor": theme.HIGHLIGHT, "opacity": 0.35, "layer": "below"})
    for i in range(len(names)):
        layout[f"yaxis{'' if i == 0 else i + 1}"].update(range=[0, max(top, threshold) * 1.1], rangemode="tozero")
    for annotation in layout.get("annotations", []):
        annotation["font"] = {"size": 13, "color": theme.TEXT}
    layout.update(height=190 * rows + 70, hovermode="closest", barmode="overlay", shapes=shapes,
                  margin={"t": 48}, legend={"y": 1.04})
    return go.Figure(data=data, layout=layout)


def quarter_bars(df: pd.DataFrame, column: str, threshold: int, end=None) -> go.Figure:
    """A figure by quarter as bars (df is kpi_table by "quarter", protected), quarters named on two lines;
    a quarter `end` cuts short is marked "*", as on the quarterly rate."""
    partial = partial_quarters(df["period_start"], end) if end is not None else [False] * len(df)
    names = [fmt.quarter_label(q).replace(" ", "<br>", 2).replace("<br>", " ", 1) + (" *" if p else "")
             for q, p in zip(df["period_start"], partial)]
    fig = count_bars(names, df[column], texts.label(column), threshold)
    fig.update_xaxes(type="category", tickangle=0)
    return fig
