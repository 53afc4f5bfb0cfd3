"""Figures of the intake and quality pages that `kpis.kpi_table` does not give.

Exits by reason by month, caseload per consultant FTE (contract: courses active on the month's
last day ÷ `consultants_fte` of that month), consultants trained and in training, the period's
breakdowns by target group, variant, age band and sex, and the fidelity reviews with the
contract's levels. Every function returns figures that have passed `privacy.protect`: each count
carries its cell key, so the same courses are published alike here and in `kpis.kpi_table` (a
month's exits, a municipality's active courses), and no part is worked out from a total less the
others; a caseload is worked out from the published active count.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from ipsdash import texts
from ipsdash.extract import contract, data
from ipsdash.figures import catalog, filters, kpis, privacy
from ipsdash.figures.kpis import Filters

ALL_COURSES = Filters()  # no filter: the default of the functions below

EXIT_COLUMNS = tuple(f"exits_{reason}" for reason in contract.EXIT_REASONS)
# Each reason's share of the row's exits.
EXIT_SHARES = tuple(f"exit_share_{reason}" for reason in contract.EXIT_REASONS)
EXITS_RULE = privacy.Rule(
    counts=("exits", *EXIT_COLUMNS),
    rates=tuple(privacy.Rate(col, "exits", (share,)) for col, share in zip(EXIT_COLUMNS, EXIT_SHARES)),
)

# FTE is not a person count and is shown; caseload × FTE gives the active courses back, so the
# caseload is worked out from the published active count and goes with a hidden one. Consultants
# are staff, not citizens: their counts are no health data and are shown as they are, as FTE is.
STAFFING_RULE = privacy.Rule(counts=("active",))

# A fidelity review scores a municipality's IPS service, not persons: nothing to hide.
FIDELITY_RULE = privacy.Rule()

BREAKDOWNS = ("target_group", "variant", "age_band", "sex")
BREAKDOWN_FIGURES = ("referrals", "enrollments", "exits", "waiting", "active", "waiting_days_median")


def _is_number(value) -> bool:
    """A shown number (not the "<5" text, None or NaN)."""
    if isinstance(value, str | bool) or value is None:
        return False
    return isinstance(value, int | float | np.number) and not np.isnan(value)


# --- Exits by reason ---------------------------------------------------------------------------


def exits_by_reason_raw(
    extract: data.Extract, start: dt.date, end: dt.date, filters: Filters = ALL_COURSES
) -> pd.DataFrame:
    """Exits by reason, one row per month touching [start, end] and a last row for the whole period.

    Columns: period_start (the month's first day; the period's first day on the last row),
    period_end (the month's last day clipped to `end`; `end` on the last row), exits and
    exits_<reason> for each reason of the contract, in its order, exit_share_<reason> of the
    row's exits, and each count's cell key (`privacy.key_column`). Never shown as it is: use
    `exits_by_reason`.
    """
    if end < start:
        raise ValueError("the period ends before it starts")
    long = data.run(extract, "exits_by_reason", {"from": start, "to": end, **filters.params()})
    counts = [*EXIT_COLUMNS, *(privacy.key_column(c) for c in EXIT_COLUMNS)]
    wide = long.pivot(index="period_start", columns="exit_reason", values=["exits", "exits_key"])
    wide = wide.reindex(columns=pd.MultiIndex.from_product([["exits", "exits_key"], contract.EXIT_REASONS]))
    wide = wide.fillna(0).astype(int)
    wide.columns = counts
    wide = wide.reset_index()
    wide["period_start"] = pd.to_datetime(wide["period_start"])
    month_ends = wide["period_start"] + pd.offsets.MonthEnd(0)
    wide["period_end"] = month_ends.where(month_ends <= pd.Timestamp(end), pd.Timestamp(end))
    # The months are disjoint: the period's courses are theirs together, its keys their sum.
    total = {"period_start": pd.Timestamp(start), "period_end": pd.Timestamp(end)}
    total.update({col: int(wide[col].sum()) for col in counts})
    out = pd.concat([wide, pd.DataFrame([total])], ignore_index=True)
    reason_keys = [privacy.key_column(c) for c in EXIT_COLUMNS]
    out[reason_keys] = out[reason_keys] % privacy.KEYS
    # The reasons are disjoint: a row's exits are its reasons' courses together.
    out["exits"] = out[list(EXIT_COLUMNS)].sum(axis=1).astype(int)
    out["exits_key"] = out[reason_keys].sum(axis=1).astype(int) % privacy.KEYS
    for col, share in zip(EXIT_COLUMNS, EXIT_SHARES):
        with np.errstate(invalid="ignore", divide="ignore"):
            out[share] = (out[col] / out["exits"].where(out["exits"] > 0)).astype(float)
    cell_keys = [privacy.key_column(c) for c in EXITS_RULE.counts]
    return out[["period_start", "period_end", "exits", *EXIT_COLUMNS, *EXIT_SHARES, *cell_keys]]


def exits_by_reason(
    extract: data.Extract,
    start: dt.date,
    end: dt.date,
    filters: Filters = ALL_COURSES,
    *,
    min_count: int,
) -> pd.DataFrame:
    """`exits_by_reason_raw` as published (`privacy.protect`): counts with their noise, shares
    from the published counts in whole percent.

    A row's exits are the same courses as `kpis.kpi_table`'s exits of that month (of the period
    on the last row), with the same cell key: both publish the same figure.
    """
    return privacy.protect(exits_by_reason_raw(extract, start, end, filters), EXITS_RULE, min_count)


# --- Staffing and caseload ---------------------------------------------------------------------


def staffing_raw(
    extract: data.Extract, start: dt.date, end: dt.date, municipalities: tuple[int, ...] = ()
) -> pd.DataFrame:
    """Active courses and staffing per municipality and month touching [start, end].

    Active is `kpis.kpi_raw`'s (on the month's last day clipped to `end`), with its cell key
    active_key; the staffing columns are queries/staffing_by_month.sql's. A row is kept when the
    municipality delivered staffing for the month or had courses active at its end.
    """
    if end < start:
        raise ValueError("the period ends before it starts")
    # The staffing of every month of the data, asked once (pages ask for several periods) and cut.
    first, last = catalog.span(extract)
    params = {"from": min(start, first), "to": max(end, last), "municipalities": [int(m) for m in municipalities]}
    df = data.run(extract, "staffing_by_month", params)
    df["month"] = pd.to_datetime(df["month"])
    df = df[df["month"].between(pd.Timestamp(start.replace(day=1)), pd.Timestamp(end))].reset_index(drop=True)
    active = kpis.kpi_raw(
        extract, start, end, "municipality", Filters(municipalities=municipalities), grain="month", medians=False
    )
    active = active.set_index(["municipality_code", "period_start"])[["active", "active_key"]]
    rows = active.reindex(pd.MultiIndex.from_frame(df[["municipality_code", "month"]])).fillna(0).astype(int)
    df.insert(3, "active", rows["active"].to_numpy())
    df["active_key"] = rows["active_key"].to_numpy()
    keep = df["consultants_fte"].notna() | (df["active"] > 0)
    return df[keep].reset_index(drop=True)


def staffing_questions(
    municipalities: tuple[int, ...], on: dt.date, *periods: tuple[dt.date, dt.date]
) -> tuple[Filters, list[kpis.Question]]:
    """What `caseload_by_month` over each of `periods` and `staffing_by_municipality` on `on` ask
    of `kpis.kpi_raw`, as an ask for `ui.prefetch`: active courses per municipality (and month)."""
    first = on.replace(day=1)
    months = [kpis.Question.of(a, b, "municipality", "month", medians=False) for a, b in (*periods, (first, on))]
    return Filters(municipalities=municipalities), [*months, kpis.Question.of(first, on, "municipality", medians=False)]


def _caseload(active: pd.Series, fte: pd.Series) -> pd.Series:
    """Active ÷ FTE; none without FTE (not delivered, or 0 while courses are active)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        return (pd.to_numeric(active, errors="coerce") / fte.where(fte > 0)).astype(float)


def _published_caseload(active: pd.Series, fte: pd.Series) -> pd.Series:
    """The caseload of a published active count: none where the count is hidden ("<5") or there
    is no FTE. Never of the true count, which caseload × FTE would give back."""
    caseload = _caseload(active, fte)
    # None (hidden) where the count is hidden; NaN (cannot be computed) where there is no FTE.
    hidden = pd.Series([isinstance(a, str) for a in active], index=active.index)
    values = [None if h else (np.nan if np.isnan(x) else float(x)) for h, x in zip(hidden, caseload)]
    return pd.Series(values, index=active.index, dtype=object)


def caseload_by_month_raw(
    extract: data.Extract, start: dt.date, end: dt.date, municipalities: tuple[int, ...] = ()
) -> pd.DataFrame:
    """Caseload per month for the chosen municipalities together: Σ active ÷ Σ FTE.

    Only municipalities that delivered staffing for the month count in either sum, so that no
    municipality's courses are laid on another's consultants; those with active courses and no
    staffing row for the month are counted in municipalities_without_staffing, and their courses
    in active_without_staffing. One row per month touching [start, end] (period_start), also when
    nothing was delivered (FTE and caseload then empty). The municipalities' courses are disjoint,
    so the active count's cell key (active_key) is the sum of theirs. Never shown as it is.
    """
    df = staffing_raw(extract, start, end, municipalities)
    staffed = df[df["consultants_fte"].notna()]
    unstaffed = df[df["consultants_fte"].isna() & (df["active"] > 0)]
    months = pd.DataFrame({"period_start": pd.date_range(pd.Timestamp(start).replace(day=1), end, freq="MS")})
    by_month = staffed.groupby("month").agg(
        active=("active", "sum"),
        active_key=("active_key", "sum"),
        consultants_fte=("consultants_fte", "sum"),
        consultants_trained=("consultants_trained", "sum"),
        consultants_in_training=("consultants_in_training", "sum"),
    )
    out = months.join(by_month, on="period_start")
    # A month where no chosen municipality delivered staffing has no active count here either.
    out["active"] = out["active"].astype("Int64")
    out["active_key"] = (out["active_key"] % privacy.KEYS).astype("Int64")
    out["caseload"] = _caseload(out["active"], out["consultants_fte"])
    out["municipalities_without_staffing"] = out["period_start"].map(unstaffed.groupby("month").size())
    out["active_without_staffing"] = out["period_start"].map(unstaffed.groupby("month")["active"].sum())
    for col in ("municipalities_without_staffing", "active_without_staffing"):
        out[col] = out[col].fillna(0).astype(int)
    return out[
        [
            "period_start",
            "active",
            "consultants_fte",
            "caseload",
            "consultants_trained",
            "consultants_in_training",
            "municipalities_without_staffing",
            "active_without_staffing",
            "active_key",
        ]
    ]


def caseload_by_month(
    extract: data.Extract,
    start: dt.date,
    end: dt.date,
    municipalities: tuple[int, ...] = (),
    *,
    min_count: int,
) -> pd.DataFrame:
    """Caseload per month (`caseload_by_month_raw`) as published: the active count with its noise
    (the same figure as `kpis.kpi_table`'s when every chosen municipality delivered staffing) and
    the caseload worked out from it; a small active count is hidden and the caseload with it.
    active_without_staffing is internal and is not returned.
    """
    raw = caseload_by_month_raw(extract, start, end, municipalities)
    out = privacy.protect(raw, STAFFING_RULE, min_count)
    out["caseload"] = _published_caseload(out["active"], raw["consultants_fte"])
    return out.drop(columns="active_without_staffing")


def month_ending(table: pd.DataFrame, day: dt.date) -> pd.Series | None:
    """The row of `caseload_by_month` for the month that ends on `day`, or None (no such row, or
    `day` is not a month's last day).

    A month's row depends on that month alone (its staffing, the courses active at its end, each
    protected on its own), so it is the last row of `caseload_by_month` over any period ending on
    `day`: a page that has the months of its chart need not ask for the period before again.
    """
    if (day + dt.timedelta(days=1)).day != 1:
        return None
    rows = table[table["period_start"] == pd.Timestamp(day.replace(day=1))]
    return rows.iloc[0] if len(rows) else None


def staffing_by_municipality(
    extract: data.Extract, on: dt.date, municipalities: tuple[int, ...] = (), *, min_count: int
) -> pd.DataFrame:
    """Active courses on `on`, the staffing of its month and the caseload, one row per municipality.

    A municipality appears when it delivered staffing for the month or had active courses. The
    active counts are published as `kpis.kpi_table` by municipality publishes them (the same
    courses, the same cell key), the caseload is worked out from them.
    """
    first = on.replace(day=1)
    df = staffing_raw(extract, first, on, municipalities)
    out = privacy.protect(df, STAFFING_RULE, min_count)
    out["caseload"] = _published_caseload(out["active"], df["consultants_fte"])
    # Flagged on the protected caseload: a hidden one is never flagged.
    out["above_limit"] = [_is_number(c) and c > contract.CASELOAD_LIMIT for c in out["caseload"]]
    columns = ["municipality_code", "municipality", "active", "consultants_fte", "caseload", "above_limit",
               "consultants_trained", "consultants_in_training"]
    return catalog.in_order(out[columns])


def caseload_note(table: pd.DataFrame) -> str | None:
    """A Danish note when some municipalities with active courses delivered no staffing."""
    if table.empty:
        return None
    missing = int(table["municipalities_without_staffing"].iloc[-1])
    if missing == 0:
        return None
    return texts.WITHOUT_STAFFING.format(n=missing)


# --- Breakdowns ---------------------------------------------------------------------------------


def _group_label(by: str, value) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return f"{texts.BREAKDOWNS[by]} {texts.NOT_STATED.lower()}"  # "Alder ikke oplyst", unlike "Køn ikke oplyst"
    if by == "target_group":
        return texts.TARGET_GROUPS.get(value, value)
    if by == "variant":
        return value  # "IPS", "IPS+": the names the municipalities use; the long form is in the filter
    if by == "sex":
        return texts.SEXES.get(value, value)
    return f"{value} år"


def breakdown_questions(start: dt.date, end: dt.date, filters: Filters = ALL_COURSES) -> tuple[Filters, list[kpis.Question]]:
    """What `breakdowns` asks of `kpis.kpi_raw`, as an ask for `ui.prefetch`."""
    return filters, [kpis.Question.of(start, end, by) for by in BREAKDOWNS]


def breakdowns(
    extract: data.Extract,
    start: dt.date,
    end: dt.date,
    filters: Filters = ALL_COURSES,
    *,
    min_count: int,
) -> pd.DataFrame:
    """The period's intake figures by target group, variant, age band and sex, in one table.

    Columns: breakdown (its Danish name), group (the group's Danish name, which says what it is
    on its own, e.g. "Kvinder", "50+ år", "Alder ikke oplyst") and BREAKDOWN_FIGURES, exactly as `kpis.kpi_table` gives them.
    """
    frames = []
    for by in BREAKDOWNS:
        table = kpis.kpi_table(extract, start, end, by=by, filters=filters, min_count=min_count)
        frame = table[list(BREAKDOWN_FIGURES)].copy()
        frame.insert(0, "group", [_group_label(by, v) for v in table[by]])
        frame.insert(0, "breakdown", texts.BREAKDOWNS[by])
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


# --- Fidelity, and municipalities without IPS ---------------------------------------------------


def fidelity_level(score) -> str | None:
    """The contract's level of an IPS-25 total score.

    >>> fidelity_level(125), fidelity_level(115), fidelity_level(114), fidelity_level(74), fidelity_level(73)
    ('eksemplarisk', 'eksemplarisk', 'god', 'rimelig', 'ikke IPS')
    """
    if score is None or pd.isna(score):
        return None
    for lowest, level in contract.FIDELITY_LEVELS:
        if score >= lowest:
            return level
    return None


def fidelity_reviews(
    extract: data.Extract, end: dt.date, municipalities: tuple[int, ...] = (), *, min_count: int
) -> pd.DataFrame:
    """Every review on or before `end`, oldest first per municipality, with its fidelity_level."""
    params = {"to": end, "municipalities": [int(m) for m in municipalities]}
    df = data.run(extract, "fidelity_reviews", params)
    df["review_date"] = pd.to_datetime(df["review_date"])
    df["fidelity_level"] = df["fidelity"].map(fidelity_level).astype(object)
    return privacy.protect(df, FIDELITY_RULE, min_count)


def fidelity_latest(
    extract: data.Extract, end: dt.date, municipalities: tuple[int, ...] = (), *, min_count: int
) -> pd.DataFrame:
    """The newest review on or before `end` per municipality, with the one before and the change.

    Every chosen municipality (all when none is chosen) has a row, ordered by name; one without a
    review has empty figures and the level texts.NO_REVIEW_YET.
    """
    reviews = fidelity_reviews(extract, end, municipalities, min_count=min_count)
    grouped = reviews.groupby("municipality_code", sort=False)
    latest = grouped.tail(1).set_index("municipality_code")
    previous = grouped.nth(-2).set_index("municipality_code")
    names = catalog.municipalities(extract)
    if municipalities:
        names = names[names["municipality_code"].isin([int(m) for m in municipalities])]
    out = names[["municipality_code", "name"]].rename(columns={"name": "municipality"}).set_index("municipality_code")
    out["review_date"] = latest["review_date"].reindex(out.index)
    out["fidelity"] = latest["fidelity"].reindex(out.index).astype("Int64")
    out["fidelity_level"] = latest["fidelity_level"].reindex(out.index).fillna(texts.NO_REVIEW_YET).astype(object)
    out["previous_review_date"] = previous["review_date"].reindex(out.index)
    out["previous_fidelity"] = previous["fidelity"].reindex(out.index).astype("Int64")
    out["fidelity_change"] = out["fidelity"] - out["previous_fidelity"]
    return catalog.in_order(out.reset_index())


def trend_start(extract: data.Extract, start: dt.date, end: dt.date, municipalities: tuple[int, ...] = ()) -> dt.date:
    """First day of the monthly charts: two years before `end`, as on Overblik, but not before the
    month the chosen municipalities' IPS started (no run of empty months); never after `start`."""
    two_years = filters.add_months(end, -23).replace(day=1)
    df = catalog.municipalities(extract)
    if municipalities:
        df = df[df["municipality_code"].isin([int(m) for m in municipalities])]
    first = pd.to_datetime(df["ips_start"]).min()
    if pd.notna(first):
        two_years = max(two_years, first.date().replace(day=1))
    return min(start, two_years)


def not_started(extract: data.Extract, on: dt.date, municipalities: tuple[int, ...]) -> list[str]:
    """Names of the chosen municipalities whose IPS had not started on `on` (planned, or later)."""
    df = catalog.municipalities(extract)
    chosen = df[df["municipality_code"].isin([int(m) for m in municipalities])]
    starts = pd.to_datetime(chosen["ips_start"])
    return sorted(chosen.loc[starts.isna() | (starts > pd.Timestamp(on)), "name"].tolist())


def exit_reasons_in_period(table: pd.DataFrame) -> pd.DataFrame:
    """The last row of `exits_by_reason` (the period) as one row per reason, with its share.

    Columns: exit_reason (its Danish name), exits and exit_share (of all exits), as published.
    """
    total = table.iloc[-1]
    return pd.DataFrame(
        {
            "exit_reason": [texts.EXIT_REASONS[reason] for reason in contract.EXIT_REASONS],
            "exits": pd.Series([total[col] for col in EXIT_COLUMNS], dtype=object),
            "exit_share": pd.Series([total[share] for share in EXIT_SHARES], dtype=object),
        }
    )
