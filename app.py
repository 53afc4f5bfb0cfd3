"""The IPS steering dashboard: the router and the shared filter bar, nothing else."""

import datetime as dt

import streamlit as st

from ipsdash import fmt, texts, theme
from ipsdash.app import ui
from ipsdash.figures import catalog, filters, targets
from ipsdash.figures.kpis import Filters

st.set_page_config(page_title="IPS i Region Syddanmark", page_icon="📊", layout="wide")
theme.use()

PAGES = [
    st.Page("pages/overblik.py", title="Overblik", icon=":material/dashboard:", url_path="start", default=True),
    # The default page is served at "/"; its own address /overblik (shared links, bookmarks) opens it too.
    st.Page("pages/overblik.py", title="Overblik", url_path="overblik", visibility="hidden"),
    st.Page("pages/venteliste.py", title="Indskrivning og venteliste", icon=":material/group_add:", url_path="venteliste"),
    st.Page("pages/job.py", title="Job og uddannelse", icon=":material/work:", url_path="job"),
    st.Page("pages/forloeb.py", title="Forløb over tid", icon=":material/timeline:", url_path="forloeb"),
    st.Page("pages/bevillinger.py", title="Bevillinger", icon=":material/payments:", url_path="bevillinger"),
    st.Page("pages/kommuner.py", title="Kommuner", icon=":material/map:", url_path="kommuner"),
    st.Page("pages/kvalitet.py", title="Kvalitet", icon=":material/verified:", url_path="kvalitet"),
    st.Page("pages/leverancer.py", title="Leverancer", icon=":material/inventory:", url_path="leverancer"),
    st.Page("pages/om.py", title="Om tallene", icon=":material/info:", url_path="om"),
]

# Login first (issue 6): without a role nothing else runs, and no page is in the menu or reachable by URL.
allowed = ui.admit()
# The menu in the sidebar, above the filters: at the top, beside the sidebar, a projector's 1280 px
# collapse it into Streamlit's English "1 more".
page = st.navigation(ui.pages_for(PAGES) if allowed else PAGES, position="sidebar" if allowed else "hidden",
                     expanded=True)
ui.compact_layout()
if not allowed:
    st.stop()

try:
    extract = ui.extract()
except ui.ExtractUnavailable as exc:
    st.error(f"Dashboardet kan ikke læse data: {exc}. Kør `python -m ipsdash check` for detaljer.")
    st.stop()

municipalities = ui.call(catalog.municipalities)
grants = ui.call(catalog.grants)
first_day, as_of = ui.call(catalog.span)
names = ui.call(catalog.municipality_names)
titles = ui.call(catalog.grant_titles)

with st.sidebar:
    st.subheader("Udvalg")
    quick = {**filters.quick_periods(as_of, first_day), **filters.since_meeting(targets.meetings(), as_of)}
    choices = [*quick, filters.GRANT_PERIOD, filters.CUSTOM]
    choice = st.selectbox("Periode", choices, key="periode", bind="query-params")
    grant = st.selectbox(
        "Bevilling",
        [None, *grants["grant_id"]],
        format_func=lambda g: "Alle bevillinger" if g is None else f"{titles[g]} ({g})",
        key="bevilling",
        bind="query-params",
    )
    if choice == filters.CUSTOM:
        picked = st.date_input(
            "Fra og til",
            value=quick[filters.LAST_12_MONTHS],
            min_value=dt.date(2000, 1, 1),
            max_value=as_of,
            format="DD/MM/YYYY",
            key="datoer",
            bind="query-params",
        )
        start, end = (picked if len(picked) == 2 else (picked[0], picked[0])) if picked else quick[filters.LAST_12_MONTHS]
        start, end = filters.whole_months(start, end, as_of)
        if filters.is_partial(end, as_of):
            st.caption(f"Perioden er {fmt.period(start, end)}; måneden er {filters.PARTIAL}.")
        else:
            st.caption(f"Perioden tæller hele måneder: {fmt.period(start, end)}.")
    elif choice == filters.GRANT_PERIOD:
        if grant is None:
            st.caption("Vælg en bevilling for at se dens periode.")
            start, end = quick[filters.LAST_12_MONTHS]
        else:
            row = grants.set_index("grant_id").loc[grant]
            start, end = filters.whole_months(row["start_date"].date(), row["end_date"].date(), as_of)
    else:
        start, end = quick[choice]
    chosen = st.multiselect(
        "Kommuner",
        list(municipalities["municipality_code"]),
        format_func=lambda m: names[m],
        placeholder="Alle kommuner",
        select_all=False,  # Streamlit's "Select all" is English; choosing none means all
        key="kommune",
        bind="query-params",
    )
    target_group = st.selectbox(
        "Målgruppe",
        [None, *texts.TARGET_GROUPS],
        format_func=lambda g: "Alle målgrupper" if g is None else texts.TARGET_GROUPS[g],
        key="maalgruppe",
        bind="query-params",
    )
    variant = st.selectbox(
        "Variant",
        [None, *texts.VARIANTS],
        format_func=lambda v: "Alle varianter" if v is None else texts.VARIANTS[v],
        key="variant",
        bind="query-params",
    )
    st.caption(f"Data til og med {fmt.date_long(as_of)}")
    ui.account()

st.session_state["selection"] = filters.Selection(
    start=start,
    end=end,
    filters=Filters(
        municipalities=tuple(sorted(int(m) for m in chosen)),
        grants=(grant,) if grant else (),
        target_group=target_group,
        variant=variant,
    ),
    period_label=choice,
    partial=filters.is_partial(end, as_of),
)
page.run()
