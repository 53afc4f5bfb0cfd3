"""No hidden figure can be worked out by arithmetic from the figures shown beside it.

On a small random extract (seeded), for many random filter combinations and every grouping,
the protected groups are set against their total as a user would: total minus the visible
groups gives the sum of the hidden ones. That sum must never single out a cell (at least two
hidden) nor be small; and no count from 1 to threshold - 1 is ever shown.
"""

import datetime as dt
import random

import pytest

from ipsdash import data, funding, kpis, outcomes, privacy
from tests.builders import base_tables, write_extract

THRESHOLD = 5
CODES = (630, 461, 480, 530)


def random_extract(path, seed: int):
    rng = random.Random(seed)
    tables = base_tables()
    tables["municipalities"] = [
        {"municipality_code": c, "name": f"K{c}", "region": "Syddanmark", "ips_start": dt.date(2019, 1, 1)}
        for c in CODES
    ]
    tables["grant_budgets"] = [{"grant_id": "G1", "municipality_code": c, "budget_dkk": 100_000.0} for c in CODES]
    people, placements = [], []
    # Sizes from tiny to ordinary, so that small cells arise in every grouping.
    for i in range(rng.randint(40, 160)):
        referral = dt.date(2023, 1, 1) + dt.timedelta(days=rng.randint(0, 700))
        enrolled = referral + dt.timedelta(days=rng.randint(0, 60)) if rng.random() < 0.9 else None
        exited = (enrolled or referral) + dt.timedelta(days=rng.randint(30, 500)) if rng.random() < 0.5 else None
        pid = f"p{i}"
        people.append({
            "participant_id": pid,
            "municipality_code": rng.choices(CODES, weights=(10, 20, 1, 3))[0],
            "grant_id": "G1" if rng.random() < 0.8 else None,
            "target_group": rng.choice(("psykiatri", "psykiatri", "misbrug")),
            "variant": rng.choice(("IPS", "IPS", "IPS+")),
            "referral_date": referral,
            "enrollment_date": enrolled,
            "exit_date": exited,
            "exit_reason": "afsluttet" if exited else None,
            "age_band": rng.choice(("18-29", "30-39", "40-49", "50+", None)),
            "sex": rng.choice(("K", "M", None)),
        })
        # 0-3 placements, some before enrollment or after exit (which never count), some ended.
        for _ in range(rng.choice((0, 0, 1, 1, 2, 3))):
            start = referral + dt.timedelta(days=rng.randint(-30, 600))
            end = start + dt.timedelta(days=rng.randint(0, 300)) if rng.random() < 0.5 else None
            kind = rng.choice(("job", "uddannelse"))
            placements.append({"participant_id": pid, "kind": kind, "start_date": start, "end_date": end,
                               "hours_per_week": 20.0 if kind == "job" else None})
    tables["participants"] = people
    tables["placements"] = placements
    return data.open_extract(str(write_extract(path, tables)))


def assert_safe(parts, raw_parts, raw_total, columns, context, shown_total=None):
    """`shown_total`: the protected total row; a hidden total cannot be subtracted from."""
    for col in columns:
        shown = parts[col].tolist()
        for v in shown:
            assert not (isinstance(v, (int, float)) and 1 <= v < THRESHOLD), (context, col, shown)
        hidden = [raw for raw, v in zip(raw_parts[col], shown) if isinstance(v, str) or v is None]
        if raw_total is None or (shown_total is not None and (shown_total[col] is None or isinstance(shown_total[col], str))):
            continue
        recovered = raw_total[col] - sum(raw for raw, v in zip(raw_parts[col], shown) if not isinstance(v, str) and v is not None)
        assert recovered == sum(hidden), (context, col)  # the groups do add up to the total
        if hidden and recovered > 0:
            assert len(hidden) >= 2 and recovered >= THRESHOLD, (context, col, shown, recovered)


@pytest.mark.parametrize("seed", range(6))
def test_groups_never_give_a_hidden_cell_back(tmp_path, seed):
    ex = random_extract(tmp_path, seed)
    rng = random.Random(seed)
    for _ in range(8):
        start = dt.date(2023, 1, 1) + dt.timedelta(days=rng.randint(0, 600))
        end = start + dt.timedelta(days=rng.choice((30, 91, 182, 365)))
        filters = kpis.Filters(
            municipalities=tuple(sorted(rng.sample(CODES, rng.randint(0, 3)))),
            target_group=rng.choice((None, "psykiatri", "misbrug")),
            variant=rng.choice((None, "IPS", "IPS+")),
        )
        total = kpis.kpi_raw(ex, start, end, "none", filters).iloc[0]
        shown_total = kpis.kpi_table(ex, start, end, "none", filters, min_count=THRESHOLD).iloc[0]
        for by in ("municipality", "grant", "target_group", "variant", "age_band", "sex", "month", "quarter"):
            parts = kpis.kpi_table(ex, start, end, by, filters, min_count=THRESHOLD)
            raw = kpis.kpi_raw(ex, start, end, by, filters)
            columns = kpis.FLOWS if by in ("month", "quarter") else kpis.ADDITIVE
            assert_safe(parts, raw, total, columns, (seed, by, start, end, filters), shown_total)
            # Stocks by month have no total to set against, but are still never small.
            assert_safe(parts, raw, None, kpis.RULE.counts, (seed, by))


@pytest.mark.parametrize("seed", range(3))
def test_a_grants_municipalities_never_give_a_hidden_count_back(tmp_path, seed):
    ex = random_extract(tmp_path, seed)
    on = dt.date(2024, 6, 30)
    parts = funding.funding_table(ex, on, "municipality", min_count=THRESHOLD)
    raw = funding.funding_raw(ex, on, "municipality")
    total = funding.funding_raw(ex, on, "grant").iloc[0]
    shown_total = funding.funding_table(ex, on, "grant", min_count=THRESHOLD).iloc[0]
    budgeted = raw["municipality_code"].notna().to_numpy()
    assert_safe(parts[budgeted].reset_index(drop=True), raw[budgeted].reset_index(drop=True), total,
                ("courses", "placed"), seed, shown_total)


def test_rule_is_the_one_in_privacy():
    assert privacy.DEFAULT_THRESHOLD == THRESHOLD


def test_trend_protects_the_period_months_against_the_period(tmp_path):
    ex = random_extract(tmp_path, 3)
    start, end, since = dt.date(2024, 1, 1), dt.date(2024, 6, 30), dt.date(2023, 1, 1)
    trend = kpis.trend(ex, start, end, since=since, min_count=THRESHOLD)
    inside = trend[trend["period_start"] >= str(start)].reset_index(drop=True)
    before = trend[trend["period_start"] < str(start)].reset_index(drop=True)
    assert inside.equals(kpis.kpi_table(ex, start, end, by="month", min_count=THRESHOLD))
    assert before.equals(kpis.kpi_table(ex, since, start - dt.timedelta(days=1), by="month", min_count=THRESHOLD))
    assert len(trend) == 18 and trend["period_start"].is_unique


@pytest.mark.parametrize("seed", range(3))
def test_each_month_of_the_municipalities_never_gives_a_hidden_waiting_list_back(tmp_path, seed):
    # Kommuner shows each municipality's waiting list by month; the region's month is on Overblik.
    ex = random_extract(tmp_path, seed)
    start, end = dt.date(2023, 1, 1), dt.date(2024, 12, 31)
    shown = outcomes.monthly_by_municipality(ex, start, end, min_count=THRESHOLD)
    raw = kpis.kpi_raw(ex, start, end, by="municipality", grain="month")
    region = kpis.kpi_raw(ex, start, end, by="month").set_index("period_start")["waiting"]
    region_shown = kpis.kpi_table(ex, start, end, by="month", min_count=THRESHOLD).set_index("period_start")["waiting"]
    for month, parts in shown.groupby("period_start"):
        raw_parts = raw[raw["period_start"] == month].set_index("municipality_code").loc[parts["municipality_code"]]
        assert_safe(parts.reset_index(drop=True), raw_parts.reset_index(drop=True), {"waiting": region[month]},
                    ("waiting",), (seed, month), shown_total={"waiting": region_shown[month]})
