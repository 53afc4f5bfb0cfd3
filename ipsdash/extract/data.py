"""The base layer: one in-memory DuckDB connection with a view per contract table.

Views are regular (not TEMP) views so that every `.cursor()` sees them; each query runs
on its own cursor, because one connection shared by Streamlit's threads gives wrong
answers silently. Columns are cast to the contract's types here, once, so every query
reads DATE dates and DOUBLE amounts whatever width or precision the files use.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import duckdb
import pandas as pd

from ipsdash import ROOT
from ipsdash.extract import prepared, record_keys, source
from ipsdash.extract.contract import SQL_TYPE, TABLES
from ipsdash.extract.scope import Scope

QUERIES_DIR = ROOT / "queries"


def _literal(text: str) -> str:
    """A SQL string literal. DDL cannot take bound parameters, so file paths are quoted here."""
    return "'" + text.replace("'", "''") + "'"


def _view_sql(table: str, files: list[str], scope: Scope | None = None) -> str:
    spec = TABLES[table]
    if files:
        columns = ",\n  ".join(f'cast("{c.name}" as {SQL_TYPE[c.kind]}) as "{c.name}"' for c in spec.columns)
        file_list = "[" + ", ".join(_literal(f) for f in files) + "]"
        rows = f"select\n  {columns}\nfrom read_parquet({file_list}, union_by_name = true)"
    else:
        # An optional table not delivered: an empty view with the contract's columns.
        columns = ",\n  ".join(f'cast(null as {SQL_TYPE[c.kind]}) as "{c.name}"' for c in spec.columns)
        rows = f"select\n  {columns}\nwhere false"
    return f"create or replace view {table} as\n{_scoped(table, rows, scope)}"


# --- Scope: only the rows one user may see (ipsdash/extract/scope.py) ---------------------------------
#
# A scoped extract is the same contract extract with fewer rows: each table's view keeps the rows
# of the scope's municipalities and grants, so every query, page, download and report built on
# it is limited at once. The scope's values live in two small tables filled with bound
# parameters; the conditions below are fixed text.

IN_MUNICIPALITIES = "municipality_code in (select municipality_code from scope_municipalities)"
IN_GRANTS = "grant_id in (select grant_id from scope_grants)"
# The grants (or municipalities) that the scoped budgets, courses and postings mention.
MENTIONED = (
    "select {key} from grant_budgets union all select {key} from participants union all select {key} from expenditures"
)
# Views that others select from come first: the scoped views build on each other.
SCOPED_ORDER = (
    "participants",
    "placements",
    "expenditures",
    "grant_budgets",
    "grants",
    "municipalities",
    "staffing",
    "fidelity_reviews",
    "events",
)
# A municipality's staffing and fidelity reviews belong to no grant: a funder sees none of them.
NOT_FOR_FUNDERS = frozenset({"staffing", "fidelity_reviews"})


def _scope_conditions(table: str, scope: Scope) -> list[str]:
    by_municipality, by_grant = scope.municipalities is not None, scope.grants is not None
    if table in ("participants", "expenditures", "grant_budgets"):
        # A municipality sees none of the postings made centrally (municipality_code null).
        return [c for c, on in ((IN_MUNICIPALITIES, by_municipality), (IN_GRANTS, by_grant)) if on]
    if table == "placements":
        return ["participant_id in (select participant_id from participants)"]
    if table == "grants":
        return [IN_GRANTS] if by_grant else [f"grant_id in ({MENTIONED.format(key='grant_id')})"]
    if table == "municipalities":
        if by_municipality:
            return [IN_MUNICIPALITIES]
        return [f"municipality_code in ({MENTIONED.format(key='municipality_code')})"]
    if table in NOT_FOR_FUNDERS:
        return ["false"] if by_grant else [IN_MUNICIPALITIES]
    if table == "events":
        # A municipality sees its own events and the whole region's (municipality_code null); a
        # funder only the events tied to its grants (as ipsdash.figures.events.belongs shows them).
        conditions = []
        if by_municipality:
            conditions.append(f"(municipality_code is null or {IN_MUNICIPALITIES})")
        if by_grant:
            conditions.append(IN_GRANTS)
        return conditions
    # A table added to the contract must get its rule here: refusing is safer than showing it whole.
    raise ValueError(f"no scope rule for table {table!r}")


def _scoped(table: str, rows: str, scope: Scope | None) -> str:
    if scope is None or scope.is_everything:
        return rows
    columns = "*"
    if table == "grants" and scope.municipalities is not None:
        # To a municipality a grant is its own part of it: the amount is its budgets, so that use,
        # the part kept centrally and the outlook are its own and no one else's budget shows.
        columns = (
            "* replace (coalesce((select sum(grant_budgets.budget_dkk) from grant_budgets "
            "where grant_budgets.grant_id = delivered.grant_id), 0) as amount_dkk)"
        )
    where = "\n  and ".join(_scope_conditions(table, scope))
    return f"select {columns}\nfrom (\n{rows}\n) as delivered\nwhere {where}"


def _scope_tables(con: duckdb.DuckDBPyConnection, scope: Scope) -> None:
    """The scope's municipalities and grants as tables, filled with bound parameters."""
    con.execute("create table scope_municipalities (municipality_code integer not null)")
    con.execute("create table scope_grants (grant_id varchar not null)")
    if scope.municipalities is not None:
        con.execute(
            "insert into scope_municipalities select unnest(cast($codes as integer[]))",
            {"codes": list(scope.municipalities)},
        )
    if scope.grants is not None:
        con.execute("insert into scope_grants select unnest(cast($ids as varchar[]))", {"ids": list(scope.grants)})


class MissingTableError(Exception):
    """A required table is absent from the data directory."""

    def __init__(self, location: str, tables: list[str]):
        self.location = location
        self.tables = tables
        names = ", ".join(tables)
        super().__init__(f"Mangler påkrævede tabeller i {location}: {names}")


class MissingFolderError(MissingTableError):
    """The data directory itself does not exist (a mistyped IPS_DATA_DIR or --data-dir)."""

    def __init__(self, location: str):
        self.location = location
        self.tables = [t for t, spec in TABLES.items() if spec.required]
        Exception.__init__(
            self, f"Datamappen {location} findes ikke. Sæt IPS_DATA_DIR (eller --data-dir) til mappen med udtrækket."
        )


def require_folder(location: str) -> None:
    """Raise MissingFolderError when `location` is a local folder that does not exist."""
    if not source.is_remote(location) and not Path(location).is_dir():
        raise MissingFolderError(location)


def version(location: str) -> str:
    """A short fingerprint of the extract's files (paths, sizes, modification times).

    Cheap enough to compute on every rerun, so a new delivery is seen without restart.
    Remote locations are fingerprinted by their file list only.
    """
    digest = hashlib.sha256()
    for table in TABLES:
        for path in source.table_files(location, table):
            if source.is_remote(path):
                digest.update(path.encode())
            else:  # the same files named from anywhere (`data`, `/srv/ips/data`) are one version
                digest.update(os.path.abspath(path).encode())
                st = os.stat(path)
                digest.update(f"{st.st_size}:{st.st_mtime_ns}".encode())
    return digest.hexdigest()[:16]


# The monthly cube's views (queries/base/50_monthly_span.sql to 57_monthly_days.sql), in the order they read each other;
# monthly_days is the union of the last two.
CUBE_VIEWS = ("monthly_span", "monthly_figures", "placed_run_starts", "monthly_group_days", "monthly_summed_days")

# Raw answers kept per open extract: a few pages' questions, each a few hundred rows at most.
ANSWERS_KEPT = 256


@dataclass
class Extract:
    """An opened extract: the connection with its views, and what was found."""

    location: str
    con: duckdb.DuckDBPyConnection
    version: str
    present: frozenset[str] = field(default_factory=frozenset)
    demo: bool = False  # the synthetic demo extract: every page says so
    scope: Scope | None = None  # None: every row (the command line, the checks, tests)
    prepared: bool = False  # the join-heavy views and the monthly cube read prepared copies (prepared.py)
    prepared_version: str = ""  # the name of its prepared copies: the data version and the record-key secret
    # Raw answers of this extract's questions, newest last (`remember`).
    _answers: OrderedDict = field(default_factory=OrderedDict, repr=False, compare=False)
    _answers_lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)
    _cube_lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)
    _cube_kept: bool = field(default=False, repr=False, compare=False)
    # Keeps the prepared folder from being removed while this extract reads it (prepared.Hold).
    _prepared_hold: object = field(default=None, repr=False, compare=False)

    def cursor(self) -> duckdb.DuckDBPyConnection:
        return self.con.cursor()

    def remember(self, key: Hashable, compute: Callable[[], pd.DataFrame]) -> pd.DataFrame:
        """`compute()`, kept for the next call with the same key, so a question is asked once.

        The pages' figure functions build on each other (the funnel on the municipality table,
        which the changes table asks for twice), and each is cached on its own arguments in the
        app; this keeps the raw answers they share. Raw answers never leave the query layer: a
        caller copies what it changes. Per extract, so a new data version starts empty; at most
        ANSWERS_KEPT are kept, the least recently used dropped first.
        """
        answer = self.recall(key)
        if answer is None:
            answer = compute()  # unlocked: another thread's question need not wait for this one
            self.keep(key, answer)
        return answer

    def recall(self, key: Hashable):
        """The answer kept for `key`, or None."""
        with self._answers_lock:
            if key in self._answers:
                self._answers.move_to_end(key)
                return self._answers[key]
        return None

    def keep(self, key: Hashable, answer) -> None:
        with self._answers_lock:
            self._answers[key] = answer
            self._answers.move_to_end(key)
            while len(self._answers) > ANSWERS_KEPT:
                self._answers.popitem(last=False)

    def monthly_cube(self) -> None:
        """Make sure the monthly cube (queries/base/50_monthly_span.sql to 57_monthly_days.sql) is kept as tables, not views.

        Its views are built from every course; a question reads them many times over. A prepared
        extract reads them from its prepared copies already; any other keeps them in memory from
        the first question that needs them (small: they grow with groups and months, not courses).
        """
        if self.prepared or self._cube_kept:
            return
        with self._cube_lock:
            if self._cube_kept:
                return
            cur = self.cursor()
            try:
                for view in CUBE_VIEWS:  # in order: later views read the ones kept before them
                    cur.execute(f"create or replace table kept_{view} as select * from {view}")
                    cur.execute(f"create or replace view {view} as select * from kept_{view}")
            finally:
                cur.close()
            self._cube_kept = True

    def forget(self) -> None:
        """Drop every remembered answer (benchmarks time questions cold)."""
        with self._answers_lock:
            self._answers.clear()

    def has(self, table: str) -> bool:
        return table in self.present


# The committed demo extract is known by its files' contents, not by a mark inside them (pyarrow
# carries a file's metadata over to any table cast to its schema, and a delivery copies Parquet
# byte for byte): `make demo` writes this manifest of every file's size and SHA-256 beside the
# files in data/, and it is committed with them. Only the manifest in the repository counts, never
# one lying beside the data.
DEMO_MANIFEST_NAME = "demo-manifest.json"
DEMO_MANIFEST = source.DEFAULT_DATA_DIR / DEMO_MANIFEST_NAME


def file_digest(path: str | os.PathLike) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _demo_manifest() -> dict[str, dict]:
    try:
        files = json.loads(DEMO_MANIFEST.read_text(encoding="utf-8"))["files"]
    except (OSError, ValueError, KeyError, TypeError):
        return {}
    return files if isinstance(files, dict) else {}


def _all_demo(files: dict[str, list[str]]) -> bool:
    """Every file of the extract is the committed demo extract's file of its table, byte for byte.

    Some of the demo's tables may be left out (an optional table); one other file among them: not demo.
    """
    manifest = _demo_manifest()
    present = {table: found for table, found in files.items() if found}
    if not manifest or not present:
        return False
    for table, found in present.items():
        known = manifest.get(f"{table}.parquet")
        if known is None or len(found) != 1 or source.is_remote(found[0]):
            return False
        path = Path(found[0])
        if path.name != f"{table}.parquet":  # a part of a table kept as a folder
            return False
        try:
            if path.stat().st_size != known.get("bytes") or file_digest(path) != known.get("sha256"):
                return False
        except OSError:
            return False
    return True


def is_demo(location: str | None = None) -> bool:
    """The extract at `location` is the committed synthetic demo extract (all of it, or some of its tables).

    Without login the app serves only this (ui.current_scope): real data needs a login.
    """
    location = source.data_dir(location)
    return _all_demo({table: source.table_files(location, table) for table in TABLES})


def open_extract(location: str | None = None, scope: Scope | None = None) -> Extract:
    """Open the extract at `location` (default: `IPS_DATA_DIR` or `data/`), limited to `scope`.

    With a scope, every contract table's view holds only the rows the scope may see
    (see `_scope_conditions`); without one (the command line, the checks), every row.
    """
    location = source.data_dir(location)
    require_folder(location)
    files = {table: source.table_files(location, table) for table in TABLES}
    missing = [t for t, spec in TABLES.items() if spec.required and not files[t]]
    if missing:
        raise MissingTableError(location, missing)
    demo = _all_demo(files)
    secret = record_keys.record_key_secret(location, demo)  # real data without a secret: refused here
    con = duckdb.connect(":memory:")
    # A TIMESTAMP WITH TIME ZONE is read as its Danish date, as the delivery checks read it.
    con.execute("set TimeZone = 'Europe/Copenhagen'")
    scoped = scope is not None and not scope.is_everything
    if scoped:
        _scope_tables(con, scope)
    order = [*SCOPED_ORDER, *(t for t in files if t not in SCOPED_ORDER)] if scoped else list(files)
    for table in order:
        con.execute(_view_sql(table, files[table], scope))
    ipad, opad = record_keys.hmac_pads(secret)
    con.execute("create table record_key_secret as select $ipad::blob as ipad, $opad::blob as opad", {"ipad": ipad, "opad": opad})
    for path in sorted(QUERIES_DIR.glob("base/*.sql")):
        con.execute(path.read_text(encoding="utf-8"))
    fingerprint = version(location)
    # The join-heavy views and the monthly cube, written once per data version (and secret) as Parquet.
    scope_key = scope.key if scoped else None
    prepared_version = f"{fingerprint}-{record_keys.secret_fingerprint(secret)}"
    ready = prepared.use(con, location, prepared_version, scope_key)
    if ready is None:  # hashed once per open, not in every query (a prepared extract keeps them in its copies)
        con.execute("create table kept_record_keys as select * from record_keys")
        con.execute("create or replace view record_keys as select * from kept_record_keys")
    present = frozenset(t for t, f in files.items() if f)
    if scoped and scope.grants is not None:
        present -= NOT_FOR_FUNDERS
    return Extract(
        location=location,
        con=con,
        version=fingerprint,
        present=present,
        demo=demo,
        scope=scope,
        prepared=ready is not None,
        _prepared_hold=ready,
        prepared_version=prepared_version,
    )


@cache
def sql(name: str) -> str:
    """The text of `queries/<name>.sql`."""
    path = QUERIES_DIR / f"{name}.sql"
    if not path.is_file():
        raise KeyError(f"no query named {name!r}")
    return path.read_text(encoding="utf-8")


def run(extract: Extract, name: str, params: dict | None = None, keep: bool = True) -> pd.DataFrame:
    """Run the named query with bound parameters on a fresh cursor; a copy of its answer.

    An extract's files never change, so the same query with the same parameters is answered
    once per extract (`Extract.remember`): the figure functions of a page ask the catalog and
    the funding questions many times over. `keep=False` for a caller that keeps answers itself.
    """
    params = params or {}
    if not keep:
        return _execute(extract, name, params)
    key = ("run", name, tuple(sorted((k, tuple(v) if isinstance(v, list) else v) for k, v in params.items())))
    return extract.remember(key, lambda: _execute(extract, name, params)).copy()


def _execute(extract: Extract, name: str, params: dict) -> pd.DataFrame:
    cur = extract.cursor()
    try:
        return cur.execute(sql(name), params).df()
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
