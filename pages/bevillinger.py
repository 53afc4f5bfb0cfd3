"""Bevillinger: each grant's budget, spending and outlook on the last day of the chosen period.

Every figure of the funding table comes from `funding.funding_table` (through ipsdash.figures.grants), so
the page equals `python -m ipsdash funding --on <period end>`.
"""

import streamlit as st

from ipsdash import charts, fmt, texts
from ipsdash.app import ui
from ipsdash.figures import catalog, grants, kpis

sel = ui.selection()
ui.page_header("Bevillinger")

on = sel.end  # the "day" of every funding figure
chosen = sel.filters.municipalities
names = ui.call(catalog.municipality_names)
if sel.filters.target_group or sel.filters.variant:
    st.caption("Målgruppe og variant gælder ikke pengene: budgetter, forbrug og finansierede forløb er for alle.")

ROW_FIGURES = list(grants.ROW_FIGURES)
MONEY, PER_HEAD = ROW_FIGURES[:5], ROW_FIGURES[5:]  # two tables, each fits the page's width
CATEGORY_FIGURES = list(grants.CATEGORY_COLUMNS.values())


def card(container, key: str, value: str, caption: str | None = None, label: str | None = None) -> None:
    container.metric(label or texts.short(key), value, help=f"**{texts.label(key)}.** {texts.definition(key)}",
                     border=True)
    if caption:
        container.caption(caption)


def money_cards(row, outlook, budget_label: str) -> None:
    """Budget, spent and left in mio. kr. (the unit in the title, so the figure fits a card on a projector)."""
    def mio(value) -> str:
        return fmt.number(value / 1_000_000, 1) if not fmt.is_missing(value) else fmt.MISSING

    cards = st.columns(3)
    card(cards[0], "budget_dkk", mio(row["budget_dkk"]), label=f"{budget_label} (mio. kr.)")
    card(cards[1], "spent_dkk", mio(row["spent_dkk"]), f"{fmt.percent(row['use'])} af budgettet",
         label="Forbrugt (mio. kr.)")
    depletion = row["projected_depletion"]
    # Overspent or nothing left: say so, not "Opbrugt –".
    runs_out = f"Opbrugt {fmt.date_medium(depletion)}" if not fmt.is_missing(depletion) else outlook.short
    card(cards[2], "remaining_dkk", mio(outlook.remaining_dkk), f"{runs_out} · slutdato {fmt.date_medium(outlook.end)}",
         label="Tilbage (mio. kr.)")


def show_grant(grant_id: str) -> None:
    info = ui.call(grants.grant_info, grant_id)
    totals = ui.call(grants.grant_rows, on, (grant_id,))
    total = totals.iloc[0]
    outlook = ui.call(grants.grant_outlook, on, grant_id)
    every = ui.call(grants.budget_rows, on, grant_id)
    rows = ui.call(grants.budget_rows, on, grant_id, chosen)
    missing = grants.absent(every, chosen)
    budgeted = [m for m in chosen if m not in missing]
    # One municipality chosen: the page leads with its part of the grant, the whole grant after it.
    lead = budgeted[0] if len(budgeted) == 1 else None

    st.subheader(fmt.plain(info["title"]))
    st.caption(
        f"{fmt.plain(info['funder'])} · {fmt.dkk_short(info['amount_dkk'])} · "
        f"{fmt.period(info['start_date'], info['end_date'])} · {fmt.plain(grant_id)} · opgjort {fmt.date_long(on)}, "
        "den sidste dag i den valgte periode"
    )
    if missing:
        st.info(f"{', '.join(fmt.plain(names[m]) for m in missing)}: intet budget og intet forbrug i denne bevilling.")
    if lead is not None:
        their = ui.call(grants.grant_outlook, on, grant_id, lead)
        series = ui.call(grants.burndown, grant_id, on, lead)
        st.markdown(f"#### {fmt.plain(names[lead])}: kommunens del af bevillingen")
        getattr(st, their.tone)(grants.outlook_text(their), icon=":material/event:")
        money_cards(rows.iloc[0], their, f"Budget, {fmt.plain(names[lead])}")
        lead_burndown = {f"Tilbage, {names[lead]}": series}
    else:
        their, series, lead_burndown = outlook, None, {}
        getattr(st, outlook.tone)(grants.outlook_text(outlook), icon=":material/event:")
        money_cards(total, outlook, "Bevilling")

    # Over time: the burn-down (of the municipality's budget when one leads) and the spending month by month.
    burndown = ui.call(grants.burndown, grant_id, on)
    months = ui.call(grants.spending_by_month, grant_id, on, chosen)
    by_category = ui.call(grants.spending_by_category, grant_id, on, chosen)
    scope = ", ".join(fmt.plain(names[m]) for m in chosen) if chosen else "hele bevillingen"
    left, right = st.columns(2)
    with left:
        shown = burndown if lead is None else series
        st.markdown(f"**Tilbage af budgettet – {scope if lead is not None else 'hele bevillingen'}**",
                    help=texts.definition("remaining_dkk"))
        if shown.empty:
            st.info(grants.outlook_text(their))
        else:
            ui.chart(charts.burndown, shown, info["end_date"], on, their.depletion, key=f"burndown_{grant_id}")
    with right:
        st.markdown(f"**Forbrug pr. måned – {scope}**", help=texts.definition("spent_in_month_dkk"))
        if months.empty:
            st.info(f"Intet forbrug før bevillingens start {fmt.date_long(info['start_date'])}.")
        else:
            labels = {col: texts.short(col) for col in CATEGORY_FIGURES}
            ui.chart(charts.monthly_money_stacked, months, labels, shade=(max(sel.start, info["start_date"]), on),
                     key=f"months_{grant_id}", events_of=kpis.Filters(tuple(chosen), (grant_id,)))
    st.caption("Den stiplede linje fortsætter forbruget i de seneste 90 dage. Den markerede flade i søjlerne er den "
               "valgte periode; over mange måneder er søjlerne kvartaler.")

    if lead is not None:
        st.markdown("#### Hele bevillingen")
        getattr(st, outlook.tone)(grants.outlook_text(outlook), icon=":material/event:")
        money_cards(total, outlook, "Bevilling")
    row2 = st.columns(4)
    card(row2[0], "monthly_burn_dkk", fmt.dkk_short(total["monthly_burn_dkk"]), "Forbruget i de seneste 90 dage ÷ 3")
    card(row2[1], "courses", ui.display("courses", total["courses"]), "Opstartet senest på dagen")
    card(row2[2], "cost_per_course_dkk", fmt.dkk_short(total["cost_per_course_dkk"]))
    card(row2[3], "cost_per_placement_dkk", fmt.dkk_short(total["cost_per_placement_dkk"]),
         f"{ui.display('placed_funded', total['placed_funded'])} forløb i job eller uddannelse")

    # Budgets per municipality: the bars show every municipality (money is never hidden); the
    # table follows the municipality filter.
    central = ui.call(grants.central_row, on, grant_id)
    st.markdown("#### Budget og forbrug pr. kommune")
    ui.chart(charts.budget_bars, every, highlight=chosen, key=f"bars_{grant_id}")
    if chosen:
        st.caption("De valgte kommuner er fremhævet, og tabellerne viser kun dem. Bevillingen som helhed og det "
                   "centrale forbrug vises altid.")
    if not rows.empty:
        ui.show_table(ui.figure_table(rows, MONEY, first={"municipality": "Kommune"}))
    st.markdown("**Centralt forbrug** – uden for kommunernes budgetter", help=texts.CENTRAL_SPENDING)
    ui.show_table(ui.figure_table(central, MONEY, first={"municipality": "Del"}))
    if not rows.empty:
        st.markdown("#### Finansierede forløb og pris pr. kommune")
        ui.show_table(ui.figure_table(rows, PER_HEAD, first={"municipality": "Kommune"}))
    ui.marks_note("Beløb skjules aldrig. ")

    burndowns = dict(lead_burndown)
    for i, municipality in enumerate(m for m in budgeted if m != lead):
        if i % 2 == 0:
            columns = st.columns(2)
        with columns[i % 2]:
            series = ui.call(grants.burndown, grant_id, on, municipality)
            their = ui.call(grants.grant_outlook, on, grant_id, municipality)
            st.markdown(f"#### Tilbage af budgettet – {fmt.plain(names[municipality])}")
            getattr(st, their.tone)(grants.outlook_text(their))
            if not series.empty:
                ui.chart(charts.burndown, series, info["end_date"], on, their.depletion,
                         key=f"burndown_{grant_id}_{municipality}")
            burndowns[f"Tilbage, {names[municipality]}"] = series

    st.markdown("#### Forbrug fordelt på kategori", help="Bevillingens forbrug til og med dagen, fordelt på de "
                "kategorier, kommunerne bogfører på.")
    table = ui.figure_table(by_category, [*CATEGORY_FIGURES, "spent_dkk"], first={"municipality": "Kommune"})
    ui.show_table(table, strong=[m == grants.TOTAL for m in by_category["municipality"]])

    ui.downloads(
        f"bevilling_{grant_id}",
        {
            "Bevillingen": totals,
            "Kommuner": rows,
            "Centralt": central,
            "Tilbage af bevillingen": burndown,
            **burndowns,
            "Forbrug pr. måned": months,
            "Forbrug pr. kategori": by_category,
        },
    )
    if sel.filters.grants:
        ui.report_downloads(grant_id)


if sel.filters.grants:
    show_grant(sel.filters.grants[0])
else:
    overview = ui.call(grants.grant_rows, on)
    # The outlook says in words when the money runs out against the end date, and each bar its share spent:
    # the table fits a projector beside the menu.
    OVERVIEW = ["budget_dkk", "spent_dkk", "grant_end", "outlook"]  # the share spent is on each bar
    if len(chosen) == 1:
        # One municipality chosen: lead with its part of each grant (issue 19), the whole grants after.
        theirs = ui.call(grants.municipality_grant_rows, on, chosen[0])
        st.markdown(f"#### {fmt.plain(names[chosen[0]])}: kommunens del af bevillingerne")
        if theirs.empty:
            st.info(f"{fmt.plain(names[chosen[0]])}: intet budget og intet forbrug i nogen bevilling.")
        else:
            ui.chart(charts.budget_bars, theirs, label="title", key="bars_grants_municipality")
            ui.show_table(ui.figure_table(theirs, OVERVIEW, first={"title": "Bevilling"}))
    st.markdown("#### Alle bevillinger")
    ui.chart(charts.budget_bars, overview, label="title", key="bars_grants")
    ui.show_table(ui.figure_table(overview, OVERVIEW, first={"title": "Bevilling"}))
    st.caption("Vælg en bevilling i filteret til venstre for at se den alene og hente rapporten til "
               "bevillingsgiveren – så følger de andre sider den også.")
    ui.downloads("bevillinger", {"Alle bevillinger": overview})
    # Only the open tab's grant is drawn: a click on another tab reruns the page (on_change="rerun").
    labels = [f"{fmt.plain(title)} ({fmt.plain(grant_id)})" for grant_id, title in zip(overview["grant_id"], overview["title"])]
    tabs = st.tabs(labels, key="bevilling_fane", on_change="rerun")
    for tab, grant_id in zip(tabs, overview["grant_id"]):
        if tab.open:
            with tab:
                show_grant(grant_id)

ui.definitions(
    [
        "budget_dkk", "spent_dkk", "use", "remaining_dkk", "monthly_burn_dkk", "projected_depletion", "grant_end",
        "outlook", "courses", "placed_funded", "cost_per_course_dkk", "cost_per_placement_dkk", *CATEGORY_FIGURES,
    ]
)  # fmt: skip
