"""Issue 16: what an outsider tried against a fresh clone, one test (or a few) per finding.

1. a login cookie forged with the example's secret; 2. real data carrying the demo mark;
3. formulas in exports; 4. memory bombs in deliveries; 5. Markdown in names; 6. prepared copies
deleted while read; 7. staging folders left by `kill -9`; 8. unverified email claims;
9. the server address; 10. a data folder that does not exist.
"""

from __future__ import annotations

import gc
import io
import json
import re
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from streamlit.testing.v1 import AppTest

from ipsdash import access, cli, demo, export, fmt, texts
from ipsdash.delivery import check, deliver, read, versions
from ipsdash.extract import data, prepared, source
from tests.builders import base_tables, write_extract
from tests.conftest import ROOT

DEMO = ROOT / "data"
AUTH = {
    "redirect_uri": "http://localhost:8501/oauth2callback",
    "cookie_secret": "0123456789abcdef0123456789abcdef0123456789abcdef",
    "client_id": "ips-dashboard",
    "client_secret": "test-secret",
    "server_metadata_url": "http://127.0.0.1:9/.well-known/openid-configuration",
}
ROLES = """
[[access]]
role = "regional"
groups = ["IPS.Region"]
emails = ["anna@region.example"]
"""


@pytest.fixture
def roles_file(tmp_path, monkeypatch) -> Path:
    path = tmp_path / "roles.toml"
    path.write_text(ROLES, encoding="utf-8")
    monkeypatch.setenv("IPS_ROLES_FILE", str(path))
    monkeypatch.delenv("IPS_ALLOW_ANONYMOUS", raising=False)
    monkeypatch.delenv("IPS_DATA_DIR", raising=False)
    return path


def run_app(secrets: dict | None, user: dict | None = None, page: str | None = None, **query) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=90)
    if secrets is not None:
        at.secrets = secrets
    if user is not None:
        at.user = user
    for key, value in query.items():
        at.query_params[key] = value
    at.run()
    if page is not None and "selection" in at.session_state:
        at.switch_page(page)
        at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


# --- 1. A forged login with the example's cookie secret -------------------------------------------


def example_auth() -> dict:
    return tomllib.loads((ROOT / ".streamlit" / "secrets.example.toml").read_text(encoding="utf-8"))["auth"]


@pytest.mark.parametrize(
    "change, words",
    [
        ({"cookie_secret": example_auth()["cookie_secret"]}, "eksemplets"),
        ({"cookie_secret": "short-secret"}, "kortere end 32"),
        ({"cookie_secret": "a" * 64}, "ét tegn gentaget"),
        ({"cookie_secret": ""}, "mangler"),
        ({"client_secret": example_auth()["client_secret"]}, "client_secret"),
        ({"entra": {"client_id": "x", "client_secret": example_auth()["client_secret"]}}, "[auth.entra] client_secret"),
    ],
)
def test_a_public_or_weak_secret_is_refused(change, words):
    problems = access.login_setup_problems({**AUTH, **change})
    assert problems and any(words in p for p in problems), problems


def test_a_good_secret_is_not_refused():
    assert access.login_setup_problems(AUTH) == []


def test_the_example_secrets_file_as_it_is_starts_nothing_even_with_a_forged_cookie(roles_file):
    """A cookie signed with the example's public secret claims the regional role: nothing is shown."""
    at = run_app({"auth": example_auth()}, user={"is_logged_in": True, "name": "Mallory", "roles": ["IPS.Region"]})
    assert not at.metric and not at.selectbox and not at.dataframe
    assert any(texts.LOGIN_SETUP_REFUSED in e.value and "token_hex" in e.value for e in at.error)
    # The same claims with a proper secret are let in: the refusal is the secret's alone.
    at = run_app({"auth": AUTH}, user={"is_logged_in": True, "name": "Anna", "roles": ["IPS.Region"]})
    assert at.metric and not at.error


# --- 2. The demo is the committed demo extract, not a mark -------------------------------------------


def test_the_committed_demo_extract_and_a_copy_of_it_are_demo(tmp_path):
    assert data.is_demo(str(DEMO))
    shutil.copytree(DEMO, tmp_path / "copy")
    assert data.is_demo(str(tmp_path / "copy"))
    manifest = json.loads((DEMO / data.DEMO_MANIFEST_NAME).read_text(encoding="utf-8"))["files"]
    assert sorted(manifest) == sorted(p.name for p in DEMO.glob("*.parquet"))


def test_real_data_cast_to_the_demo_schema_is_not_demo(tmp_path):
    """pyarrow carries a file's metadata to a table cast to its schema: any mark would come along."""
    real = tmp_path / "real"
    real.mkdir()
    for path in DEMO.glob("*.parquet"):
        schema = pq.read_schema(path)
        table = pq.read_table(path)
        if path.stem == "municipalities":  # one real change
            names = pa.array(["Rigtig " + n for n in table["name"].to_pylist()], type=pa.string())
            table = table.set_column(table.schema.get_field_index("name"), "name", names)
        pq.write_table(table.cast(schema).replace_schema_metadata(schema.metadata), real / path.name)
    assert not data.is_demo(str(real))
    assert not data.open_extract(str(real)).demo


def test_a_demo_made_elsewhere_and_a_delivered_copy_of_real_data_are_not_demo(tmp_path):
    demo.write_demo(tmp_path / "other", seed=9, courses=200)
    assert not data.is_demo(str(tmp_path / "other"))  # its own manifest beside it does not count
    root = tmp_path / "managed"
    outcome = deliver.deliver(sorted((tmp_path / "other").glob("*.parquet")), root)
    assert outcome.applied and not data.is_demo(str(root))
    # Delivered byte for byte, the committed demo extract stays demo.
    outcome = deliver.deliver(sorted(DEMO.glob("*.parquet")), root)
    assert outcome.applied and data.is_demo(str(root))


def test_make_demo_writes_the_committed_manifest(tmp_path):
    demo.write_demo(tmp_path, seed=42, courses=4000)
    assert (tmp_path / data.DEMO_MANIFEST_NAME).read_bytes() == (DEMO / data.DEMO_MANIFEST_NAME).read_bytes()


# --- 3. Formulas in exports ---------------------------------------------------------------------------

FORMULA = '=HYPERLINK("http://evil.example/","Vejle")'


def test_a_text_cell_in_an_excel_export_is_text_never_a_formula():
    table = pd.DataFrame({"municipality": [FORMULA, "@SUM(A1)", "+1", "http://evil.example/"], "referrals": [1, 2, 3, 4]})
    book = openpyxl.load_workbook(io.BytesIO(export.excel({"Kommuner": table})))
    cells = [book["Kommuner"].cell(row=r, column=1) for r in range(2, 6)]
    assert [c.value for c in cells] == list(table["municipality"])
    assert all(c.data_type == "s" for c in cells)
    raw = zipfile.ZipFile(io.BytesIO(export.excel({"Kommuner": table}))).read("xl/worksheets/sheet1.xml")
    assert b"<f>" not in raw and b"<hyperlink" not in raw


def test_a_text_cell_in_a_csv_export_cannot_start_a_formula():
    table = pd.DataFrame({"municipality": [FORMULA, "@x", "+1", "-2", "\tx", "Vejle"], "referrals": [1, -2, 3, 4, 5, 6]})
    text = export.csv(table).decode("utf-8-sig")
    rows = pd.read_csv(io.StringIO(text), sep=";", keep_default_na=False)
    assert list(rows["Kommune"]) == ["'" + FORMULA, "'@x", "'+1", "'-2", "'\tx", "Vejle"]
    assert list(rows[texts.label("referrals")]) == [1, -2, 3, 4, 5, 6]  # numbers stay numbers


def test_the_funders_excel_report_writes_names_as_text(tmp_path):
    from ipsdash.report import gather, workbook

    tables = base_tables()
    tables["municipalities"][0]["name"] = FORMULA
    ex = data.open_extract(str(write_extract(tmp_path, tables)))
    raw = workbook.to_xlsx(gather.build(ex, "G1", *_grant_period(tables), min_count=5))
    for name in zipfile.ZipFile(io.BytesIO(raw)).namelist():
        if name.startswith("xl/worksheets/"):
            assert b"<f>" not in zipfile.ZipFile(io.BytesIO(raw)).read(name), name


def _grant_period(tables):
    grant = tables["grants"][0]
    return grant["start_date"], grant["end_date"]


@pytest.mark.parametrize(
    "table, column, value",
    [("municipalities", "name", FORMULA), ("grants", "title", "+cmd"), ("grants", "funder", "@SUM(1)")],
)
def test_check_refuses_a_name_title_or_funder_that_starts_as_a_formula(tmp_path, table, column, value):
    tables = base_tables()
    tables[table][0][column] = value
    problems = check.check_extract(str(write_extract(tmp_path, tables)))
    found = [p for p in problems if p.rule == "formula_start"]
    assert len(found) == 1 and found[0].table == table and found[0].column == column
    assert "formel" in found[0].message
    tables[table][0][column] = "Vejle = Vejle"  # inside a text it is no formula
    assert not check.check_extract(str(write_extract(tmp_path / "ok", tables)))


# --- 4. Memory: deliveries read row by row, within limits --------------------------------------------


def bomb_xlsx(path: Path) -> Path:
    """A small workbook whose sheet claims every cell Excel has (A1:XFD1048576): read as the sheet
    says, each of its million rows would be 16,384 cells (128 GB as Python lists)."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "municipalities"
    sheet.append(["municipality_code", "name", "region", "ips_start"])
    sheet.append([630, "Vejle", "Syddanmark", "01-01-2019"])
    book.save(path)
    with zipfile.ZipFile(path) as zin:
        parts = {n: zin.read(n) for n in zin.namelist()}
    sheet_xml = "xl/worksheets/sheet1.xml"
    parts[sheet_xml] = re.sub(rb'<dimension ref="[^"]*" */>', b'<dimension ref="A1:XFD1048576"/>', parts[sheet_xml])
    # And one blank cell in the last row, so the rows between are "missing rows" to fill in.
    last = b'<row r="1048576"><c r="A1048576" t="inlineStr"><is><t> </t></is></c></row></sheetData>'
    parts[sheet_xml] = parts[sheet_xml].replace(b"</sheetData>", last)
    assert b"A1:XFD1048576" in parts[sheet_xml] and b"A1048576" in parts[sheet_xml]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
        for name, raw in parts.items():
            zout.writestr(name, raw)
    return path


def _peak_mb(code: str, limit_gb: int | None = None) -> tuple[int, str]:
    """Run `code` in a child process; (its peak RSS in MB, its output).

    `limit_gb` caps its address space, so that code reading a bomb whole fails instead of taking
    the machine (DuckDB, which reserves address space freely, cannot run under such a cap).
    """
    cap = f"resource.setrlimit(resource.RLIMIT_AS, ({limit_gb} << 30, {limit_gb} << 30))\n" if limit_gb else ""
    script = (
        f"import resource, sys\n{cap}sys.path.insert(0, {str(ROOT)!r})\n{code}\n"
        # VmHWM, not ru_maxrss: Linux carries ru_maxrss over from the parent across fork and exec, so a
        # child of a large test worker would report the worker's memory as its own.
        "print('PEAK', next(int(l.split()[1]) for l in open('/proc/self/status') if l.startswith('VmHWM')) // 1024)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], check=False, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    return int(done.stdout.rsplit("PEAK", 1)[1]), done.stdout


def test_a_workbook_claiming_every_cell_is_read_by_its_cells(tmp_path):
    path = bomb_xlsx(tmp_path / "municipalities.xlsx")
    assert path.stat().st_size < 10_000
    code = (
        "from ipsdash.delivery import deliver\n"
        f"outcome = deliver.deliver([{str(path)!r}], {str(tmp_path / 'dd')!r}, dry_run=True)\n"
        "print('ROWS', outcome.files and outcome.files[0]['rows'], [p.rule for p in outcome.problems])\n"
    )
    peak, out = _peak_mb(code, limit_gb=2)
    assert "ROWS 1" in out, out
    assert peak < 500, peak


@pytest.mark.parametrize("limit, value", [("MAX_FILE_BYTES", 1000), ("MAX_FILE_ROWS", 3), ("MAX_CELLS", 20)])
def test_a_file_beyond_the_limits_is_refused_with_a_message(tmp_path, monkeypatch, limit, value):
    monkeypatch.setattr(read, limit, value)
    path = tmp_path / "municipalities.csv"
    lines = ["municipality_code;name;region;ips_start"] + [f"{c};K{c};Syddanmark;01-01-2019" for c in range(600, 640)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    outcome = deliver.deliver([path], tmp_path / "dd", dry_run=True)
    assert not outcome.accepted
    assert [p.rule for p in outcome.problems] == ["too_large"]
    assert "for stor" in outcome.problems[0].message


def test_a_workbook_row_wider_than_the_limit_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(read, "MAX_COLUMNS", 5)
    book = openpyxl.Workbook()
    book.active.append(["municipality_code", "name", "region", "ips_start"])
    book.active.append([630, "Vejle", "Syddanmark", "01-01-2019", *range(10)])
    book.save(tmp_path / "municipalities.xlsx")
    outcome = deliver.deliver([tmp_path / "municipalities.xlsx"], tmp_path / "dd", dry_run=True)
    assert [p.rule for p in outcome.problems] == ["too_large"]


def test_the_command_line_says_a_file_is_too_large_and_exits_1(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(read, "MAX_FILE_BYTES", 10)
    path = tmp_path / "municipalities.csv"
    path.write_text("municipality_code;name;region;ips_start\n630;Vejle;Syddanmark;01-01-2019\n", encoding="utf-8")
    assert cli.main(["deliver", str(path), "--data-dir", str(tmp_path / "dd")]) == 1
    assert "for stor" in capsys.readouterr().err


def test_a_million_row_csv_delivery_stays_under_1_gb(tmp_path):
    """About 15 s: a million courses written as CSV (80 MB), delivered as a dry run, checked whole."""
    source_dir = tmp_path / "src"
    demo.write_demo(source_dir, courses=1_000_000)
    csv_path = tmp_path / "participants.csv"
    import duckdb

    duckdb.sql(
        f"copy (select * from '{source_dir / 'participants.parquet'}') to '{csv_path}' (header, delimiter ';')"
    )
    code = (
        "from ipsdash.delivery import deliver\n"
        f"outcome = deliver.deliver([{str(csv_path)!r}], {str(source_dir)!r}, dry_run=True)\n"
        "print('ACCEPTED', outcome.accepted, [p.text() for p in outcome.problems][:3])\n"
    )
    peak, out = _peak_mb(code)
    assert "ACCEPTED True" in out, out
    assert peak < 1024, peak


# --- 5. Markdown in names ------------------------------------------------------------------------------

PHISH = "[Log ind igen](http://evil.example/phish)"
IMAGE = "![x](http://evil.example/pixel.png)"
LINK = re.compile(r"(?<!\\)\[[^\]]*(?<!\\)\]\(")


def test_plain_shows_any_text_as_written():
    for text in (PHISH, IMAGE, "*fed* _kursiv_ `kode` # overskrift", ":red[rød] :material/home: $x$", "<b>x</b>"):
        escaped = fmt.plain(text)
        assert not LINK.search(escaped)
        assert re.sub(r"\\(.)", r"\1", escaped) == text  # unescaped, exactly the text


@pytest.fixture
def phishing_extract(tmp_path, monkeypatch, roles_file) -> Path:
    out = tmp_path / "phish"
    out.mkdir()
    for path in DEMO.glob("*.parquet"):
        table = pq.read_table(path)
        if path.stem == "municipalities":
            names = [PHISH if n == "Vejle" else IMAGE if n == "Odense" else n for n in table["name"].to_pylist()]
            table = table.set_column(table.schema.get_field_index("name"), "name", pa.array(names, pa.string()))
        if path.stem == "grants":
            titles = [IMAGE + " " + t for t in table["title"].to_pylist()]
            table = table.set_column(table.schema.get_field_index("title"), "title", pa.array(titles, pa.string()))
            funders = [PHISH for _ in table["funder"].to_pylist()]
            table = table.set_column(table.schema.get_field_index("funder"), "funder", pa.array(funders, pa.string()))
        pq.write_table(table, out / path.name)
    monkeypatch.setenv("IPS_DATA_DIR", str(out))
    monkeypatch.setenv("IPS_ALLOW_ANONYMOUS", "1")
    return out


def markdown_texts(at: AppTest) -> list[str]:
    """Every text of the run that Streamlit reads as Markdown."""
    found = []
    for kind in ("markdown", "caption", "info", "warning", "error", "success", "title", "header", "subheader"):
        found += [e.value for e in at.get(kind)]
    found += [t.label for t in at.tabs] + [m.label for m in at.metric] + [e.label for e in at.expander]
    return found


@pytest.mark.parametrize(
    "page, query",
    [
        ("pages/om.py", {}),
        ("pages/kommuner.py", {"kommune": PHISH}),
        ("pages/bevillinger.py", {}),
        ("pages/bevillinger.py", {"bevilling": "APMF-2021", "kommune": PHISH}),
    ],
)
def test_names_and_titles_reach_pages_as_plain_text(phishing_extract, page, query):
    at = run_app(None, page=page, **query)
    shown = markdown_texts(at)
    assert any(fmt.plain(PHISH) in t or fmt.plain(IMAGE) in t for t in shown), shown
    assert not [t for t in shown if LINK.search(t)]


# --- 6. Prepared copies are never deleted while an open extract reads them -----------------------------


def test_prepared_copies_of_open_extracts_are_kept(tmp_path, monkeypatch):
    monkeypatch.setenv("IPS_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("IPS_PREPARE_MIN_COURSES", "0")
    location = str(DEMO)
    scopes = [access.Scope(access.MUNICIPALITY, municipalities=(m,)) for m in (410, 420, 461, 530, 561, 630)]
    extracts = [data.open_extract(location, scope) for scope in scopes]
    assert all(ex.prepared for ex in extracts)
    assert len([p for p in (tmp_path / "cache").iterdir() if not p.name.startswith(".")]) == len(scopes)
    for ex in extracts:  # every one still reads its copies
        assert ex.cursor().execute("select count(*) from monthly_figures").fetchone()[0] > 0
    # Dropped, the least recently used beyond KEEP go at the next preparation.
    del extracts
    gc.collect()
    data.open_extract(location, access.Scope(access.MUNICIPALITY, municipalities=(621,)))
    assert len([p for p in (tmp_path / "cache").iterdir() if not p.name.startswith(".")]) == prepared.KEEP


# --- 7. No staging folders left by a killed delivery ----------------------------------------------------


def test_staging_is_inside_the_data_directory_and_leftovers_are_removed(tmp_path, monkeypatch):
    root = tmp_path / "data"
    assert deliver.deliver(sorted(DEMO.glob("*.parquet")), root).applied
    # What `kill -9` during deliveries left: by this version and by the one before (beside the folder).
    killed = root / versions.STAGING / "delivery-killed"
    killed.mkdir(parents=True)
    (killed / "participants.parquet").write_bytes(b"person data")
    old_style = tmp_path / ".data.delivery-killed"
    old_style.mkdir()
    (old_style / "participants.parquet").write_bytes(b"person data")
    half_moved = root / source.VERSIONS / ".incoming-killed"
    half_moved.mkdir()
    seen = []
    original = deliver._stage

    def spy(items, current, staging, outcome):
        seen.append(staging)
        assert staging.parent.stat().st_mode & 0o077 == 0  # the owner's only
        assert not killed.exists() and not old_style.exists() and not half_moved.exists()
        return original(items, current, staging, outcome)

    monkeypatch.setattr(deliver, "_stage", spy)
    assert deliver.deliver([DEMO / "grants.parquet"], root).applied
    assert seen[0].parent == root / versions.STAGING
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data"]
    assert not (root / versions.STAGING).exists()


# --- 8. Email claims count only when verified ------------------------------------------------------------


@pytest.mark.parametrize("claim", [None, "no", 0, "false", False, "0"])
def test_an_email_without_a_true_email_verified_matches_nothing(claim):
    roles = access.parse_roles(ROLES)
    user = {"email": "anna@region.example", "provider": "default"}
    if claim is not None:
        user["email_verified"] = claim
    assert access.scope_for(user, roles) is None


@pytest.mark.parametrize("claim", [True, "true", "True"])
def test_an_email_the_provider_says_is_verified_matches(claim):
    roles = access.parse_roles(ROLES)
    assert access.scope_for({"email": "anna@region.example", "email_verified": claim}, roles) == access.REGION


def test_a_provider_named_as_verifying_emails_needs_no_claim():
    roles = access.parse_roles('verified_email_providers = ["entra"]\n' + ROLES)
    assert access.scope_for({"email": "anna@region.example", "provider": "entra"}, roles) == access.REGION
    assert access.scope_for({"email": "anna@region.example", "provider": "google"}, roles) is None


# --- 9. The server address --------------------------------------------------------------------------------


def test_the_config_names_the_server_address_and_the_readme_says_how_to_set_it():
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["browser"]["serverAddress"]
    assert config["server"]["enableXsrfProtection"] is True
    login = (ROOT / "docs" / "login.md").read_text(encoding="utf-8")
    assert "STREAMLIT_BROWSER_SERVER_ADDRESS" in login and "browser.serverAddress" in login


def test_the_readme_login_section_says_what_is_refused_at_start():
    login = (ROOT / "docs" / "login.md").read_text(encoding="utf-8")  # README links to it
    assert "docs/login.md" in (ROOT / "README.md").read_text(encoding="utf-8")
    assert "Refused at start" in login and "cookie_secret" in login and "client_secret" in login


# --- 10. A data folder that does not exist ------------------------------------------------------------------


def test_a_missing_data_folder_is_said_on_the_page(roles_file, monkeypatch, tmp_path):
    monkeypatch.setenv("IPS_DATA_DIR", str(tmp_path / "no-such-dir"))
    at = run_app(None)
    assert any("findes ikke" in e.value and "no-such-dir" in e.value for e in at.error), [e.value for e in at.error]
    assert not any("login er ikke sat op" in e.value for e in at.error)


@pytest.mark.parametrize("command", [["check"], ["kpis", "--from", "2025-01-01", "--to", "2025-03-31"]])
def test_a_missing_data_folder_is_said_on_the_command_line(tmp_path, capsys, command):
    assert cli.main([*command, "--data-dir", str(tmp_path / "no-such-dir")]) == 1
    err = capsys.readouterr()
    text = err.out + err.err
    assert "findes ikke" in text and "no-such-dir" in text
    assert "participants" not in text  # not a list of missing tables


def test_no_person_data_in_the_limits_message(tmp_path, monkeypatch):
    """The size message names the file and the limit, never a cell."""
    monkeypatch.setattr(read, "MAX_FILE_ROWS", 1)
    path = tmp_path / "participants.csv"
    path.write_text("participant_id;municipality_code\nP0123456789;630\nP9999;630\n", encoding="utf-8")
    outcome = deliver.deliver([path], tmp_path / "dd", dry_run=True)
    assert outcome.problems and all("P0123456789" not in p.text() for p in outcome.problems)


def test_names_reach_charts_as_text_never_as_plotly_html():
    """Plotly draws <a href> (and <b>, <br>) in labels and hover text: every text a chart is built
    from reaches it with <, > and & as entities, which Plotly shows as the characters."""
    from ipsdash.app import parts

    name = '<a href="http://phish.example/">Log ind igen</a> & Vejle'
    df = pd.DataFrame({"municipality": [name, "<5"], "active": [7, "<5"]})
    args = parts._inert(df), parts._inert({"k": name}), parts._inert(name)
    assert "<a" not in args[0].to_json() and "<a" not in str(args[1]) and "<a" not in args[2]
    assert args[0]["municipality"][0] == "&lt;a href=\"http://phish.example/\"&gt;Log ind igen&lt;/a&gt; &amp; Vejle"
    assert args[0]["active"][0] == 7 and args[0]["active"][1] == "<5"  # the rule's own mark, as the CLI prints it
    assert df["municipality"][0] == name  # the caller's table is left as it was
