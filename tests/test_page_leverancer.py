"""The Leverancer page under AppTest: newest data per municipality, who is late, the delivery log
and the last check, on the demo extract and on managed data directories written by the tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from ipsdash import fmt, texts
from ipsdash.delivery import deliver, status
from ipsdash.extract import contract, data, source
from tests.apptest import app
from tests.apptest import metrics as shown
from tests.builders import write_extract
from tests.test_deliver import csv_bytes, grown, late_tables, valid, write_csv

PAGE = "pages/leverancer.py"


def tables_on(at) -> list:
    return [element.value for element in at.dataframe]


def table_with(at, column: str):
    """The page's table with `column` (freshness: "Leveringsstatus", log: "Fil", check: "Fejl", tables: "Påkrævet")."""
    return next(t for t in tables_on(at) if column in t.columns)


def every_text(at) -> str:
    """All the page shows as text: markdown, captions, alerts, cards and table cells."""
    parts = [e.value for kind in ("markdown", "caption", "info", "warning", "error", "success", "title", "subheader")
             for e in at.get(kind)]  # fmt: skip
    parts += [f"{m.label} {m.value}" for m in at.metric]
    parts += [df.to_string() for df in tables_on(at)]
    return "\n".join(str(p) for p in parts)


def test_demo_extract_every_municipality_and_no_log_yet():
    at = app(PAGE)
    assert at.title[0].value == "Leverancer"
    cards = shown(at)
    assert cards["Forsinkede kommuner"] == "0"
    assert cards[texts.label("contract_check")] == "Bestået"
    assert cards[texts.label("last_delivery")] == "Ingen"
    fresh, *_ = tables_on(at)
    ex = data.open_extract()
    expected = status.freshness_view(status.freshness(ex, min_count=5))
    assert fresh.reset_index(drop=True).equals(expected)
    assert len(fresh) == len(data.run(ex, "municipalities"))
    assert any(texts.NO_DELIVERIES in i.value for i in at.info)
    assert any(texts.CHECK_PASSED in s.value for s in at.success)
    # The extract's tables and the data version are the data coordinator's, here, not on Om tallene (issue 19).
    tables = table_with(at, "Påkrævet")
    assert list(tables["Tabel"]) == list(contract.TABLES)
    assert set(tables["Leveret"]) == {"Ja"}
    assert any(c.value.startswith(f"Dataversion {ex.version[:8]}:") for c in at.caption)


def test_one_municipality_shows_its_own_row_only_and_the_figures_equal_the_function():
    at = app(PAGE, kommune="Vejle")
    fresh = tables_on(at)[0]
    assert list(fresh["Kommune"]) == ["Vejle"]
    expected = status.freshness_view(status.freshness(data.open_extract(), (630,), min_count=5))
    assert fresh.reset_index(drop=True).equals(expected)


@pytest.fixture
def late_root(tmp_path, monkeypatch):
    """A managed data directory: the late extract, then a delivery of one small part, then a rollback."""
    root = tmp_path / "data"
    src = write_extract(tmp_path / "src", late_tables())
    assert deliver.deliver(sorted(src.glob("*.parquet")), root, user="region").applied
    monkeypatch.setenv("IPS_DATA_DIR", str(root))
    monkeypatch.setenv("IPS_ALLOW_ANONYMOUS", "1")  # hand-made data are not the demo extract
    return root


def test_late_municipalities_the_log_and_small_counts(tmp_path, late_root):
    rows = late_tables()["participants"]
    part = write_csv(tmp_path / "participants.csv", "participants", rows, encoding="cp1252")
    assert deliver.deliver([part], late_root, user="vejle").applied
    at = app(PAGE)
    cards = shown(at)
    assert cards["Forsinkede kommuner"] == "2"
    assert any(fmt.plain("Forsinket: Esbjerg, Odense.") in w.value for w in at.warning)
    fresh, log = table_with(at, "Leveringsstatus"), table_with(at, "Fil")
    assert list(fresh["Leveringsstatus"][:2]) == ["Forsinket", "Forsinket"]
    # Newest first: the CSV of two courses (a person count, shown as <5), then the first delivery.
    assert list(log["Fil"][:2]) == ["participants.csv", "expenditures.parquet"]
    assert log["Rækker"].iloc[0] == "<5"
    assert list(log["Leveret af"][:2]) == ["vejle", "region"]
    assert set(log["Kontrol"]) == {"Bestået"}
    text = every_text(at)
    assert "V1" not in text and "O1" not in text  # no course id anywhere on the page
    line = next(c.value for c in at.caption if "version i brug" in c.value)
    # The line is Markdown showing its text as written (fmt.plain: the user's name comes from outside).
    assert fmt.plain(f"version i brug: {Path(source.data_dir(str(late_root))).name}") in line
    assert "seneste leverance" in line and "af vejle" in line


def test_a_rollback_shows_in_the_log_and_the_figures(tmp_path, late_root):
    new = write_extract(tmp_path / "new", dict(late_tables(), participants=late_tables()["participants"][:1]))
    assert deliver.deliver([new / "participants.parquet"], late_root).applied
    at = app(PAGE)
    assert shown(at)["Forsinkede kommuner"] == "2"
    assert deliver.rollback(late_root).applied
    at.run()
    assert not at.exception
    assert table_with(at, "Fil")["Handling"].iloc[0] == "Tilbagerulning"


def test_an_extract_that_breaks_the_contract_says_so(tmp_path, monkeypatch):
    tables = valid()
    tables["participants"][0]["exit_reason"] = "frafald"  # a reason without an exit date
    plain = write_extract(tmp_path / "plain", tables)
    monkeypatch.setenv("IPS_DATA_DIR", str(plain))
    monkeypatch.setenv("IPS_ALLOW_ANONYMOUS", "1")
    at = app(PAGE)
    assert shown(at)[texts.label("contract_check")] == "1 fejl"
    assert any("overholder ikke datakontrakten (1 fejl)" in e.value for e in at.error)
    problems = table_with(at, "Fejl")
    assert list(problems.columns) == ["Fejl"]
    assert problems["Fejl"].iloc[0].startswith("participants: fil participants.parquet, kolonne exit_reason")


def test_stray_tables_beside_a_managed_extract_are_named(tmp_path, late_root):
    (late_root / "participants.csv").write_bytes(csv_bytes("participants", grown()["participants"]))
    write_extract(late_root, {"placements": []})  # a table written by hand into the top folder
    at = app(PAGE)
    assert any("placements ligger direkte i datamappen" in w.value for w in at.warning)
