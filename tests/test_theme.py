"""The chart look: template registered and default, Danish separators and month ticks,
and `.streamlit/config.toml` in step with the colours in `ipsdash.theme`."""

from __future__ import annotations

import datetime as dt
import doctest
import re
import tomllib
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio
import pytest

from ipsdash import fmt, theme

CONFIG_TOML = Path(__file__).resolve().parent.parent / ".streamlit" / "config.toml"
HEX = re.compile(r"^#[0-9A-F]{6}$")


def test_docstring_examples_hold():
    assert doctest.testmod(theme).failed == 0


def test_template_is_registered_and_default_after_import():
    assert theme.TEMPLATE_NAME in pio.templates
    assert pio.templates.default == "ipsdash"


def test_use_is_idempotent():
    pio.templates.default = "plotly"
    theme.use()
    theme.use()
    assert pio.templates.default == "ipsdash"
    assert list(pio.templates).count("ipsdash") == 1


def test_a_new_figure_gets_danish_separators_and_calm_layout():
    layout = go.Figure().layout.template.layout  # the default template, as a page gets it
    assert layout.separators == ",."
    assert layout.hovermode == "x unified"
    assert layout.legend.orientation == "h"
    assert layout.yaxis.separatethousands is True
    assert list(layout.colorway) == list(theme.QUALITATIVE)
    assert max(layout.margin.l, layout.margin.r, layout.margin.b) <= 16


def test_colours_are_hex_and_distinct():
    named = [theme.PRIMARY, theme.COMPARISON, theme.ACCENT, *theme.QUALITATIVE]
    assert all(HEX.match(c) for c in [*named, *theme.SEQUENTIAL])
    assert len(set(named)) == len(named)
    assert len(theme.QUALITATIVE) == 8
    assert len(theme.SEQUENTIAL) == 10  # Streamlit ignores chartSequentialColors unless exactly ten


def _contrast(colour: str, background: str = "#FFFFFF") -> float:
    def luminance(hex_colour: str) -> float:
        channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    high, low = sorted([luminance(colour), luminance(background)], reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_text_colours_are_readable():
    # WCAG AA: 4.5:1 for text (white on a primary button too), 3:1 for lines and marks.
    assert _contrast(theme.PRIMARY) >= 4.5
    assert _contrast(theme.TEXT) >= 4.5
    assert _contrast(theme.MUTED_TEXT) >= 4.5
    assert _contrast(theme.ACCENT) >= 3


def test_config_toml_matches_theme():
    settings = tomllib.loads(CONFIG_TOML.read_text(encoding="utf-8"))
    assert settings["theme"] == theme.streamlit_theme()


def test_config_toml_production_settings():
    settings = tomllib.loads(CONFIG_TOML.read_text(encoding="utf-8"))
    assert settings["server"]["headless"] is True
    assert settings["server"]["enableXsrfProtection"] is True
    assert settings["client"]["showErrorDetails"] == "none"
    assert settings["client"]["toolbarMode"] == "minimal"
    assert settings["browser"]["gatherUsageStats"] is False


def test_plotly_config_carries_the_danish_locale():
    config = theme.config()
    assert config["locale"] == "da"
    locale = config["locales"]["da"]["format"]
    assert locale["months"] == list(fmt.MONTHS)
    assert locale["shortMonths"] == list(fmt.SHORT_MONTHS)
    assert locale["days"][0] == "søndag"  # d3 counts from Sunday
    assert (locale["decimal"], locale["thousands"]) == (",", ".")
    assert config is not theme.config()  # fresh each call


def _ticks(fig: go.Figure) -> tuple[list, list[str]]:
    axis = fig.layout.xaxis
    return list(axis.tickvals), list(axis.ticktext)


def test_month_ticks_are_danish():
    months = [dt.date(2024, m, 1) for m in range(1, 7)]
    fig = theme.danish_month_ticks(go.Figure(go.Scatter(x=months, y=[1] * 6)), months)
    _, text = _ticks(fig)
    assert text == ["jan. 2024", "feb. 2024", "mar. 2024", "apr. 2024", "maj 2024", "jun. 2024"]
    assert fig.layout.xaxis.tickmode == "array"
    assert fig.layout.xaxis.hoverformat == "%B %Y"


def test_month_ticks_thin_to_quarters():
    months = pd.date_range("2022-02-01", "2024-11-01", freq="MS")  # 34 months
    fig = theme.danish_month_ticks(go.Figure(), months, max_ticks=12)
    vals, text = _ticks(fig)
    assert len(vals) <= 12
    assert all(v.month in (1, 4, 7, 10) for v in vals)  # quarters start where people expect
    assert text[0] == "apr. 2022"
    assert text[-1] == "okt. 2024"


def test_month_ticks_default_to_half_years_over_three_years():
    months = pd.date_range("2022-01-01", "2024-12-01", freq="MS")
    _, text = _ticks(theme.danish_month_ticks(go.Figure(), months))
    assert text == ["jan. 2022", "jul. 2022", "jan. 2023", "jul. 2023", "jan. 2024", "jul. 2024"]


def test_month_ticks_thin_to_years_over_a_long_span():
    months = pd.date_range("2010-01-01", "2024-12-01", freq="MS")  # 15 years
    vals, text = _ticks(theme.danish_month_ticks(go.Figure(), months))
    assert len(vals) <= 12
    assert all(v.month == 1 for v in vals)
    assert text[:2] == ["jan. 2010", "jan. 2012"]


def test_month_ticks_from_daily_dates_with_gaps():
    days = [dt.date(2024, 1, 15), None, pd.NaT, dt.date(2024, 3, 2)]
    _, text = _ticks(theme.danish_month_ticks(go.Figure(), days, monthly=False))
    assert text == ["jan. 2024", "feb. 2024", "mar. 2024"]


def test_month_ticks_without_dates_leave_the_figure_alone():
    fig = theme.danish_month_ticks(go.Figure(), [])
    assert fig.layout.xaxis.tickvals is None


@pytest.mark.parametrize("max_ticks", [1, 4, 6, 12])
def test_month_ticks_respect_max_ticks(max_ticks):
    months = pd.date_range("2021-01-01", "2024-12-01", freq="MS")
    vals, _ = _ticks(theme.danish_month_ticks(go.Figure(), months, max_ticks=max_ticks))
    assert 1 <= len(vals) <= max_ticks


def test_percent_axis_has_the_danish_space():
    fig = theme.percent_axis(go.Figure(), top=0.5, step=0.1)
    assert list(fig.layout.yaxis.ticktext) == ["0 %", "10 %", "20 %", "30 %", "40 %", "50 %"]
    assert list(fig.layout.yaxis.range) == [0, 0.5]
    assert list(theme.percent_axis(go.Figure(), top=0.05, step=0.025).layout.yaxis.ticktext) == [
        "0,0 %",
        "2,5 %",
        "5,0 %",
    ]


def test_reference_line_uses_the_accent():
    fig = theme.reference_line(go.Figure(), 20, "Højst 20")
    assert fig.layout.shapes[0].line.color == theme.ACCENT
    assert fig.layout.annotations[0].text == "Højst 20"
