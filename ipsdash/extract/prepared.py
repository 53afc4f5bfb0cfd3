"""Prepared copies of the join-heavy views, so a question reads a few Parquet files and joins nothing.

`courses`, `counting_placements` and `placed_spans` (queries/base/) join participants and placements
on participant_id, and a page asks several questions per rerun: joined again for each, a million
courses cost seconds. `use` writes each view once per extract version (and scope) as Parquet into
a cache folder and points the view of the same name at those files. The SQL in queries/base stays
the one definition; the files are only its result, kept until the data change.

The monthly cube (queries/base/50_monthly_span.sql to 57_monthly_days.sql), which every question in whole months reads, is
written here too, built from the prepared courses: one sorted file per view; and how current
the extract is (queries/base/60_extract_dates.sql), which every page asks and which reads every course.

The course files are split by the year a row stops counting for a period (a course's exit, a
placement's end; open ones last), so a question about recent periods opens only recent files:
DuckDB skips the courses that ended years ago by the files' statistics. Small extracts are not
prepared (their views are fast as they are, and `data.Extract.monthly_cube` keeps their cube in
memory): fewer than `IPS_PREPARE_MIN_COURSES` courses (default 100,000).

Where: `IPS_CACHE_DIR`, else `$XDG_CACHE_HOME/ipsdash` or `~/.cache/ipsdash`, made readable by the
owner only (the copies are person-level rows, as the extract is). One folder per data version and
scope, written under a temporary name and renamed when complete, so two processes that prepare at
once never see half a folder; the least recently used folders beyond `KEEP` are removed, but never
one an open extract reads: each open extract holds a shared lock on its folder (`Hold`, flock on
the folder itself, released when the extract is dropped or its process ends), and `_tidy` removes
only folders it can lock exclusively.

    >>> use(con, "/srv/ips", "3f2a…", None).path  # doctest: +SKIP
    PosixPath('/root/.cache/ipsdash/5d41402abc4b2a76b9719d91')
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import logging
import os
import shutil
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import duckdb

from ipsdash import ROOT

log = logging.getLogger(__name__)

# View → how its copy is laid out: ("year", a date column whose year splits its files; null: not
# ended, in the last file), or ("order", the columns one file is sorted by) for the monthly cube
# (queries/base/50_monthly_span.sql to 57_monthly_days.sql), whose size is set by groups and months, not courses: a question
# reads one breakdown and a few months, and the sorted file's row groups let DuckDB skip the rest
# (and for the extract's dates, one row per municipality). Built in this order: each view reads the prepared copies of those before it.
VIEWS = {
    "record_keys": ("order", None),  # read once by the copies after it; kept for queries of participants
    "counting_placements": ("year", "end_date"),
    "courses": ("year", "exit_date"),
    "placed_spans": ("year", "exit_date"),
    "monthly_span": ("order", "first_day"),
    "monthly_figures": ("order", "breakdown, month"),
    "placed_run_starts": ("order", "breakdown, start_month"),
    "monthly_group_days": ("order", "level, breakdown, month, figure"),
    "monthly_summed_days": ("order", "level, breakdown, month, figure"),
    "extract_dates": ("order", "municipality"),
}
# Rows per Parquet row group: small enough that a single municipality's or year's rows skip well.
ROW_GROUP_ROWS = 65_536
COMPRESSION = "zstd"
DEFAULT_MIN_COURSES = 100_000
BASE_DIR = ROOT / "queries" / "base"


def _format() -> str:
    """Part of every folder's name: a digest of the SQL behind the views and of how they are laid out,
    so that copies written by other code are never read as if they held these views (nothing to
    raise by hand when a view changes)."""
    digest = hashlib.sha256(repr(sorted(VIEWS.items())).encode())
    for path in sorted(BASE_DIR.glob("*.sql")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


FORMAT = _format()
KEEP = 4  # prepared folders kept in the cache, most recently used first
# While writing, DuckDB may use this much memory and spill the rest to the cache folder, so that
# preparing 20 million courses fits beside the app.
BUILD_MEMORY_LIMIT = "2GB"


def cache_root() -> Path:
    explicit = os.environ.get("IPS_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "ipsdash"


def min_courses() -> int:
    value = os.environ.get("IPS_PREPARE_MIN_COURSES", "")
    return int(value) if value.strip().isdigit() else DEFAULT_MIN_COURSES


def folder(location: str, version: str, scope_key: str | None) -> Path:
    """The cache folder of one data version seen through one scope (None: every row)."""
    where = location if "://" in location else os.path.abspath(location)  # as named by the app or the CLI
    name = hashlib.sha256(f"{FORMAT}\0{where}\0{version}\0{scope_key or ''}".encode()).hexdigest()[:24]
    return cache_root() / name


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _files(path: Path, view: str) -> list[str]:
    return sorted(str(p) for p in (path / view).glob("*/*.parquet"))


def _point_views(con: duckdb.DuckDBPyConnection, path: Path, views) -> None:
    for view in views:
        files = _files(path, view)
        if not files:  # an empty view wrote no file; the view as defined is empty as well
            continue
        file_list = "[" + ", ".join(_literal(f) for f in files) + "]"
        # Not hive_partitioning: the folder names (year=2024) only split the files, they are no column.
        con.execute(
            f"create or replace view {view} as select * from read_parquet({file_list}, hive_partitioning = false)"
        )


def _build(con: duckdb.DuckDBPyConnection, target: Path) -> None:
    """Write every view of VIEWS into `target` (a fresh folder), pointing each view at its copy."""
    old_limit = con.execute("select current_setting('memory_limit')").fetchone()[0]
    con.execute(f"set memory_limit = {_literal(BUILD_MEMORY_LIMIT)}")
    # Spilled blocks go beside the cache, one folder per process (DuckDB cannot move it once used;
    # _tidy removes it a day later). Its default would be .tmp in the working directory.
    spill = target.parent / f".spill-{os.getpid()}"
    con.execute(f"set temp_directory = {_literal(str(spill))}")
    try:
        for view, (layout, column) in VIEWS.items():
            options = f"format parquet, row_group_size {ROW_GROUP_ROWS}, compression {COMPRESSION}"
            if layout == "order":
                # Smaller row groups: a question reads a few months of one breakdown.
                options = options.replace(str(ROW_GROUP_ROWS), str(ROW_GROUP_ROWS // 4))
                (target / view / "all").mkdir(parents=True)
                order = f" order by {column}" if column else ""
                con.execute(f"copy (select * from {view}{order})\n"
                            f"to {_literal(str(target / view / 'all' / 'data.parquet'))} ({options})")
            else:
                # The partition column is written as the folder name (year=2024), not into the files.
                con.execute(
                    f"copy (select *, coalesce(year({column}), 9999) as year from {view})\n"
                    f"to {_literal(str(target / view))}\n"
                    f"({options}, partition_by (year))"
                )
            _point_views(con, target, [view])
    finally:
        con.execute(f"set memory_limit = {_literal(old_limit)}")


def kept_beside(location: str, version: str, name: str, compute: Callable[[], list]) -> list:
    """`compute()` (a list JSON can hold), kept as `<name>.json` in the prepared folder of this data
    version (every row), so that it is worked out once per version on this machine, not again on
    every server start. Computed each time when the extract is not prepared or its folder cannot
    be written. `name` must change when what `compute` computes does."""
    target = folder(location, version, None)
    path = target / f"{name}.json"
    with contextlib.suppress(OSError, ValueError):
        return json.loads(path.read_text(encoding="utf-8"))
    value = compute()
    if target.is_dir():
        with contextlib.suppress(OSError):
            partial = target / f".{name}.{os.getpid()}.{uuid.uuid4().hex[:8]}"
            partial.write_text(json.dumps(value, ensure_ascii=False), encoding="utf-8")
            os.replace(partial, path)
    return value


class Hold:
    """A shared lock on a prepared folder, held while an open extract reads it; released when dropped."""

    def __init__(self, path: Path):
        self.path = path
        self._fd = os.open(path, os.O_RDONLY)
        try:
            fcntl.flock(self._fd, fcntl.LOCK_SH)
        except OSError:
            os.close(self._fd)
            raise

    def __del__(self):
        with contextlib.suppress(OSError, AttributeError, TypeError):
            os.close(self._fd)  # releases the lock


@contextlib.contextmanager
def _unused(path: Path):
    """True (and the folder locked against new readers) when no open extract holds `path`."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        yield False
        return
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:  # held by an open extract, in this process or another
            yield False
            return
        yield True
    finally:
        os.close(fd)


def _tidy(root: Path, keep: Path) -> None:
    """Remove prepared folders beyond the KEEP most recently used (and leftovers of failed builds),
    except those an open extract reads."""
    entries = sorted(
        (p for p in root.iterdir() if p.is_dir() and p != keep),
        key=lambda p: p.stat().st_mtime,
        reverse=True,
    )
    stale_tmp = time.time() - 24 * 3600
    for index, entry in enumerate(entries):
        if entry.name.startswith(".") and entry.stat().st_mtime > stale_tmp:
            continue  # another process may be writing it right now
        if entry.name.startswith(".") or index >= KEEP - 1:
            with _unused(entry) as unused:
                if unused:
                    shutil.rmtree(entry, ignore_errors=True)


def _held(target: Path) -> Hold | None:
    """A hold on `target` if it is a complete prepared folder (not being removed right now)."""
    try:
        hold = Hold(target)
    except OSError:  # not there
        return None
    return hold if target.is_dir() else None


def use(con: duckdb.DuckDBPyConnection, location: str, version: str, scope_key: str | None) -> Hold | None:
    """Point the views of VIEWS at their prepared copies, writing them first if need be.

    Returns the hold on the folder, which the open extract keeps as long as it reads the copies
    (`Hold.path` is the folder), or None when the extract is small or the cache cannot be written
    (the views then stay as defined: slower, never different).
    """
    if con.execute("select count(*) from participants").fetchone()[0] < min_courses():
        return None
    target = folder(location, version, scope_key)
    try:
        hold = _held(target)
        if hold is not None:
            os.utime(target)  # most recently used
            _point_views(con, target, VIEWS)
            return hold
        target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        partial = target.parent / f".{target.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}"
        partial.mkdir(mode=0o700)
        try:
            _build(con, partial)
            try:
                os.rename(partial, target)
            except OSError:  # another process finished first: its copy is as good
                shutil.rmtree(partial, ignore_errors=True)
            hold = Hold(target)
            _point_views(con, target, VIEWS)
        except BaseException:
            shutil.rmtree(partial, ignore_errors=True)
            raise
        with contextlib.suppress(OSError):
            _tidy(target.parent, target)
        return hold
    except (OSError, duckdb.Error) as exc:
        log.warning("could not prepare %s in %s (%s); querying the extract as it is", location, target, exc)
        # A half-done build may have pointed some views at files of the removed folder.
        for path in sorted(BASE_DIR.glob("*.sql")):
            con.execute(path.read_text(encoding="utf-8"))
        return None
