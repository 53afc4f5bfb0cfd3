"""The funder report and the slides: figures gathered, then laid out.

    gather     the figures of one grant and period, all through the disclosure rule (`build`)
    formats    how the report prints a figure and its change
    sheets     the report's tables as numbers: the workbook's sheets, the PDF's tables
    workbook   the tables as an Excel workbook
    geometry   ticks, positions and lines of the charts typst_charts.typ draws
    layout     the funder report as the Typst template reads it, and its PDF
    typeset    Typst: fonts, the shared charts, one compiler for the process
    slides     the steering group's slides (gathered and laid out in one module)

`ReportError`, here, is what the report and the slides raise when they cannot be made.
"""


class ReportError(Exception):
    """A report that cannot be made, said in Danish: unknown grant, a bad period, a missing package."""
