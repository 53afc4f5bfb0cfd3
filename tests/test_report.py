"""The funder's report: the CLI's figures in the PDF's text and in the workbook, small numbers, errors.

The demo extract (data/) gives the report a grant manager would send for APMF-2021; hand-made
extracts give the spending by category worked out by hand and a municipality small enough that
its counts must be hidden.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import sys

import openpyxl
import pandas as pd
import pypdf
import pytest

from ipsdash import cli, fmt, texts
from ipsdash.extract import data
from ipsdash.figures import kpis
from ipsdash.report import ReportError, formats, gather, layout, sheets, typeset, workbook
from tests.builders import base_tables, course, d, placement, write_extract
from tests.conftest import ROOT

DEMO = str(ROOT / "data")
GRANT = "APMF-2021"
START, END = "2026-01-01", "2026-06-30"


def run_cli(capsys, *argv) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def cli_json(capsys, *argv) -> list[dict]:
    code, out, err = run_cli(capsys, *argv, "--data-dir", DEMO, "--format", "json")
    assert code == 0, err
    return json.loads(out)


def pdf_lines(content: bytes) -> list[str]:
    reader = pypdf.PdfReader(io.BytesIO(content))
    return [line.strip() for page in reader.pages for line in page.extract_text().splitlines()]


def sheet_rows(book, title: str) -> list[dict]:
    """A sheet as dicts keyed by its (Danish) header row."""
    rows = list(book[title].iter_rows(values_only=True))
    return [dict(zip(rows[0], r)) for r in rows[1:]]


def between(lines: list[str], first: str, last: str) -> list[str]:
    """The lines of one table: after the line `first` (its heading) up to the line starting with `last`."""
    start = next(i for i, line in enumerate(lines) if line == first or line.startswith(first + ","))
    end = next(i for i, line in enumerate(lines) if i > start and line.startswith(last))
    return lines[start + 1 : end]


KEY_TABLE = ("Nøgletal for perioden", "Økonomi")
FUNDING_TABLE = ("Budget og forbrug pr. kommune", "Budget og forbrug pr. kommune til")
CATEGORY_TABLE = ("Forbrug pr. kategori", "Forbrug af bevillingen")
MUNICIPALITY_TABLE = ("Forløb pr. kommune", "Aktive forløb og venteliste")


def row_line(lines: list[str], first: str) -> str:
    """The one line of the PDF's text that starts with a row's first cell."""
    found = [line for line in lines if line.startswith(first + " ")]
    assert len(found) == 1, (first, found)
    return found[0]


def printed(key: str, value) -> str:
    """How the report prints a figure, worked out here with fmt rather than taken from formats.show."""
    if value is None:
        return "–"
    if key == "projected_depletion":  # ISO text in the CLI's JSON
        return fmt.date_medium(dt.date.fromisoformat(value))  # one date style in the tables
    if isinstance(value, str):
        return value  # "<5"
    if key in ("placement_rate", "job_rate", "education_rate", "use"):
        return fmt.percent(value)
    return fmt.number(value)  # counts, days and kroner: whole numbers


def same(cell, value) -> bool:
    """A workbook cell holds the CLI's value: hidden ones as text or empty, numbers as numbers."""
    if value is None:
        return cell is None
    if isinstance(value, str):
        return cell == value
    if isinstance(value, str) or isinstance(cell, str):
        return False
    return cell == pytest.approx(value, rel=1e-12, abs=1e-9)


# --- The demo extract: the report of APMF-2021 for the first half of 2026 ------------------------


@pytest.fixture(scope="module")
def demo_files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("report")
    files = {}
    for suffix in ("pdf", "xlsx"):
        out = folder / f"rapport.{suffix}"
        code = cli.main(["report", "--grant", GRANT, "--from", START, "--to", END, "--out", str(out),
                         "--data-dir", DEMO])
        assert code == 0
        files[suffix] = out.read_bytes()
    return files


@pytest.fixture(scope="module")
def demo_data():
    return gather.build(data.open_extract(DEMO), GRANT, d(START), d(END), min_count=5)


def test_key_figures_in_the_pdf_and_the_workbook_equal_the_cli(capsys, demo_files):
    now = cli_json(capsys, "kpis", "--from", START, "--to", END, "--grant", GRANT)[0]
    before = cli_json(capsys, "kpis", "--from", "2025-07-04", "--to", "2025-12-31", "--grant", GRANT)[0]
    lines = between(pdf_lines(demo_files["pdf"]), *KEY_TABLE)
    for key in kpis.FIGURES:
        if key in ("placement_rate_low", "placement_rate_high"):
            continue
        if key == "placement_rate":
            shown = [f"{fmt.percent(r[key])} {fmt.interval(r[key + '_low'], r[key + '_high'])}" for r in (now, before)]
        else:
            shown = [printed(key, r[key]) for r in (now, before)]
        row = f"{texts.label(key)} {shown[0]} {shown[1]} "
        assert len([line for line in lines if line.startswith(row)]) == 1, (key, row, lines)

    book = openpyxl.load_workbook(io.BytesIO(demo_files["xlsx"]))
    rows = {r["Periode"]: r for r in sheet_rows(book, "Nøgletal")}
    for key in kpis.FIGURES:
        label = texts.label(key)
        assert same(rows["Perioden"][label], now[key]), key
        assert same(rows["Forrige periode"][label], before[key]), key
    assert rows["Perioden"]["Periode (start)"] == dt.datetime(2026, 1, 1)


def test_municipality_figures_in_the_pdf_and_the_workbook_equal_the_cli(capsys, demo_files, demo_data):
    rows = cli_json(capsys, "kpis", "--from", START, "--to", END, "--grant", GRANT, "--by", "municipality")
    lines = between(pdf_lines(demo_files["pdf"]), *MUNICIPALITY_TABLE)
    book = {r["Kommunekode"]: r for r in sheet_rows(openpyxl.load_workbook(io.BytesIO(demo_files["xlsx"])), "Kommuner")}
    shown_codes = set(demo_data.by_municipality["municipality_code"])
    assert {561, 621, 573} <= shown_codes  # the grant's municipalities with courses
    assert 630 not in shown_codes  # Vejle has neither budget nor courses in APMF-2021
    for row in rows:
        if row["municipality_code"] not in shown_codes:
            continue
        cells = [
            f"{fmt.percent(row[k])} {fmt.interval(row[k + '_low'], row[k + '_high'])}"
            if k == "placement_rate" and row[k] is not None
            else printed(k, row[k])
            for k in layout.MUNICIPALITY_FIGURES
        ]
        line = row_line(lines, row["municipality"])
        assert line.endswith(" " + " ".join(cells)), (row["municipality"], line, cells)
        sheet = book[row["municipality_code"]]
        for key in kpis.FIGURES:
            assert same(sheet[texts.label(key)], row[key]), (row["municipality"], key)


def test_funding_figures_in_the_pdf_and_the_workbook_equal_the_cli(capsys, demo_files):
    by_municipality = cli_json(capsys, "funding", "--on", END, "--grant", GRANT)
    total = cli_json(capsys, "funding", "--on", END, "--grant", GRANT, "--by", "grant")[0]
    names = {r["municipality_code"]: r["municipality"] for r in
             cli_json(capsys, "kpis", "--from", START, "--to", END, "--by", "municipality")}
    lines = between(pdf_lines(demo_files["pdf"]), *FUNDING_TABLE)
    sheet = sheet_rows(openpyxl.load_workbook(io.BytesIO(demo_files["xlsx"])), "Budget og forbrug")
    by_label = {r["Kommune"]: r for r in sheet}
    for row in [*by_municipality, total]:
        code = row["municipality_code"]
        first = sheets.TOTAL if row is total else gather.CENTRAL if code is None else names[code]
        cells = [printed(k, row[k]) for k in layout.FUNDING_FIGURES]
        line = row_line(lines, first) if row is total or code is None else next(
            line for line in lines if line.startswith(first + " ")
        )
        assert line.endswith(" " + " ".join(cells)), (first, line, cells)
        label = next(k for k in by_label if k.startswith(first))
        for key in ("budget_dkk", "spent_dkk", "use", "monthly_burn_dkk", "courses", "placed", "cost_per_course_dkk"):
            assert same(by_label[label][texts.label(key) if key != "placed" else "I job eller uddannelse"],
                        row[key]), (first, key)
    # The headline card: spent and use of the whole grant.
    every = pdf_lines(demo_files["pdf"])
    assert fmt.dkk(total["spent_dkk"]) in every
    assert f"{fmt.percent(total['use'])} af {fmt.dkk(total['budget_dkk'])}" in every


def test_spending_by_category_adds_up_to_the_grants_spending(capsys, demo_files):
    total = cli_json(capsys, "funding", "--on", END, "--grant", GRANT, "--by", "grant")[0]
    rows = sheet_rows(openpyxl.load_workbook(io.BytesIO(demo_files["xlsx"])), "Forbrug pr. kategori")
    assert [r["Kategori"] for r in rows] == ["Løn", "Uddannelse af konsulenter", "Supervision", "Administration",
                                            "Andet", "I alt"]
    assert sum(r["Forbrugt (kr.)"] for r in rows[:-1]) == pytest.approx(total["spent_dkk"])
    assert rows[-1]["Forbrugt (kr.)"] == pytest.approx(total["spent_dkk"])
    months = sheet_rows(openpyxl.load_workbook(io.BytesIO(demo_files["xlsx"])), "Forbrug pr. måned")
    assert months[0]["Periode (start)"] == dt.datetime(2021, 7, 1)  # the grant's first month
    assert months[-1]["Forbrugt (kr.)"] == pytest.approx(total["spent_dkk"])
    line = row_line(between(pdf_lines(demo_files["pdf"]), *CATEGORY_TABLE), "I alt")
    assert line == f"I alt {fmt.number(rows[-1]['Forbrugt i perioden (kr.)'])} {fmt.number(total['spent_dkk'])} 100 %"


def test_the_pdf_is_a4_with_embedded_fonts_page_numbers_and_a_title_page(demo_files):
    reader = pypdf.PdfReader(io.BytesIO(demo_files["pdf"]))
    for page in reader.pages:
        assert (round(float(page.mediabox.width)), round(float(page.mediabox.height))) == (595, 842)
    fonts = {}
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descriptor = (font["/DescendantFonts"][0].get_object() if "/DescendantFonts" in font else font)[
                "/FontDescriptor"
            ]
            fonts[str(font["/BaseFont"])] = any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3"))
    assert fonts and all(fonts.values()), fonts
    assert any("SourceSansPro" in name for name in fonts)  # the dashboard's typeface
    first = reader.pages[0].extract_text()
    assert "Rapport til Den A.P. Møllerske Støttefond" in first  # æøå come through as text
    assert "Udbredelse af IPS i Region Syddanmark" in first and "1. januar – 30. juni 2026" in first
    assert "Demodata" in first
    n = len(reader.pages)
    for i, page in enumerate(reader.pages[1:], start=2):
        assert f"Side {i} af {n}" in page.extract_text()
    lines = pdf_lines(demo_files["pdf"])
    assert "Sønderborg" in " ".join(lines)


def test_every_chart_is_in_the_report(demo_data):
    doc = layout.document(demo_data)
    charts = [b for s in doc["sections"] for b in s["blocks"] for b in (b.get("blocks") or [b])
              if b["type"] in ("line", "hbar")]
    assert [c["title"] for c in charts] == [
        "Budget og forbrug pr. kommune til og med 30. juni 2026",
        "Forbrug af bevillingen til dato",
        "Aktive forløb og venteliste ved månedens udgang",
        "Andel i job eller uddannelse pr. måned",
    ]
    for chart in charts:
        assert chart.get("series") and all(any(v is not None for v in s["values"]) for s in chart["series"])


def test_report_from_the_dashboard_helpers_equals_the_cli_file(demo_files):
    extract = data.open_extract(DEMO)
    assert workbook.xlsx(extract, GRANT, d(START), d(END), min_count=5)[:2] == b"PK"
    pdf = layout.pdf(extract, GRANT, d(START), d(END), min_count=5)
    assert pdf_lines(pdf)[1:] == pdf_lines(demo_files["pdf"])[1:]  # all but "Udarbejdet <today>"
    assert gather.file_name(GRANT, d(START), d(END), "pdf") == "rapport_APMF-2021_2026-01-01_2026-06-30.pdf"


# --- Definitions on hand-made rows ----------------------------------------------------------------


def spending_tables() -> dict[str, list[dict]]:
    tables = base_tables()
    tables["grants"].append({**tables["grants"][0], "grant_id": "G2", "title": "Anden bevilling"})

    def post(day: str, category: str, amount: float, municipality=630, grant="G1"):
        return {"grant_id": grant, "municipality_code": municipality, "posting_date": d(day), "category": category,
                "amount_dkk": amount}

    tables["expenditures"] = [
        post("2023-12-31", "løn", 1000.0),  # the day before the period: to date only
        post("2024-01-01", "løn", 2000.0),  # the period's first day
        post("2024-03-15", "supervision", 500.0, municipality=None),  # central spending counts
        post("2024-03-20", "løn", -300.0),  # a correction
        post("2024-06-30", "andet", 100.0),  # the period's last day
        post("2024-07-01", "løn", 9999.0),  # after the period: not at all
        post("2024-02-01", "løn", 7777.0, grant="G2"),  # another grant
    ]
    return tables


def test_spending_by_category_in_the_period_and_to_its_end(tmp_path):
    extract = data.open_extract(str(write_extract(tmp_path, spending_tables())))
    table = gather.spending(extract, "G1", d("2024-01-01"), d("2024-06-30"), min_count=5).set_index("category")
    assert list(table.index) == ["løn", "uddannelse", "supervision", "administration", "andet"]
    assert table["spent_in_period_dkk"].to_dict() == {
        "løn": 1700.0, "uddannelse": 0.0, "supervision": 500.0, "administration": 0.0, "andet": 100.0,
    }  # fmt: skip
    assert table["spent_dkk"].to_dict() == {
        "løn": 2700.0, "uddannelse": 0.0, "supervision": 500.0, "administration": 0.0, "andet": 100.0,
    }  # fmt: skip
    # A period of one day, and one before any posting.
    assert gather.spending(extract, "G1", d("2024-06-30"), d("2024-06-30"), min_count=5)["spent_in_period_dkk"].sum() == 100.0
    assert gather.spending(extract, "G1", d("2019-01-01"), d("2019-12-31"), min_count=5)["spent_dkk"].sum() == 0.0


def test_previous_period_and_change(tmp_path):
    extract = data.open_extract(str(write_extract(tmp_path, spending_tables())))
    figures = gather.build(extract, "G1", d("2024-01-01"), d("2024-06-30"), min_count=5)
    # Six whole months, so the previous period is the six months before (not the 182 days before,
    # 3 July to 31 December, which a funder would not recognise and which is two days off a
    # period the dashboard offers).
    assert (figures.previous_start, figures.previous_end) == (d("2023-07-01"), d("2023-12-31"))
    assert figures.spent_in_period == 2300.0 and figures.spent_in_previous_period == 1000.0
    keys = sheets.key_figures(figures).set_index("key")
    assert keys.loc["spent_in_period_dkk", "change"] == 1300.0
    assert keys.loc["referrals", "change"] == 0.0  # no courses in either period


@pytest.mark.parametrize(
    ("key", "diff", "shown"),
    [
        ("waiting", 7.0, "+7"),
        ("waiting", -3.0, "-3"),
        ("waiting_days_p90", -0.4, "±0"),  # both periods print as the same whole number
        ("job_rate", 0.0021, "±0 pct.-point"),  # rates print in whole percent: so do their changes
        ("placement_rate", -0.031, "-3 pct.-point"),
        ("placement_rate", 0.04, "+4 pct.-point"),
        ("spent_in_period_dkk", 94984.4, "+94.984"),
        ("waiting", None, "–"),  # a hidden figure has no change
    ],
)
def test_show_change(key, diff, shown):
    assert formats.show_change(key, diff) == shown


def test_change_is_none_when_either_figure_is_hidden():
    assert formats.change("waiting", "<5", 12) is None
    assert formats.change("placement_rate", None, 0.3) is None
    assert formats.change("waiting", 12, 7) == 5


# --- Small numbers ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def small_extract(tmp_path_factory):
    """Vejle with 12 courses of G1, Odense with 3 (one of them placed): Odense's counts must be hidden,
    and Vejle's with them, since the grant's total is shown and would give Odense's back."""
    tables = base_tables()
    tables["municipalities"].append(
        {"municipality_code": 461, "name": "Odense", "region": "Syddanmark", "ips_start": d("2019-01-01")}
    )
    tables["grant_budgets"].append({"grant_id": "G1", "municipality_code": 461, "budget_dkk": 100_000.0})
    courses, placements = [], []
    for i in range(12):
        courses.append(course(f"v{i}", "2024-01-10", "2024-02-01"))
        if i < 6:
            placements.append(placement(f"v{i}", "2024-04-01"))
    for i in range(3):
        courses.append(course(f"o{i}", "2024-01-10", "2024-02-01", municipality_code=461))
    placements.append(placement("o0", "2024-04-01"))
    tables["participants"] = courses
    tables["placements"] = placements
    tables["expenditures"] = [
        {"grant_id": "G1", "municipality_code": 461, "posting_date": d("2024-03-01"), "category": "løn",
         "amount_dkk": 30_000.0},
        {"grant_id": "G1", "municipality_code": 630, "posting_date": d("2024-03-01"), "category": "løn",
         "amount_dkk": 90_000.0},
    ]
    return str(write_extract(tmp_path_factory.mktemp("small"), tables))


def test_small_municipality_shows_hidden_counts_and_leaks_none(small_extract, tmp_path):
    extract = data.open_extract(small_extract)
    figures = gather.build(extract, "G1", d("2024-01-01"), d("2024-06-30"), min_count=5)
    every = pdf_lines(layout.to_pdf(figures))
    lines = between(every, *MUNICIPALITY_TABLE)
    odense = row_line(lines, "Odense")
    assert odense.split()[1:] == ["<5", "<5", "0", "<5", "<5", "–", "<5"]  # referrals … job starts
    assert not re.search(r"\b[1-4]\b", odense)
    vejle = row_line(lines, "Vejle")
    total = row_line(lines, "I alt")
    assert total.split()[2:4] == ["15", "15"]  # referrals and enrollments of the grant
    # Vejle's 12 and the total are published with their noise, as kpi_table publishes the same
    # courses (no secondary suppression: the total less Vejle's gives Odense's 3 back only by chance).
    shown = kpis.kpi_table(extract, d("2024-01-01"), d("2024-06-30"), "municipality", kpis.Filters(grants=("G1",)), min_count=5)
    shown = shown.set_index("municipality")
    assert vejle.split()[1:3] == [str(shown.loc["Vejle", "referrals"]), str(shown.loc["Vejle", "enrollments"])]
    assert all(shown.loc["Vejle", c] >= 10 for c in ("referrals", "enrollments"))  # 12 ± 2
    funding_odense = row_line(between(every, *FUNDING_TABLE), "Odense")
    assert " <5 " in funding_odense + " " and " 3 " not in funding_odense + " "

    book = openpyxl.load_workbook(io.BytesIO(workbook.to_xlsx(figures)))
    for sheet in ("Kommuner", "Budget og forbrug"):
        for row in sheet_rows(book, sheet):
            if row["Kommune"].startswith("Odense"):
                counts = [v for k, v in row.items() if k in ("Henvisninger", "Opstartede forløb", "Aktive forløb",
                                                             "Aktive i perioden", "I job eller uddannelse",
                                                             "Finansierede forløb")]
                assert counts and all(v in ("<5", None) for v in counts), (sheet, row)
    # Charts carry only protected figures: no count from 1 to 4 is drawn.
    doc = layout.document(figures)
    for block in (b for s in doc["sections"] for b in s["blocks"] for b in (b.get("blocks") or [b])):
        if block["type"] == "line" and block["title"].startswith("Aktive"):
            for series in block["series"]:
                assert all(v is None or v == 0 or v >= 5 for v in series["values"])


def test_a_grant_with_no_courses_and_no_spending_still_reads(tmp_path):
    extract = data.open_extract(str(write_extract(tmp_path, {**base_tables(), "expenditures": [
        {"grant_id": "G1", "municipality_code": 630, "posting_date": d("2024-05-02"), "category": "løn",
         "amount_dkk": 10.0}]})))
    figures = gather.build(extract, "G1", d("2024-05-01"), d("2024-05-01"), min_count=5)  # one day, one month on the charts
    text = " ".join(pdf_lines(layout.to_pdf(figures)))
    assert "Bevillingen har ingen posteringer" not in text  # the grant started in 2020: months with zero
    assert "Andel i job eller uddannelse" in text
    with pytest.raises(ReportError, match="før bevillingen begynder"):  # issue 17: refused, not empty
        gather.build(extract, "G1", d("2019-01-01"), d("2019-03-31"), min_count=5)


def test_text_from_the_extract_is_printed_as_it_is_never_as_markup(tmp_path):
    tables = base_tables()
    title = 'Fond #1: $x$ *fed* _kursiv_ <ref> @label \\ ] "citat" = overskrift'
    tables["grants"][0] = {**tables["grants"][0], "title": title, "funder": "Æ Ø Å-fonden #set text(red)"}
    figures = gather.build(data.open_extract(str(write_extract(tmp_path, tables))), "G1", d("2024-01-01"),
                           d("2024-03-31"), min_count=5)
    first = " ".join(pypdf.PdfReader(io.BytesIO(layout.to_pdf(figures))).pages[0].extract_text().split())
    assert title in first and "Rapport til Æ Ø Å-fonden #set text(red)" in first


# --- The command line's errors ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("argv", "code", "message"),
    [
        (["--grant", "NOPE", "--from", START, "--to", END], 1, "ukendt bevilling: NOPE"),
        (["--grant", GRANT, "--from", END, "--to", START], 1, "før den begynder"),
        (["--grant", GRANT, "--from", "2030-01-01", "--to", "2030-06-30"], 1, "efter udtrækkets data"),
        (["--grant", GRANT, "--from", "2026-13-01", "--to", END], 2, "ugyldig dato"),
    ],
)
def test_cli_errors_are_danish_messages_without_traceback(capsys, tmp_path, argv, code, message):
    out = tmp_path / "r.pdf"
    if code == 2:
        with pytest.raises(SystemExit) as exit_:
            cli.main(["report", *argv, "--out", str(out), "--data-dir", DEMO])
        assert exit_.value.code == 2
    else:
        assert cli.main(["report", *argv, "--out", str(out), "--data-dir", DEMO]) == code
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
    assert not out.exists()


def test_cli_refuses_other_file_types(capsys, tmp_path):
    with pytest.raises(SystemExit) as exit_:
        cli.main(["report", "--grant", GRANT, "--from", START, "--to", END, "--out", str(tmp_path / "r.docx")])
    assert exit_.value.code == 2
    assert "rapporten skrives som .pdf eller .xlsx" in capsys.readouterr().err


@pytest.mark.parametrize("target", ["missing/r.pdf", "folder.pdf"])
def test_cli_says_when_the_file_cannot_be_written(capsys, tmp_path, target):
    (tmp_path / "folder.pdf").mkdir()  # a folder where the file should go
    code, _, err = run_cli(capsys, "report", "--grant", GRANT, "--from", START, "--to", END,
                           "--out", str(tmp_path / target), "--data-dir", DEMO)
    assert code == 1 and err.startswith("fejl: ") and "Traceback" not in err
    assert str(tmp_path / target) in err
    assert [p.name for p in tmp_path.iterdir()] == ["folder.pdf"]  # no half-written file left


def test_missing_typst_says_what_to_install(capsys, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "typst", None)  # import typst now fails
    monkeypatch.setattr(typeset, "_compiler", None)
    code, _, err = run_cli(capsys, "report", "--grant", GRANT, "--from", START, "--to", END,
                           "--out", str(tmp_path / "r.pdf"), "--data-dir", DEMO)
    assert code == 1
    assert "typst" in err and "pip install -r requirements.txt" in err and "Traceback" not in err
    assert not (tmp_path / "r.pdf").exists()


# --- Issue 17: fair comparisons and the small defects -----------------------------------------------


def test_a_period_reaching_past_the_data_is_compared_with_as_many_days(tmp_path):
    # The data run to 1 July 2024 (the newest posting): January to July is six months and a day,
    # compared with six months and a day before, not with seven whole months.
    extract = data.open_extract(str(write_extract(tmp_path, spending_tables())))
    figures = gather.build(extract, "G1", d("2024-01-01"), d("2024-07-31"), min_count=5)
    assert (figures.previous_start, figures.previous_end) == (d("2023-06-01"), d("2023-12-01"))
    whole = gather.build(extract, "G1", d("2024-01-01"), d("2024-06-30"), min_count=5)
    assert (whole.previous_start, whole.previous_end) == (d("2023-07-01"), d("2023-12-31"))


def test_a_hidden_change_is_a_dash():
    # A table's change column holds NaN, not None, where a figure is hidden: it printed "-–".
    column = pd.Series([None, 1.0], dtype=float)
    assert formats.show_change("waiting", column[0]) == "–"


@pytest.mark.parametrize(
    ("now", "before", "printed"),
    [(12.6, 12.4, "+1"), (12.5, 11.5, "+1"), (19.4, 18.5, "±0"), (10.0, 12.5, "-3")],
)
def test_a_median_and_its_change_add_up_as_printed(now, before, printed):
    key = "waiting_days_median"
    assert formats.show_change(key, formats.printed_change(key, now, before)) == printed
    shown_now, shown_before = (int(formats.show(key, v)) for v in (now, before))
    assert shown_now - shown_before == int(printed.replace("±", ""))


def test_every_change_in_the_key_table_adds_up(demo_data):
    table = layout._key_table(demo_data)
    checked = 0
    for row in table["rows"]:
        if isinstance(row, dict) or "%" in row[1] or not all(re.fullmatch(r"-?[\d.]+", c) for c in row[1:3]):
            continue
        now, before = (int(c.replace(".", "")) for c in row[1:3])
        change = row[3].replace(".", "").replace("±", "")
        assert now - before == int(change), row
        checked += 1
    assert checked > 10


@pytest.fixture(scope="module")
def slow_spender(tmp_path_factory):
    """G1 (to 31 December 2025) has 970.000 left and spends 30.000 per 90 days: 2.910 days, into 2032."""
    tables = base_tables()
    tables["expenditures"] = [{"grant_id": "G1", "municipality_code": 630, "posting_date": d("2024-01-15"),
                               "category": "løn", "amount_dkk": 30_000.0}]
    return data.open_extract(str(write_extract(tmp_path_factory.mktemp("slow"), tables)))


def test_a_depletion_long_after_the_grant_ends_is_explained(slow_spender):
    figures = gather.build(slow_spender, "G1", d("2024-01-01"), d("2024-01-15"), min_count=5)
    text = " ".join(" ".join(pdf_lines(layout.to_pdf(figures))).split())
    assert ("Med det nuværende forbrug rækker pengene til 3. januar 2032, 6 år efter bevillingens slutning "
            "(31. december 2025).") in text


def test_a_period_before_the_grant_is_refused(slow_spender, capsys, tmp_path):
    with pytest.raises(ReportError, match="før bevillingen begynder, 1. januar 2020"):
        gather.build(slow_spender, "G1", d("2019-01-01"), d("2019-12-31"), min_count=5)
    out = tmp_path / "r.pdf"
    assert cli.main(["report", "--grant", GRANT, "--from", "2020-01-01", "--to", "2020-12-31", "--out", str(out),
                     "--data-dir", DEMO]) == 1
    assert "før bevillingen begynder, 1. juli 2021" in capsys.readouterr().err and not out.exists()


def test_one_date_style_in_the_pdf(demo_files):
    lines = pdf_lines(demo_files["pdf"])
    assert not [line for line in lines if re.search(r"\b\d{1,2}\.\d{2}\.\d{4}\b", line)]
    assert any("(IPS fra 1. sep. 2026)" in line for line in lines)


def test_the_definitions_are_the_terms_the_report_uses(demo_data):
    doc = layout.document(demo_data)
    blocks = [b for s in doc["sections"] for b in s["blocks"] for b in (b.get("blocks") or [b])]
    shown = set()
    for b in blocks:
        if b["type"] == "table":
            shown |= {c["header"].split("\n")[0] for c in b["columns"]}
            shown |= {r[0] for r in b["rows"] if isinstance(r, list)}
        if b["type"] == "cards":
            shown |= {i["label"] for i in b["items"]}
    defined = next(b for b in blocks if b["type"] == "definitions")["items"]
    assert defined
    for item in defined:
        label = item["label"].removesuffix(" (kr.)")
        assert any(s.startswith(label) for s in shown), item["label"]
    # The workbook: every term defined is a column of another sheet.
    book = openpyxl.load_workbook(io.BytesIO(workbook.to_xlsx(demo_data)))
    headers = {c for title in book.sheetnames if title != "Definitioner" for c in next(book[title].iter_rows(values_only=True))}
    terms = [r["Begreb"] for r in sheet_rows(book, "Definitioner") if r["Begreb"] != "Små tal"]
    assert terms and all(t in headers for t in terms), [t for t in terms if t not in headers]


def test_cohorts_in_the_pdf_and_the_workbook_equal_the_cli(capsys, demo_files, demo_data):
    from ipsdash.figures import cohorts

    first = min(d(START), demo_data.grant.start).isoformat()
    rows = cli_json(capsys, "cohorts", "--from", first, "--to", END, "--grant", GRANT)
    assert rows and any(r["rate_18m"] is not None for r in rows)
    lines = between(pdf_lines(demo_files["pdf"]), layout.COHORT_HEADING, "Definitioner og datagrundlag")
    book = sheet_rows(openpyxl.load_workbook(io.BytesIO(demo_files["xlsx"])), "Forløb over tid")
    assert len(book) == len(rows)
    for row, sheet in zip(rows, book):
        label = fmt.quarter_label(dt.date.fromisoformat(row["cohort_start"]))
        line = row_line(lines, label)
        for n in cohorts.DEFAULT_WITHIN:
            if row[f"rate_{n}m"] is not None:
                assert f"{fmt.percent(row[f'rate_{n}m'])} {fmt.interval(row[f'rate_{n}m_low'], row[f'rate_{n}m_high'])}" \
                    in line, (label, n, line)
        assert line.startswith(f"{label} {printed('enrolled', row['enrolled'])} "), line
        for key in ("enrolled", "placed_6m", "placed_18m", "rate_18m"):
            assert same(sheet[key], row[key]), (label, key)
    assert cohorts.NOT_FOLLOWED_TEXT in " ".join(lines)
