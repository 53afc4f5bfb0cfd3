"""What the extract holds: municipalities, grants, and how current it is."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from ipsdash.extract import data
from ipsdash.figures import privacy

DATES_RULE = privacy.Rule(counts=("courses",))


# Danish alphabetical order: Æ, Ø, Å after Z (DuckDB's and Python's plain order put Å before Æ and Ø).
_DANISH = str.maketrans({"æ": "z\u0001", "ø": "z\u0002", "å": "z\u0003"})


def name_key(name) -> str:
    """A municipality's name as it sorts in Danish: "Ærø" after "Vejle".

    >>> sorted(["Ærø", "Aabenraa", "Åbenrå", "Vejle", "Ølstykke"], key=name_key)
    ['Aabenraa', 'Vejle', 'Ærø', 'Ølstykke', 'Åbenrå']
    """
    return str(name).casefold().translate(_DANISH)


def in_order(df: pd.DataFrame, name: str = "municipality", code: str = "municipality_code") -> pd.DataFrame:
    """The one order of municipalities in tables and selectors: the region's row (no code) first, then
    the municipalities by name (Danish alphabetical order); a user may sort a table otherwise."""
    if df.empty:
        return df.reset_index(drop=True)
    region_last = df[code].notna() if code in df else pd.Series(True, index=df.index)
    key = pd.DataFrame({"_region_last": region_last, "_name": [name_key(n) for n in df[name]]}, index=df.index)
    order = key.sort_values(["_region_last", "_name"], kind="stable").index
    return df.loc[order].reset_index(drop=True)


def municipalities(extract: data.Extract) -> pd.DataFrame:
    """The municipalities of the extract (code, name, region, IPS start) in the one order (`in_order`)."""
    return in_order(data.run(extract, "municipalities"), name="name")


def grants(extract: data.Extract) -> pd.DataFrame:
    return data.run(extract, "grants")


def extract_dates(extract: data.Extract, *, min_count: int) -> pd.DataFrame:
    return privacy.protect(data.run(extract, "extract_dates"), DATES_RULE, min_count)


def _as_date(value) -> dt.date | None:
    return None if pd.isna(value) else pd.Timestamp(value).date()


def span(extract: data.Extract) -> tuple[dt.date, dt.date]:
    """(first referral, the extract's date): the newest course date or posting, never after today."""
    today = dt.date.today()
    row = data.run(extract, "extract_date", {"today": today}).iloc[0]
    as_of = _as_date(row["as_of"]) or today
    first = _as_date(row["first_referral"]) or as_of
    return first, as_of


def municipality_names(extract: data.Extract) -> dict[int, str]:
    df = municipalities(extract)
    return {int(code): name for code, name in zip(df["municipality_code"], df["name"])}


def grant_titles(extract: data.Extract) -> dict[str, str]:
    df = grants(extract)
    return dict(zip(df["grant_id"], df["title"]))


# --- What was delivered (pages/om.py) ---------------------------------------------------------


def tables(extract: data.Extract) -> pd.DataFrame:
    """The contract's tables: one row per table with whether it is required and whether this extract has it.

    An optional table that is absent is no error: its figures are simply not shown.
    """
    from ipsdash.extract.contract import TABLES

    return pd.DataFrame(
        {
            "table": list(TABLES),
            "required": [spec.required for spec in TABLES.values()],
            "present": [extract.has(name) for name in TABLES],
        }
    )


def delivered(extract: data.Extract) -> dict[str, list[str]]:
    """Municipality names by what they have delivered, on the extract's date (`span`):

    "delivered": courses or postings in the extract; "no_data": IPS started, but nothing yet;
    "starting": an IPS start after the extract's date; "planned": no IPS start at all.
    No person counts: only whether a municipality has any data.
    """
    dates = data.run(extract, "extract_dates")
    _, as_of = span(extract)
    groups: dict[str, list[str]] = {"delivered": [], "no_data": [], "starting": [], "planned": []}
    for row in dates.itertuples():
        has_data = row.courses > 0 or not pd.isna(row.newest_posting)
        start = _as_date(row.ips_start)
        if has_data:
            groups["delivered"].append(row.municipality)
        elif start is None:
            groups["planned"].append(row.municipality)
        elif start > as_of:
            groups["starting"].append(row.municipality)
        else:
            groups["no_data"].append(row.municipality)
    return groups
