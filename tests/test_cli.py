"""The command line's JSON on the hand-made extracts, and its messages for user mistakes."""

import json
import shutil
import subprocess
import sys

import pytest

from ipsdash import cli
from ipsdash.extract import data
from ipsdash.figures import funding, kpis
from tests import test_funding, test_kpis
from tests.builders import base_tables, placement, write_extract

KEYS = {
    "none": [],
    "municipality": ["municipality_code", "municipality"],
    "grant": ["grant_id"],
    "target_group": ["target_group"],
    "variant": ["variant"],
    "age_band": ["age_band"],
    "sex": ["sex"],
    "month": ["period_start"],
    "quarter": ["period_start"],
}


@pytest.fixture(scope="module")
def q1_dir(tmp_path_factory):
    tables = base_tables()
    tables["participants"] = test_kpis.COURSES
    tables["placements"] = test_kpis.PLACEMENTS
    return str(write_extract(tmp_path_factory.mktemp("cli"), tables))


def run(capsys, *argv):
    code = cli.main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.mark.parametrize("by", list(KEYS))
def test_kpis_json_keys_and_figures(capsys, q1_dir, by):
    code, out, _ = run(capsys, "kpis", "--from", "2024-01-01", "--to", "2024-03-31", "--data-dir", q1_dir,
                       "--by", by, "--min-count", "0")
    assert code == 0
    rows = json.loads(out)
    assert isinstance(rows, list) and rows
    assert list(rows[0]) == KEYS[by] + list(kpis.FIGURES)
    expected = kpis.kpi_table(data.open_extract(q1_dir), test_kpis.Q1[0], test_kpis.Q1[1], by=by, min_count=0)
    assert len(rows) == len(expected)
    for row, (_, exp) in zip(rows, expected.iterrows()):
        for key in ("referrals", "active_in_period", "placed", "job_starts"):
            assert row[key] == exp[key]


def test_kpis_whole_quarter_matches_hand_answers(capsys, q1_dir):
    _, out, _ = run(capsys, "kpis", "--from", "2024-01-01", "--to", "2024-03-31", "--data-dir", q1_dir,
                    "--min-count", "0")
    row = json.loads(out)[0]
    assert (row["referrals"], row["waiting"], row["active"], row["active_in_period"], row["placed"]) == (4, 2, 6, 9, 4)
    assert row["placement_rate"] == pytest.approx(4 / 9)
    assert row["days_to_first_placement_median"] == 73


def test_kpis_small_numbers_follow_min_count(capsys, q1_dir):
    _, out, _ = run(capsys, "kpis", "--from", "2024-01-01", "--to", "2024-03-31", "--data-dir", q1_dir)
    row = json.loads(out)[0]
    assert row["referrals"] == "<5" and row["placed"] == "<5" and row["placement_rate"] is None
    assert row["active"] == 6
    _, out, _ = run(capsys, "kpis", "--from", "2024-01-01", "--to", "2024-03-31", "--data-dir", q1_dir,
                    "--min-count", "3")
    row = json.loads(out)[0]
    assert row["waiting"] == "<3" and row["referrals"] == 4


def test_min_count_defaults_to_IPS_MIN_COUNT(capsys, q1_dir, monkeypatch):
    monkeypatch.setenv("IPS_MIN_COUNT", "3")
    _, out, _ = run(capsys, "kpis", "--from", "2024-01-01", "--to", "2024-03-31", "--data-dir", q1_dir)
    row = json.loads(out)[0]
    assert row["waiting"] == "<3" and row["referrals"] == 4
    _, out, _ = run(capsys, "kpis", "--from", "2024-01-01", "--to", "2024-03-31", "--data-dir", q1_dir,
                    "--min-count", "0")
    assert json.loads(out)[0]["waiting"] == 2


def test_month_keys_are_iso_dates(capsys, q1_dir):
    _, out, _ = run(capsys, "kpis", "--from", "2024-01-15", "--to", "2024-03-31", "--data-dir", q1_dir, "--by", "month")
    assert [r["period_start"] for r in json.loads(out)] == ["2024-01-01", "2024-02-01", "2024-03-01"]


def test_filters_and_formats(capsys, q1_dir):
    code, out, _ = run(capsys, "kpis", "--from", "2024-01-01", "--to", "2024-03-31", "--data-dir", q1_dir,
                       "--target-group", "misbrug", "--format", "csv", "--min-count", "0")
    assert code == 0
    header, first = out.splitlines()[:2]
    assert header.split(",")[0] == "referrals" and first.split(",")[5] == "1"  # active_in_period
    code, out, _ = run(capsys, "kpis", "--from", "2024-01-01", "--to", "2024-03-31", "--data-dir", q1_dir,
                       "--by", "municipality", "--municipality", "630", "--format", "table")
    assert code == 0 and "Vejle" in out


def test_funding_json(capsys, tmp_path):
    tables = base_tables()
    tables["expenditures"] = [test_funding.posting("2024-01-15", 30_000.0)]
    path = str(write_extract(tmp_path, tables))
    # The data run to the posting's day, 2024-01-15 (a day after it is refused: test_period_after_the_data).
    code, out, _ = run(capsys, "funding", "--on", "2024-01-15", "--data-dir", path)
    assert code == 0
    rows = json.loads(out)
    keys = list(funding.FIGURES)
    assert list(rows[0]) == [*keys[:2], "municipality", *keys[2:]]  # named, as kpis --by municipality
    assert [(r["grant_id"], r["municipality_code"], r["spent_dkk"]) for r in rows] == [("G1", 630, 30000), ("G1", None, 0)]
    # 770.000 left at 30.000 per 90 days: 2.310 days after 2024-01-15.
    assert rows[0]["courses"] == 0 and rows[0]["projected_depletion"] == "2030-05-13"
    code, out, _ = run(capsys, "funding", "--on", "2024-01-15", "--data-dir", path, "--by", "grant")
    assert [(r["grant_id"], r["budget_dkk"]) for r in json.loads(out)] == [("G1", 1_000_000)]


@pytest.mark.parametrize(
    "argv, code, words",
    [
        (["kpis", "--from", "2024-13-01", "--to", "2024-03-31"], 2, "ugyldig dato"),
        (["kpis", "--from", "2024-03-31", "--to", "2024-01-01"], 1, "slutter"),
        (["kpis", "--from", "2024-01-01", "--to", "2024-03-31", "--municipality", "999"], 1, "ukendt kommunekode: 999"),
        (["kpis", "--from", "2024-01-01", "--to", "2024-03-31", "--municipality", "63"], 2, "3 cifre"),
        (["kpis", "--from", "2024-01-01", "--to", "2024-03-31", "--grant", "NOPE"], 1, "ukendt bevilling: NOPE"),
        (["kpis", "--from", "2024-01-01", "--to", "2024-03-31", "--by", "age"], 2, "invalid choice"),
        (["funding", "--on", "i går"], 2, "ugyldig dato"),
    ],
)
def test_user_mistakes_get_messages(capsys, q1_dir, argv, code, words):
    if argv[0] in ("kpis", "funding") and "--data-dir" not in argv:
        argv = [*argv, "--data-dir", q1_dir]
    try:
        got = cli.main(argv)
    except SystemExit as exc:  # argparse exits 2 with its usage message
        got = exc.code
    err = capsys.readouterr().err
    assert got == code
    assert words in err
    assert "Traceback" not in err


@pytest.mark.parametrize(
    "argv",
    [
        ["kpis", "--from", "2030-01-01", "--to", "2030-12-31"],
        ["kpis", "--from", "2024-04-03", "--to", "2024-04-30", "--by", "month"],
        ["funding", "--on", "2030-01-01"],
    ],
)
def test_period_after_the_data_is_refused(capsys, q1_dir, argv):
    # The data of q1_dir run to 2 April 2024 (as `report` refuses it, not last month's stock as if it held then).
    code, out, err = run(capsys, *argv, "--data-dir", q1_dir)
    assert code == 1 and out == ""
    assert "efter udtrækkets data, som går til og med 2. april 2024" in err and "Traceback" not in err


def test_missing_table_and_corrupt_file(tmp_path, q1_dir):
    missing = tmp_path / "missing"
    shutil.copytree(q1_dir, missing)
    (missing / "placements.parquet").unlink()
    corrupt = tmp_path / "corrupt"
    shutil.copytree(q1_dir, corrupt)
    (corrupt / "participants.parquet").write_bytes(b"PAR1 this is not parquet")
    for folder, words in ((missing, "placements"), (corrupt, "kan ikke læses")):
        proc = subprocess.run(
            [sys.executable, "-m", "ipsdash", "kpis", "--from", "2024-01-01", "--to", "2024-03-31",
             "--data-dir", str(folder)],
            check=False, capture_output=True, text=True, cwd=test_kpis.__file__.rsplit("/tests/", 1)[0],
        )
        assert proc.returncode == 1, proc.stderr
        assert words in proc.stderr and "Traceback" not in proc.stderr


# --- Output a person can read (issue 17.5) ---------------------------------------------------


@pytest.fixture(scope="module")
def money_dir(tmp_path_factory):
    tables = base_tables()
    tables["participants"] = test_kpis.COURSES
    tables["placements"] = test_kpis.PLACEMENTS
    # Sums that are not exact in binary: 0.1 + 0.2 + 30000 is 30000.300000000003 as a double.
    tables["expenditures"] = [test_funding.posting("2024-01-10", 0.1), test_funding.posting("2024-01-11", 0.2),
                              test_funding.posting("2024-01-15", 30_000.0)]
    return str(write_extract(tmp_path_factory.mktemp("money"), tables))


def test_codes_and_counts_are_whole_numbers_in_csv(capsys, money_dir):
    _, out, _ = run(capsys, "kpis", "--from", "2024-01-01", "--to", "2024-03-31", "--data-dir", money_dir,
                    "--by", "municipality", "--format", "csv")
    row = dict(zip(*[line.split(",") for line in out.splitlines()[:2]], strict=True))
    # A hidden count ("<5") in the column made the others floats: 630.0 and 6.0.
    assert (row["municipality_code"], row["active"], row["placed"]) == ("630", "6", "<5")
    _, out, _ = run(capsys, "funding", "--on", "2024-03-31", "--data-dir", money_dir, "--format", "csv")
    rows = [line.split(",") for line in out.splitlines()]
    first = dict(zip(rows[0], rows[1], strict=True))
    assert (first["municipality_code"], first["budget_dkk"], first["spent_dkk"]) == ("630", "800000", "30000.3")


def test_json_money_to_the_ore_and_central_row_named(capsys, money_dir):
    _, out, _ = run(capsys, "funding", "--on", "2024-03-31", "--data-dir", money_dir)
    rows = json.loads(out)
    assert rows[0]["spent_dkk"] == 30000.3 and rows[0]["municipality"] == "Vejle"
    assert rows[0]["monthly_burn_dkk"] == round(rows[0]["monthly_burn_dkk"], 2)
    assert [(r["municipality_code"], r["municipality"]) for r in rows] == [(630, "Vejle"), (None, "Centralt")]


def test_table_shows_rates_in_per_cent_and_money_in_kroner(capsys, money_dir):
    _, out, _ = run(capsys, "kpis", "--from", "2024-01-01", "--to", "2024-03-31", "--data-dir", money_dir,
                    "--min-count", "0", "--format", "table")
    header, values = (line.split() for line in out.splitlines())
    row = dict(zip(header, [v for v in values if v != "%"], strict=True))
    assert row["placement_rate"] == "44,4" and row["active"] == "6"  # 4 of 9; "44,4 %"
    assert "44,4\N{NO-BREAK SPACE}%" in out or "44,4 %" in out
    _, out, _ = run(capsys, "funding", "--on", "2024-03-31", "--data-dir", money_dir, "--by", "grant",
                    "--format", "table")
    assert "1.000.000" in out and "kr." in out and "1000000" not in out
    _, out, _ = run(capsys, "funding", "--on", "2024-03-31", "--data-dir", money_dir, "--format", "table")
    assert "Centralt" in out and "30.000 kr." in out


def test_check_writes_its_problems_to_stderr(capsys, tmp_path):
    tables = base_tables()
    tables["placements"] = [placement("NOBODY", "2024-01-01")]
    path = str(write_extract(tmp_path, tables))
    code, out, err = run(capsys, "check", "--data-dir", path)
    assert code == 1 and "NOBODY" in err and "afvises" in err and out == ""
