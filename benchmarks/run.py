"""Speed and memory of the dashboard at 10 thousand, 1 million and 20 million courses, as one table.

    python benchmarks/run.py [--sizes 10k,1m,20m] [--repeat 5] [--work-dir /tmp/ipsdash-bench]
    make bench

What it measures, each in a fresh child process so that memory figures do not mix:

1. The demo extract of each size (`python -m ipsdash demo --courses N`), written once into the work
   folder and reused while it is complete; its time and peak memory are shown when it was written.
2. Preparing it: the first open of an extract writes the join-heavy views as Parquet
   (`ipsdash/extract/prepared.py`), once per data version. Timed from an empty cache.
3. Two questions, through the project's query layer (`kpis.kpi_raw`, DuckDB) and through a plain
   pandas implementation of the same definitions (`benchmarks/pandas_kpis.py`): the KPIs per
   municipality for the last year of the extract, and the monthly trend of that year. Both must
   give identical figures at every size, or the run stops with the difference. Median wall time
   and CPU time of `--repeat` runs; pandas is shown both from the files (reading them each time,
   as the query layer does) and with the tables already in memory.
4. Each page of the app under AppTest on the 1M extract: cold (the figure cache cleared), after a
   filter change to a new municipality, and after changing it back (answers cached).
5. Server start to the first complete page in headless Chromium, and the server's peak memory.

Peak memory is the child's ru_maxrss (from wait4), so it includes Python and the libraries.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))

DEFAULT_WORK_DIR = Path(tempfile.gettempdir()) / "ipsdash-bench"
SIZES = {"10k": 10_000, "100k": 100_000, "1m": 1_000_000, "5m": 5_000_000, "20m": 20_000_000}
# The demo extract's last day; the questions are about the year that ends on it.
AS_OF = dt.date(2026, 10, 31)
YEAR = (dt.date(2025, 11, 1), AS_OF)
QUESTIONS = {
    "municipality": ("KPIs per municipality, one year", "municipality"),
    "month": ("monthly trend, 12 months", "month"),
}
# pandas takes minutes per run at 20M; fewer runs there keep the benchmark within half an hour.
SLOW_COURSES = 5_000_000
SLOW_REPEAT = 3


# --- children --------------------------------------------------------------------------------


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _timed(fn, repeat: int) -> tuple[list[float], list[float], object]:
    walls, cpus, result = [], [], None
    for _ in range(repeat):
        cpu, start = _cpu(), time.perf_counter()
        result = fn()
        walls.append(time.perf_counter() - start)
        cpus.append(_cpu() - cpu)
    return walls, cpus, result


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def worker_duckdb(location: str, repeat: int, out: Path) -> dict:
    from ipsdash.extract import data
    from ipsdash.figures import kpis

    report = {"baseline_mb": _rss_mb()}  # Python and the libraries, before any data
    start = time.perf_counter()
    extract = data.open_extract(location)
    report["open_s"] = time.perf_counter() - start
    def ask(by: str):
        extract.forget()  # each run asks DuckDB again: no answer kept from the run before
        return kpis.kpi_raw(extract, *YEAR, by=by)

    for key, (_, by) in QUESTIONS.items():
        walls, cpus, df = _timed(lambda by=by: ask(by), repeat)
        df.to_pickle(out / f"duckdb_{key}.pkl")
        report[key] = {"wall": walls, "cpu": cpus}
    return report


def worker_pandas(location: str, repeat: int, out: Path) -> dict:
    import pandas_kpis

    report = {"baseline_mb": _rss_mb()}
    load_walls, load_cpus, tables = _timed(lambda: pandas_kpis.load(location), 1)
    report["load"] = {"wall": load_walls, "cpu": load_cpus}
    for key, (_, by) in QUESTIONS.items():
        walls, cpus, df = _timed(lambda by=by: pandas_kpis.kpis(tables, *YEAR, by=by), repeat)
        df.to_pickle(out / f"pandas_{key}.pkl")
        report[key] = {"wall": walls, "cpu": cpus}
    return report


def worker_prepare(location: str, repeat: int, out: Path) -> dict:
    from ipsdash.extract import data, prepared, record_keys, source

    # Named as data.open_extract names it: the data version and the record-key secret.
    secret = record_keys.record_key_secret(location, demo=False)
    version = f"{data.version(location)}-{record_keys.secret_fingerprint(secret)}"
    folder = prepared.folder(source.data_dir(location), version, None)
    shutil.rmtree(folder, ignore_errors=True)
    cpu, start = _cpu(), time.perf_counter()
    data.open_extract(location)
    return {"wall": time.perf_counter() - start, "cpu": _cpu() - cpu, "prepared": folder.is_dir()}


def _pages() -> list[tuple[str, str]]:
    """(file, title) of every page in app.py's PAGES, in its order."""
    text = (REPO / "app.py").read_text(encoding="utf-8")
    return re.findall(r'st\.Page\(\s*"(pages/\w+\.py)",\s*title="([^"]+)"', text)


def worker_pages(location: str, repeat: int, out: Path) -> dict:
    import streamlit as st
    from streamlit.runtime.pages_manager import PagesManager
    from streamlit.testing.v1 import AppTest

    # As tests/conftest.py: AppTest would otherwise fall back to running a page file alone.
    original = PagesManager.__init__

    def init(self, *args, **kwargs):
        original(self, *args, **kwargs)
        PagesManager.uses_pages_directory = False

    PagesManager.__init__ = init
    os.environ["IPS_DATA_DIR"] = location
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=300)
    at.run()  # opens the extract (prepared already) and draws the default page once
    report: dict = {}

    def timed_run(runs: list[float], errors: set[str]) -> None:
        start = time.perf_counter()
        at.run()
        runs.append(time.perf_counter() - start)
        errors.update(str(e.value)[:200] for e in at.exception)

    def forget_everything() -> None:
        """Cold: no figure cached, neither by Streamlit nor as the open extract's raw answers."""
        from ipsdash import access
        from ipsdash.app import session
        from ipsdash.extract import data, source

        st.cache_data.clear()
        where = source.data_dir(location)
        session._open(where, data.version(where), access.REGION.key).forget()

    for page, title in _pages():
        runs: dict[str, list[float]] = {"cold": [], "new_filter": [], "cached_filter": []}
        errors: set[str] = set()
        for _ in range(repeat):
            at.multiselect(key="kommune").set_value([])
            at.switch_page(page)
            forget_everything()
            timed_run(runs["cold"], errors)
            at.multiselect(key="kommune").set_value([630])
            timed_run(runs["new_filter"], errors)
            at.multiselect(key="kommune").set_value([])
            timed_run(runs["cached_filter"], errors)
        report[title] = {**runs, "errors": sorted(errors)}
    return report


def _vm_hwm_mb(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def _server_pid(port: int) -> int | None:
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cmdline = (proc / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"streamlit" in b" ".join(cmdline) and f"--server.port={port}".encode() in cmdline:
            return int(proc.name)
    return None


def worker_server(location: str, repeat: int, out: Path) -> dict:
    from ipsdash.app import browser

    port = browser.free_port()
    start = time.perf_counter()
    with browser.streamlit_server("app.py", data_dir=location, port=port, timeout=600) as url:
        healthy = time.perf_counter() - start
        with browser.chromium() as chrome:
            page = chrome.new_page(viewport={"width": 1400, "height": 900})
            page.goto(url + "/", timeout=600_000)
            browser.wait_for_streamlit_idle(page, timeout_ms=600_000)
            first_page = time.perf_counter() - start
            exceptions = browser.exception_texts(page)
            # A few more pages, so the peak memory is that of a server in use.
            for path in ("/job", "/kommuner", "/venteliste"):
                page.goto(url + path, timeout=600_000)
                browser.wait_for_streamlit_idle(page, timeout_ms=600_000)
                exceptions += browser.exception_texts(page)
        pid = _server_pid(port)
        peak = _vm_hwm_mb(pid) if pid else None
    return {"healthy_s": healthy, "first_page_s": first_page, "server_peak_mb": peak, "exceptions": exceptions}


WORKERS = {
    "duckdb": worker_duckdb,
    "pandas": worker_pandas,
    "prepare": worker_prepare,
    "pages": worker_pages,
    "server": worker_server,
}


# --- the parent ------------------------------------------------------------------------------


class ChildFailed(RuntimeError):
    pass


def run_child(args: list[str], env: dict) -> tuple[dict, float, float]:
    """Run `args`; return (its JSON report or {}, wall seconds, peak memory in MB from wait4)."""
    start = time.perf_counter()
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(args, cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
        wall = time.perf_counter() - start
        log.seek(0)
        output = log.read().decode(errors="replace")
    if process.returncode != 0:
        raise ChildFailed(f"{' '.join(args[-6:])} failed with code {process.returncode}:\n{output[-3000:]}")
    match = re.search(r"^BENCH-REPORT (.*)$", output, re.MULTILINE)
    return (json.loads(match.group(1)) if match else {}), wall, usage.ru_maxrss / 1024


def worker_command(kind: str, location: Path, repeat: int, out: Path) -> list[str]:
    return [sys.executable, str(Path(__file__).resolve()), "--worker", kind, "--location", str(location),
            "--repeat", str(repeat), "--out", str(out)]  # fmt: skip


def ensure_extract(work_dir: Path, courses: int, env: dict) -> tuple[Path, dict | None]:
    """The demo extract of `courses` in the work folder, written unless complete; (folder, how it went)."""
    location = work_dir / str(courses)
    marker = location / ".complete"
    if marker.is_file() and marker.read_text() == f"{courses}\n":
        return location, None
    shutil.rmtree(location, ignore_errors=True)
    args = [sys.executable, "-m", "ipsdash", "demo", "--out", str(location), "--courses", str(courses)]
    _, wall, peak = run_child(args, env)
    marker.write_text(f"{courses}\n")
    return location, {"wall": wall, "peak_mb": peak}


def compare(out: Path, key: str) -> str | None:
    """None when DuckDB and pandas gave the same figures, else what differs."""
    import pandas as pd

    ours = pd.read_pickle(out / f"duckdb_{key}.pkl")
    theirs = pd.read_pickle(out / f"pandas_{key}.pkl")
    try:
        pd.testing.assert_frame_equal(
            theirs.reset_index(drop=True), ours[list(theirs.columns)].reset_index(drop=True), check_dtype=False
        )
    except AssertionError as exc:
        return str(exc)
    return None


def machine() -> str:
    cpus = len(os.sched_getaffinity(0))
    model = "unknown CPU"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo") as f:
        total_kb = int(next(line for line in f if line.startswith("MemTotal")).split()[1])
    import duckdb
    import pandas
    import streamlit

    return (
        f"{cpus} CPUs ({model}), {total_kb / 1024**2:.0f} GB RAM, {platform.system()} {platform.release()}; "
        f"Python {platform.python_version()}, DuckDB {duckdb.__version__}, pandas {pandas.__version__}, "
        f"Streamlit {streamlit.__version__}"
    )


def _med(values: list[float]) -> float:
    return statistics.median(values)


def _fmt_s(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms" if seconds < 1 else f"{seconds:.2f} s"


def _fmt_mb(mb: float | None) -> str:
    return "–" if mb is None else (f"{mb:.0f} MB" if mb < 1024 else f"{mb / 1024:.1f} GB")


def table(header: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows)]

    def line(cells) -> str:
        return "| " + " | ".join(str(c).ljust(w) for c, w in zip(cells, widths)) + " |"

    return "\n".join([line(header), "|" + "|".join("-" * (w + 2) for w in widths) + "|", *map(line, rows)])


def label(courses: int) -> str:
    return next((k.upper() for k, v in SIZES.items() if v == courses), f"{courses:,}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10k,1m,20m", help="comma-separated: 10k, 100k, 1m, 5m, 20m or a number")
    parser.add_argument("--repeat", type=int, default=5, help="runs per question (median shown)")
    parser.add_argument("--work-dir", type=Path, default=DEFAULT_WORK_DIR, help="where extracts and cache live")
    parser.add_argument("--pages-size", default="1m", help="extract the page and server timings use")
    parser.add_argument("--skip-pages", action="store_true", help="no AppTest page timings")
    parser.add_argument("--skip-server", action="store_true", help="no browser timing")
    parser.add_argument("--keep-prepared", action="store_true", help="reuse prepared copies instead of timing them")
    parser.add_argument("--worker", choices=sorted(WORKERS), help=argparse.SUPPRESS)
    parser.add_argument("--location", help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.worker:
        report = WORKERS[args.worker](args.location, args.repeat, args.out)
        print("BENCH-REPORT " + json.dumps(report))
        return 0

    sizes = [SIZES.get(s.strip().lower()) or int(s.strip().replace("_", "")) for s in args.sizes.split(",") if s]
    pages_size = SIZES.get(args.pages_size.lower()) or int(args.pages_size)
    work_dir = args.work_dir
    work_dir.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, IPS_CACHE_DIR=str(work_dir / "cache"), PYTHONPATH=str(REPO))
    # The extracts made here are synthetic but not the committed demo extract (data.is_demo), so
    # the app would ask for a login: serve them without, as the pages' timings assume.
    env["IPS_ALLOW_ANONYMOUS"] = "1"
    # ... and not demo data to the record keys either: a benchmark secret (the keys cost the same).
    env.setdefault("IPS_RECORD_KEY_SECRET", "benchmark-record-key-secret")
    env.pop("IPS_PREPARE_MIN_COURSES", None)
    load_before = os.getloadavg()
    started = time.perf_counter()
    print(f"Machine: {machine()}", flush=True)
    print(f"Load average at start: {load_before[0]:.1f} (1 min); work folder {work_dir}", flush=True)

    query_rows, setup_rows, failures, notes = [], [], [], []
    ratios: dict[int, list[tuple[float, float]]] = {}
    for courses in sizes:
        name = label(courses)
        location, written = ensure_extract(work_dir, courses, env)
        if written:
            setup_rows.append([name, "write demo extract", _fmt_s(written["wall"]), _fmt_mb(written["peak_mb"])])
        out = work_dir / f"results-{courses}"
        out.mkdir(exist_ok=True)
        if not args.keep_prepared:
            report, _, peak = run_child(worker_command("prepare", location, 1, out), env)
            what = "prepare (first open, cold cache)" if report["prepared"] else "open (too small to prepare)"
            setup_rows.append([name, what, _fmt_s(report["wall"]), _fmt_mb(peak)])
        print(f"{name}: extract and preparation ready", flush=True)
        pandas_repeat = min(args.repeat, SLOW_REPEAT) if courses >= SLOW_COURSES else args.repeat
        ours, _, ours_peak = run_child(worker_command("duckdb", location, args.repeat, out), env)
        theirs, _, theirs_peak = run_child(worker_command("pandas", location, pandas_repeat, out), env)
        for key, (title, _) in QUESTIONS.items():
            difference = compare(out, key)
            if difference:
                failures.append(f"{name}, {title}: DuckDB and pandas disagree:\n{difference}")
                continue
            load = _med(theirs["load"]["wall"])
            pandas_memory = _med(theirs[key]["wall"])
            duck = _med(ours[key]["wall"])
            ours_net = ours_peak - ours["baseline_mb"]
            theirs_net = theirs_peak - theirs["baseline_mb"]
            ratios.setdefault(courses, []).append(
                (pandas_memory / duck, theirs_net / ours_net, theirs_peak / ours_peak)
            )
            query_rows.append([
                name, title,
                _fmt_s(duck), f"{_med(ours[key]['cpu']):.2f} s",
                _fmt_s(load + pandas_memory), _fmt_s(pandas_memory), f"{_med(theirs[key]['cpu']):.2f} s",
                f"{(load + pandas_memory) / duck:.1f}×", f"{pandas_memory / duck:.1f}×",
                f"{_fmt_mb(ours_peak)} ({_fmt_mb(ours_net)})", f"{_fmt_mb(theirs_peak)} ({_fmt_mb(theirs_net)})",
                f"{theirs_peak / ours_peak:.1f}× ({theirs_net / ours_net:.1f}×)", "yes",
            ])  # fmt: skip
        print(f"{name}: questions timed", flush=True)

    if failures:
        print("\nFAILED: the query layer and the pandas reference do not give the same figures.")
        for failure in failures:
            print(failure)
        return 1

    print(
        f"\nQuestions (median of {args.repeat} runs; pandas {SLOW_REPEAT} at {label(SLOW_COURSES)} and more). "
        "Peak memory is the whole process answering both questions; (net) is above what Python and the\n"
        "libraries take before any data is read."
    )
    print(table(
        ["courses", "question", "DuckDB", "DuckDB CPU", "pandas from files", "pandas in memory", "pandas CPU",
         "× files", "× in memory", "DuckDB peak (net)", "pandas peak (net)", "less memory (net)", "same figures"],
        query_rows,
    ))  # fmt: skip
    print("\nOne-time work per extract")
    print(table(["courses", "step", "time", "peak memory"], setup_rows))

    page_report = None
    if not args.skip_pages:
        location, _ = ensure_extract(work_dir, pages_size, env)
        page_report, _, pages_peak = run_child(worker_command("pages", location, 3, work_dir), env)
        rows = []
        for title, runs in page_report.items():
            rows.append([title, _fmt_s(_med(runs["cold"])), _fmt_s(_med(runs["new_filter"])),
                         _fmt_s(_med(runs["cached_filter"])), "; ".join(runs["errors"]) or "none"])  # fmt: skip
        print(
            f"\nPage reruns under AppTest, {label(pages_size)} courses (median of 3; the script run only, "
            f"not the browser's drawing). Peak memory {_fmt_mb(pages_peak)}."
        )
        print(table(["page", "cold (cache cleared)", "new municipality", "back (cached)", "exceptions"], rows))

    if not args.skip_server:
        rows = []
        for courses in sorted({pages_size, *sizes}):
            location, _ = ensure_extract(work_dir, courses, env)
            try:
                report, _, _ = run_child(worker_command("server", location, 1, work_dir), env)
            except ChildFailed as exc:
                notes.append(f"server at {label(courses)}: {exc}")
                continue
            rows.append([label(courses), _fmt_s(report["healthy_s"]), _fmt_s(report["first_page_s"]),
                         _fmt_mb(report["server_peak_mb"]), "; ".join(report["exceptions"]) or "none"])  # fmt: skip
        print(
            "\nServer start to the first complete page (Overblik) in headless Chromium, prepared copies cached; "
            "peak memory of the server after four pages."
        )
        print(table(["courses", "server answers", "first page complete", "server peak", "exceptions"], rows))

    print("\nTargets")
    for courses in (1_000_000, 20_000_000):
        if courses in ratios:
            speed = min(r[0] for r in ratios[courses])
            net = min(r[1] for r in ratios[courses])
            whole = min(r[2] for r in ratios[courses])
            print(
                f"  {label(courses)}: ≥ 5× faster than pandas (tables in memory): {speed:.1f}× "
                f"{'met' if speed >= 5 else 'MISSED'}; ≤ 1/3 of its memory: {net:.1f}× less net "
                f"{'met' if net >= 3 else 'MISSED'} ({whole:.1f}× less as whole processes)"
            )
    if page_report:
        worst_cold = max(_med(r["cold"]) for r in page_report.values())
        worst_new = max(_med(r["new_filter"]) for r in page_report.values())
        worst_warm = max(_med(r["cached_filter"]) for r in page_report.values())
        print(
            f"  pages at {label(pages_size)}: slowest cold {_fmt_s(worst_cold)} "
            f"({'met' if worst_cold <= 0.5 else 'MISSED'} ≤ 500 ms); slowest warm (cached) {_fmt_s(worst_warm)} "
            f"({'met' if worst_warm <= 0.15 else 'MISSED'} ≤ 150 ms); slowest new municipality "
            f"{_fmt_s(worst_new)}"
        )
    for note in notes:
        print(f"  note: {note}")
    load_after = os.getloadavg()
    print(f"\nLoad average at end: {load_after[0]:.1f}; whole run {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
