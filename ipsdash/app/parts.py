"""Shared page parts: the header, cards, charts, targets, tables, downloads and definitions.

Every part reads the session's extract, figures and selection through ipsdash/app/session.py.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import html
import importlib
import pickle
import re
from collections.abc import Mapping

import pandas as pd
import streamlit as st

from ipsdash import access, charts, export, fmt, texts, theme
from ipsdash.app import login, session
from ipsdash.figures import catalog, events, filters, kpis, targets


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
    chosen = login.within_scope(session.selection(), session.extract().scope).filters.municipalities
    if not chosen:
        return title
    names = session.call(catalog.municipality_names)
    who = " og ".join(fmt.plain(names.get(m, str(m))) for m in chosen) if len(chosen) <= 2 else f"{len(chosen)} kommuner"
    return f"{title} – {who}"


def page_header(title: str) -> None:
    """Title, what is selected, and the notices every page must give (demo data, stale data).

    Compact, so a projector's first screen (1280 × 720) still holds the headline figures and a
    chart: the demo notice is a line of small text, not a box.
    """
    sel = session.selection()
    ex = session.extract()
    st.title(page_title(title))
    names, titles = session.call(catalog.municipality_names), session.call(catalog.grant_titles)
    line = filters.describe(login.within_scope(sel, ex.scope), _plain_values(names), _plain_values(titles))
    if ex.demo:
        line += " · " + texts.DEMO_SHORT
    st.caption(line, help=texts.DEMO_NOTICE if ex.demo else None)
    if login.is_anonymous():
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
    t = session.threshold()
    st.caption(prefix + texts.MARKS.format(t=t, t_minus=t - 1))


def _digest(frame: pd.DataFrame | pd.Series) -> str:
    """A table's cache key: the digest of its pickle, which holds every cell as it is.

    Streamlit's own hashing of a small table of mixed cells ("<5" beside numbers) takes 4 ms; a
    page draws a dozen. Two equal tables laid out differently in memory only miss the cache.
    """
    return hashlib.sha256(pickle.dumps(frame, protocol=pickle.HIGHEST_PROTOCOL)).hexdigest()


TABLE_KEYS = {pd.DataFrame: _digest, pd.Series: _digest}


_HIDDEN_MARK = re.compile(r"<\d+")


def _inert(value):
    """Text from an extract as Plotly must get it: Plotly draws a few HTML tags in labels, ticks
    and hover text (a link, an image-free but clickable `<a href>`), so `<`, `>` and `&` in names
    and titles are written as entities, which it shows as the characters they are. The hidden
    mark of a count ("<5") is the rule's own text, not the extract's, and stays as it is."""
    if isinstance(value, str):
        return value if _HIDDEN_MARK.fullmatch(value) else html.escape(value, quote=False)
    if isinstance(value, dict):
        return {k: _inert(v) for k, v in value.items()}
    if isinstance(value, pd.DataFrame):
        text = [c for c in value.columns if value[c].dtype == object or pd.api.types.is_string_dtype(value[c])]
        if not text:
            return value
        value = value.copy()
        for c in text:
            value[c] = value[c].map(lambda v: _inert(v) if isinstance(v, str) else v)
        return value
    return value


@st.cache_resource(ttl=3600, max_entries=300, show_spinner=False, hash_funcs=TABLE_KEYS)
def _figure(build: str, args: tuple, kwargs: tuple, shade: tuple | None, marks: pd.DataFrame | None = None):
    module, name = build.rsplit(".", 1)
    args, kwargs = tuple(_inert(a) for a in args), tuple((k, _inert(v)) for k, v in kwargs)
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
        marks = session.call(events.events_in, *ALL_DAYS, filters=events_of or session.selection().filters)
    fig = _figure(f"{build.__module__}.{build.__qualname__}", args, tuple(sorted(kwargs.items())), shade, marks)
    st.plotly_chart(fig, theme=None, config=theme.config(displayModeBar=False), key=key)
    if marks is not None:
        event_list(charts.events_on(fig, marks))


def summary() -> None:
    """The written summary of the selection (ipsdash/figures/summary.py), as plain text in a box."""
    from ipsdash.figures import summary as written

    sel = session.selection()
    prev = sel.previous()
    lines = session.call(written.sentences, sel.start, sel.end, sel.filters, previous=(prev.start, prev.end))
    if not lines:
        return
    # Folded under its first sentence, so that the first screen still holds the cards and a chart
    # on a projector (1280x720); one click shows the rest.
    with st.expander(f"Sammenfatning: {fmt.plain(lines[0])}", icon=":material/summarize:"):
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
    kind = texts.kind(key)
    if kind == texts.RATE:
        return fmt.percent(value)
    if kind == texts.DAYS:
        return f"{fmt.number(value)} {texts.UNITS[texts.DAYS]}"
    if kind == texts.DECIMAL:
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
    if texts.kind(key) == texts.RATE:
        # In whole points, as the card shows the rate in whole percent ("26 %" against "22 %" is
        # +4, not +4,0). An ASCII minus: st.metric reads the sign from it to choose arrow and colour.
        return f"{'+' if diff >= 0 else '-'}{fmt.number(abs(diff) * 100)} pct.-point"
    return f"{'+' if diff >= 0 else '-'}{fmt.number(abs(diff), 1 if texts.kind(key) == texts.DECIMAL else 0)}"


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
    unchanged = delta is not None and delta.lstrip("+-") in ("0", "0 pct.-point")
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
    if texts.kind(key) == texts.RATE and f"{key}_low" in now and not pd.isna(now.get(f"{key}_low")):
        notes.append(f"95 %-interval {fmt.interval(now[f'{key}_low'], now[f'{key}_high'])}")
    if region is not None:
        notes.append(f"Regionen: {display(key, region)}")
    if notes:
        container.caption(" · ".join(notes))
    target_status(container, key, value)


# --- Agreed targets (ipsdash/figures/targets.py) --------------------------------------------------------

TARGET_DOTS = {"met": "🟢", "close": "🟠", "not_met": "🔴"}


def _target(key: str, municipalities=None, grants=None) -> targets.Target | None:
    f = session.selection().filters
    chosen = f.municipalities if municipalities is None else municipalities
    return targets.find(targets.current()[0], key, chosen, f.grants if grants is None else grants)


def _target_help(key: str, target: targets.Target) -> str:
    tolerance = f"{fmt.number(target.tolerance * 100)} pct.-point" if texts.kind(key) == texts.RATE else display(key, target.tolerance)
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
    sel = session.selection()
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
    t = session.threshold()
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
        if texts.kind(key) == texts.RATE and f"{key}_low" in df:
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


def account() -> None:
    """Who is logged in and what they see, with a logout button (in the sidebar); nothing without login."""
    if not login.auth_configured():
        return
    scope = login.current_scope()
    st.caption(texts.LOGGED_IN_AS.format(user=fmt.plain(access.display_name(st.user.to_dict()))))
    names, titles = session.call(catalog.municipality_names), session.call(catalog.grant_titles)
    st.caption(access.describe(scope, _plain_values(names), _plain_values(titles)))
    st.button(texts.LOGOUT_BUTTON, icon=":material/logout:", on_click=st.logout, key="logout")
