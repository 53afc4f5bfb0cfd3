"""Figures of the intake and quality pages that `kpis.kpi_table` does not give.

Exits by reason by month, caseload per consultant FTE (contract: courses active on the month's
last day ÷ `consultants_fte` of that month), consultants trained and in training, the period's
breakdowns by target group, variant, age band and sex, and the fidelity reviews with the
contract's levels. Every function returns figures that have passed the small-number rule.

Where the parts of a table add up to a total that is shown (the reasons of a month add up to its
exits, each reason's months to the period, the municipalities to the region), hidden parts get
the same secondary suppression as `privacy.protect(additive=...)`: more parts are hidden until
the hidden ones are at least two and add up to at least the threshold. `privacy.protect` does
this along one column; the exits by reason need it along rows and columns at once, hence
`complementary_cells`. Counts that `kpis.kpi_table` also gives are taken from it as it hid
them, so no page shows a figure that another page hides.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Hashable, Iterable

import numpy as np
import pandas as pd

from ipsdash import catalog, contract, data, filters, kpis, privacy, texts
from ipsdash.kpis import Filters

ALL_COURSES = Filters()  # no filter: the default of the functions below

EXIT_COLUMNS = tuple(f"exits_{reason}" for reason in contract.EXIT_REASONS)

# FTE is not a person count and is shown; caseload × FTE gives the active courses back, so the
# caseload goes with a hidden active count. Consultants are staff, not citizens: their counts
# are no health data and are shown as they are, as FTE is.
STAFFING_RULE = privacy.Rule(counts=("active",), hidden_with={"active": ("caseload",)})

# A fidelity review scores a municipality's IPS service, not persons: nothing to hide.
FIDELITY_RULE = privacy.Rule()

BREAKDOWNS = ("target_group", "variant", "age_band", "sex")
BREAKDOWN_FIGURES = ("referrals", "enrollments", "exits", "waiting", "active", "waiting_days_median")


def _threshold(min_count: int | None) -> int:
    return privacy.default_threshold() if min_count is None else min_count


def _is_hidden(value) -> bool:
    """A protected count that is not shown: the "<5" text, or None (hidden to protect another)."""
    return isinstance(value, str) or value is None or (isinstance(value, float) and np.isnan(value))


def _is_number(value) -> bool:
    return not _is_hidden(value) and not isinstance(value, bool) and isinstance(value, int | float | np.number)


Cell = tuple[Hashable, str]  # (row, column)
Line = tuple[list[Cell], "Cell | None"]  # parts, and the cell holding their sum (None: shown elsewhere)


def complementary_cells(raw: dict[Cell, float], hidden: set[Cell], lines: Iterable[Line], threshold: int) -> set[Cell]:
    """The cells to hide besides `hidden`, so that no hidden part can be told from a line's sum.

    A line is a set of part cells whose sum is shown (in its total cell, or elsewhere when that is
    None). A line whose total cell is hidden gives no sum away and is skipped. A line with hidden
    parts is safe when they are at least two and add up to `threshold` or more (the criterion of
    `privacy.protect`); until then its smallest visible part above zero is hidden too. Repeated
    until no line changes, since a cell hidden for one line can leave another unsafe.

    >>> raw = {(0, "a"): 12, (0, "b"): 3, (0, "c"): 7, (0, "d"): 5}
    >>> sorted(complementary_cells(raw, {(0, "b")}, [([(0, "a"), (0, "b"), (0, "c"), (0, "d")], None)], 5))
    [(0, 'd')]
    """
    lines = list(lines)
    hidden = set(hidden)
    extra: set[Cell] = set()
    changed = True
    while changed:
        changed = False
        for parts, total in lines:
            if total is not None and total in hidden:
                continue
            gone = [cell for cell in parts if cell in hidden]
            if not gone or (len(gone) >= 2 and sum(raw[cell] for cell in gone) >= threshold):
                continue
            candidates = [cell for cell in parts if cell not in hidden and raw[cell] > 0]
            if not candidates:
                # Every part above zero is hidden: their sum is the total, which is then small
                # (hidden where it is shown) or one part's own figure, protected in its other line.
                continue
            pick = min(candidates, key=lambda cell: (raw[cell], str(cell)))
            hidden.add(pick)
            extra.add(pick)
            changed = True
    return extra


def _withhold(df: pd.DataFrame, cells: Iterable[Cell]) -> pd.DataFrame:
    """`df` with `cells` hidden to protect another figure (None)."""
    out = df.copy()
    for row, col in cells:
        out[col] = out[col].astype(object)
        out.at[row, col] = None
    return out


def _label(threshold: int, value):
    return privacy.hidden_label(threshold) if privacy.is_small([value], threshold)[0] else value


# --- Exits by reason ---------------------------------------------------------------------------


def exits_by_reason_raw(
    extract: data.Extract, start: dt.date, end: dt.date, filters: Filters = ALL_COURSES
) -> pd.DataFrame:
    """Exits by reason, one row per month touching [start, end] and a last row for the whole period.

    Columns: period_start (the month's first day; the period's first day on the last row),
    period_end (the month's last day clipped to `end`; `end` on the last row), exits and
    exits_<reason> for each reason of the contract, in its order. Never shown as it is: use
    `exits_by_reason`.
    """
    if end < start:
        raise ValueError("the period ends before it starts")
    long = data.run(extract, "exits_by_reason", {"from": start, "to": end, **filters.params()})
    wide = long.pivot(index="period_start", columns="exit_reason", values="exits")
    wide = wide.reindex(columns=list(contract.EXIT_REASONS)).fillna(0).astype(int)
    wide.columns = list(EXIT_COLUMNS)
    wide = wide.reset_index()
    wide["period_start"] = pd.to_datetime(wide["period_start"])
    month_ends = wide["period_start"] + pd.offsets.MonthEnd(0)
    wide["period_end"] = month_ends.where(month_ends <= pd.Timestamp(end), pd.Timestamp(end))
    total = {"period_start": pd.Timestamp(start), "period_end": pd.Timestamp(end)}
    total.update({col: int(wide[col].sum()) for col in EXIT_COLUMNS})
    out = pd.concat([wide, pd.DataFrame([total])], ignore_index=True)
    out["exits"] = out[list(EXIT_COLUMNS)].sum(axis=1).astype(int)
    return out[["period_start", "period_end", "exits", *EXIT_COLUMNS]]


def exits_by_reason(
    extract: data.Extract,
    start: dt.date,
    end: dt.date,
    filters: Filters = ALL_COURSES,
    min_count: int | None = None,
) -> pd.DataFrame:
    """`exits_by_reason_raw` with small numbers hidden and no reason recoverable by subtraction.

    The exits column is `kpis.kpi_table`'s, as it shows them (by month, and for the period on the
    last row). A row whose exits are hidden there has all its reasons above zero hidden, or they
    would add up to it. The reasons of a row add up to its exits, and each reason's months to the last row:
    both kinds of line get secondary suppression (`complementary_cells`).
    """
    raw = exits_by_reason_raw(extract, start, end, filters)
    threshold = _threshold(min_count)
    # The exits only: no day counts are read for the months.
    monthly = kpis.kpi_table(extract, start, end, by="month", filters=filters, min_count=threshold, medians=False)
    whole = kpis.kpi_table(extract, start, end, filters=filters, min_count=threshold)
    out = raw.astype({c: object for c in ("exits", *EXIT_COLUMNS)})
    out["exits"] = [*monthly["exits"], whole["exits"].iloc[0]]
    if threshold <= 1:
        return out
    last = len(raw) - 1
    months = list(raw.index[:last])
    cells = {(i, c): float(raw.at[i, c]) for i in raw.index for c in EXIT_COLUMNS}
    hidden = {cell for cell, value in cells.items() if privacy.is_small([value], threshold)[0]}
    hidden |= {(i, c) for (i, c), value in cells.items() if value > 0 and _is_hidden(out.at[i, "exits"])}
    lines: list[Line] = [
        ([(i, c) for c in EXIT_COLUMNS], None) for i in raw.index if not _is_hidden(out.at[i, "exits"])
    ]
    lines += [([(i, c) for i in months], (last, c)) for c in EXIT_COLUMNS]
    withheld = hidden | complementary_cells(cells, hidden, lines, threshold)
    for (i, c), value in cells.items():
        shown = _label(threshold, int(value))
        out.at[i, c] = None if (i, c) in withheld and not isinstance(shown, str) else shown
    return out


# --- Staffing and caseload ---------------------------------------------------------------------


def staffing_raw(
    extract: data.Extract, start: dt.date, end: dt.date, municipalities: tuple[int, ...] = ()
) -> pd.DataFrame:
    """Active courses and staffing per municipality and month touching [start, end].

    Active is `kpis.kpi_raw`'s (on the month's last day clipped to `end`), the staffing columns
    are queries/staffing_by_month.sql's. A row is kept when the municipality delivered staffing
    for the month or had courses active at its end.
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
    active = active.set_index(["municipality_code", "period_start"])["active"]
    df.insert(3, "active", active.reindex(pd.MultiIndex.from_frame(df[["municipality_code", "month"]])).to_numpy())
    df["active"] = df["active"].fillna(0).astype(int)
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


def caseload_by_month_raw(
    extract: data.Extract, start: dt.date, end: dt.date, municipalities: tuple[int, ...] = ()
) -> pd.DataFrame:
    """Caseload per month for the chosen municipalities together: Σ active ÷ Σ FTE.

    Only municipalities that delivered staffing for the month count in either sum, so that no
    municipality's courses are laid on another's consultants; those with active courses and no
    staffing row for the month are counted in municipalities_without_staffing, and their courses
    in active_without_staffing. One row per month touching [start, end] (period_start), also when
    nothing was delivered (FTE and caseload then empty). Never shown as it is.
    """
    df = staffing_raw(extract, start, end, municipalities)
    staffed = df[df["consultants_fte"].notna()]
    unstaffed = df[df["consultants_fte"].isna() & (df["active"] > 0)]
    months = pd.DataFrame({"period_start": pd.date_range(pd.Timestamp(start).replace(day=1), end, freq="MS")})
    by_month = staffed.groupby("month").agg(
        active=("active", "sum"),
        consultants_fte=("consultants_fte", "sum"),
        consultants_trained=("consultants_trained", "sum"),
        consultants_in_training=("consultants_in_training", "sum"),
    )
    out = months.join(by_month, on="period_start")
    # A month where no chosen municipality delivered staffing has no active count here either.
    out["active"] = out["active"].astype("Int64")
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
        ]
    ]


def caseload_by_month(
    extract: data.Extract,
    start: dt.date,
    end: dt.date,
    municipalities: tuple[int, ...] = (),
    min_count: int | None = None,
) -> pd.DataFrame:
    """Caseload per month (`caseload_by_month_raw`) with the small-number rule.

    A small active count is hidden and the caseload with it. The month's active courses of all
    the chosen municipalities are shown elsewhere (`kpis.kpi_table` by month), so when the courses
    left out for want of staffing are few, the active count is hidden too, or the difference
    would give them away. active_without_staffing is internal and is not returned.
    """
    raw = caseload_by_month_raw(extract, start, end, municipalities)
    threshold = _threshold(min_count)
    out = privacy.protect(raw, STAFFING_RULE, threshold)
    if threshold > 1:
        gap = privacy.is_small(raw["active_without_staffing"], threshold)
        keep = ~gap | privacy.is_small(raw["active"], threshold)
        out["active"] = out["active"].where(keep, None)
        out["caseload"] = out["caseload"].where(~gap, None)
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
    extract: data.Extract, on: dt.date, municipalities: tuple[int, ...] = (), min_count: int | None = None
) -> pd.DataFrame:
    """Active courses on `on`, the staffing of its month and the caseload, one row per municipality.

    A municipality appears when it delivered staffing for the month or had active courses. The
    active counts are `kpis.kpi_table`'s by municipality, hidden as it hides them; the rows with
    staffing add up to the month's row of `caseload_by_month`, and those without to the rest of
    the region's active courses, so each of the two gets secondary suppression as well.
    """
    first = on.replace(day=1)
    df = staffing_raw(extract, first, on, municipalities).reset_index(drop=True)
    threshold = _threshold(min_count)
    shown = kpis.kpi_table(
        extract, first, on, "municipality", Filters(municipalities=municipalities), threshold, medians=False
    ).set_index("municipality_code")["active"]
    out = df.copy()
    shown_by_code = shown.to_dict()  # a dict keeps None (hidden to protect another) as None
    out["active"] = pd.Series([shown_by_code.get(code) for code in df["municipality_code"]], dtype=object)
    out["caseload"] = _caseload(df["active"], df["consultants_fte"]).astype(object)
    if threshold > 1:
        cells = {(i, "active"): float(df.at[i, "active"]) for i in df.index}
        hidden = {cell for cell in cells if _is_hidden(out.at[cell])}
        staffed = df["consultants_fte"].notna()
        lines: list[Line] = [([(i, "active") for i in df.index[staffed]], None)]
        lines.append(([(i, "active") for i in df.index[~staffed]], None))
        out = _withhold(out, complementary_cells(cells, hidden, lines, threshold))
        out["caseload"] = out["caseload"].where(~out["active"].map(_is_hidden), None)
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


def breakdowns(
    extract: data.Extract,
    start: dt.date,
    end: dt.date,
    filters: Filters = ALL_COURSES,
    min_count: int | None = None,
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


def fidelity_reviews(extract: data.Extract, end: dt.date, municipalities: tuple[int, ...] = ()) -> pd.DataFrame:
    """Every review on or before `end`, oldest first per municipality, with its fidelity_level."""
    params = {"to": end, "municipalities": [int(m) for m in municipalities]}
    df = data.run(extract, "fidelity_reviews", params)
    df["review_date"] = pd.to_datetime(df["review_date"])
    df["fidelity_level"] = df["fidelity"].map(fidelity_level).astype(object)
    return privacy.protect(df, FIDELITY_RULE, privacy.default_threshold())


def fidelity_latest(extract: data.Extract, end: dt.date, municipalities: tuple[int, ...] = ()) -> pd.DataFrame:
    """The newest review on or before `end` per municipality, with the one before and the change.

    Every chosen municipality (all when none is chosen) has a row, ordered by name; one without a
    review has empty figures and the level texts.NO_REVIEW_YET.
    """
    reviews = fidelity_reviews(extract, end, municipalities)
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

    Columns: exit_reason (its Danish name), exits (as protected) and exit_share (of all exits).
    A share is given only where both its counts are shown, so it tells nothing they do not.
    """
    total = table.iloc[-1]
    rows = []
    for reason, col in zip(contract.EXIT_REASONS, EXIT_COLUMNS):
        count, whole = total[col], total["exits"]
        shown = not _is_hidden(count) and not _is_hidden(whole) and whole > 0
        rows.append(
            {"exit_reason": texts.EXIT_REASONS[reason], "exits": count, "exit_share": count / whole if shown else None}
        )
    out = pd.DataFrame(rows)
    out["exit_share"] = pd.Series([r["exit_share"] for r in rows], dtype=object)  # hidden stays None
    out["exits"] = pd.Series([r["exits"] for r in rows], dtype=object)
    return out
