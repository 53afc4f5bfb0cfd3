"""Load: concurrent browser sessions drive the real server's pages; errors, rerun times, memory.

    python benchmarks/load.py [--sessions 10] [--changes 20] [--rounds 2] [--swaps 2] [--pages overblik,job]

Starts `streamlit run app.py` (ipsdash.app.browser.streamlit_server) on a managed copy of the demo
extract, then opens SESSIONS pages in one headless Chromium (Playwright, async API: one browser,
many pages, all at once). Each session opens its page and makes CHANGES changes in the sidebar's
filter bar, as a person would: add a municipality, switch the period, remove the municipality,
switch the target group, and so on. A change is timed in the page itself, from just before the
key press or click that makes it to the moment Streamlit's script state is "notRunning" again
(the rerun ran on the server and its output reached the browser). Plain HTTP GETs would not do:
only a websocket session reruns the script.

ROUNDS repeat this with fresh sessions; the sessions of a round are closed at its end, so their
server state must expire (server.disconnectedSessionTTL) and the caches stay bounded. SWAPS times
per round, spread over its progress, `ipsdash.delivery.deliver.rollback` flips the data directory between
two demo versions while the sessions run: every session must pick up the new version on its next
rerun, without errors.

Reported: errors (Streamlit exception boxes, page errors, changes that never finished), p50/p95/max
rerun time, per round and overall, and the server's resident memory (VmRSS from
/proc/<pid>/status) sampled every second, with the machine it ran on.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import platform
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))  # run as a script: make `ipsdash` importable

from ipsdash import demo
from ipsdash.app import browser
from ipsdash.delivery import deliver

DEFAULT_PAGE = "overblik"
DEFAULT_PAGES = "overblik,venteliste,job,bevillinger,kommuner,kvalitet,leverancer,om"
MUNICIPALITIES = ("Vejle", "Odense", "Kolding", "Esbjerg", "Fredericia", "Middelfart", "Varde", "Billund")
PERIODS = ("I år", "Sidste år", "Hele perioden", "Seneste 12 måneder")
TARGET_GROUPS = ("Psykisk lidelse", "Misbrug", "Alle målgrupper")
SIDEBAR = 'section[data-testid="stSidebar"]'

# Recorded in every page: each change of the app root's script state, with the page's clock.
WATCH_SCRIPT_STATE = """
window.__ipsRuns = [];
(function watch() {
  const app = document.querySelector('[data-testid="stApp"]');
  if (!app) { setTimeout(watch, 20); return; }
  const attr = 'data-test-script-state';
  window.__ipsRuns.push([app.getAttribute(attr), performance.now()]);
  new MutationObserver((mutations) => {
    const now = performance.now();
    mutations.forEach((m, i) => {
      const value = i + 1 < mutations.length ? mutations[i + 1].oldValue : app.getAttribute(attr);
      window.__ipsRuns.push([value, now]);
    });
  }).observe(app, {attributes: true, attributeFilter: [attr], attributeOldValue: true});
})();
"""
# The time the first run after t0 finished: the first change of state to "notRunning" after t0
# (no run is under way at t0: every change waits for the one before); else null.
IDLE_AFTER = """(t0) => {
  for (const [state, t] of window.__ipsRuns) {
    if (t >= t0 && state === 'notRunning') return t;
  }
  return null;
}"""
STATE_NOW = """() => document.querySelector('[data-testid="stApp"]')?.getAttribute('data-test-script-state')"""
# Websocket frames from the server to each page (time.monotonic()): a run so quick that React
# never drew "running" leaves no change of state, but its messages still arrive.
FRAMES: dict[int, list[float]] = {}


@dataclass
class Results:
    times: dict[int, list[float]] = field(default_factory=dict)  # round -> seconds per change
    errors: list[str] = field(default_factory=list)
    memory: list[tuple[float, float]] = field(default_factory=list)  # (seconds since start, MB)
    marks: list[tuple[float, str]] = field(default_factory=list)  # (seconds since start, what happened)
    load: list[float] = field(default_factory=list)  # the machine's 1-minute load average, at start and end


def server_pid(port: int) -> int:
    """The pid of the `streamlit run` listening on `port` (started by streamlit_server)."""
    wanted = f"--server.port={port}".encode()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                args = (entry / "cmdline").read_bytes().split(b"\0")
                if wanted in args and any(b"streamlit" in a for a in args):
                    return int(entry.name)
    raise RuntimeError(f"no streamlit process on port {port}")


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


def prepare_data(folder: Path) -> Path:
    """A managed data directory with two versions of the demo extract: the committed one in use, a
    second (another seed) as the previous version, so a rollback flips between them."""
    root = folder / "data"
    other = folder / "other"
    demo.write_demo(other, seed=7, courses=4000, as_of=demo.DEMO_AS_OF)
    for version in (other, REPO_ROOT / "data"):
        outcome = deliver.deliver(sorted(version.glob("*.parquet")), root, user="load")
        if not outcome.applied:
            raise SystemExit("\n".join(outcome.lines()))
    return root


async def timed(page, action, timeout: float = 60.0) -> float:
    """Seconds from just before `action` (an awaitable factory) until the rerun it causes has finished."""
    t0_page = await page.evaluate("performance.now()")
    t0 = time.monotonic()
    await action()
    frames = FRAMES.setdefault(id(page), [])
    while time.monotonic() < t0 + timeout:
        done = await page.evaluate(IDLE_AFTER, t0_page)
        if done is not None:
            return (done - t0_page) / 1000
        after = [f for f in frames if f > t0]
        if after and time.monotonic() - after[-1] > 0.5 and await page.evaluate(STATE_NOW) == "notRunning":
            return after[-1] - t0  # the run's messages came and went; the state never showed "running"
        await asyncio.sleep(0.025)
    raise TimeoutError(f"no rerun finished within {timeout:.0f} s")


async def pick_option(page, key: str, option: str) -> float:
    """Choose `option` in the sidebar selectbox with widget key `key`, by keyboard as a person could."""
    field_ = page.locator(f"{SIDEBAR} .st-key-{key} input").first
    await field_.focus()
    await page.keyboard.press("ArrowDown")  # opens the list
    options = page.locator("[role=option]")
    await options.first.wait_for(timeout=10_000)
    names = await options.all_inner_texts()
    target = names.index(option)
    for _ in range(len(names) + 1):
        focused = await page.locator("[role=option][data-focused]").all_inner_texts()
        if focused and focused[0] == option:
            break
        current = names.index(focused[0]) if focused else -1
        await page.keyboard.press("ArrowDown" if current < target else "ArrowUp")
    else:
        raise RuntimeError(f"could not reach {option!r} in {key}")
    return await timed(page, lambda: page.keyboard.press("Enter"))


async def add_municipality(page, name: str) -> float:
    field_ = page.locator(f"{SIDEBAR} .st-key-kommune input").first
    await field_.focus()
    await page.keyboard.type(name)
    await page.get_by_role("option", name=name, exact=True).first.wait_for(timeout=10_000)
    seconds = await timed(page, lambda: page.keyboard.press("Enter"))
    await page.keyboard.press("Escape")
    return seconds


async def remove_municipality(page) -> float:
    field_ = page.locator(f"{SIDEBAR} .st-key-kommune input").first
    await field_.focus()
    seconds = await timed(page, lambda: page.keyboard.press("Backspace"))
    await page.keyboard.press("Escape")
    return seconds


async def change(page, k: int, session: int, chosen: list[str]) -> float:
    """The k-th change of a session: each one alters a value, so each makes exactly one rerun.

    `chosen` holds the municipalities the session has selected, so a removal never finds none.
    """
    step = k % 4
    if step == 0 or (step == 2 and not chosen):
        name = next(m for i in range(len(MUNICIPALITIES))
                    if (m := MUNICIPALITIES[(session + k // 4 + i) % len(MUNICIPALITIES)]) not in chosen)  # fmt: skip
        seconds = await add_municipality(page, name)
        chosen.append(name)
        return seconds
    if step == 1:
        return await pick_option(page, "periode", PERIODS[(k // 4) % len(PERIODS)])
    if step == 2:
        seconds = await remove_municipality(page)
        chosen.pop()
        return seconds
    return await pick_option(page, "maalgruppe", TARGET_GROUPS[(k // 4) % len(TARGET_GROUPS)])


async def session(context, base_url: str, path: str, changes: int, number: int, round_: int, results: Results):
    page = await context.new_page()
    page.on("pageerror", lambda error: results.errors.append(f"round {round_} session {number}: pageerror {error}"))
    frames = FRAMES.setdefault(id(page), [])
    page.on("websocket", lambda ws: ws.on("framereceived", lambda _: frames.append(time.monotonic())))
    chosen: list[str] = []
    try:
        # The default page (Overblik) lives at "/"; its url_path alone names no page in Streamlit.
        # Ten sessions opening at once on a small machine take a while: generous first waits.
        await page.goto(f"{base_url}/{'' if path == DEFAULT_PAGE else path}", timeout=120_000)
        await page.wait_for_function(IDLE_AFTER, arg=0, timeout=120_000, polling=50)
        await page.locator(f"{SIDEBAR} .st-key-kommune input").first.wait_for(state="attached", timeout=120_000)
        for k in range(changes):
            try:
                seconds = await change(page, k, number, chosen)
            except Exception as exc:  # noqa: BLE001 - a change that fails is a finding, the session goes on
                results.errors.append(f"round {round_} session {number} /{path} change {k}: {type(exc).__name__}: "
                                      f"{str(exc).splitlines()[0][:160]}")  # fmt: skip
                continue
            results.times.setdefault(round_, []).append(seconds)
            if await page.locator('[data-testid="stException"]').count():
                text = (await page.locator('[data-testid="stException"]').first.inner_text()).splitlines()[0]
                results.errors.append(f"round {round_} session {number} /{path} change {k}: exception {text[:160]}")
    finally:
        FRAMES.pop(id(page), None)
        await page.close()


async def sample_memory(pid: int, started: float, results: Results, stop: asyncio.Event) -> None:
    while not stop.is_set():
        with contextlib.suppress(OSError, RuntimeError):
            results.memory.append((time.monotonic() - started, rss_mb(pid)))
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=1.0)


async def swap_during_round(root: Path, times: int, round_: int, total: int, started: float, results: Results):
    """Flip the data version `times` times, spread evenly over the round's progress (changes done)."""
    for j in range(1, times + 1):
        while len(results.times.get(round_, [])) < j * total / (times + 1):
            await asyncio.sleep(0.2)
        outcome = await asyncio.to_thread(deliver.rollback, root, user="load")
        results.marks.append((time.monotonic() - started, f"data swapped to version {outcome.version}"))


async def drive(args, base_url: str, root: Path, pid: int, results: Results) -> None:
    from playwright.async_api import async_playwright

    started = time.monotonic()
    stop = asyncio.Event()
    sampler = asyncio.create_task(sample_memory(pid, started, results, stop))
    pages = [p.strip().strip("/") for p in args.pages.split(",") if p.strip()]
    async with async_playwright() as playwright:
        chrome = await playwright.chromium.launch(
            executable_path=browser.CHROMIUM, args=list(browser.CHROMIUM_ARGS), headless=True
        )
        try:
            # Open "/" once first: a fresh server runs a deep link's page without the router until
            # st.navigation has run once (Streamlit's pages/ folder fallback).
            context = await chrome.new_context(viewport={"width": 1400, "height": 900}, locale="da-DK")
            await context.add_init_script(WATCH_SCRIPT_STATE)
            warm = await context.new_page()
            await warm.goto(base_url + "/", timeout=60_000)
            await warm.wait_for_function(IDLE_AFTER, arg=0, timeout=60_000, polling=50)
            await warm.close()
            results.marks.append((time.monotonic() - started, "warm"))
            for round_ in range(1, args.rounds + 1):
                round_started = time.monotonic()
                total = args.sessions * args.changes
                swapper = asyncio.create_task(swap_during_round(root, args.swaps, round_, total, started, results))
                await asyncio.gather(*(
                    session(context, base_url, pages[i % len(pages)], args.changes, i, round_, results)
                    for i in range(args.sessions)
                ))  # fmt: skip
                swapper.cancel()  # a swap still waiting for progress that a failed session never made
                with contextlib.suppress(asyncio.CancelledError):
                    await swapper
                results.marks.append((time.monotonic() - started,
                                      f"round {round_} done in {time.monotonic() - round_started:.0f} s"))  # fmt: skip
                await asyncio.sleep(args.pause)
            await context.close()
        finally:
            await chrome.close()
    await asyncio.sleep(args.settle)
    results.marks.append((time.monotonic() - started, "end"))
    stop.set()
    await sampler


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if len(ordered) == 1:
        return ordered[0]
    return statistics.quantiles(ordered, n=100, method="inclusive")[int(q) - 1]


def machine() -> str:
    model = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                  if line.startswith("model name")), platform.processor())  # fmt: skip
    mem = next(line.split()[1] for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal"))
    import streamlit

    return (f"{os.cpu_count()} × {model}, {int(mem) / 1024 / 1024:.0f} GB RAM, {platform.system()} "
            f"{platform.release()}, Python {platform.python_version()}, Streamlit {streamlit.__version__}")  # fmt: skip


def report(args, results: Results) -> None:
    everything = [t for times in results.times.values() for t in times]
    print(f"\nmachine: {machine()}")
    print(f"load average (1 min) at start {results.load[0]:.1f}, at end {results.load[-1]:.1f}"
          " (other work on the machine slows every figure below)")  # fmt: skip
    print(f"load: {args.sessions} sessions × {args.changes} changes × {args.rounds} rounds, "
          f"{args.swaps} data swaps per round, pages {args.pages}")  # fmt: skip
    print(f"errors: {len(results.errors)}")
    for error in results.errors[:20]:
        print(f"  {error}")
    if everything:
        print(f"reruns timed: {len(everything)} of {args.sessions * args.changes * args.rounds}")
        print("rerun time (s)     p50    p95    max")
        for round_, times in sorted(results.times.items()):
            print(f"  round {round_:<9} {percentile(times, 50):6.2f} {percentile(times, 95):6.2f} {max(times):6.2f}")
        print(f"  all            {percentile(everything, 50):6.2f} {percentile(everything, 95):6.2f} "
              f"{max(everything):6.2f}")  # fmt: skip
    if results.memory:
        print("server memory (VmRSS, MB) over time:")
        marks = sorted(results.marks)
        step = max(1, len(results.memory) // 24)
        for i, (t, mb) in enumerate(results.memory):
            noted = [m for tm, m in marks if t - 1 < tm <= t]
            if i % step == 0 or noted or i == len(results.memory) - 1:
                print(f"  {t:6.0f} s {mb:8.1f}  {'; '.join(noted)}")
        peak = max(mb for _, mb in results.memory)
        print(f"  start {results.memory[0][1]:.0f} MB, peak {peak:.0f} MB, end {results.memory[-1][1]:.0f} MB")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--sessions", type=int, default=10, help="browser sessions at once (default 10)")
    p.add_argument("--changes", type=int, default=20, help="filter changes per session (default 20)")
    p.add_argument("--rounds", type=int, default=2, help="rounds of fresh sessions (default 2)")
    p.add_argument("--swaps", type=int, default=2, help="data swaps (rollbacks) during each round (default 2)")
    p.add_argument("--pages", default=DEFAULT_PAGES, help=f"URL paths the sessions use in turn (default {DEFAULT_PAGES})")
    p.add_argument("--pause", type=float, default=3.0, help="seconds between rounds (default 3)")
    p.add_argument("--settle", type=float, default=5.0, help="seconds to keep sampling memory at the end (default 5)")
    p.add_argument("--session-ttl", type=int, default=None,
                   help="server.disconnectedSessionTTL for the server (default: the app's setting)")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="ipsdash-load-") as tmp:
        root = prepare_data(Path(tmp))
        # The second version (seed 7) is synthetic but not the committed demo extract (data.is_demo):
        # without this the app would ask for a login after a rollback to it.
        os.environ["IPS_ALLOW_ANONYMOUS"] = "1"
        os.environ.setdefault("IPS_RECORD_KEY_SECRET", "load-test-record-key-secret")  # not the demo's keys either
        extra = [f"--server.disconnectedSessionTTL={args.session_ttl}"] if args.session_ttl is not None else []
        log_path = Path(tmp) / "streamlit.log"
        results = Results(load=[os.getloadavg()[0]])
        started = time.monotonic()
        with browser.streamlit_server("app.py", data_dir=root, extra_args=extra, log_path=log_path) as base_url:
            pid = server_pid(urlparse(base_url).port)
            print(f"server {base_url} (pid {pid}) ready after {time.monotonic() - started:.1f} s; data in {root}")
            asyncio.run(drive(args, base_url, root, pid, results))
        results.load.append(os.getloadavg()[0])
        report(args, results)
    return 1 if results.errors else 0


if __name__ == "__main__":
    sys.exit(main())
