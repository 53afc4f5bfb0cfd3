"""Agreed targets (ipsdash/targets.py): the file, its mistakes by line, the status, and the pages."""

from __future__ import annotations

import pytest

from ipsdash import targets, texts
from tests.apptest import app
from tests.conftest import ROOT

GOOD = """# comment
[[target]]
figure = "placement_rate"
scope = "region"
direction = "higher"
value = 0.10
tolerance = 0.05
source = "Aftale med *Fonden* 2021"

[[target]]
figure = "waiting"
scope = "municipality:630"
direction = "lower"
value = 10
tolerance = 2
source = "Styregruppen"
"""


def test_the_example_file_holds_the_defaults():
    found = targets.load(ROOT / "targets.example.toml")
    by_figure = {t.figure: t for t in found}
    assert (by_figure["caseload"].direction, by_figure["caseload"].value) == ("lower", 20)
    assert (by_figure["fidelity"].direction, by_figure["fidelity"].value) == ("higher", 100)
    assert by_figure["rate_18m"].value == pytest.approx(0.599)
    assert all(t.scope == "region" and t.source for t in found)


@pytest.mark.parametrize(
    ("change", "line", "words"),
    [
        (('figure = "waiting"', 'figure = "ventetid"'), 11, "ukendt nøgletal 'ventetid'"),
        (('scope = "municipality:630"', 'scope = "kommune:630"'), 12, "ukendt omfang 'kommune:630'"),
        (('direction = "higher"', 'direction = "up"'), 5, "ukendt retning 'up'"),
        (("tolerance = 2\n", "tolerance = -2\n"), 15, "tolerance skal være et tal ≥ 0"),
        (("value = 10\n", 'value = "ti"\n'), 14, "value skal være et tal"),
        (('source = "Styregruppen"\n', ""), 10, "mangler 'source'"),
        (("tolerance = 2\n", "tolerance = 2\ncolour = 1\n"), 16, "ukendt nøgle 'colour'"),
    ],
)
def test_mistakes_name_the_line(change, line, words):
    with pytest.raises(targets.TargetsError) as exc:
        targets.parse(GOOD.replace(*change))
    assert f"linje {line}:" in str(exc.value) and words in str(exc.value)


def test_bad_toml_names_the_line():
    with pytest.raises(targets.TargetsError, match="linje 3: ikke gyldig TOML"):
        targets.parse(GOOD.replace('figure = "placement_rate"', "figure = placement_rate"))


def test_status_in_both_directions():
    higher = targets.Target("placement_rate", "region", "higher", 0.41, 0.05, "s")
    lower = targets.Target("caseload", "region", "lower", 20, 2, "s")
    assert [targets.status(v, higher) for v in (0.41, 0.5, 0.36, 0.3599, None, "<5", float("nan"))] == [
        "met", "met", "close", "not_met", None, None, None]
    assert [targets.status(v, lower) for v in (20, 3, 22, 22.01)] == ["met", "met", "close", "not_met"]
    assert targets.status(0.5, None) is None


def test_the_narrowest_target_that_fits_the_selection():
    found = targets.parse(GOOD)
    assert targets.find(found, "waiting", (630,)).source == "Styregruppen"
    assert targets.find(found, "waiting", (461,)) is None
    assert targets.find(found, "placement_rate", (630,)).scope == "region"
    assert targets.find(found, "placement_rate", (), ("G1",)).scope == "region"


def test_a_mistake_keeps_the_last_good_targets(tmp_path):
    file = tmp_path / "targets.toml"
    assert targets.current(file) == ((), None)  # no file: no targets
    file.write_text(GOOD, encoding="utf-8")
    good, problem = targets.current(file)
    assert len(good) == 2 and problem is None
    file.write_text(GOOD.replace('"higher"', '"opad"'), encoding="utf-8")
    kept, problem = targets.current(file)
    assert kept == good and "linje 5" in problem and "senest gyldige" in problem


# --- On the pages -------------------------------------------------------------------------------


def captions(at) -> list[str]:
    return [c.value for c in at.caption]


def test_cards_and_the_municipality_table_show_status(tmp_path, monkeypatch):
    file = tmp_path / "targets.toml"
    monkeypatch.setenv("IPS_TARGETS_FILE", str(file))
    # Without a targets file nothing changes.
    at = app()
    assert not [c for c in captions(at) if "-badge[" in c]
    file.write_text(GOOD, encoding="utf-8")
    at = app()
    badge = next(c for c in at.caption if "-badge[" in c.value)
    assert badge.value.startswith(":green-badge[Mål nået]") or badge.value.startswith(":orange-badge[")
    assert "mål 10 %" in badge.value
    assert "Aftale med \\*Fonden\\* 2021" in badge.proto.help  # the source on hover, as plain text
    at = app("pages/kommuner.py")
    table = at.dataframe[0].value
    table = getattr(table, "data", table)
    column = f"Mål: {texts.label('placement_rate').lower()}"
    assert column in table.columns
    assert set(table[column]) <= {"🟢 Mål nået", "🟠 Tæt på målet", "🔴 Mål ikke nået", ""}
    # A mistake: the page says so and keeps the last good targets.
    file.write_text(GOOD.replace('"higher"', '"opad"'), encoding="utf-8")
    at = app()
    assert any("linje 5" in w.value and "opad" in w.value for w in at.warning)
    assert any("-badge[" in c for c in captions(at))
