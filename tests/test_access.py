"""Login and who sees what (issue 6): roles, scopes, the scoped data layer, and the app under AppTest.

Three tiers: (a) the roles file and `scope_for` on hand-written claims; (b) a hand-made extract of
two municipalities and two grants opened with each scope, every table checked row by row, and
the KPIs, funding and the funder's report of a scope equal to the whole extract's for the same
municipalities or grants; (c) the app under AppTest with an injected identity (`at.user`,
`at.secrets`), showing that each role's cards, menus and downloads hold exactly its scope, that a
forged URL cannot widen it, and the safe default without login.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import json
import shutil
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest
from streamlit.testing.v1 import AppTest

from ipsdash import access, export, texts
from ipsdash.app import login, session, ui
from ipsdash.extract import data
from ipsdash.figures import filters, funding, kpis
from ipsdash.report import ReportError, gather, sheets
from tests.builders import base_tables, course, d, placement, write_extract
from tests.conftest import ROOT

# --- (a) Roles and scopes ------------------------------------------------------------------------

ROLES_TOML = """
group_claims = ["roles", "groups"]
contact = "ips@region.example"

[[access]]
role = "regional"
emails = ["Anna@Region.example"]
groups = ["IPS.Region"]

[[access]]
role = "municipality"
municipalities = [630]
groups = ["IPS.Kommune.630"]
emails = ["vejle@kommune.example"]

[[access]]
role = "municipality"
municipalities = [461]
groups = ["IPS.Kommune.461"]

[[access]]
role = "funder"
grants = ["APMF-2021"]
emails = ["fond@fond.example"]

[[access]]
role = "funder"
grants = ["KOMMUNAL"]
groups = ["only-through-entra"]
provider = "entra"
"""

VEJLE = access.Scope(access.MUNICIPALITY, municipalities=(630,))
ODENSE = access.Scope(access.MUNICIPALITY, municipalities=(461,))
FUNDER = access.Scope(access.FUNDER, grants=("APMF-2021",))


@pytest.fixture(scope="module")
def roles() -> access.Roles:
    return access.parse_roles(ROLES_TOML)


def test_scope_keys_are_stable_and_read_back():
    assert access.Scope(access.MUNICIPALITY, municipalities=(630, 461, 630)).key == '["municipality",[461,630],null]'
    assert access.REGION.key == '["regional",null,null]'
    for scope in (access.REGION, VEJLE, FUNDER, access.Scope(access.FUNDER, grants=("O'Brien|1", "A,B"))):
        assert access.Scope.from_key(scope.key) == scope


@pytest.mark.parametrize(
    "role, municipalities, grants",
    [
        ("regional", (630,), None),  # a regional scope limited: never silently wider or narrower
        ("municipality", None, None),  # a municipality role without a municipality would see all
        ("municipality", (), None),
        ("municipality", (630,), ("G1",)),
        ("funder", None, None),
        ("funder", None, ()),
        ("admin", None, None),
    ],
)
def test_a_scope_cannot_be_wider_than_its_role(role, municipalities, grants):
    with pytest.raises(ValueError):
        access.Scope(role, municipalities, grants)


def test_email_matches_case_insensitively_and_groups_exactly(roles):
    # (An email counts only when verified: tests/test_security.py.)
    assert access.scope_for({"email": "anna@region.example", "email_verified": True}, roles) == access.REGION
    assert access.scope_for({"email": "ANNA@REGION.EXAMPLE", "email_verified": True}, roles) == access.REGION
    assert access.scope_for({"roles": ["IPS.Kommune.630"]}, roles) == VEJLE
    assert access.scope_for({"groups": "IPS.Kommune.630"}, roles) == VEJLE  # a single value, not a list
    assert access.scope_for({"roles": ["ips.kommune.630"]}, roles) is None  # group values are exact
    assert access.scope_for({"email": "someone@else.example", "email_verified": True}, roles) is None
    assert access.scope_for({}, roles) is None


def test_an_unverified_email_matches_nothing(roles):
    assert access.scope_for({"email": "anna@region.example", "email_verified": False}, roles) is None
    assert access.scope_for({"email": "anna@region.example", "email_verified": True}, roles) == access.REGION


def test_entries_of_one_role_add_up_and_regional_wins(roles):
    both = access.scope_for({"roles": ["IPS.Kommune.630", "IPS.Kommune.461"]}, roles)
    assert both == access.Scope(access.MUNICIPALITY, municipalities=(461, 630))
    assert access.scope_for({"roles": ["IPS.Kommune.630", "IPS.Region"]}, roles) == access.REGION


def test_a_municipality_and_a_funder_entry_together_give_no_access(roles):
    both = {"roles": ["IPS.Kommune.630"], "email": "fond@fond.example", "email_verified": True}
    assert access.scope_for(both, roles) is None


def test_an_entry_bound_to_a_provider_matches_only_its_logins(roles):
    assert access.scope_for({"groups": ["only-through-entra"], "provider": "google"}, roles) is None
    assert access.scope_for({"groups": ["only-through-entra"]}, roles) is None
    entra = access.scope_for({"groups": ["only-through-entra"], "provider": "entra"}, roles)
    assert entra == access.Scope(access.FUNDER, grants=("KOMMUNAL",))


@pytest.mark.parametrize(
    "text, words",
    [
        ("[[access]]\nrole = 'boss'\nemails = ['a@b']", "role must be one of"),
        ("[[access]]\nrole = 'municipality'\nemails = ['a@b']", "needs at least one municipality"),
        ("[[access]]\nrole = 'municipality'\nmunicipalities = ['Vejle']\nemails = ['a@b']", "municipality codes"),
        ("[[access]]\nrole = 'funder'\ngrants = ['G1']", "matches no one"),
        ("[[access]]\nrole = 'regional'\nemail = ['a@b']", "unknown keys email"),
        ("[[access]]\nrole = 'regional'\nmunicipalities = [630]\nemails = ['a@b']", "sees everything"),
        ("groups_claim = ['roles']", "unknown keys groups_claim"),
        ("[[access]\nrole = 'regional'", "not valid TOML"),
    ],
)
def test_a_malformed_roles_file_is_refused_with_where_and_why(text, words):
    with pytest.raises(access.RolesError, match=words) as exc:
        access.parse_roles(text, "roles.toml")
    assert "roles.toml" in str(exc.value)


def test_the_committed_example_roles_file_is_valid():
    example = access.load_roles(ROOT / "roles.example.toml")
    assert {r.scope.role for r in example.rules} == set(access.ROLES)
    with pytest.raises(access.RolesError, match="cannot be read"):
        access.load_roles(ROOT / "no-such-roles.toml")


def test_the_committed_example_secrets_file_configures_auth_and_the_real_one_is_ignored():
    import tomllib

    example = tomllib.loads((ROOT / ".streamlit" / "secrets.example.toml").read_text(encoding="utf-8"))
    assert set(example["auth"]) >= {"redirect_uri", "cookie_secret", "client_id", "client_secret", "server_metadata_url"}
    ignored = (ROOT / ".gitignore").read_text(encoding="utf-8").split()
    assert ".streamlit/secrets.toml" in ignored and "roles.toml" in ignored


# --- (b) The scoped data layer on a hand-made extract -------------------------------------------
#
# Vejle (630) and Odense (461); grant G1 (Fonden) budgeted in both with 200.000 kept centrally,
# grant G2 (Regionen) in Odense only. Courses: V1–V6 in Vejle on G1; O1–O4 in Odense on G1,
# O5–O6 on G2, O7 on no grant. Postings: G1 Vejle 100.000, G1 Odense 150.000, G1 centrally
# 20.000, G2 Odense 50.000.


def tiny_tables() -> dict[str, list[dict]]:
    t = base_tables()
    t["municipalities"].append(
        {"municipality_code": 461, "name": "Odense", "region": "Syddanmark", "ips_start": d("2019-01-01")}
    )
    t["grants"].append(
        {
            "grant_id": "G2",
            "funder": "Regionen",
            "title": "Bevilling 2",
            "amount_dkk": 400_000.0,
            "start_date": d("2020-01-01"),
            "end_date": d("2025-12-31"),
        }
    )
    t["grant_budgets"] = [
        {"grant_id": "G1", "municipality_code": 630, "budget_dkk": 300_000.0},
        {"grant_id": "G1", "municipality_code": 461, "budget_dkk": 500_000.0},
        {"grant_id": "G2", "municipality_code": 461, "budget_dkk": 400_000.0},
    ]
    vejle = [course(f"V{i}", "2024-01-10", "2024-02-01") for i in range(1, 7)]
    odense = [course(f"O{i}", "2024-01-10", "2024-02-01", municipality_code=461) for i in range(1, 5)]
    odense += [course(f"O{i}", "2024-01-10", "2024-03-01", municipality_code=461, grant_id="G2") for i in (5, 6)]
    odense += [course("O7", "2024-01-10", "2024-03-01", municipality_code=461, grant_id=None)]
    t["participants"] = vejle + odense
    t["placements"] = [placement(p, "2024-04-01") for p in ("V1", "V2", "O1", "O5", "O7")]
    t["expenditures"] = [
        {"grant_id": g, "municipality_code": m, "posting_date": d("2024-03-31"), "category": "løn", "amount_dkk": a}
        for g, m, a in (("G1", 630, 100_000.0), ("G1", 461, 150_000.0), ("G1", None, 20_000.0), ("G2", 461, 50_000.0))
    ]
    t["staffing"] = [
        {"municipality_code": m, "month": d("2024-03-01"), "consultants_fte": fte, "consultants_trained": 2,
         "consultants_in_training": 0}
        for m, fte in ((630, 2.0), (461, 3.0))
    ]  # fmt: skip
    t["fidelity_reviews"] = [
        {"municipality_code": m, "review_date": d("2024-03-15"), "total_score": s} for m, s in ((630, 101), (461, 88))
    ]
    return t


@pytest.fixture(scope="module")
def tiny(tmp_path_factory) -> str:
    return str(write_extract(tmp_path_factory.mktemp("tiny"), tiny_tables()))


def rows(extract: data.Extract, sql: str) -> list[tuple]:
    return sorted(extract.cursor().execute(sql).fetchall(), key=repr)


TINY_VEJLE = access.Scope(access.MUNICIPALITY, municipalities=(630,))
TINY_G1 = access.Scope(access.FUNDER, grants=("G1",))
TINY_G2 = access.Scope(access.FUNDER, grants=("G2",))


def test_a_municipality_sees_only_its_own_rows_in_every_table(tiny):
    ex = data.open_extract(tiny, TINY_VEJLE)
    assert rows(ex, "select municipality_code from municipalities") == [(630,)]
    assert rows(ex, "select distinct municipality_code from participants") == [(630,)]
    assert len(rows(ex, "select * from participants")) == 6
    assert rows(ex, "select participant_id from placements") == [("V1",), ("V2",)]
    assert rows(ex, "select participant_id from courses where first_placement_date is not null") == [("V1",), ("V2",)]
    # Its own postings only: not Odense's, and not those made centrally.
    assert rows(ex, "select grant_id, municipality_code, amount_dkk from expenditures") == [("G1", 630, 100_000.0)]
    assert rows(ex, "select grant_id, municipality_code from grant_budgets") == [("G1", 630)]
    # Its own part of G1 (its budget), not the whole grant; G2 has nothing of Vejle in it.
    assert rows(ex, "select grant_id, amount_dkk from grants") == [("G1", 300_000.0)]
    assert rows(ex, "select municipality_code from staffing") == [(630,)]
    assert rows(ex, "select total_score from fidelity_reviews") == [(101,)]
    assert ex.has("staffing") and ex.has("fidelity_reviews") and ex.scope == TINY_VEJLE


def test_a_funder_sees_its_grant_whole_and_nothing_else(tiny):
    ex = data.open_extract(tiny, TINY_G1)
    assert rows(ex, "select grant_id, amount_dkk from grants") == [("G1", 1_000_000.0)]
    assert rows(ex, "select municipality_code from municipalities") == [(461,), (630,)]
    assert rows(ex, "select distinct grant_id from participants") == [("G1",)]
    assert len(rows(ex, "select * from participants")) == 10
    assert rows(ex, "select participant_id from placements") == [("O1",), ("V1",), ("V2",)]
    # The grant's central spending is the funder's too.
    assert rows(ex, "select municipality_code, amount_dkk from expenditures") == [
        (461, 150_000.0), (630, 100_000.0), (None, 20_000.0)
    ]  # fmt: skip
    # Staffing and fidelity belong to a municipality, not a grant.
    assert rows(ex, "select * from staffing") == [] and rows(ex, "select * from fidelity_reviews") == []
    assert not ex.has("staffing") and not ex.has("fidelity_reviews")
    g2 = data.open_extract(tiny, TINY_G2)
    assert rows(g2, "select municipality_code from municipalities") == [(461,)]
    assert rows(g2, "select participant_id from participants") == [("O5",), ("O6",)]


def test_the_whole_extract_is_unchanged_without_a_scope_and_for_the_region(tiny):
    for ex in (data.open_extract(tiny), data.open_extract(tiny, access.REGION)):
        assert len(rows(ex, "select * from participants")) == 13
        assert len(rows(ex, "select * from expenditures")) == 4
        assert rows(ex, "select grant_id, amount_dkk from grants") == [("G1", 1_000_000.0), ("G2", 400_000.0)]


def test_scope_values_are_bound_not_formatted(tiny):
    # A grant id that would break SQL formatted into it: bound, it is just a value matching nothing.
    ex = data.open_extract(tiny, access.Scope(access.FUNDER, grants=("G1') or true or ('",)))
    assert rows(ex, "select * from participants") == [] and rows(ex, "select * from grants") == []


PERIOD = (d("2024-01-01"), d("2024-06-30"))


def test_a_scopes_kpis_equal_the_whole_extracts_for_its_municipalities_or_grants(tiny):
    whole = data.open_extract(tiny)
    cases = (
        (TINY_VEJLE, kpis.Filters(municipalities=(630,))),
        (TINY_G1, kpis.Filters(grants=("G1",))),
        (TINY_G2, kpis.Filters(grants=("G2",))),
    )
    for scope, same in cases:
        ex = data.open_extract(tiny, scope)
        for by in ("none", "month", "target_group"):
            mine = kpis.kpi_raw(ex, *PERIOD, by=by)
            theirs = kpis.kpi_raw(whole, *PERIOD, by=by, filters=same)
            assert mine.equals(theirs), (scope, by)
    # Hand-worked: Vejle has 6 courses active in the period, 2 of them placed.
    vejle = kpis.kpi_raw(data.open_extract(tiny, TINY_VEJLE), *PERIOD).iloc[0]
    assert (vejle["active_in_period"], vejle["placed"]) == (6, 2)


def test_a_filter_outside_the_scope_finds_nothing(tiny):
    # What a forged ?kommune=Odense would ask of Vejle's extract: no Odense courses are there.
    ex = data.open_extract(tiny, TINY_VEJLE)
    forged = kpis.kpi_raw(ex, *PERIOD, filters=kpis.Filters(municipalities=(461,))).iloc[0]
    assert forged["referrals"] == 0 and forged["active_in_period"] == 0
    by = kpis.kpi_raw(ex, *PERIOD, by="municipality")
    assert list(by["municipality_code"]) == [630]


def test_a_municipalitys_funding_is_its_own_part_of_each_grant(tiny):
    ex = data.open_extract(tiny, TINY_VEJLE)
    on = d("2024-06-30")
    by_grant = funding.funding_raw(ex, on, by="grant")
    assert list(by_grant["grant_id"]) == ["G1"]
    row = by_grant.iloc[0]
    assert (row["budget_dkk"], row["spent_dkk"], row["courses"]) == (300_000.0, 100_000.0, 6)
    assert row["use"] == pytest.approx(1 / 3)
    by_municipality = funding.funding_raw(ex, on, by="municipality")
    own = by_municipality[by_municipality["municipality_code"].notna()]
    assert list(own["municipality_code"]) == [630]
    # The region's view of the same row is the same figures.
    whole = funding.funding_raw(data.open_extract(tiny), on, by="municipality")
    same = whole[whole["municipality_code"] == 630].reset_index(drop=True)
    assert own.reset_index(drop=True)[["budget_dkk", "spent_dkk", "courses", "placed"]].equals(
        same[["budget_dkk", "spent_dkk", "courses", "placed"]]
    )
    # Nothing is kept centrally of Vejle's part: no Odense budget shows up as "central".
    central = by_municipality[by_municipality["municipality_code"].isna()].iloc[0]
    assert (central["budget_dkk"], central["spent_dkk"]) == (0.0, 0.0)


def test_a_funders_report_is_its_grants_report_and_other_grants_are_unknown(tiny):
    whole = data.open_extract(tiny)
    mine = data.open_extract(tiny, TINY_G1)
    theirs = gather.build(whole, "G1", *PERIOD, min_count=0)
    built = gather.build(mine, "G1", *PERIOD, min_count=0)
    for name, table in sheets.tables(theirs).items():
        assert sheets.tables(built)[name].equals(table), name
    with pytest.raises(ReportError, match="ukendt bevilling"):
        gather.build(mine, "G2", *PERIOD, min_count=5)


def test_a_municipalitys_report_names_no_other_municipality(tiny):
    built = gather.build(data.open_extract(tiny, TINY_VEJLE), "G1", *PERIOD, min_count=0)
    text = "".join(t.to_csv() for t in sheets.tables(built).values())
    assert "Vejle" in text and "Odense" not in text


def test_comparison_rates_are_the_regions_rates_without_counts(tiny):
    whole = data.open_extract(tiny)
    table = access.comparison_rates(whole, *PERIOD, min_count=0)
    assert list(table.columns) == ["municipality_code", "municipality", "status", "is_started",
                                   *access.COMPARISON_FIGURES]  # fmt: skip
    assert not set(table.columns) & set(kpis.RULE.counts)
    rates = dict(zip(table["municipality"], table["placement_rate"]))
    # Hand-worked: Vejle 2 of 6, Odense 3 of 7 (O1, O5, O7), the region 5 of 13.
    assert rates["Vejle"] == pytest.approx(2 / 6)
    assert rates["Odense"] == pytest.approx(3 / 7)
    assert rates["Hele regionen"] == pytest.approx(5 / 13)


# --- (c) The app under AppTest with an injected identity ------------------------------------------

AUTH = {
    "auth": {
        "redirect_uri": "http://localhost:8501/oauth2callback",
        "cookie_secret": "test-cookie-secret-that-is-long-enough",
        "client_id": "ips-dashboard",
        "client_secret": "test-secret",
        "server_metadata_url": "http://127.0.0.1:9/.well-known/openid-configuration",
    }
}
DEMO = ROOT / "data"


@pytest.fixture
def roles_file(tmp_path, monkeypatch) -> Path:
    path = tmp_path / "roles.toml"
    path.write_text(ROLES_TOML, encoding="utf-8")
    monkeypatch.setenv("IPS_ROLES_FILE", str(path))
    monkeypatch.delenv("IPS_ALLOW_ANONYMOUS", raising=False)
    monkeypatch.delenv("IPS_DATA_DIR", raising=False)
    return path


@pytest.fixture
def downloaded(monkeypatch) -> list:
    """Every set of tables the pages hand to the download buttons (`ui.downloads`).

    The buttons write their files on click (a deferred download), so the tables are taken where
    the page hands them over; `test_every_download_is_written_from_the_tables_handed_over`
    shows the files hold just those tables.
    """
    seen: list = []
    original = ui.downloads

    def spy(name, tables):
        seen.append(dict(tables))
        return original(name, tables)

    monkeypatch.setattr(ui, "downloads", spy)
    return seen


def test_every_download_is_written_from_the_tables_handed_over(monkeypatch):
    buttons = {}
    monkeypatch.setattr(ui.st, "download_button", lambda label, data, **_: buttons.setdefault(label, data))
    monkeypatch.setattr(ui.st, "popover", lambda *_, **__: contextlib.nullcontext())
    monkeypatch.setattr(session, "selection", lambda: filters.Selection(dt.date(2024, 1, 1), dt.date(2024, 3, 31)))
    tables = {"Nøgletal": pd.DataFrame({"referrals": [12, "<5"]}), "Måned for måned": pd.DataFrame({"waiting": [7]})}
    ui.downloads("test", tables)
    assert sorted(buttons) == ["CSV: Måned for måned", "CSV: Nøgletal", "Excel (alle tabeller)"]
    # Deferred: each button holds a function that writes its file when clicked.
    assert all(callable(make) for make in buttons.values())
    assert buttons["CSV: Nøgletal"]() == export.csv(tables["Nøgletal"])
    assert buttons["CSV: Måned for måned"]() == export.csv(tables["Måned for måned"])
    sheets = pd.read_excel(io.BytesIO(buttons["Excel (alle tabeller)"]()), sheet_name=None)
    assert list(sheets) == list(tables)
    for title, df in tables.items():
        assert sheets[title].astype(str).equals(export.labelled(df).astype(str))


def run_as(user: dict | None, page: str | None = None, secrets: dict | None = AUTH, **query) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=90)
    if secrets:
        at.secrets = secrets
    if user is not None:
        at.user = user
    for key, value in query.items():
        at.query_params[key] = value
    at.run()
    if page is not None and not at.exception and "selection" in at.session_state:
        at.switch_page(page)
        at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def logged_in(**claims) -> dict:
    """A logged-in user's claims; an email as the provider verified it (unverified ones match nothing)."""
    return {"is_logged_in": True, "name": "Test Bruger", **({"email_verified": True} if "email" in claims else {}), **claims}


def cards(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def expected_cards(at: AppTest, same: kpis.Filters) -> dict[str, str]:
    """The overview's cards as the whole extract gives them for the same municipalities or grants."""
    sel = at.session_state["selection"]
    whole = data.open_extract(str(DEMO))
    row = kpis.kpi_table(whole, sel.start, sel.end, filters=same, min_count=5).iloc[0]
    keys = ("active", "waiting", "placement_rate", "job_starts", "referrals", "enrollments",
            "waiting_days_median", "active_in_period")  # fmt: skip
    return {texts.short(k): ui.display(k, row[k]) for k in keys}  # cards carry the short names (issue 19)


def test_without_login_no_one_sees_anything_but_the_login_button(roles_file):
    at = run_as({"is_logged_in": False})
    assert [b.label for b in at.button] == [texts.LOGIN_BUTTON]
    assert not at.metric and not at.selectbox and not at.multiselect
    assert "selection" not in at.session_state


def test_a_user_without_a_role_is_told_so_and_sees_nothing(roles_file):
    at = run_as(logged_in(email="stranger@else.example"))
    assert any(texts.NO_ACCESS in e.value and "ips@region.example" in e.value for e in at.error)
    assert not at.metric and not at.selectbox
    assert texts.LOGOUT_BUTTON in [b.label for b in at.button]


def test_a_missing_roles_file_gives_no_one_access(roles_file, monkeypatch):
    monkeypatch.setenv("IPS_ROLES_FILE", str(roles_file.parent / "missing.toml"))
    at = run_as(logged_in(email="anna@region.example"))
    assert any(texts.NO_ACCESS in e.value for e in at.error) and not at.metric


def test_a_regional_user_sees_every_municipality(roles_file):
    at = run_as(logged_in(email="anna@region.example"))
    assert len(at.multiselect(key="kommune").options) == 15
    assert cards(at) == expected_cards(at, kpis.Filters())


def test_a_municipality_sees_its_own_figures_and_a_forged_url_cannot_widen_them(roles_file, downloaded):
    vejle = kpis.Filters(municipalities=(630,))
    at = run_as(logged_in(roles=["IPS.Kommune.630"]))
    assert at.multiselect(key="kommune").options == ["Vejle"]
    assert cards(at) == expected_cards(at, vejle)
    assert at.caption[0].value.startswith("Vejle ·")
    # The sidebar says who is logged in and what they see.
    assert any("Kommune: Vejle" in c.value for c in at.sidebar.caption)
    # Vejle has no budget in APMF-2021: the grant is not offered.
    assert "Udbredelse af IPS i Region Syddanmark (APMF-2021)" not in at.selectbox(key="bevilling").options
    # The download holds exactly Vejle's months, as the whole extract gives them for Vejle.
    sel = at.session_state["selection"]
    trend_start = min(sel.start, filters.add_months(sel.end, -23).replace(day=1))
    whole = data.open_extract(str(DEMO))
    assert downloaded[-1]["Måned for måned"].equals(kpis.kpi_table(whole, trend_start, sel.end, by="month", filters=vejle, min_count=5))

    for forged in ({"kommune": "Odense"}, {"kommune": ["Odense", "Vejle"]}, {"kommune": "461"},
                   {"bevilling": "Udbredelse af IPS i Region Syddanmark (APMF-2021)"}):  # fmt: skip
        again = run_as(logged_in(roles=["IPS.Kommune.630"]), **forged)
        assert cards(again) == cards(at), forged


def test_two_users_never_share_cached_figures(roles_file):
    vejle = run_as(logged_in(roles=["IPS.Kommune.630"]))
    odense = run_as(logged_in(roles=["IPS.Kommune.461"]))
    assert cards(vejle) == expected_cards(vejle, kpis.Filters(municipalities=(630,)))
    assert cards(odense) == expected_cards(odense, kpis.Filters(municipalities=(461,)))
    assert cards(vejle) != cards(odense)
    assert odense.multiselect(key="kommune").options == ["Odense"]


def test_a_funder_sees_only_its_grant(roles_file):
    at = run_as(logged_in(email="fond@fond.example"))
    grants = at.selectbox(key="bevilling").options
    assert grants == ["Alle bevillinger", "Udbredelse af IPS i Region Syddanmark (APMF-2021)"]
    assert cards(at) == expected_cards(at, kpis.Filters(grants=("APMF-2021",)))
    assert set(at.multiselect(key="kommune").options) <= {"Middelfart", "Varde", "Billund", "Nordfyns", "Kolding",
                                                         "Esbjerg", "Sønderborg", "Assens"}  # fmt: skip


PAGES = ("pages/venteliste.py", "pages/job.py", "pages/bevillinger.py", "pages/kommuner.py", "pages/kvalitet.py",
         "pages/om.py")  # fmt: skip


@pytest.mark.parametrize(
    "user, allowed",
    [
        ({"roles": ["IPS.Kommune.630"]}, {630}),
        ({"email": "fond@fond.example"}, {410, 420, 480, 530, 540, 561, 573, 621}),
    ],
)
def test_every_page_and_download_of_a_limited_user_holds_only_its_scope(roles_file, downloaded, user, allowed):
    for page in PAGES:
        before = len(downloaded)
        at = run_as(logged_in(**user), page, kommune="Odense")
        assert at.title[0].value != "Overblik", page
        for tables in downloaded[before:]:
            for name, table in tables.items():
                if page == "pages/kommuner.py" and name == "Andele pr. kommune" and user.get("roles"):
                    # The one view of other municipalities the issue grants a municipality: rates
                    # beside the region, and not one count among them.
                    assert not set(table.columns) & set(kpis.RULE.counts), table.columns
                    continue
                if "municipality_code" in table:
                    codes = {int(c) for c in table["municipality_code"].dropna()}
                    assert codes <= allowed, (page, name, codes - allowed)
                for column in ("municipality", "Kommune"):
                    if column in table:
                        assert "Odense" not in set(table[column].astype(str)), (page, name)


def test_pages_reach_data_only_through_the_scoped_glue():
    """No page opens an extract itself, or the cache behind ui.call: the scope could not limit it."""
    import ast

    for page in sorted((ROOT / "pages").glob("*.py")):
        for node in ast.walk(ast.parse(page.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                assert not {a.name for a in node.names} & {"duckdb", "ipsdash.extract.data"}, page.name
            elif isinstance(node, ast.ImportFrom):
                assert node.module not in ("duckdb", "ipsdash.extract.data"), page.name
                assert node.module != "ipsdash" or "data" not in {a.name for a in node.names}, page.name
            elif isinstance(node, ast.Attribute):
                private = isinstance(node.value, ast.Name) and node.value.id == "ui" and node.attr.startswith("_")
                assert not private and node.attr not in ("open_extract", "get_extract"), (page.name, node.attr)


def test_pages_reading_files_beside_the_extract_are_for_the_region_only(roles_file, monkeypatch):
    pages = [type("P", (), {"url_path": p})() for p in ("overblik", "leverancer", "om")]
    for scope, shown in ((access.REGION, ["overblik", "leverancer", "om"]), (VEJLE, ["overblik", "om"]),
                         (FUNDER, ["overblik", "om"])):  # fmt: skip
        monkeypatch.setattr(login, "current_scope", lambda scope=scope: scope)
        assert [p.url_path for p in ui.pages_for(pages)] == shown


def _comparison_page():
    """A stand-in for the Kommuner page: what `ui.comparison_rates` and `ui.call` give this user."""
    import datetime as dt

    import streamlit as st

    from ipsdash.app import ui
    from ipsdash.figures import catalog, kpis

    if ui.admit():
        period = (dt.date(2025, 1, 1), dt.date(2025, 12, 31))
        st.session_state["rates"] = ui.comparison_rates(*period, kpis.Filters(municipalities=(630,)))
        st.session_state["names"] = ui.call(catalog.municipality_names)


def comparison_as(user: dict) -> AppTest:
    at = AppTest.from_function(_comparison_page, default_timeout=90)
    at.secrets = AUTH
    at.user = user
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_comparison_rates_reach_a_municipality_user_as_rates_only(roles_file):
    """The Kommuner page's one view outside the scope: every municipality beside the region, rates only."""
    whole = access.comparison_rates(data.open_extract(str(DEMO)), dt.date(2025, 1, 1), dt.date(2025, 12, 31), min_count=5)
    at = comparison_as(logged_in(roles=["IPS.Kommune.630"]))
    rates = at.session_state["rates"]
    assert rates.equals(whole) and len(rates) == 16
    assert not set(rates.columns) & set(kpis.RULE.counts)
    # Every other figure of that user still comes from Vejle's extract only.
    assert at.session_state["names"] == {630: "Vejle"}
    # A funder's comparison is of its own grant's courses: its municipalities only.
    funder = comparison_as(logged_in(email="fond@fond.example"))
    codes = set(funder.session_state["rates"]["municipality_code"].dropna())
    assert codes == {410, 420, 480, 530, 540, 561, 573, 621}
    # Without a role, nothing.
    stranger = comparison_as(logged_in(email="stranger@else.example"))
    assert "rates" not in stranger.session_state


# --- The safe default: no login ----------------------------------------------------------------


@pytest.fixture(scope="module")
def real_looking(tmp_path_factory) -> str:
    """The demo extract with its files written again (no longer byte for byte the committed ones): to the app, real data."""
    out = tmp_path_factory.mktemp("real")
    for path in DEMO.glob("*.parquet"):
        table = pq.read_table(path)
        pq.write_table(table.replace_schema_metadata(None), out / path.name)
    assert not data.is_demo(str(out)) and data.is_demo(str(DEMO))
    return str(out)


def test_one_real_file_among_demo_files_is_not_demo(tmp_path, real_looking):
    mixed = tmp_path / "mixed"
    shutil.copytree(DEMO, mixed, ignore=shutil.ignore_patterns(".*"))
    shutil.copy(Path(real_looking) / "participants.parquet", mixed / "participants.parquet")
    assert not data.is_demo(str(mixed))


def test_without_login_the_demo_extract_is_served_to_everyone(roles_file):
    at = run_as(None, secrets=None)
    assert at.title[0].value == "Overblik" and cards(at)
    assert not any(texts.ANONYMOUS_NOTICE in w.value for w in at.warning)
    assert not [b for b in at.button if b.label == texts.LOGOUT_BUTTON]


def test_without_login_real_data_are_refused_with_how_to_configure_login(roles_file, monkeypatch, real_looking):
    monkeypatch.setenv("IPS_DATA_DIR", real_looking)
    at = run_as(None, secrets=None)
    assert not at.metric and not at.selectbox
    assert any("secrets.toml" in e.value and "IPS_ALLOW_ANONYMOUS" in e.value for e in at.error)
    # Nor can a page be opened by its address.
    at = run_as(None, "pages/venteliste.py", secrets=None)
    assert not at.metric and not at.dataframe and not at.get("plotly_chart")


def test_allow_anonymous_serves_real_data_and_every_page_says_so(roles_file, monkeypatch, real_looking):
    monkeypatch.setenv("IPS_DATA_DIR", real_looking)
    monkeypatch.setenv("IPS_ALLOW_ANONYMOUS", "1")
    for page in (None, *PAGES):
        at = run_as(None, page, secrets=None)
        assert at.title[0].value, page
        assert any(texts.ANONYMOUS_NOTICE in w.value for w in at.warning), page
    monkeypatch.setenv("IPS_ALLOW_ANONYMOUS", "yes")  # only exactly "1" counts
    at = run_as(None, secrets=None)
    assert not at.metric and at.error


def test_kommuner_page_shows_a_municipality_user_the_others_as_rates_only(roles_file):
    at = run_as(logged_in(roles=["IPS.Kommune.630"]), "pages/kommuner.py")
    assert at.title[0].value == "Kommuner – Vejle"  # the user's own municipality, in the title (issue 19)
    shown = [df.value for df in at.dataframe]
    assert len(shown) == 1
    table = shown[0]
    # Every municipality is there, beside the region, and no column is a count.
    assert "Odense" in table.iloc[:, 0].tolist() and len(table) == 16
    count_labels = {name for c in kpis.RULE.counts if c in texts.TERMS for name in (texts.label(c), texts.short(c))}
    assert texts.short("active") in count_labels
    assert not count_labels & set(table.columns)
    # The chart carries rates only: no trace has a value above 1.
    for chart in at.get("plotly_chart"):
        spec = json.loads(chart.proto.spec)
        for trace in spec["data"]:
            assert all(v is None or 0 <= v <= 1 for v in trace.get("x", []) if not isinstance(v, str))
