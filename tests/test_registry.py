"""One registry per figure (texts.TERMS): every output reads a figure's kind there, and the KPIs'
small-number rule is made from it (issue 18.2)."""

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from ipsdash import cli, export, texts
from ipsdash.app import parts
from ipsdash.extract import data
from ipsdash.figures import kpis
from ipsdash.report import formats, slides

# Rates of the registry and columns named after one: a rate's bounds, a previous period's rate,
# each exit reason's share, the cohorts' rates.
RATE_KEYS = [*texts.of_kind(texts.RATE), "exit_share_frafald", "rate_18m", "rate_6m_low"]


@pytest.mark.parametrize("key", RATE_KEYS)
def test_every_rate_is_written_as_a_rate_everywhere(key):
    # Before the registry the app's and the report's lists of rates disagreed: a card or table showed
    # spending_share and the comparison table's interval bounds as "0", the report exit_share as "0".
    assert texts.kind(key) == texts.RATE
    assert parts.display(key, 0.25) == "25 %"
    assert formats.show(key, 0.25) == "25 %"
    assert slides.show(key, 0.25) == "25 %"
    assert cli._readable(key, 0.25) == "25,0 %"
    assert export._kind(key, pd.Series([0.25])) == "share"
    assert formats.show_change(key, 0.021) == "+2 pct.-point"


def test_days_decimals_and_money_are_written_by_their_kind():
    for key in texts.of_kind(texts.DAYS):
        assert parts.display(key, 12.4) == "12 dage" and slides.show(key, 12.4) == "12 dage"
        assert formats.show(key, 12.4) == "12"
    for key in texts.of_kind(texts.DECIMAL):
        assert parts.display(key, 19.64) == "19,6"
        # Excel showed caseload and FTE as whole numbers ("20" for 19,6); now with their decimal.
        assert export._kind(key, pd.Series([19.64])) == "decimal"
    for key in texts.of_kind(texts.MONEY):
        assert cli.records(pd.DataFrame({key: [1234.567]}))[0][key] == 1234.57
        assert export._kind(key, pd.Series([1.5])) == "dkk"


def test_every_figure_term_has_a_known_kind():
    assert {t.kind for t in texts.TERMS.values()} <= set(texts.KINDS)
    kpi_terms = {k: t for k, t in texts.TERMS.items() if t.kpi}
    assert all(t.kind in (texts.COUNT, texts.RATE, texts.DAYS) for t in kpi_terms.values()), kpi_terms


def test_the_kpis_and_their_rule_are_the_registrys():
    kpi_terms = {k: t for k, t in texts.TERMS.items() if t.kpi}
    assert set(kpis.FIGURES) | set(kpis.BEHIND) == set(kpi_terms)
    assert set(kpis.RULE.counts) == {k for k, t in kpi_terms.items() if t.kind == texts.COUNT}
    for rate in kpis.RULE.rates:
        assert {rate.numerator, rate.denominator} <= set(kpis.RULE.counts), rate
        assert all(texts.kind(k) == texts.RATE for k in rate.shown), rate
    assert all(count in kpis.RULE.counts for count in kpis.RULE.medians.values())
    assert set(kpis.MEDIANS) == {k for k, t in kpi_terms.items() if t.kind == texts.DAYS}
    # Every KPI that is worked out of others says what from: a rate with no numerator would not be protected.
    assert all(t.of for t in kpi_terms.values() if t.kind == texts.DAYS)
    assert all(t.of or k.endswith(("_low", "_high")) for k, t in kpi_terms.items() if t.kind == texts.RATE)


def test_every_kpi_comes_out_of_both_queries_with_its_cell_key():
    demo_extract = data.open_extract(str(Path(__file__).resolve().parent.parent / "data"))
    q = kpis.Question.of(dt.date(2026, 1, 1), dt.date(2026, 6, 30), "municipality")
    for answer in (kpis._daily(demo_extract, q, kpis.Filters()), kpis._monthly(demo_extract, [q], kpis.Filters())[0]):
        assert set(kpis.FIGURES) | set(kpis.BEHIND) <= set(answer.columns)
        assert {f"{c}_key" for c in kpis.RULE.counts} <= set(answer.columns)


def test_a_rate_changes_in_whole_points_as_it_is_shown():
    # The card shows "26 %" against "22 %": its change is +4 points, not "+4,0" (one decimal the
    # rates do not have); an unchanged rate is "0 pct.-point", which the card greys as "uændret".
    assert parts._delta("placement_rate", 0.26, 0.22) == "+4 pct.-point"
    assert parts._delta("placement_rate", 0.22, 0.26) == "-4 pct.-point"
    assert parts._delta("placement_rate", 0.22, 0.22) == "+0 pct.-point"
