"""The buttons that write a document when clicked: the steering group's slides, the funder's report."""

from __future__ import annotations

import streamlit as st

from ipsdash import fmt
from ipsdash.app import session


def slides_download() -> None:
    """The steering group's slides (ipsdash/report/slides.py) of the selection, as a PDF made when clicked."""
    from ipsdash.report import ReportError, slides, typeset  # Typst only when asked for

    sel = session.selection()
    ex = session.extract()
    t = session.threshold()
    prev = sel.previous()
    try:
        slides.check(ex, sel.start, sel.end)
        typeset.require_typst()
    except ReportError as exc:
        st.warning(str(exc), icon=":material/warning:")
        return
    st.download_button(
        "Slides til styregruppen (PDF)",
        lambda: slides.pdf(ex, sel.start, sel.end, sel.filters, min_count=t, previous=(prev.start, prev.end)),
        file_name=slides.file_name(sel.start, sel.end),
        mime="application/pdf",
        icon=":material/slideshow:",
        key="slides_pdf",
    )


def report_downloads(grant_id: str) -> None:
    """The funder's report of one grant for the selected period, as PDF and as Excel.

    Written when a button is clicked (building the report takes longer than the rest of the
    page); what would stop it is said at once, before the buttons.
    """
    # The report pulls in Typst; only the funding page needs it.
    from ipsdash.report import ReportError, gather, layout, typeset, workbook

    sel = session.selection()
    ex = session.extract()
    t = session.threshold()
    try:
        gather.check(ex, grant_id, sel.start, sel.end)
        typeset.require_typst()
    except ReportError as exc:  # may name grant ids of the extract
        st.warning(fmt.plain(str(exc)), icon=":material/warning:")
        return
    with st.container(horizontal=True):
        st.download_button(
            "Rapport til bevillingsgiver (PDF)",
            lambda: layout.pdf(ex, grant_id, sel.start, sel.end, min_count=t),
            file_name=gather.file_name(grant_id, sel.start, sel.end, "pdf"),
            mime="application/pdf",
            icon=":material/picture_as_pdf:",
            key=f"report_pdf_{grant_id}",
        )
        st.download_button(
            "Rapportens tal (Excel)",
            lambda: workbook.xlsx(ex, grant_id, sel.start, sel.end, min_count=t),
            file_name=gather.file_name(grant_id, sel.start, sel.end, "xlsx"),
            mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            icon=":material/table:",
            key=f"report_xlsx_{grant_id}",
        )
