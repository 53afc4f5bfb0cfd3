"""Reading delivered files: which table a file is, and its rows as a table typed by the contract.

This is where a municipality's own files meet the contract, so it is kept apart from taking a
delivery in (`ipsdash.delivery.deliver`): every way Danish offices write CSV and Excel, and every
limit that stops a hostile file before it takes the machine's memory, is here and nowhere else, and
what comes out is either an Arrow table of the contract's columns and types or problems naming the
delivered file and the rows a person sees in it.

What a delivery is
------------------
One or more table files. A file's name says its table: `participants.csv` (or `.parquet`,
`.xlsx`) is the whole table and replaces it, whatever form it had. `participants__630.csv`
is one part of a table kept as a folder: it becomes `participants/630.parquet` and replaces
only that part, so each municipality can deliver its own share (a part name is letters,
digits, `-` and `_`, e.g. `630` or `630_2026-10`). A folder argument `participants/` is the
whole table as parts, one per file in it. A part of a table that is in use as one file is
refused: deliver the whole table instead.

Files are read as Danish offices write them and converted to Parquet typed by the contract:

* CSV: UTF-8 (with or without BOM) or Windows-1252, told apart by whether the bytes are valid
  UTF-8; a file with valid UTF-8 sequences that is not valid UTF-8 as a whole is mixed or cut
  off and is refused. The separator is the header's most frequent of `;`, `,` and tab. With
  `;` or tab, numbers have a decimal comma and may group thousands with `.` (1.234,50); with
  `,` a decimal point and no grouping. Dates are dd-mm-yyyy (also with `.` or `/`) or ISO
  yyyy-mm-dd; a time after the date is allowed and dropped (with a zone, the Danish date is
  used, as `ipsdash.delivery.check` reads timestamps). An empty field is null.
* Excel `.xlsx` (openpyxl): the sheet named as the table, else the first; row 1 is the header.
  Dates and numbers as Excel stores them; text cells are read as CSV text is. A number in a
  text column is refused (Excel drops leading zeros, and would hide a CPR number's).
* Parquet is typed already and is taken byte for byte.

Only the contract's columns are kept from CSV and Excel (others may hold person data that the
dashboard has no use for). Row numbers in messages are those Excel shows for CSV and Excel
files (the header is row 1), and 1-based data rows for Parquet, as `ipsdash.delivery.check` counts.
"""

from __future__ import annotations

import array
import csv
import datetime as dt
import io
import math
import os
import re
import warnings
import zoneinfo
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa

from ipsdash import fmt
from ipsdash.delivery import check
from ipsdash.delivery.check import MAX_ROWS, Problem
from ipsdash.extract.contract import TABLES, Column, Table

FORMATS = {".parquet": "parquet", ".csv": "csv", ".xlsx": "xlsx"}
_TABLE_FILE = re.compile(
    r"(?P<table>[a-z]+(?:_[a-z]+)*)(?:__(?P<part>[A-Za-z0-9][A-Za-z0-9_-]*))?(?P<ext>\.[A-Za-z]+)"
)
_PART = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*")
_FIX = "Ret filen eller kildesystemet og lever igen."
DANISH_TIME = zoneinfo.ZoneInfo(check.TIME_ZONE)
ARROW_TYPE = {"int": pa.int64(), "text": pa.string(), "date": pa.date32(), "money": pa.float64(), "double": pa.float64()}


# ---------------------------------------------------------------------------------------------
# Which table a file is


@dataclass(frozen=True)
class Item:
    """One delivered file and where it goes."""

    path: Path
    table: str
    part: str | None  # None: the whole table as one file
    fmt: str  # "parquet", "csv" or "xlsx"
    whole_folder: bool = False  # one of the files of a folder delivered as the whole table

    @property
    def target(self) -> str:
        """Its path inside an extract, e.g. `participants/630.parquet`."""
        return f"{self.table}/{self.part}.parquet" if self.part else f"{self.table}.parquet"


def problem(table: str, file: str | None, rule: str, message: str, column: str | None = None, rows=(), count=0):
    return Problem(table, file, column, rule, message, tuple(rows), count)


def plan(paths: Iterable[str | os.PathLike]) -> tuple[list[Item], list[Problem]]:
    """The delivered files as Items, and the problems with their names (unknown table, twice, ...)."""
    items: list[Item] = []
    problems: list[Problem] = []
    names = ", ".join(TABLES)
    for raw in paths:
        path = Path(raw)
        label = path.name or str(path)
        if path.is_dir():
            table = path.name.lower()
            if table not in TABLES:
                problems.append(problem(
                    label, label + "/", "file_name",
                    f"Mappen {label}/ er ikke en tabel i kontrakten. En mappe skal hedde som tabellen: {names}.",
                ))  # fmt: skip
                continue
            inside = sorted(p for p in path.iterdir() if p.is_file() and not p.name.startswith("."))
            if not inside:
                problems.append(problem(table, label + "/", "file_name", f"Mappen {label}/ er tom."))
            for file in inside:
                fmt = FORMATS.get(file.suffix.lower())
                if fmt is None or not _PART.fullmatch(file.stem):
                    problems.append(problem(
                        table, f"{label}/{file.name}", "file_name",
                        f"Filen {file.name} i mappen {label}/ skal hedde DEL.parquet, DEL.csv eller DEL.xlsx, "
                        "hvor DEL er bogstaver, tal, - og _ (fx 630.csv).",
                    ))  # fmt: skip
                    continue
                items.append(Item(file, table, file.stem, fmt, whole_folder=True))
            continue
        match = _TABLE_FILE.fullmatch(path.name.lower())
        fmt = FORMATS.get(match["ext"]) if match else None
        if not path.exists():
            problems.append(problem(label, str(path), "file_missing", f"Filen {path} findes ikke."))
            continue
        if match is None or fmt is None or match["table"] not in TABLES:
            problems.append(problem(
                label, label, "file_name",
                f"Filnavnet {label} siger ikke, hvilken tabel filen er. Det skal være TABEL.csv, TABEL.xlsx eller "
                f"TABEL.parquet (hele tabellen) eller TABEL__DEL.csv osv. (en del, fx participants__630.csv), "
                f"hvor TABEL er en af: {names}.",
            ))  # fmt: skip
            continue
        part = path.name[len(match["table"]) + 2 : -len(match["ext"])] if match["part"] else None
        items.append(Item(path, match["table"], part, fmt))
    problems += _conflicts(items)
    return items, problems


def _conflicts(items: list[Item]) -> list[Problem]:
    problems = []
    by_table: dict[str, list[Item]] = {}
    for item in items:
        by_table.setdefault(item.table, []).append(item)
    for table, group in by_table.items():
        wholes = [i for i in group if i.part is None]
        targets = [i.target for i in group]
        if len(wholes) > 1 or (wholes and len(group) > 1):
            problems.append(problem(
                table, None, "delivered_twice",
                f"Tabellen {table} er med flere gange i leverancen ({', '.join(i.path.name for i in group)}). "
                "Lever enten hele tabellen i én fil eller dens dele, og hver kun én gang.",
            ))  # fmt: skip
        elif len(set(targets)) < len(targets):
            doubled = sorted({t for t in targets if targets.count(t) > 1})
            problems.append(problem(
                table, None, "delivered_twice",
                f"Samme del af tabellen {table} er med flere gange i leverancen ({', '.join(doubled)}), "
                "fx både som .csv og .xlsx. Lever hver del én gang.",
            ))  # fmt: skip
    return problems


# ---------------------------------------------------------------------------------------------
# Reading CSV and Excel into a grid of cells


@dataclass
class Grid:
    """A table file being read as text cells (CSV) or Excel values, before typing.

    `rows` yields (row number a person sees, cells as long as the header) once, as the file is
    read: no file is held whole as cells. What stops the reading part-way (rows of the wrong
    length, too many rows, a damaged file) is in `failure` once `rows` is used up.
    """

    header: list[str]
    rows: Iterator[tuple[int, list]]
    decimal_comma: bool
    info: dict = field(default_factory=dict)  # encoding, delimiter: for the log and the summary
    failure: Problem | None = None
    numbers: array.array = field(default_factory=lambda: array.array("q"))  # of the rows read, in order


# What a CSV or Excel file may hold: beyond these the file is refused with a message before it can
# take the machine's memory (a 5 kB workbook may claim a sheet of 17 billion cells). Read row by
# row, a delivery of a million rows stays well under 1 GB.
MAX_FILE_BYTES = 300 * 1024 * 1024
MAX_FILE_ROWS = 2_000_000
MAX_COLUMNS = 200
MAX_CELLS = 50_000_000  # rows × columns actually read
TYPING_BATCH_ROWS = 50_000  # rows typed at a time into Arrow arrays


_UTF8_MULTIBYTE = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}")


def _decode(raw: bytes) -> tuple[str | None, str]:
    """(text, encoding name), or (None, why) when the bytes are no text we read."""
    if raw.startswith(b"\xef\xbb\xbf"):
        try:
            return raw[3:].decode("utf-8"), "utf-8-sig"
        except UnicodeDecodeError:
            return None, "mixed"
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return raw.decode("utf-16"), "utf-16"
        except UnicodeDecodeError:
            return None, "mixed"
    if b"\x00" in raw:
        return None, "binary"
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as exc:
        if exc.reason == "unexpected end of data":
            return None, "truncated"  # the start of a UTF-8 letter at the very end: the file was cut off
    if _UTF8_MULTIBYTE.search(raw):
        # Valid UTF-8 sequences (æ as C3 A6) in a file that is not UTF-8 as a whole: a file cut off
        # in the middle of a character, or two encodings mixed. Reading it as Windows-1252 would
        # quietly turn 'løn' into 'lÃ¸n'.
        return None, "mixed"
    try:
        return raw.decode("cp1252"), "cp1252"
    except UnicodeDecodeError:
        return None, "unknown"


_ENCODING_TEXT = {
    "binary": "Filen er ikke en tekstfil (den indeholder nul-tegn); er den en Excel- eller Parquet-fil med "
    "endelsen .csv, eller gemt som UTF-16 uden BOM?",
    "truncated": "Filen slutter midt i et UTF-8-tegn: den er afkortet.",
    "mixed": "Filen er ikke gyldig UTF-8, men indeholder dele, der er UTF-8: den er afkortet midt i et tegn, "
    "eller to tegnsæt er blandet.",
    "unknown": "Filens tegnsæt kan ikke læses som UTF-8 eller Windows-1252.",
}


def too_large(item: Item, what: str) -> Problem:
    return problem(
        item.table, item.path.name, "too_large",
        f"Filen er for stor til at blive læst ({what}). Højst {fmt.number(MAX_FILE_BYTES // 1024 // 1024)} MB, "
        f"{fmt.number(MAX_FILE_ROWS)} rækker og {MAX_COLUMNS} kolonner i en CSV- eller Excel-fil; lever en større "
        "tabel som Parquet eller i dele (fx participants__630.csv).",
    )  # fmt: skip


def _rows_within_limits(item: Item, grid: Grid, records, first_number: int, width) -> Iterator[tuple[int, list]]:
    """(row number, cells) of the records after the header, blank rows left out, within the limits."""
    cells = 0
    ragged: list[int] = []
    ragged_count = 0
    for number, record in enumerate(records, start=first_number):
        if number > MAX_FILE_ROWS + 1:
            grid.failure = too_large(item, f"mere end {fmt.number(MAX_FILE_ROWS)} rækker")
            return
        cells += len(record)
        if len(record) > MAX_COLUMNS or cells > MAX_CELLS:
            grid.failure = too_large(item, f"række {number} har {fmt.number(len(record))} celler"
                                      if len(record) > MAX_COLUMNS else f"mere end {fmt.number(MAX_CELLS)} celler")
            return
        if all(c is None or (isinstance(c, str) and not c.strip()) for c in record):
            continue  # a blank line, as Excel writes at the end; its number is still counted
        row = width(record)
        if row is None:
            ragged_count += 1
            if len(ragged) < MAX_ROWS:
                ragged.append(number)
            continue
        yield number, row
    if ragged_count:
        delimiter = grid.info.get("delimiter", ";")
        grid.failure = problem(
            item.table, item.path.name, "csv_format",
            f"Rækkerne har ikke lige så mange felter som overskriften ({len(grid.header)}). Er filen afkortet, eller "
            f"indeholder en værdi skilletegnet '{delimiter_name(delimiter)}' uden anførselstegn om? {_FIX}",
            rows=[(n, "") for n in ragged], count=ragged_count,
        )  # fmt: skip


def read_csv(item: Item, raw: bytes) -> tuple[Grid | None, list[Problem]]:
    name = item.path.name
    text, encoding = _decode(raw)
    if text is None:
        message = _ENCODING_TEXT[encoding] + " Gem filen som CSV (UTF-8) eller CSV (semikolonsepareret) og lever igen."
        return None, [problem(item.table, name, "encoding", message)]
    first = text.lstrip("\ufeff").split("\n", 1)[0]
    empty = not text.strip()
    del text  # read again row by row below: the whole file as cells would not fit in memory
    counts = {d: first.count(d) for d in (";", "\t", ",")}
    delimiter = max(counts, key=lambda d: counts[d])
    if empty or counts[delimiter] == 0:
        return None, [problem(
            item.table, name, "csv_format",
            "Filen har ingen overskriftsrække med kolonnenavne adskilt af semikolon, komma eller tabulator. "
            "Første række skal være kolonnernes navne, fx participant_id;municipality_code;...",
        )]  # fmt: skip
    stream = io.TextIOWrapper(io.BytesIO(raw), encoding="utf-16" if encoding == "utf-16" else encoding, newline="")
    reader = csv.reader(stream, delimiter=delimiter, strict=True)
    try:
        header = [h.strip().lstrip("\ufeff") for h in next(reader)]
    except csv.Error as exc:
        return None, [_csv_error(item, reader, exc)]
    if len(header) > MAX_COLUMNS:
        return None, [too_large(item, f"{len(header)} kolonner")]
    grid = Grid(header, iter(()), decimal_comma=delimiter != ",", info={"encoding": encoding, "delimiter": delimiter})

    def records():
        try:
            yield from reader
        except csv.Error as exc:
            grid.failure = _csv_error(item, reader, exc)

    width = len(header)
    grid.rows = _rows_within_limits(item, grid, records(), 2, lambda r: r if len(r) == width else None)
    return grid, []


def _csv_error(item: Item, reader, exc: csv.Error) -> Problem:
    return problem(
        item.table, item.path.name, "csv_format",
        f"Filen kan ikke læses som CSV omkring række {reader.line_num}: anførselstegn, der ikke er lukket, "
        f"eller tegn efter et afsluttende anførselstegn ({type(exc).__name__}). {_FIX}",
    )  # fmt: skip


def delimiter_name(delimiter: str) -> str:
    return {";": ";", ",": ",", "\t": "tabulator"}[delimiter]


_UNREADABLE_XLSX = (
    "Filen kan ikke læses som Excel-projektmappe (.xlsx): den er beskadiget, afkortet eller i et andet "
    "format (fx .xls eller CSV med endelsen .xlsx). Gem den igen som Excel-projektmappe og lever igen."
)


def read_xlsx(item: Item, raw: bytes) -> tuple[Grid | None, list[Problem]]:
    """The sheet read row by row (openpyxl's read-only mode), never as a whole."""
    import openpyxl

    name = item.path.name
    unreadable = problem(item.table, name, "unreadable_file", _UNREADABLE_XLSX)
    try:
        with warnings.catch_warnings():
            # openpyxl warns about styles and extensions it does not know; they do not matter here.
            warnings.simplefilter("ignore")
            book = openpyxl.load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
        sheet = book[item.table] if item.table in book.sheetnames else book.worksheets[0]
        # The sheet's stored dimensions are not trusted: a row is as long as the cells it holds
        # (a sheet claiming A1:XFD1048576 would otherwise make every row 16,384 cells).
        sheet.reset_dimensions()
        # From row 1 always: the stored dimensions may start lower, and row numbers in messages
        # must be those Excel shows.
        rows = sheet.iter_rows(min_row=1, values_only=True)
        first = next(rows, None)
    except Exception:  # noqa: BLE001 - a damaged workbook makes openpyxl raise almost anything
        return None, [unreadable]
    if first is not None and len(first) > MAX_COLUMNS:
        first = first[: MAX_COLUMNS + 1]
    if first is None or not any(c is not None for c in first):
        book.close()
        return None, [problem(
            item.table, name, "csv_format",
            "Arkets første række skal være kolonnernes navne (participant_id, municipality_code, ...).",
        )]  # fmt: skip
    header = ["" if c is None else str(c).strip() for c in first]
    while header and header[-1] == "":
        header.pop()
    if len(header) > MAX_COLUMNS:
        book.close()
        return None, [too_large(item, f"mere end {MAX_COLUMNS} kolonner")]
    grid = Grid(header, iter(()), decimal_comma=True, info={"sheet": sheet.title})

    def records():
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                yield from rows
        except Exception:  # noqa: BLE001 - damaged part-way
            grid.failure = unreadable
        finally:
            book.close()

    width = len(header)
    # Cells beyond the header's last column are left out (empty cells Excel keeps formatted).
    grid.rows = _rows_within_limits(item, grid, records(), 2, lambda r: (list(r) + [None] * width)[:width])
    return grid, []


# ---------------------------------------------------------------------------------------------
# Typing cells by the contract


class _Bad(Exception):
    """A cell that cannot be read as its column's type."""


_EXCEL_ERROR = re.compile(r"#(N/A|I/T|VALUE!|VÆRDI!|REF!|REFERENCE!|DIV/0!|DIVISION/0!|NUM!|NAME\?|NAVN\?|NULL!|NUL!)")
_INT = re.compile(r"[+-]?\d+")
_INT_GROUPED = re.compile(r"[+-]?\d{1,3}(?:[. \u00a0]\d{3})+")
_DANISH_NUMBER = re.compile(r"[+-]?(?:\d{1,3}(?:[. \u00a0]\d{3})+|\d+)(?:,\d+)?|[+-]?,\d+")
_POINT_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_ISO = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,]\d+)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?)?"
)
_DANISH_DATE = re.compile(r"(\d{1,2})([-./])(\d{1,2})\2(\d{4})(?:\s+\d{1,2}[:.]\d{2}(?:[:.]\d{2})?)?")


def _text(value, decimal_comma: bool) -> str:
    if not isinstance(value, str):
        raise _Bad("not text")
    if _EXCEL_ERROR.fullmatch(value.strip()):
        raise _Bad("excel error")
    return value


def _integer(value, decimal_comma: bool) -> int:
    if isinstance(value, bool):
        raise _Bad("bool")
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if value.is_integer():
            return int(value)
        raise _Bad("fraction")
    if not isinstance(value, str):
        raise _Bad("type")
    s = value.strip().replace("\u2212", "-")
    if _INT.fullmatch(s):
        return int(s)
    if decimal_comma and _INT_GROUPED.fullmatch(s):
        return int(re.sub(r"[. \u00a0]", "", s))
    raise _Bad("int")


def _number(value, decimal_comma: bool) -> float:
    if isinstance(value, bool):
        raise _Bad("bool")
    if isinstance(value, int | float):
        number = float(value)
    elif isinstance(value, str):
        s = value.strip().replace("\u2212", "-")
        if decimal_comma and _DANISH_NUMBER.fullmatch(s):
            number = float(re.sub(r"[. \u00a0]", "", s).replace(",", "."))
        elif not decimal_comma and _POINT_NUMBER.fullmatch(s):
            number = float(s)
        else:
            raise _Bad("number")
    else:
        raise _Bad("type")
    if not math.isfinite(number):
        raise _Bad("not finite")
    return number


def _date(value, decimal_comma: bool) -> dt.date:
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(DANISH_TIME)
        return value.date()
    if isinstance(value, dt.date):
        return value
    if not isinstance(value, str):
        raise _Bad("type")
    s = value.strip()
    try:
        if m := _ISO.fullmatch(s):
            year, month, day, hour, minute, second, zone = m.groups()
            if zone is None:
                return dt.date(int(year), int(month), int(day))
            stamp = dt.datetime.fromisoformat(f"{year}-{month}-{day}T{hour}:{minute}:{second or '00'}")
            offset = dt.UTC if zone == "Z" else _offset(zone)
            return stamp.replace(tzinfo=offset).astimezone(DANISH_TIME).date()
        if m := _DANISH_DATE.fullmatch(s):
            day, _, month, year = m.groups()
            return dt.date(int(year), int(month), int(day))
    except ValueError:
        raise _Bad("no such day") from None
    raise _Bad("date")


def _offset(zone: str) -> dt.timezone:
    sign = -1 if zone[0] == "-" else 1
    digits = zone[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:4] or 0)
    return dt.timezone(sign * dt.timedelta(hours=hours, minutes=minutes))


_PARSE = {"int": _integer, "text": _text, "date": _date, "money": _number, "double": _number}


def _bad_type_message(column: Column, grid: Grid, excel: bool) -> str:
    name = column.name
    if column.kind == "int":
        return f"{name} skal være et helt tal (fx 630)."
    if column.kind in ("money", "double"):
        if grid.decimal_comma:
            return (f"{name} skal være et tal med komma som decimaltegn og evt. punktum mellem tusinder "
                    "(fx 1.234,50 eller -500); NaN og uendelig kan ikke bruges.")  # fmt: skip
        return f"{name} skal være et tal med punktum som decimaltegn og uden tusindtalsskilletegn (fx 1234.50)."
    if column.kind == "date":
        return (f"{name} skal være en dato, der findes, skrevet dd-mm-åååå (fx 31-03-2024) eller åååå-mm-dd "
                "(fx 2024-03-31).")  # fmt: skip
    if excel:
        return (f"{name} skal være tekst: cellen er et tal eller en dato i regnearket (Excel fjerner foranstillede "
                "nuller), eller en fejlværdi som #I/T. Formatér kolonnen som tekst i Excel og lever igen.")  # fmt: skip
    return f"{name} indeholder en fejlværdi fra Excel (fx #I/T eller #VÆRDI!)."


def typed_table(item: Item, grid: Grid) -> tuple[pa.Table | None, list[Problem]]:
    """The grid as an Arrow table with the contract's columns and types, or the problems why not."""
    spec: Table = TABLES[item.table]
    name = item.path.name
    problems: list[Problem] = []
    seen: set[str] = set()
    for header in grid.header:
        if header in seen and header in spec.columns_by_name:
            problems.append(problem(
                spec.name, name, "duplicate_column", f"Kolonnen {header} er med to gange i overskriften. {_FIX}",
                column=header,
            ))  # fmt: skip
        seen.add(header)
    index = {h: i for i, h in reversed(list(enumerate(grid.header)))}
    for column in spec.columns:
        if column.name not in index:
            near = [h for h in grid.header if h.lower() == column.name.lower()]
            hint = f" Filen har kolonnen '{near[0]}'; navnet skal staves præcis '{column.name}'." if near else ""
            problems.append(problem(
                spec.name, name, "missing_column",
                f"Kolonnen {column.name} mangler i filen.{hint} Alle kontraktens kolonner skal være med, "
                "også dem der må være tomme.",
                column=column.name,
            ))  # fmt: skip
    if problems:
        return None, problems

    positions = [index[c.name] for c in spec.columns]
    id_at = [c.name for c in spec.columns].index(spec.id_column) if spec.id_column else None
    id_kind = spec.columns_by_name[spec.id_column].kind if spec.id_column else None
    excel = item.fmt == "xlsx"
    chunks: dict[str, list[pa.Array]] = {c.name: [] for c in spec.columns}
    # Per column: (the first MAX_ROWS bad rows as (row number, id), how many, the first bad values).
    bad: dict[str, tuple[list, list[int], list]] = {c.name: ([], [0], []) for c in spec.columns}
    numbers = grid.numbers

    def typed(batch: list[tuple[int, list]]) -> None:
        for j, column in enumerate(spec.columns):
            parse, (rows, count, values_seen) = _PARSE[column.kind], bad[column.name]
            values = []
            for number, row in batch:
                cell = row[j]
                if cell is None or (isinstance(cell, str) and not cell.strip()):
                    values.append(None)
                    continue
                try:
                    values.append(parse(cell, grid.decimal_comma))
                except _Bad:
                    values.append(None)
                    count[0] += 1
                    if len(rows) < MAX_ROWS:
                        # An id is quoted only as the text it should be: a number in an id column may be a
                        # CPR number that lost its leading zero (9 digits), which the CPR mask would not see.
                        rows.append((number, "" if id_at is None else _id_text(row[id_at], id_kind)))
                    if len(values_seen) < 50:
                        values_seen.append(cell)
            if not count[0]:
                chunks[column.name].append(pa.array(values, type=ARROW_TYPE[column.kind]))

    batch: list[tuple[int, list]] = []
    for number, row in grid.rows:
        numbers.append(number)
        batch.append((number, [row[i] for i in positions]))  # the contract's columns only
        if len(batch) == TYPING_BATCH_ROWS:
            typed(batch)
            batch = []
    typed(batch)
    if grid.failure is not None:
        return None, [grid.failure]
    for column in spec.columns:
        rows, count, values_seen = bad[column.name]
        if not count[0]:
            continue
        message = _bad_type_message(column, grid, excel)
        if not spec.person_level:
            # Outside person data the wrong values themselves help most ('12,5,0' for '12,50').
            shown = list(dict.fromkeys(check._shown_value(_cell_text(v)) for v in values_seen))[:5]
            message += f" Fundet: {', '.join(shown)}."
        problems.append(problem(
            spec.name, name, "type", f"{message} {_FIX}", column=column.name, rows=rows, count=count[0],
        ))  # fmt: skip
    if problems:
        return None, problems
    return pa.table({c.name: pa.chunked_array(chunks[c.name], ARROW_TYPE[c.kind]) for c in spec.columns}), []


def _id_text(value, kind: str) -> str:
    """A row's id for a message (check's CPR mask applied), or "" when it is not of its column's kind."""
    if kind == "text" and not isinstance(value, str):
        return ""
    return check._shown_id(_cell_text(value))


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
