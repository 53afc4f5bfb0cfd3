"""Deliveries (ipsdash.delivery.deliver): conversion of Danish CSV and Excel, the whole-extract check, the
atomic swap, rollback, the log, a corpus of broken deliveries, random corruptions, and readers
that query while deliveries land.

Fixtures are written by code: `valid()` is a small extract that holds the contract, with its
dates in the first half of 2024.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import os
import shutil
import threading
import time
from pathlib import Path

import openpyxl
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ipsdash import cli, texts
from ipsdash.delivery import check, deliver, read, status, versions
from ipsdash.extract import data, source
from ipsdash.extract.contract import TABLES
from ipsdash.figures import kpis
from tests.builders import base_tables, course, d, placement, table_arrow, write_extract


def valid() -> dict[str, list[dict]]:
    """Two municipalities, one grant, 12 + 6 courses, a few placements, spending and staffing."""
    tables = base_tables()
    tables["municipalities"].append(
        {"municipality_code": 461, "name": "Odense", "region": "Syddanmark", "ips_start": d("2019-01-01")}
    )
    tables["grant_budgets"].append({"grant_id": "G1", "municipality_code": 461, "budget_dkk": 150_000.0})
    tables["participants"] = [
        course(f"V{i:02d}", f"2024-0{1 + i % 5}-{10 + i:02d}", f"2024-0{2 + i % 5}-01" if i % 3 else None)
        for i in range(12)
    ] + [
        course(f"O{i:02d}", f"2024-0{1 + i}-05", f"2024-0{2 + i}-01", "2024-06-01" if i == 0 else None,
               municipality_code=461)
        for i in range(6)
    ]  # fmt: skip
    tables["placements"] = [placement("V01", "2024-04-01"), placement("O01", "2024-05-01", kind="uddannelse")]
    tables["expenditures"] = [
        {"grant_id": "G1", "municipality_code": 630, "posting_date": d("2024-01-31"), "category": "løn",
         "amount_dkk": 41_234.5},
        {"grant_id": "G1", "municipality_code": 461, "posting_date": d("2024-06-30"), "category": "supervision",
         "amount_dkk": -500.0},
        {"grant_id": "G1", "municipality_code": None, "posting_date": d("2024-03-15"), "category": "uddannelse",
         "amount_dkk": 1_500.25},
    ]  # fmt: skip
    tables["staffing"] = [
        {"municipality_code": 630, "month": d("2024-01-01"), "consultants_fte": 2.5, "consultants_trained": 2,
         "consultants_in_training": 1},
    ]  # fmt: skip
    return tables


def grown() -> dict[str, list[dict]]:
    """`valid()` with three more referrals in Vejle and one more placement: a later delivery."""
    tables = valid()
    tables["participants"] += [course(f"N{i}", "2024-05-20", "2024-06-01") for i in range(3)]
    tables["placements"].append(placement("N0", "2024-06-15"))
    return tables


# --- Writing delivery files as Danish offices do ----------------------------------------------


def dk(value, kind: str, decimal_comma: bool = True) -> str:
    """A value as Danish Excel writes it into a CSV: 31-03-2024, 1.234,5, empty for null."""
    if value is None:
        return ""
    if kind == "date":
        return value.strftime("%d-%m-%Y")
    if kind in ("money", "double"):
        if not decimal_comma:
            return repr(float(value))
        whole, _, fraction = f"{value:,.2f}".partition(".")
        return whole.replace(",", ".") + "," + fraction
    return str(value)


def csv_bytes(table: str, rows: list[dict], *, sep: str = ";", encoding: str = "utf-8", columns=None,
              decimal_comma: bool = True, override: dict | None = None) -> bytes:  # fmt: skip
    """A CSV of `rows`; `override` maps (row index, column) to the exact text of that cell."""
    spec = TABLES[table]
    columns = columns or [c.name for c in spec.columns]
    kinds = {c.name: c.kind for c in spec.columns}
    lines = [sep.join(columns)]
    for i, row in enumerate(rows):
        cells = []
        for col in columns:
            if override and (i, col) in override:
                cells.append(override[(i, col)])
            else:
                cells.append(dk(row.get(col), kinds.get(col, "text"), decimal_comma))
        lines.append(sep.join(cells))
    return ("\r\n".join(lines) + "\r\n").encode(encoding)


def write_csv(path: Path, table: str, rows: list[dict], **kwargs) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(csv_bytes(table, rows, **kwargs))
    return path


def xlsx_bytes(table: str, rows: list[dict], *, override: dict | None = None, sheet: str | None = None) -> bytes:
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = sheet or table
    columns = [c.name for c in TABLES[table].columns]
    ws.append(columns)
    for i, row in enumerate(rows):
        ws.append([override[(i, c)] if override and (i, c) in override else row.get(c) for c in columns])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def write_parquet(path: Path, table: str, rows: list[dict]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(table_arrow(table, rows), path)
    return path


def tree(root: Path) -> dict[str, str]:
    """Every file and folder under `root` (hidden ones too) with the sha256 of each file."""
    if not root.exists():
        return {}
    out = {}
    for path in sorted(root.rglob("*")):
        rel = str(path.relative_to(root))
        out[rel] = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else "<dir>"
    return out


def rules(outcome: deliver.Outcome) -> set[str]:
    return {p.rule for p in outcome.problems}


def figures(location) -> tuple:
    """(courses, placements, referrals in the first half of 2024) of the extract at `location`."""
    ex = data.open_extract(str(location))
    return _figures(ex)


def _figures(ex: data.Extract) -> tuple:
    cur = ex.cursor()
    try:
        courses = cur.execute("select count(*) from participants").fetchone()[0]
        placements = cur.execute("select count(*) from placements").fetchone()[0]
    finally:
        cur.close()
    referrals = kpis.kpi_table(ex, dt.date(2024, 1, 1), dt.date(2024, 6, 30), min_count=0).iloc[0]["referrals"]
    return courses, placements, int(referrals)


@pytest.fixture(scope="module")
def delivered(tmp_path_factory) -> Path:
    """`valid()` written and delivered once per module; each test gets its own copy (`src`, `root`)."""
    base = tmp_path_factory.mktemp("delivered")
    files = write_extract(base / "src", valid())
    outcome = deliver.deliver(sorted(files.glob("*.parquet")), base / "data", user="test")
    assert outcome.applied, [p.text() for p in outcome.problems]
    return base


@pytest.fixture
def src(tmp_path, delivered) -> Path:
    """The valid extract as Parquet files, ready to be delivered."""
    return shutil.copytree(delivered / "src", tmp_path / "src")


@pytest.fixture
def root(tmp_path, src, delivered) -> Path:
    """A managed data directory holding `valid()` as its only version."""
    return shutil.copytree(delivered / "data", tmp_path / "data")


# --- Conversion -------------------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252"])
def test_danish_csv_in_each_encoding_reads_as_the_parquet_does(tmp_path, root, encoding):
    tables = valid()
    files = [
        write_csv(tmp_path / "in" / "participants.csv", "participants", tables["participants"], encoding=encoding),
        write_csv(tmp_path / "in" / "expenditures.csv", "expenditures", tables["expenditures"], encoding=encoding),
    ]
    assert "løn".encode(encoding.removesuffix("-sig")) in files[1].read_bytes()
    before = figures(root)
    outcome = deliver.deliver(files, root, user="test")
    assert outcome.applied, outcome.lines()
    # The participants file is plain ASCII, which is valid UTF-8 whatever it was saved as.
    ascii_as = "utf-8-sig" if encoding == "utf-8-sig" else "utf-8"
    assert {f["file"]: f["encoding"] for f in outcome.files} == {"participants.csv": ascii_as,
                                                                 "expenditures.csv": encoding}  # fmt: skip
    assert figures(root) == before
    ex = data.open_extract(str(root))
    spent = ex.cursor().execute("select category, amount_dkk, posting_date from expenditures order by posting_date")
    assert spent.fetchall() == [("løn", 41_234.5, d("2024-01-31")), ("uddannelse", 1_500.25, d("2024-03-15")),
                                ("supervision", -500.0, d("2024-06-30"))]  # fmt: skip


def test_comma_separated_csv_takes_a_decimal_point(tmp_path, root):
    rows = valid()["expenditures"]
    path = write_csv(tmp_path / "expenditures.csv", "expenditures", rows, sep=",", decimal_comma=False)
    assert b"41234.5" in path.read_bytes()
    outcome = deliver.deliver([path], root)
    assert outcome.applied, outcome.lines()
    assert outcome.files[0]["delimiter"] == ","
    ex = data.open_extract(str(root))
    assert ex.cursor().execute("select sum(amount_dkk) from expenditures").fetchone()[0] == pytest.approx(42_234.75)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("31-03-2024", d("2024-03-31")),
        ("31.03.2024", d("2024-03-31")),
        ("1/3/2024", d("2024-03-01")),  # day first, as Danes write it
        ("2024-03-31", d("2024-03-31")),
        ("31-03-2024 00:00", d("2024-03-31")),  # Excel adds a time to a date column
        ("2024-03-31 13:45:00", d("2024-03-31")),
        ("2024-03-31T23:30:00Z", d("2024-04-01")),  # 01:30 summer time in Denmark: the Danish day
        ("2024-12-31T23:30:00+00:00", d("2025-01-01")),  # winter time: +1
        ("2024-06-15T00:30:00+02:00", d("2024-06-15")),
        ("2024-03-31T00:30:00+02:00", d("2024-03-30")),  # 23:30 on the 30th: Denmark was still on +01:00
    ],
)
def test_dates_read_danish_and_iso(text, expected):
    assert read._date(text, True) == expected


@pytest.mark.parametrize("text", ["31-02-2024", "2024-02-30", "24-03-31", "31-03-24", "marts 2024", "45352", "2024/03/31"])
def test_dates_that_are_refused(text):
    with pytest.raises(read._Bad):
        read._date(text, True)


@pytest.mark.parametrize(
    "text, decimal_comma, expected",
    [
        ("1.234,50", True, 1234.5),
        ("1234,5", True, 1234.5),
        ("-500", True, -500.0),
        ("\u2212500,00", True, -500.0),  # a typographic minus
        (",5", True, 0.5),
        ("1 234 567,89", True, 1_234_567.89),
        ("1234.50", False, 1234.5),
        ("-1e3", False, -1000.0),
    ],
)
def test_numbers(text, decimal_comma, expected):
    assert read._number(text, decimal_comma) == pytest.approx(expected)


@pytest.mark.parametrize(
    "text, decimal_comma",
    [("37.5", True), ("1.23,4", True), ("1,234.50", False), ("12,5,0", True), ("NaN", True), ("inf", False),
     ("1.234,5", False), ("", True)],
)  # fmt: skip
def test_numbers_that_are_refused(text, decimal_comma):
    # A dot decimal in a semicolon file is refused rather than guessed: "1.500" would be 1500 there.
    with pytest.raises(read._Bad):
        read._number(text, decimal_comma)


def test_integers():
    assert read._integer("630", True) == 630
    assert read._integer("1.234", True) == 1234
    assert read._integer(630.0, True) == 630
    for bad in ("630,5", "Vejle", 630.5, True, "1.234"):
        with pytest.raises(read._Bad):
            read._integer(bad, bad != "1.234")


def test_xlsx_with_date_cells_and_danish_text_cells(tmp_path, root):
    rows = valid()["participants"]
    # Row 3 has its referral as text the Danish way; the others are date cells.
    content = xlsx_bytes("participants", rows, override={(2, "referral_date"): "03-03-2024"})
    path = tmp_path / "participants.xlsx"
    path.write_bytes(content)
    before = figures(root)
    outcome = deliver.deliver([path], root)
    assert outcome.applied, outcome.lines()
    assert outcome.files[0]["sheet"] == "participants"
    assert figures(root) == before
    ex = data.open_extract(str(root))
    got = ex.cursor().execute("select referral_date from participants where participant_id = 'V02'").fetchone()
    assert got == (d("2024-03-03"),)


def test_xlsx_takes_the_sheet_named_as_the_table_else_the_first(tmp_path, root):
    rows = valid()["expenditures"]
    book = openpyxl.Workbook()
    book.active.title = "Noter"
    book.active.append(["Leveret af Vejle"])
    ws = book.create_sheet("expenditures")
    ws.append([c.name for c in TABLES["expenditures"].columns])
    for row in rows:
        ws.append([row[c.name] for c in TABLES["expenditures"].columns])
    path = tmp_path / "expenditures.xlsx"
    book.save(path)
    assert deliver.deliver([path], root).applied
    other = tmp_path / "x" / "expenditures.xlsx"
    other.parent.mkdir()
    other.write_bytes(xlsx_bytes("expenditures", rows, sheet="Ark1"))
    assert deliver.deliver([other], root).applied


def test_columns_outside_the_contract_are_left_out(tmp_path, root):
    rows = [dict(r, name_of_person="Jens Jensen") for r in valid()["participants"]]
    columns = [c.name for c in TABLES["participants"].columns] + ["name_of_person"]
    path = write_csv(tmp_path / "participants.csv", "participants", rows, columns=columns)
    outcome = deliver.deliver([path], root)
    assert outcome.applied
    assert outcome.ignored_columns == {"participants.csv": ["name_of_person"]}
    staged = source.table_files(source.data_dir(str(root)), "participants")
    assert pq.read_schema(staged[0]).names == [c.name for c in TABLES["participants"].columns]
    assert b"Jens" not in Path(staged[0]).read_bytes()


def test_row_numbers_in_messages_are_those_excel_shows(tmp_path, root):
    rows = valid()["participants"][:5]
    rows[3] = dict(rows[3], target_group="Psykiatri")
    text = csv_bytes("participants", rows).decode()
    lines = text.split("\r\n")
    lines.insert(3, "")  # a blank line after the second course: Excel shows it as row 4
    path = tmp_path / "participants.csv"
    path.write_text("\r\n".join(lines), encoding="utf-8")
    outcome = deliver.deliver([path], root)
    assert not outcome.applied
    (problem,) = [p for p in outcome.problems if p.rule == "allowed_values"]
    # Header row 1, courses in rows 2, 3, blank row 4, courses in rows 5, 6: the fourth course is row 6.
    assert problem.file == "participants.csv" and problem.rows == ((6, "V03"),)
    assert "Psykiatri" not in problem.text()  # person-level: the value is never quoted


# --- Swap, versions, rollback, log ------------------------------------------------------------


def test_delivery_swaps_in_a_new_version_and_rollback_restores_the_old(tmp_path, root):
    old = figures(root)
    old_location = source.data_dir(str(root))
    new = write_extract(tmp_path / "new", grown())
    outcome = deliver.deliver([new / "participants.parquet", new / "placements.parquet"], root, user="ane")
    assert outcome.applied and outcome.previous == Path(old_location).name
    assert figures(root) == (21, 3, 21)
    assert old == (18, 2, 18)
    # The previous version's folder is untouched: readers that opened it keep their answer.
    assert figures(old_location) == old
    back = deliver.rollback(root, user="ane")
    assert back.applied and back.version == Path(old_location).name
    assert source.data_dir(str(root)) == old_location
    assert figures(root) == old
    # The data version is back to the old value too, so every cache keyed on it stays right.
    assert data.version(source.data_dir(str(root))) == data.version(old_location)
    forward = deliver.rollback(root)
    assert forward.applied and figures(root) == (21, 3, 21)


def test_log_says_when_what_how_many_checksum_and_who(tmp_path, root, monkeypatch):
    monkeypatch.setenv("IPS_USER", "koordinator@vejle.dk")
    path = write_csv(tmp_path / "participants.csv", "participants", valid()["participants"], encoding="cp1252")
    outcome = deliver.deliver([path], root)
    assert outcome.applied
    entries = [json.loads(line) for line in (root / versions.LOG).read_text(encoding="utf-8").splitlines()]
    last = entries[-1]
    assert last["action"] == "deliver" and last["user"] == "koordinator@vejle.dk"
    assert dt.datetime.fromisoformat(last["time"]).tzinfo is not None
    assert last["version"] == (root / source.CURRENT).read_text().strip()
    (f,) = last["files"]
    assert f["file"] == "participants.csv" and f["table"] == "participants" and f["rows"] == 18
    assert f["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    assert last["rows"] == {"municipalities": 2, "grants": 1, "grant_budgets": 2, "participants": 18,
                            "placements": 2, "expenditures": 3, "staffing": 1}  # fmt: skip
    assert last["check"] == {"passed": True, "problems": 0}
    # No person data: no course id, date or other value of a row is in the log.
    text = (root / versions.LOG).read_text(encoding="utf-8")
    assert "V01" not in text and "2024-0" not in text.replace(last["time"], "")
    deliver.rollback(root)
    assert json.loads((root / versions.LOG).read_text().splitlines()[-1])["action"] == "rollback"


def test_a_plain_data_directory_becomes_managed_on_its_first_delivery(tmp_path):
    plain = write_extract(tmp_path / "plain", valid())
    old = figures(plain)
    new = write_extract(tmp_path / "new", grown())
    outcome = deliver.deliver([new / "participants.parquet", new / "placements.parquet"], plain)
    assert outcome.applied and outcome.previous
    assert sorted(p.name for p in plain.iterdir()) == [".current", ".deliveries.jsonl", ".previous", ".versions"]
    assert figures(plain) == (21, 3, 21)
    assert deliver.rollback(plain).applied
    assert figures(plain) == old


def test_parts_of_a_folder_table_replace_only_their_part(tmp_path, root):
    rows = valid()["participants"]
    vejle = [r for r in rows if r["municipality_code"] == 630]
    odense = [r for r in rows if r["municipality_code"] == 461]
    folder = tmp_path / "in" / "participants"
    write_csv(folder / "630.csv", "participants", vejle)
    write_parquet(folder / "461.parquet", "participants", odense)
    outcome = deliver.deliver([folder], root)
    assert outcome.applied, outcome.lines()
    current = source.data_dir(str(root))
    assert [Path(f).name for f in source.table_files(current, "participants")] == ["461.parquet", "630.parquet"]
    assert not (Path(current) / "participants.parquet").exists()
    odense_file = Path(current) / "participants" / "461.parquet"
    before = odense_file.read_bytes()
    # Vejle delivers its part again with one more course; Odense's part stays as it was.
    more = vejle + [course("V99", "2024-06-02", municipality_code=630)]
    part = write_csv(tmp_path / "participants__630.csv", "participants", more)
    outcome = deliver.deliver([part], root)
    assert outcome.applied and outcome.files[0]["target"] == "participants/630.parquet"
    current = Path(source.data_dir(str(root)))
    assert (current / "participants" / "461.parquet").read_bytes() == before
    assert figures(root)[0] == 19
    # The whole table as one file replaces the folder: no table is ever both a file and a folder.
    whole = write_csv(tmp_path / "w" / "participants.csv", "participants", rows)
    assert deliver.deliver([whole], root).applied
    singles, parts = source.table_layouts(source.data_dir(str(root)), "participants")
    assert singles and not parts


def test_dry_run_checks_but_changes_nothing(tmp_path, root):
    before = tree(root)
    new = write_extract(tmp_path / "new", grown())
    outcome = deliver.deliver([new / "participants.parquet", new / "placements.parquet"], root, dry_run=True)
    assert outcome.accepted and not outcome.applied
    assert tree(root) == before


def test_old_versions_are_pruned_but_current_and_previous_kept(tmp_path, root):
    new = write_extract(tmp_path / "new", grown())
    for _ in range(versions.KEEP_VERSIONS + 3):
        assert deliver.deliver([new / "participants.parquet", new / "placements.parquet"], root).applied
    kept = sorted(p.name for p in (root / source.VERSIONS).iterdir())
    assert len(kept) == versions.KEEP_VERSIONS
    assert (root / source.CURRENT).read_text().strip() in kept
    assert (root / versions.PREVIOUS).read_text().strip() in kept


def test_rollback_without_a_previous_version_is_refused(tmp_path, root, capsys):
    with pytest.raises(deliver.DeliveryError, match="ingen tidligere version"):
        deliver.rollback(root)  # the first delivery into an empty folder has nothing before it
    plain = write_extract(tmp_path / "plain", valid())
    assert cli.main(["rollback", "--data-dir", str(plain)]) == 1
    assert "ingen tidligere version" in capsys.readouterr().err


def test_the_command_line(tmp_path, root, capsys):
    new = write_extract(tmp_path / "new", grown())
    code = cli.main(["deliver", str(new / "participants.parquet"), str(new / "placements.parquet"),
                     "--data-dir", str(root)])  # fmt: skip
    out = capsys.readouterr().out
    assert code == 0
    assert "participants.parquet → participants.parquet: 21 rækker" in out
    assert "Leverancen er lagt ind" in out and "rollback" in out
    bad = write_csv(tmp_path / "placements.csv", "placements", [placement("NOBODY", "2024-01-01")])
    before = tree(root)
    assert cli.main(["deliver", str(bad), "--data-dir", str(root)]) == 1
    out, err = capsys.readouterr()  # the problems on stderr, as the README says
    assert "placements: fil placements.csv, kolonne participant_id, regel reference, 1 række" in err
    assert "Række 2 (NOBODY)." in err
    assert "Leverancen er afvist" in err and "uændrede" in err and "NOBODY" not in out
    assert tree(root) == before
    assert cli.main(["rollback", "--data-dir", str(root)]) == 0
    assert "er igen i brug" in capsys.readouterr().out
    assert figures(root)[0] == 18


def test_remote_data_directory_is_refused():
    with pytest.raises(deliver.DeliveryError, match="lokal"):
        deliver.deliver(["x.csv"], "s3://bucket/ips")


# --- The corpus of broken deliveries ------------------------------------------------------------
#
# Each case writes one broken delivery into `tmp` (beside a managed data directory holding
# valid()) and names the rule that must refuse it and the file the message must name.


def _p(tmp: Path, name: str, content: bytes) -> list[Path]:
    path = tmp / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    return [path]


def _csv(tmp: Path, name: str, table: str, change=None, **kwargs) -> list[Path]:
    rows = [dict(r) for r in valid()[table]]
    if change:
        rows = change(rows) or rows
    return _p(tmp, name, csv_bytes(table, rows, **kwargs))


def _parquet(tmp: Path, name: str, table: str, change=None) -> list[Path]:
    rows = [dict(r) for r in valid()[table]]
    if change:
        rows = change(rows) or rows
    return [write_parquet(tmp / name, table, rows)]


def _set(index: int, **values):
    def change(rows):
        rows[index].update(values)

    return change


def _valid_parquet_bytes(table: str) -> bytes:
    buffer = io.BytesIO()
    pq.write_table(table_arrow(table, valid()[table]), buffer)
    return buffer.getvalue()


def _string_codes(tmp: Path) -> list[Path]:
    rows = [r for r in valid()["participants"] if r["municipality_code"] == 461]
    arrow = table_arrow("participants", rows)
    arrow = arrow.set_column(1, "municipality_code", pa.array([str(r["municipality_code"]) for r in rows]))
    path = tmp / "participants__461.parquet"
    pq.write_table(arrow, path)
    return [path]


def _mixed_encodings(tmp: Path) -> list[Path]:
    good = csv_bytes("expenditures", valid()["expenditures"])
    return _p(tmp, "expenditures.csv", good + "G1;630;01-05-2024;løn;10,00\r\n".encode("cp1252"))


CORPUS = {
    # Every rule of the contract (ipsdash.delivery.check), reached through a delivery.
    "missing_column": (lambda t: _csv(t, "participants.csv", "participants",
                                      columns=[c.name for c in TABLES["participants"].columns if c.name != "sex"]),
                       "missing_column", "participants.csv"),
    "type_in_csv": (lambda t: _csv(t, "participants.csv", "participants", override={(2, "municipality_code"): "Vejle"}),
                    "type", "participants.csv"),
    "type_in_one_file_of_a_folder": (_string_codes, "type", "participants__461.parquet"),
    "not_null": (lambda t: _csv(t, "participants.csv", "participants", override={(4, "referral_date"): ""}),
                 "not_null", "participants.csv"),
    "finite": (lambda t: _parquet(t, "placements.parquet", "placements", _set(0, hours_per_week=float("nan"))),
               "finite", "placements.parquet"),
    "allowed_values": (lambda t: _csv(t, "participants.csv", "participants", _set(1, target_group="Psykiatri")),
                       "allowed_values", "participants.csv"),
    "duplicate_rows": (lambda t: _csv(t, "participants.csv", "participants", lambda rows: rows + rows[:2]),
                       "unique", "participants.csv"),
    "reference": (lambda t: _csv(t, "placements.csv", "placements", _set(1, participant_id="X99")),
                  "reference", "placements.csv"),
    "date_order": (lambda t: _csv(t, "participants.csv", "participants",
                                  _set(1, enrollment_date=d("2024-02-01"), exit_date=d("2024-01-01"),
                                       exit_reason="frafald")),
                   "date_order", "participants.csv"),
    "exit_reason_iff_exit_date": (lambda t: _csv(t, "participants.csv", "participants", _set(0, exit_reason="frafald")),
                                  "exit_reason_iff_exit_date", "participants.csv"),
    "range": (lambda t: _csv(t, "placements.csv", "placements", _set(0, hours_per_week=80.0)),
              "range", "placements.csv"),
    "first_of_month": (lambda t: _p(t, "staffing.xlsx", xlsx_bytes(
        "staffing", [dict(valid()["staffing"][0], month=dt.datetime(2024, 1, 15))])),
        "first_of_month", "staffing.xlsx"),
    "budget_sum": (lambda t: _csv(t, "grant_budgets.csv", "grant_budgets", _set(1, budget_dkk=900_000.0)),
                   "budget_sum", "grant_budgets.csv"),
    "cpr_like_id": (lambda t: _csv(t, "participants.csv", "participants", _set(3, participant_id="010190-1234")),
                    "cpr_like_id", "participants.csv"),
    # Files that are not what they say.
    "corrupt_parquet": (lambda t: _p(t, "placements.parquet", os.urandom(3000)), "unreadable_file",
                        "placements.parquet"),
    "truncated_parquet": (lambda t: _p(t, "participants.parquet", _valid_parquet_bytes("participants")[:900]),
                          "unreadable_file", "participants.parquet"),
    "csv_named_parquet": (lambda t: _p(t, "participants.parquet", csv_bytes("participants", valid()["participants"])),
                          "unreadable_file", "participants.parquet"),
    "truncated_csv": (lambda t: _p(t, "participants.csv", csv_bytes("participants", valid()["participants"])[:-30]),
                      "csv_format", "participants.csv"),
    "unclosed_quote": (lambda t: _p(t, "placements.csv", csv_bytes("placements", valid()["placements"]) + b'"V01;job'),
                       "csv_format", "placements.csv"),
    "empty_csv": (lambda t: _p(t, "placements.csv", b""), "csv_format", "placements.csv"),
    "corrupt_xlsx": (lambda t: _p(t, "participants.xlsx", os.urandom(5000)), "unreadable_file", "participants.xlsx"),
    "truncated_xlsx": (lambda t: _p(t, "participants.xlsx", xlsx_bytes("participants", valid()["participants"])[:2000]),
                       "unreadable_file", "participants.xlsx"),
    # Wrong encodings.
    "utf8_cut_inside_a_letter": (lambda t: _p(t, "expenditures.csv",
                                              csv_bytes("expenditures", valid()["expenditures"]).split("ø".encode())[0]
                                              + "ø".encode()[:1]),
                                 "encoding", "expenditures.csv"),
    "utf16_without_bom": (lambda t: _p(t, "expenditures.csv",
                                       csv_bytes("expenditures", valid()["expenditures"], encoding="utf-16-le")),
                          "encoding", "expenditures.csv"),
    "utf8_and_cp1252_mixed": (_mixed_encodings, "encoding", "expenditures.csv"),
    "not_windows_1252_either": (lambda t: _p(t, "municipalities.csv", b"municipality_code;name;region;ips_start\r\n"
                                             b"630;Vejle\x81;Syddanmark;\r\n"),
                                "encoding", "municipalities.csv"),
    # Values that do not read as their type.
    "dot_decimal_in_semicolon_csv": (lambda t: _csv(t, "expenditures.csv", "expenditures",
                                                    override={(0, "amount_dkk"): "41234.50"}),
                                     "type", "expenditures.csv"),
    "date_that_does_not_exist": (lambda t: _csv(t, "participants.csv", "participants",
                                                override={(5, "referral_date"): "31-02-2024"}),
                                 "type", "participants.csv"),
    "number_as_id_in_excel": (lambda t: _p(t, "participants.xlsx", xlsx_bytes(
        "participants", valid()["participants"], override={(0, "participant_id"): 101901234})),
        "type", "participants.xlsx"),
    "excel_error_value": (lambda t: _p(t, "grants.xlsx", xlsx_bytes("grants", valid()["grants"],
                                                                    override={(0, "title"): "#I/T"})),
                          "type", "grants.xlsx"),
    # Deliveries that are wrong as a whole.
    "unknown_table": (lambda t: _csv(t, "deltagere.csv", "participants"), "file_name", "deltagere.csv"),
    "table_twice": (lambda t: _csv(t, "participants.csv", "participants")
                    + _p(t, "participants.xlsx", xlsx_bytes("participants", valid()["participants"])),
                    "delivered_twice", None),
    "part_of_a_single_file_table": (lambda t: _csv(t, "placements__630.csv", "placements"),
                                    "part_of_single_file", "placements__630.csv"),
}  # fmt: skip


@pytest.fixture
def folder_root(tmp_path, root) -> Path:
    """`root` with participants delivered as a folder of two parts (630 and 461)."""
    rows = valid()["participants"]
    folder = tmp_path / "parts" / "participants"
    write_parquet(folder / "630.parquet", "participants", [r for r in rows if r["municipality_code"] == 630])
    write_parquet(folder / "461.parquet", "participants", [r for r in rows if r["municipality_code"] == 461])
    assert deliver.deliver([folder], root).applied
    return root


@pytest.mark.parametrize("case", list(CORPUS))
def test_broken_delivery_is_refused_clearly_and_nothing_changes(tmp_path, folder_root, case):
    make, rule, file = CORPUS[case]
    incoming = tmp_path / "incoming" / case
    incoming.mkdir(parents=True)
    paths = make(incoming)
    before, siblings = tree(folder_root), sorted(os.listdir(folder_root.parent))
    version = data.version(source.data_dir(str(folder_root)))
    outcome = deliver.deliver(paths, folder_root, user="test")
    assert not outcome.accepted and not outcome.applied
    assert rule in rules(outcome), [p.text() for p in outcome.problems]
    messages = [p.text() for p in outcome.problems]
    if file is not None:
        assert any(p.file == file for p in outcome.problems if p.rule == rule), messages
    # Byte for byte as it was, no staging folder left beside it, and the same data version.
    assert tree(folder_root) == before
    assert sorted(os.listdir(folder_root.parent)) == siblings
    assert data.version(source.data_dir(str(folder_root))) == version
    for text in messages:
        assert "010190" not in text and "101901234" not in text  # never a CPR-like id, even in part


def test_a_delivery_into_an_empty_folder_must_hold_every_required_table(tmp_path):
    target = tmp_path / "new"
    path = write_csv(tmp_path / "municipalities.csv", "municipalities", valid()["municipalities"])
    outcome = deliver.deliver([path], target)
    assert not outcome.accepted
    assert {(p.table, p.rule) for p in outcome.problems} >= {("participants", "missing_table"),
                                                             ("grants", "missing_table")}  # fmt: skip
    assert not target.exists()


def test_messages_about_person_data_quote_row_numbers_and_ids_only(tmp_path, root):
    rows = valid()["participants"]
    override = {
        (0, "referral_date"): "32-01-2024",
        (1, "referral_date"): "99.99.1999",
        (1, "participant_id"): "0101901234",
        (2, "municipality_code"): "Assens kommune",
    }
    path = _p(tmp_path, "participants.csv", csv_bytes("participants", rows, override=override))
    outcome = deliver.deliver(path, root)
    text = "\n".join(p.text() for p in outcome.problems)
    for secret in ("32-01-2024", "99.99.1999", "0101901234", "Assens kommune"):
        assert secret not in text
    assert "Række 2 (V00), række 3 (CPR-lignende id skjult)." in text
    assert "Række 4 (V02)." in text


# --- Random corruptions never crash check or deliver ----------------------------------------


@st.composite
def corrupted(draw, good: bytes) -> bytes:
    """`good` with a few random edits: bytes overwritten, cut out, inserted, or the tail cut off."""
    data_ = bytearray(good)
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["overwrite", "delete", "insert", "truncate"]))
        at = draw(st.integers(0, max(0, len(data_) - 1)))
        if kind == "overwrite":
            chunk = draw(st.binary(min_size=1, max_size=8))
            data_[at : at + len(chunk)] = chunk
        elif kind == "delete":
            del data_[at : at + draw(st.integers(1, 40))]
        elif kind == "insert":
            data_[at:at] = draw(st.sampled_from([b";", b'"', b"\r\n", b"\x00", b"\xc3", "æøå".encode("cp1252"),
                                                 b",", b"NaN", b"-", b"31-02-2024"]))  # fmt: skip
        else:
            del data_[at:]
    return bytes(data_)


_GOOD = {
    "participants.csv": csv_bytes("participants", valid()["participants"], encoding="cp1252"),
    "expenditures.csv": csv_bytes("expenditures", valid()["expenditures"]),
    "placements.parquet": _valid_parquet_bytes("placements"),
    "grants.xlsx": xlsx_bytes("grants", valid()["grants"]),
}


@pytest.fixture(scope="module")
def fuzz_root(tmp_path_factory) -> Path:
    base = tmp_path_factory.mktemp("fuzz")
    src_ = write_extract(base / "src", valid())
    target = base / "data"
    assert deliver.deliver(sorted(src_.glob("*.parquet")), target).applied
    return target


@pytest.mark.parametrize("name", list(_GOOD))
@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data_=st.data())
def test_random_corruption_never_crashes_deliver(fuzz_root, tmp_path_factory, name, data_):
    content = data_.draw(corrupted(_GOOD[name]))
    incoming = tmp_path_factory.mktemp("in") / name
    incoming.write_bytes(content)
    before = tree(fuzz_root)
    outcome = deliver.deliver([incoming], fuzz_root)  # must not raise
    for problem in outcome.problems:
        assert problem.text()
    if not outcome.applied:
        assert tree(fuzz_root) == before
    else:
        assert check.check_extract(source.data_dir(str(fuzz_root))) == []


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data_=st.data())
def test_random_corruption_of_a_parquet_file_never_crashes_check(tmp_path_factory, data_):
    folder = write_extract(tmp_path_factory.mktemp("chk"), valid())
    target = folder / data_.draw(st.sampled_from(["participants.parquet", "placements.parquet", "grants.parquet"]))
    target.write_bytes(data_.draw(corrupted(target.read_bytes())))
    for problem in check.check_extract(str(folder)):  # must not raise
        assert problem.text()


# --- Readers while deliveries land ----------------------------------------------------------


def test_an_open_extract_keeps_its_version_while_a_delivery_lands(tmp_path, root):
    ex = data.open_extract(str(root))
    old = _figures(ex)
    new = write_extract(tmp_path / "new", grown())
    assert deliver.deliver([new / "participants.parquet", new / "placements.parquet"], root).applied
    assert _figures(ex) == old  # the files it opened never change
    assert figures(root) != old


def test_readers_in_a_loop_see_the_old_answer_or_the_new_never_an_error_or_a_mix(tmp_path, root):
    """Two files per delivery (participants and placements): in place, a reader could see one new, one old."""
    a = write_extract(tmp_path / "a", valid())
    b = write_extract(tmp_path / "b", grown())
    answers = {figures(a), figures(b)}
    assert len(answers) == 2
    seen: list[tuple] = []
    errors: list[BaseException] = []
    stop = threading.Event()

    def reader():
        while not stop.is_set():
            try:
                seen.append(_figures(data.get_extract(str(root))))
            except BaseException as exc:  # noqa: BLE001 - every failure is the test's finding
                errors.append(exc)

    threads = [threading.Thread(target=reader) for _ in range(2)]
    for thread in threads:
        thread.start()
    try:
        for i in range(6):
            source_dir = b if i % 2 == 0 else a
            outcome = deliver.deliver([source_dir / "participants.parquet", source_dir / "placements.parquet"], root)
            assert outcome.applied
            time.sleep(0.05)
    finally:
        stop.set()
        for thread in threads:
            thread.join()
    assert not errors, errors[:3]
    assert set(seen) <= answers, set(seen) - answers
    assert set(seen) == answers  # both versions were read: the loop really ran across the swaps


# --- The running app: a new delivery on the next rerun, one version per rerun ---------------


def _script_delivering_in_the_middle_of_its_run():
    import os

    import streamlit as st

    from ipsdash.app import ui
    from ipsdash.delivery import deliver

    first = ui.extract().version
    files = os.environ.get("IPS_TEST_MIDRUN_FILES")
    if files:
        assert deliver.deliver(files.split(os.pathsep)).applied
    second = ui.extract().version
    st.session_state["versions"] = [*st.session_state.get("versions", []), (first, second)]


def test_one_run_reads_one_version_and_the_next_run_the_new_one(tmp_path, root, monkeypatch):
    from streamlit.testing.v1 import AppTest

    new = write_extract(tmp_path / "new", grown())
    monkeypatch.setenv("IPS_DATA_DIR", str(root))
    monkeypatch.setenv("IPS_ALLOW_ANONYMOUS", "1")  # hand-made data are not the demo extract
    monkeypatch.setenv("IPS_TEST_MIDRUN_FILES", os.pathsep.join(str(new / f) for f in
                                                                ("participants.parquet", "placements.parquet")))
    at = AppTest.from_function(_script_delivering_in_the_middle_of_its_run, default_timeout=60)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    monkeypatch.delenv("IPS_TEST_MIDRUN_FILES")
    at.run()
    assert not at.exception
    (a1, a2), (b1, b2) = at.session_state["versions"]
    assert a1 == a2  # the delivery landed between the two calls of the first run: still one version
    assert b1 == b2 != a1  # the next run reads the new version


def test_the_app_shows_a_new_delivery_on_the_next_rerun_without_restart(tmp_path, root, monkeypatch):
    from tests.apptest import app
    from tests.apptest import metrics as shown

    monkeypatch.setenv("IPS_DATA_DIR", str(root))
    monkeypatch.setenv("IPS_ALLOW_ANONYMOUS", "1")
    at = app()
    label = texts.label("referrals")
    assert shown(at)[label] == "18"
    new = write_extract(tmp_path / "new", grown())
    assert deliver.deliver([new / "participants.parquet", new / "placements.parquet"], root).applied
    at.run()
    assert not at.exception
    # 21 referrals now, published with their noise (README, "Small numbers"): within 2 of 21.
    assert shown(at)[label] != "18" and abs(int(shown(at)[label]) - 21) <= 2
    assert deliver.rollback(root).applied
    at.run()
    assert shown(at)[label] == "18"


def prepared_version(location):
    """The name of the prepared copies of the extract at `location` (data version and record-key secret)."""
    from ipsdash.extract import record_keys

    return f"{data.version(location)}-{record_keys.secret_fingerprint(record_keys.configured_secret())}"


# --- Who is late (status.freshness) ------------------------------------------------------------


def late_tables() -> dict[str, list[dict]]:
    """Seven municipalities around the cut-off: the extract's date is 30 June 2024 (Vejle's newest
    referral), so the cut-off, 45 days before, is 16 May 2024."""
    tables = base_tables()
    tables["municipalities"] = [
        {"municipality_code": code, "name": name, "region": "Syddanmark", "ips_start": start}
        for code, name, start in (
            (630, "Vejle", d("2019-01-01")),
            (461, "Odense", d("2019-01-01")),  # newest course a day before the cut-off: late
            (621, "Kolding", d("2020-01-01")),  # a posting on the cut-off itself: not late
            (420, "Assens", d("2024-06-01")),  # started after the cut-off: nothing expected yet
            (561, "Esbjerg", d("2024-05-16")),  # started on the cut-off and nothing since: late
            (580, "Aabenraa", None),  # planned, not started
            (530, "Billund", d("2024-07-15")),  # starts after the extract's date
        )
    ]
    tables["participants"] = [
        course("V1", "2024-06-30", municipality_code=630),
        course("O1", "2024-04-01", "2024-05-15", municipality_code=461),
    ]
    tables["expenditures"] = [
        {"grant_id": "G1", "municipality_code": 621, "posting_date": d("2024-05-16"), "category": "løn",
         "amount_dkk": 10_000.0},
    ]  # fmt: skip
    return tables


def test_who_is_late_around_the_cut_off(tmp_path):
    ex = data.open_extract(str(write_extract(tmp_path / "late", late_tables())))
    fresh = status.freshness(ex, min_count=5)
    got = [(r.municipality, r.delivery_status, None if r.days_behind is pd.NA else int(r.days_behind))
           for r in fresh.itertuples()]  # fmt: skip
    assert got == [
        ("Esbjerg", "Forsinket", None),
        ("Odense", "Forsinket", 46),
        ("Assens", "Aktuel", None),
        ("Kolding", "Aktuel", 45),
        ("Vejle", "Aktuel", 0),
        ("Aabenraa", "Ikke startet", None),
        ("Billund", "Ikke startet", None),
    ]
    # Courses are person counts: one course each in Vejle and Odense shows as "<5".
    assert dict(zip(fresh["municipality"], fresh["courses_in_extract"]))["Odense"] == "<5"
    assert status.late_municipalities(fresh) == ["Esbjerg", "Odense"]
    assert status.late_notice(fresh, dt.date(2024, 6, 30)) == (
        "Forsinket: Esbjerg, Odense. Ingen forløbsdato eller postering fra 16. maj 2024 eller senere."
    )
    assert list(status.freshness(ex, (630, 461), min_count=5)["municipality"]) == ["Odense", "Vejle"]
    assert f"{status.LATE_AFTER_DAYS} dage" in texts.definition("delivery_status")


def test_the_command_line_prepares_the_new_version_for_the_dashboard(tmp_path, root, monkeypatch, capsys):
    from ipsdash.extract import prepared

    monkeypatch.setenv("IPS_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("IPS_PREPARE_MIN_COURSES", "1")
    new = write_extract(tmp_path / "new", grown())
    assert cli.main(["deliver", str(new / "participants.parquet"), "--data-dir", str(root)]) == 0
    assert "forberedt til dashboardet" in capsys.readouterr().out
    # The app names the data directory its own way; the copies are found all the same.
    monkeypatch.chdir(root.parent)
    location = source.data_dir(root.name)
    assert prepared.folder(location, prepared_version(location), None).is_dir()
    assert cli.main(["rollback", "--data-dir", str(root)]) == 0
    location = source.data_dir(str(root))
    assert prepared.folder(location, prepared_version(location), None).is_dir()
