"""The demo extract's story and plan: who starts IPS when, the grants, the rates, and what each month expects.

Kept apart from drawing and writing the tables (`ipsdash.demo`) so that the story can be read and
retuned in one place: these numbers are what make the demo look like Region Syddanmark's programme
(`ipsdash.demo` says what they tell), and the plan (expected referrals, consultants and waiting
pressure per municipality and month) is worked out from expectations only, never from drawn rows,
so every chunk of courses sees the same consultants and waits whatever the chunk size.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from ipsdash.extract.contract import EXIT_REASONS

_EPOCH = dt.date(1970, 1, 1)
_PROGRAMME_START = dt.date(2019, 1, 1)
_REGION = "Syddanmark"


@dataclass(frozen=True)
class _Muni:
    code: int
    name: str
    ips_start: dt.date | None  # None: planned
    weight: float = 0.0  # referrals per month at full scale, relative to Vejle
    placement_factor: float = 1.0  # multiplies the chance of a placement
    wait_factor: float = 1.0  # multiplies the base waiting time
    misbrug_share: float = 0.25
    ips_plus_share: float = 0.2
    # (first month, last month, share of the needed consultants actually there)
    shortages: tuple[tuple[dt.date, dt.date, float], ...] = ()


# Staffing shortages: (first month, last month, share of the needed consultants actually there).
_SHORTAGES = {
    630: ((dt.date(2020, 6, 1), dt.date(2020, 11, 1), 0.82),),
    461: ((dt.date(2022, 9, 1), dt.date(2023, 8, 1), 0.7),),
    607: ((dt.date(2024, 2, 1), dt.date(2024, 11, 1), 0.72),),
    573: ((dt.date(2025, 5, 1), dt.date(2026, 2, 1), 0.7),),
}

# Danmarks Statistik codes. Sorted by code: chunks are sorted by index into this tuple.
# Columns: code, name, ips_start, weight, placement_factor, wait_factor, misbrug_share, ips_plus_share.
MUNICIPALITIES: tuple[_Muni, ...] = tuple(
    sorted(
        (
            _Muni(630, "Vejle", dt.date(2019, 2, 1), 1.0, 1.08, 0.9, 0.22, 0.25, _SHORTAGES[630]),
            _Muni(461, "Odense", dt.date(2019, 1, 1), 1.55, 0.95, 1.15, 0.27, 0.2, _SHORTAGES[461]),
            _Muni(430, "Faaborg-Midtfyn", dt.date(2020, 3, 1), 0.42, 1.02, 1.0, 0.25, 0.15),
            _Muni(410, "Middelfart", dt.date(2020, 9, 1), 0.34, 1.12, 0.85, 0.2, 0.3),
            _Muni(607, "Fredericia", dt.date(2020, 5, 1), 0.44, 0.9, 1.0, 0.3, 0.15, _SHORTAGES[607]),
            _Muni(573, "Varde", dt.date(2021, 1, 1), 0.38, 1.0, 0.95, 0.22, 0.1, _SHORTAGES[573]),
            _Muni(530, "Billund", dt.date(2021, 4, 1), 0.2, 1.15, 0.8, 0.2, 0.1),
            _Muni(480, "Nordfyns", dt.date(2021, 9, 1), 0.06, 0.85, 1.0, 0.3, 0.0),
            # The expansion: started 2025-2026, few courses so far.
            _Muni(621, "Kolding", dt.date(2025, 4, 1), 0.7, 0.95, 1.0, 0.25, 0.2),
            _Muni(561, "Esbjerg", dt.date(2025, 10, 1), 0.85, 0.9, 1.1, 0.3, 0.15),
            _Muni(540, "Sønderborg", dt.date(2026, 5, 1), 0.5, 1.0, 1.0, 0.25, 0.1),
            _Muni(420, "Assens", dt.date(2026, 9, 1), 0.3, 1.0, 1.0, 0.2, 0.1),
            # Planned: no start date, no courses.
            _Muni(479, "Svendborg", None),
            _Muni(510, "Haderslev", None),
            _Muni(580, "Aabenraa", None),
        ),
        key=lambda m: m.code,
    )
)


@dataclass(frozen=True)
class _Grant:
    grant_id: str
    funder: str
    title: str
    amount_dkk: float
    start: dt.date
    end: dt.date
    # (municipality code, budget in DKK, weight when a course of that municipality picks a grant)
    budgets: tuple[tuple[int, float, float], ...]


_EXPANSION = (621, 561, 540, 420)
GRANTS: tuple[_Grant, ...] = (
    _Grant(
        "APMF-2021",
        "Den A.P. Møllerske Støttefond",
        "Udbredelse af IPS i Region Syddanmark",
        2_400_000.0,
        dt.date(2021, 7, 1),
        dt.date(2027, 6, 30),
        (
            (410, 220_000.0, 0.6),
            (573, 220_000.0, 0.6),
            (530, 180_000.0, 0.6),
            (480, 180_000.0, 0.6),
            (621, 380_000.0, 2.0),
            (561, 380_000.0, 2.0),
            (540, 260_000.0, 2.0),
            (420, 180_000.0, 2.0),
        ),  # 2,000,000; 400,000 kept centrally for coordination and shared training
    ),
    _Grant(
        "RSD-2022",
        "Region Syddanmark",
        "Regional medfinansiering af IPS 2022-2026",
        9_000_000.0,
        dt.date(2022, 1, 1),
        dt.date(2026, 12, 31),
        (
            (461, 2_400_000.0, 0.8),
            (630, 1_600_000.0, 0.8),
            (607, 800_000.0, 0.8),
            (430, 800_000.0, 0.8),
            (573, 700_000.0, 0.8),
            (410, 600_000.0, 0.8),
            (530, 400_000.0, 0.8),
            (480, 300_000.0, 0.8),
        ),  # 7,600,000; 1,400,000 kept centrally
    ),
    _Grant(
        "KOMMUNAL",
        "Kommunerne",
        "Kommunal medfinansiering af IPS",
        39_000_000.0,
        dt.date(2019, 1, 1),
        dt.date(2027, 12, 31),
        (
            (461, 12_000_000.0, 1.0),
            (630, 7_500_000.0, 1.0),
            (607, 3_500_000.0, 1.0),
            (430, 3_200_000.0, 1.0),
            (573, 2_800_000.0, 1.0),
            (410, 2_400_000.0, 1.0),
            (530, 1_500_000.0, 1.0),
            (480, 900_000.0, 1.0),
            (621, 1_600_000.0, 1.0),
            (561, 1_400_000.0, 1.0),
            (540, 800_000.0, 1.0),
            (420, 400_000.0, 1.0),
        ),  # 38,000,000; 1,000,000 for the shared regional team
    ),
)

# Share of courses funded otherwise (grant_id null).
_OTHER_FUNDING = 0.06
# Referrals grow by this factor a year (the programme becomes known).
_GROWTH_PER_YEAR = 1.1
# Seasonal referral factor by calendar month (summer holidays, Christmas).
_SEASON = np.array([1.1, 1.05, 1.05, 1.0, 1.0, 0.95, 0.65, 0.9, 1.1, 1.05, 1.05, 0.8])
# Planned active courses per consultant FTE; fidelity asks for at most 20.
_PLANNED_CASELOAD = 16.0
# Above this many courses per FTE every extra course per FTE lengthens waits by this much.
_WAIT_PRESSURE_FROM, _WAIT_PRESSURE_SLOPE = 17.0, 0.3

# Exit reasons after enrollment and from the waiting list, as probabilities over EXIT_REASONS.
_EXIT_AFTER_ENROLLMENT = np.array([0.68, 0.2, 0.06, 0.06])
_EXIT_FROM_WAITING = np.array([0.0, 0.6, 0.15, 0.25])
# Chance of (at least) one placement during the course, by final exit reason.
_PLACED_BY_REASON = np.array([0.64, 0.28, 0.36, 0.3])
_AGE_P = np.array([0.36, 0.27, 0.21, 0.16])

# Streams of random numbers, one per part, so parts do not shift each other.
_STREAM_PLAN, _STREAM_COURSES, _STREAM_STAFF, _STREAM_FIDELITY, _STREAM_MONEY, _STREAM_IDS = range(1, 7)


# --- the plan: what every chunk shares -------------------------------------------------------------


def _day(d: dt.date) -> int:
    return (d - _EPOCH).days


def _month_index(d: dt.date) -> int:
    return (d.year - _PROGRAMME_START.year) * 12 + d.month - 1


def _rng(seed: int, *stream: int) -> np.random.Generator:
    return np.random.default_rng([seed, *stream])


@dataclass
class _Plan:
    """Expected referrals, staffing and waiting pressure per municipality and month.

    Staffing is planned from the *expected* caseload, not the drawn one, so that every chunk of
    courses sees the same consultants and waits, whatever the chunk size.
    """

    seed: int
    courses: int
    as_of: dt.date
    as_of_day: int
    started: np.ndarray  # bool per municipality: started on or before as_of
    start_day: np.ndarray  # first day of IPS (int days), large for not started
    month_day: np.ndarray  # first day of each month from January 2019 to as_of's month, plus one
    cell_lo: np.ndarray  # [muni, month] first day a referral can have
    cell_days: np.ndarray  # [muni, month] days a referral can have
    cell_p: np.ndarray  # [muni, month] share of referrals
    fte: np.ndarray  # [muni, month] consultants in FTE (0 before start)
    wait_mult: np.ndarray  # [muni, month] factor on waiting days from the caseload pressure
    shortage: np.ndarray  # [muni, month] bool: fewer consultants than planned
    id_key: int

    @property
    def months(self) -> int:
        return len(self.month_day) - 1

    @classmethod
    def build(cls, seed: int, courses: int, as_of: dt.date) -> _Plan:
        if as_of < _PROGRAMME_START:
            raise ValueError(f"as_of must be on or after {_PROGRAMME_START}, got {as_of}")
        as_of_day = _day(as_of)
        months = _month_index(as_of) + 1
        month_day = (
            np.arange(np.datetime64(_PROGRAMME_START, "M"), np.datetime64(as_of, "M") + 2)
            .astype("datetime64[D]")
            .astype(np.int64)
        )
        starts = [m.ips_start if m.ips_start is not None and m.ips_start <= as_of else None for m in MUNICIPALITIES]
        started = np.array([start is not None for start in starts])
        start_day = np.array([_day(start) if start else 1 << 40 for start in starts])
        start_month = np.array([_month_index(start) if start else months for start in starts])

        # Days of each month a referral can fall on: from the start of IPS there up to as_of.
        lo = np.maximum(month_day[None, :-1], start_day[:, None])
        hi = np.minimum(month_day[None, 1:] - 1, as_of_day)
        cell_days = np.clip(hi - lo + 1, 0, None)
        month_len = np.diff(month_day)[None, :]

        k = np.arange(months)[None, :] - start_month[:, None]  # months since start
        ramp = np.clip(0.35 + 0.65 * k / 12, 0, 1) * (k >= 0)
        years = (month_day[:-1] - _day(_PROGRAMME_START)) / 365.25
        growth = _GROWTH_PER_YEAR**years * _SEASON[np.arange(months) % 12]
        weight = np.array([m.weight for m in MUNICIPALITIES])[:, None]
        intensity = weight * ramp * growth[None, :] * cell_days / month_len
        total = intensity.sum()
        if total <= 0:
            raise ValueError(f"no municipality has started IPS by {as_of}")
        cell_p = intensity / total

        expected = courses * cell_p
        survival = _course_survival(_rng(seed, _STREAM_PLAN), months)
        fte, shortage = _plan_staffing(expected, survival, start_month, started, month_day)
        active = _expected_active(expected, survival)
        load = np.divide(active, fte, out=np.zeros_like(active), where=fte > 0)
        wait_mult = 1 + _WAIT_PRESSURE_SLOPE * np.clip(load - _WAIT_PRESSURE_FROM, 0, None)
        wait_mult = np.clip(wait_mult, 1, 4) * np.array([m.wait_factor for m in MUNICIPALITIES])[:, None]

        id_key = int(_rng(seed, _STREAM_IDS).integers(0, 1 << 40))
        return cls(
            seed, courses, as_of, as_of_day, started, start_day, month_day,
            lo, cell_days, cell_p, fte, wait_mult, shortage, id_key,
        )  # fmt: skip


def _course_survival(rng: np.random.Generator, months: int) -> np.ndarray:
    """P(a course is still active k months after enrollment), k = 0 .. months - 1."""
    n = 20_000
    reason = rng.choice(len(EXIT_REASONS), size=n, p=_EXIT_AFTER_ENROLLMENT)
    duration = _course_days(rng, reason)
    k = np.arange(months)
    return (duration[None, :] > (k[:, None] + 0.5) * 30.44).mean(axis=1)


def _expected_active(expected: np.ndarray, survival: np.ndarray) -> np.ndarray:
    """Expected active courses at each month's end: enrollments (about 92 % of referrals, half a
    month later) that have not yet exited."""
    enrolled = 0.92 * 0.5 * (expected + np.pad(expected, ((0, 0), (1, 0)))[:, :-1])
    months = expected.shape[1]
    return np.array([np.convolve(row, survival)[:months] for row in enrolled])


def _plan_staffing(
    expected: np.ndarray, survival: np.ndarray, start_month: np.ndarray, started: np.ndarray, month_day: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Consultant FTE per municipality and month, and whether the month is a staffing shortage.

    Each municipality starts with a team sized for its caseload half a year in, then hires or
    lets go in half FTE steps when the need drifts more than 8 % away; in its shortage periods
    only part of the needed consultants are there, so waits grow.
    """
    active = _expected_active(expected, survival)
    months = active.shape[1]
    fte = np.zeros_like(active)
    shortage = np.zeros(active.shape, dtype=bool)
    for m, muni in enumerate(MUNICIPALITIES):
        if not started[m]:
            continue
        first = start_month[m]
        initial = active[m, min(first + 6, months - 1)] / _PLANNED_CASELOAD
        floor = max(0.5, np.round(initial * 2) / 2)
        current = floor
        for i in range(first, months):
            share = 1.0
            for lo, hi, part in muni.shortages:
                if _month_index(lo) <= i <= _month_index(hi):
                    share, shortage[m, i] = part, True
            need = max(floor, active[m, i] / _PLANNED_CASELOAD) * share
            if abs(need - current) > max(0.5, 0.08 * current):
                current = max(0.5, np.round(need * 2) / 2)
            fte[m, i] = current
    return fte, shortage


def _course_days(rng: np.random.Generator, reason: np.ndarray) -> np.ndarray:
    """Days from enrollment to exit for courses that will end with `reason` (index into EXIT_REASONS)."""
    n = len(reason)
    planned = np.clip(rng.normal(430, 130, n), 180, 730)  # afsluttet: 6-24 months
    dropped = np.clip(30 + rng.exponential(130, n), 30, 600)  # frafald
    other = rng.uniform(30, 540, n)  # flyttet, andet
    days = np.select([reason == 0, reason == 1], [planned, dropped], other)
    return days.astype(np.int64)
