"""No hidden figure can be worked out by arithmetic from the figures shown beside it.

On small random extracts (seeded): no count from 1 to threshold - 1 is ever shown; the same set
of courses is published alike whichever question counts it (consistent noise, the cell key
method); and the subtraction attacks of issue 15 land on the hidden value in fewer than half
of the attempts.
"""

import csv
import datetime as dt
import io
import json
import math
import random
import re

import pandas as pd
import pytest

from ipsdash import cli
from ipsdash.extract import data
from ipsdash.figures import funding, kpis, outcomes, privacy
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
    # Spending in odd amounts (a rng of its own: the courses above stay as they were).
    money = random.Random(seed + 1000)
    tables["expenditures"] = [
        {"grant_id": "G1", "municipality_code": money.choice((*CODES, None)), "category": "løn",
         "posting_date": dt.date(2023, 1, 1) + dt.timedelta(days=money.randint(0, 600)),
         "amount_dkk": round(money.uniform(100, 20_000), 2)}
        for _ in range(money.randint(5, 30))
    ]
    return data.open_extract(str(write_extract(path, tables)))


def shown_small(table, columns):
    """Counts from 1 to THRESHOLD - 1 shown as numbers (there must be none)."""
    return [(c, v) for c in columns for v in table[c] if isinstance(v, (int, float)) and 1 <= v < THRESHOLD]


def number(v):
    return v if isinstance(v, (int, float)) and not math.isnan(v) else None


@pytest.mark.parametrize("seed", range(6))
def test_groups_never_show_a_small_count(tmp_path, seed):
    ex = random_extract(tmp_path, seed)
    rng = random.Random(seed)
    for _ in range(4):
        start = dt.date(2023, 1, 1) + dt.timedelta(days=rng.randint(0, 600))
        end = start + dt.timedelta(days=rng.choice((30, 91, 182, 365)))
        filters = kpis.Filters(
            municipalities=tuple(sorted(rng.sample(CODES, rng.randint(0, 3)))),
            target_group=rng.choice((None, "psykiatri", "misbrug")),
            variant=rng.choice((None, "IPS", "IPS+")),
        )
        for by in kpis.BY:
            parts = kpis.kpi_table(ex, start, end, by, filters, min_count=THRESHOLD)
            assert not shown_small(parts, kpis.RULE.counts), (seed, by, start, end, filters)


def test_subtraction_attacks_rarely_land_on_the_hidden_value(tmp_path):
    """The attacks of issue 15, made from published figures only: the table by municipality less
    the same table filtered to one target group; the region less its visible municipalities; one
    period less a shorter one. Each attempt is at a true count from 1 to 4, hidden as "<5"."""
    attempts = {"complement": [0, 0], "total less parts": [0, 0], "two periods": [0, 0]}
    for seed in range(12):
        ex = random_extract(tmp_path / str(seed), seed)
        for year in (2023, 2024):
            start, end = dt.date(year, 1, 1), dt.date(year, 6, 30)
            every = kpis.kpi_table(ex, start, end, "municipality", min_count=THRESHOLD)
            raw = kpis.kpi_raw(ex, start, end, "municipality")
            region = kpis.kpi_table(ex, start, end, "none", min_count=THRESHOLD)
            for figure in ("referrals", "enrollments", "active_in_period", "placed"):
                for group, other in (("psykiatri", "misbrug"), ("misbrug", "psykiatri")):
                    one = kpis.kpi_table(ex, start, end, "municipality", kpis.Filters(target_group=group), min_count=THRESHOLD)
                    hidden = kpis.kpi_raw(ex, start, end, "municipality", kpis.Filters(target_group=other))
                    for i in range(len(every)):
                        a, b, truth = number(every[figure][i]), number(one[figure][i]), hidden[figure][i]
                        if a is not None and b is not None and 1 <= truth < THRESHOLD:
                            attempts["complement"][0] += 1
                            attempts["complement"][1] += a - b == truth
                small = [i for i, v in enumerate(every[figure]) if isinstance(v, str)]
                total = number(region[figure][0])
                if total is not None and len(small) == 1:
                    visible = sum(number(v) or 0 for v in every[figure] if not isinstance(v, str))
                    attempts["total less parts"][0] += 1
                    attempts["total less parts"][1] += total - visible == raw[figure][small[0]]
            # Referrals of January to June less those of January to May: June's.
            for code in CODES:
                f = kpis.Filters(municipalities=(code,))
                june = kpis.kpi_raw(ex, dt.date(year, 6, 1), end, "none", f)["referrals"][0]
                if 1 <= june < THRESHOLD:
                    longer = kpis.kpi_table(ex, start, end, "none", f, min_count=THRESHOLD)["referrals"][0]
                    shorter = kpis.kpi_table(ex, start, dt.date(year, 5, 31), "none", f, min_count=THRESHOLD)["referrals"][0]
                    if number(longer) is not None and number(shorter) is not None:
                        attempts["two periods"][0] += 1
                        attempts["two periods"][1] += longer - shorter == june
    for attack, (tried, hit) in attempts.items():
        assert tried >= 10, (attack, tried)
        assert hit < tried / 2, (attack, hit, tried)


@pytest.mark.parametrize("seed", range(3))
def test_the_same_courses_get_the_same_published_count(tmp_path, seed):
    """Whichever question, grouping, filter or path counts a set of courses, it is published alike."""
    ex = random_extract(tmp_path, seed)
    start, end = dt.date(2024, 1, 1), dt.date(2024, 6, 30)
    counts = list(kpis.RULE.counts)
    by_municipality = kpis.kpi_table(ex, start, end, "municipality", min_count=THRESHOLD).set_index("municipality_code")
    by_target = kpis.kpi_table(ex, start, end, "target_group", min_count=THRESHOLD).set_index("target_group")
    for code in CODES:
        alone = kpis.kpi_table(ex, start, end, "none", kpis.Filters(municipalities=(code,)), min_count=THRESHOLD)
        assert alone[counts].iloc[0].tolist() == by_municipality.loc[code, counts].tolist(), code
    for group in ("psykiatri", "misbrug"):
        alone = kpis.kpi_table(ex, start, end, "none", kpis.Filters(target_group=group), min_count=THRESHOLD)
        assert alone[counts].iloc[0].tolist() == by_target.loc[group, counts].tolist(), group
    # The cube (whole months) and the day path (kpis.sql) give the same counts and cell keys.
    assert kpis._in_whole_months(ex, start, end)
    for by in ("none", "municipality", "month"):
        question = kpis.Question.of(start, end, by)
        cube = kpis._monthly(ex, [question], kpis.Filters())[0]
        days = kpis._daily(ex, question, kpis.Filters())
        keys = [privacy.key_column(c) for c in counts]
        pd.testing.assert_frame_equal(cube[counts + keys], days[counts + keys], check_dtype=False)
    # The half year's referrals are its quarters' courses together: their keys add up.
    half = kpis.kpi_raw(ex, start, end, "none")
    quarters = kpis.kpi_raw(ex, start, end, "quarter")
    assert half["referrals_key"][0] == quarters["referrals_key"].sum() % 256


@pytest.mark.parametrize("seed", range(3))
def test_a_grants_municipalities_never_show_a_small_count(tmp_path, seed):
    ex = random_extract(tmp_path, seed)
    parts = funding.funding_table(ex, dt.date(2024, 6, 30), "municipality", min_count=THRESHOLD)
    assert not shown_small(parts, ("courses", "placed")), seed


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
def test_each_month_of_the_municipalities_shows_the_waiting_list_of_the_municipality_alone(tmp_path, seed):
    # Kommuner shows each municipality's waiting list by month: the same courses, the same figure.
    ex = random_extract(tmp_path, seed)
    start, end = dt.date(2023, 1, 1), dt.date(2024, 12, 31)
    shown = outcomes.monthly_by_municipality(ex, start, end, min_count=THRESHOLD)
    assert not shown_small(shown, ("waiting",))
    for code, rows in shown.groupby("municipality_code"):
        alone = kpis.kpi_table(ex, start, end, "month", kpis.Filters(municipalities=(int(code),)), min_count=THRESHOLD)
        alone = alone.set_index("period_start")["waiting"]
        assert [alone[m] for m in rows["period_start"]] == rows["waiting"].tolist(), code


# Rates, shares and their interval bounds, by the names the command line and the tables give them.
RATE_KEY = re.compile(r"(^|_)(rate|share)(_|$)|^use$")


def finer_than(value, decimals: int) -> bool:
    """Whether a number carries more than `decimals` decimals (0.01 for two)."""
    if value is None or isinstance(value, bool) or not _is_number_text(value):  # blank, "<5"
        return False
    number = float(value)
    return not math.isnan(number) and abs(number * 10**decimals - round(number * 10**decimals)) > 1e-6


def _is_number_text(text) -> bool:
    try:
        float(text)
    except (TypeError, ValueError):
        return False
    return True


def too_precise(rows: list[dict]) -> list[tuple[str, object]]:
    """Rates and bounds finer than whole percent, money finer than øre."""
    return [(k, v) for row in rows for k, v in row.items()
            if (RATE_KEY.search(k) and finer_than(v, 2)) or (k.endswith("_dkk") and finer_than(v, 2))]


@pytest.mark.parametrize("seed", range(2))
def test_no_rate_or_bound_on_the_command_line_is_finer_than_whole_percent(tmp_path, capsys, seed):
    """kpis, cohorts and funding, as JSON and CSV, by every grouping, with the default rule."""
    ex = random_extract(tmp_path, seed)
    asks = [["kpis", "--from", "2023-01-01", "--to", "2024-06-30", "--by", by] for by in kpis.BY]
    asks += [["kpis", "--from", "2023-03-01", "--to", "2024-05-31", "--by", "municipality", "--target-group", "misbrug"]]
    asks += [["cohorts", "--from", "2023-01-01", "--to", "2024-12-31", "--by", by, "--grain", grain]
             for by in ("none", "municipality", "variant") for grain in ("quarter", "year")]
    asks += [["funding", "--on", "2024-06-30", "--by", by] for by in funding.BY]
    checked = {"rate": 0, "money": 0}
    for ask in asks:
        for form in ("json", "csv"):
            code = cli.main([*ask, "--data-dir", ex.location, "--format", form])
            out = capsys.readouterr().out
            assert code == 0, ask
            rows = json.loads(out) if form == "json" else list(csv.DictReader(io.StringIO(out)))
            assert not too_precise(rows), (ask, form, too_precise(rows)[:5])
            for row in rows:
                checked["rate"] += sum(1 for k, v in row.items() if RATE_KEY.search(k) and _is_number_text(v))
                checked["money"] += sum(1 for k, v in row.items() if k.endswith("_dkk") and _is_number_text(v))
    assert checked["rate"] > 100 and checked["money"] > 10, checked  # the check saw figures, not only blanks
