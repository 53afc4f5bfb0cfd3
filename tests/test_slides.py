"""The steering group's slides: a 16:9 PDF of six slides whose text holds the command line's
figures for the same scope and period, with the data's date and the disclosure rule last."""

from __future__ import annotations

import io
import json
import subprocess
import sys

import pypdf
import pytest

from ipsdash import fmt, texts
from tests.conftest import ROOT

PERIOD = ("2026-07-01", "2026-09-30")


def run(*args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "ipsdash", *args], cwd=ROOT, capture_output=True, text=True,
                          check=False)


def cli_kpis(*args) -> dict:
    out = run("kpis", "--from", PERIOD[0], "--to", PERIOD[1], "--data-dir", str(ROOT / "data"), *args)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)[0]


def shown(key: str, value) -> str:
    if isinstance(value, str):
        return value
    return fmt.percent(value) if key.endswith("rate") else fmt.number(value)


@pytest.mark.parametrize("args", [(), ("--municipality", "630"), ("--grant", "RSD-2022")])
def test_the_slides_hold_the_command_lines_figures_for_the_same_scope_and_period(tmp_path, args):
    out = tmp_path / "møde.pdf"
    done = run("slides", "--from", PERIOD[0], "--to", PERIOD[1], *args, "--out", str(out),
               "--data-dir", str(ROOT / "data"))
    assert done.returncode == 0, done.stderr
    pdf = pypdf.PdfReader(io.BytesIO(out.read_bytes()))
    assert 4 <= len(pdf.pages) <= 6
    box = pdf.pages[0].mediabox
    assert abs(float(box.width) / float(box.height) - 16 / 9) < 0.01
    pages = [" ".join(p.extract_text().split()) for p in pdf.pages]
    first = pages[0]
    figures = cli_kpis(*args)
    for key in ("placement_rate", "active", "waiting", "job_starts"):
        assert f"{texts.label(key)} {shown(key, figures[key])}" in first, (key, first)
    low, high = figures["placement_rate_low"], figures["placement_rate_high"]
    assert fmt.interval(low, high) in first
    last = pages[-1]
    assert "Data til og med 31. oktober 2026" in last
    assert "vises som <5" in last


def test_a_wrong_call_is_told_without_a_traceback(tmp_path):
    done = run("slides", "--from", "2026-09-30", "--to", "2026-07-01", "--out", str(tmp_path / "x.pdf"),
               "--data-dir", str(ROOT / "data"))
    assert done.returncode == 1 and "Traceback" not in done.stderr and "før den begynder" in done.stderr
    done = run("slides", "--from", PERIOD[0], "--to", PERIOD[1], "--out", str(tmp_path / "x.pptx"))
    assert done.returncode == 2 and "Traceback" not in done.stderr


def test_overblik_offers_the_slides_of_the_selection_and_a_summary_on_top():
    from tests.apptest import app

    at = app("pages/overblik.py", kommune="Vejle")
    buttons = [b for b in at.get("download_button") if "Slides" in b.proto.label]
    assert len(buttons) == 1
    text = " ".join(m.value for m in at.markdown)
    # Folded under its first sentence on top of the page (the first screen keeps a chart).
    assert at.expander[0].label.startswith("Sammenfatning: ") and "Andel i job eller uddannelse" in text
