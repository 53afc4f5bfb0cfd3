"""Agreed targets: what a steering group or a funder agreed a figure should reach, and whether it does.

The secretariat keeps them in `targets.toml` (`IPS_TARGETS_FILE`, else `targets.toml` in the
repository root; `targets.example.toml` shows the format). Each `[[target]]` names a figure, a
scope (the region, one municipality or one grant), a direction (higher or lower is better), a
value, a tolerance and its source:

    [[target]]
    figure = "placement_rate"
    scope = "region"              # or "municipality:630" or "grant:APMF-2021"
    direction = "higher"          # or "lower"
    value = 0.41
    tolerance = 0.05
    source = "IPS learning community, gennemsnit (Becker, Drake & Bond 2011)"

A figure is **met** when it is on the right side of the value, **close** when it misses by no more
than the tolerance, **not met** beyond that. A mistake in the file is told with its line; the
dashboard keeps the last good targets meanwhile (`current`). Without a file there are no targets
and nothing is shown.

    >>> t = Target("caseload", "region", "lower", 20.0, 2.0, "IPS-fidelitetsskalaen")
    >>> status(18.5, t), status(21, t), status(23, t), status("<5", t)
    ('met', 'close', 'not_met', None)
"""

from __future__ import annotations

import math
import os
import re
import threading
import tomllib
from dataclasses import dataclass
from pathlib import Path

from ipsdash import kpis

DEFAULT_FILE = Path(__file__).resolve().parent.parent / "targets.toml"

# The figures a target may be set for: the course KPIs, the cohort shares (ipsdash/cohorts.py),
# the caseload per consultant and the fidelity score.
FIGURES = frozenset(f for f in kpis.FIGURES if not f.endswith(("_low", "_high"))) | {"rate_6m", "rate_12m", "rate_18m", "caseload", "fidelity"}
DIRECTIONS = ("higher", "lower")
SCOPE = re.compile(r"^(region|municipality:(\d{3})|grant:(\S+))$")
KEYS = ("figure", "scope", "direction", "value", "tolerance", "source")

STATUS_TEXT = {"met": "Mål nået", "close": "Tæt på målet", "not_met": "Mål ikke nået"}
STATUS_COLOUR = {"met": "green", "close": "orange", "not_met": "red"}


class TargetsError(ValueError):
    """A mistake in the targets file, told with its line."""


@dataclass(frozen=True)
class Target:
    figure: str
    scope: str  # "region", "municipality:630" or "grant:APMF-2021"
    direction: str  # "higher" or "lower": which is better
    value: float
    tolerance: float
    source: str


def path() -> Path:
    return Path(os.environ.get("IPS_TARGETS_FILE") or DEFAULT_FILE)


def _lines(text: str) -> list[int]:
    """The line (1-based) of each [[target]] header, in order."""
    return [i + 1 for i, line in enumerate(text.splitlines()) if re.match(r"^\s*\[\[\s*target\s*\]\]", line)]


def _key_line(text: str, start: int, key: str) -> int:
    """The line of `key = ...` in the [[target]] that starts on line `start` (the header's line if absent)."""
    for i, line in enumerate(text.splitlines()[start:], start=start + 1):
        if re.match(r"^\s*\[", line):
            break
        if re.match(rf"^\s*{re.escape(key)}\s*=", line):
            return i
    return start


def parse(text: str, name: str = "targets.toml") -> tuple[Target, ...]:
    """The targets in `text`; a TargetsError naming the file, the line and what is wrong."""
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        line = re.search(r"line (\d+)", str(exc))
        where = f", linje {line.group(1)}" if line else ""
        raise TargetsError(f"{name}{where}: ikke gyldig TOML ({exc})") from None
    unknown = [k for k in doc if k != "target"]
    if unknown:
        raise TargetsError(f"{name}: ukendt afsnit {unknown[0]!r}; hvert mål skrives som [[target]]")
    entries = doc.get("target", [])
    if not isinstance(entries, list):
        raise TargetsError(f"{name}: skriv hvert mål som [[target]]")
    starts = _lines(text)
    out = []
    for i, entry in enumerate(entries):
        start = starts[i] if i < len(starts) else 1

        def wrong(key: str, what: str, start: int = start) -> TargetsError:
            return TargetsError(f"{name}, linje {_key_line(text, start, key)}: {what}")

        extra = [k for k in entry if k not in KEYS]
        if extra:
            raise wrong(extra[0], f"ukendt nøgle {extra[0]!r} (kendte: {', '.join(KEYS)})")
        missing = [k for k in KEYS if k not in entry and k != "tolerance"]
        if missing:
            raise wrong(missing[0], f"målet mangler {missing[0]!r}")
        figure = entry["figure"]
        if figure not in FIGURES:
            raise wrong("figure", f"ukendt nøgletal {figure!r} (kendte: {', '.join(sorted(FIGURES))})")
        scope = entry["scope"]
        if not isinstance(scope, str) or not SCOPE.match(scope):
            raise wrong("scope", f"ukendt omfang {scope!r}; skriv \"region\", \"municipality:630\" eller "
                                 "\"grant:APMF-2021\"")
        direction = entry["direction"]
        if direction not in DIRECTIONS:
            raise wrong("direction", f"ukendt retning {direction!r}; skriv \"higher\" (højere er bedre) eller "
                                     "\"lower\" (lavere er bedre)")
        numbers = {}
        for key in ("value", "tolerance"):
            v = entry.get(key, 0)
            if isinstance(v, bool) or not isinstance(v, int | float) or math.isnan(v) or (key == "tolerance" and v < 0):
                raise wrong(key, f"{key} skal være et tal{' ≥ 0' if key == 'tolerance' else ''}, ikke {v!r}")
            numbers[key] = float(v)
        source = entry["source"]
        if not isinstance(source, str) or not source.strip():
            raise wrong("source", "source skal være en tekst, fx \"Aftale med A.P. Møller Fonden 2021\"")
        target = Target(figure, scope, direction, numbers["value"], numbers["tolerance"], source.strip())
        if any(t.figure == figure and t.scope == scope for t in out):
            raise wrong("figure", f"{figure!r} har allerede et mål for {scope!r}")
        out.append(target)
    return tuple(out)


def load(file: Path | None = None) -> tuple[Target, ...]:
    """The targets in the file; () when there is none."""
    file = file or path()
    try:
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        return ()
    except (OSError, UnicodeDecodeError) as exc:
        raise TargetsError(f"{file.name}: kan ikke læses ({exc})") from None
    return parse(text, file.name)


_last_good: dict[str, tuple[Target, ...]] = {}
_read: dict[str, tuple[tuple, tuple[Target, ...] | TargetsError]] = {}  # path -> (file stamp, what it held)
_lock = threading.Lock()


def _stamp(file: Path) -> tuple:
    try:
        st = file.stat()
    except OSError:
        return ()
    return (st.st_mtime_ns, st.st_size)


def current(file: Path | None = None) -> tuple[tuple[Target, ...], str | None]:
    """(the targets in force, a message when the file has a mistake).

    With a mistake, the targets in force are the last good ones read from the same file in this
    process (none before the first good read), so a typo never takes the targets off the screens.
    The file is read again only when it changes (every card asks).
    """
    file = file or path()
    key, stamp = str(file), _stamp(file)
    with _lock:
        kept = _read.get(key)
    if kept is None or kept[0] != stamp:
        try:
            result: tuple[Target, ...] | TargetsError = load(file)
        except TargetsError as exc:
            result = exc
        kept = (stamp, result)
        with _lock:
            _read[key] = kept
    result = kept[1]
    with _lock:
        if isinstance(result, TargetsError):
            return _last_good.get(key, ()), f"{result}. De senest gyldige mål vises fortsat."
        _last_good[key] = result
    return result, None


def find(targets: tuple[Target, ...], figure: str, municipalities=(), grants=()) -> Target | None:
    """The target for `figure` that fits a selection: the chosen municipality's (one chosen), else
    the chosen grant's (one chosen), else the region's; None when none is set.

    >>> ts = (Target("waiting", "region", "lower", 40, 5, "a"), Target("waiting", "municipality:630", "lower", 10, 2, "b"))
    >>> find(ts, "waiting", (630,)).source, find(ts, "waiting", (461,)).source, find(ts, "active")
    ('b', 'a', None)
    """
    scopes = [f"municipality:{int(municipalities[0])}"] if len(municipalities) == 1 else []
    scopes += [f"grant:{grants[0]}"] if len(grants) == 1 else []
    mine = {t.scope: t for t in targets if t.figure == figure}
    return next((mine[s] for s in [*scopes, "region"] if s in mine), None)


def status(value, target: Target | None) -> str | None:
    """"met", "close" or "not_met" for a shown figure against its target; None when the figure is
    hidden (a small number) or there is no target."""
    if target is None or value is None or isinstance(value, str):
        return None
    try:
        v = float(value)
    except (TypeError, ValueError):
        return None
    if math.isnan(v):
        return None
    gap = (target.value - v) if target.direction == "higher" else (v - target.value)
    if gap <= 0:
        return "met"
    return "close" if gap <= target.tolerance + 1e-12 else "not_met"


def describe(target: Target, value: str, tolerance: str) -> str:
    """The target in words, with its value and tolerance as shown.

    >>> describe(Target("caseload", "region", "lower", 20, 2, "IPS-25"), "20", "2")
    'Mål: højst 20 (tæt på: højst 2 derfra). Kilde: IPS-25'
    """
    word = "mindst" if target.direction == "higher" else "højst"
    return f"Mål: {word} {value} (tæt på: højst {tolerance} derfra). Kilde: {target.source}"
