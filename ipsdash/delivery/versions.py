"""The managed data directory: versions, the pointer to the one in use, the lock and the delivery log.

Readers and deliveries share one data directory, and a reader must never see half a delivery; the
way to that is files that never change once written (version folders) and one atomic step that
switches between them (the pointer), so it is kept here, apart from reading and checking files
(`ipsdash.delivery.read`, `ipsdash.delivery.check`) and from what a delivery does in what order
(`ipsdash.delivery.deliver`).

Why versions and a pointer rather than replacing files in place: replacing several files one
by one is not atomic as a whole, so a reader could see a new participants table with the old
placements. Here a reader resolves `.current` once when it opens the extract
(`ipsdash.extract.source.data_dir`) and then reads files that never change; the only step other
readers can observe is one `os.replace` of the pointer, so every reader sees the old
version or the new one, never a mix. The data version (`ipsdash.extract.data.version`) fingerprints
the version folder's paths, so it changes with every delivery and is back to the old value
after a rollback, and every cache keyed on it stays right. The app pins the version once per
script run (`ipsdash.app.session.extract`), so one rerun of a page reads one version only.

The first delivery into a plain data directory (tables as files directly in it) makes it a
managed one: the tables there become the first version (hard links) and, once the pointer is
in place, are removed from the top folder. A page being drawn at that very moment may show
an error once; after that, tables written into the top folder by hand are ignored (the pointer
wins), and `stray_tables` names them so the Leverancer page can say so.

Deliveries and rollbacks lock the data directory (flock on the directory itself, so no file
is created), so two of them never interleave. Messages and the log hold no person data: file
names, row numbers, pseudonymous ids (never a CPR-like one), counts and checksums only.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import fcntl
import getpass
import json
import os
import secrets
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from ipsdash.extract import source
from ipsdash.extract.contract import TABLES

PREVIOUS = ".previous"
# The data directory's own folder (owner only) where a delivery is built before it is checked.
STAGING = ".staging"
LOG = ".deliveries.jsonl"
# Versions kept besides the current and the previous one: a reader still busy with an older
# version (a long query that began before two deliveries) keeps its files.
KEEP_VERSIONS = 3
# Entries of the delivery log the page reads (newest last in the file).
HISTORY_LIMIT = 200


@contextlib.contextmanager
def locked(root: Path) -> Iterator[None]:
    """An exclusive lock on the data directory (flock on the folder itself: no lock file to leave behind)."""
    fd = os.open(root, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # releases the lock


def fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def read_pointer(root: Path, name: str) -> str | None:
    try:
        text = (root / name).read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    return text or None


def write_pointer(root: Path, name: str, version: str) -> None:
    """Replace the pointer file in one step: a reader finds the old name or the new, never half of one."""
    handle, tmp = tempfile.mkstemp(dir=root, prefix=f"{name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(version + "\n")
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, root / name)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def new_version_id(now: dt.datetime) -> str:
    """UTC time to the microsecond, then a random tag: names sort oldest first (`prune` relies on it)."""
    return now.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%S%fZ") + "-" + secrets.token_hex(3)


def stray_tables(root: str | os.PathLike | None = None) -> list[str]:
    """Tables lying in the top folder of a managed data directory: written by hand, and ignored."""
    root = Path(source.data_root(root))
    if source.is_remote(str(root)) or read_pointer(root, source.CURRENT) is None:
        return []
    return [t for t in TABLES if any(source.table_layouts(str(root), t))]


def append_log(root: Path, entry: dict) -> None:
    with open(root / LOG, "a", encoding="utf-8") as log:
        log.write(json.dumps(entry, ensure_ascii=False, sort_keys=True) + "\n")
        log.flush()
        os.fsync(log.fileno())


def prune(root: Path, keep: set[str]) -> None:
    versions = root / source.VERSIONS
    # Version ids begin with their UTC time, so their names sort oldest first.
    folders = sorted((p for p in versions.iterdir() if p.is_dir() and not p.name.startswith(".")), reverse=True)
    for folder in folders[KEEP_VERSIONS:]:
        if folder.name not in keep:
            shutil.rmtree(folder, ignore_errors=True)


def user_name(user: str | None) -> str:
    if user:
        return user
    if os.environ.get("IPS_USER"):
        return os.environ["IPS_USER"]
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no name for this uid (a bare container)
        return "ukendt"


def local_now() -> dt.datetime:
    return dt.datetime.now().astimezone()


def remove_stale_staging(root: Path) -> None:
    """Remove what deliveries stopped part-way (`kill -9`, a power cut) left behind: person-level files.

    Called under the data directory's lock, so no delivery is writing any of it now: the staging
    folders, half-moved versions (`.versions/.incoming-*`), and the staging folders beside the data
    directory that earlier versions of this module made.
    """
    leftovers = [
        *(root / STAGING).glob("delivery-*"),
        *(root / source.VERSIONS).glob(".incoming-*"),
        *root.parent.glob(f".{root.name}.delivery-*"),
    ]
    for path in leftovers:
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)


def move_in(staging: Path, target: Path) -> None:
    """Move the staged extract to its version folder; across file systems by copying it in first."""
    try:
        os.rename(staging, target)
    except OSError as exc:
        if exc.errno != errno.EXDEV:  # the data directory is a mount point of its own
            raise
        incoming = target.parent / f".incoming-{target.name}"
        shutil.copytree(staging, incoming)
        os.rename(incoming, target)


def remove_flat_tables(root: Path) -> None:
    for table in TABLES:
        with contextlib.suppress(FileNotFoundError):
            (root / f"{table}.parquet").unlink()
        folder = root / table
        if folder.is_dir():
            shutil.rmtree(folder, ignore_errors=True)


# ---------------------------------------------------------------------------------------------
# What a data directory is in: the version in use, the one before, the log


@dataclass(frozen=True)
class State:
    """A data directory as deliveries see it."""

    root: str
    managed: bool  # deliveries have been taken here (a pointer exists)
    current: str | None  # the version in use
    previous: str | None  # the version rollback restores
    stray: tuple[str, ...] = ()  # tables in the top folder of a managed directory, ignored


def state(data_dir: str | os.PathLike | None = None) -> State:
    root = source.data_root(data_dir)
    if source.is_remote(root):
        return State(root, False, None, None)
    path = Path(root)
    current = read_pointer(path, source.CURRENT)
    return State(root, current is not None, current, read_pointer(path, PREVIOUS), tuple(stray_tables(root)))


def log_entries(data_dir: str | os.PathLike | None = None, limit: int = HISTORY_LIMIT) -> list[dict]:
    """The delivery log's newest `limit` entries, newest first; a damaged line is skipped."""
    root = source.data_root(data_dir)
    if source.is_remote(root):
        return []
    try:
        lines = (Path(root) / LOG).read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        return []
    entries = []
    for line in reversed(lines):
        try:
            entry = json.loads(line)
        except json.JSONDecodeError:
            continue  # a line cut short by a crash mid-write
        if isinstance(entry, dict):
            entries.append(entry)
        if len(entries) >= limit:
            break
    return entries
