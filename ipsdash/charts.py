"""The dashboard's charts, built from figures that have passed the small-number rule.

A hidden count ("<5") is drawn as a gap and named in the hover text; nothing hidden is put
into a figure's data, since Plotly ships all of it to the browser.
"""

from __future__ import annotations

import copy
import functools
import html

import pandas as pd
import plotly.graph_objects as go

from ipsdash import fmt, texts, theme


def numeric(values: pd.Series) -> pd.Series:
    """Counts as numbers with hidden ones ("<5", None) as NaN, for drawing."""
    return pd.to_numeric(values.where(values.map(lambda v: not isinstance(v, str)), None), errors="coerce")


def count_text(values: pd.Series) -> list[str]:
    return [v if isinstance(v, str) else fmt.number(v) for v in values]


def _base(title: str | None, height: int = 320) -> go.Figure:
    # The "ipsdash" template is Plotly's default once theme is imported; naming it again would
    # copy it into the figure once more (7 ms a chart).
    fig = go.Figure()
    fig.update_layout(height=height, title=title)
    return fig


def shade_period(fig: go.Figure, start, end) -> None:
    """Mark the chosen period on a monthly time axis (one chart, not subplots).

    The shape is added as Plotly's add_vrect would make it, without its scan of every trace.
    """
    band = {
        "type": "rect",
        "xref": "x",
        "yref": "y domain",
        "x0": pd.Timestamp(start) - pd.Timedelta(days=15),
        "x1": pd.Timestamp(end),
        "y0": 0,
        "y1": 1,
        "fillcolor": theme.HIGHLIGHT,
        "opacity": 0.35,
        "line": {"width": 0},
        "layer": "below",
    }
    fig.layout.shapes = (*fig.layout.shapes, band)


def _x_span(fig: go.Figure) -> tuple[pd.Timestamp, pd.Timestamp] | None:
    """The first and last day a monthly time axis covers: its first month's first day to its last
    month's last day (points are months' first days)."""
    xs = [pd.Timestamp(x) for trace in fig.data if trace.x is not None for x in trace.x if not pd.isna(x)]
    if not xs:
        return None
    return min(xs).normalize(), (max(xs).normalize() + pd.offsets.MonthEnd(0))


def events_on(fig: go.Figure, events: pd.DataFrame) -> pd.DataFrame:
    """The events (ipsdash.figures.events.events_in) that fall within the chart's time axis."""
    span = _x_span(fig)
    if span is None or events.empty:
        return events.iloc[0:0]
    days = pd.to_datetime(events["event_date"])
    return events[(days >= span[0]) & (days <= span[1])]


def event_hover(row) -> str:
    """An event's hover text: its date, place and text, escaped, since Plotly reads a subset of
    HTML in hover text and an extract's text is plain text (`<b>` must show as `<b>`)."""
    head = f"{fmt.date_medium(row['event_date'])} · {row['municipality']}"
    return html.escape(head) + "<br>" + html.escape(str(row["event_text"]))


def mark_events(fig: go.Figure, events: pd.DataFrame) -> go.Figure:
    """Vertical marks at the events on a monthly time axis, their text on hover (ipsdash/figures/events.py).

    A line from bottom to top per event and a small triangle at the top that carries the hover
    (a shape has none); the triangles sit on a hidden axis of their own from 0 to 1, so they stay
    at the top whatever the chart's own axis shows. Events outside the axis are left out.
    """
    shown = events_on(fig, events)
    if shown.empty:
        return fig
    days = [pd.Timestamp(d) for d in shown["event_date"]]
    lines = [
        {"type": "line", "xref": "x", "yref": "paper", "x0": d, "x1": d, "y0": 0, "y1": 1, "layer": "below",
         "line": {"color": theme.ACCENT, "width": 1.2, "dash": "dot"}}
        for d in days
    ]  # fmt: skip
    fig.layout.shapes = (*fig.layout.shapes, *lines)
    fig.add_trace(
        go.Scatter(
            x=days,
            y=[1.0] * len(days),
            yaxis="y9",
            mode="markers",
            marker={"symbol": "triangle-down", "size": 10, "color": theme.ACCENT},
            name=EVENTS_NAME,
            hovertext=[event_hover(r) for _, r in shown.iterrows()],
            hovertemplate="%{hovertext}<extra></extra>",
            showlegend=True,
        )
    )
    fig.update_layout(yaxis9={"overlaying": "y", "range": [0, 1.02], "visible": False, "fixedrange": True})
    return fig


EVENTS_NAME = "Hændelse"


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
    fig = _base(title)
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
    fig = _base(title)
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
    fig = _base(title)
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
        fig.add_trace(_hidden_bars(x, small.map({True: "<", False: None}), threshold, "Skjult (små tal)"))
    fig.update_layout(barmode="stack", legend={"traceorder": "normal"})
    theme.danish_month_ticks(fig, x)
    return fig


def monthly_caseload(df: pd.DataFrame, limit: float, limit_text: str, title: str | None = None) -> go.Figure:
    """Courses per consultant FTE by month (df protected: a hidden caseload is None) against a limit."""
    fig = _base(title)
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


# Pale fills of the fidelity levels, best first (blue for the good levels, warm for the weak).
FIDELITY_FILLS = ("#C9DCEE", "#E4EEF7", "#F6EEDD", "#F3E1E1")
# Scores under 50 are rare in running services; the "ikke IPS" band below 74 is still shown.
FIDELITY_AXIS_FROM = 50


def fidelity_scores(reviews: pd.DataFrame, levels, names: list[str], columns: int = 3) -> go.Figure:
    """Fidelity scores over time, one small chart per municipality in `names`, on the level bands.

    `reviews` has municipality, review_date, fidelity and fidelity_level (not person data);
    `levels` is ((lowest score, name), ...) best first, as contract.FIDELITY_LEVELS, on the IPS-25
    scale up to 125. One municipality gets one wide chart; the level names are written in the
    first chart.
    """
    from plotly.subplots import make_subplots

    n = max(1, len(names))
    cols = 1 if n == 1 else min(columns, n)
    rows = -(-n // cols)
    fig = make_subplots(
        rows=rows,
        cols=cols,
        subplot_titles=names,
        shared_xaxes="all",
        shared_yaxes="all",
        vertical_spacing=min(0.12, 0.22 / rows),  # room for the next row's title, no more
        horizontal_spacing=0.03,
    )
    fig.update_layout(height=380 if rows == 1 else 220 * rows + 40, showlegend=False)
    fig.update_annotations(font={"size": 13, "color": theme.TEXT})  # the subplot titles: the municipalities
    tops = [125, *[lowest - 1 for lowest, _ in levels[:-1]]]
    dates = pd.to_datetime(reviews["review_date"])
    bands = []
    for k, name in enumerate(names):
        row, col = k // cols + 1, k % cols + 1
        part = reviews[reviews["municipality"] == name]
        hover = [
            f"{fmt.date_long(d)}: {fmt.number(s)} point, {lv}"
            for d, s, lv in zip(part["review_date"], part["fidelity"], part["fidelity_level"])
        ]
        fig.add_trace(
            go.Scatter(
                x=pd.to_datetime(part["review_date"]),
                y=pd.to_numeric(part["fidelity"], errors="coerce"),
                name=name,
                mode="lines+markers",
                line={"color": theme.PRIMARY, "width": 2},
                marker={"size": 7},
                text=hover,
                hovertemplate="%{text}<extra>" + name + "</extra>",
            ),
            row=row,
            col=col,
        )
        # The level bands, added at once below (add_hrect per subplot costs seconds: subplot_band).
        for (lowest, _), top, fill in zip(levels, tops, FIDELITY_FILLS):
            bands.append(subplot_band(fig, row, col, "y", lowest - 0.5, top + 0.5, fillcolor=fill, layer="below"))
    fig.update_layout(shapes=[*fig.layout.shapes, *bands])
    for (lowest, level), top in zip(levels, tops):
        fig.add_annotation(
            x=0.01,
            xref="x domain",
            y=(max(lowest, FIDELITY_AXIS_FROM) + top) / 2,
            yref="y",
            text=level,
            xanchor="left",
            showarrow=False,
            font={"color": theme.MUTED_TEXT, "size": 11},
        )
    fig.update_yaxes(range=[FIDELITY_AXIS_FROM, 125.5], tickvals=sorted(lowest for lowest, _ in levels[:-1]))
    fig.update_yaxes(rangemode="normal", showgrid=False)
    if len(dates):
        pad = pd.Timedelta(days=90)
        fig.update_xaxes(range=[dates.min() - pad, dates.max() + pad])
    fig.update_layout(hovermode="closest", margin={"l": 8, "r": 8, "t": 40, "b": 8})
    return fig


# --- Job og uddannelse, Kommuner ---------------------------------------------------------------
# A count hidden as "<5" is drawn as a pale hatched bar up to threshold − 1 (all we may say is
# "from 1 to 4"), so a month with few is not mistaken for a month with none; a figure hidden to
# protect another one (None) is left out and named in the hover of nothing: a gap.


def _hidden_bars(x, values: pd.Series, threshold: int, name: str, **kwargs) -> go.Bar:
    hidden = [isinstance(v, str) for v in values]
    return go.Bar(
        x=[xi for xi, h in zip(x, hidden) if h],
        y=[max(threshold - 1, 1)] * sum(hidden),
        name=f"Under {threshold} (skjult)",
        marker={"color": theme.SECONDARY_BACKGROUND, "line": {"color": theme.COMPARISON, "width": 1},
                "pattern": {"shape": "/", "fgcolor": theme.COMPARISON, "size": 6}},
        hovertemplate=f"<{threshold}<extra>{name}</extra>",
        showlegend=any(hidden),
        **kwargs,
    )


def count_bars(
    x, values: pd.Series, name: str, threshold: int, color: str = theme.PRIMARY, height: int = 320
) -> go.Figure:
    """Bars of protected person counts (or days) over categories or months; hidden counts hatched."""
    fig = _base(None, height)
    fig.add_trace(
        go.Bar(
            x=list(x),
            y=numeric(values),
            name=name,
            marker={"color": color},
            text=count_text(values),
            hovertemplate="%{text}<extra>" + name + "</extra>",
            textposition="none",
        )
    )
    fig.add_trace(_hidden_bars(list(x), values, threshold, name))
    fig.update_layout(barmode="overlay", hovermode="closest", showlegend=any(isinstance(v, str) for v in values))
    # Room above the threshold, so a hatched bar reads "under 5" and not "4".
    top = numeric(values).max()
    fig.update_yaxes(range=[0, max(0 if pd.isna(top) else float(top), threshold) * 1.1])
    return fig


def hours_bars(hours: pd.DataFrame, threshold: int) -> go.Figure:
    """Courses in job by weekly hours band (outcomes.hours_table, protected)."""
    fig = count_bars(hours["label"], hours["courses"], "Forløb i job", threshold, height=300)
    fig.update_xaxes(type="category", title={"text": "Timer pr. uge"})
    fig.update_yaxes(title={"text": "Forløb i job"})
    return fig


def monthly_bars(df: pd.DataFrame, column: str, threshold: int) -> go.Figure:
    """A person count by month as bars (df protected, with period_start)."""
    x = pd.to_datetime(df["period_start"])
    fig = count_bars(x, df[column], texts.label(column), threshold)
    theme.danish_month_ticks(fig, x)
    return fig


def _label_boxes(px: list[float], py: list[float], labels: list[str], font: int = 13) -> list[str]:
    """Plotly text positions for point labels that do not cover each other or the points.

    Greedy on pixel positions worked out for a narrow chart; a wider one only spreads them more.
    """
    char, height, gap = font * 0.55, font * 1.2, 6
    candidates = {
        "middle right": lambda x, y, w: (x + gap, y - height / 2, x + gap + w, y + height / 2),
        "middle left": lambda x, y, w: (x - gap - w, y - height / 2, x - gap, y + height / 2),
        "top center": lambda x, y, w: (x - w / 2, y - gap - height, x + w / 2, y - gap),
        "bottom center": lambda x, y, w: (x - w / 2, y + gap, x + w / 2, y + gap + height),
        "top right": lambda x, y, w: (x + 2, y - gap - height, x + 2 + w, y - gap),
        "bottom right": lambda x, y, w: (x + 2, y + gap, x + 2 + w, y + gap + height),
        "top left": lambda x, y, w: (x - 2 - w, y - gap - height, x - 2, y - gap),
        "bottom left": lambda x, y, w: (x - 2 - w, y + gap, x - 2, y + gap + height),
    }
    points = [(x - 5, y - 5, x + 5, y + 5) for x, y in zip(px, py)]

    def overlap(a, b) -> float:
        return max(0.0, min(a[2], b[2]) - max(a[0], b[0])) * max(0.0, min(a[3], b[3]) - max(a[1], b[1]))

    placed: list[tuple] = []
    positions = []
    for x, y, label in zip(px, py, labels):
        w = char * len(label)
        best = min(
            candidates,
            key=lambda c: sum(overlap(candidates[c](x, y, w), o) for o in placed + points),
        )
        positions.append(best)
        placed.append(candidates[best](x, y, w))
    return positions


def funnel_plot(funnel, highlight: tuple[str, ...] = (), height: int = 460, nominal_width: int = 720) -> go.Figure:
    """Placement rate against active courses, with 95 % and 99,8 % limits around the region's rate.

    `funnel` is an `outcomes.Funnel`; municipalities in `highlight` are drawn in the primary colour
    and the others in grey (all primary when none is highlighted).
    """
    fig = _base(None, height)
    lim = funnel.limits
    p0 = funnel.region_rate
    for level, dash, name in (("998", "dot", "99,8 %-grænser"), ("95", "dash", "95 %-grænser")):
        for side in ("high", "low"):
            fig.add_trace(
                go.Scatter(
                    x=lim["n"],
                    y=lim[f"{side}_{level}"],
                    mode="lines",
                    line={"color": theme.ACCENT, "width": 1.5, "dash": dash},
                    name=name,
                    legendgroup=level,
                    showlegend=side == "high",
                    hoverinfo="skip",
                )
            )
    if p0 is not None:
        fig.add_trace(
            go.Scatter(
                x=[lim["n"].min(), lim["n"].max()] if len(lim) else [],
                y=[p0, p0],
                mode="lines",
                line={"color": theme.MUTED_TEXT, "width": 1.5},
                name=f"Regionen: {fmt.percent(p0)}",
                hoverinfo="skip",
            )
        )
    pts = funnel.points
    top_n = float(lim["n"].max()) if len(lim) else 1.0
    px = [float(n) / top_n * nominal_width for n in pts["active_in_period"]]
    py = [(1 - float(r)) * (height - 80) for r in pts["placement_rate"]]
    positions = _label_boxes(px, py, list(pts["municipality"]))
    chosen = set(highlight)
    colors = [theme.PRIMARY if not chosen or m in chosen else theme.COMPARISON for m in pts["municipality"]]
    hover = [
        f"<b>{m}</b><br>{fmt.percent(r)} {fmt.interval(lo, hi)}<br>"
        f"{fmt.number(k)} af {fmt.number(n)} aktive forløb<br>{pos}"
        for m, r, lo, hi, k, n, pos in zip(
            pts["municipality"], pts["placement_rate"], pts["placement_rate_low"], pts["placement_rate_high"],
            pts["placed"], pts["active_in_period"], pts["position_text"],
        )
    ]
    fig.add_trace(
        go.Scatter(
            x=pts["active_in_period"],
            y=pts["placement_rate"],
            mode="markers+text",
            text=list(pts["municipality"]),
            textposition=positions,
            textfont={"size": 13, "color": theme.TEXT},
            marker={"size": 10, "color": colors, "line": {"color": theme.BACKGROUND, "width": 1}},
            customdata=hover,
            hovertemplate="%{customdata}<extra></extra>",
            name="Kommuner",
            showlegend=False,
        )
    )
    theme.percent_axis(fig)
    fig.update_layout(
        hovermode="closest",
        xaxis={"title": {"text": "Aktive forløb i perioden"}, "range": [0, top_n], "rangemode": "tozero"},
        yaxis={"title": {"text": texts.label("placement_rate")}},
    )
    return fig


def quarterly_rate(df: pd.DataFrame, end, references=(), sources=(), height: int = 440) -> go.Figure:
    """The placement rate per quarter with its 95 % interval, against labelled reference rates.

    `df` is kpi_table by "quarter" (protected); the last quarter, when `end` cuts it short, is
    drawn hollow and named so in the hover. `references` have .value, .label and .source (a key
    of `sources`, which have .key and .name); each source gets its own dash and a legend entry,
    and the labels sit in the right margin, nudged apart so none covers another.
    """
    fig = _base(None, height)
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
        bars = _hidden_bars(x, one[column], threshold, name)
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


# --- Grants (pages/bevillinger.py): money, never person counts ---------------------------------


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
    fig = _base(title, height=360)
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
    fig = _base(title, height=max(height, 200))
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
    fig = _base(title, height=360)
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


def partial_quarters(starts, end) -> list[bool]:
    """For each quarter starting on `starts`: True when `end` cuts it short (it is counted only in part)."""
    end = fmt.as_date(end)
    return [end < (pd.Timestamp(s) + pd.DateOffset(months=3) - pd.Timedelta(days=1)).date() for s in starts]


def quarter_bars(df: pd.DataFrame, column: str, threshold: int, end=None) -> go.Figure:
    """A figure by quarter as bars (df is kpi_table by "quarter", protected), quarters named on two lines;
    a quarter `end` cuts short is marked "*", as on the quarterly rate."""
    partial = partial_quarters(df["period_start"], end) if end is not None else [False] * len(df)
    names = [fmt.quarter_label(q).replace(" ", "<br>", 2).replace("<br>", " ", 1) + (" *" if p else "")
             for q, p in zip(df["period_start"], partial)]
    fig = count_bars(names, df[column], texts.label(column), threshold)
    fig.update_xaxes(type="category", tickangle=0)
    return fig


# --- Indskrivning og venteliste; Kvalitet (2) ------------------------------------------------------


def drawable(df: pd.DataFrame, columns: list[str]) -> bool:
    """True when some figure of `columns` is shown and not zero; otherwise a chart would be empty.

    >>> drawable(pd.DataFrame({"n": ["<5", 0, None]}), ["n"]), drawable(pd.DataFrame({"n": ["<5", 6]}), ["n"])
    (False, True)
    """
    return any(bool((numeric(df[col]).fillna(0) != 0).any()) for col in columns)


def rate_dots(rates: pd.DataFrame, highlight: tuple[str, ...] = (), height: int | None = None) -> go.Figure:
    """Each municipality's placement rate with its 95 % interval, beside the region's rate as a line.

    For users who may see other municipalities only as rates (no counts, so no funnel): `rates` has
    `municipality`, `placement_rate`, `placement_rate_low`, `placement_rate_high`, the region first
    with municipality_code NA. Hidden rates are left out.
    """
    region = rates[rates["municipality_code"].isna()]
    shown = rates[rates["municipality_code"].notna() & rates["placement_rate"].notna()].sort_values("placement_rate")
    rate = pd.to_numeric(shown["placement_rate"])
    low = pd.to_numeric(shown["placement_rate_low"])
    high = pd.to_numeric(shown["placement_rate_high"])
    colours = [theme.PRIMARY if name in highlight else theme.COMPARISON for name in shown["municipality"]]
    fig = _base(None, height or 120 + 28 * len(shown))
    fig.add_trace(
        go.Scatter(
            x=rate,
            y=shown["municipality"],
            mode="markers",
            marker={"color": colours, "size": 10},
            error_x={"type": "data", "symmetric": False, "array": high - rate, "arrayminus": rate - low,
                     "color": theme.COMPARISON, "thickness": 1.5, "width": 0},
            text=[f"{fmt.percent(r)} {fmt.interval(lo, hi)}" for r, lo, hi in zip(rate, low, high)],
            hovertemplate="%{y}: %{text}<extra></extra>",
            showlegend=False,
        )
    )
    if not region.empty and pd.notna(region["placement_rate"].iloc[0]):
        p0 = float(region["placement_rate"].iloc[0])
        fig.add_vline(x=p0, line={"color": theme.ACCENT, "dash": "dash", "width": 1.5},
                      annotation_text=f"Regionen: {fmt.percent(p0)}", annotation_position="top")
    fig.update_layout(hovermode="closest")
    theme.percent_axis(fig, axis="xaxis")
    fig.update_yaxes(rangemode="normal")
    return fig


# --- Bands on small multiples, fast ------------------------------------------------------------


def subplot_band(fig: go.Figure, row: int, col: int, along: str, start, end, **style) -> dict:
    """A band across one subplot, as add_hrect (along="y") or add_vrect (along="x") would draw it.

    Returns the shape; give all of a figure's bands to update_layout(shapes=...) at once. Plotly's
    add_hrect/add_vrect with row and col look through every trace of the figure on each call, so 40
    bands on a grid of charts cost 0.7 s on every rerun of a page; this costs milliseconds.
    """
    sub = fig.get_subplot(row, col)
    x, y = sub.xaxis.plotly_name.replace("axis", ""), sub.yaxis.plotly_name.replace("axis", "")
    if along == "y":
        place = {"xref": f"{x} domain", "x0": 0, "x1": 1, "yref": y, "y0": start, "y1": end}
    else:
        place = {"xref": x, "x0": start, "x1": end, "yref": f"{y} domain", "y0": 0, "y1": 1}
    return {"type": "rect", **place, "line": {"width": 0}, **style}


# --- Cohort outcomes (pages/forloeb.py; ipsdash/figures/cohorts.py) ------------------------------------


def _trial_lines(fig: go.Figure, references, source_name: str) -> None:
    """The trial's reference rates as labelled lines in the right margin, named after their source."""
    for ref in sorted(references, key=lambda r: r.value):
        fig.add_hline(y=ref.value, line={"color": theme.ACCENT, "width": 1.2, "dash": "dash"})
        fig.add_annotation(
            x=1, xref="paper", xanchor="left", xshift=6, y=ref.value, yref="y", yanchor="middle",
            text=ref.label, font={"color": theme.ACCENT, "size": 12}, showarrow=False,
        )
    fig.add_trace(go.Scatter(x=[None], y=[None], mode="lines", name=source_name,
                             line={"color": theme.ACCENT, "width": 1.5, "dash": "dash"}))


def cohort_rates(df: pd.DataFrame, references=(), source_name: str = "", height: int = 420) -> go.Figure:
    """The share placed within N months per enrollment quarter, a line per N with its 95 % interval.

    `df` is cohorts.long_rates of a protected quarterly table. A cohort not yet followed N months,
    and one hidden by the small-number rule, is no point (a gap, never a dip to zero).
    """
    fig = _base(None, height)
    quarters = sorted(df["cohort_start"].unique())
    x_of = {q: fmt.quarter_label(q) for q in quarters}
    for i, (n, part) in enumerate(df.groupby("months", sort=True)):
        colour = theme.SERIES[i % len(theme.SERIES)]
        y = pd.to_numeric(part["rate"], errors="coerce")
        low = pd.to_numeric(part["rate_low"], errors="coerce")
        high = pd.to_numeric(part["rate_high"], errors="coerce")
        fig.add_trace(
            go.Scatter(
                x=[x_of[q] for q in part["cohort_start"]],
                y=y,
                mode="lines+markers",
                name=f"Inden for {n} mdr.",
                line={"color": colour, "width": 2.2},
                marker={"size": 7, "color": colour},
                error_y={"type": "data", "symmetric": False, "array": high - y, "arrayminus": y - low,
                         "color": colour, "thickness": 1, "width": 3},
                text=[f"{fmt.percent(v)} {fmt.interval(lo, hi)}" if pd.notna(v) else "" for v, lo, hi in
                      zip(y, low, high)],
                hovertemplate="%{text}<extra>" + f"inden for {n} mdr." + "</extra>",
            )
        )
    _trial_lines(fig, references, source_name)
    theme.percent_axis(fig, top=1.0, step=0.2)
    fig.update_layout(
        margin={"r": 230 if references else 8},
        hovermode="x unified",
        xaxis={"type": "category", "categoryorder": "array", "categoryarray": [x_of[q] for q in quarters]},
    )
    return fig


def cohort_curves(df: pd.DataFrame, references=(), source_name: str = "", trial_months: int = 18,
                  height: int = 420) -> go.Figure:
    """Time to the first job or education: the cumulative share placed by months since enrollment,
    a line per year cohort. A line stops where its cohort has not been followed longer.

    `df` is cohorts.curve (protected). The trial's rates are marked at `trial_months`.
    """
    fig = _base(None, height)
    for i, (start, part) in enumerate(df.groupby("cohort_start", sort=True)):
        colour = theme.SERIES[i % len(theme.SERIES)]
        shown = part[part["followed"].astype(bool)]
        y = pd.to_numeric(shown["rate"], errors="coerce")
        fig.add_trace(
            go.Scatter(
                x=shown["months"],
                y=y,
                mode="lines",
                name=f"Startet i {pd.Timestamp(start).year}",
                line={"color": colour, "width": 2.2, "shape": "hv"},
                text=[fmt.percent(v) if pd.notna(v) else "skjult (små tal)" for v in y],
                hovertemplate="%{x} mdr.: %{text}<extra>" + f"startet i {pd.Timestamp(start).year}" + "</extra>",
            )
        )
    for ref in references:
        fig.add_trace(
            go.Scatter(
                x=[trial_months], y=[ref.value], mode="markers+text", showlegend=False,
                marker={"symbol": "diamond", "size": 10, "color": theme.ACCENT},
                text=[ref.label], textposition="middle left", textfont={"color": theme.ACCENT, "size": 12},
                hovertemplate=f"{ref.label}<extra>{source_name}</extra>",
            )
        )
    if references:
        fig.add_trace(go.Scatter(x=[None], y=[None], mode="markers", name=source_name,
                                 marker={"symbol": "diamond", "size": 10, "color": theme.ACCENT}))
    theme.percent_axis(fig, top=1.0, step=0.2)
    fig.update_layout(
        hovermode="closest",
        xaxis={"title": {"text": "Måneder efter opstart"}, "dtick": 3, "range": [0, df["months"].max() + 0.5]
               if not df.empty else None},
    )
    return fig
