"""Pages declare, figures answer: the KPI questions a figure module declares (`*_questions`) are
the ones its figures ask, so a page that prefetches them asks DuckDB once per filter; and the
figures built from a batch are those each question alone gives (issue 18, point 3).

On awkward extracts (tests/reference.py, `nasty_tables`): small municipalities, so hidden figures
and cell-key noise are in play.
"""

import datetime as dt

import pandas as pd
import pytest

from ipsdash.extract import data
from ipsdash.figures import filters, intake, kpis, outcomes, summary
from tests import reference

END = dt.date(2024, 10, 31)
SELECTIONS = [
    (dt.date(2023, 11, 1), END),  # a year
    (dt.date(2024, 8, 1), END),  # a quarter: the rate's windows three months long
    (dt.date(2024, 2, 1), dt.date(2024, 2, 29)),  # one month, a leap February
]


@pytest.fixture(scope="module", params=[3, 11])
def nasty(request, tmp_path_factory):
    tables = reference.nasty_tables(request.param)
    ex = data.open_extract(str(reference.write_nasty(tmp_path_factory.mktemp("nasty"), tables)))
    codes = [m["municipality_code"] for m in tables["municipalities"]]
    return ex, codes


def _choices(codes):
    return [kpis.Filters(), kpis.Filters(municipalities=(codes[0],)), kpis.Filters(municipalities=tuple(codes[1:3])),
            kpis.Filters(variant="IPS")]


def _kpi_queries(monkeypatch) -> list[str]:
    """The names of the KPI queries run from now on (kpis.sql, kpis_monthly.sql)."""
    asked: list[str] = []
    execute = data._execute

    def counting(extract, name, params):
        if name.startswith("kpis"):
            asked.append(name)
        return execute(extract, name, params)

    monkeypatch.setattr(data, "_execute", counting)
    return asked


@pytest.mark.parametrize("months", [1, 3, 12])
def test_the_rolling_rate_from_one_batch_is_each_windows_own_figure(nasty, months):
    """Each window's row is the window's `kpi_table` asked alone (its own query, medians and all):
    the same counts, so the same noise, the same hidden cells."""
    ex, codes = nasty
    hidden = 0
    for chosen in _choices(codes):
        ex.forget()
        rolling = outcomes.rolling_rate(ex, END, months, count=24, filters=chosen, min_count=5)
        assert len(rolling) == 24
        for (a, b), (_, row) in zip(outcomes.rolling_windows(END, months, 24), rolling.iterrows()):
            ex.forget()
            alone = kpis.kpi_table(ex, a, b, filters=chosen, min_count=5).iloc[0]
            assert (row["window_start"], row["window_end"]) == (a, b)
            for c in ("placement_rate", "placement_rate_low", "placement_rate_high", "active_in_period"):
                assert row[c] == alone[c] or (pd.isna(row[c]) and pd.isna(alone[c])), (chosen, a, b, c)
            hidden += row["placement_rate"] is None
    assert hidden, "no window's rate was hidden: the comparison met no small numbers"


def _overblik(ex, sel, prev):
    """pages/overblik.py: its asks, then its figures (cards, summary, monthly trend, rolling rate)."""
    trend_start = min(sel.start, filters.add_months(sel.end, -23).replace(day=1))
    window = sel.months or 12
    asks = [
        *summary.questions(sel.start, sel.end, sel.filters, (prev.start, prev.end)),
        kpis.trend_questions(sel.start, sel.end, trend_start, filters=sel.filters),
        outcomes.rolling_questions(sel.end, window, filters=sel.filters),
    ]

    def figures():
        kpis.kpi_table(ex, sel.start, sel.end, filters=sel.filters, min_count=5)
        kpis.kpi_table(ex, prev.start, prev.end, filters=sel.filters, min_count=5)
        kpis.trend(ex, sel.start, sel.end, since=trend_start, filters=sel.filters, min_count=5)
        outcomes.rolling_rate(ex, sel.end, window, filters=sel.filters, min_count=5)
        summary.sentences(ex, sel.start, sel.end, sel.filters, previous=(prev.start, prev.end), min_count=5)

    return asks, figures


def _job(ex, sel, prev):
    """pages/job.py."""
    quarters_from = outcomes.quarters_start(sel.start, sel.end)
    trend_start = min(sel.start, quarters_from)
    asks = [
        kpis.questions(sel.filters, (sel.start, sel.end), (prev.start, prev.end)),
        kpis.questions(sel.filters, (quarters_from, sel.end), by="quarter"),
        kpis.trend_questions(sel.start, sel.end, trend_start, filters=sel.filters),
    ]

    def figures():
        kpis.kpi_table(ex, sel.start, sel.end, filters=sel.filters, min_count=5)
        kpis.kpi_table(ex, prev.start, prev.end, filters=sel.filters, min_count=5)
        kpis.kpi_table(ex, quarters_from, sel.end, by="quarter", filters=sel.filters, min_count=5)
        kpis.trend(ex, sel.start, sel.end, since=trend_start, filters=sel.filters, min_count=5)

    return asks, figures


def _kommuner(ex, sel, prev):
    """pages/kommuner.py."""
    trend_start = min(sel.start, filters.add_months(sel.end, -23).replace(day=1))
    asks = [
        outcomes.municipality_questions(sel.filters, (sel.start, sel.end), (prev.start, prev.end)),
        outcomes.monthly_by_municipality_questions(trend_start, sel.end, sel.filters),
    ]

    def figures():
        outcomes.funnel(ex, sel.start, sel.end, filters=sel.filters, min_count=5)
        outcomes.municipality_table(ex, sel.start, sel.end, filters=sel.filters, min_count=5)
        outcomes.changes(ex, sel.start, sel.end, prev.start, prev.end, filters=sel.filters, min_count=5)
        outcomes.monthly_by_municipality(ex, trend_start, sel.end, filters=sel.filters, min_count=5)

    return asks, figures


def _venteliste(ex, sel, prev):
    """pages/venteliste.py (the extract has no staffing: intake.staffing_questions is tested with it)."""
    trend_start = intake.trend_start(ex, sel.start, sel.end, sel.filters.municipalities)
    asks = [
        kpis.questions(sel.filters, (sel.start, sel.end), (prev.start, prev.end)),
        kpis.trend_questions(sel.start, sel.end, trend_start, filters=sel.filters),
        intake.breakdown_questions(sel.start, sel.end, sel.filters),
    ]

    def figures():
        kpis.kpi_table(ex, sel.start, sel.end, filters=sel.filters, min_count=5)
        kpis.kpi_table(ex, prev.start, prev.end, filters=sel.filters, min_count=5)
        kpis.trend(ex, sel.start, sel.end, since=trend_start, filters=sel.filters, min_count=5)
        intake.breakdowns(ex, sel.start, sel.end, sel.filters, min_count=5)
        intake.exits_by_reason(ex, sel.start, sel.end, sel.filters, min_count=5)

    return asks, figures


@pytest.mark.parametrize("page", [_overblik, _job, _kommuner, _venteliste], ids=lambda p: p.__name__.strip("_"))
def test_a_page_declares_every_kpi_question_its_figures_ask(nasty, monkeypatch, page):
    """After the page's prefetch of what its figure modules declare, its figures ask DuckDB no KPI
    question: one query per filter answered them all."""
    ex, codes = nasty
    asked = _kpi_queries(monkeypatch)
    for start, end in SELECTIONS:
        for chosen in _choices(codes):
            ex.forget()
            sel = filters.Selection(start, end, chosen)
            asks, figures = page(ex, sel, sel.previous())
            asked.clear()
            kpis.prefetch(ex, *asks)
            assert asked == ["kpis_monthly"] * len({f for f, _ in asks}), (sel, asked)
            asked.clear()
            figures()
            assert asked == [], (sel, asked)


def test_a_question_without_medians_rides_on_the_same_with_them(nasty, monkeypatch):
    ex, codes = nasty
    year = (dt.date(2023, 11, 1), END)
    with_medians, without = kpis.Question.of(*year), kpis.Question.of(*year, medians=False)
    for chosen in _choices(codes):
        ex.forget()
        alone = kpis.kpi_raw_many(ex, [without], chosen)[0]
        ex.forget()
        both = kpis.kpi_raw_many(ex, [without, with_medians], chosen)
        pd.testing.assert_frame_equal(both[0], alone)
        assert both[1][list(kpis.MEDIANS)].notna().any().any() or both[1]["enrollments"].eq(0).all()
        pd.testing.assert_frame_equal(both[0].drop(columns=list(kpis.MEDIANS)), both[1].drop(columns=list(kpis.MEDIANS)))
