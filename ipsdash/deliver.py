"""Deliveries: a municipality's table files in, checked whole, swapped in at once; and rollback.

    python -m ipsdash deliver participants__630.csv placements__630.csv [--data-dir DIR]
    python -m ipsdash rollback [--data-dir DIR]

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
  used, as `ipsdash.check` reads timestamps). An empty field is null.
* Excel `.xlsx` (openpyxl): the sheet named as the table, else the first; row 1 is the header.
  Dates and numbers as Excel stores them; text cells are read as CSV text is. A number in a
  text column is refused (Excel drops leading zeros, and would hide a CPR number's).
* Parquet is typed already and is taken byte for byte.

Only the contract's columns are kept from CSV and Excel (others may hold person data that the
dashboard has no use for). Row numbers in messages are those Excel shows for CSV and Excel
files (the header is row 1), and 1-based data rows for Parquet, as `ipsdash.check` counts.

How a delivery is taken safely
------------------------------
1. The new extract is built whole in a temporary folder inside the data directory's own
   `.staging/` (readable by the owner only; what a delivery stopped part-way left there is
   removed by the next one, under the lock): the tables in use (hard links, no copying) with
   the delivered ones put in their place.
2. `ipsdash.check.check_extract` checks that whole extract. Any problem refuses the delivery:
   the temporary folder is removed and the data directory is left byte for byte as it was.
   The problems are told with the delivered file's name and row numbers.
3. Accepted, the folder is moved to `<data-dir>/.versions/<id>/` and the pointer file
   `<data-dir>/.current` is replaced by one naming it (write a temporary file, fsync,
   `os.replace`). `<data-dir>/.previous` names the version before, which rollback restores.
   A line is appended to `<data-dir>/.deliveries.jsonl`; versions beyond the newest
   `KEEP_VERSIONS` (other than the current and the previous) are removed.

Why versions and a pointer rather than replacing files in place: replacing several files one
by one is not atomic as a whole, so a reader could see a new participants table with the old
placements. Here a reader resolves `.current` once when it opens the extract
(`ipsdash.source.data_dir`) and then reads files that never change; the only step other
readers can observe is one `os.replace` of the pointer, so every reader sees the old
version or the new one, never a mix. The data version (`ipsdash.data.version`) fingerprints
the version folder's paths, so it changes with every delivery and is back to the old value
after a rollback, and every cache keyed on it stays right. The app pins the version once per
script run (`ipsdash.ui.extract`), so one rerun of a page reads one version only.

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

import array
import contextlib
import csv
import datetime as dt
import errno
import fcntl
import getpass
import hashlib
import io
import json
import math
import os
import re
import secrets
import shutil
import tempfile
import warnings
import zoneinfo
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from ipsdash import catalog, check, contract, data, fmt, prepared, privacy, source, texts
from ipsdash.check import MAX_ROWS, Problem
from ipsdash.contract import TABLES, Column, Table

PREVIOUS = ".previous"
# The data directory's own folder (owner only) where a delivery is built before it is checked.
STAGING = ".staging"
LOG = ".deliveries.jsonl"
# Versions kept besides the current and the previous one: a reader still busy with an older
# version (a long query that began before two deliveries) keeps its files.
KEEP_VERSIONS = 3
# A municipality whose IPS has started is late when none of its course dates or postings is
# newer than this many days before the extract's date (catalog.span).
LATE_AFTER_DAYS = 45
# Entries of the delivery log the page reads (newest last in the file).
HISTORY_LIMIT = 200

FORMATS = {".parquet": "parquet", ".csv": "csv", ".xlsx": "xlsx"}
_TABLE_FILE = re.compile(
    r"(?P<table>[a-z]+(?:_[a-z]+)*)(?:__(?P<part>[A-Za-z0-9][A-Za-z0-9_-]*))?(?P<ext>\.[A-Za-z]+)"
)
_PART = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*")
_FIX = "Ret filen eller kildesystemet og lever igen."
DANISH_TIME = zoneinfo.ZoneInfo(check.TIME_ZONE)
ARROW_TYPE = {"int": pa.int64(), "text": pa.string(), "date": pa.date32(), "money": pa.float64(), "double": pa.float64()}


class DeliveryError(Exception):
    """A delivery or rollback that cannot be attempted at all (no data directory, no previous version)."""


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


def _problem(table: str, file: str | None, rule: str, message: str, column: str | None = None, rows=(), count=0):
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
                problems.append(_problem(
                    label, label + "/", "file_name",
                    f"Mappen {label}/ er ikke en tabel i kontrakten. En mappe skal hedde som tabellen: {names}.",
                ))  # fmt: skip
                continue
            inside = sorted(p for p in path.iterdir() if p.is_file() and not p.name.startswith("."))
            if not inside:
                problems.append(_problem(table, label + "/", "file_name", f"Mappen {label}/ er tom."))
            for file in inside:
                fmt = FORMATS.get(file.suffix.lower())
                if fmt is None or not _PART.fullmatch(file.stem):
                    problems.append(_problem(
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
            problems.append(_problem(label, str(path), "file_missing", f"Filen {path} findes ikke."))
            continue
        if match is None or fmt is None or match["table"] not in TABLES:
            problems.append(_problem(
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
            problems.append(_problem(
                table, None, "delivered_twice",
                f"Tabellen {table} er med flere gange i leverancen ({', '.join(i.path.name for i in group)}). "
                "Lever enten hele tabellen i én fil eller dens dele, og hver kun én gang.",
            ))  # fmt: skip
        elif len(set(targets)) < len(targets):
            doubled = sorted({t for t in targets if targets.count(t) > 1})
            problems.append(_problem(
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


def _too_large(item: Item, what: str) -> Problem:
    return _problem(
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
            grid.failure = _too_large(item, f"mere end {fmt.number(MAX_FILE_ROWS)} rækker")
            return
        cells += len(record)
        if len(record) > MAX_COLUMNS or cells > MAX_CELLS:
            grid.failure = _too_large(item, f"række {number} har {fmt.number(len(record))} celler"
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
        grid.failure = _problem(
            item.table, item.path.name, "csv_format",
            f"Rækkerne har ikke lige så mange felter som overskriften ({len(grid.header)}). Er filen afkortet, eller "
            f"indeholder en værdi skilletegnet '{_delimiter_name(delimiter)}' uden anførselstegn om? {_FIX}",
            rows=[(n, "") for n in ragged], count=ragged_count,
        )  # fmt: skip


def _read_csv(item: Item, raw: bytes) -> tuple[Grid | None, list[Problem]]:
    name = item.path.name
    text, encoding = _decode(raw)
    if text is None:
        message = _ENCODING_TEXT[encoding] + " Gem filen som CSV (UTF-8) eller CSV (semikolonsepareret) og lever igen."
        return None, [_problem(item.table, name, "encoding", message)]
    first = text.lstrip("\ufeff").split("\n", 1)[0]
    empty = not text.strip()
    del text  # read again row by row below: the whole file as cells would not fit in memory
    counts = {d: first.count(d) for d in (";", "\t", ",")}
    delimiter = max(counts, key=lambda d: counts[d])
    if empty or counts[delimiter] == 0:
        return None, [_problem(
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
        return None, [_too_large(item, f"{len(header)} kolonner")]
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
    return _problem(
        item.table, item.path.name, "csv_format",
        f"Filen kan ikke læses som CSV omkring række {reader.line_num}: anførselstegn, der ikke er lukket, "
        f"eller tegn efter et afsluttende anførselstegn ({type(exc).__name__}). {_FIX}",
    )  # fmt: skip


def _delimiter_name(delimiter: str) -> str:
    return {";": ";", ",": ",", "\t": "tabulator"}[delimiter]


_UNREADABLE_XLSX = (
    "Filen kan ikke læses som Excel-projektmappe (.xlsx): den er beskadiget, afkortet eller i et andet "
    "format (fx .xls eller CSV med endelsen .xlsx). Gem den igen som Excel-projektmappe og lever igen."
)


def _read_xlsx(item: Item, raw: bytes) -> tuple[Grid | None, list[Problem]]:
    """The sheet read row by row (openpyxl's read-only mode), never as a whole."""
    import openpyxl

    name = item.path.name
    unreadable = _problem(item.table, name, "unreadable_file", _UNREADABLE_XLSX)
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
        return None, [_problem(
            item.table, name, "csv_format",
            "Arkets første række skal være kolonnernes navne (participant_id, municipality_code, ...).",
        )]  # fmt: skip
    header = ["" if c is None else str(c).strip() for c in first]
    while header and header[-1] == "":
        header.pop()
    if len(header) > MAX_COLUMNS:
        book.close()
        return None, [_too_large(item, f"mere end {MAX_COLUMNS} kolonner")]
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


def _typed(item: Item, grid: Grid) -> tuple[pa.Table | None, list[Problem]]:
    """The grid as an Arrow table with the contract's columns and types, or the problems why not."""
    spec: Table = TABLES[item.table]
    name = item.path.name
    problems: list[Problem] = []
    seen: set[str] = set()
    for header in grid.header:
        if header in seen and header in spec.columns_by_name:
            problems.append(_problem(
                spec.name, name, "duplicate_column", f"Kolonnen {header} er med to gange i overskriften. {_FIX}",
                column=header,
            ))  # fmt: skip
        seen.add(header)
    index = {h: i for i, h in reversed(list(enumerate(grid.header)))}
    for column in spec.columns:
        if column.name not in index:
            near = [h for h in grid.header if h.lower() == column.name.lower()]
            hint = f" Filen har kolonnen '{near[0]}'; navnet skal staves præcis '{column.name}'." if near else ""
            problems.append(_problem(
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
        problems.append(_problem(
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
                how += f", {f['encoding']}, skilletegn '{_delimiter_name(f['delimiter'])}'"
            out.append(f"{f['file']} → {f['target']}: {fmt.number(f['rows'])} rækker ({how})")
        for name, columns in self.ignored_columns.items():
            out.append(f"{name}: kolonner uden for kontrakten er ikke taget med: {', '.join(columns)}")
        out += [p.text() for p in self.problems]
        return out


def _fsync_file(path: Path) -> None:
    with open(path, "rb") as handle:
        os.fsync(handle.fileno())


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


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
            problems.append(_problem(
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
        if item.fmt != "parquet" and size > MAX_FILE_BYTES:
            problems.append(_too_large(item, f"{fmt.number(size // 1024 // 1024)} MB"))
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
            grid, found = (_read_csv if item.fmt == "csv" else _read_xlsx)(item, raw)
            table = None
            if grid is not None:
                table, found = _typed(item, grid)
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


# ---------------------------------------------------------------------------------------------
# The managed data directory


@contextlib.contextmanager
def _locked(root: Path) -> Iterator[None]:
    """An exclusive lock on the data directory (flock on the folder itself: no lock file to leave behind)."""
    fd = os.open(root, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # releases the lock


def _read_pointer(root: Path, name: str) -> str | None:
    try:
        text = (root / name).read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    return text or None


def _write_pointer(root: Path, name: str, version: str) -> None:
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


def _new_version_id(now: dt.datetime) -> str:
    """UTC time to the microsecond, then a random tag: names sort oldest first (`_prune` relies on it)."""
    return now.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%S%fZ") + "-" + secrets.token_hex(3)


def stray_tables(root: str | os.PathLike | None = None) -> list[str]:
    """Tables lying in the top folder of a managed data directory: written by hand, and ignored."""
    root = Path(source.data_root(root))
    if source.is_remote(str(root)) or _read_pointer(root, source.CURRENT) is None:
        return []
    return [t for t in TABLES if any(source.table_layouts(str(root), t))]


def _append_log(root: Path, entry: dict) -> None:
    with open(root / LOG, "a", encoding="utf-8") as log:
        log.write(json.dumps(entry, ensure_ascii=False, sort_keys=True) + "\n")
        log.flush()
        os.fsync(log.fileno())


def _prune(root: Path, keep: set[str]) -> None:
    versions = root / source.VERSIONS
    # Version ids begin with their UTC time, so their names sort oldest first.
    folders = sorted((p for p in versions.iterdir() if p.is_dir() and not p.name.startswith(".")), reverse=True)
    for folder in folders[KEEP_VERSIONS:]:
        if folder.name not in keep:
            shutil.rmtree(folder, ignore_errors=True)


def _user(user: str | None) -> str:
    if user:
        return user
    if os.environ.get("IPS_USER"):
        return os.environ["IPS_USER"]
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no name for this uid (a bare container)
        return "ukendt"


def _now() -> dt.datetime:
    return dt.datetime.now().astimezone()


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
        with _locked(root):
            _take(root, items, outcome, user=user, dry_run=dry_run)
    finally:
        if created and not outcome.applied:
            with contextlib.suppress(OSError):
                root.rmdir()
    return outcome


def _take(root: Path, items: list[Item], outcome: Outcome, *, user: str | None, dry_run: bool) -> None:
    current_id = _read_pointer(root, source.CURRENT)
    current = source.resolve(str(root))
    flat = current_id is None and bool(_current_files(str(root)))
    _remove_stale_staging(root)
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
        now = _now()
        version = _new_version_id(now)
        versions = root / source.VERSIONS
        versions.mkdir(exist_ok=True)
        _move_in(staging, versions / version)
        previous = current_id
        if flat:
            # The plain data directory becomes managed: its tables become the version before this one.
            previous = _new_version_id(now - dt.timedelta(seconds=1))
            incoming = Path(tempfile.mkdtemp(dir=versions, prefix=".incoming-"))
            for files in _current_files(str(root)).values():
                for inside, path in files.items():
                    _link_or_copy(path, incoming / inside)
            os.rename(incoming, versions / previous)
        _fsync_dir(versions)
        if previous:
            _write_pointer(root, PREVIOUS, previous)
        _write_pointer(root, source.CURRENT, version)
        _fsync_dir(root)
        outcome.applied = True
        outcome.version, outcome.previous = version, previous
        if flat:
            _remove_flat_tables(root)
        _append_log(root, {
            "time": now.isoformat(timespec="seconds"),
            "action": "deliver",
            "version": version,
            "previous": previous,
            "user": _user(user),
            "files": outcome.files,
            "rows": outcome.rows,
            "check": {"passed": True, "problems": 0},
        })  # fmt: skip
        _prune(root, {version, previous} - {None})
    finally:
        shutil.rmtree(staging, ignore_errors=True)
        with contextlib.suppress(OSError):
            staging_root.rmdir()  # when no other leftover is in it


def _remove_stale_staging(root: Path) -> None:
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


def _move_in(staging: Path, target: Path) -> None:
    """Move the staged extract to its version folder; across file systems by copying it in first."""
    try:
        os.rename(staging, target)
    except OSError as exc:
        if exc.errno != errno.EXDEV:  # the data directory is a mount point of its own
            raise
        incoming = target.parent / f".incoming-{target.name}"
        shutil.copytree(staging, incoming)
        os.rename(incoming, target)


def _remove_flat_tables(root: Path) -> None:
    for table in TABLES:
        with contextlib.suppress(FileNotFoundError):
            (root / f"{table}.parquet").unlink()
        folder = root / table
        if folder.is_dir():
            shutil.rmtree(folder, ignore_errors=True)


def rollback(data_dir: str | os.PathLike | None = None, *, user: str | None = None) -> Outcome:
    """Put the previous version back in use (and keep the one it replaces as the previous)."""
    root = Path(source.data_root(data_dir))
    if not root.is_dir():
        raise DeliveryError(f"Datamappen {root} findes ikke.")
    with _locked(root):
        current_id = _read_pointer(root, source.CURRENT)
        previous_id = _read_pointer(root, PREVIOUS)
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
        _write_pointer(root, PREVIOUS, current_id)
        _write_pointer(root, source.CURRENT, previous_id)
        _fsync_dir(root)
        outcome.applied = True
        outcome.version, outcome.previous = previous_id, current_id
        _append_log(root, {
            "time": _now().isoformat(timespec="seconds"),
            "action": "rollback",
            "version": previous_id,
            "previous": current_id,
            "user": _user(user),
            "files": [],
            "rows": outcome.rows,
            "check": {"passed": True, "problems": 0},
        })  # fmt: skip
    return outcome


# ---------------------------------------------------------------------------------------------
# What the Leverancer page reads


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
    current = _read_pointer(path, source.CURRENT)
    return State(root, current is not None, current, _read_pointer(path, PREVIOUS), tuple(stray_tables(root)))


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


HISTORY_COLUMNS = [
    "delivery_time", "delivery_action", "delivery_file", "delivery_table", "delivery_rows", "delivery_check",
    "delivery_user", "delivery_version", "delivery_sha256",
]  # fmt: skip


def history(data_dir: str | os.PathLike | None = None, min_count: int | None = None) -> pd.DataFrame:
    """The delivery log as a table: one row per delivered file (and per rollback), newest first.

    Rows of a person-level table (participants, placements) are person counts and pass the
    small-number rule; the log holds no other person data.
    """
    threshold = privacy.default_threshold() if min_count is None else min_count
    rows = []
    for entry in log_entries(data_dir):
        try:
            when = pd.Timestamp(entry.get("time"))
        except (TypeError, ValueError):
            when = pd.NaT
        base = {
            "delivery_time": when,
            "delivery_action": "Tilbagerulning" if entry.get("action") == "rollback" else "Leverance",
            "delivery_check": "Bestået" if (entry.get("check") or {}).get("passed") else "Afvist",
            "delivery_user": str(entry.get("user", "")),
            "delivery_version": str(entry.get("version", "")),
        }
        for f in entry.get("files") or [{}]:
            rows.append({
                **base,
                "delivery_file": str(f.get("file", "")),
                "delivery_table": str(f.get("table", "")),
                "delivery_rows": f.get("rows"),
                "delivery_sha256": str(f.get("sha256", "")),
            })  # fmt: skip
    df = pd.DataFrame(rows, columns=HISTORY_COLUMNS)
    people = df["delivery_table"].map(lambda t: t in TABLES and TABLES[t].person_level).astype(bool)
    df["delivery_rows"] = df["delivery_rows"].astype(object)
    if people.any():
        hidden = privacy.protect(df.loc[people, ["delivery_rows"]], privacy.Rule(counts=("delivery_rows",)), threshold)
        df.loc[people, "delivery_rows"] = hidden["delivery_rows"].to_numpy()
    return df


def history_view(log: pd.DataFrame) -> pd.DataFrame:
    """The delivery log as the page shows it: Danish dates and numbers under Danish headers."""
    out = pd.DataFrame(
        {
            "Tidspunkt": [_when(t) for t in log["delivery_time"]],
            "Handling": log["delivery_action"],
            "Fil": log["delivery_file"],
            "Tabel": log["delivery_table"],
            "Rækker": [fmt.number(v) if v is not None and v != "" else "" for v in log["delivery_rows"]],
            "Kontrol": log["delivery_check"],
            "Leveret af": log["delivery_user"],
            "Version": log["delivery_version"],
        }
    )
    return out.reset_index(drop=True)


def _local(stamp) -> pd.Timestamp:
    stamp = pd.Timestamp(stamp)
    return stamp.tz_convert(DANISH_TIME) if stamp.tzinfo is not None else stamp


def _when(stamp) -> str:
    if stamp is None or pd.isna(stamp):
        return fmt.MISSING
    stamp = _local(stamp)
    return f"{fmt.date_short(stamp.date())} kl. {stamp:%H.%M}"


def freshness(extract: data.Extract, municipalities: tuple[int, ...] = (), min_count: int | None = None):
    """Each municipality's newest data and whether it is late, against the extract's date.

    One row per municipality (those in `municipalities`, or all): its newest course date and
    posting, the newer of the two (`newest_data`), the days from that to the extract's date
    (`days_behind`), its IPS start, its courses (small-number rule), and `delivery_status`:
    "Ikke startet" (no IPS start, or one after the extract's date), "Forsinket" (IPS started on
    or before the cut-off, `LATE_AFTER_DAYS` days before the extract's date, and no course date
    or posting on or after the cut-off) or "Aktuel". Late ones first, then by name.
    """
    dates = catalog.extract_dates(extract, min_count)
    _, as_of = catalog.span(extract)
    day = pd.Timestamp(as_of)
    cutoff = day - pd.Timedelta(days=LATE_AFTER_DAYS)
    out = dates.copy()
    if municipalities:
        out = out[out["municipality_code"].isin(municipalities)]
    for col in ("ips_start", "newest_course_date", "newest_posting"):
        out[col] = pd.to_datetime(out[col])
    out["newest_data"] = out[["newest_course_date", "newest_posting"]].max(axis=1)
    started = out["ips_start"].notna() & (out["ips_start"] <= day)
    late = started & (out["ips_start"] <= cutoff) & (out["newest_data"].isna() | (out["newest_data"] < cutoff))
    out["delivery_status"] = "Aktuel"
    out.loc[late, "delivery_status"] = "Forsinket"
    out.loc[~started, "delivery_status"] = "Ikke startet"
    out["days_behind"] = (day - out["newest_data"]).dt.days.astype("Int64")
    out["courses_in_extract"] = out["courses"]
    order = out["delivery_status"].map({"Forsinket": 0, "Aktuel": 1, "Ikke startet": 2})
    out = out.assign(_order=order).sort_values(["_order", "municipality"]).drop(columns="_order")
    columns = ["municipality_code", "municipality", "delivery_status", "newest_data", "days_behind",
               "newest_course_date", "newest_posting", "ips_start", "courses_in_extract"]  # fmt: skip
    return out[columns].reset_index(drop=True)


def freshness_view(fresh: pd.DataFrame) -> pd.DataFrame:
    """`freshness` as the page shows it: Danish dates and numbers under Danish headers."""

    def dates(col: str) -> list[str]:
        return [fmt.MISSING if pd.isna(v) else fmt.date_short(pd.Timestamp(v).date()) for v in fresh[col]]

    return pd.DataFrame(
        {
            "Kommune": fresh["municipality"],
            texts.label("delivery_status"): fresh["delivery_status"],
            texts.label("newest_data"): dates("newest_data"),
            texts.label("days_behind"): [fmt.MISSING if pd.isna(v) else fmt.number(v) for v in fresh["days_behind"]],
            texts.label("newest_course_date"): dates("newest_course_date"),
            texts.label("newest_posting"): dates("newest_posting"),
            texts.label("ips_start"): dates("ips_start"),
            texts.label("courses_in_extract"): [fmt.number(v) for v in fresh["courses_in_extract"]],
        }
    ).reset_index(drop=True)


def late_municipalities(fresh: pd.DataFrame) -> list[str]:
    return list(fresh.loc[fresh["delivery_status"] == "Forsinket", "municipality"])


def late_notice(fresh: pd.DataFrame, as_of: dt.date) -> str | None:
    """The late municipalities in one sentence, or None when none is late."""
    late = late_municipalities(fresh)
    if not late:
        return None
    cutoff = as_of - dt.timedelta(days=LATE_AFTER_DAYS)
    return texts.LATE_NOTICE.format(names=", ".join(late), cutoff=fmt.date_long(cutoff))


def last_delivery_day(log: pd.DataFrame) -> str:
    """The day of the newest delivery or rollback, as a card shows it; "Ingen" without a log."""
    if log.empty or pd.isna(log["delivery_time"].iloc[0]):
        return "Ingen"
    return fmt.date_short(_local(log["delivery_time"].iloc[0]).date())


def status_line(where: State, log: pd.DataFrame, as_of: dt.date) -> str:
    """One line under the cards: the extract's date, the version in use, and who delivered last."""
    parts = [f"{texts.label('extract_date')}: {fmt.date_long(as_of)}"]
    if where.current:
        parts.append(f"version i brug: {where.current}")
        parts.append("den forrige er gemt og kan rulles tilbage" if where.previous else "ingen forrige version")
    if not log.empty:
        first = log.iloc[0]
        parts.append(f"seneste {first['delivery_action'].lower()} {_when(first['delivery_time'])} "
                     f"af {first['delivery_user']}")  # fmt: skip
    return " · ".join(parts)


def check_text(problems: pd.DataFrame) -> str:
    return "Bestået" if problems.empty else f"{fmt.number(len(problems))} fejl"


def check_current(extract: data.Extract) -> pd.DataFrame:
    """The contract check of the extract in use: one row per problem (none when it holds).

    File names are shown relative to the extract, as a data coordinator knows them. A prepared
    extract keeps the result beside its prepared copies (`prepared.kept_beside`): checking a
    million courses takes a second, and the files of a version never change.
    """
    prefix = extract.location.rstrip("/") + "/"

    def run() -> list[dict]:
        return [
            {"table": p.table, "rule": p.rule, "count": p.count, "text": p.text().replace(prefix, "")}
            for p in check.check_extract(extract.location)
        ]

    # The rules are part of the name: a new version of the checks checks again.
    rules = hashlib.sha256(b"".join(Path(m.__file__).read_bytes() for m in (check, contract))).hexdigest()[:12]
    rows = prepared.kept_beside(extract.location, extract.version, f"check-{rules}", run)
    return pd.DataFrame(rows, columns=["table", "rule", "count", "text"])
