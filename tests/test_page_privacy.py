"""What reaches the browser: no page shows or ships a person count from 1 to threshold - 1.

Every page runs under AppTest across random filter combinations that favour the small
municipalities of the demo extract. Checked: the cards, every table sent (st.dataframe's data),
every Plotly figure's JSON — its data, not only what is drawn (hover texts and custom data
included), since Plotly ships all of it to the browser — and every table the page offers for
download (the CSV and Excel files are written from them on click).
"""

import json
import math
import random
import re

import pytest

from ipsdash import texts
from ipsdash.app import ui
from ipsdash.figures import outcomes, privacy
from tests.apptest import app

PAGES = ["pages/overblik.py", "pages/venteliste.py", "pages/job.py", "pages/forloeb.py", "pages/bevillinger.py",
         "pages/kommuner.py", "pages/kvalitet.py", "pages/leverancer.py", "pages/om.py"]
SMALL = ["Assens", "Sønderborg", "Nordfyns", "Billund"]
PERIODS = ["Seneste 12 måneder", "I år", "Sidste år", "3. kvt. 2026", "1. kvt. 2026"]
GROUPS = [None, "Psykisk lidelse", "Misbrug"]
VARIANTS = [None, "IPS+ (med kognitiv og social træning)"]

# Traces and columns that count staff, scores or money, not persons in treatment.
NOT_PERSONS = re.compile(r"konsulent|årsværk|score|fidelitet|kr\.|budget|forbrug|beløb|uddannelse af konsulenter",
                         re.IGNORECASE)
COUNT_WORDS = re.compile(r"forløb|henvis|venteliste|afslut|opstart|starte|i job|i uddannelse|antal|personer",
                         re.IGNORECASE)


def small(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and float(value).is_integer() \
        and 1 <= value < privacy.DEFAULT_THRESHOLD


def count_traces(spec: dict):
    """Traces whose values are whole numbers and not about staff, scores or money: person counts."""
    for trace in spec.get("data", []):
        name = f"{trace.get('name', '')} {trace.get('hovertemplate', '')} {trace.get('legendgroup', '')}"
        if NOT_PERSONS.search(name):
            continue
        for axis in ("y", "x"):
            values = trace.get(axis)
            if not isinstance(values, list) or not values:
                continue
            numbers = [v for v in values if isinstance(v, (int, float)) and not isinstance(v, bool)]
            if numbers and all(float(v).is_integer() for v in numbers) and max(numbers) > 1:
                yield trace.get("name"), axis, numbers


def texts_in(spec: dict):
    for trace in spec.get("data", []):
        for key in ("text", "hovertext", "customdata"):
            values = trace.get(key)
            if isinstance(values, list):
                yield from (json.dumps(v, ensure_ascii=False) for v in values)


def combos(n: int, seed: int):
    rng = random.Random(seed)
    for _ in range(n):
        query = {"periode": rng.choice(PERIODS), "kommune": rng.sample(SMALL, rng.randint(1, 2))}
        if g := rng.choice(GROUPS):
            query["maalgruppe"] = g
        if v := rng.choice(VARIANTS):
            query["variant"] = v
        yield query


PERSON_COUNT_COLUMNS = ("referrals", "enrollments", "exits", "waiting", "active", "active_in_period", "placed",
                        "job_starts", "courses", "placed_funded", *(f"exits_{r}" for r in
                                                                   ("afsluttet", "frafald", "flyttet", "andet")),
                        "enrolled", *(f"placed_{n}m" for n in (6, 12, 18)), "courses_in_extract", "delivery_rows")
# Rates, shares and their interval bounds: whole percent (0.01) at most, never finer.
RATE_COLUMN = re.compile(r"(^|_)(rate|share)(_|$)|^use$")


def finer_than_whole_percent(value) -> bool:
    if not isinstance(value, (int, float)) or isinstance(value, bool) or math.isnan(value):
        return False
    return abs(value * 100 - round(value * 100)) > 1e-9

# Cards and columns carry short names (texts.short, issue 19), which need not say "forløb": the
# names of the person counts themselves, full and short, are counts whatever their words.
COUNT_NAMES = {name for key in (*PERSON_COUNT_COLUMNS, "cohort_enrolled") if key in texts.TERMS
               for name in (texts.label(key), texts.short(key))}


def counts_persons(name) -> bool:
    name = str(name)
    return name in COUNT_NAMES or bool(COUNT_WORDS.search(name)) and not NOT_PERSONS.search(name)


@pytest.fixture
def downloads(monkeypatch) -> list:
    seen = []
    original = ui.downloads

    def spy(name, tables):
        seen.append(tables)
        return original(name, tables)

    monkeypatch.setattr(ui, "downloads", spy)
    return seen


@pytest.mark.parametrize("page", PAGES)
def test_no_small_count_reaches_the_browser(page, downloads):
    for query in combos(3, seed=sum(map(ord, page))):
        before = len(downloads)
        at = app(page, **query)
        where = (page, query)
        for tables in downloads[before:]:
            for title, df in tables.items():
                for col in (c for c in df.columns if c in PERSON_COUNT_COLUMNS):
                    assert not [v for v in df[col].tolist() if small(v)], (where, title, col)
                if df.equals(outcomes.references_table()):
                    continue  # the literature's figures as published there (e.g. 59,9 %), not ours
                for col in (c for c in df.columns if RATE_COLUMN.search(str(c))):
                    assert not [v for v in df[col].tolist() if finer_than_whole_percent(v)], (where, title, col)
        for m in at.metric:
            if counts_persons(m.label):
                assert not re.fullmatch(r"[1-4]", m.value.strip()), (where, m.label, m.value)
        for frame in at.dataframe:
            df = frame.value
            for col in df.columns:
                if counts_persons(col):
                    values = [v for v in df[col].tolist() if small(v) or (isinstance(v, str) and re.fullmatch(r"[1-4]", v))]
                    assert not values, (where, col, values)
        for chart in at.get("plotly_chart"):
            spec = json.loads(chart.proto.spec)
            for name, axis, numbers in count_traces(spec):
                if "skjult" in str(name) and set(numbers) == {privacy.DEFAULT_THRESHOLD - 1}:
                    continue  # hidden bars all drawn at one placeholder height: it carries nothing
                assert not [v for v in numbers if small(v)], (where, name, axis, numbers)
            for text in texts_in(spec):
                # A hover text may say "<5"; it may not carry a bare small count as a person count.
                assert not re.search(r"(^|[^\d,.<])[1-4] (forløb|personer|henvisninger)", text), (where, text)


def test_the_app_gives_its_threshold_to_every_figure_it_calls(monkeypatch):
    """The app decides the threshold once (session.threshold: IPS_MIN_COUNT or 5) and session.call
    hands it to every figure function that takes one; a page never passes or decides it."""
    import datetime as dt
    from types import SimpleNamespace

    from ipsdash.app import session
    from ipsdash.figures import catalog, kpis

    asked = []
    opened = SimpleNamespace(location="data", version="v1", scope=SimpleNamespace(key="region"))
    monkeypatch.setattr(session, "extract", lambda: opened)
    monkeypatch.setattr(session, "_call", lambda name, location, version, scope, args, kwargs: asked.append(
        (name, dict(kwargs))))
    start, end = dt.date(2025, 1, 1), dt.date(2025, 3, 31)
    session.call(kpis.kpi_table, start, end, by="month")
    session.call(catalog.span)
    monkeypatch.setenv("IPS_MIN_COUNT", "3")
    session.call(kpis.kpi_table, start, end)
    assert asked == [
        ("ipsdash.figures.kpis.kpi_table", {"by": "month", "min_count": privacy.DEFAULT_THRESHOLD}),
        ("ipsdash.figures.catalog.span", {}),
        ("ipsdash.figures.kpis.kpi_table", {"min_count": 3}),
    ]
