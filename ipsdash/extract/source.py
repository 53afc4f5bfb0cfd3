"""Where an extract's tables are: the only module that knows paths.

A data directory is a local folder or any location DuckDB can read Parquet from
(`s3://bucket/prefix`). A table is either `TABLE.parquet` or a folder `TABLE/` of
Parquet files, all read together by column name.

A local data directory that deliveries manage (`python -m ipsdash deliver`, see
`ipsdash.delivery.deliver`) keeps every version of the extract in its own folder `.versions/<id>/`
and names the one in use in the small file `.current`, which a delivery replaces in one
atomic step. `data_dir()` follows that pointer once, so a reader opens one version's files,
which never change, and cannot see half a delivery.
"""

from __future__ import annotations

import os
from pathlib import Path

import duckdb

from ipsdash import ROOT

DEFAULT_DATA_DIR = ROOT / "data"


# A managed data directory: the pointer file naming the version in use, and the versions' folder.
CURRENT = ".current"
VERSIONS = ".versions"


def data_root(explicit: str | os.PathLike | None = None) -> str:
    """The data directory as configured: `explicit`, else `IPS_DATA_DIR`, else the repository's `data/`."""
    chosen = explicit or os.environ.get("IPS_DATA_DIR") or DEFAULT_DATA_DIR
    return str(chosen).rstrip("/") or "/"


def resolve(location: str) -> str:
    """The folder holding the extract in use: the version `.current` names, else `location` itself."""
    if is_remote(location):
        return location
    try:
        name = (Path(location) / CURRENT).read_text(encoding="utf-8").strip()
    except (FileNotFoundError, NotADirectoryError):
        return location
    # Only a plain folder name inside .versions/; a damaged pointer names a folder that is not there.
    return str(Path(location) / VERSIONS / (Path(name).name or "missing"))


def data_dir(explicit: str | os.PathLike | None = None) -> str:
    """Where the extract in use is: `data_root(explicit)`, resolved through a delivery's pointer."""
    return resolve(data_root(explicit))


def is_remote(location: str) -> bool:
    return "://" in location


def table_layouts(location: str, table: str) -> tuple[list[str], list[str]]:
    """(the file `TABLE.parquet` if it exists, the Parquet files in the folder `TABLE/`), each sorted."""
    if not is_remote(location):
        single = Path(location) / f"{table}.parquet"
        folder = Path(location) / table
        singles = [str(single)] if single.is_file() else []
        in_folder = (
            sorted(str(p) for p in folder.glob("*.parquet") if p.is_file() and not p.name.startswith("."))
            if folder.is_dir()
            else []
        )
        return singles, in_folder
    con = duckdb.connect()
    try:
        single = f"{location}/{table}.parquet"
        singles = [single] if con.execute("select file from glob($p)", {"p": single}).fetchall() else []
        found = con.execute("select file from glob($p)", {"p": f"{location}/{table}/*.parquet"}).fetchall()
        return singles, sorted(row[0] for row in found)
    finally:
        con.close()


def table_files(location: str, table: str) -> list[str]:
    """The Parquet files of one table, sorted; empty when the table is absent.

    `TABLE.parquet` wins over a folder `TABLE/` if both exist (a delivery that is
    half-way from one layout to the other is refused by the checks).
    """
    singles, in_folder = table_layouts(location, table)
    return singles or in_folder
