"""The session's data: the open extract, cached figures, the shared selection.

The extract is opened once per data version and user scope (`st.cache_resource`); figures are
cached on plain values — the figure function's name, its arguments, the data version and the
user's scope (ipsdash/access.py, ipsdash/app/login.py) — so a new delivery is picked up on the
next rerun, one rerun reads one version only, and no user is ever given another scope's cached
figures.
"""

from __future__ import annotations

import datetime as dt
import importlib
import inspect
import logging

import pandas as pd
import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from ipsdash import access
from ipsdash.app import login
from ipsdash.extract import data, record_keys, source
from ipsdash.figures import kpis, privacy
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
    scope_key = login.current_scope().key
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
    what may leave the query layer). A function that takes `min_count` is given the app's
    threshold (`threshold()`), decided here for every page.
    """
    if "min_count" in inspect.signature(fn).parameters:
        kwargs.setdefault("min_count", threshold())
    ex = extract()
    name = f"{fn.__module__}.{fn.__qualname__}"
    return _call(name, ex.location, ex.version, ex.scope.key, args, tuple(sorted(kwargs.items())))


def prefetch(*asks: tuple[kpis.Filters, list[kpis.Question]]) -> None:
    """Ask DuckDB the page's KPI questions together, before its figures ask them one by one.

    Each ask is (filters, questions), as the figure modules declare them (`*_questions`); see
    `kpis.prefetch`. Only a shortcut: a question left out is asked alone.
    """
    kpis.prefetch(extract(), *asks)


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


@st.cache_data(ttl=3600, max_entries=200, show_spinner=False)
def _comparison(location: str, version: str, basis_key: str, start, end, filters, min_count: int):
    return access.comparison_rates(_open(location, version, basis_key), start, end, filters, min_count=min_count)


def comparison_rates(start: dt.date, end: dt.date, filters: kpis.Filters) -> pd.DataFrame:
    """For the Kommuner page only: rates of the region and every municipality (`access.comparison_rates`).

    A municipality user sees here, and nowhere else, the other municipalities: as rates beside the
    region, computed on the whole extract, without counts. Every other user gets the same table
    from their own scope (a funder: the courses of its grants).
    """
    ex = extract()
    basis = access.REGION if ex.scope.role == access.MUNICIPALITY else ex.scope
    return _comparison(ex.location, ex.version, basis.key, start, end, filters, threshold())
