"""Charts of outcomes: fidelity scores, hours in job, the funnel of municipalities, placement rates
with their intervals, and cohorts' placement rates and curves."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from ipsdash import fmt, texts, theme
from ipsdash.charts.base import count_bars, new_figure, partial_quarters, subplot_band

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


def hours_bars(hours: pd.DataFrame, threshold: int) -> go.Figure:
    """Courses in job by weekly hours band (outcomes.hours_table, protected)."""
    fig = count_bars(hours["label"], hours["courses"], "Forløb i job", threshold, height=300)
    fig.update_xaxes(type="category", title={"text": "Timer pr. uge"})
    fig.update_yaxes(title={"text": "Forløb i job"})
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
    fig = new_figure(None, height)
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
    fig = new_figure(None, height or 120 + 28 * len(shown))
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


def cohort_rates(
    df: pd.DataFrame, references=(), source_name: str = "", height: int = 420, end=None
) -> go.Figure:
    """The share placed within N months per enrollment quarter, a line per N with its 95 % interval.

    `df` is cohorts.long_rates of a protected quarterly table. A cohort not yet followed N months,
    and one hidden by the small-number rule, is no point (a gap, never a dip to zero). A quarter
    the period's `end` cuts short is marked "*", as on every quarterly chart.
    """
    fig = new_figure(None, height)
    quarters = sorted(df["cohort_start"].unique())
    partial = partial_quarters(quarters, end) if end is not None else [False] * len(quarters)
    x_of = {q: fmt.quarter_label(q) + (" *" if p else "") for q, p in zip(quarters, partial)}
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
    fig = new_figure(None, height)
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
