"""The written summary: sentences from the protected figures, never a hidden one."""

from __future__ import annotations

import datetime as dt

from ipsdash.extract import data
from ipsdash.figures import summary
from tests.builders import base_tables, course, write_extract


def test_a_hidden_count_is_never_named(tmp_path):
    tables = base_tables()
    # Three on the waiting list at the end of 2024 (hidden: 1-4), 20 enrolled in the period.
    tables["participants"] = [course(f"W{i}", "2024-11-01") for i in range(3)] + [
        course(f"E{i}", "2024-01-05", "2024-02-01") for i in range(20)
    ]
    write_extract(tmp_path, tables)
    lines = summary.sentences(data.open_extract(str(tmp_path)), dt.date(2024, 1, 1), dt.date(2024, 12, 31), min_count=5)
    text = " ".join(lines)
    assert "Venteliste" not in text and "<5" not in text
    assert lines  # the rest is still said
