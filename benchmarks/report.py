"""How long the funder's report of the demo extract takes: the median of several runs.

    .venv/bin/python benchmarks/report.py [--runs 7] [--grant APMF-2021] [--from 2026-01-01] [--to 2026-06-30]

Prints, for the demo extract in data/, the median time to gather the figures (`gather.build`, on
a freshly opened extract each run), to lay out the PDF (`layout.to_pdf`) and the workbook
(`workbook.to_xlsx`), and the whole command `python -m ipsdash report ... --out FILE.pdf` as a
user runs it (a new process each time: Python start, imports, Typst's fonts). The goal is a
PDF in under 2 s; this measures it, the tests do not assert it. Beside the wall-clock time it
prints the CPU time the work took (all threads), which a busy machine inflates much less.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from ipsdash.extract import data
from ipsdash.figures import privacy
from ipsdash.report import gather, layout, workbook

CPU = []  # CPU seconds of the last `timed` call, process and children


def _cpu() -> float:
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def timed(fn):
    start, cpu = time.perf_counter(), _cpu()
    result = fn()
    CPU.append(_cpu() - cpu)
    return time.perf_counter() - start, result


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--runs", type=int, default=7)
    p.add_argument("--grant", default="APMF-2021")
    p.add_argument("--from", dest="start", type=dt.date.fromisoformat, default=dt.date(2026, 1, 1))
    p.add_argument("--to", dest="end", type=dt.date.fromisoformat, default=dt.date(2026, 6, 30))
    p.add_argument("--data-dir", default=str(ROOT / "data"))
    args = p.parse_args()

    first, _ = timed(lambda: layout.to_pdf(gather.build(data.open_extract(args.data_dir), args.grant,
                                                        args.start, args.end, min_count=privacy.default_threshold())))
    builds, pdfs, xlsxs, totals = [], [], [], []
    cpu_builds, cpu_pdfs, cpu_xlsxs, cpu_totals = [], [], [], []
    pages = 0
    for _ in range(args.runs):
        t_build, figures = timed(lambda: gather.build(data.open_extract(args.data_dir), args.grant,
                                                      args.start, args.end, min_count=privacy.default_threshold()))
        cpu_builds.append(CPU[-1])
        t_pdf, pdf = timed(lambda figures=figures: layout.to_pdf(figures))
        cpu_pdfs.append(CPU[-1])
        t_xlsx, _ = timed(lambda figures=figures: workbook.to_xlsx(figures))
        cpu_xlsxs.append(CPU[-1])
        builds.append(t_build)
        pdfs.append(t_pdf)
        xlsxs.append(t_xlsx)
        totals.append(t_build + t_pdf)
        cpu_totals.append(cpu_builds[-1] + cpu_pdfs[-1])
        pages = pdf.count(b"/Type /Page\n") or pdf.count(b"/Type/Page/")

    commands, cpu_commands = [], []
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "rapport.pdf"
        argv = [sys.executable, "-m", "ipsdash", "report", "--grant", args.grant, "--from", args.start.isoformat(),
                "--to", args.end.isoformat(), "--out", str(out), "--data-dir", args.data_dir]
        for _ in range(max(3, args.runs // 2)):
            t, done = timed(lambda: subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, check=False))
            if done.returncode != 0:
                sys.exit(f"the command failed: {done.stderr}")
            commands.append(t)
            cpu_commands.append(CPU[-1])

    def ms(values):
        return f"{statistics.median(values) * 1000:7.0f} ms"

    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"Report of {args.grant}, {args.start} – {args.end}, demo extract in {args.data_dir}: "
          f"median of {args.runs} runs, {pages} PDF pages; load average {load}")
    print(f"  {'':50} {'wall':>10} {'CPU':>10}")
    print(f"  {'figures (gather.build, extract opened each run)':50} {ms(builds)} {ms(cpu_builds)}")
    print(f"  {'PDF layout (layout.to_pdf, Typst)':50} {ms(pdfs)} {ms(cpu_pdfs)}")
    print(f"  {'figures + PDF':50} {ms(totals)} {ms(cpu_totals)}")
    print(f"  {'Excel workbook (workbook.to_xlsx)':50} {ms(xlsxs)} {ms(cpu_xlsxs)}")
    print(f"  {'python -m ipsdash report --out FILE.pdf':50} {ms(commands)} {ms(cpu_commands)}"
          f"   (a new process each run, median of {len(commands)})")
    print(f"  first figures + PDF in this process: {first * 1000:.0f} ms")


if __name__ == "__main__":
    main()
