"""Deliveries: a municipality's table files in, checked whole, swapped in at once; and rollback.

    python -m ipsdash deliver participants__630.csv placements__630.csv [--data-dir DIR]
    python -m ipsdash rollback [--data-dir DIR]

Taking a delivery in is a sequence of steps each done elsewhere (read each file into the
contract's types: `ipsdash.delivery.read`; check the whole new extract: `ipsdash.delivery.check`;
swap it in and log it: `ipsdash.delivery.versions`); it is kept in one short module so that the
order, which is what makes a delivery all-or-nothing, can be read in one place.

How a delivery is taken safely
------------------------------
1. The new extract is built whole in a temporary folder inside the data directory's own
   `.staging/` (readable by the owner only; what a delivery stopped part-way left there is
   removed by the next one, under the lock): the tables in use (hard links, no copying) with
   the delivered ones put in their place.
2. `ipsdash.delivery.check.check_extract` checks that whole extract. Any problem refuses the delivery:
   the temporary folder is removed and the data directory is left byte for byte as it was.
   The problems are told with the delivered file's name and row numbers.
3. Accepted, the folder is moved to `<data-dir>/.versions/<id>/` and the pointer file
   `<data-dir>/.current` is replaced by one naming it (write a temporary file, fsync,
   `os.replace`). `<data-dir>/.previous` names the version before, which rollback restores.
   A line is appended to `<data-dir>/.deliveries.jsonl`; versions beyond the newest
   `KEEP_VERSIONS` (other than the current and the previous) are removed.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import os
import shutil
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path

import duckdb
import pyarrow.parquet as pq

from ipsdash import fmt
from ipsdash.delivery import check, read
from ipsdash.delivery.check import Problem
from ipsdash.delivery.read import Item, delimiter_name, plan, read_csv, read_xlsx, too_large, typed_table
from ipsdash.delivery.versions import (
    PREVIOUS,
    STAGING,
    append_log,
    fsync_dir,
    local_now,
    locked,
    move_in,
    new_version_id,
    prune,
    read_pointer,
    remove_flat_tables,
    remove_stale_staging,
    user_name,
    write_pointer,
)
from ipsdash.extract import data, source
from ipsdash.extract.contract import TABLES


class DeliveryError(Exception):
    """A delivery or rollback that cannot be attempted at all (no data directory, no previous version)."""


# ---------------------------------------------------------------------------------------------
# Staging and checking


@dataclass
class Outcome:
    """What became of a delivery (or a rollback)."""

    accepted: bool
    problems: list[Problem] = field(default_factory=list)
    files: list[dict] = field(default_factory=list)  # per delivered file: name, table, part, rows, sha256, ...
    rows: dict[str, int] = field(default_factory=dict)  # every table of the extract after the delivery
    version: str | None = None  # the version in use afterwards (None: unchanged or a dry run)
    previous: str | None = None
    applied: bool = False  # swapped in (False for a refusal and for a dry run)
    ignored_columns: dict[str, list[str]] = field(default_factory=dict)  # file name -> columns not kept

    def lines(self) -> list[str]:
        """The outcome in Danish, for the command line."""
        out = []
        for f in self.files if self.accepted else []:
            how = f["format"].upper()
            if f.get("encoding"):
                how += f", {f['encoding']}, skilletegn '{delimiter_name(f['delimiter'])}'"
            out.append(f"{f['file']} → {f['target']}: {fmt.number(f['rows'])} rækker ({how})")
        for name, columns in self.ignored_columns.items():
            out.append(f"{name}: kolonner uden for kontrakten er ikke taget med: {', '.join(columns)}")
        out += [p.text() for p in self.problems]
        return out


def _fsync_file(path: Path) -> None:
    with open(path, "rb") as handle:
        os.fsync(handle.fileno())


def _link_or_copy(src: Path, dst: Path) -> None:
    """A hard link (files of a version never change, so sharing them is safe), else a copy."""
    dst.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)


def _current_files(location: str) -> dict[str, dict[str, Path]]:
    """{table: {path inside the extract: file}} of the extract at `location` (a folder), as source reads it."""
    found: dict[str, dict[str, Path]] = {}
    for table in TABLES:
        singles, in_folder = source.table_layouts(location, table)
        files = {f"{table}.parquet": Path(p) for p in singles}
        files.update({f"{table}/{Path(p).name}": Path(p) for p in in_folder})
        if files:
            found[table] = files
    return found


def _stage(items: list[Item], current: str | None, staging: Path, outcome: Outcome) -> tuple[dict, list[Problem]]:
    """Build the new extract in `staging`; return {staged file: (shown name, row numbers)} and problems."""
    problems: list[Problem] = []
    in_use = _current_files(current) if current else {}
    delivered = {i.table for i in items}
    origin: dict[str, tuple[str, list[int] | None]] = {}

    for table, files in in_use.items():
        whole = any(i.table == table and (i.part is None or i.whole_folder) for i in items)
        if whole:
            continue  # the delivery replaces the table whatever its form was
        if table in delivered and f"{table}.parquet" in files:
            parts = ", ".join(i.path.name for i in items if i.table == table)
            problems.append(read.problem(
                table, parts, "part_of_single_file",
                f"Tabellen {table} er i brug som én fil ({table}.parquet), så en del af den ({parts}) kan ikke "
                f"lægges ind alene. Lever hele tabellen som {table}.csv, {table}.xlsx eller {table}.parquet, "
                f"eller alle dens dele på én gang som mappen {table}/.",
            ))  # fmt: skip
            continue
        replaced = {i.target for i in items}
        for inside, path in files.items():
            if inside not in replaced:
                _link_or_copy(path, staging / inside)
                origin[str(staging / inside)] = (f"{inside} (allerede i brug)", None)
    if problems:
        return origin, problems

    for item in items:
        size = item.path.stat().st_size
        if item.fmt != "parquet" and size > read.MAX_FILE_BYTES:
            problems.append(too_large(item, f"{fmt.number(size // 1024 // 1024)} MB"))
            continue
        raw = None if item.fmt == "parquet" else item.path.read_bytes()  # at most MAX_FILE_BYTES
        digest = data.file_digest(item.path) if raw is None else hashlib.sha256(raw).hexdigest()
        target = staging / item.target
        target.parent.mkdir(parents=True, exist_ok=True)
        record = {"file": item.path.name, "table": item.table, "part": item.part, "target": item.target,
                  "format": item.fmt, "bytes": size if raw is None else len(raw), "sha256": digest}  # fmt: skip
        if item.fmt == "parquet":
            shutil.copyfile(item.path, target)  # byte for byte, never whole in memory
            record["rows"] = _rows([str(target)])  # None for a file the check will call unreadable
            numbers = None
        else:
            grid, found = (read_csv if item.fmt == "csv" else read_xlsx)(item, raw)
            table = None
            if grid is not None:
                table, found = typed_table(item, grid)
                extra = [h for h in grid.header if h and h not in TABLES[item.table].columns_by_name]
                if extra:
                    outcome.ignored_columns[item.path.name] = extra
                record.update(grid.info)
            if table is None:
                problems += found
                continue
            pq.write_table(table, target)
            record["rows"] = table.num_rows
            numbers = grid.numbers
        _fsync_file(target)
        origin[str(target)] = (item.path.name, numbers)
        outcome.files.append(record)
    return origin, problems


def _shown(problem: Problem, origin: dict[str, tuple[str, list[int] | None]]) -> Problem:
    """A check problem about a staged file, told with the delivered file's name and row numbers."""
    if problem.file not in origin:
        return problem
    name, numbers = origin[problem.file]
    rows = problem.rows
    if numbers is not None:
        rows = tuple((numbers[n - 1] if 0 < n <= len(numbers) else n, ident) for n, ident in rows)
    return replace(problem, file=name, rows=rows)


def _rows(paths: list[str]) -> int | None:
    """Rows in Parquet files as DuckDB (the dashboard's reader) counts them; None if it cannot read them.

    Not pyarrow: a file may pass the checks (DuckDB) with metadata pyarrow refuses, e.g. a damaged
    ARROW:schema entry, which DuckDB does not use.
    """
    con = duckdb.connect()
    try:
        return con.execute("select count(*) from read_parquet($paths)", {"paths": paths}).fetchone()[0]
    except duckdb.Error:
        return None
    finally:
        con.close()


def _row_counts(location: Path) -> dict[str, int]:
    return {
        table: _rows([str(p) for p in files.values()]) for table, files in _current_files(str(location)).items()
    }


def deliver(
    paths: Iterable[str | os.PathLike],
    data_dir: str | os.PathLike | None = None,
    *,
    user: str | None = None,
    dry_run: bool = False,
) -> Outcome:
    """Take a delivery into the data directory (default `IPS_DATA_DIR` or `data/`), or refuse it whole.

    Never raises for bad files: every problem is in `Outcome.problems` and the data directory is
    then unchanged. Raises `DeliveryError` only when the data directory itself is unusable.
    """
    location = source.data_root(data_dir)
    if source.is_remote(location):
        raise DeliveryError(f"{location} er ikke en lokal mappe; en leverance kan kun lægges i en lokal datamappe.")
    root = Path(location)
    items, problems = plan(paths)
    outcome = Outcome(accepted=False)
    if not items and not problems:
        raise DeliveryError("Leverancen har ingen filer.")
    if problems:
        outcome.problems = problems
        return outcome
    created = not root.exists()
    if created:
        root.mkdir(parents=True)
    try:
        with locked(root):
            _take(root, items, outcome, user=user, dry_run=dry_run)
    finally:
        if created and not outcome.applied:
            with contextlib.suppress(OSError):
                root.rmdir()
    return outcome


def _take(root: Path, items: list[Item], outcome: Outcome, *, user: str | None, dry_run: bool) -> None:
    current_id = read_pointer(root, source.CURRENT)
    current = source.resolve(str(root))
    flat = current_id is None and bool(_current_files(str(root)))
    remove_stale_staging(root)
    staging_root = root / STAGING
    staging_root.mkdir(mode=0o700, exist_ok=True)
    staging_root.chmod(0o700)  # person-level rows: the owner's only, however the folder came to be
    staging = Path(tempfile.mkdtemp(dir=staging_root, prefix="delivery-"))
    try:
        origin, problems = _stage(items, current if (current_id or flat) else None, staging, outcome)
        if not problems:
            problems = [_shown(p, origin) for p in check.check_extract(str(staging))]
        outcome.problems = problems
        if problems:
            return
        outcome.accepted = True
        outcome.rows = _row_counts(staging)
        if dry_run:
            return
        now = local_now()
        version = new_version_id(now)
        versions = root / source.VERSIONS
        versions.mkdir(exist_ok=True)
        move_in(staging, versions / version)
        previous = current_id
        if flat:
            # The plain data directory becomes managed: its tables become the version before this one.
            previous = new_version_id(now - dt.timedelta(seconds=1))
            incoming = Path(tempfile.mkdtemp(dir=versions, prefix=".incoming-"))
            for files in _current_files(str(root)).values():
                for inside, path in files.items():
                    _link_or_copy(path, incoming / inside)
            os.rename(incoming, versions / previous)
        fsync_dir(versions)
        if previous:
            write_pointer(root, PREVIOUS, previous)
        write_pointer(root, source.CURRENT, version)
        fsync_dir(root)
        outcome.applied = True
        outcome.version, outcome.previous = version, previous
        if flat:
            remove_flat_tables(root)
        append_log(root, {
            "time": now.isoformat(timespec="seconds"),
            "action": "deliver",
            "version": version,
            "previous": previous,
            "user": user_name(user),
            "files": outcome.files,
            "rows": outcome.rows,
            "check": {"passed": True, "problems": 0},
        })  # fmt: skip
        prune(root, {version, previous} - {None})
    finally:
        shutil.rmtree(staging, ignore_errors=True)
        with contextlib.suppress(OSError):
            staging_root.rmdir()  # when no other leftover is in it


def rollback(data_dir: str | os.PathLike | None = None, *, user: str | None = None) -> Outcome:
    """Put the previous version back in use (and keep the one it replaces as the previous)."""
    root = Path(source.data_root(data_dir))
    if not root.is_dir():
        raise DeliveryError(f"Datamappen {root} findes ikke.")
    with locked(root):
        current_id = read_pointer(root, source.CURRENT)
        previous_id = read_pointer(root, PREVIOUS)
        folder = root / source.VERSIONS / (previous_id or "-")
        if current_id is None or previous_id is None or not folder.is_dir():
            raise DeliveryError(
                f"Der er ingen tidligere version at gå tilbage til i {root}: den gemmes, når en leverance "
                "tages ind med `python -m ipsdash deliver`."
            )
        problems = check.check_extract(str(folder))
        outcome = Outcome(accepted=not problems, problems=problems, rows={})
        if problems:
            return outcome
        outcome.rows = _row_counts(folder)
        write_pointer(root, PREVIOUS, current_id)
        write_pointer(root, source.CURRENT, previous_id)
        fsync_dir(root)
        outcome.applied = True
        outcome.version, outcome.previous = previous_id, current_id
        append_log(root, {
            "time": local_now().isoformat(timespec="seconds"),
            "action": "rollback",
            "version": previous_id,
            "previous": current_id,
            "user": user_name(user),
            "files": [],
            "rows": outcome.rows,
            "check": {"passed": True, "problems": 0},
        })  # fmt: skip
    return outcome
