"""ipsdash/figures/filters.py: the period choices compare like with like (issue 17.3).

With data up to 3 December, "Seneste 12 måneder" used to be 1 January – 3 December (eleven
months and three days) compared with the whole year before, so every flow seemed to fall.
"""

import datetime as dt

import pytest

from ipsdash.figures import filters

MID_DECEMBER = dt.date(2026, 12, 3)
FIRST = dt.date(2019, 1, 7)


def month_end(day: dt.date) -> bool:
    return (day + dt.timedelta(days=1)).day == 1


def test_last_12_months_are_the_12_last_complete_months():
    quick = filters.quick_periods(MID_DECEMBER, FIRST)
    assert quick[filters.LAST_12_MONTHS] == (dt.date(2025, 12, 1), dt.date(2026, 11, 30))
    assert quick[filters.THIS_YEAR] == (dt.date(2026, 1, 1), dt.date(2026, 11, 30))
    assert quick[filters.WHOLE_LIFE] == (FIRST, dt.date(2026, 11, 30))
    # The month the data stop in is offered on its own, marked as partial, and so is its quarter.
    assert quick["december 2026 (ufuldstændig)"] == (dt.date(2026, 12, 1), MID_DECEMBER)
    assert quick["4. kvt. 2026 (ufuldstændig)"] == (dt.date(2026, 10, 1), MID_DECEMBER)
    assert quick["3. kvt. 2026"] == (dt.date(2026, 7, 1), dt.date(2026, 9, 30))
    assert next(iter(quick)) == filters.LAST_12_MONTHS  # the default stays a whole period


def test_a_month_the_data_cover_whole_is_not_partial():
    quick = filters.quick_periods(dt.date(2026, 10, 31), FIRST)
    assert quick[filters.LAST_12_MONTHS] == (dt.date(2025, 11, 1), dt.date(2026, 10, 31))
    assert not [label for label in quick if "oktober" in label]
    # The quarter is not over: marked as such, though its one month is whole (compared with September).
    assert quick["4. kvt. 2026 (ufuldstændig)"] == (dt.date(2026, 10, 1), dt.date(2026, 10, 31))
    assert not filters.is_partial(dt.date(2026, 10, 31), dt.date(2026, 10, 31))


def test_no_this_year_before_a_month_of_it_is_complete():
    quick = filters.quick_periods(dt.date(2027, 1, 20), FIRST)
    assert filters.THIS_YEAR not in quick
    assert quick[filters.LAST_12_MONTHS] == (dt.date(2026, 1, 1), dt.date(2026, 12, 31))
    assert quick["januar 2027 (ufuldstændig)"] == (dt.date(2027, 1, 1), dt.date(2027, 1, 20))
    assert "1. kvt. 2027 (ufuldstændig)" not in quick  # the same days as the month: offered once


@pytest.mark.parametrize("as_of", [dt.date(2026, 1, 1) + dt.timedelta(days=i) for i in range(0, 400, 3)])
def test_every_choice_is_compared_with_a_period_like_it(as_of):
    """Whole months with as many whole months; a partial period with the same days before."""
    for label, (start, end) in filters.quick_periods(as_of, FIRST).items():
        assert start <= end <= as_of, label
        partial = filters.is_partial(end, as_of)
        assert not partial or filters.PARTIAL in label, label
        prev = filters.Selection(start, end, partial=partial).previous()
        months = filters.Selection(start, end).months
        assert prev.months == months, label
        if partial:  # the same days as many months before
            assert end == as_of and prev.end == filters.add_months(as_of, -months), label
        elif label == filters.WHOLE_LIFE:  # from the first referral: nothing before it to compare with
            assert month_end(end), label
        else:  # whole months, just before
            assert month_end(end) and month_end(prev.end) and prev.end == start - dt.timedelta(days=1), label


def test_a_partial_month_is_compared_with_the_same_days_before():
    sel = filters.Selection(dt.date(2026, 12, 1), MID_DECEMBER, partial=True)
    prev = sel.previous()
    assert (prev.start, prev.end) == (dt.date(2026, 11, 1), dt.date(2026, 11, 3))
    assert "ufuldstændig" in sel.compared_with() and "1.–3. november 2026" in sel.compared_with()
    quarter = filters.Selection(dt.date(2026, 10, 1), MID_DECEMBER, partial=True).previous()
    assert (quarter.start, quarter.end) == (dt.date(2026, 7, 1), dt.date(2026, 9, 3))


def test_chosen_dates_never_join_a_partial_month_to_whole_ones():
    assert filters.whole_months(dt.date(2026, 3, 10), dt.date(2026, 12, 31), MID_DECEMBER) == (
        dt.date(2026, 3, 1), dt.date(2026, 11, 30))
    # Within the partial month: that month alone, up to the data's date.
    assert filters.whole_months(dt.date(2026, 12, 2), dt.date(2026, 12, 31), MID_DECEMBER) == (
        dt.date(2026, 12, 1), MID_DECEMBER)
    assert filters.whole_months(dt.date(2024, 1, 15), dt.date(2024, 3, 3), MID_DECEMBER) == (
        dt.date(2024, 1, 1), dt.date(2024, 3, 31))


def test_the_filter_bar_offers_a_partial_month_alone(tmp_path, monkeypatch):
    from ipsdash import demo
    from tests.apptest import app

    demo.write_demo(tmp_path, seed=7, courses=400, as_of=dt.date(2026, 10, 15))
    monkeypatch.setenv("IPS_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("IPS_ALLOW_ANONYMOUS", "1")  # a demo written here is not the committed demo extract
    at = app("pages/overblik.py")
    options = at.sidebar.selectbox(key="periode").options
    assert options[0] == filters.LAST_12_MONTHS and "oktober 2026 (ufuldstændig)" in options
    assert f"Ændringer sammenlignes med de 12 måneder før: {'1. oktober 2024 – 30. september 2025'}." in [
        c.value for c in at.caption]
    at = app("pages/overblik.py", periode="oktober 2026 (ufuldstændig)")
    assert any("ufuldstændig" in c.value and "1.–15. september 2026" in c.value for c in at.caption)
