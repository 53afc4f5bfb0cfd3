"""Typst for the funder report and the slides: their fonts, the charts both draw
(typst_charts.typ, compiled in front of a document's template), and one compiler for the process
(fonts read once, one compilation at a time), giving PDF/A-2b with every font embedded."""

from __future__ import annotations

import json
import threading
from pathlib import Path

from ipsdash.report import ReportError

# The charts both the report and the slides draw; compiled in front of a document's template.
CHARTS = Path(__file__).with_name("typst_charts.typ")

# The report's typeface is the dashboard's (Source Sans, shipped by the pip package
# font-source-sans-pro); Libertinus Serif is built into Typst and stands in if the package is missing.
FONTS = ("Source Sans Pro", "Libertinus Serif")


_compiler = None
_compiler_lock = threading.Lock()


def require_typst():
    """The typst package, or a ReportError saying in Danish what to install (the PDF needs it)."""
    try:
        import typst
    except ImportError:
        raise ReportError(
            "PDF-rapporten kræver Python-pakken typst, som ikke er installeret. "
            "Installér projektets pakker med `make run` eller `pip install -r requirements.txt`."
        ) from None
    return typst


def _typst():
    """One Typst compiler for the process (fonts are read once); call with `_compiler_lock` held."""
    global _compiler
    typst = require_typst()
    if _compiler is None:
        font_paths = []
        try:
            import font_source_sans_pro

            font_paths.append(font_source_sans_pro.font_directory)
        except ImportError:
            pass  # Typst's built-in Libertinus Serif is used instead (FONTS)
        # No system fonts: the report looks the same on every machine, and every font is embedded.
        _compiler = typst.Compiler(font_paths=font_paths, ignore_system_fonts=True)
    return _compiler


def compile_pdf(template: Path, document: dict) -> bytes:
    """A Typst `template` (with the shared charts in front) filled with `document`, as PDF/A-2b."""
    source = CHARTS.read_bytes() + b"\n" + template.read_bytes()
    payload = json.dumps(document, ensure_ascii=False, default=str)
    # One compilation at a time: Streamlit serves sessions from several threads.
    with _compiler_lock:
        compiler = _typst()
        return compiler.compile(input=source, format="pdf", sys_inputs={"data": payload}, pdf_standards=["a-2b"])
