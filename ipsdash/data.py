"""The base layer: one in-memory DuckDB connection with a view per contract table.

Views are regular (not TEMP) views so that every `.cursor()` sees them; each query runs
on its own cursor, because one connection shared by Streamlit's threads gives wrong
answers silently. Columns are cast to the contract's types here, once, so every query
reads DATE dates and DOUBLE amounts whatever width or precision the files use.
"""

from __future__ import annotations

import hashlib
import os
import threading
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from ipsdash import source
from ipsdash.contract import SQL_TYPE, TABLES

QUERIES_DIR = Path(__file__).resolve().parent.parent / "queries"


def _literal(text: str) -> str:
    """A SQL string literal. DDL cannot take bound parameters, so file paths are quoted here."""
    return "'" + text.replace("'", "''") + "'"


def _view_sql(table: str, files: list[str]) -> str:
    spec = TABLES[table]
    if files:
        columns = ",\n  ".join(f'cast("{c.name}" as {SQL_TYPE[c.kind]}) as "{c.name}"' for c in spec.columns)
        file_list = "[" + ", ".join(_literal(f) for f in files) + "]"
        return f"create or replace view {table} as\nselect\n  {columns}\nfrom read_parquet({file_list}, union_by_name = true)"
    # An optional table not delivered: an empty view with the contract's columns.
    columns = ",\n  ".join(f'cast(null as {SQL_TYPE[c.kind]}) as "{c.name}"' for c in spec.columns)
    return f"create or replace view {table} as\nselect\n  {columns}\nwhere false"


class MissingTableError(Exception):
    """A required table is absent from the data directory."""

    def __init__(self, location: str, tables: list[str]):
        self.location = location
        self.tables = tables
        names = ", ".join(tables)
        super().__init__(f"Mangler påkrævede tabeller i {location}: {names}")


def version(location: str) -> str:
    """A short fingerprint of the extract's files (paths, sizes, modification times).

    Cheap enough to compute on every rerun, so a new delivery is seen without restart.
    Remote locations are fingerprinted by their file list only.
    """
    digest = hashlib.sha256()
    for table in TABLES:
        for path in source.table_files(location, table):
            digest.update(path.encode())
            if not source.is_remote(path):
                st = os.stat(path)
                digest.update(f"{st.st_size}:{st.st_mtime_ns}".encode())
    return digest.hexdigest()[:16]


@dataclass
class Extract:
    """An opened extract: the connection with its views, and what was found."""

    location: str
    con: duckdb.DuckDBPyConnection
    version: str
    present: frozenset[str] = field(default_factory=frozenset)
    demo: bool = False  # the synthetic demo extract: every page says so

    def cursor(self) -> duckdb.DuckDBPyConnection:
        return self.con.cursor()

    def has(self, table: str) -> bool:
        return table in self.present


# Key-value metadata the demo generator writes into every file it makes.
DEMO_MARK = b"ipsdash.demo"


def _is_demo(files: list[str]) -> bool:
    if not files or source.is_remote(files[0]):
        return False
    try:
        metadata = pq.read_schema(files[0]).metadata or {}
    except (OSError, pa.ArrowException):
        return False
    return metadata.get(DEMO_MARK) == b"true"


def open_extract(location: str | None = None) -> Extract:
    """Open the extract at `location` (default: `IPS_DATA_DIR` or `data/`)."""
    location = source.data_dir(location)
    files = {table: source.table_files(location, table) for table in TABLES}
    missing = [t for t, spec in TABLES.items() if spec.required and not files[t]]
    if missing:
        raise MissingTableError(location, missing)
    con = duckdb.connect(":memory:")
    # A TIMESTAMP WITH TIME ZONE is read as its Danish date, as the delivery checks read it.
    con.execute("set TimeZone = 'Europe/Copenhagen'")
    for table, table_files in files.items():
        con.execute(_view_sql(table, table_files))
    for path in sorted(QUERIES_DIR.glob("base/*.sql")):
        con.execute(path.read_text(encoding="utf-8"))
    return Extract(
        location=location,
        con=con,
        version=version(location),
        present=frozenset(t for t, f in files.items() if f),
        demo=_is_demo(files["municipalities"]),
    )


@cache
def sql(name: str) -> str:
    """The text of `queries/<name>.sql`."""
    path = QUERIES_DIR / f"{name}.sql"
    if not path.is_file():
        raise KeyError(f"no query named {name!r}")
    return path.read_text(encoding="utf-8")


def run(extract: Extract, name: str, params: dict | None = None) -> pd.DataFrame:
    """Run the named query with bound parameters on a fresh cursor."""
    cur = extract.cursor()
    try:
        return cur.execute(sql(name), params or {}).df()
    finally:
        cur.close()


# Outside Streamlit (CLI, reports, tests) one extract per location is held here.
_holder: dict[str, Extract] = {}
_holder_lock = threading.Lock()


def get_extract(location: str | None = None) -> Extract:
    """The open extract for `location`, reopened when its files have changed."""
    location = source.data_dir(location)
    with _holder_lock:
        held = _holder.get(location)
        if held is None or held.version != version(location):
            held = _holder[location] = open_extract(location)
        return held
