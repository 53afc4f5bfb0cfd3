"""Events: what happened that explains a figure (the contract's optional table `events`).

A consultant hired or leaving, IPS starting, a fidelity review. They are shown as marks on the
time series of the scope they belong to (`belongs`), with their text on hover and in a list
under the chart, and on the slides. An event is no person count: nothing is hidden. Its text
comes from an extract and is plain text everywhere (escaped on pages, never a formula in a
file: the delivery checks refuse one).
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from ipsdash import fmt
from ipsdash.extract import data
from ipsdash.figures.kpis import Filters

REGION = "Hele regionen"
COLUMNS = ("event_date", "municipality_code", "municipality", "grant_id", "event_text")


def belongs(municipality_code, grant_id, municipalities=(), grants=()) -> bool:
    """Whether an event of `municipality_code` (None: the whole region) and `grant_id` (None: no
    grant) is shown on a view of `municipalities` and `grants` (empty: all).

    The rule: an event belongs to the courses it can explain.
    * A municipality's event shows on that municipality's views and on views of all municipalities
      (the region's series hold that municipality's courses); never on another municipality's.
    * An event of the whole region shows on every view, the region's and each municipality's:
      a change that reaches the whole region reaches each municipality in it.
    * A view of chosen grants shows only the events tied to one of those grants (a funder's view
      is its grants' courses, and a funder is shown no municipality's staffing); a view of all
      grants shows events whatever their grant.

    >>> belongs(630, None), belongs(630, None, (630, 461)), belongs(630, None, (461,))
    (True, True, False)
    >>> belongs(None, None, (461,)), belongs(None, None)
    (True, True)
    >>> belongs(630, "APMF-2021", grants=("APMF-2021",)), belongs(630, None, grants=("APMF-2021",))
    (True, False)
    >>> belongs(630, "APMF-2021", (461,), ("APMF-2021",)), belongs(None, "EU-2024", grants=("APMF-2021",))
    (False, False)
    """
    own = municipality_code is not None and not pd.isna(municipality_code)
    if own and municipalities and int(municipality_code) not in {int(m) for m in municipalities}:
        return False
    if grants:
        return grant_id is not None and not pd.isna(grant_id) and str(grant_id) in {str(g) for g in grants}
    return True


def events_in(extract: data.Extract, start: dt.date, end: dt.date, filters: Filters | None = None) -> pd.DataFrame:
    """The events dated in [start, end] that a view of `filters` shows (`belongs`), oldest first.

    Columns: event_date (date), municipality_code, municipality (REGION for the whole region),
    grant_id, event_text. Empty (with these columns) when the extract has no events.
    """
    filters = filters or Filters()
    if not extract.has("events"):
        return pd.DataFrame({c: [] for c in COLUMNS})
    df = data.run(extract, "events", {"from": start, "to": end})
    keep = pd.Series(
        [belongs(m, g, filters.municipalities, filters.grants) for m, g in zip(df["municipality_code"], df["grant_id"])],
        index=df.index,
        dtype=bool,
    )  # a Series, not a list: an empty list would select no columns instead of no rows
    out = df[keep].reset_index(drop=True)
    out["event_date"] = [fmt.as_date(d) for d in out["event_date"]]
    out["municipality"] = out["municipality"].astype(object).where(out["municipality_code"].notna(), REGION)
    return out[list(COLUMNS)]


def line(row) -> str:
    """One event as one line of plain text: "15. sep. 2026 · Vejle: Konsulent stoppet"."""
    return f"{fmt.date_medium(row['event_date'])} · {row['municipality']}: {row['event_text']}"
