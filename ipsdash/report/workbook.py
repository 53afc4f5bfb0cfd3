"""The funder report's tables (sheets.py) as an Excel workbook: one sheet per table, numbers as numbers."""

from __future__ import annotations

import datetime as dt

from ipsdash import export
from ipsdash.extract import data
from ipsdash.report.gather import ReportData, build
from ipsdash.report.sheets import tables


def to_xlsx(d: ReportData) -> bytes:
    """The report's tables as an Excel workbook: one sheet per table, numbers as numbers, money
    to the øre (as `python -m ipsdash` gives it)."""
    def ore(value):
        return round(value, 2) if isinstance(value, float) else value

    out = {}
    for title, df in tables(d).items():
        out[title] = df.assign(**{c: df[c].map(ore) for c in df.columns if str(c).endswith("_dkk")})
    return export.excel(out)


def xlsx(extract: data.Extract, grant_id: str, start: dt.date, end: dt.date, *, min_count: int) -> bytes:
    return to_xlsx(build(extract, grant_id, start, end, min_count=min_count))
