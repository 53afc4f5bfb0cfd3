"""Look at the app: run it, open pages in headless Chromium, save a full-page PNG of each.

    python tools/screenshot.py --out /tmp/shots [--data-dir D] [--width 1400] [--app app.py] / /venteliste?kommune=630

Prints one line per page and exits 1 if any page showed a Streamlit exception, logged a
browser console error (a failed request too, such as a font from the internet), named no
page ("Page not found") or never settled; 2 if the server or browser did not start. The
app's own `st.error` boxes are listed but do not fail. The server is always stopped; its
log is kept in DIR/streamlit.log.
"""

from __future__ import annotations

import argparse
import contextlib
import re
import sys
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO_ROOT))  # run as a script: make `ipsdash` importable

from playwright.sync_api import Error as PlaywrightError

from ipsdash.app import browser


def file_name(url_path: str) -> str:
    """A PNG name for a URL path: "/" → "index.png", "/venteliste?kommune=630" → "venteliste_kommune-630.png"."""
    stem = re.sub(r"[^A-Za-z0-9æøåÆØÅ-]+", "_", url_path.replace("=", "-")).strip("_")
    stem = re.sub(r"_?-_?", "-", stem)
    return f"{stem or 'index'}.png"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "paths", nargs="+", metavar="URLPATH", help='URL paths to open, e.g. "/" "/venteliste?kommune=630"'
    )
    parser.add_argument("--out", required=True, type=Path, help="folder for the PNG files (created if missing)")
    parser.add_argument("--data-dir", help="data directory, passed to the app as IPS_DATA_DIR")
    parser.add_argument(
        "--app", default="app.py", help="Streamlit script, relative to the repository root (default app.py)"
    )
    parser.add_argument("--width", type=int, default=1400, help="viewport width in CSS pixels (default 1400)")
    parser.add_argument("--height", type=int, default=900, help="initial viewport height; grows to fit the page")
    parser.add_argument("--timeout", type=float, default=60, help="seconds to wait for the server and for each page")
    return parser.parse_args(argv)


def shoot(
    page, base_url: str, url_path: str, out: Path, timeout_ms: float
) -> tuple[list[str], list[str], list[str], float]:
    """Open one path, wait, screenshot; return (console errors, exceptions, notes, seconds).

    Exceptions are Streamlit's exception boxes, a "Page not found" and a page that never
    settled; notes are the app's own `st.error` messages, shown but not counted as failures.
    """
    errors: list[str] = []

    def on_console(message) -> None:
        where = (message.location or {}).get("url")
        if message.type == "error" and not browser.is_known_noise(message.text, where):
            errors.append(f"console: {message.text}" + (f" ({where})" if where else ""))

    def on_page_error(error) -> None:
        errors.append(f"pageerror: {error}")

    page.on("console", on_console)
    page.on("pageerror", on_page_error)
    started = time.monotonic()
    try:
        page.goto(base_url + (url_path if url_path.startswith("/") else "/" + url_path), timeout=timeout_ms)
        browser.wait_for_streamlit_idle(page, timeout_ms=timeout_ms)
        browser.fit_viewport_to_content(page)
        page.screenshot(path=str(out / file_name(url_path)), full_page=True)
        exceptions = browser.exception_texts(page)
        if browser.page_not_found(page):
            exceptions.append("Page not found: Streamlit ran the main page instead")
        notes = [f"st.error: {text}" for text in browser.error_box_texts(page)]
    except (PlaywrightError, TimeoutError) as exc:  # a page that never settles fails; the tool goes on
        exceptions = [f"{type(exc).__name__}: {exc}".splitlines()[0]]
        notes = []
        with contextlib.suppress(PlaywrightError):  # a picture of a broken page helps; none is fine
            page.screenshot(path=str(out / file_name(url_path)), full_page=True)
    finally:
        page.remove_listener("console", on_console)
        page.remove_listener("pageerror", on_page_error)
    return errors, exceptions, notes, time.monotonic() - started


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    log_path = args.out / "streamlit.log"
    timeout_ms = args.timeout * 1000
    failed = 0
    started = time.monotonic()
    try:
        with (
            browser.streamlit_server(args.app, data_dir=args.data_dir, timeout=args.timeout, log_path=log_path) as url,
            browser.chromium() as chrome,
        ):
            print(f"server {url} ready after {time.monotonic() - started:.1f} s (log {log_path})")
            context = chrome.new_context(viewport={"width": args.width, "height": args.height}, locale="da-DK")
            for url_path in args.paths:
                page = context.new_page()
                errors, exceptions, notes, seconds = shoot(page, url, url_path, args.out, timeout_ms)
                page.close()
                status = "FAIL" if errors or exceptions else "ok"
                failed += status == "FAIL"
                print(
                    f"{status:4} {url_path:40} {seconds:5.1f} s  {args.out / file_name(url_path)}  "
                    f"exceptions={len(exceptions)} console_errors={len(errors)}"
                )
                for line in exceptions + errors + notes:
                    print(f"       {line[:300]}")
            context.close()
    except (browser.ServerError, PlaywrightError, OSError) as exc:
        print(f"could not start: {exc}", file=sys.stderr)
        return 2
    if failed:
        print(f"{failed} of {len(args.paths)} pages failed; server log: {log_path}")
    print(f"done in {time.monotonic() - started:.1f} s")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
