"""Streamlit glue that is not layout: the open extract, cached figures, the shared selection.

The extract is opened once per data version (`st.cache_resource`); figures are cached on
plain values — the figure function's name, its arguments and the data version — so a new
delivery is picked up on the next rerun, and one rerun reads one version only.
"""

from __future__ import annotations

import datetime as dt
import importlib
import logging

import pandas as pd
import streamlit as st

from ipsdash import catalog, data, export, filters, fmt, kpis, privacy, source, texts
from ipsdash.filters import Selection

log = logging.getLogger(__name__)


@st.cache_resource(max_entries=2, show_spinner=False)
def _open(location: str, version: str) -> data.Extract:
    return data.open_extract(location)


class ExtractUnavailable(Exception):
    """No extract could be opened and none was open before."""


def extract() -> data.Extract:
    """The extract of this rerun; pinned in the session state so one rerun never mixes versions.

    When the data directory holds a newer version that cannot be opened, the version already in
    use stays, and `st.session_state["data_warning"]` says why.
    """
    location = source.data_dir()
    pinned = st.session_state.get("_extract_pin")
    try:
        version = data.version(location)
        if pinned is None or pinned[1] != version or pinned[0] != location:
            current = _open(location, version)
            st.session_state["_extract_pin"] = (location, version)
        else:
            current = _open(*pinned)
        st.session_state.pop("data_warning", None)
        return current
    except Exception as exc:  # noqa: BLE001 - any failure to open keeps the data already in use
        log.warning("could not open the extract at %s: %s", location, type(exc).__name__)
        if pinned is not None:
            st.session_state["data_warning"] = (
                "Et nyt udtræk kunne ikke læses; siden viser fortsat de data, der var indlæst. "
                "Kør `python -m ipsdash check` for detaljer."
            )
            return _open(*pinned)
        raise ExtractUnavailable(str(exc) if isinstance(exc, data.MissingTableError) else location) from None


@st.cache_data(ttl=3600, max_entries=1000, show_spinner=False)
def _call(function: str, location: str, version: str, args: tuple, kwargs: tuple):
    module, name = function.rsplit(".", 1)
    fn = getattr(importlib.import_module(module), name)
    return fn(_open(location, version), *args, **dict(kwargs))


def call(fn, *args, **kwargs):
    """`fn(extract, *args, **kwargs)`, cached on its name, arguments and the data version.

    Only functions that apply the small-number rule themselves are called here (they return
    what may leave the query layer).
    """
    ex = extract()
    return _call(f"{fn.__module__}.{fn.__qualname__}", ex.location, ex.version, args, tuple(sorted(kwargs.items())))


def threshold() -> int:
    return privacy.default_threshold()


def selection() -> Selection:
    """The selection the filter bar in app.py made for this rerun."""
    return st.session_state["selection"]


# --- Shared page parts -----------------------------------------------------------------

RATES = {"placement_rate", "job_rate", "education_rate"}
DAYS = {"waiting_days_median", "waiting_days_p90", "days_to_first_placement_median"}
# A ratio against a limit (19,6 is under 20, "20" would not say so), and FTE (0,5 årsværk).
ONE_DECIMAL = {"caseload", "consultants_fte"}


def period_text(start, end) -> str:
    return fmt.period(start, end)


def page_header(title: str) -> None:
    """Title, what is selected, and the notices every page must give (demo data, stale data)."""
    ex = extract()
    sel = selection()
    st.title(title)
    st.caption(filters.describe(sel, call(catalog.municipality_names), call(catalog.grant_titles)))
    if ex.demo:
        st.info(texts.DEMO_NOTICE, icon=":material/science:")
    if "data_warning" in st.session_state:
        st.warning(st.session_state["data_warning"], icon=":material/warning:")


def display(key: str, value) -> str:
    """A figure as a card shows it: counts, rates and day counts in Danish, hidden ones as they are."""
    if isinstance(value, str):
        return value
    if value is None or pd.isna(value):
        return "–"
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


def metric(container, key: str, now: pd.Series, before: pd.Series, lower_is_better: bool = False) -> None:
    """A headline card with the change against the previous period and the definition on hover."""
    value = now[key]
    container.metric(
        texts.label(key),
        display(key, value),
        delta=_delta(key, value, before[key]),
        delta_color="inverse" if lower_is_better else "normal",
        help=texts.definition(key),
        border=True,
    )
    if key in RATES and f"{key}_low" in now and not pd.isna(now.get(f"{key}_low")):
        container.caption(f"95 %-interval {fmt.interval(now[f'{key}_low'], now[f'{key}_high'])}")


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
    """Download buttons for the page's tables: one Excel workbook, and each table as CSV."""
    sel = selection()
    stem = f"ips_{name}_{sel.start.isoformat()}_{sel.end.isoformat()}"
    with st.popover("Hent data", icon=":material/download:"):
        st.download_button(
            "Excel (alle tabeller)",
            export.excel(tables),
            file_name=f"{stem}.xlsx",
            mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            key=f"xlsx_{name}",
        )
        for i, (title, df) in enumerate(tables.items()):
            st.download_button(
                f"CSV: {title}",
                export.csv(df),
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


def figure_table(df: pd.DataFrame, keys: list[str], first: dict[str, str] | None = None) -> pd.DataFrame:
    """Figures as a table on a page shows them: Danish text under their labels, hidden ones as they are.

    `first` maps leading text columns of `df` to their headers (e.g. {"municipality": "Kommune"}).
    A rate with its interval columns in `df` reads "46 % (41–52 %)" in one cell.
    """
    out = pd.DataFrame(index=df.index)
    for col, header in (first or {}).items():
        out[header] = df[col].astype(object).where(df[col].notna(), "")
    for key in keys:
        cells = [display(key, v) for v in df[key]]
        if key in RATES and f"{key}_low" in df:
            cells = [
                c if pd.isna(lo) or pd.isna(hi) else f"{c} {fmt.interval(lo, hi)}"
                for c, lo, hi in zip(cells, df[f"{key}_low"], df[f"{key}_high"])
            ]
        out[texts.label(key)] = cells
    return out.reset_index(drop=True)


def show_table(table: pd.DataFrame, emphasise=None, strong=None, height: int | str = "auto") -> None:
    """A figure table, numbers right-aligned; rows where `emphasise` is true shaded, `strong` in bold."""
    from ipsdash import theme  # the colours; imported here to leave the shared import line alone

    styled = table.style
    shade = list(emphasise) if emphasise is not None else [False] * len(table)
    bold = list(strong) if strong is not None else [False] * len(table)
    styled = styled.apply(
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
    first = table.columns[0]
    config = {c: st.column_config.TextColumn(c, alignment="right") for c in table.columns if c != first}
    st.dataframe(styled, hide_index=True, column_config=config, height=height, width="stretch")
