"""Where an extract's tables are: the only module that knows paths.

A data directory is a local folder or any location DuckDB can read Parquet from
(`s3://bucket/prefix`). A table is either `TABLE.parquet` or a folder `TABLE/` of
Parquet files, all read together by column name.
"""

from __future__ import annotations

import os
from pathlib import Path

import duckdb

DEFAULT_DATA_DIR = Path(__file__).resolve().parent.parent / "data"


def data_dir(explicit: str | os.PathLike | None = None) -> str:
    """The data directory: `explicit`, else `IPS_DATA_DIR`, else the repository's `data/`."""
    chosen = explicit or os.environ.get("IPS_DATA_DIR") or DEFAULT_DATA_DIR
    return str(chosen).rstrip("/") or "/"


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
