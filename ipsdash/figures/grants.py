"""A grant over time: spending by month and category, the burn-down, and the outlook.

`funding.funding_table` says where a grant stands on day b (budget, spent, use, monthly burn,
projected depletion, courses, cost per course). This module adds how it got there and where it
is heading, built on that table so that every figure agrees with `python -m ipsdash funding`:

- `budget_rows` / `central_row` / `grant_rows`: the funding table's rows, named, for one grant's
  municipalities, its central part, and the grants as a whole;
- `spending_by_month` and `spending_by_category`: `queries/grant_spending.sql`, for the whole
  grant or some of its municipalities;
- `burndown`: the remaining budget at each month's end to b, and the projection from the monthly
  burn to the projected depletion date;
- `outlook` / `outlook_text`: whether the money runs out before or after the grant's end date,
  and by how much.

Amounts of money are not person counts; the person counts here (courses, placed) come from
`funding.funding_table`, which publishes them by `privacy.protect` (noise and the primary rule).
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

import pandas as pd

from ipsdash import fmt
from ipsdash.extract import data
from ipsdash.extract.contract import EXPENDITURE_CATEGORIES
from ipsdash.figures import catalog, funding, privacy

CATEGORIES = EXPENDITURE_CATEGORIES
# One money column per category, named as its term in texts.TERMS ("løn" -> "løn_dkk").
CATEGORY_COLUMNS = {c: f"{c}_dkk" for c in CATEGORIES}

# Money only: the rule hides nothing here, but every figure leaving the query layer passes it.
SPENDING_RULE = privacy.Rule()

# funding.FIGURES calls its count of placed courses "placed", which on the course pages means
# something else (placed within a period); here it is renamed to the term that defines it.
RENAMED = {"placed": "placed_funded"}

# The figures of a budget row, in the order a page shows them.
ROW_FIGURES = (
    "budget_dkk",
    "spent_dkk",
    "use",
    "monthly_burn_dkk",
    "projected_depletion",
    "courses",
    "placed_funded",
    "cost_per_course_dkk",
    "cost_per_placement_dkk",
)

CENTRAL = "Centralt"  # spending with no municipality: coordination, shared training
TOTAL = "I alt"


def _date(value) -> dt.date | None:
    return None if fmt.is_missing(value) else pd.Timestamp(value).date()


def grant_info(extract: data.Extract, grant_id: str) -> dict:
    """The grant's row of `grants`: title, funder, amount, start and end dates (as dates)."""
    df = catalog.grants(extract)
    rows = df[df["grant_id"] == grant_id]
    if rows.empty:
        raise KeyError(f"unknown grant {grant_id!r}")
    row = rows.iloc[0]
    return {
        "grant_id": grant_id,
        "title": row["title"],
        "funder": row["funder"],
        "amount_dkk": float(row["amount_dkk"]),
        "start_date": _date(row["start_date"]),
        "end_date": _date(row["end_date"]),
    }


# --- The funding table, named ----------------------------------------------------------------


def _named(df: pd.DataFrame, names: dict[int, str]) -> pd.DataFrame:
    df = df.rename(columns=RENAMED)
    municipality = [CENTRAL if pd.isna(m) else names.get(int(m), str(m)) for m in df["municipality_code"]]
    df.insert(2, "municipality", municipality)
    return df.reset_index(drop=True)


def budget_rows(
    extract: data.Extract,
    on: dt.date,
    grant_id: str,
    municipalities: tuple[int, ...] = (),
    *,
    min_count: int,
) -> pd.DataFrame:
    """The grant's municipalities on day `on` (funding.funding_table, by municipality), by name (catalog.in_order).

    `municipalities` keeps only those (empty: all). The rows are protected as the whole table is,
    so a filter never changes which counts are hidden. The central part is `central_row`.
    """
    table = funding.funding_table(extract, on, "municipality", (grant_id,), min_count=min_count)
    table = _named(table, catalog.municipality_names(extract))
    rows = table[table["municipality_code"].notna()]
    if municipalities:
        rows = rows[rows["municipality_code"].isin(municipalities)]
    return catalog.in_order(rows)


def central_row(extract: data.Extract, on: dt.date, grant_id: str, *, min_count: int) -> pd.DataFrame:
    """The grant's central part on day `on`: its amount less the municipalities' budgets, and what was
    spent with no municipality (one row; courses are not counted there)."""
    table = funding.funding_table(extract, on, "municipality", (grant_id,), min_count=min_count)
    table = _named(table, catalog.municipality_names(extract))
    return table[table["municipality_code"].isna()].reset_index(drop=True)


def grant_rows(
    extract: data.Extract, on: dt.date, grants: tuple[str, ...] = (), *, min_count: int
) -> pd.DataFrame:
    """Each grant as a whole on day `on` (funding.funding_table, by grant) with its title, funder,
    period (grant_start, grant_end) and outlook (`Outlook.short`): one row per grant, in the order
    of `catalog.grants`."""
    table = funding.funding_table(extract, on, "grant", grants, min_count=min_count).rename(
        columns=RENAMED
    )
    info = catalog.grants(extract).rename(columns={"start_date": "grant_start", "end_date": "grant_end"})
    table = info[["grant_id", "title", "funder", "grant_start", "grant_end"]].merge(table, on="grant_id", how="inner")
    table["outlook"] = [
        outlook(row, _date(row["grant_start"]), _date(row["grant_end"]), on).short for _, row in table.iterrows()
    ]
    return table.reset_index(drop=True)


def municipality_grant_rows(
    extract: data.Extract, on: dt.date, municipality: int, *, min_count: int
) -> pd.DataFrame:
    """One municipality's part of each grant on day `on`: the grants where it has a budget or spending,
    as `grant_rows` has them (title, grant_end, budget_dkk, spent_dkk, use, projected_depletion,
    outlook), its own budget's figures instead of the whole grant's."""
    info = catalog.grants(extract).rename(columns={"start_date": "grant_start", "end_date": "grant_end"})
    rows = []
    for _, grant in info.iterrows():
        part = budget_rows(extract, on, grant["grant_id"], (municipality,), min_count=min_count)
        if part.empty:
            continue
        row = part.iloc[0]
        rows.append({
            "grant_id": grant["grant_id"], "title": grant["title"], "grant_end": grant["grant_end"],
            **{k: row[k] for k in ("budget_dkk", "spent_dkk", "use", "monthly_burn_dkk", "projected_depletion")},
            "outlook": outlook(row, _date(grant["grant_start"]), _date(grant["grant_end"]), on).short,
        })
    columns = ["grant_id", "title", "grant_end", "budget_dkk", "spent_dkk", "use", "monthly_burn_dkk",
               "projected_depletion", "outlook"]
    return pd.DataFrame(rows, columns=columns)


def absent(rows: pd.DataFrame, municipalities: tuple[int, ...]) -> list[int]:
    """The chosen municipalities that have neither a budget nor spending in the grant."""
    present = set(rows["municipality_code"].dropna().astype(int))
    return [m for m in municipalities if m not in present]


# --- Spending by month and category ---------------------------------------------------------


def spending_raw(extract: data.Extract, grant_id: str, on: dt.date) -> pd.DataFrame:
    """queries/grant_spending.sql: month, municipality_code (NA = central), category, spent_dkk."""
    df = data.run(extract, "grant_spending", {"grant_id": grant_id, "on": on})
    df["municipality_code"] = df["municipality_code"].astype("Int64")
    df["month"] = pd.to_datetime(df["month"])
    return df


def month_starts(first: dt.date, last: dt.date) -> list[dt.date]:
    """The first days of the months from `first`'s month to `last`'s, both included.

    >>> month_starts(dt.date(2024, 11, 15), dt.date(2025, 2, 1))
    [datetime.date(2024, 11, 1), datetime.date(2024, 12, 1), datetime.date(2025, 1, 1), datetime.date(2025, 2, 1)]
    """
    months, month = [], first.replace(day=1)
    while month <= last:
        months.append(month)
        month = (month + dt.timedelta(days=32)).replace(day=1)
    return months


def _scope(raw: pd.DataFrame, municipalities: tuple[int, ...]) -> pd.DataFrame:
    # No municipalities chosen: the whole grant, central spending included.
    return raw[raw["municipality_code"].isin(municipalities).fillna(False)] if municipalities else raw


def spending_by_month(
    extract: data.Extract,
    grant_id: str,
    on: dt.date,
    municipalities: tuple[int, ...] = (),
    *,
    min_count: int,
) -> pd.DataFrame:
    """Spending per calendar month to day `on`: period_start, one column per category (`CATEGORY_COLUMNS`,
    zero where nothing was posted), spent_in_month_dkk (their sum) and spent_dkk (the running total to the
    month's end, or to `on` in its month).

    Months run from the grant's start (or its first posting, if earlier) to `on`; none when `on` is
    before both. `municipalities` empty: the whole grant, central spending included; otherwise only
    those municipalities' spending.
    """
    info = grant_info(extract, grant_id)
    raw = _scope(spending_raw(extract, grant_id, on), municipalities)
    first = info["start_date"]
    if not raw.empty:
        first = min(first, raw["month"].min().date())
    months = pd.to_datetime(month_starts(first, on))
    wide = (
        raw.pivot_table(index="month", columns="category", values="spent_dkk", aggfunc="sum")
        .reindex(index=months, columns=list(CATEGORIES))
        .fillna(0.0)
    )
    wide.index.name = "period_start"
    wide.columns.name = None
    wide["spent_in_month_dkk"] = wide[list(CATEGORIES)].sum(axis=1)
    wide = wide.rename(columns=CATEGORY_COLUMNS)
    wide["spent_dkk"] = wide["spent_in_month_dkk"].cumsum()
    return privacy.protect(wide.reset_index(), SPENDING_RULE, min_count)


def spending_by_category(
    extract: data.Extract,
    grant_id: str,
    on: dt.date,
    municipalities: tuple[int, ...] = (),
    *,
    min_count: int,
) -> pd.DataFrame:
    """Spending to day `on` by category: one row per municipality of the grant (those of
    `budget_rows`, in its order), then the central part, then the whole grant (municipality_code NA,
    municipality "I alt"). Columns: municipality_code, municipality, one per category
    (`CATEGORY_COLUMNS`) and spent_dkk.

    `municipalities` keeps only those municipalities; the central row and the total of the whole
    grant are always there, so a filter never hides money.
    """
    # Central spending has no municipality code: -1 stands in for it while grouping.
    raw = spending_raw(extract, grant_id, on).assign(code=lambda df: df["municipality_code"].fillna(-1))
    rows = pd.concat(
        [
            budget_rows(extract, on, grant_id, municipalities, min_count=min_count),
            central_row(extract, on, grant_id, min_count=min_count),
        ]
    )[["municipality_code", "municipality"]].reset_index(drop=True)
    sums = raw.pivot_table(index="code", columns="category", values="spent_dkk", aggfunc="sum")
    table = (
        sums.reindex(index=rows["municipality_code"].fillna(-1), columns=list(CATEGORIES))
        .fillna(0.0)
        .reset_index(drop=True)
    )
    table.columns.name = None
    table = pd.concat([rows, table], axis=1)
    total = raw.groupby("category")["spent_dkk"].sum().reindex(list(CATEGORIES)).fillna(0.0)
    table.loc[len(table)] = [pd.NA, TOTAL, *total.tolist()]
    table["spent_dkk"] = table[list(CATEGORIES)].sum(axis=1)
    table = table.rename(columns=CATEGORY_COLUMNS)
    table["municipality_code"] = table["municipality_code"].astype("Int64")
    return privacy.protect(table, SPENDING_RULE, min_count)


# --- The burn-down and the outlook ----------------------------------------------------------


def _funding_row(extract: data.Extract, on: dt.date, grant_id: str, municipality: int | None) -> pd.Series:
    if municipality is None:
        return funding.funding_raw(extract, on, "grant", (grant_id,)).iloc[0]
    table = funding.funding_raw(extract, on, "municipality", (grant_id,))
    rows = table[table["municipality_code"] == municipality]
    if rows.empty:
        raise KeyError(f"municipality {municipality} has neither budget nor spending in {grant_id}")
    return rows.iloc[0]


def burndown(
    extract: data.Extract,
    grant_id: str,
    on: dt.date,
    municipality: int | None = None,
    *,
    min_count: int,
) -> pd.DataFrame:
    """The remaining budget over time, of the whole grant or of one municipality's budget.

    Columns: day, remaining_dkk, series. Series "faktisk": the budget at the start of the first month
    of `spending_by_month`, then at each month's end (the last point is `on`) the budget less what
    was spent to that day; its last value is funding's budget − spent. Series "prognose" (only while
    money is left and the grant has not ended on `on`): from `on` in a straight line at the monthly
    burn to zero on the projected depletion date; with no spending in the last 90 days, flat to the
    grant's end date. Money only; the amounts come from `funding.funding_raw`.
    """
    info = grant_info(extract, grant_id)
    row = _funding_row(extract, on, grant_id, municipality)
    budget = float(row["budget_dkk"]) if not pd.isna(row["budget_dkk"]) else math.nan
    months = spending_by_month(extract, grant_id, on, () if municipality is None else (municipality,), min_count=min_count)
    points: list[tuple[dt.date, float, str]] = []
    if not months.empty:
        points.append((months["period_start"].iloc[0].date(), budget, "faktisk"))
        for start, spent in zip(months["period_start"], months["spent_dkk"]):
            month_end = (start + pd.offsets.MonthEnd(0)).date()
            points.append((min(month_end, on), budget - spent, "faktisk"))
        remaining = budget - float(row["spent_dkk"])
        ended = on >= info["end_date"]
        depletion = _date(row["projected_depletion"])
        if remaining > 0 and not ended:
            if depletion is not None:
                points += [(on, remaining, "prognose"), (depletion, 0.0, "prognose")]
            else:
                points += [(on, remaining, "prognose"), (info["end_date"], remaining, "prognose")]
    out = pd.DataFrame(points, columns=["day", "remaining_dkk", "series"])
    out["day"] = pd.to_datetime(out["day"])
    return privacy.protect(out, SPENDING_RULE, min_count)


# How far the share of the money spent may be from the share of the grant's time passed before the
# pace is called ahead or behind: 10 percentage points of the budget.
PACE_TOLERANCE = 0.10


@dataclass(frozen=True)
class Outlook:
    """Where a budget is heading on day `on`, from one row of the funding table.

    status: "not_started" (on is before the start), "no_budget", "spent" (nothing left),
    "ended" (on is the end date or later), "no_burn" (nothing spent in the last 90 days),
    "before_end" (runs out on or before the end date) or "after_end" (lasts beyond it).
    """

    status: str
    on: dt.date
    start: dt.date
    end: dt.date
    budget_dkk: float | None
    spent_dkk: float
    remaining_dkk: float | None
    monthly_burn_dkk: float
    depletion: dt.date | None = None
    days: int | None = None  # between the depletion date and the end date, ≥ 0
    at_end_dkk: float | None = None  # left on the end date at the monthly burn; negative: missing

    @property
    def time_share(self) -> float | None:
        """The share of the grant's time that has passed on day `on` (0 to 1)."""
        days = (self.end - self.start).days
        if days <= 0:
            return None
        return min(max((self.on - self.start).days / days, 0.0), 1.0)

    @property
    def money_share(self) -> float | None:
        """The share of the budget spent on day `on`."""
        if not self.budget_dkk or self.budget_dkk <= 0:
            return None
        return self.spent_dkk / self.budget_dkk

    @property
    def pace(self) -> str | None:
        """"ahead" when the money is spent faster than the grant's time passes, by more than
        PACE_TOLERANCE of the budget; "behind" when slower by as much; "on_track" between; None
        before the start, after the end or without a budget."""
        if self.status not in ("before_end", "after_end", "no_burn"):
            return None
        if self.time_share is None or self.money_share is None:
            return None
        gap = self.money_share - self.time_share
        return "ahead" if gap > PACE_TOLERANCE else "behind" if gap < -PACE_TOLERANCE else "on_track"

    @property
    def early(self) -> bool:
        """The money runs out before the end date by more than PACE_TOLERANCE of the grant's time."""
        return self.status == "before_end" and bool(self.days) and self.days > PACE_TOLERANCE * (self.end - self.start).days

    @property
    def tone(self) -> str:
        """How a page should frame it: "warning" when the money runs out before the end date and
        either goes clearly faster than the time (more than PACE_TOLERANCE ahead) or runs out more
        than PACE_TOLERANCE of the grant's time early; or when it is overspent. Eleven days early on
        a grant of years is no alarm."""
        if (self.status == "before_end" and (self.pace == "ahead" or self.early)) or (
            self.status == "spent" and (self.remaining_dkk or 0) < 0
        ):
            return "warning"
        return "info"

    @property
    def short(self) -> str:
        """A few words for a table of grants, beside the end date: when the money runs out against it."""
        if self.status in ("before_end", "after_end"):
            if not self.days:
                return "Opbrugt på slutdatoen"
            return f"{span(self.days)} {'før' if self.status == 'before_end' else 'efter'} slutdatoen"
        return {
            "not_started": "Ikke begyndt",
            "no_budget": "Intet budget",
            "spent": "Brugt op",
            "ended": "Afsluttet",
            "no_burn": "Intet forbrug de seneste 90 dage",
        }[self.status]


def outlook(row: pd.Series, start: dt.date, end: dt.date, on: dt.date) -> Outlook:
    """The outlook of one funding row (budget_dkk, spent_dkk, monthly_burn_dkk, projected_depletion)
    for a grant running from `start` to `end`, seen on day `on`.

    The money left on the end date is projected with the same daily rate as the depletion date
    (spent in the last 90 days ÷ 90, which is the monthly burn ÷ 30).
    """
    budget = None if pd.isna(row["budget_dkk"]) else float(row["budget_dkk"])
    spent = float(row["spent_dkk"])
    burn = float(row["monthly_burn_dkk"])
    remaining = None if budget is None else budget - spent
    base = {"on": on, "start": start, "end": end, "budget_dkk": budget, "spent_dkk": spent,
            "remaining_dkk": remaining, "monthly_burn_dkk": burn}
    if on < start:
        return Outlook("not_started", **base)
    if budget is None or budget <= 0:
        return Outlook("no_budget", **base)
    if remaining <= 0:
        return Outlook("spent", **base)
    if on >= end:
        return Outlook("ended", **base)
    at_end = remaining - burn / 30 * (end - on).days
    depletion = _date(row["projected_depletion"])
    if depletion is None:
        return Outlook("no_burn", **base, at_end_dkk=remaining)
    if depletion <= end:
        return Outlook("before_end", **base, depletion=depletion, days=(end - depletion).days, at_end_dkk=at_end)
    return Outlook("after_end", **base, depletion=depletion, days=(depletion - end).days, at_end_dkk=at_end)


def span(days: int) -> str:
    """A stretch of days as people say it: days up to 60, then months, then years and months.

    >>> span(1), span(45), span(275), span(800)
    ('1 dag', '45 dage', 'ca. 9 måneder', 'ca. 2 år og 2 måneder')
    """
    if days < 61:
        return f"{days} dag" if days == 1 else f"{days} dage"
    months = round(days / (365.25 / 12))
    if months < 24:
        return f"ca. {months} måneder"
    years, rest = divmod(months, 12)
    if rest == 0:
        return f"ca. {years} år"
    return f"ca. {years} år og {rest} {'måned' if rest == 1 else 'måneder'}"


def _about(amount: float) -> str:
    """A projected amount, in thousands or millions: it is an estimate."""
    return fmt.dkk_short(round(abs(amount), -3))


def outlook_text(o: Outlook) -> str:
    """The outlook in one or two plain Danish sentences."""
    end = fmt.date_long(o.end)
    burn = f"{fmt.dkk_short(o.monthly_burn_dkk)} om måneden"
    if o.status == "not_started":
        return f"Bevillingen begynder {fmt.date_long(o.start)}; der er endnu ikke noget forbrug at følge."
    if o.status == "no_budget":
        return f"Der er intet budget at måle forbruget mod; der er brugt {fmt.dkk(o.spent_dkk)}."
    if o.status == "spent":
        over = -o.remaining_dkk
        if over > 0:
            return (f"Budgettet er brugt op: {fmt.dkk(o.spent_dkk)} er brugt af {fmt.dkk(o.budget_dkk)}, "
                    f"{fmt.dkk(over)} mere end budgettet.")
        return f"Budgettet på {fmt.dkk(o.budget_dkk)} er brugt op."
    if o.status == "ended":
        return (f"Bevillingen sluttede {end}. Af {fmt.dkk(o.budget_dkk)} er {fmt.dkk(o.spent_dkk)} brugt, "
                f"og {fmt.dkk(o.remaining_dkk)} er ikke brugt.")
    left = fmt.dkk_short(o.remaining_dkk)
    if o.status == "no_burn":
        return (f"{pace_text(o)} Der er ikke brugt penge i de seneste 90 dage, så der kan ikke beregnes en dato, hvor pengene "
                f"er brugt. Der er {left} tilbage til slutdatoen {end}.")
    depletion = fmt.date_long(o.depletion) if o.depletion else None
    if o.status == "before_end":
        when = "på slutdatoen" if o.days == 0 else f"{span(o.days)} før slutdatoen {end}"
        lead = "Pengene slipper op før tid" if o.tone == "warning" else "Pengene slipper op lidt før slutdatoen"
        text = (f"{pace_text(o)} {lead}: med forbruget i de seneste 90 dage ({burn}) er de {left}, "
                f"der er tilbage, brugt {depletion} – {when}.")
        if o.days:
            text += f" Med samme forbrug mangler der ca. {_about(o.at_end_dkk)} for at nå slutdatoen."
        return text
    return (f"{pace_text(o)} Pengene rækker ud over slutdatoen: med forbruget i de seneste 90 dage ({burn}) er "
            f"de {left}, der er tilbage, først brugt {depletion} – {span(o.days)} efter slutdatoen {end}. "
            f"Med samme forbrug er der ca. {_about(o.at_end_dkk)} tilbage ved slutdatoen.")


def pace_text(o: Outlook) -> str:
    """The pace in words: the share of the money spent against the share of the grant's time passed."""
    if o.pace is None:
        return ""
    shares = f"{fmt.percent(o.money_share)} af pengene er brugt, og {fmt.percent(o.time_share)} af bevillingens tid er gået"
    return {
        "ahead": f"Forbruget er foran tiden: {shares}.",
        "behind": f"Forbruget er bagud i forhold til tiden: {shares}.",
        "on_track": f"Forbruget følger tiden: {shares}.",
    }[o.pace]


def grant_outlook(
    extract: data.Extract, on: dt.date, grant_id: str, municipality: int | None = None
) -> Outlook:
    """The outlook of the whole grant, or of one municipality's budget in it, on day `on`."""
    info = grant_info(extract, grant_id)
    return outlook(_funding_row(extract, on, grant_id, municipality), info["start_date"], info["end_date"], on)
