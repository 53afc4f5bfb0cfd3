"""The one look of all charts: colours, the Plotly template "ipsdash", Danish dates on axes.

Importing this module registers the template and makes it Plotly's default (`use()`).

In the app, draw with `show(fig)`: it passes `theme=None`, so Streamlit keeps our template
instead of laying its own fonts and margins over it, and `config()`, which carries a Danish
Plotly locale inline (`config.locales`). Streamlit 1.67 bundles plotly.js 3.8 without
locale files, so `config={"locale": "da"}` alone stays English; with the locale data
inline, date axes and hovers read "mar. 2024" and "12. mar. 2024" and need no script.

Outside the app (static images for reports) there is no config, so use
`danish_month_ticks(fig, dates)`, which writes the tick labels itself with `ipsdash.fmt`.
Monthly series: `month_axis(fig)` (hover "marts 2024" instead of "1. mar. 2024").
Shares: `percent_axis(fig)`, since Plotly's ".0%" writes "48%" without the Danish space.
Limits and targets: `reference_line(fig, 20, "Højst 20")`.

Colours (Paul Tol's colour-blind safe "muted" scheme for municipalities):

- `PRIMARY` the region or the selected municipality; `COMPARISON` grey for the others.
  A chart uses either primary + grey, or the qualitative sequence, never both, so the
  primary blue is never mistaken for a municipality's colour.
- `ACCENT` muted ochre for reference lines and limits (caseload 20, budget); blue, grey
  and ochre stay apart for every kind of colour vision.
- `QUALITATIVE` eight colours for municipalities side by side. With more than eight on
  one chart, show the selected one in `PRIMARY` and the rest in `COMPARISON`.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable
from typing import Any

import plotly.graph_objects as go
import plotly.io as pio

from ipsdash import fmt

TEMPLATE_NAME = "ipsdash"

PRIMARY = "#28659A"  # calm blue; 6,0:1 on white, so white text on it passes WCAG AA
COMPARISON = "#A3ACB5"  # recedes on purpose; never used for text
ACCENT = "#B7791F"  # ochre, 3,6:1 on white: enough for a line (WCAG asks 3:1 for graphics)
TEXT = "#262D35"
MUTED_TEXT = "#5B6570"  # tick labels, notes; 5,9:1 on white
GRID = "#E6E9ED"
AXIS_LINE = "#C5CCD3"
BACKGROUND = "#FFFFFF"
SECONDARY_BACKGROUND = "#F3F5F7"
BORDER = "#DDE2E7"

# Paul Tol, "muted" (personal.sron.nl/~pault), without "sand" (#DDCC77), too pale for
# lines on white. The paler colours come last so small charts get the clearest ones.
QUALITATIVE = (
    "#332288",  # indigo
    "#44AA99",  # teal
    "#CC6677",  # rose
    "#117733",  # green
    "#882255",  # wine
    "#999933",  # olive
    "#AA4499",  # purple
    "#88CCEE",  # cyan
)
SERIES = QUALITATIVE  # the name the chart builders use
# One colour per measure on every page and chart: "Aktive forløb" is indigo wherever it is drawn.
MEASURE_COLOURS = {
    "active": "#332288",  # indigo
    "waiting": "#CC6677",  # rose
    "referrals": "#44AA99",  # teal
    "enrollments": "#117733",  # green
    "exits": "#882255",  # wine
    "consultants_trained": "#999933",  # olive
    "consultants_in_training": "#AA4499",  # purple
    "exits_afsluttet": "#88CCEE",  # cyan
    "exits_frafald": "#882255",  # wine, as exits
    "exits_flyttet": "#999933",  # olive
    "exits_andet": "#AA4499",  # purple
}


def colour(key: str, i: int = 0) -> str:
    """The colour of a measure (MEASURE_COLOURS), or the i-th of the sequence for one without its own.

    >>> colour("active") == colour("active", 3) == "#332288"
    True
    """
    return MEASURE_COLOURS.get(key, SERIES[i % len(SERIES)])


HIGHLIGHT = "#C3D8EB"  # pale primary: a shaded period behind lines (layer="below")
BAND = "rgba(40, 101, 154, 0.15)"  # PRIMARY at 15 %: a confidence band around a primary line
# Ten light-to-dark blues ending near PRIMARY: Streamlit wants exactly ten.
SEQUENTIAL = (
    "#F1F6FB", "#DCE8F3", "#C3D8EB", "#A3C3E0", "#7FAAD1",
    "#5A8FBF", "#3B74A8", "#275D8F", "#1A4873", "#0F3657",
)  # fmt: skip

# Streamlit's own UI font (it ships "Source Sans" as a web font), so charts match the page;
# static exports without it fall back to Arial or its metric twin Liberation Sans.
FONT_FAMILY = '"Source Sans", "Source Sans 3", "Source Sans Pro", "Helvetica Neue", Arial, sans-serif'

# Danish Plotly locale, passed inline through `config()`. plotly.js's own "da" locale file
# capitalises month names and keeps English tick orders ("Mar 12"); this one follows fmt.
# The d3 lists start on Sunday. year/month/dayMonth/dayMonthYear are the formats
# plotly.js uses for automatic date ticks and hover labels.
LOCALE_DA: dict[str, Any] = {
    "dictionary": {
        "Autoscale": "Tilpas akser",
        "Box Select": "Vælg med rektangel",
        "Compare data on hover": "Sammenlign data ved hover",
        "Double-click on legend to isolate one trace": "Dobbeltklik på forklaringen for kun at vise én serie",
        "Double-click to zoom back out": "Dobbeltklik for at zoome ud igen",
        "Download plot": "Gem figur",
        "Download plot as a png": "Gem som PNG",
        "Lasso Select": "Vælg med lasso",
        "Pan": "Panorér",
        "Reset": "Nulstil",
        "Reset axes": "Nulstil akser",
        "Show closest data on hover": "Vis nærmeste data ved hover",
        "Snapshot succeeded": "Billedet er gemt",
        "Sorry, there was a problem downloading your snapshot!": "Billedet kunne ikke gemmes.",
        "Taking snapshot - this may take a few seconds": "Gemmer billede – det kan tage et par sekunder",
        "Toggle Spike Lines": "Vis/skjul hjælpelinjer",
        "Zoom": "Zoom",
        "Zoom in": "Zoom ind",
        "Zoom out": "Zoom ud",
        "max:": "maks.:",
        "median:": "median:",
        "min:": "min.:",
        "mean:": "gennemsnit:",
        "q1:": "1. kvartil:",
        "q3:": "3. kvartil:",
    },
    "format": {
        "days": [fmt.DAYS[6], *fmt.DAYS[:6]],
        "shortDays": ["søn.", "man.", "tirs.", "ons.", "tors.", "fre.", "lør."],
        "months": list(fmt.MONTHS),
        "shortMonths": list(fmt.SHORT_MONTHS),
        "periods": ["AM", "PM"],
        "dateTime": "%A den %-d. %B %Y %H:%M:%S",
        "date": "%d.%m.%Y",
        "time": "%H:%M:%S",
        "decimal": fmt.DECIMAL,
        "thousands": fmt.THOUSANDS,
        "grouping": [3],
        "currency": ["", " kr."],
        "year": "%Y",
        "month": "%b %Y",
        "dayMonth": "%-d. %b",
        "dayMonthYear": "%-d. %b %Y",
    },
}

# Modebar buttons a steering group does not need; selection tools would only confuse.
_MODEBAR_REMOVE = (
    "select2d", "lasso2d", "pan2d", "zoom2d", "autoScale2d",
    "hoverClosestCartesian", "hoverCompareCartesian", "toggleSpikelines",
)  # fmt: skip


def template() -> go.layout.Template:
    """The "ipsdash" template: calm colours, Danish separators, one hover for all series."""
    axis_font = {"color": MUTED_TEXT, "size": 13}
    return go.layout.Template(
        layout={
            "font": {"family": FONT_FAMILY, "size": 14, "color": TEXT},
            "separators": fmt.DECIMAL + fmt.THOUSANDS,  # ",." → 1.234,5
            "colorway": list(QUALITATIVE),
            "colorscale": {"sequential": list(SEQUENTIAL)},
            "paper_bgcolor": BACKGROUND,
            "plot_bgcolor": BACKGROUND,
            # Titles belong to the page (st.subheader), not the figure; if one is set, left.
            "title": {"x": 0, "xanchor": "left", "font": {"size": 16}},
            "hovermode": "x unified",
            "hoverlabel": {"bgcolor": BACKGROUND, "bordercolor": AXIS_LINE, "font": {"size": 13}, "namelength": -1},
            "legend": {
                "orientation": "h",
                "x": 0,
                "xanchor": "left",
                "y": 1.02,
                "yanchor": "bottom",
                "title": {"text": ""},
                "bgcolor": "rgba(0,0,0,0)",
                "font": {"size": 13},
            },
            "margin": {"l": 8, "r": 8, "t": 36, "b": 8, "pad": 0},
            "xaxis": {
                "showgrid": False,
                "showline": True,
                "linecolor": AXIS_LINE,
                "ticks": "outside",
                "tickcolor": AXIS_LINE,
                "ticklen": 4,
                "tickfont": axis_font,
                "title": {"font": axis_font, "standoff": 8},
                "zeroline": False,
                "automargin": True,
            },
            "yaxis": {
                "showgrid": True,
                "gridcolor": GRID,
                "showline": False,
                "ticks": "",
                "tickfont": axis_font,
                "title": {"font": axis_font, "standoff": 8},
                "zeroline": False,
                "automargin": True,
                # Counts, rates and money start at zero: a cut axis makes small changes look big.
                "rangemode": "tozero",
                # "1.234" like fmt.number; Plotly would otherwise leave 4-digit values unseparated.
                "separatethousands": True,
            },
            "bargap": 0.25,
            "modebar": {"bgcolor": "rgba(0,0,0,0)", "color": MUTED_TEXT, "activecolor": PRIMARY},
            "shapedefaults": {"line": {"color": ACCENT, "width": 1.5, "dash": "dash"}},
            "annotationdefaults": {"font": {"color": MUTED_TEXT, "size": 12}, "showarrow": False},
        },
        data={
            "scatter": [go.Scatter(line={"width": 2.5}, marker={"size": 6})],
            "bar": [go.Bar(marker={"line": {"width": 0}})],
        },
    )


def use() -> None:
    """Register the "ipsdash" template and make it Plotly's default. Safe to call again.

    >>> use(); import plotly.io as pio; pio.templates.default
    'ipsdash'
    """
    # app.py calls this on every run: building the template takes longer than a cached page.
    if TEMPLATE_NAME not in pio.templates:
        pio.templates[TEMPLATE_NAME] = template()
    pio.templates.default = TEMPLATE_NAME


def config(**overrides: Any) -> dict[str, Any]:
    """Plotly config for `st.plotly_chart`: the Danish locale inline, a quiet modebar.

    A fresh dict each call, so a caller may change it.

    >>> config()["locale"], config(displayModeBar=False)["displayModeBar"]
    ('da', False)
    """
    result: dict[str, Any] = {
        "locale": "da",
        "locales": {"da": LOCALE_DA},
        "displaylogo": False,
        "modeBarButtonsToRemove": list(_MODEBAR_REMOVE),
        "toImageButtonOptions": {"format": "png", "scale": 2, "filename": "ips-figur"},
    }
    result.update(overrides)
    return result


def month_axis(fig: go.Figure, axis: str = "xaxis") -> go.Figure:
    """Mark a date axis as monthly: ticks "mar. 2024", hover "marts 2024" (with `config()`).

    Without it a monthly point hovers as "1. mar. 2024", as if it were that one day.
    """
    fig.update_layout({axis: {"tickformat": "%b %Y", "hoverformat": "%B %Y"}})
    return fig


# Month steps that divide a year, so ticks fall on quarters, half-years or new year.
_MONTH_STEPS = (1, 2, 3, 4, 6, 12)


def _month_start(value: Any) -> dt.date:
    day = fmt.as_date(value)
    return day.replace(day=1)


def danish_month_ticks(
    fig: go.Figure, dates: Iterable[Any], max_ticks: int = 8, axis: str = "xaxis", monthly: bool = True
) -> go.Figure:
    """Write Danish month labels on a date axis: "jan. 2024", "jul. 2024", … at most `max_ticks`.

    Eight by default: a half-width chart fits eight labels without Plotly turning them.

    Works without `config()` (static images, PDF reports), since the labels are text made
    by `fmt.month_label`. The months run from the first to the last of `dates` (missing
    values are skipped); the step is 1, 2, 3, 4, 6 or 12 months (then whole years) and
    ticks fall on months the step divides evenly, so quarters start in January, April,
    July and October. `monthly` (one point per month) also sets the hover to the month,
    "marts 2024" (Danish under `config()`, English without it).

    >>> fig = danish_month_ticks(go.Figure(), [dt.date(2024, 1, 15), dt.date(2024, 3, 2)])
    >>> fig.layout.xaxis.ticktext
    ('jan. 2024', 'feb. 2024', 'mar. 2024')
    """
    settings = month_ticks(dates, max_ticks, monthly)
    if settings:
        fig.update_layout({axis: settings})
    return fig


def month_ticks(dates: Iterable[Any], max_ticks: int = 8, monthly: bool = True) -> dict[str, Any]:
    """The axis settings `danish_month_ticks` writes (empty without dates), for a caller that
    sets many axes in one `update_layout` (each update of a figure of many subplots is slow)."""
    months = sorted({_month_start(d) for d in dates if not fmt.is_missing(d)})
    if not months:
        return {}
    first, last = months[0], months[-1]
    count = (last.year - first.year) * 12 + last.month - first.month + 1
    needed = count / max(1, max_ticks)
    step = next((s for s in _MONTH_STEPS if s >= needed), 12 * math.ceil(needed / 12))
    ticks = []
    index = first.year * 12 + first.month - 1
    while index <= last.year * 12 + last.month - 1:
        year, month0 = divmod(index, 12)
        if month0 % min(step, 12) == 0 and (step <= 12 or year % (step // 12) == 0):
            ticks.append(dt.date(year, month0 + 1, 1))
        index += 1
    if not ticks:  # a short span that misses every aligned month: label its first month
        ticks = [first]
    settings: dict[str, Any] = {"tickmode": "array", "tickvals": ticks, "ticktext": [fmt.month_label(t) for t in ticks]}
    if monthly:
        settings["hoverformat"] = "%B %Y"
    return settings


def percent_axis(fig: go.Figure, top: float = 1.0, step: float | None = None, axis: str = "yaxis") -> go.Figure:
    """Label an axis of fractions in Danish percent, "0 %" to "100 %", from 0 to `top`.

    Plotly's ".0%" format writes "48%" and cannot put the Danish space before the sign, so
    the ticks are written by `fmt.percent`. `step` defaults to a fifth of `top`.

    >>> percent_axis(go.Figure()).layout.yaxis.ticktext
    ('0 %', '20 %', '40 %', '60 %', '80 %', '100 %')
    """
    step = step or top / 5
    count = round(top / step)
    values = [round(i * step, 10) for i in range(count + 1)]
    decimals = 0 if all(abs(v * 100 - round(v * 100)) < 1e-9 for v in values) else 1
    fig.update_layout(
        {
            axis: {
                "range": [0, top],
                "tickmode": "array",
                "tickvals": values,
                "ticktext": [fmt.percent(v, decimals) for v in values],
            }
        }
    )
    return fig


def reference_line(fig: go.Figure, y: float, text: str | None = None) -> go.Figure:
    """A horizontal reference line or limit in the accent colour, labelled at the left.

    >>> fig = reference_line(go.Figure(), 20, "Højst 20 pr. konsulent")
    >>> fig.layout.shapes[0].line.color == ACCENT
    True
    """
    fig.add_hline(
        y=y,
        line={"color": ACCENT, "width": 1.5, "dash": "dash"},
        annotation_text=text,
        annotation_position="top left",
        annotation_font={"color": ACCENT, "size": 12},
    )
    return fig


def streamlit_theme() -> dict[str, Any]:
    """The `[theme]` values `.streamlit/config.toml` must hold (a test compares them)."""
    return {
        "base": "light",
        "primaryColor": PRIMARY,
        "backgroundColor": BACKGROUND,
        "secondaryBackgroundColor": SECONDARY_BACKGROUND,
        "textColor": TEXT,
        "linkColor": PRIMARY,
        "borderColor": BORDER,
        "chartCategoricalColors": list(QUALITATIVE),
        "chartSequentialColors": list(SEQUENTIAL),
    }


use()
