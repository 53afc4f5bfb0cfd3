"""What the pages (pages/*.py, app.py) use, in one name: `from ipsdash.app import ui`, then `ui.chart(...)`.

Nothing is defined here; each name lives in the module of its job:
- ipsdash/app/session.py — the open extract, cached figures, the shared selection;
- ipsdash/app/parts.py — the page parts: header, cards, charts, targets, tables, downloads;
- ipsdash/app/login.py — login and scope, the pages a user may open;
- ipsdash/app/buttons.py — the slides and the funder's report, written when clicked.
A test that replaces a name replaces it where it is read (e.g. `session.selection`), not here.
"""

import streamlit as st  # noqa: F401 - tests replace st's functions through ui.st

from ipsdash.app.buttons import report_downloads, slides_download
from ipsdash.app.login import admit, pages_for
from ipsdash.app.parts import (
    account,
    change_text,
    chart,
    compact_layout,
    definitions,
    display,
    downloads,
    figure_table,
    kpi_export,
    marks_note,
    metric,
    page_header,
    period_text,
    show_table,
    summary,
    target_column,
    target_status,
)
from ipsdash.app.session import (
    ExtractUnavailable,
    call,
    comparison_rates,
    extract,
    prefetch,
    selection,
    threshold,
)

__all__ = [
    "ExtractUnavailable", "account", "admit", "call", "change_text", "chart", "compact_layout",
    "comparison_rates", "definitions", "display", "downloads", "extract", "figure_table", "kpi_export",
    "marks_note", "metric",
    "page_header", "pages_for", "period_text", "prefetch", "report_downloads", "selection", "show_table",
    "slides_download", "summary", "target_column", "target_status", "threshold",
]
