""""Since the last meeting": meeting dates in the targets file give the filter bar a period from
the day after the newest meeting to the data's date, compared with as many days just before."""

from __future__ import annotations

import datetime as dt

import pytest

from ipsdash.figures import filters, targets
from tests.apptest import app


def test_meetings_are_read_from_the_targets_file_and_a_bad_date_is_told_with_its_line(tmp_path):
    good = tmp_path / "targets.toml"
    good.write_text('meetings = ["2026-09-15", 2026-06-10]\n', encoding="utf-8")
    assert targets.meetings(good) == (dt.date(2026, 6, 10), dt.date(2026, 9, 15))
    assert targets.load(good) == ()
    bad = tmp_path / "bad.toml"
    bad.write_text('# mål\nmeetings = ["15-09-2026"]\n', encoding="utf-8")
    with pytest.raises(targets.TargetsError, match="linje 2.*15-09-2026"):
        targets.load(bad)
    assert targets.meetings(bad) == ()
    assert targets.meetings(tmp_path / "none.toml") == ()


def test_the_filter_bar_offers_the_period_since_the_last_meeting_on_the_day_path(tmp_path, monkeypatch):
    file = tmp_path / "targets.toml"
    file.write_text('meetings = ["2026-06-10", "2026-09-15", "2026-12-08"]\n', encoding="utf-8")
    monkeypatch.setenv("IPS_TARGETS_FILE", str(file))
    label = "Siden sidste møde (15. sep. 2026)"
    at = app()
    assert label in at.selectbox(key="periode").options
    at = app("pages/overblik.py", periode=label)
    sel = at.session_state["selection"]
    assert (sel.start, sel.end) == (dt.date(2026, 9, 16), dt.date(2026, 10, 31))
    prev = sel.previous()
    assert (prev.start, prev.end) == (dt.date(2026, 8, 1), dt.date(2026, 9, 15))
    assert any("de 46 dage før" in c.value for c in at.caption)


def test_without_meetings_no_such_period_is_offered():
    assert filters.since_meeting([], dt.date(2026, 10, 31)) == {}
    assert filters.since_meeting([dt.date(2026, 11, 1)], dt.date(2026, 10, 31)) == {}
