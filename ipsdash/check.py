"""Checks on delivery: does an extract hold the contract (../shared/data-contract.md)?

`check_extract(location)` reads every table of an extract into one in-memory DuckDB
connection and tests it rule by rule. It returns one `Problem` per broken rule and file,
each naming the table, the file, the column, the rule and up to ten offending rows by
row number and id; `[]` means the extract holds. Bad data never raises.

    for problem in check_extract("data"):
        print(problem.text())
    # participants: fil data/participants.parquet, kolonne exit_date, regel date_order, 1 række:
    # exit_date ligger før enrollment_date (...). Ret det i kildesystemet og lever udtrækket igen. Række 3 (P3).

How it works, and why:

* Each file's schema is checked on its own first, so a wrong type names the file that has
  it. A column is loaded, and its value rules run, only when its type is right in every
  file of the table: one wrong column gives one message, not hundreds of follow-on ones.
* Rows are loaded per file into a table named as the contract table, with `_file` (index
  into the table's file list) and `_row` (1-based row number in that file) beside the
  contract columns. Every rule is then one SQL query over those tables.
* A reference check runs only when the table it points to was read whole and its key
  column is sound; otherwise every row would seem to point at nothing.
* Person-level tables (participants, placements) are health data: messages about them
  quote a row's number and participant_id only, never a value. An id that looks like a
  CPR number is never quoted at all, in any message.

Identifiers in SQL come from `ipsdash.contract` and the rule lists below only; values are
always bound as parameters.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

import duckdb

from ipsdash import fmt
from ipsdash.contract import TABLES, Column, Table
from ipsdash.source import table_files, table_layouts

MAX_ROWS = 10
HIDDEN_ID = "(CPR-lignende id skjult)"

# The contract refuses a participant_id of 10 digits, with or without a dash after the sixth.
CPR_PATTERN = r"^\d{6}-?\d{4}$"
# Used to hide ids and values in messages: broader than the rule, so that nothing CPR-like is
# ever printed, even inside a longer text.
_CPR_ANYWHERE = re.compile(r"(?<!\d)\d{6}-?\d{4}(?!\d)")

# Dates of TIMESTAMP WITH TIME ZONE columns are taken in Danish time: a system that writes
# local midnight as an instant (23:00 UTC the day before) still gets the day it meant.
TIME_ZONE = "Europe/Copenhagen"

# Integer columns are loaded as HUGEINT so that any integer width in a file loads without
# overflow; the range rules then catch values too large for the views' INTEGER.
_LOAD_TYPE = {"int": "HUGEINT", "text": "VARCHAR", "date": "DATE", "money": "DOUBLE", "double": "DOUBLE"}
INT32_MAX = 2_147_483_647

_INTEGER_TYPES = {
    "tinyint", "smallint", "integer", "bigint", "hugeint",
    "utinyint", "usmallint", "uinteger", "ubigint", "uhugeint",
}  # fmt: skip
_FLOAT_TYPES = {"float", "double"}

_EXPECTED_TYPE = {
    "int": "et heltal (INTEGER, eller en anden heltalstype)",
    "text": "tekst (VARCHAR/string)",
    "date": "en dato (DATE eller TIMESTAMP)",
    "money": "et beløb (DECIMAL eller DOUBLE)",
    "double": "et tal (DOUBLE)",
}


def _type_fits(kind: str, type_id: str) -> bool:
    """Whether a file's DuckDB type (`DuckDBPyType.id`) is acceptable for a contract kind."""
    if type_id == "null":
        # A column with only nulls, written by a tool that could not tell its type (pandas
        # with an all-None column). It fits any kind; not-null still applies to its rows.
        return True
    if kind == "int":
        return type_id in _INTEGER_TYPES
    if kind == "text":
        return type_id == "varchar"
    if kind == "date":
        # DATE, or TIMESTAMP of any precision, with or without a time zone (the date part is used).
        return type_id == "date" or type_id.startswith("timestamp")
    if kind == "money":
        # DECIMAL or DOUBLE per the contract; FLOAT and integers are accepted too (a whole-krone
        # amount written as an integer is still an exact amount) and read as DOUBLE.
        return type_id in ("decimal", *_FLOAT_TYPES, *_INTEGER_TYPES)
    if kind == "double":
        # DECIMAL too: tools write a literal like 2.5 as DECIMAL, and it reads exactly as DOUBLE.
        return type_id in ("decimal", *_FLOAT_TYPES, *_INTEGER_TYPES)
    raise ValueError(f"unknown column kind {kind!r}")


@dataclass(frozen=True)
class Problem:
    """One broken rule in one file of a delivered extract."""

    table: str
    file: str | None  # the file's path, or None when the table is missing entirely
    column: str | None
    rule: str  # short stable id, e.g. "not_null", "reference", "cpr_like_id"
    message: str  # Danish, for a data coordinator: what is wrong and what to do
    rows: tuple[tuple[int, str], ...] = ()  # up to ten: (1-based row number in the file, id)
    count: int = 0  # how many rows break the rule in all

    def text(self) -> str:
        """One line for the command line and the delivery log.

        >>> Problem("placements", "data/placements.parquet", "kind", "allowed_values", "...",
        ...         ((4, "P00042"),), 1).text()
        'placements: fil data/placements.parquet, kolonne kind, regel allowed_values, 1 række: ... Række 4 (P00042).'
        """
        where = []
        if self.file is not None:
            where.append(f"fil {self.file}")
        if self.column is not None:
            where.append(f"kolonne {self.column}")
        where.append(f"regel {self.rule}")
        if self.count:
            where.append(f"{self.count} {'række' if self.count == 1 else 'rækker'}")
        line = f"{self.table}: {', '.join(where)}: {self.message}"
        if self.rows:
            shown = ", ".join(_row_text(number, ident) for number, ident in self.rows)
            if self.count > len(self.rows):
                line += f" De første {len(self.rows)}: {shown}."
            else:
                line += f" {shown[0].upper()}{shown[1:]}."
        return line


def _row_text(number: int, ident: str) -> str:
    if not ident:
        return f"række {number}"
    if ident == HIDDEN_ID:
        return f"række {number} {HIDDEN_ID}"
    return f"række {number} ({ident})"


def _shown_id(value: object) -> str:
    """A row's id as it may appear in a message: never anything CPR-like."""
    if value is None:
        return ""
    text = str(value)
    if _CPR_ANYWHERE.search(text):
        return HIDDEN_ID
    return _printable(text)


def _shown_value(value: object) -> str:
    """A value from a non-person table, quoted for a message; CPR-like parts masked."""
    text = _CPR_ANYWHERE.sub("<skjult>", str(value))
    return "'" + _printable(text) + "'"


def _printable(text: str, limit: int = 40) -> str:
    text = "".join(ch if ch.isprintable() else "?" for ch in text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _kr(amount: float) -> str:
    """Money to the øre, 1.000.000,01 kr.: whole kroner (fmt.dkk) could hide why a sum is too large."""
    return fmt.number(amount, 2) + fmt.SPACE + "kr."


def _q(identifier: str) -> str:
    """Quote an identifier from the contract (never from data) for SQL."""
    return '"' + identifier.replace('"', '""') + '"'


def _values_list(values: Iterable[str]) -> str:
    quoted = [f"'{v}'" for v in values]
    return ", ".join(quoted[:-1]) + " eller " + quoted[-1] if len(quoted) > 1 else quoted[0]


# ---------------------------------------------------------------------------------------------
# Rules beyond what contract.py holds: ranges, references and date orders of the contract text.


@dataclass(frozen=True)
class Range:
    table: str
    column: str
    low: float | None
    high: float | None
    message: str
    low_open: bool = False  # True: the value must be > low, not >= low


RANGES = (
    Range("municipalities", "municipality_code", 100, 999,
          "municipality_code skal være Danmarks Statistiks 3-cifrede kommunekode (100-999), fx 630 for Vejle."),
    Range("grants", "amount_dkk", 0, None, "amount_dkk (bevillingens samlede beløb) skal være større end 0.",
          low_open=True),
    Range("grant_budgets", "budget_dkk", 0, None, "budget_dkk må ikke være negativ."),
    Range("placements", "hours_per_week", 0, 60,
          "hours_per_week skal være større end 0 og højst 60 (eller tom, hvis det ikke er kendt).", low_open=True),
    Range("staffing", "consultants_fte", 0, None, "consultants_fte må ikke være negativ."),
    Range("staffing", "consultants_trained", 0, INT32_MAX, "consultants_trained skal være et antal: 0 eller mere."),
    Range("staffing", "consultants_in_training", 0, INT32_MAX,
          "consultants_in_training skal være et antal: 0 eller mere."),
    Range("fidelity_reviews", "total_score", 25, 125, "total_score (IPS-25) skal ligge fra 25 til 125."),
)  # fmt: skip

# (table, column): the column points at the same-named key column of the other table.
REFERENCES = (
    ("participants", "municipality_code", "municipalities"),
    ("participants", "grant_id", "grants"),
    ("placements", "participant_id", "participants"),
    ("grant_budgets", "grant_id", "grants"),
    ("grant_budgets", "municipality_code", "municipalities"),
    ("expenditures", "grant_id", "grants"),
    ("expenditures", "municipality_code", "municipalities"),
    ("staffing", "municipality_code", "municipalities"),
    ("fidelity_reviews", "municipality_code", "municipalities"),
)


@dataclass(frozen=True)
class DateOrder:
    table: str
    later: str
    earlier: tuple[str, ...]  # the first of these that is not null must be <= later
    message: str


DATE_ORDERS = (
    DateOrder("grants", "end_date", ("start_date",), "end_date ligger før start_date."),
    DateOrder("participants", "enrollment_date", ("referral_date",),
              "enrollment_date (visiteret) ligger før referral_date (henvist)."),
    DateOrder("participants", "exit_date", ("enrollment_date", "referral_date"),
              "exit_date ligger før enrollment_date (eller før referral_date, når enrollment_date er tom)."),
    DateOrder("placements", "end_date", ("start_date",), "end_date ligger før start_date."),
)  # fmt: skip

_FIX = "Ret det i kildesystemet og lever udtrækket igen."


# ---------------------------------------------------------------------------------------------
# Loading


@dataclass
class _Loaded:
    """What is known about one table after its files were read."""

    spec: Table
    files: list[str] = field(default_factory=list)
    present: bool = False
    complete: bool = False  # present, and every file read whole
    ok: set[str] = field(default_factory=set)  # columns present with the right type in every file

    def has(self, *columns: str) -> bool:
        return self.present and all(c in self.ok for c in columns)

    def usable_target(self, column: str) -> bool:
        """Whether other tables may be checked against this table's `column`."""
        return self.complete and column in self.ok


def _load(con: duckdb.DuckDBPyConnection, location: str, spec: Table, problems: list[Problem]) -> _Loaded:
    state = _Loaded(spec)
    files = table_files(location, spec.name)
    state.files = files
    if not files:
        if spec.required:
            problems.append(Problem(
                spec.name, None, None, "missing_table",
                f"Tabellen {spec.name} mangler. Den skal leveres som {spec.name}.parquet eller som en mappe "
                f"{spec.name}/ med en eller flere Parquet-filer.",
            ))  # fmt: skip
        return state
    state.present = True
    singles, in_folder = table_layouts(location, spec.name)
    if singles and in_folder:
        problems.append(Problem(
            spec.name, files[0], None, "both_layouts",
            f"Tabellen {spec.name} findes både som filen {spec.name}.parquet og som mappen {spec.name}/. "
            "Lever kun den ene form: slet filen eller mappen.",
        ))  # fmt: skip

    # Pass 1: every file's schema on its own, so a wrong type or missing column names its file.
    schemas: dict[int, dict[str, duckdb.DuckDBPyType]] = {}
    for index, path in enumerate(files):
        try:
            relation = con.read_parquet(path)
            schemas[index] = dict(zip(relation.columns, relation.types, strict=True))
        except (duckdb.Error, RuntimeError):
            # RuntimeError: a damaged footer can hold a column name that is not UTF-8, which DuckDB's
            # Python binding cannot turn into a str (found by tests/test_deliver.py's random corruptions).
            problems.append(_unreadable(spec, path))
    bad: set[str] = set()
    for index, schema in schemas.items():
        for column in spec.columns:
            problem = _schema_problem(spec, files[index], column, schema)
            if problem is not None:
                problems.append(problem)
                bad.add(column.name)
    state.ok = {c.name for c in spec.columns if c.name not in bad}

    # Pass 2: rows of the sound columns, file by file, so a file whose data pages are broken
    # (a valid footer over a truncated body) is named too and the rest still load.
    loaded = [c for c in spec.columns if c.name in state.ok]
    definitions = ", ".join(["_file INTEGER", "_row BIGINT"] + [f"{_q(c.name)} {_LOAD_TYPE[c.kind]}" for c in loaded])
    con.execute(f"create table {_q(spec.name)} ({definitions})")
    select = ", ".join(
        ["$file", "file_row_number + 1"] + [f"cast({_q(c.name)} as {_LOAD_TYPE[c.kind]})" for c in loaded]
    )
    all_read = len(schemas) == len(files)
    for index in schemas:
        try:
            con.execute(
                f"insert into {_q(spec.name)} select {select} from read_parquet($path, file_row_number = true)",
                {"file": index, "path": files[index]},
            )
        except duckdb.Error:
            problems.append(_unreadable(spec, files[index]))
            all_read = False
    state.complete = all_read
    return state


def _unreadable(spec: Table, path: str) -> Problem:
    # DuckDB's own error text is left out: for a broken string it may quote the data itself.
    return Problem(
        spec.name, path, None, "unreadable_file",
        "Filen kan ikke læses som Parquet: den er tom, afkortet, beskadiget eller i et andet format "
        "(fx CSV med endelsen .parquet). Dan filen igen som Parquet og lever den igen.",
    )  # fmt: skip


def _schema_problem(spec: Table, path: str, column: Column, schema: dict[str, duckdb.DuckDBPyType]) -> Problem | None:
    if column.name not in schema:
        near = [name for name in schema if name.lower() == column.name.lower()]
        hint = f" Filen har kolonnen '{near[0]}'; navnet skal staves præcis '{column.name}'." if near else ""
        return Problem(
            spec.name, path, column.name, "missing_column",
            f"Kolonnen {column.name} mangler i filen.{hint} Alle kontraktens kolonner skal være med, "
            "også dem der må være tomme.",
        )  # fmt: skip
    found = schema[column.name]
    if _type_fits(column.kind, found.id):
        return None
    return Problem(
        spec.name, path, column.name, "type",
        f"Kolonnen {column.name} har typen {found}, men skal være {_EXPECTED_TYPE[column.kind]}. "
        "Ret typen i udtrækket og lever igen. Kolonnens værdier er ikke kontrolleret.",
    )  # fmt: skip


# ---------------------------------------------------------------------------------------------
# Row rules


def _offenders(
    con: duckdb.DuckDBPyConnection,
    state: _Loaded,
    body: str,
    params: dict | None,
    *,
    rule: str,
    column: str | None,
    message: str,
) -> list[Problem]:
    """One Problem per file holding rows that `body` selects (`from <table> as t ... where ...`)."""
    id_column = state.spec.id_column
    id_sql = f"t.{_q(id_column)}" if id_column and id_column in state.ok else "null"
    sql = f"""
        with bad as (
            select t._file, t._row, cast({id_sql} as varchar) as id
            {body}
        ),
        ranked as (
            select
                *,
                count(*) over (partition by _file) as n,
                row_number() over (partition by _file order by _row) as k
            from bad
        )
        select _file, n, _row, id from ranked where k <= $limit order by _file, _row
    """
    found = con.execute(sql, {**(params or {}), "limit": MAX_ROWS}).fetchall()
    by_file: dict[int, tuple[int, list[tuple[int, str]]]] = {}
    for file_index, count, row, ident in found:
        by_file.setdefault(file_index, (count, []))[1].append((int(row), _shown_id(ident)))
    return [
        Problem(state.spec.name, state.files[f], column, rule, message, tuple(rows), int(count))
        for f, (count, rows) in by_file.items()
    ]


def _from(state: _Loaded) -> str:
    return f"from {_q(state.spec.name)} as t"


def _not_null(con, state: _Loaded) -> list[Problem]:
    problems = []
    for column in state.spec.columns:
        if column.nullable or not state.has(column.name):
            continue
        problems += _offenders(
            con, state, f"{_from(state)} where t.{_q(column.name)} is null", None,
            rule="not_null", column=column.name,
            message=f"{column.name} må ikke være tom. {_FIX}",
        )  # fmt: skip
    return problems


def _finite(con, state: _Loaded) -> list[Problem]:
    # NaN sorts above every number in DuckDB, so it would slip through "> 0"; refuse it outright.
    problems = []
    for column in state.spec.columns:
        if column.kind not in ("money", "double") or not state.has(column.name):
            continue
        empty = " eller lad feltet være tomt" if column.nullable else ""
        problems += _offenders(
            con, state, f"{_from(state)} where not isfinite(t.{_q(column.name)})", None,
            rule="finite", column=column.name,
            message=f"{column.name} er NaN eller uendelig. Angiv et almindeligt tal{empty}. {_FIX}",
        )  # fmt: skip
    return problems


def _allowed_values(con, state: _Loaded) -> list[Problem]:
    problems = []
    for column in state.spec.columns:
        if not column.allowed or not state.has(column.name):
            continue
        name = _q(column.name)
        where = f"t.{name} is not null and not list_contains($allowed, t.{name})"
        params = {"allowed": list(column.allowed)}
        rule_text = (
            f"{column.name} må kun være {_values_list(column.allowed)} (præcis sådan, med store og små bogstaver "
            "som her)."
        )
        found = _offenders(
            con, state, f"{_from(state)} where {where}", params,
            rule="allowed_values", column=column.name, message=f"{rule_text} {_FIX}",
        )  # fmt: skip
        if found and not state.spec.person_level:
            # Outside person data the wrong values themselves help most ('Løn' for 'løn').
            seen = dict(con.execute(
                f"select t._file, list(distinct t.{name} order by t.{name})[1:5] {_from(state)} where {where} "
                "group by t._file",
                params,
            ).fetchall())  # fmt: skip
            index_of = {path: i for i, path in enumerate(state.files)}
            for i, problem in enumerate(found):
                values = ", ".join(_shown_value(v) for v in seen[index_of[problem.file]])
                found[i] = replace(problem, message=f"{rule_text} Fundet: {values}. {_FIX}")
        problems += found
    return problems


# A text beginning with one of these is a formula to a spreadsheet (a name `=HYPERLINK(...)` in
# an export would be a live link); the exports make such cells inert, and the check refuses them.
FORMULA_START = ("=", "+", "@")


def _formula_start(con, state: _Loaded) -> list[Problem]:
    """Free texts (names, titles, ids) must not begin as a spreadsheet formula."""
    problems = []
    for column in state.spec.columns:
        if column.kind != "text" or column.allowed or not state.has(column.name):
            continue
        problems += _offenders(
            con, state, f"{_from(state)} where list_contains($starts, left(ltrim(t.{_q(column.name)}), 1))",
            {"starts": list(FORMULA_START)},
            rule="formula_start", column=column.name,
            message=f"{column.name} må ikke begynde med =, + eller @: et regneark læser en sådan tekst som en "
            f"formel. {_FIX}",
        )  # fmt: skip
    return problems


def _unique(con, state: _Loaded) -> list[Problem]:
    key = state.spec.key
    if not key or not state.has(*key):
        return []
    columns = ", ".join(_q(c) for c in key)
    not_null = " and ".join(f"{_q(c)} is not null" for c in key)
    body = (
        f"{_from(state)} semi join (select {columns} from {_q(state.spec.name)} where {not_null} "
        f"group by all having count(*) > 1) using ({columns})"
    )
    label = key[0] if len(key) == 1 else "(" + ", ".join(key) + ")"
    message = (
        f"{label} skal være unik i hele tabellen, på tværs af alle dens filer; disse rækker har samme "
        f"{'værdi' if len(key) == 1 else 'kombination'} som en anden række. Fjern dubletterne og lever igen."
    )
    return _offenders(con, state, body, None, rule="unique", column=", ".join(key), message=message)


def _references(con, states: dict[str, _Loaded]) -> list[Problem]:
    problems = []
    for table, column, target in REFERENCES:
        source, goal = states[table], states[target]
        if not source.has(column) or not goal.usable_target(column):
            continue
        name = _q(column)
        body = f"{_from(source)} anti join {_q(target)} as r on t.{name} = r.{name} where t.{name} is not null"
        problems += _offenders(
            con, source, body, None, rule="reference", column=column,
            message=f"{column} findes ikke i tabellen {target}. Tilføj den i {target}, eller ret værdien i "
            "kildesystemet, og lever udtrækket igen.",
        )  # fmt: skip
    return problems


def _date_orders(con, states: dict[str, _Loaded]) -> list[Problem]:
    problems = []
    for order in DATE_ORDERS:
        state = states[order.table]
        if not state.has(order.later, *order.earlier):
            continue
        earlier = ", ".join(f"t.{_q(c)}" for c in order.earlier)
        earlier = f"coalesce({earlier})" if len(order.earlier) > 1 else earlier
        problems += _offenders(
            con, state, f"{_from(state)} where t.{_q(order.later)} < {earlier}", None,
            rule="date_order", column=order.later, message=f"{order.message} {_FIX}",
        )  # fmt: skip
    return problems


def _exit_reason(con, states: dict[str, _Loaded]) -> list[Problem]:
    state = states["participants"]
    if not state.has("exit_date", "exit_reason"):
        return []
    return _offenders(
        con, state, f"{_from(state)} where (t.exit_date is null) <> (t.exit_reason is null)", None,
        rule="exit_reason_iff_exit_date", column="exit_reason",
        message="exit_reason skal være udfyldt, når exit_date er udfyldt, og tom, når exit_date er tom. "
        f"Disse rækker har kun den ene af de to. {_FIX}",
    )  # fmt: skip


def _ranges(con, states: dict[str, _Loaded]) -> list[Problem]:
    problems = []
    for spec in RANGES:
        state = states[spec.table]
        if not state.has(spec.column):
            continue
        name = f"t.{_q(spec.column)}"
        tests, params = [], {}
        # NaN and infinity are the finite rule's; without this they would break the range as well.
        finite = f"isfinite({name}) and " if state.spec.columns_by_name[spec.column].kind in ("money", "double") else ""
        if spec.low is not None:
            tests.append(f"{name} {'<=' if spec.low_open else '<'} $low")
            params["low"] = spec.low
        if spec.high is not None:
            tests.append(f"{name} > $high")
            params["high"] = spec.high
        problems += _offenders(
            con, state, f"{_from(state)} where {finite}({' or '.join(tests)})", params,
            rule="range", column=spec.column, message=f"{spec.message} {_FIX}",
        )  # fmt: skip
    return problems


def _first_of_month(con, states: dict[str, _Loaded]) -> list[Problem]:
    state = states["staffing"]
    if not state.has("month"):
        return []
    return _offenders(
        con, state, f"{_from(state)} where day(t.month) <> 1", None,
        rule="first_of_month", column="month",
        message=f"month skal være den første dag i måneden (fx 2024-03-01 for marts 2024). {_FIX}",
    )  # fmt: skip


def _budget_sum(con, states: dict[str, _Loaded]) -> list[Problem]:
    budgets, grants = states["grant_budgets"], states["grants"]
    if not budgets.has("grant_id", "budget_dkk") or not grants.has("grant_id", "amount_dkk"):
        return []
    # Grants whose id is not unique are left to the uniqueness rule (their amount is ambiguous), and
    # grants whose amount is not a positive number to the range and finite rules.
    # Sums are compared in whole øre so that DOUBLE rounding never refuses an exact budget.
    over = """
        select b.grant_id, round(sum(b.budget_dkk), 2) as budgets_dkk, any_value(g.amount_dkk) as amount_dkk
        from grant_budgets as b
        join (select grant_id, any_value(amount_dkk) as amount_dkk from grants group by grant_id
              having count(*) = 1 and bool_and(isfinite(amount_dkk) and amount_dkk > 0)) as g using (grant_id)
        group by b.grant_id
        having round(sum(b.budget_dkk), 2) > round(any_value(g.amount_dkk), 2)
    """
    worst = con.execute(f"select * from ({over}) order by grant_id limit $limit", {"limit": MAX_ROWS}).fetchall()
    if not worst:
        return []
    details = "; ".join(
        f"bevilling {_shown_value(grant_id)}: budgetter {_kr(spent)}, bevilling {_kr(amount)}"
        for grant_id, spent, amount in worst
    )
    message = (
        "En bevillings budgetter (budget_dkk) må tilsammen højst være bevillingens beløb (grants.amount_dkk). "
        f"{details}. Ret budgetterne eller bevillingens beløb og lever igen."
    )
    body = f"{_from(budgets)} semi join ({over}) as o using (grant_id)"
    return _offenders(con, budgets, body, None, rule="budget_sum", column="budget_dkk", message=message)


def _cpr_like(con, states: dict[str, _Loaded]) -> list[Problem]:
    problems = []
    for table in ("participants", "placements"):
        state = states[table]
        if not state.has("participant_id"):
            continue
        # The length test first spares most ids the regular expression: a tenth of the time.
        where = "length(t.participant_id) >= 10 and regexp_full_match(trim(t.participant_id), $cpr)"
        problems += _offenders(
            con, state, f"{_from(state)} where {where}", {"cpr": CPR_PATTERN},
            rule="cpr_like_id", column="participant_id",
            message="participant_id ligner et CPR-nummer (10 cifre, evt. med bindestreg efter det sjette). "
            "CPR-numre må aldrig leveres: brug et pseudonymt forløbs-id. Rækkerne nævnes derfor kun ved nummer. "
            "Slet filen, dan udtrækket igen med pseudonyme id'er, og lever igen.",
        )  # fmt: skip
    return problems


# ---------------------------------------------------------------------------------------------


def check_extract(location: str) -> list[Problem]:
    """All problems of the extract at `location` (a folder or any Parquet location DuckDB reads).

    Returns `[]` when the extract holds the contract. Never raises for bad data: a file that
    cannot be read is itself a Problem. Problems come in contract table order.
    """
    location = str(location).rstrip("/") or "/"
    con = duckdb.connect()
    try:
        con.execute("set TimeZone = $tz", {"tz": TIME_ZONE})
        problems: list[Problem] = []
        states = {name: _load(con, location, spec, problems) for name, spec in TABLES.items()}
        for state in states.values():
            if state.present:
                problems += _not_null(con, state)
                problems += _finite(con, state)
                problems += _allowed_values(con, state)
                problems += _formula_start(con, state)
                problems += _unique(con, state)
        for rule in (_references, _date_orders, _exit_reason, _ranges, _first_of_month, _budget_sum, _cpr_like):
            problems += rule(con, states)
    finally:
        con.close()
    order = {name: i for i, name in enumerate(TABLES)}
    # Stable sort: within a table, file-level problems first, then rules in the order run above.
    return sorted(problems, key=lambda p: order[p.table])
