"""A written summary in Danish, made from the figures by rules (no language model).

`sentences` says, for a period and a selection, what changed against the period before (only a
change the figures' 95 % intervals support: otherwise "inden for tilfældig variation"), how the
figures stand against their agreed targets, which municipalities lie outside the funnel limits,
which cohort is behind, whether a grant's money runs out before its end, and the newest events.

Every number in it comes from the protected figures the pages show (kpis.kpi_table and the
others, with the small-number rule); a hidden figure ("<5", or a rate set to None) is never
named, not even as "<5": a sentence that would need it is left out. The text is plain: a page
shows it escaped, a slide as a string.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

from ipsdash import fmt, texts
from ipsdash.extract import data
from ipsdash.figures import catalog, cohorts, events, filters, grants, kpis, outcomes, targets

# The headline figures the summary speaks of, with which way is better.
HEADLINE = (("placement_rate", "higher"), ("waiting", "lower"), ("job_starts", "higher"), ("referrals", None))
NEWEST_EVENTS = 3
RANDOM = "inden for tilfældig variation"


def shown(value) -> bool:
    """A figure that may be named: not hidden ("<5" or None) and not missing."""
    return not isinstance(value, str) and value is not None and not pd.isna(value)


def rate_change(label: str, now: pd.Series, before: pd.Series, key: str = "placement_rate") -> str | None:
    """A rate against the period before: a change only when the two 95 % intervals do not overlap.

    >>> now = pd.Series({"r": 0.52, "r_low": 0.47, "r_high": 0.57})
    >>> before = pd.Series({"r": 0.40, "r_low": 0.35, "r_high": 0.45})
    >>> rate_change("Andelen", now, before, "r")
    'Andelen steg fra 40 % til 52 %; intervallerne overlapper ikke.'
    >>> rate_change("Andelen", now, pd.Series({"r": 0.48, "r_low": 0.43, "r_high": 0.53}), "r")
    'Andelen er 52 % mod 48 % i perioden før: forskellen er inden for tilfældig variation.'
    >>> rate_change("Andelen", now, pd.Series({"r": None, "r_low": None, "r_high": None}), "r")
    'Andelen er 52 %.'
    """
    if not shown(now[key]):
        return None
    value = fmt.percent(now[key])
    if not shown(before[key]) or not shown(now[f"{key}_low"]) or not shown(before[f"{key}_low"]):
        return f"{label} er {value}."
    if now[f"{key}_low"] > before[f"{key}_high"] or now[f"{key}_high"] < before[f"{key}_low"]:
        verb = "steg" if now[key] > before[key] else "faldt"
        return f"{label} {verb} fra {fmt.percent(before[key])} til {value}; intervallerne overlapper ikke."
    return f"{label} er {value} mod {fmt.percent(before[key])} i perioden før: forskellen er {RANDOM}."


def count_line(key: str, now: pd.Series, before: pd.Series) -> str | None:
    """A count beside the one before, without claiming a change (a count has no interval here).

    >>> count_line("waiting", pd.Series({"waiting": 41}), pd.Series({"waiting": "<5"}))
    'Venteliste: 41.'
    >>> count_line("waiting", pd.Series({"waiting": "<5"}), pd.Series({"waiting": 12})) is None
    True
    """
    if not shown(now[key]):
        return None
    text = f"{texts.label(key)}: {fmt.number(now[key])}"
    if shown(before[key]):
        text += f" (perioden før: {fmt.number(before[key])})"
    return text + "."


@dataclass(frozen=True)
class Figures:
    """What the summary is made from; all protected."""

    now: pd.Series
    before: pd.Series
    previous: filters.Selection


def _display(key: str, value) -> str:
    if key.endswith("rate") or key.startswith("rate_"):
        return fmt.percent(value)
    if key.endswith(("_median", "_p90")):
        return f"{fmt.number(value)} dage"
    return fmt.number(value)


def target_lines(now: pd.Series, chosen: kpis.Filters, agreed: tuple[targets.Target, ...]) -> list[str]:
    """Each headline figure against its agreed target; nothing for a hidden figure or without a target."""
    out = []
    for key in kpis.FIGURES:
        if key.endswith(("_low", "_high")):
            continue
        target = targets.find(agreed, key, chosen.municipalities, chosen.grants)
        state = targets.status(now[key], target)
        if state is None:
            continue
        out.append(f"{texts.label(key)}: {targets.STATUS_TEXT[state].lower()} "
                   f"({_display(key, now[key])}, mål {_display(key, target.value)}).")
    return out


def funnel_line(f: outcomes.Funnel, chosen: tuple[int, ...]) -> str | None:
    """The municipalities (of the chosen, when some are) beyond the funnel's 95 % limits."""
    points = f.points
    if chosen:
        points = points[points["municipality_code"].isin(chosen)]
    beyond = points[points["position"].isin(["high_998", "high_95", "low_95", "low_998"])]
    if beyond.empty:
        if len(points):
            return "Ingen kommune ligger uden for tragtens 95 %-grænser for andelen i job eller uddannelse."
        return None
    parts = [
        f"{outcomes.POSITIONS[k].lower()}: {', '.join(beyond.loc[beyond['position'] == k, 'municipality'])}"
        for k in ("high_998", "high_95", "low_95", "low_998")
        if (beyond["position"] == k).any()
    ]
    return "Uden for tragtens grænser for andelen i job eller uddannelse – " + "; ".join(parts) + "."


def cohort_line(table: pd.DataFrame, n: int = 12) -> str | None:
    """The newest cohort followed `n` months whose interval lies wholly below the other followed
    cohorts' middle rate: it is behind, and not by chance alone."""
    followed = table[table[f"followed_{n}m"].astype(bool)]
    rates = followed[f"rate_{n}m"]
    ok = rates.map(shown)
    if ok.sum() < 3:
        return None
    newest = followed[ok].iloc[-1]
    others = rates[ok].iloc[:-1].astype(float)
    middle = float(others.median())
    if not shown(newest[f"rate_{n}m_high"]) or float(newest[f"rate_{n}m_high"]) >= middle:
        return None
    label = fmt.quarter_label(newest["cohort_start"])
    return (f"Årgangen, der startede {label}, ligger efter: {fmt.percent(newest[f'rate_{n}m'])} kom i job eller "
            f"uddannelse inden for {n} måneder mod {fmt.percent(middle)} for de tidligere årgange (median).")


def grant_lines(extract: data.Extract, on: dt.date, chosen: kpis.Filters) -> list[str]:
    """Each grant in view whose money runs out before its end at the pace of the last 90 days."""
    titles = catalog.grant_titles(extract)
    ids = chosen.grants or tuple(titles)
    municipality = chosen.municipalities[0] if len(chosen.municipalities) == 1 else None
    out = []
    for grant_id in ids:
        try:
            o = grants.grant_outlook(extract, on, grant_id, municipality)
        except (KeyError, IndexError, ValueError):
            continue  # a grant without a budget for this municipality
        if o.status == "before_end":
            when = "på slutdatoen" if o.days == 0 else f"{grants.span(o.days)} før slutdatoen"
            out.append(f"Bevillingen »{titles.get(grant_id, grant_id)}« slipper op før tid: med forbruget i de "
                       f"seneste 90 dage er pengene brugt {fmt.date_long(o.depletion)}, {when} "
                       f"{fmt.date_long(o.end)}.")
    return out


def event_lines(extract: data.Extract, start: dt.date, end: dt.date, chosen: kpis.Filters) -> list[str]:
    found = events.events_in(extract, start, end, chosen)
    return [f"Hændelse: {events.line(r)}." for _, r in found.tail(NEWEST_EVENTS).iloc[::-1].iterrows()]


def _previous(start: dt.date, end: dt.date, chosen: kpis.Filters, previous) -> tuple[dt.date, dt.date]:
    if previous is not None:
        return previous
    prev = filters.Selection(start, end, chosen).previous()
    return prev.start, prev.end


def questions(
    start: dt.date,
    end: dt.date,
    chosen: kpis.Filters | None = None,
    previous: tuple[dt.date, dt.date] | None = None,
) -> list[tuple[kpis.Filters, list[kpis.Question]]]:
    """What `sentences` with the same arguments asks of `kpis.kpi_raw`, as asks for `ui.prefetch`:
    the period and the one before, and the funnel's municipalities."""
    chosen = chosen or kpis.Filters()
    return [
        kpis.questions(chosen, (start, end), _previous(start, end, chosen, previous)),
        outcomes.municipality_questions(chosen, (start, end)),
    ]


def sentences(
    extract: data.Extract,
    start: dt.date,
    end: dt.date,
    chosen: kpis.Filters | None = None,
    *,
    min_count: int,
    previous: tuple[dt.date, dt.date] | None = None,
) -> list[str]:
    """The summary of [start, end] for `chosen`, one plain Danish sentence each, most important first.

    `previous` is the period compared with (the filter bar's `Selection.previous`); by default the
    one of equal length before, as `filters.Selection` makes it.
    """
    chosen = chosen or kpis.Filters()
    previous = _previous(start, end, chosen, previous)
    now = kpis.kpi_table(extract, start, end, filters=chosen, min_count=min_count).iloc[0]
    before = kpis.kpi_table(extract, *previous, filters=chosen, min_count=min_count).iloc[0]
    out = []
    line = rate_change(texts.label("placement_rate"), now, before)
    if line:
        out.append(line)
    for key in ("waiting", "referrals", "job_starts"):
        line = count_line(key, now, before)
        if line:
            out.append(line)
    out += target_lines(now, chosen, targets.current()[0])
    line = funnel_line(outcomes.funnel(extract, start, end, chosen, min_count=min_count), chosen.municipalities)
    if line:
        out.append(line)
    first = outcomes.quarters_start(start, end, quarters=12)
    line = cohort_line(cohorts.cohort_table(extract, first, end, filters=chosen, min_count=min_count))
    if line:
        out.append(line)
    out += grant_lines(extract, min(end, catalog.span(extract)[1]), chosen)
    out += event_lines(extract, start, end, chosen)
    return out
