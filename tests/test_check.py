"""Delivery checks (ipsdash.delivery.check): each rule of the contract on a tiny extract that breaks it.

Every test starts from `base_tables()` (valid), changes what its name says, and asserts the
exact problems: table, column, rule, row numbers and ids.
"""

from __future__ import annotations

import datetime as dt
import random
import re
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from ipsdash.delivery.check import HIDDEN_ID, MAX_ROWS, Problem, check_extract
from tests.builders import base_tables, course, d, placement, table_arrow, write_extract


def check(path: Path) -> list[Problem]:
    return check_extract(str(path))


def summary(problems: list[Problem]) -> list[tuple]:
    """What a test asserts: table, file name, column, rule, rows, count."""
    return [(p.table, Path(p.file).name if p.file else None, p.column, p.rule, p.rows, p.count) for p in problems]


def valid() -> dict[str, list[dict]]:
    """base_tables() with a few courses, placements, spending and both optional tables."""
    tables = base_tables()
    tables["participants"] = [
        course("P1", "2021-01-04", "2021-01-04", "2021-06-30"),  # enrolled the day of referral
        course("P2", "2021-02-01", "2021-03-01"),
        course("P3", "2021-02-01", exit="2021-02-01", exit_reason="andet"),  # left the waiting list the same day
        course("P4", "2021-03-01", grant_id=None, age_band=None, sex=None),
    ]
    tables["placements"] = [
        placement("P1", "2021-03-01", "2021-03-01"),
        placement("P2", "2021-05-01", kind="uddannelse"),
        placement("P2", "2021-06-01", hours=60.0),
    ]
    tables["expenditures"] = [
        {"grant_id": "G1", "municipality_code": 630, "posting_date": d("2021-01-31"), "category": "løn",
         "amount_dkk": 40_000.0},
        {"grant_id": "G1", "municipality_code": None, "posting_date": d("2021-02-28"), "category": "uddannelse",
         "amount_dkk": -1_500.0},
    ]  # fmt: skip
    tables["staffing"] = [
        {"municipality_code": 630, "month": d("2021-01-01"), "consultants_fte": 2.5, "consultants_trained": 2,
         "consultants_in_training": 1},
        {"municipality_code": 630, "month": d("2021-02-01"), "consultants_fte": 0.0, "consultants_trained": 0,
         "consultants_in_training": 0},
    ]  # fmt: skip
    tables["fidelity_reviews"] = [
        {"municipality_code": 630, "review_date": d("2021-06-15"), "total_score": 25},
        {"municipality_code": 630, "review_date": d("2022-06-15"), "total_score": 125},
    ]
    return tables


def write_table(path: Path, table: pa.Table) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(table, path)
    return path


def with_column(table: pa.Table, name: str, values: pa.Array) -> pa.Table:
    return table.set_column(table.schema.get_field_index(name), name, values)


# --- a valid extract ------------------------------------------------------------------------------


def test_valid_extract_has_no_problems(tmp_path):
    assert check(write_extract(tmp_path, valid())) == []


def test_base_tables_without_optional_tables_have_no_problems(tmp_path):
    assert check(write_extract(tmp_path, base_tables())) == []


def test_optional_table_as_empty_folder_is_no_problem(tmp_path):
    write_extract(tmp_path, base_tables())
    (tmp_path / "staffing").mkdir()
    assert check(tmp_path) == []


def test_folder_table_of_two_files_is_read_together(tmp_path):
    tables = valid()
    participants = tables.pop("participants")
    write_extract(tmp_path, tables)
    write_table(tmp_path / "participants" / "630-a.parquet", table_arrow("participants", participants[:2]))
    write_table(tmp_path / "participants" / "630-b.parquet", table_arrow("participants", participants[2:]))
    (tmp_path / "participants" / "README.txt").write_text("not parquet, ignored")
    assert check(tmp_path) == []


def test_other_integer_widths_timestamps_decimals_and_all_null_columns_are_accepted(tmp_path):
    tables = valid()
    write_extract(tmp_path, tables)
    grants = table_arrow("grants", tables["grants"])
    grants = with_column(grants, "amount_dkk", pa.array([1_000_000], pa.decimal128(14, 2)))
    grants = with_column(grants, "start_date", pa.array([dt.datetime(2020, 1, 1, 9, 30)], pa.timestamp("ns")))
    grants = with_column(grants, "end_date", pa.array([dt.datetime(2025, 12, 31)], pa.timestamp("ms", tz="UTC")))
    write_table(tmp_path / "grants.parquet", grants)
    budgets = table_arrow("grant_budgets", tables["grant_budgets"])
    budgets = with_column(budgets, "municipality_code", pa.array([630], pa.int64()))
    budgets = with_column(budgets, "budget_dkk", pa.array([800_000], pa.int64()))  # whole kroner as integer
    write_table(tmp_path / "grant_budgets.parquet", budgets)
    participants = table_arrow("participants", tables["participants"])
    participants = with_column(participants, "municipality_code", pa.array([630] * 4, pa.int16()))
    participants = with_column(participants, "age_band", pa.nulls(4, pa.null()))  # all-None column from pandas
    write_table(tmp_path / "participants.parquet", participants)
    placements = table_arrow("placements", tables["placements"])
    placements = with_column(placements, "hours_per_week", pa.array([20.0, None, 60.0], pa.float32()))
    write_table(tmp_path / "placements.parquet", placements)
    assert check(tmp_path) == []


def test_timestamp_with_time_zone_is_taken_as_a_danish_date(tmp_path):
    # Local midnight of 1 March written as an instant is 23:00 UTC on 29 February.
    tables = valid()
    write_extract(tmp_path, tables)
    staffing = table_arrow("staffing", tables["staffing"])
    months = [dt.datetime(2020, 12, 31, 23, tzinfo=dt.UTC), dt.datetime(2021, 1, 31, 23, tzinfo=dt.UTC)]
    staffing = with_column(staffing, "month", pa.array(months, pa.timestamp("us", tz="UTC")))
    write_table(tmp_path / "staffing.parquet", staffing)
    assert check(tmp_path) == []


# --- tables and files -----------------------------------------------------------------------------


def test_missing_required_table(tmp_path):
    tables = valid()
    del tables["grants"]
    problems = check(write_extract(tmp_path, tables))
    # References to grants are not checked against a table that is not there.
    assert summary(problems) == [("grants", None, None, "missing_table", (), 0)]
    assert "grants.parquet" in problems[0].message


def test_required_table_as_empty_folder_is_missing(tmp_path):
    tables = valid()
    del tables["placements"]
    write_extract(tmp_path, tables)
    (tmp_path / "placements").mkdir()
    (tmp_path / "placements" / "notes.csv").write_text("participant_id\nP1\n")
    assert summary(check(tmp_path)) == [("placements", None, None, "missing_table", (), 0)]


def test_location_that_does_not_exist_misses_every_required_table(tmp_path):
    problems = check(tmp_path / "nowhere")
    assert {p.table for p in problems} == {"municipalities", "grants", "grant_budgets", "participants",
                                           "placements", "expenditures"}  # fmt: skip
    assert {p.rule for p in problems} == {"missing_table"}


def test_table_as_both_file_and_folder(tmp_path):
    tables = valid()
    write_extract(tmp_path, tables)
    write_table(tmp_path / "grants" / "part-1.parquet", table_arrow("grants", tables["grants"]))
    assert summary(check(tmp_path)) == [("grants", "grants.parquet", None, "both_layouts", (), 0)]


def _random_bytes(good: bytes) -> bytes:
    return random.Random(42).randbytes(2_000)


def _truncated(good: bytes) -> bytes:
    return good[: len(good) // 2]


def _csv(good: bytes) -> bytes:
    return b"grant_id,funder,title,amount_dkk,start_date,end_date\nG1,Fonden,B,1000000,2020-01-01,2025-12-31\n"


def _empty(good: bytes) -> bytes:
    return b""


def _body_overwritten(good: bytes) -> bytes:
    # A sound footer (schema reads fine) over broken data pages: found only when rows are read.
    footer = pq.ParquetFile(pa.BufferReader(good)).metadata.serialized_size + 8
    return good[:4] + b"\xab" * (len(good) - 4 - footer) + good[-footer:]


@pytest.mark.parametrize("damage", [_random_bytes, _truncated, _csv, _empty, _body_overwritten])
def test_corrupt_file_is_unreadable_and_does_not_cascade(tmp_path, damage):
    write_extract(tmp_path, valid())
    grants = tmp_path / "grants.parquet"
    grants.write_bytes(damage(grants.read_bytes()))
    problems = check(tmp_path)
    # participants, grant_budgets and expenditures point at G1: not checked against a broken table.
    assert summary(problems) == [("grants", "grants.parquet", None, "unreadable_file", (), 0)]
    assert problems[0].file == str(grants)


def test_corrupt_file_in_a_folder_names_that_file_and_the_others_are_still_checked(tmp_path):
    tables = valid()
    participants = tables.pop("participants")
    write_extract(tmp_path, tables)
    write_table(tmp_path / "participants" / "a.parquet", table_arrow("participants", participants[:2]))
    (tmp_path / "participants" / "b.parquet").write_bytes(b"PAR1 half-written")
    write_table(tmp_path / "participants" / "c.parquet", table_arrow("participants", [course("P9", "2021-01-01",
                                                                                             sex="X")]))  # fmt: skip
    assert summary(check(tmp_path)) == [
        ("participants", "b.parquet", None, "unreadable_file", (), 0),
        ("participants", "c.parquet", "sex", "allowed_values", ((1, "P9"),), 1),
        # placements of P3 are not reported as pointing at nothing: participants was not read whole.
    ]


def test_missing_column(tmp_path):
    tables = valid()
    write_extract(tmp_path, tables)
    participants = table_arrow("participants", tables["participants"]).drop_columns(["variant"])
    write_table(tmp_path / "participants.parquet", participants)
    problems = check(tmp_path)
    assert summary(problems) == [("participants", "participants.parquet", "variant", "missing_column", (), 0)]


def test_column_named_in_other_case_is_missing_with_a_hint(tmp_path):
    tables = valid()
    write_extract(tmp_path, tables)
    grants = table_arrow("grants", tables["grants"]).rename_columns(
        ["Grant_ID", "funder", "title", "amount_dkk", "start_date", "end_date"]
    )
    write_table(tmp_path / "grants.parquet", grants)
    problems = check(tmp_path)
    assert summary(problems) == [("grants", "grants.parquet", "grant_id", "missing_column", (), 0)]
    assert "'Grant_ID'" in problems[0].message


def test_wrong_type_in_second_file_of_folder_names_that_file(tmp_path):
    tables = valid()
    write_extract(tmp_path, tables)
    (tmp_path / "municipalities.parquet").unlink()
    write_table(tmp_path / "municipalities" / "a.parquet", table_arrow("municipalities", tables["municipalities"]))
    second = table_arrow("municipalities", [
        {"municipality_code": 0, "name": "Kolding", "region": "Syddanmark", "ips_start": None},
    ])  # fmt: skip
    second = with_column(second, "municipality_code", pa.array(["621"], pa.string()))
    write_table(tmp_path / "municipalities" / "b.parquet", second)
    problems = check(tmp_path)
    # Only the type: no not-null, range or reference problems follow from the one wrong column.
    assert summary(problems) == [("municipalities", "b.parquet", "municipality_code", "type", (), 0)]
    assert problems[0].file == str(tmp_path / "municipalities" / "b.parquet")
    assert "VARCHAR" in problems[0].message


@pytest.mark.parametrize(
    ("table", "column", "array"),
    [
        ("grants", "amount_dkk", pa.array(["1000000"], pa.string())),
        ("grants", "start_date", pa.array(["2020-01-01"], pa.string())),
        ("grants", "grant_id", pa.array([1], pa.int32())),
        ("municipalities", "municipality_code", pa.array([630.0], pa.float64())),
        ("grant_budgets", "budget_dkk", pa.array([True], pa.bool_())),
    ],
)
def test_wrong_type(tmp_path, table, column, array):
    tables = valid()
    write_extract(tmp_path, tables)
    write_table(tmp_path / f"{table}.parquet", with_column(table_arrow(table, tables[table]), column, array))
    assert summary(check(tmp_path)) == [(table, f"{table}.parquet", column, "type", (), 0)]


# --- values of one column -------------------------------------------------------------------------


def test_not_null(tmp_path):
    tables = valid()
    tables["grants"][0]["title"] = None
    tables["participants"][1]["referral_date"] = None
    problems = check(write_extract(tmp_path, tables))
    assert summary(problems) == [
        ("grants", "grants.parquet", "title", "not_null", ((1, "G1"),), 1),
        ("participants", "participants.parquet", "referral_date", "not_null", ((2, "P2"),), 1),
    ]


def test_not_null_on_the_id_itself_names_the_row_by_number(tmp_path):
    tables = valid()
    tables["grant_budgets"].append({"grant_id": None, "municipality_code": 630, "budget_dkk": 1.0})
    problems = check(write_extract(tmp_path, tables))
    assert summary(problems) == [("grant_budgets", "grant_budgets.parquet", "grant_id", "not_null", ((2, ""),), 1)]
    assert problems[0].text().endswith("Række 2.")


def test_allowed_values_are_exact_and_case_sensitive(tmp_path):
    tables = valid()
    tables["participants"][0]["variant"] = "ips"
    tables["participants"][2]["exit_reason"] = "Afsluttet"
    tables["placements"][1]["kind"] = "uddannelse "
    tables["expenditures"][0]["category"] = "Løn"
    problems = check(write_extract(tmp_path, tables))
    assert summary(problems) == [
        ("participants", "participants.parquet", "variant", "allowed_values", ((1, "P1"),), 1),
        ("participants", "participants.parquet", "exit_reason", "allowed_values", ((3, "P3"),), 1),
        ("placements", "placements.parquet", "kind", "allowed_values", ((2, "P2"),), 1),
        ("expenditures", "expenditures.parquet", "category", "allowed_values", ((1, "G1"),), 1),
    ]
    # Outside person data the wrong value is quoted; in participants and placements it is not.
    assert "Fundet: 'Løn'" in problems[3].message
    assert all("Fundet" not in p.message for p in problems[:3])
    assert "'ips'" not in problems[0].text()


def test_not_finite_money(tmp_path):
    tables = valid()
    tables["expenditures"][1]["amount_dkk"] = float("nan")
    tables["placements"][0]["hours_per_week"] = float("inf")
    assert summary(check(write_extract(tmp_path, tables))) == [
        ("placements", "placements.parquet", "hours_per_week", "finite", ((1, "P1"),), 1),
        ("expenditures", "expenditures.parquet", "amount_dkk", "finite", ((2, "G1"),), 1),
    ]


def test_unique_key(tmp_path):
    tables = valid()
    tables["grants"].append(dict(tables["grants"][0], title="Bevilling 1, igen"))
    tables["participants"].append(course("P2", "2022-01-01"))
    problems = check(write_extract(tmp_path, tables))
    assert summary(problems) == [
        ("grants", "grants.parquet", "grant_id", "unique", ((1, "G1"), (2, "G1")), 2),
        ("participants", "participants.parquet", "participant_id", "unique", ((2, "P2"), (5, "P2")), 2),
    ]


def test_unique_key_across_files_of_a_folder(tmp_path):
    tables = valid()
    participants = tables.pop("participants")
    write_extract(tmp_path, tables)
    write_table(tmp_path / "participants" / "a.parquet", table_arrow("participants", participants))
    write_table(tmp_path / "participants" / "b.parquet", table_arrow("participants", [course("P3", "2022-01-01")]))
    assert summary(check(tmp_path)) == [
        ("participants", "a.parquet", "participant_id", "unique", ((3, "P3"),), 1),
        ("participants", "b.parquet", "participant_id", "unique", ((1, "P3"),), 1),
    ]


def test_unique_pairs(tmp_path):
    tables = valid()
    tables["grant_budgets"] = [
        {"grant_id": "G1", "municipality_code": 630, "budget_dkk": 100.0},
        {"grant_id": "G1", "municipality_code": 630, "budget_dkk": 200.0},
    ]
    tables["staffing"].append(dict(tables["staffing"][1], consultants_fte=1.0))
    assert summary(check(write_extract(tmp_path, tables))) == [
        ("grant_budgets", "grant_budgets.parquet", "grant_id, municipality_code", "unique",
         ((1, "G1"), (2, "G1")), 2),
        ("staffing", "staffing.parquet", "municipality_code, month", "unique", ((2, "630"), (3, "630")), 2),
    ]  # fmt: skip


# --- references -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("table", "index", "column", "value", "row_id"),
    [
        ("participants", 1, "municipality_code", 461, "P2"),
        ("participants", 1, "grant_id", "G9", "P2"),
        ("placements", 2, "participant_id", "P7", "P7"),
        ("grant_budgets", 0, "grant_id", "G9", "G9"),
        ("grant_budgets", 0, "municipality_code", 461, "G1"),
        ("expenditures", 1, "grant_id", "G9", "G9"),
        ("expenditures", 1, "municipality_code", 461, "G1"),
        ("staffing", 1, "municipality_code", 461, "461"),
        ("fidelity_reviews", 1, "municipality_code", 461, "461"),
    ],
)
def test_reference_to_a_row_that_is_not_there(tmp_path, table, index, column, value, row_id):
    tables = valid()
    tables[table][index][column] = value
    problems = check(write_extract(tmp_path, tables))
    assert summary(problems) == [(table, f"{table}.parquet", column, "reference", ((index + 1, row_id),), 1)]


def test_null_references_are_allowed_where_the_column_may_be_null(tmp_path):
    tables = valid()
    tables["participants"][0]["grant_id"] = None
    tables["expenditures"][0]["municipality_code"] = None
    assert check(write_extract(tmp_path, tables)) == []


# --- rules across columns -------------------------------------------------------------------------


def test_date_orders(tmp_path):
    tables = valid()
    tables["grants"][0]["end_date"] = d("2019-12-31")
    tables["participants"] = [
        course("P1", "2021-01-04", "2021-01-04", "2021-06-30"),
        course("P2", "2021-02-01", "2021-01-31"),  # enrolled before referral
        course("P3", "2021-02-01", "2021-03-01", "2021-02-15"),  # exit before enrollment, after referral
        course("P4", "2021-03-01", exit="2021-02-28"),  # never enrolled, exit before referral
    ]
    tables["placements"][1]["end_date"] = d("2021-04-30")
    problems = check(write_extract(tmp_path, tables))
    assert summary(problems) == [
        ("grants", "grants.parquet", "end_date", "date_order", ((1, "G1"),), 1),
        ("participants", "participants.parquet", "enrollment_date", "date_order", ((2, "P2"),), 1),
        ("participants", "participants.parquet", "exit_date", "date_order", ((3, "P3"), (4, "P4")), 2),
        ("placements", "placements.parquet", "end_date", "date_order", ((2, "P2"),), 1),
    ]


def test_exit_reason_iff_exit_date(tmp_path):
    tables = valid()
    tables["participants"][0]["exit_reason"] = None  # exit without reason
    tables["participants"][1]["exit_reason"] = "frafald"  # reason without exit
    problems = check(write_extract(tmp_path, tables))
    assert summary(problems) == [
        ("participants", "participants.parquet", "exit_reason", "exit_reason_iff_exit_date",
         ((1, "P1"), (2, "P2")), 2),
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("table", "index", "column", "value", "row_id"),
    [
        ("grants", 0, "amount_dkk", 0.0, "G1"),
        ("grant_budgets", 0, "budget_dkk", -0.01, "G1"),
        ("placements", 0, "hours_per_week", 0.0, "P1"),
        ("placements", 0, "hours_per_week", 60.5, "P1"),
        ("staffing", 0, "consultants_fte", -0.5, "630"),
        ("staffing", 0, "consultants_trained", -1, "630"),
        ("staffing", 0, "consultants_in_training", -1, "630"),
        ("fidelity_reviews", 0, "total_score", 24, "630"),
        ("fidelity_reviews", 1, "total_score", 126, "630"),
    ],
)
def test_range(tmp_path, table, index, column, value, row_id):
    tables = valid()
    tables[table][index][column] = value
    problems = check(write_extract(tmp_path, tables))
    assert summary(problems) == [(table, f"{table}.parquet", column, "range", ((index + 1, row_id),), 1)]


def test_count_too_large_for_an_integer_is_out_of_range(tmp_path):
    tables = valid()
    write_extract(tmp_path, tables)
    staffing = table_arrow("staffing", tables["staffing"])
    staffing = with_column(staffing, "consultants_trained", pa.array([2, 2**40], pa.int64()))
    write_table(tmp_path / "staffing.parquet", staffing)
    assert summary(check(tmp_path)) == [
        ("staffing", "staffing.parquet", "consultants_trained", "range", ((2, "630"),), 1),
    ]


@pytest.mark.parametrize("code", [99, 1000])
def test_municipality_code_has_three_digits(tmp_path, code):
    tables = valid()
    tables["municipalities"].append({"municipality_code": code, "name": "X", "region": "Syddanmark",
                                     "ips_start": None})  # fmt: skip
    assert summary(check(write_extract(tmp_path, tables))) == [
        ("municipalities", "municipalities.parquet", "municipality_code", "range", ((2, str(code)),), 1),
    ]


def test_staffing_month_is_the_first_day_of_a_month(tmp_path):
    tables = valid()
    tables["staffing"][1]["month"] = d("2021-02-28")
    assert summary(check(write_extract(tmp_path, tables))) == [
        ("staffing", "staffing.parquet", "month", "first_of_month", ((2, "630"),), 1),
    ]


def test_budgets_of_a_grant_may_not_sum_to_more_than_its_amount(tmp_path):
    tables = valid()
    tables["municipalities"].append({"municipality_code": 621, "name": "Kolding", "region": "Syddanmark",
                                     "ips_start": None})  # fmt: skip
    tables["grants"].append(dict(tables["grants"][0], grant_id="G2", amount_dkk=0.3))
    tables["grant_budgets"] = [
        {"grant_id": "G1", "municipality_code": 630, "budget_dkk": 600_000.0},
        {"grant_id": "G2", "municipality_code": 630, "budget_dkk": 0.1},  # 0.1 + 0.2 is not more than 0.3
        {"grant_id": "G1", "municipality_code": 621, "budget_dkk": 400_000.01},
        {"grant_id": "G2", "municipality_code": 621, "budget_dkk": 0.2},
    ]
    problems = check(write_extract(tmp_path, tables))
    assert summary(problems) == [
        ("grant_budgets", "grant_budgets.parquet", "budget_dkk", "budget_sum", ((1, "G1"), (3, "G1")), 2),
    ]
    assert "1.000.000,01 kr." in problems[0].message
    assert "1.000.000,00 kr." in problems[0].message


def test_budgets_may_sum_to_exactly_the_amount(tmp_path):
    tables = valid()
    tables["grant_budgets"][0]["budget_dkk"] = 1_000_000.0
    assert check(write_extract(tmp_path, tables)) == []


# --- person data ----------------------------------------------------------------------------------


@pytest.mark.parametrize("cpr", ["0101901234", "010190-1234"])
def test_cpr_like_participant_id_is_refused_and_never_quoted(tmp_path, cpr):
    tables = valid()
    tables["participants"].append(course(cpr, "2021-01-01"))
    tables["participants"].append(course(cpr, "2021-02-01"))  # also a duplicate: its id is hidden there too
    tables["placements"].append(placement(cpr, "2021-03-01"))
    tables["placements"].append(placement("311299-9999", "2021-03-01"))  # CPR-like and pointing at nothing
    problems = check(write_extract(tmp_path, tables))
    hidden = HIDDEN_ID
    assert summary(problems) == [
        ("participants", "participants.parquet", "participant_id", "unique", ((5, hidden), (6, hidden)), 2),
        ("participants", "participants.parquet", "participant_id", "cpr_like_id", ((5, hidden), (6, hidden)), 2),
        ("placements", "placements.parquet", "participant_id", "reference", ((5, hidden),), 1),
        ("placements", "placements.parquet", "participant_id", "cpr_like_id", ((4, hidden), (5, hidden)), 2),
    ]
    for problem in problems:
        text = problem.text()
        assert cpr not in text and cpr.replace("-", "") not in text
        assert "311299" not in text
    assert "Række 5 (CPR-lignende id skjult), række 6 (CPR-lignende id skjult)." in problems[1].text()


def test_ids_that_only_contain_ten_digits_are_allowed_but_not_quoted(tmp_path):
    # "P0101901234" is no CPR number by the contract's rule, but it is never printed either.
    tables = valid()
    tables["participants"].append(course("P0101901234", "2021-02-01", "2021-01-01"))
    problems = check(write_extract(tmp_path, tables))
    assert summary(problems) == [
        ("participants", "participants.parquet", "enrollment_date", "date_order", ((5, HIDDEN_ID),), 1),
    ]


def test_messages_about_participants_hold_no_other_person_data(tmp_path):
    tables = valid()
    tables["participants"].append(
        course("P5", "1987-06-05", "1987-06-04", "1987-06-03", exit_reason=None, sex="X", age_band="17", grant_id="G8",
               municipality_code=461, target_group="Psykiatri")
    )  # fmt: skip
    tables["placements"].append(placement("P5", "1988-02-03", "1988-02-01", kind="Job", hours=77.5))
    problems = check(write_extract(tmp_path, tables))
    person = [p for p in problems if p.table in ("participants", "placements")]
    assert {p.rule for p in person} == {"reference", "allowed_values", "date_order", "exit_reason_iff_exit_date"}
    assert {p.rows for p in person} == {((5, "P5"),), ((4, "P5"),)}
    for problem in person:
        text = problem.text()
        assert not re.search(r"19\d\d|\d{1,2}[./]\d{1,2}", text), text
        for value in ("'X'", "'17'", "G8", "461", "Psykiatri", "'Job'", "77", "juni"):
            assert value not in text, (value, text)


# --- many offenders and the text ------------------------------------------------------------------


def test_more_than_ten_offenders_shows_ten_and_counts_all(tmp_path):
    tables = valid()
    tables["participants"] += [course(f"P{i:05d}", "2021-01-01", sex="k") for i in range(100, 125)]
    problems = check(write_extract(tmp_path, tables))
    assert summary(problems) == [
        ("participants", "participants.parquet", "sex", "allowed_values",
         tuple((i + 5, f"P{i + 100:05d}") for i in range(MAX_ROWS)), 25),
    ]  # fmt: skip
    assert "De første 10: række 5 (P00100), række 6 (P00101)" in problems[0].text()


def test_text_names_table_file_column_rule_count_and_rows():
    problem = Problem("participants", "data/participants.parquet", "exit_date", "date_order", "exit_date ligger før.",
                      ((12, "P00042"), (15, HIDDEN_ID)), 2)  # fmt: skip
    assert problem.text() == (
        "participants: fil data/participants.parquet, kolonne exit_date, regel date_order, 2 rækker: "
        "exit_date ligger før. Række 12 (P00042), række 15 (CPR-lignende id skjult)."
    )
    missing = Problem("grants", None, None, "missing_table", "Tabellen grants mangler.")
    assert missing.text() == "grants: regel missing_table: Tabellen grants mangler."


def test_check_leaves_the_extract_alone(tmp_path):
    write_extract(tmp_path, valid())
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    check(tmp_path)
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before
