"""The dashboard's charts (Plotly figures, no Streamlit), built from figures that have passed the
small-number rule: `charts.monthly_counts(...)` and the rest, gathered here from the modules by subject.

- base: what every chart shares (hidden counts, the shaded period, event marks, `drawable`);
- flows: counts, rates, days and caseloads by month and quarter, and per municipality;
- outcomes: fidelity, hours in job, the funnel, rates with intervals, cohorts;
- money: grants' budgets, spending and burndown.
"""

from ipsdash.charts.base import (
    EVENTS_NAME,
    count_bars,
    count_text,
    drawable,
    event_hover,
    events_on,
    mark_events,
    numeric,
    partial_quarters,
    shade_period,
    subplot_band,
)
from ipsdash.charts.flows import (
    monthly_bars,
    monthly_caseload,
    monthly_counts,
    monthly_days,
    monthly_rate,
    monthly_stacked,
    quarter_bars,
    quarterly_rate,
    small_multiples,
)
from ipsdash.charts.money import budget_bars, burndown, money_axis, monthly_money_stacked
from ipsdash.charts.outcomes import (
    FIDELITY_AXIS_FROM,
    FIDELITY_FILLS,
    cohort_curves,
    cohort_rates,
    fidelity_scores,
    funnel_plot,
    hours_bars,
    rate_dots,
)

__all__ = [
    "EVENTS_NAME",
    "FIDELITY_AXIS_FROM",
    "FIDELITY_FILLS",
    "budget_bars",
    "burndown",
    "cohort_curves",
    "cohort_rates",
    "count_bars",
    "count_text",
    "drawable",
    "event_hover",
    "events_on",
    "fidelity_scores",
    "funnel_plot",
    "hours_bars",
    "mark_events",
    "money_axis",
    "monthly_bars",
    "monthly_caseload",
    "monthly_counts",
    "monthly_days",
    "monthly_money_stacked",
    "monthly_rate",
    "monthly_stacked",
    "numeric",
    "partial_quarters",
    "quarter_bars",
    "quarterly_rate",
    "rate_dots",
    "shade_period",
    "small_multiples",
    "subplot_band",
]
