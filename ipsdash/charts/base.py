"""What every chart shares: hidden counts drawn as gaps or hatched bars, the chosen period shaded,
events marked, and whether a table has anything to draw.

A hidden count ("<5") is drawn as a gap and named in the hover text; nothing hidden is put
into a figure's data, since Plotly ships all of it to the browser.
"""

from __future__ import annotations

import html

import pandas as pd
import plotly.graph_objects as go

from ipsdash import fmt, theme


def numeric(values: pd.Series) -> pd.Series:
    """Counts as numbers with hidden ones ("<5", None) as NaN, for drawing."""
    return pd.to_numeric(values.where(values.map(lambda v: not isinstance(v, str)), None), errors="coerce")


def count_text(values: pd.Series) -> list[str]:
    return [v if isinstance(v, str) else fmt.number(v) for v in values]


def new_figure(title: str | None, height: int = 320) -> go.Figure:
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


# --- Hidden counts ---------------------------------------------------------------------------
# A count hidden as "<5" is drawn as a pale hatched bar up to threshold − 1 (all we may say is
# "from 1 to 4"), so a month with few is not mistaken for a month with none; a figure hidden to
# protect another one (None) is left out and named in the hover of nothing: a gap.


def hidden_bars(x, values: pd.Series, threshold: int, name: str, **kwargs) -> go.Bar:
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
    fig = new_figure(None, height)
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
    fig.add_trace(hidden_bars(list(x), values, threshold, name))
    fig.update_layout(barmode="overlay", hovermode="closest", showlegend=any(isinstance(v, str) for v in values))
    # Room above the threshold, so a hatched bar reads "under 5" and not "4".
    top = numeric(values).max()
    fig.update_yaxes(range=[0, max(0 if pd.isna(top) else float(top), threshold) * 1.1])
    return fig


def partial_quarters(starts, end) -> list[bool]:
    """For each quarter starting on `starts`: True when `end` cuts it short (it is counted only in part)."""
    end = fmt.as_date(end)
    return [end < (pd.Timestamp(s) + pd.DateOffset(months=3) - pd.Timedelta(days=1)).date() for s in starts]


def drawable(df: pd.DataFrame, columns: list[str]) -> bool:
    """True when some figure of `columns` is shown and not zero; otherwise a chart would be empty.

    >>> drawable(pd.DataFrame({"n": ["<5", 0, None]}), ["n"]), drawable(pd.DataFrame({"n": ["<5", 6]}), ["n"])
    (False, True)
    """
    return any(bool((numeric(df[col]).fillna(0) != 0).any()) for col in columns)


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
