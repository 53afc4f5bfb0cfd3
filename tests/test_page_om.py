"""Om tallene under AppTest, and the tests that keep the docs honest (style.md, principle 11):
every figure has a definition, and every query file has a header and a caller."""

import re
from pathlib import Path

import pytest

from ipsdash import fmt, texts
from ipsdash.extract import contract, data
from ipsdash.figures import catalog, funding, grants, kpis
from tests.apptest import app, metrics
from tests.conftest import ROOT

PAGE = "pages/om.py"
# Keys of funding.FIGURES that name a row, not a figure.
ID_COLUMNS = {"grant_id", "municipality_code"}


# --- Every figure is defined ---------------------------------------------------------------------


def undefined(keys) -> list[str]:
    return [k for k in keys if k not in ID_COLUMNS and k not in texts.TERMS]


def test_every_figure_of_the_cli_has_a_definition():
    assert undefined(kpis.FIGURES) == []
    assert undefined(funding.FIGURES) == []


def test_every_figure_of_the_grants_page_has_a_definition():
    keys = [*grants.ROW_FIGURES, *grants.CATEGORY_COLUMNS.values(), "remaining_dkk", "spent_in_month_dkk", "outlook",
            "grant_start", "grant_end"]
    assert undefined(keys) == []


def test_the_definition_check_can_fail():
    assert undefined(["budget_dkk", "no_such_figure", "grant_id"]) == ["no_such_figure"]


def test_every_term_is_in_a_group_and_none_twice(monkeypatch):
    grouped = texts.grouped_terms()
    listed = [k for keys in grouped.values() for k in keys]
    assert sorted(listed) == sorted(texts.TERMS) and len(listed) == len(set(listed))
    assert {"Forløb", "Job og uddannelse", "Økonomi", "Kvalitet"} <= set(grouped)
    # A term added later without a group still shows, under the catch-all heading.
    monkeypatch.setitem(texts.TERMS, "new_figure", texts.Term("Nyt tal", "Et nyt tal."))
    assert texts.grouped_terms()[texts.OTHER_TERMS][-1] == "new_figure"


# --- Every query file has a header comment and a caller -------------------------------------------

CALL = re.compile(r"""\brun\(\s*[\w.]+\s*,\s*["'](\w+)["']""")  # data.run(extract, "name", ...)


def header(path: Path) -> str:
    """The comment lines a SQL file opens with, as one text."""
    lines = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.startswith("--"):
            break
        lines.append(line.removeprefix("--").strip())
    return " ".join(lines)


def headless(queries: Path) -> list[str]:
    """Query files whose opening comment is missing, or, for a question (not a base view or macro),
    does not say what one row of its answer is."""
    out = []
    for p in sorted(queries.rglob("*.sql")):
        question = p.parent == queries
        if len(header(p).split()) < 8 or (question and "row" not in header(p)):
            out.append(p.name)
    return out


def unused(queries: Path, code: list[Path]) -> list[str]:
    """Query files no Python file runs by name. Base views count as used when a file globs base/*.sql."""
    sources = [p.read_text(encoding="utf-8") for folder in code for p in folder.rglob("*.py")]
    called = {name for text in sources for name in CALL.findall(text)}
    base_loaded = any('glob("base/*.sql")' in text for text in sources)
    out = [p.name for p in sorted(queries.glob("*.sql")) if p.stem not in called]
    if not base_loaded:
        out += [f"base/{p.name}" for p in sorted((queries / "base").glob("*.sql"))]
    return out


CODE = [ROOT / "ipsdash", ROOT / "pages"]


def test_every_query_file_has_a_header_comment():
    assert headless(ROOT / "queries") == []


def test_every_query_file_is_run_by_some_python_file():
    assert unused(ROOT / "queries", CODE) == []


def test_the_query_checks_can_fail(tmp_path):
    queries = tmp_path / "queries"
    (queries / "base").mkdir(parents=True)
    (queries / "used.sql").write_text("-- Used: one row per thing, from the contract's definition.\nselect 1\n")
    (queries / "orphan.sql").write_text("select 1\n")
    (queries / "rowless.sql").write_text("-- Returns things by the contract's definition, without saying how.\nselect 1\n")
    (queries / "base" / "10_view.sql").write_text("create view v as select 1\n")
    code = tmp_path / "pkg"
    code.mkdir()
    (code / "mod.py").write_text('data.run(extract, "used", {})\n')
    assert unused(queries, [code]) == ["orphan.sql", "rowless.sql", "base/10_view.sql"]
    assert headless(queries) == ["10_view.sql", "orphan.sql", "rowless.sql"]


# --- The page ----------------------------------------------------------------------------------


def text_of(at) -> str:
    return "\n".join([m.value for m in at.markdown] + [c.value for c in at.caption])


def test_the_page_defines_every_term_and_the_small_number_rule():
    at = app(PAGE)
    assert at.title[0].value == "Om tallene"
    shown = text_of(at)
    for key, term in texts.TERMS.items():
        assert f"**{term.label}.** {term.definition}" in shown, key
    assert "vises som <5" in shown and "skjules ikke" in shown
    assert [t.label for t in at.tabs][:4] == ["Forløb", "Job og uddannelse", "Økonomi", "Kvalitet"]


def test_the_page_tells_how_current_and_which_version():
    at = app(PAGE)
    extract = data.get_extract()
    shown = metrics(at)
    assert shown["Udtrækkets dato"] == fmt.date_medium(catalog.span(extract)[1])
    assert shown["Datakontrakt"] == f"Version {contract.CONTRACT_VERSION}"
    # No data version, table names or commands for the steering group: those are on Leverancer (issue 19).
    assert "Dataversion" not in shown and extract.version[:8] not in text_of(at)
    groups = catalog.delivered(extract)
    assert shown["Kommuner med data"] == f"{len(groups['delivered'])} af 15"
    text = text_of(at)
    assert "IPS er planlagt, uden startdato:** Aabenraa, Haderslev, Svendborg." in text
    fresh = next(f.value for f in at.dataframe if "Leveringsstatus" in f.value.columns)
    assert len(fresh) == 15
    assert not any("Påkrævet" in f.value.columns for f in at.dataframe)
    assert not any(name in text_of(at).split() for name in contract.TABLES) and "python -m" not in text_of(at)


def test_a_municipality_filter_narrows_the_freshness_table():
    at = app(PAGE, kommune="Vejle")
    fresh = next(f.value for f in at.dataframe if "Leveringsstatus" in f.value.columns)
    assert list(fresh["Kommune"]) == ["Vejle"]


@pytest.fixture
def without_optional(tmp_path):
    from tests.builders import base_tables, write_extract

    return data.open_extract(str(write_extract(tmp_path, base_tables())))


def test_tables_say_which_optional_ones_are_missing(without_optional):
    tables = catalog.tables(without_optional).set_index("table")
    assert not tables.loc["staffing", "present"] and not tables.loc["staffing", "required"]
    assert tables.loc["participants", "present"] and tables.loc["participants", "required"]


def test_delivered_groups(without_optional):
    # The base extract: Vejle has IPS since 2019 but no course and no posting.
    assert catalog.delivered(without_optional) == {"delivered": [], "no_data": ["Vejle"], "starting": [],
                                                   "planned": []}
