"""Every page under AppTest, driven through the shared filter bar and through shared links."""

from ipsdash import fmt, texts
from tests.apptest import app
from tests.apptest import metrics as values


def test_overview_renders_headline_figures_on_the_demo_extract():
    at = app()
    assert at.title[0].value == "Overblik"
    shown = values(at)
    # Cards carry the short names (texts.short), which fit a projector (issue 19).
    for label in ("Aktive forløb", "Venteliste", "Job eller uddannelse", "Henvisninger"):
        assert label in shown and shown[label] not in ("", "–")
    # The demo notice is a line of small text under the title (a box took a projector's first screen),
    # the full notice in its help.
    assert texts.DEMO_SHORT in at.caption[0].value and at.caption[0].help == texts.DEMO_NOTICE
    assert len(at.get("plotly_chart")) == 2


def test_filters_change_the_figures_and_the_description():
    at = app()
    everyone = values(at)["Aktive forløb"]
    at.multiselect(key="kommune").set_value([630]).run()
    assert not at.exception
    assert at.caption[0].value.startswith("Vejle ·")
    assert values(at)["Aktive forløb"] != everyone
    at.selectbox(key="periode").set_value("I år").run()
    assert "1. januar" in at.caption[0].value
    at.selectbox(key="maalgruppe").set_value("misbrug").run()
    at.selectbox(key="variant").set_value("IPS+").run()
    assert not at.exception
    assert "misbrug" in at.caption[0].value and "IPS+" in at.caption[0].value


def test_a_shared_link_shows_the_same_view():
    at = app(kommune=["Vejle", "Odense"], periode="Sidste år", maalgruppe="Psykisk lidelse")
    assert at.caption[0].value.startswith("Odense, Vejle ·") or at.caption[0].value.startswith("Vejle, Odense ·")
    assert "psykiatri" in at.caption[0].value
    assert "januar – 31. december" in at.caption[0].value


def test_grant_period_and_custom_dates():
    at = app(bevilling="Udbredelse af IPS i Region Syddanmark (APMF-2021)", periode="Bevillingens periode")
    assert "1. juli 2021" in at.caption[0].value
    at = app(periode="Vælg datoer", datoer=["2024-01-01", "2024-03-31"])
    assert "1. januar – 31. marts 2024" in at.caption[0].value


def test_small_municipality_shows_hidden_counts_not_numbers():
    at = app(kommune="Assens", periode="I år")
    shown = values(at)
    # A share over few courses is hidden ("skjult"), not "cannot be computed" ("–", issue 19).
    assert shown[texts.short("placement_rate")] == fmt.HIDDEN
    assert all(v in ("<5", fmt.HIDDEN, "0") or v.isdigit() and int(v) >= 5 for v in shown.values() if "dage" not in v)


def test_every_page_renders_with_a_filter():
    for page in ("pages/venteliste.py", "pages/job.py", "pages/forloeb.py", "pages/bevillinger.py", "pages/kommuner.py",
                 "pages/kvalitet.py", "pages/om.py"):
        at = app(page, kommune="Vejle")
        assert at.title[0].value != "Overblik", page


def test_municipalities_in_one_order_in_the_selector_and_the_tables():
    # The region first, then the municipalities by name in Danish order (catalog.in_order), everywhere.
    from ipsdash.figures import catalog, outcomes

    at = app("pages/kommuner.py")
    options = list(at.multiselect(key="kommune").options)
    assert options == sorted(options, key=catalog.name_key) and len(options) == 15
    results, *others = (list(frame.value["Kommune"]) for frame in at.dataframe)
    assert results == [outcomes.REGION, *options]
    for names in others:  # the changes leave out planned municipalities, in the same order
        assert names[0] == outcomes.REGION and names[1:] == [o for o in options if o in names]
    at = app("pages/bevillinger.py", bevilling="Udbredelse af IPS i Region Syddanmark (APMF-2021)")
    budgets = list(at.dataframe[0].value["Kommune"])
    assert budgets == sorted(budgets, key=catalog.name_key) and len(budgets) == 8
