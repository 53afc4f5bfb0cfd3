"""Streamlit glue that is not layout: the open extract, cached figures, the shared selection.

The extract is opened once per data version and user scope (`st.cache_resource`); figures are
cached on plain values — the figure function's name, its arguments, the data version and the
user's scope (ipsdash/access.py) — so a new delivery is picked up on the next rerun, one rerun
reads one version only, and no user is ever given another scope's cached figures.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import importlib
import logging
import os
import pickle
from collections.abc import Mapping

import pandas as pd
import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from ipsdash import access, charts, export, fmt, texts, theme
from ipsdash.extract import data, record_keys, source
from ipsdash.figures import catalog, events, filters, kpis, privacy, targets
from ipsdash.figures.filters import Selection

log = logging.getLogger(__name__)


# One open extract per data version and scope (a scope's views hold only its rows): a few
# versions (one in use, one being replaced) times the scopes of the users online.
@st.cache_resource(max_entries=32, show_spinner=False)
def _open(location: str, version: str, scope_key: str) -> data.Extract:
    return data.open_extract(location, access.Scope.from_key(scope_key))


class ExtractUnavailable(Exception):
    """No extract could be opened and none was open before."""


def _this_run() -> object | None:
    """An object that is new for every run of the script; None outside a run.

    Streamlit gives every run a fresh `cursors` dict (ScriptRunContext.reset). The session state
    keeps a reference to it beside the pinned version, so identity cannot be reused by a later run.
    """
    ctx = get_script_run_ctx(suppress_warning=True)
    return None if ctx is None else ctx.cursors


def extract() -> data.Extract:
    """The extract of this rerun; pinned in the session state so one rerun never mixes versions.

    The data directory is looked at once per run, at the first call; later calls in the same run
    get the same version even if a delivery lands meanwhile (tests/test_deliver.py holds this).
    When the data directory holds a newer version that cannot be opened, the version already in
    use stays, and `st.session_state["data_warning"]` says why.
    """
    run = _this_run()
    pinned = st.session_state.get("_extract_pin")
    # The user's scope is looked up once per run too, with the version, and held beside it.
    if run is not None and pinned is not None and st.session_state.get("_extract_run") is run:
        return _open(*pinned, st.session_state["_extract_scope"])
    scope_key = current_scope().key
    st.session_state["_extract_run"] = run
    st.session_state["_extract_scope"] = scope_key
    location = source.data_dir()
    try:
        version = data.version(location)
        if pinned is None or pinned[1] != version or pinned[0] != location:
            current = _open(location, version, scope_key)
            st.session_state["_extract_pin"] = (location, version)
        else:
            current = _open(*pinned, scope_key)
        st.session_state.pop("data_warning", None)
        return current
    except Exception as exc:  # noqa: BLE001 - any failure to open keeps the data already in use
        log.warning("could not open the extract at %s: %s", location, type(exc).__name__)
        if pinned is not None:
            st.session_state["data_warning"] = (
                "Et nyt udtræk kunne ikke læses; siden viser fortsat de data, der var indlæst. "
                "Kør `python -m ipsdash check` for detaljer."
            )
            return _open(*pinned, scope_key)
        raise ExtractUnavailable(
            str(exc) if isinstance(exc, (data.MissingTableError, record_keys.MissingSecretError)) else location
        ) from None


@st.cache_data(ttl=3600, max_entries=1000, show_spinner=False)
def _call(function: str, location: str, version: str, scope_key: str, args: tuple, kwargs: tuple):
    module, name = function.rsplit(".", 1)
    fn = getattr(importlib.import_module(module), name)
    return fn(_open(location, version, scope_key), *args, **dict(kwargs))


def call(fn, *args, **kwargs):
    """`fn(extract, *args, **kwargs)`, cached on its name, arguments and the data version.

    Only functions that apply the small-number rule themselves are called here (they return
    what may leave the query layer).
    """
    ex = extract()
    name = f"{fn.__module__}.{fn.__qualname__}"
    return _call(name, ex.location, ex.version, ex.scope.key, args, tuple(sorted(kwargs.items())))


def prefetch(*asks: tuple[kpis.Filters, list[kpis.Question]]) -> None:
    """Ask DuckDB the page's KPI questions together, before its figures ask them one by one.

    A page's figure functions each ask `kpis.kpi_raw` for what they need; asked together, the
    questions in whole months cost one query per filter (`kpis.kpi_raw_many`), and the figure
    functions then find their answers kept on the extract. Each ask is (filters, questions); asks
    with the same filters go in one query. Only a shortcut: a question left out is asked alone.
    """
    together: dict[kpis.Filters, list[kpis.Question]] = {}
    for chosen, questions in asks:
        together.setdefault(chosen, []).extend(questions)
    for chosen, questions in together.items():
        kpis.kpi_raw_many(extract(), questions, chosen)


def threshold() -> int:
    return privacy.default_threshold()


def selection() -> Selection:
    """The selection the filter bar in app.py made for this rerun."""
    if "selection" not in st.session_state:
        _through_router()
    return st.session_state["selection"]


def _through_router() -> None:
    """Run this rerun again through app.py when Streamlit ran a page file on its own.

    Until the first call of st.navigation in a server process, Streamlit treats an app with a
    pages/ folder as an old-style multipage app, and a first visit straight to /venteliste runs
    pages/venteliste.py alone: no filter bar, no selection. st.navigation switches that off for
    the process; here the same switch is made, and the run starts over, now through app.py.
    """
    from streamlit.runtime.pages_manager import PagesManager

    PagesManager.uses_pages_directory = False
    st.rerun()


# --- Shared page parts -----------------------------------------------------------------

RATES = {"placement_rate", "job_rate", "education_rate", "exit_share", "use"}  # use: spent ÷ budget
DAYS = {"waiting_days_median", "waiting_days_p90", "days_to_first_placement_median"}
# A ratio against a limit (19,6 is under 20, "20" would not say so), and FTE (0,5 årsværk).
ONE_DECIMAL = {"caseload", "consultants_fte"}


def period_text(start, end) -> str:
    return fmt.period(start, end)


# Less empty space above the title and a smaller title, so a projector's first screen (1280 × 720)
# holds the headline figures and a chart. Static CSS only: no text from an extract goes in here.
_COMPACT_CSS = """<style>
[data-testid="stMainBlockContainer"] { padding-top: 2rem; padding-bottom: 3rem; }
[data-testid="stMainBlockContainer"] h1 { font-size: 2rem; padding: 0 0 0.25rem 0; }
[data-testid="stSidebarHeader"] { height: 2.5rem; margin-bottom: 0; }
</style>"""


def compact_layout() -> None:
    st.html(_COMPACT_CSS)


def page_title(title: str) -> str:
    """The page's title with the municipalities chosen: "Overblik – Odense", "Kommuner – 3 kommuner"."""
    chosen = _within_scope(selection(), extract().scope).filters.municipalities
    if not chosen:
        return title
    names = call(catalog.municipality_names)
    who = " og ".join(fmt.plain(names.get(m, str(m))) for m in chosen) if len(chosen) <= 2 else f"{len(chosen)} kommuner"
    return f"{title} – {who}"


def page_header(title: str) -> None:
    """Title, what is selected, and the notices every page must give (demo data, stale data).

    Compact, so a projector's first screen (1280 × 720) still holds the headline figures and a
    chart: the demo notice is a line of small text, not a box.
    """
    sel = selection()
    ex = extract()
    st.title(page_title(title))
    names, titles = call(catalog.municipality_names), call(catalog.grant_titles)
    line = filters.describe(_within_scope(sel, ex.scope), _plain_values(names), _plain_values(titles))
    if ex.demo:
        line += " · " + texts.DEMO_SHORT
    st.caption(line, help=texts.DEMO_NOTICE if ex.demo else None)
    if is_anonymous():
        st.warning(texts.ANONYMOUS_NOTICE, icon=":material/lock_open:")
    if "data_warning" in st.session_state:
        st.warning(st.session_state["data_warning"], icon=":material/warning:")
    problem = targets.current()[1]
    if problem:
        st.warning(problem, icon=":material/flag:")


def _plain_values(texts_by_key: Mapping) -> dict:
    """Names or titles by key, each as Markdown showing it as plain text (fmt.plain)."""
    return {k: fmt.plain(v) for k, v in texts_by_key.items()}


def marks_note(prefix: str = "") -> None:
    """Under a table: what "<5", "skjult", "–" and "ikke startet" mean (one text, texts.MARKS)."""
    t = threshold()
    st.caption(prefix + texts.MARKS.format(t=t, t_minus=t - 1))


def _digest(frame: pd.DataFrame | pd.Series) -> str:
    """A table's cache key: the digest of its pickle, which holds every cell as it is.

    Streamlit's own hashing of a small table of mixed cells ("<5" beside numbers) takes 4 ms; a
    page draws a dozen. Two equal tables laid out differently in memory only miss the cache.
    """
    return hashlib.sha256(pickle.dumps(frame, protocol=pickle.HIGHEST_PROTOCOL)).hexdigest()


TABLE_KEYS = {pd.DataFrame: _digest, pd.Series: _digest}


@st.cache_resource(ttl=3600, max_entries=300, show_spinner=False, hash_funcs=TABLE_KEYS)
def _figure(build: str, args: tuple, kwargs: tuple, shade: tuple | None, marks: pd.DataFrame | None = None):
    module, name = build.rsplit(".", 1)
    fig = getattr(importlib.import_module(module), name)(*args, **dict(kwargs))
    if shade is not None:
        charts.shade_period(fig, *shade)
    if marks is not None:
        charts.mark_events(fig, marks)
    return fig


# Every event an extract holds lies between these days (DuckDB's dates reach from year 1).
ALL_DAYS = (dt.date(1, 1, 1), dt.date(9999, 12, 31))


def chart(
    build,
    *args,
    shade: tuple | None = None,
    key: str | None = None,
    needs=None,
    events_of: kpis.Filters | None = None,
    **kwargs,
) -> None:
    """Draw the figure `build(*args, **kwargs)` makes (a function of ipsdash.charts), with the
    period `shade` = (start, end) marked, without the modebar.

    `needs` = (table, columns): when no figure of those columns is shown and not zero, the chart
    would be an empty axis (0 to 1, a flat line at 0), so "Ingen tal at tegne…" is said instead.
    A chart with a period to shade is a time series: it gets the events of its scope as marks and
    as a list under it (ipsdash/figures/events.py); the scope is the selection's, or `events_of` for a
    chart of another one (a grant's spending).

    Building a Plotly figure takes longer than the rest of a cached rerun, so the figure is kept
    for the same arguments (protected figures only: every chart builder draws what may be shown)
    and shared, never changed after it is built; st.plotly_chart only reads it.
    """
    if needs is not None and not charts.drawable(*needs):
        st.info(texts.NOTHING_TO_DRAW, icon=":material/bar_chart_off:")
        return
    marks = None
    if shade is not None:
        marks = call(events.events_in, *ALL_DAYS, filters=events_of or selection().filters)
    fig = _figure(f"{build.__module__}.{build.__qualname__}", args, tuple(sorted(kwargs.items())), shade, marks)
    st.plotly_chart(fig, theme=None, config=theme.config(displayModeBar=False), key=key)
    if marks is not None:
        event_list(charts.events_on(fig, marks))


def summary() -> None:
    """The written summary of the selection (ipsdash/figures/summary.py), as plain text in a box."""
    from ipsdash.figures import summary as written

    sel = selection()
    prev = sel.previous()
    lines = call(written.sentences, sel.start, sel.end, sel.filters, previous=(prev.start, prev.end))
    if not lines:
        return
    with st.container(border=True):
        st.markdown("**Sammenfatning**")
        st.markdown("\n".join(f"- {fmt.plain(line)}" for line in lines))


def event_list(shown: pd.DataFrame) -> None:
    """The events marked on a chart, one plain line each, under it; nothing without events."""
    if shown.empty:
        return
    lines = [f"▼ {fmt.plain(events.line(row))}" for _, row in shown.iterrows()]
    st.caption("  \n".join(lines))


def display(key: str, value) -> str:
    """A figure as a card shows it: counts, rates and day counts in Danish, hidden ones as they are."""
    if isinstance(value, str):
        return value
    if value is None:  # hidden by the small-number rule (ipsdash.figures.privacy)
        return fmt.HIDDEN
    if isinstance(value, bool):
        return "Ja" if value else "Nej"
    if pd.isna(value):  # no courses to compute it over
        return fmt.MISSING
    if key in RATES:
        return fmt.percent(value)
    if key in DAYS:
        return f"{fmt.number(value)} dage"
    if key in ONE_DECIMAL:
        return fmt.number(value, 1)
    if isinstance(value, dt.date):  # pandas Timestamps too: a date in a table (review_date)
        return fmt.date_short(value)
    return fmt.number(value)


def _delta(key: str, now, before) -> str | None:
    if isinstance(now, str) or isinstance(before, str) or now is None or before is None:
        return None
    if pd.isna(now) or pd.isna(before):
        return None
    diff = float(now) - float(before)
    if key in RATES:
        # An ASCII minus: st.metric reads the sign from it to choose arrow and colour.
        return f"{'+' if diff >= 0 else '-'}{fmt.number(abs(diff) * 100, 1)} pct.-point"
    return f"{'+' if diff >= 0 else '-'}{fmt.number(abs(diff), 1 if key in ONE_DECIMAL else 0)}"


def metric(
    container, key: str, now: pd.Series, before: pd.Series, lower_is_better: bool = False, region=None
) -> None:
    """A headline card with the change against the previous period and the definition on hover.

    The title is the figure's short name (texts.short), so it is not cut on a projector; the full
    name opens the help. No change reads "uændret" in grey, not a green "↑ +0". `region`: the
    region's value of the same figure, said under the card when a municipality is chosen.
    """
    value = now[key]
    delta = _delta(key, value, before[key])
    unchanged = delta is not None and delta.lstrip("+-") in ("0", "0 pct.-point", "0,0 pct.-point")
    container.metric(
        texts.short(key),
        display(key, value),
        delta="uændret" if unchanged else delta,
        delta_color="off" if unchanged else "inverse" if lower_is_better else "normal",
        delta_arrow="off" if unchanged else "auto",
        help=f"**{texts.label(key)}.** {texts.definition(key)}",
        border=True,
    )
    notes = []
    if key in RATES and f"{key}_low" in now and not pd.isna(now.get(f"{key}_low")):
        notes.append(f"95 %-interval {fmt.interval(now[f'{key}_low'], now[f'{key}_high'])}")
    if region is not None:
        notes.append(f"Regionen: {display(key, region)}")
    if notes:
        container.caption(" · ".join(notes))
    target_status(container, key, value)


# --- Agreed targets (ipsdash/figures/targets.py) --------------------------------------------------------

TARGET_DOTS = {"met": "🟢", "close": "🟠", "not_met": "🔴"}


def _target(key: str, municipalities=None, grants=None) -> targets.Target | None:
    f = selection().filters
    chosen = f.municipalities if municipalities is None else municipalities
    return targets.find(targets.current()[0], key, chosen, f.grants if grants is None else grants)


def _target_help(key: str, target: targets.Target) -> str:
    tolerance = f"{fmt.number(target.tolerance * 100)} pct.-point" if key in RATES else display(key, target.tolerance)
    text = targets.describe(target, display(key, target.value), tolerance)
    # The source is the secretariat's own text: shown as plain text, never as Markdown.
    return fmt.plain(text)




def target_status(container, key: str, value, municipalities=None) -> None:
    """Under a card: the figure's status against its agreed target in words and colour, the target
    and its source on hover; nothing without a target or for a hidden figure."""
    target = _target(key, municipalities)
    state = targets.status(value, target)
    if state is None:
        return
    colour = targets.STATUS_COLOUR[state]
    container.caption(
        f":{colour}-badge[{targets.STATUS_TEXT[state]}] mål {display(key, target.value)}",
        help=_target_help(key, target),
    )


def target_column(shown: pd.DataFrame, df: pd.DataFrame, key: str) -> pd.DataFrame:
    """`shown` (a figure_table of `df`) with a column of each row's status against its target for
    `key`: a municipality's own target where agreed, else the region's. Unchanged without targets."""
    states = [
        targets.status(v, _target(key, () if pd.isna(code) else (int(code),), ()))
        for v, code in zip(df[key], df["municipality_code"])
    ]
    if not any(states):
        return shown
    out = shown.copy()
    out[f"Mål: {texts.label(key).lower()}"] = [
        "" if s is None else f"{TARGET_DOTS[s]} {targets.STATUS_TEXT[s]}" for s in states
    ]
    return out


def kpi_export(now: pd.Series, before: pd.Series) -> pd.DataFrame:
    """The headline figures as a table: one row per figure, this period and the previous."""
    return pd.DataFrame(
        {
            "Nøgletal": [texts.label(k) for k in kpis.FIGURES],
            "Perioden": [now[k] for k in kpis.FIGURES],
            "Forrige periode": [before[k] for k in kpis.FIGURES],
        }
    )


def downloads(name: str, tables: dict[str, pd.DataFrame]) -> None:
    """Download buttons for the page's tables: one Excel workbook, and each table as CSV.

    The files are written when a button is clicked, not on every run of the page: building a
    workbook takes longer than the rest of a cached rerun.
    """
    sel = selection()
    stem = f"ips_{name}_{sel.start.isoformat()}_{sel.end.isoformat()}"
    with st.popover("Hent data", icon=":material/download:"):
        st.download_button(
            "Excel (alle tabeller)",
            lambda: export.excel(tables),
            file_name=f"{stem}.xlsx",
            mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            key=f"xlsx_{name}",
        )
        for i, (title, df) in enumerate(tables.items()):
            st.download_button(
                f"CSV: {title}",
                lambda df=df: export.csv(df),
                file_name=f"{stem}_{i + 1}.csv",
                mime="text/csv",
                key=f"csv_{name}_{i}",
            )


def definitions(keys: list[str]) -> None:
    """Every figure's definition, one click away, and the small-number rule."""
    t = threshold()
    with st.expander("Definitioner og små tal"):
        for key in keys:
            st.markdown(f"**{texts.label(key)}.** {texts.definition(key)}")
        st.markdown(texts.SMALL_NUMBERS.format(t=t, t_minus=t - 1))


# --- Tables of figures (Job og uddannelse, Kommuner) -----------------------------------------


def figure_table(
    df: pd.DataFrame, keys: list[str], first: dict[str, str] | None = None, not_started=None
) -> pd.DataFrame:
    """Figures as a table on a page shows them: Danish text under their labels, hidden ones as they are.

    `first` maps leading text columns of `df` to their headers (e.g. {"municipality": "Kommune"}).
    A rate with its interval columns in `df` reads "46 % (41–52 %)" in one cell; a key ending in
    "_before" reads as its figure, one ending in "_change" as a signed change. `not_started`: rows
    (true) of a municipality that has not started IPS, whose empty cells read `fmt.NOT_STARTED`.
    """
    out = pd.DataFrame(index=df.index)
    for col, header in (first or {}).items():
        out[header] = df[col].astype(object).where(df[col].notna(), "")
    for key in keys:
        if key.endswith("_change"):
            cells = [change_text(key, v) for v in df[key]]
        else:
            cells = [display(key.removesuffix("_before"), v) for v in df[key]]
        if key in RATES and f"{key}_low" in df:
            cells = [
                c if pd.isna(lo) or pd.isna(hi) else f"{c} {fmt.interval(lo, hi)}"
                for c, lo, hi in zip(cells, df[f"{key}_low"], df[f"{key}_high"])
            ]
        if not_started is not None:
            cells = [fmt.NOT_STARTED if bool(n) and v is None else c for c, n, v in zip(cells, not_started, df[key])]
        out[texts.short(key)] = cells
    return out.reset_index(drop=True)


def show_table(table: pd.DataFrame, emphasise=None, strong=None, text_columns: int = 1) -> None:
    """A figure table at full height, numbers right-aligned; rows where `emphasise` is true shaded, `strong` bold.

    The first `text_columns` columns are names, left-aligned.
    """
    shade = tuple(bool(s) for s in emphasise) if emphasise is not None else (False,) * len(table)
    bold = tuple(bool(s) for s in strong) if strong is not None else (False,) * len(table)
    _table(table, shade, bold, text_columns)


# Drawn once per table and marks, then replayed: the Styler and the column setup cost more than
# the rest of a cached rerun (Streamlit keeps the element a cached function draws and sends it again).
@st.cache_data(ttl=3600, max_entries=500, show_spinner=False, hash_funcs=TABLE_KEYS)
def _table(table: pd.DataFrame, shade: tuple[bool, ...], bold: tuple[bool, ...], text_columns: int) -> None:
    # A pandas Styler costs more than the rest of a cached rerun: only where a row is marked.
    styled = table if not any(shade) and not any(bold) else table.style.apply(
        lambda row: [
            ";".join(
                s
                for s in (
                    f"background-color: {theme.HIGHLIGHT}" if shade[row.name] else "",
                    "font-weight: 600" if bold[row.name] else "",
                )
                if s
            )
        ]
        * len(row),
        axis=1,
    )
    # Short headers (texts.short) that fit; the full name and the definition are the column's help.
    helps = {t.short or t.label: f"{t.label}: {t.definition}" for t in texts.TERMS.values()}
    # A column of words ("11 dage før slutdatoen") reads as names: left-aligned, as wide as it needs.
    words = {c for c in table.columns if table[c].str.contains(r"[^\W\d]+\s+[^\W\d]+", regex=True).any()}
    config = {
        c: st.column_config.TextColumn(
            c,
            alignment="left" if i < text_columns or c in words else "right",
            width=None if i < text_columns or c in words
            else 135 if table[c].str.contains("(", regex=False).any() else 110,
            help=helps.get(c),
        )
        for i, c in enumerate(table.columns)
    }
    # 35 px a row and one for the header, so every municipality shows without scrolling.
    st.dataframe(styled, hide_index=True, column_config=config, height=35 * (len(table) + 1) + 3, width="stretch")


def change_text(key: str, value) -> str:
    """A change as a table shows it: "+3,2 pct.-point" for a rate, "-2" for a count, marked when not given."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return display(key, value)
    base = key.removesuffix("_change")
    return _delta(base, float(value), 0.0) or "–"


# --- Login and scope (issue 6; ipsdash/access.py) ----------------------------------------------


class LoginRequired(Exception):
    """No one is logged in, or login is not set up and the data are not the demo extract."""


class NoAccess(Exception):
    """Logged in, but the roles file gives this user no role."""


def auth_configured() -> bool:
    """`[auth]` is in .streamlit/secrets.toml: every user must log in."""
    try:
        return "auth" in st.secrets
    except FileNotFoundError:  # no secrets.toml at all
        return False


def login_setup_problems() -> list[str]:
    """Why the `[auth]` of .streamlit/secrets.toml is refused (a public or weak secret); empty when fine."""
    if not auth_configured():
        return []
    return access.login_setup_problems(st.secrets["auth"])


def login_providers() -> list[str]:
    """The named providers ([auth.<name>] sections); empty when [auth] itself is the one provider."""
    section = st.secrets["auth"]
    return [name for name, value in section.items() if isinstance(value, Mapping)]


def anonymous_allowed() -> bool:
    """`IPS_ALLOW_ANONYMOUS=1`: serve real data without login, deliberately (every page says so)."""
    return os.environ.get("IPS_ALLOW_ANONYMOUS") == "1"


@st.cache_data(max_entries=8, show_spinner=False)
def _is_demo(location: str, version: str) -> bool:
    return data.is_demo(location)


@st.cache_data(max_entries=4, show_spinner=False)
def _roles(path: str, mtime_ns: int) -> access.Roles:
    return access.load_roles(path)


def roles() -> access.Roles:
    """The roles file, read again when it changes (no restart needed to give someone access)."""
    path = access.roles_path()
    try:
        mtime = path.stat().st_mtime_ns
    except OSError as exc:
        raise access.RolesError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    return _roles(str(path), mtime)


def is_anonymous() -> bool:
    """Real data served without login because IPS_ALLOW_ANONYMOUS=1 says so."""
    if auth_configured() or not anonymous_allowed():
        return False
    location = source.data_dir()
    return not _is_demo(location, data.version(location))


def current_scope() -> access.Scope:
    """What the user of this session may see; raises LoginRequired or NoAccess.

    Without `[auth]` in the secrets everyone is anonymous and sees everything, which is allowed
    only for the synthetic demo extract or when IPS_ALLOW_ANONYMOUS=1. With it, the scope comes
    from the logged-in user's ID-token claims (`st.user`) and the roles file. Every extract and
    every cached figure of a run is keyed on this scope (`extract`, `call`).
    """
    if login_setup_problems():
        raise NoAccess(texts.LOGIN_SETUP_REFUSED)
    if not auth_configured():
        location = source.data_dir()
        if anonymous_allowed() or _is_demo(location, data.version(location)):
            return access.REGION
        raise LoginRequired(texts.LOGIN_NOT_CONFIGURED)
    user = st.user.to_dict()
    if not user.get("is_logged_in"):
        raise LoginRequired(texts.LOGIN_PROMPT)
    try:
        scope = access.scope_for(user, roles())
    except access.RolesError as exc:
        log.error("no one can be given access: %s", exc)
        scope = None
    if scope is None:
        raise NoAccess(texts.NO_ACCESS)
    return scope


def admit() -> bool:
    """For app.py, before anything else: True when this user may go on; else draws why not.

    Draws the login button (login configured, no one logged in), the "no access" page (logged
    in without a role), or how to configure login (real data, no login, no IPS_ALLOW_ANONYMOUS).
    Before any of it, a login set up with a public or weak secret, or a data folder that does not
    exist, is told as such and nothing else runs.
    """
    problems = login_setup_problems()
    if problems:
        log.error("login refused: %s", " ".join(problems))
        st.title(texts.APP_TITLE)
        listed = "\n".join(f"- {p}" for p in problems)
        st.error(f"{texts.LOGIN_SETUP_REFUSED}\n\n{listed}\n\n{texts.LOGIN_SETUP_FIX.format(how=access.HOW_TO_MAKE_A_SECRET)}",
                 icon=":material/lock:")
        return False
    try:
        data.require_folder(source.data_root())
    except data.MissingFolderError as exc:
        st.title(texts.APP_TITLE)
        st.error(str(exc), icon=":material/folder_off:")
        return False
    try:
        current_scope()
        return True
    except LoginRequired as exc:
        st.title(texts.APP_TITLE)
        if auth_configured():
            st.markdown(str(exc))
            for provider in login_providers() or [None]:
                st.button(
                    texts.LOGIN_BUTTON if provider is None else f"{texts.LOGIN_BUTTON} med {provider}",
                    type="primary",
                    icon=":material/login:",
                    on_click=st.login,
                    args=() if provider is None else (provider,),
                    key=f"login_{provider or 'default'}",
                )
        else:
            st.error(str(exc), icon=":material/lock:")
    except NoAccess as exc:
        st.title(texts.APP_TITLE)
        contact = _contact()
        st.error(str(exc) + (f" {texts.NO_ACCESS_CONTACT.format(contact=contact)}" if contact else ""),
                 icon=":material/block:")
        st.caption(texts.LOGGED_IN_AS.format(user=fmt.plain(access.display_name(st.user.to_dict()))))
        st.button(texts.LOGOUT_BUTTON, icon=":material/logout:", on_click=st.logout)
    return False


def _contact() -> str:
    try:
        return roles().contact
    except access.RolesError:
        return ""


def account() -> None:
    """Who is logged in and what they see, with a logout button (in the sidebar); nothing without login."""
    if not auth_configured():
        return
    scope = current_scope()
    st.caption(texts.LOGGED_IN_AS.format(user=fmt.plain(access.display_name(st.user.to_dict()))))
    names, titles = call(catalog.municipality_names), call(catalog.grant_titles)
    st.caption(access.describe(scope, _plain_values(names), _plain_values(titles)))
    st.button(texts.LOGOUT_BUTTON, icon=":material/logout:", on_click=st.logout, key="logout")


def _within_scope(sel: Selection, scope: access.Scope | None) -> Selection:
    """The selection as it reads for a limited user: "Alle kommuner" of a municipality user is its own."""
    if scope is None:
        return sel
    f = sel.filters
    if not f.municipalities and scope.municipalities is not None:
        f = dataclasses.replace(f, municipalities=scope.municipalities)
    if not f.grants and scope.grants is not None:
        f = dataclasses.replace(f, grants=scope.grants)
    return dataclasses.replace(sel, filters=f)


@st.cache_data(ttl=3600, max_entries=200, show_spinner=False)
def _comparison(location: str, version: str, basis_key: str, start, end, filters):
    return access.comparison_rates(_open(location, version, basis_key), start, end, filters)


def comparison_rates(start: dt.date, end: dt.date, filters: kpis.Filters) -> pd.DataFrame:
    """For the Kommuner page only: rates of the region and every municipality (`access.comparison_rates`).

    A municipality user sees here, and nowhere else, the other municipalities: as rates beside the
    region, computed on the whole extract, without counts. Every other user gets the same table
    from their own scope (a funder: the courses of its grants).
    """
    ex = extract()
    basis = access.REGION if ex.scope.role == access.MUNICIPALITY else ex.scope
    return _comparison(ex.location, ex.version, basis.key, start, end, filters)


# Pages that read the data directory's files beside the extract (the delivery log, the contract
# check of every file), so the scope of the extract cannot limit them: for everything-scopes only.
WHOLE_EXTRACT_PAGES = frozenset({"leverancer"})


def pages_for(pages: list) -> list:
    """The pages (st.Page) this user may open; a page left out cannot be reached by its URL either."""
    if current_scope().is_everything:
        return pages
    return [p for p in pages if p.url_path not in WHOLE_EXTRACT_PAGES]


def slides_download() -> None:
    """The steering group's slides (ipsdash/report/slides.py) of the selection, as a PDF made when clicked."""
    from ipsdash.report import ReportError, slides, typeset  # Typst only when asked for

    sel = selection()
    ex = extract()
    prev = sel.previous()
    try:
        slides.check(ex, sel.start, sel.end)
        typeset.require_typst()
    except ReportError as exc:
        st.warning(str(exc), icon=":material/warning:")
        return
    st.download_button(
        "Slides til styregruppen (PDF)",
        lambda: slides.pdf(ex, sel.start, sel.end, sel.filters, previous=(prev.start, prev.end)),
        file_name=slides.file_name(sel.start, sel.end),
        mime="application/pdf",
        icon=":material/slideshow:",
        key="slides_pdf",
    )


def report_downloads(grant_id: str) -> None:
    """The funder's report of one grant for the selected period, as PDF and as Excel.

    Written when a button is clicked (building the report takes longer than the rest of the
    page); what would stop it is said at once, before the buttons.
    """
    # The report pulls in Typst; only the funding page needs it.
    from ipsdash.report import ReportError, gather, layout, typeset, workbook

    sel = selection()
    ex = extract()
    try:
        gather.check(ex, grant_id, sel.start, sel.end)
        typeset.require_typst()
    except ReportError as exc:  # may name grant ids of the extract
        st.warning(fmt.plain(str(exc)), icon=":material/warning:")
        return
    with st.container(horizontal=True):
        st.download_button(
            "Rapport til bevillingsgiver (PDF)",
            lambda: layout.pdf(ex, grant_id, sel.start, sel.end),
            file_name=gather.file_name(grant_id, sel.start, sel.end, "pdf"),
            mime="application/pdf",
            icon=":material/picture_as_pdf:",
            key=f"report_pdf_{grant_id}",
        )
        st.download_button(
            "Rapportens tal (Excel)",
            lambda: workbook.xlsx(ex, grant_id, sel.start, sel.end),
            file_name=gather.file_name(grant_id, sel.start, sel.end, "xlsx"),
            mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            icon=":material/table:",
            key=f"report_xlsx_{grant_id}",
        )
