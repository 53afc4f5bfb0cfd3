"""Danish words of the dashboard, in one place, and the registry of every figure.

`TERMS` is the registry: each figure's key, Danish label, definition, short label, kind (person
count, rate, days, money, score …, whose unit follows) and, for the course KPIs of
`ipsdash/figures/kpis.py`, what it is worked out from. The command line's keys and formats, cards,
tables, downloads, the funder report and the slides, the small-number rule of the KPIs and the
tests all read it here; none keeps its own list of which figures are rates or days.

Definitions restate data-contract.md in plain Danish; a test checks that every figure a page,
export or report shows has one here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# The kinds of figure: how every output writes one.
COUNT = "count"  # a person count (courses): whole; the small-number rule perturbs it and hides 1 to 4
RATE = "rate"  # a share from 0 to 1 (a rate, its interval's bounds, a share of money): whole percent
DAYS = "days"  # days (a median, a percentile): whole days, "12 dage" on a card
MONEY = "money"  # kroner: whole kroner on pages and in the report, to the øre in data (JSON, CSV, Excel)
SCORE = "score"  # points on a scale (fidelity, IPS-25): whole
DECIMAL = "decimal"  # a ratio against a limit or FTE: one decimal (19,6 is under 20; 0,5 årsværk)
NUMBER = "number"  # another whole number that is no person count (staff, municipalities, rows)
DATE = "date"
TEXT = "text"  # words: a name, a status, a level; or a chart's name
KINDS = (COUNT, RATE, DAYS, MONEY, SCORE, DECIMAL, NUMBER, DATE, TEXT)
UNITS = {COUNT: "forløb", RATE: "%", DAYS: "dage", MONEY: "kr.", SCORE: "point", DECIMAL: "", NUMBER: "", DATE: "", TEXT: ""}


@dataclass(frozen=True)
class Term:
    label: str  # the figure's full name: definitions, downloads, axis titles
    definition: str  # one or two plain sentences
    short: str | None = None  # where the label would be cut: a card's title, a column header (the label then in its help)
    kind: str = TEXT  # KINDS: how it is written everywhere
    # A course KPI of kpis.kpi_table (queries/kpis.sql, the monthly cube): the command line prints
    # these in the registry's order, and kpis.RULE is made from them.
    kpi: bool = False
    behind: bool = False  # a KPI count given only as what a rate is worked out from (not printed)
    # A KPI rate: (numerator, denominator), both KPI counts; its Wilson bounds are the KPI terms
    # "<key>_low" and "<key>_high" where they exist. A KPI median or percentile: (the count of
    # the courses it is taken over,).
    of: tuple[str, ...] = ()

    @property
    def unit(self) -> str:
        return UNITS[self.kind]


TERMS: dict[str, Term] = {
    "referrals": Term(
        "Henvisninger",
        "Forløb med henvisningsdato i perioden. En henvist person kommer på ventelisten.",
        kind=COUNT, kpi=True,
    ),
    "enrollments": Term(
        "Opstartede forløb",
        "Forløb, hvor borgeren er visiteret og startet hos en IPS-konsulent i perioden.",
        kind=COUNT, kpi=True,
    ),
    "exits": Term(
        "Afsluttede forløb",
        "Forløb med afslutningsdato i perioden, både fra ventelisten og efter opstart.",
        kind=COUNT, kpi=True,
    ),
    "waiting": Term(
        "Venteliste",
        "Forløb, der er henvist, men hverken startet eller afsluttet ved periodens sidste dag.",
        kind=COUNT, kpi=True,
    ),
    "active": Term(
        "Aktive forløb",
        "Forløb, der er startet og ikke afsluttet ved periodens sidste dag.",
        kind=COUNT, kpi=True,
    ),
    "active_in_period": Term(
        "Aktive i perioden",
        "Forløb, der var startet og ikke afsluttet på mindst én dag i perioden. Nævneren i andelen i job eller uddannelse.",
        kind=COUNT, kpi=True,
    ),
    "placed": Term(
        "I job eller uddannelse",
        "Aktive forløb i perioden med et ordinært job eller en ordinær uddannelse, der tæller og ligger i perioden. "
        "Et job eller en uddannelse tæller, når det begynder mellem forløbets opstart og afslutning; "
        "job før opstart eller efter afslutning er ikke programmets resultat.",
        kind=COUNT, kpi=True,
    ),
    "placement_rate": Term(
        "Andel i job eller uddannelse",
        "Andelen af de aktive forløb i perioden, som har været i ordinært job eller uddannelse i perioden. "
        "Et forløb med både job og uddannelse tælles én gang. Vist med 95 %-konfidensinterval (Wilson). "
        "Over hele programmets levetid er det den kumulerede andel, kommunerne offentliggør.", short="Job eller uddannelse",
        kind=RATE, kpi=True, of=("placed", "active_in_period"),
    ),
    "placement_rate_low": Term("Nedre grænse (95 %)", "Nedre grænse af andelens 95 %-konfidensinterval (Wilson).", short="Nedre (95 %)", kind=RATE, kpi=True),
    "placement_rate_high": Term("Øvre grænse (95 %)", "Øvre grænse af andelens 95 %-konfidensinterval (Wilson).", short="Øvre (95 %)", kind=RATE, kpi=True),
    "placed_job": Term("I job", "Aktive forløb i perioden med et ordinært job, der tæller og ligger i perioden.", kind=COUNT, kpi=True, behind=True),
    "placed_education": Term(
        "I uddannelse", "Aktive forløb i perioden med en ordinær uddannelse, der tæller og ligger i perioden.",
        kind=COUNT, kpi=True, behind=True,
    ),
    "job_rate": Term("Andel i job", "Som andelen i job eller uddannelse, men kun ordinære job.", kind=RATE, kpi=True, of=("placed_job", "active_in_period")),
    "education_rate": Term("Andel i uddannelse", "Som andelen i job eller uddannelse, men kun ordinær uddannelse.", kind=RATE, kpi=True, of=("placed_education", "active_in_period")),
    "job_starts": Term(
        "Første job- eller uddannelsesstarter",
        "Forløb, hvis første job eller uddannelse, der tæller, begynder i perioden.", short="Nye i job/uddannelse",
        kind=COUNT, kpi=True,
    ),
    "waiting_days_median": Term(
        "Ventetid, median (dage)",
        "Dage fra henvisning til opstart for forløb opstartet i perioden; medianen.", short="Ventetid, median",
        kind=DAYS, kpi=True, of=("enrollments",),
    ),
    "waiting_days_p90": Term(
        "Ventetid, 90 %-fraktil (dage)",
        "Dage fra henvisning til opstart for forløb opstartet i perioden; 9 ud af 10 ventede højst så længe.", short="Ventetid, 90 %",
        kind=DAYS, kpi=True, of=("enrollments",),
    ),
    "days_to_first_placement_median": Term(
        "Dage til første job, median",
        "Dage fra opstart til første job eller uddannelse, der tæller, for periodens første starter; medianen.", short="Dage til job, median",
        kind=DAYS, kpi=True, of=("job_starts",),
    ),
    "budget_dkk": Term(
        "Budget (kr.)",
        "En kommunes del af bevillingen; for hele bevillingen dens beløb. Den centrale del er beløbet minus kommunernes budgetter.", short="Budget",
        kind=MONEY,
    ),
    "spent_dkk": Term("Forbrugt (kr.)", "Summen af posteringer til og med dagen. Negative posteringer er rettelser.", short="Forbrugt", kind=MONEY),
    "use": Term("Forbrugsgrad", "Forbrugt til og med dagen divideret med budgettet.", kind=RATE),
    "monthly_burn_dkk": Term("Månedligt forbrug (kr.)", "Forbruget i de seneste 90 dage divideret med 3.", short="Pr. måned", kind=MONEY),
    "projected_depletion": Term(
        "Forventet opbrugt",
        "Dagen hvor budgettet er brugt, hvis forbruget fortsætter som i de seneste 90 dage. "
        "Tom, når der intet er brugt i de 90 dage, eller intet er tilbage.", short="Opbrugt",
        kind=DATE,
    ),
    "courses": Term("Finansierede forløb", "Forløb finansieret af bevillingen og opstartet senest på dagen.", short="Forløb", kind=COUNT),
    "cost_per_course_dkk": Term("Pris pr. forløb (kr.)", "Forbrugt divideret med finansierede forløb.", short="Pr. forløb", kind=MONEY),
    "cost_per_placement_dkk": Term(
        "Pris pr. job/uddannelse (kr.)",
        "Forbrugt divideret med de finansierede forløb, der har haft job eller uddannelse, som tæller, senest på dagen.", short="Pr. job/udd.",
        kind=MONEY,
    ),
    "caseload": Term(
        "Forløb pr. konsulent",
        "Aktive forløb ved månedens sidste dag divideret med månedens IPS-konsulenter i årsværk. IPS-modellen siger højst 20.",
        kind=DECIMAL,
    ),
    "fidelity": Term(
        "Fidelitetsscore",
        "Samlet score på IPS-25-skalaen (25–125): 115–125 eksemplarisk, 100–114 god, 74–99 rimelig, 25–73 ikke IPS.",
        kind=SCORE,
    ),
    # Cohort outcomes (ipsdash/figures/cohorts.py; data-contract.md, "Cohort outcomes").
    "cohort_enrolled": Term(
        "Startede i kvartalet",
        "Forløb, der startede hos en IPS-konsulent i kvartalet (eller året) – en årgang.",
        kind=COUNT,
    ),
    "cohort_rate": Term(
        "Andel i job eller uddannelse inden for N måneder",
        "Af de forløb, der startede i kvartalet, andelen hvis første job eller uddannelse (der tæller) begyndte "
        "senest samme dato N måneder efter opstarten. Forløb, der sluttede uden job, tæller med som ikke i job "
        "(som i et forsøg). Vises først, når hele årgangen er fulgt N måneder; med 95 %-konfidensinterval (Wilson). "
        "Samme mål som det danske IPS-forsøg (18 måneder).",
        kind=RATE,
    ),
    "cohort_curve": Term(
        "Tid til første job eller uddannelse",
        "For hver årgang af startede forløb: andelen, der har fået første job eller uddannelse inden for 1, 2, 3 … "
        "måneder efter opstarten. Kurven stopper, hvor årgangen endnu ikke er fulgt længere.",
    ),
    # The funder's report (ipsdash/report/).
    "spent_in_period_dkk": Term(
        "Forbrugt i perioden (kr.)",
        "Summen af bevillingens posteringer i perioden, begge dage medregnet. Negative posteringer er rettelser.",
        kind=MONEY,
    ),
    "spent_in_month_dkk": Term(
        "Forbrugt i måneden (kr.)",
        "Summen af bevillingens posteringer i kalendermåneden, til og med periodens sidste dag.",
        kind=MONEY,
    ),
    "spending_share": Term(
        "Andel af forbruget",
        "En kategoris forbrug til og med periodens sidste dag divideret med bevillingens samlede forbrug til samme dag.",
        kind=RATE,
    ),
}

SMALL_NUMBERS = (
    "Tal for personer fra 1 til {t_minus} vises som <{t}, og en andel skjules, når dens tæller, nævner eller "
    "forskellen mellem dem er fra 1 til {t_minus}; det beskytter borgerne, fordi tallene er helbredsoplysninger."
)

DEMO_SHORT = "Demodata (syntetiske tal)"
DEMO_NOTICE = "Demodata: tallene er syntetiske og viser ikke virkelige borgere eller kommuners resultater."

TARGET_GROUPS = {"psykiatri": "Psykisk lidelse", "misbrug": "Misbrug"}
VARIANTS = {"IPS": "IPS", "IPS+": "IPS+ (med kognitiv og social træning)"}
EXIT_REASONS = {"afsluttet": "Afsluttet som planlagt", "frafald": "Frafald", "flyttet": "Flyttet", "andet": "Andet"}
SEXES = {"K": "Kvinder", "M": "Mænd"}


def label(key: str) -> str:
    return TERMS[key].label


def short(key: str) -> str:
    """The figure's name on a card or over a column: short enough to fit at 1280 × 720.

    >>> short("placement_rate"), short("active")
    ('Job eller uddannelse', 'Aktive forløb')
    """
    term = TERMS[key]
    return term.short or term.label


def definition(key: str) -> str:
    return TERMS[key].definition


# Columns named after a term: a rate's bounds, a figure of the previous period or its change, each
# reason's share of exits, the cohorts' figures within N months; and money is named "*_dkk".
_DERIVED = (
    (re.compile(r"(.+)_(low|high|before|change)"), r"\1"),
    (re.compile(r"exit_share_.+"), "exit_share"),
    (re.compile(r"rate_\d+m(_low|_high)?"), "cohort_rate"),
    (re.compile(r"placed_\d+m|enrolled"), "cohort_enrolled"),
)


def kind(key: str) -> str | None:
    """The kind of a figure's column (KINDS), or None for a column that is not a figure (a code).

    >>> kind("placement_rate_low"), kind("exit_share_frafald"), kind("rate_18m"), kind("løn_dkk"), kind("grant_id")
    ('rate', 'rate', 'rate', 'money', None)
    """
    key = str(key)
    if key in TERMS:
        return TERMS[key].kind
    for pattern, term in _DERIVED:
        if pattern.fullmatch(key):
            base = pattern.sub(term, key)
            if base in TERMS:
                return kind(base)
    return MONEY if key.endswith("_dkk") else None


def of_kind(kind_: str, keys=None) -> tuple[str, ...]:
    """The keys (of `keys`, else of the registry) whose figures are of a kind, in order.

    >>> of_kind(DECIMAL)
    ('caseload', 'consultants_fte')
    """
    return tuple(k for k in (TERMS if keys is None else keys) if kind(k) == kind_)


# --- Indskrivning og venteliste; Kvalitet (figures of ipsdash/figures/intake.py) ---------------------------
TERMS.update(
    {
        "exits_by_reason": Term(
            "Afslutninger efter årsag",
            "Forløb afsluttet i perioden, fordelt på den årsag, kommunen har registreret: afsluttet som planlagt, "
            "frafald, flyttet eller andet. Både afslutninger fra ventelisten og efter opstart tæller.",
            kind=COUNT,
        ),
        "exits_afsluttet": Term("Afsluttet som planlagt", "Forløb afsluttet i perioden, fordi støtten sluttede som planlagt.", kind=COUNT),
        "exits_frafald": Term("Frafald", "Forløb afsluttet i perioden, fordi borgeren faldt fra.", kind=COUNT),
        "exits_flyttet": Term("Flyttet", "Forløb afsluttet i perioden, fordi borgeren flyttede fra kommunen.", kind=COUNT),
        "exits_andet": Term("Andet", "Forløb afsluttet i perioden af en anden årsag.", kind=COUNT),
        "consultants_fte": Term(
            "IPS-konsulenter (årsværk)",
            "Kommunens IPS-konsulenter i måneden, opgjort i årsværk (fuldtidsstillinger). For flere kommuner summen.", short="Årsværk", kind=DECIMAL),
        "consultants_trained": Term(
            "Uddannede konsulenter",
            "IPS-konsulenter, der har gennemført IPS-uddannelsen, i måneden (antal personer). For flere kommuner summen.", short="Uddannede", kind=NUMBER),
        "consultants_in_training": Term(
            "Konsulenter under uddannelse",
            "IPS-konsulenter, der er i gang med IPS-uddannelsen, i måneden (antal personer). For flere kommuner summen.", short="Under uddannelse", kind=NUMBER),
        "municipalities_without_staffing": Term(
            "Kommuner uden bemandingstal",
            "Kommuner med aktive forløb, som ikke har indberettet bemanding for måneden. "
            "Deres forløb og konsulenter indgår ikke i forløb pr. konsulent.",
            kind=NUMBER,
        ),
        "fidelity_level": Term(
            "Fidelitetsniveau",
            "Niveauet for den samlede fidelitetsscore: 115–125 eksemplarisk, 100–114 god, 74–99 rimelig, 25–73 ikke IPS.",
        ),
        "review_date": Term("Måling", "Dagen for fidelitetsmålingen.", kind=DATE),
        "previous_review_date": Term("Forrige måling", "Dagen for kommunens fidelitetsmåling før den seneste.", kind=DATE),
        "previous_fidelity": Term("Forrige score", "Den samlede fidelitetsscore ved målingen før den seneste.", kind=SCORE),
        "fidelity_change": Term("Ændring (point)", "Seneste fidelitetsscore minus den forrige.", kind=SCORE),
        "period_end": Term("Periode (slut)", "Periodens sidste dag; en måned skåret til den valgte periode.", kind=DATE),
        "breakdown": Term("Opdeling", "Hvad forløbene er delt efter."),
        "group": Term("Gruppe", "Gruppen af forløb i opdelingen."),
        "above_limit": Term("Over grænsen", "Flere end 20 aktive forløb pr. konsulentårsværk ved månedens udgang."),
        "exit_reason": Term("Årsag", "Den årsag til afslutningen, kommunen har registreret."),
        "exit_share": Term("Andel", "Afslutninger med årsagen divideret med alle afslutninger i perioden.", kind=RATE),
    }
)

NOT_STATED = "Ikke oplyst"
BREAKDOWNS = {"target_group": "Målgruppe", "variant": "Variant", "age_band": "Alder", "sex": "Køn"}
WITHOUT_STAFFING = (
    "{n} kommune(r) med aktive forløb har ikke indberettet bemanding for seneste måned; "
    "deres forløb indgår ikke i forløb pr. konsulent."
)


# --- Job og uddannelse; Kommuner (figures of ipsdash/figures/outcomes.py) ----------------------------------
TERMS.update(
    {
        "job_hours": Term(
            "Timer pr. uge i job",
            "Forløb i ordinært job i perioden (tælleren i andelen i job), fordelt på ugentlige timer i det job, "
            "der tæller og startede senest. 10–19 betyder mindst 10 og under 20 timer; 30–37 er til og med 37 "
            "timer (fuld tid); ikke oplyst er job uden registrerede timer. Hver søjle er et antal personer.",
            kind=COUNT,
        ),
        "quarterly_placement_rate": Term(
            "Andel i job eller uddannelse pr. kvartal",
            "Andelen i job eller uddannelse med kvartalet som periode: af de aktive forløb i kvartalet, andelen "
            "der havde ordinært job eller uddannelse i kvartalet. Det er IPS-netværkenes kvartalsvise mål.", short="Job/uddannelse pr. kvartal", kind=RATE),
        "funnel_limits": Term(
            "Kontrolgrænser (tragtdiagram)",
            "Hvor langt fra regionens andel en kommune med så mange aktive forløb kan ligge alene ved tilfældighed: "
            "95 % af kommunerne ligger inden for de stiplede grænser og 99,8 % inden for de prikkede, hvis de alle "
            "i virkeligheden havde regionens andel. Grænserne er bredere for små kommuner, fordi få forløb svinger mere.",
        ),
        "status": Term("IPS-start", "Dagen kommunen startede IPS; planlagt betyder, at kommunen endnu ikke er startet."),
        "placement_rate_before": Term("Andel, forrige periode", "Andel i job eller uddannelse i forrige periode.", short="Andel før", kind=RATE),
        "placement_rate_change": Term(
            "Ændring i andel",
            "Andelen i perioden minus andelen i forrige periode, i procentpoint. Vises kun, når begge andele vises.", short="Ændring, andel", kind=RATE),
        "waiting_before": Term("Venteliste, forrige periode", "Ventelisten ved forrige periodes sidste dag.", short="Venteliste før", kind=COUNT),
        "waiting_change": Term(
            "Ændring i venteliste",
            "Ventelisten ved periodens sidste dag minus ventelisten ved forrige periodes sidste dag. "
            "Vises kun, når begge tal vises.", short="Ændring, venteliste", kind=COUNT),
    }
)

QUARTER_VS_TRIAL = (
    "Kvartalsandelen og forsøgets tal er ikke det samme mål. Kvartalsandelen tæller, hvor mange af de aktive "
    "forløb der var i job eller uddannelse **i løbet af ét kvartal**. Det danske forsøg talte, hvor mange der "
    "var i job eller uddannelse **på et tidspunkt i løbet af 18 måneder** – et længere vindue giver en højere "
    "andel. Det amerikanske IPS-netværk måler som vi pr. kvartal, men kun job. Befolkningstallene er et "
    "øjebliksbillede af alle voksne, ikke resultatet af en indsats."
)

NOT_FOLLOWED = (
    "Ikke fulgt længe nok endnu: {quarters}. En årgang vises for N måneder først, når dens sidste forløb kan være "
    "fulgt N måneder til udtrækkets dato ({as_of}); før det ville andelen se for lav ud."
)

FUNNEL_NOTE = (
    "Hver prik er en kommune: dens andel i job eller uddannelse mod antallet af aktive forløb i perioden. "
    "Den grå linje er regionens andel; tragten viser, hvor meget en kommune af den størrelse kan afvige "
    "alene ved tilfældighed. Kun en kommune uden for tragten afviger mere, end tilfældet kan forklare – "
    "inden for tragten skal kommunerne ikke rangordnes."
)
NO_STAFFING = (
    "Bemandingstabellen (staffing) er ikke leveret i dette udtræk, så forløb pr. konsulent og antallet af "
    "uddannede konsulenter kan ikke vises. Den er valgfri i datakontrakten."
)
NO_FIDELITY = (
    "Tabellen med fidelitetsmålinger (fidelity_reviews) er ikke leveret i dette udtræk, så fidelitetsscorer "
    "kan ikke vises. Den er valgfri i datakontrakten."
)
NOT_STARTED = "{names}: IPS var ikke startet ved periodens slutning, så der er endnu ingen forløb at vise."
ONLY_MUNICIPALITY_FILTER = (
    "Konsulenterne arbejder med alle målgrupper, varianter og bevillinger, så her gælder kun valget af kommuner."
)
NO_REVIEW_YET = "ingen måling endnu"


# --- Bevillinger (ipsdash/figures/grants.py) -------------------------------------------------------------
TERMS.update(
    {
        "placed_funded": Term(
            "Heraf i job eller uddannelse",
            "Finansierede forløb, der har haft et job eller en uddannelse, som tæller, senest på dagen. "
            "Nævneren i prisen pr. job/uddannelse. (Ikke det samme som »I job eller uddannelse« på siderne om "
            "forløb, der tæller job og uddannelse i en periode.)", short="Heraf i job/udd.", kind=COUNT),
        "remaining_dkk": Term(
            "Tilbage af budgettet (kr.)",
            "Budgettet minus det forbrugte til og med dagen. Prognosen fortsætter i lige linje med forbruget i de "
            "seneste 90 dage, til pengene er brugt (den forventede dato, hvor budgettet er opbrugt).", short="Tilbage", kind=MONEY),
        "outlook": Term(
            "Opbrugt mod slutdato",
            "Om pengene med forbruget i de seneste 90 dage slipper op før eller rækker ud over bevillingens "
            "slutdato, og hvor længe før eller efter.",
        ),
        "day": Term(
            "Dato",
            "Dagen, restbudgettet gælder: månedens sidste dag (i den sidste måned den valgte dag) eller en dag i "
            "prognosen.",
            kind=DATE,
        ),
        "series": Term("Serie", "Faktisk: budgettet minus det forbrugte. Prognose: forbruget i de seneste 90 dage fortsat."),
        "grant_start": Term("Startdato", "Bevillingens første dag, som bevillingsgiveren har fastsat den.", kind=DATE),
        "grant_end": Term("Slutdato", "Bevillingens sidste dag, som bevillingsgiveren har fastsat den.", kind=DATE),
        "løn_dkk": Term("Løn (kr.)", "Bevillingens forbrug til løn til IPS-konsulenter.", short="Løn", kind=MONEY),
        "uddannelse_dkk": Term(
            "Uddannelse af konsulenter (kr.)",
            "Bevillingens forbrug til uddannelse af IPS-konsulenter (ikke borgernes uddannelse).", short="Uddannelse", kind=MONEY),
        "supervision_dkk": Term("Supervision (kr.)", "Bevillingens forbrug til supervision af IPS-konsulenterne.", short="Supervision", kind=MONEY),
        "administration_dkk": Term("Administration (kr.)", "Bevillingens forbrug til administration af indsatsen.", short="Administration", kind=MONEY),
        "andet_dkk": Term("Andet (kr.)", "Bevillingens øvrige forbrug.", short="Andet", kind=MONEY),
    }
)

CENTRAL_SPENDING = (
    "Centralt forbrug er bevillingens penge brugt uden for kommunernes budgetter, fx til koordinering og fælles "
    "uddannelse. Budgettet er bevillingens beløb minus kommunernes budgetter."
)

# --- Om tallene: every term, grouped as the page shows them ---------------------------------------
TERM_GROUPS: dict[str, tuple[str, ...]] = {
    "Forløb": (
        "referrals", "enrollments", "exits", "waiting", "active", "active_in_period",
        "waiting_days_median", "waiting_days_p90", "exits_by_reason", "exit_reason", "exit_share",
        "exits_afsluttet", "exits_frafald", "exits_flyttet", "exits_andet", "waiting_before", "waiting_change",
    ),
    "Job og uddannelse": (
        "placed", "placed_job", "placed_education", "placement_rate", "placement_rate_low", "placement_rate_high",
        "job_rate", "education_rate", "job_starts", "days_to_first_placement_median", "job_hours",
        "quarterly_placement_rate", "funnel_limits", "placement_rate_before", "placement_rate_change",
    ),
    "Økonomi": (
        "budget_dkk", "spent_dkk", "use", "monthly_burn_dkk", "projected_depletion", "remaining_dkk", "day", "series",
        "outlook",
        "courses", "placed_funded", "cost_per_course_dkk", "cost_per_placement_dkk", "spent_in_period_dkk",
        "spent_in_month_dkk", "spending_share", "løn_dkk", "uddannelse_dkk", "supervision_dkk",
        "administration_dkk", "andet_dkk", "grant_start", "grant_end",
    ),
    "Kvalitet": (
        "caseload", "consultants_fte", "consultants_trained", "consultants_in_training",
        "municipalities_without_staffing", "fidelity", "fidelity_level", "review_date", "previous_review_date",
        "previous_fidelity", "fidelity_change",
    ),
    "Data og leverancer": (
        "extract_date", "newest_data", "days_behind", "delivery_status", "newest_course_date", "newest_posting",
        "ips_start", "courses_in_extract", "last_delivery", "contract_check",
    ),
}  # fmt: skip
OTHER_TERMS = "Øvrige begreber i tabellerne"


def grouped_terms() -> dict[str, list[str]]:
    """Every key of TERMS under a group heading; a term no group names lands in OTHER_TERMS, so none is left out."""
    groups = {title: [k for k in keys if k in TERMS] for title, keys in TERM_GROUPS.items()}
    named = {k for keys in groups.values() for k in keys}
    rest = [k for k in TERMS if k not in named]
    if rest:
        groups[OTHER_TERMS] = rest
    return groups
NO_REVIEWS_CHOSEN = "Der er endnu ingen fidelitetsmålinger for de valgte kommuner."


# --- Leverancer (ipsdash/delivery/status.py, pages/leverancer.py) ------------------------------------------
TERMS.update(
    {
        "newest_data": Term(
            "Nyeste data",
            "Den seneste dato i kommunens data: en henvisning, opstart eller afslutning af et forløb, eller en "
            "postering af forbrug.",
            kind=DATE,
        ),
        "days_behind": Term("Dage siden", "Dage fra kommunens nyeste data til udtrækkets dato.", kind=NUMBER),
        "delivery_status": Term(
            "Leveringsstatus",
            "Forsinket: IPS er startet for mindst 45 dage siden, men kommunen har ingen data fra de seneste 45 dage "
            "før udtrækkets dato. Ikke startet: kommunen har ingen IPS-start endnu. Ellers aktuel.",
        ),
        "newest_course_date": Term(
            "Nyeste forløb", "Den seneste henvisning, opstart eller afslutning blandt kommunens forløb.",
            kind=DATE,
        ),
        "newest_posting": Term("Nyeste postering", "Den seneste postering af forbrug på kommunen.", kind=DATE),
        "ips_start": Term("IPS-start", "Første dag med IPS i kommunen; tom, når IPS er planlagt, men ikke startet.", kind=DATE),
        "courses_in_extract": Term("Forløb i alt", "Alle kommunens forløb i udtrækket, uanset dato.", kind=COUNT),
        "extract_date": Term(
            "Udtrækkets dato",
            "Den seneste forløbsdato eller postering i hele udtrækket, dog højst dags dato. Dashboardets »i dag«.",
            kind=DATE,
        ),
        "last_delivery": Term(
            "Seneste leverance",
            "Hvornår data sidst blev lagt ind (eller rullet tilbage til versionen før).",
        ),
        "contract_check": Term(
            "Kontrol af data i brug",
            "Resultatet af kontrollen af data mod datakontrakten, på det udtræk, dashboardet viser nu.",
        ),
        "delivery_time": Term("Tidspunkt", "Hvornår leverancen blev lagt ind."),
        "delivery_action": Term("Handling", "Leverance eller tilbagerulning til den forrige version."),
        "delivery_file": Term("Fil", "Navnet på den leverede fil."),
        "delivery_table": Term("Tabel", "Tabellen i datakontrakten, filen blev lagt ind som."),
        "delivery_rows": Term("Rækker", "Rækker i den leverede fil; for forløb og job tal under 5 vist som <5.", kind=NUMBER),
        "delivery_check": Term("Kontrol", "Om hele udtrækket med leverancen overholdt datakontrakten."),
        "delivery_user": Term("Leveret af", "Brugeren, der lagde leverancen ind."),
        "delivery_version": Term("Version", "Navnet på udtrækkets version efter leverancen."),
        "delivery_sha256": Term("SHA-256", "Kontrolsum af den leverede fil, så den kan genkendes."),
    }
)
DELIVERIES_INTRO = (
    "Hvor nye kommunernes data er, og hvad der er leveret hvornår. Periodevalget gælder ikke her; valget af "
    "kommuner gør."
)
LATE_NOTICE = "Forsinket: {names}. Ingen forløbsdato eller postering fra {cutoff} eller senere."
NO_DELIVERIES = (
    "Der er endnu ikke lagt data ind i denne datamappe med `python -m ipsdash deliver`, så der er ingen "
    "leverancelog. Data i brug er lagt direkte i mappen."
)
CHECK_PASSED = "Udtrækket i brug overholder datakontrakten."
CHECK_FAILED = (
    "Udtrækket i brug overholder ikke datakontrakten ({n} fejl). Det er ikke lagt ind med deliver, som ville have "
    "afvist det; ret data og lever igen."
)
STRAY_TABLES = (
    "{tables} ligger direkte i datamappen og bruges ikke: data i brug skifter kun med `python -m ipsdash deliver`."
)
HOW_TO_DELIVER = """\
En leverance er en eller flere tabelfiler. Filnavnet siger tabellen: `participants.csv` er hele tabellen,
`participants__630.csv` er kommune 630's del af den. CSV som Excel gemmer den (semikolon, decimalkomma,
UTF-8 eller Windows-1252), Excel-projektmappe (.xlsx) eller Parquet.

```
python -m ipsdash deliver participants__630.csv placements__630.csv
python -m ipsdash deliver --dry-run participants__630.csv   # kontrollér kun
python -m ipsdash rollback                                  # tilbage til versionen før
```

Hele udtrækket med leverancen kontrolleres mod datakontrakten, før det tages i brug. Afvises det, er intet
ændret, og fejlene nævner fil, kolonne, regel og rækkenumre (som Excel viser dem).
"""
NOTHING_TO_DRAW = "Ingen tal at tegne: i perioden er alle tal 0 eller skjult for at beskytte borgerne (små tal)."
# What each mark of a figure not shown means (ipsdash.fmt defines the marks), under every table.
MARKS = (
    "<{t}: fra 1 til {t_minus} personer · skjult: skjult for at beskytte et andet tal, eller en andel eller "
    "median over for få forløb · –: kan ikke beregnes (fx ingen forløb) · ikke startet: kommunen er ikke "
    "startet med IPS."
)


# --- Om tallene (pages/om.py) -------------------------------------------------------------------
ABOUT_INTRO = (
    "Her står, hvad hvert tal på dashboardet betyder, hvor nye data er, og hvad udtrækket indeholder. "
    "Definitionerne følger datakontrakten, så samme spørgsmål altid giver samme tal – på siderne, i "
    "downloads og i rapporterne."
)
TABLES = {
    "municipalities": "Kommuner, der har IPS eller planlægger det",
    "grants": "Bevillinger fra bevillingsgivere",
    "grant_budgets": "Kommunernes andele af bevillingerne",
    "participants": "Forløb: én persons forløb fra henvisning til afslutning",
    "placements": "Starter i ordinært job eller ordinær uddannelse",
    "expenditures": "Posteringer af forbrug fra bevillingerne",
    "staffing": "IPS-konsulenter pr. kommune og måned",
    "fidelity_reviews": "Fidelitetsmålinger (IPS-25) pr. kommune",
    "events": "Hændelser, der forklarer et tal: en konsulent ansat eller stoppet, IPS startet, en fidelitetsmåling",
}
DELIVERED = {
    "delivered": "Har leveret data",
    "no_data": "IPS er startet, men der er ingen data endnu",
    "starting": "IPS starter efter udtrækkets dato",
    "planned": "IPS er planlagt, uden startdato",
}
MONEY_NOT_HIDDEN = (
    "Beløb i kroner er ikke tal for personer og skjules ikke. Et tal, der er skjult for at beskytte et andet tal "
    "(så et skjult tal ikke kan regnes ud som totalen minus de viste dele), vises som »skjult«; et tal, der ikke "
    "kan beregnes, som –; og en kommune, der endnu ikke er startet med IPS, som »ikke startet«."
)

# --- Login and access (issue 6; ipsdash/access.py, ui.admit) ---------------------------------
APP_TITLE = "IPS i Region Syddanmark"
LOGIN_PROMPT = (
    "Dashboardet viser tal om borgere i IPS-forløb og er kun for navngivne brugere. "
    "Log ind med din arbejdskonto; du ser de kommuner og bevillinger, du har adgang til."
)
LOGIN_BUTTON = "Log ind"
LOGOUT_BUTTON = "Log ud"
LOGGED_IN_AS = "Logget ind som {user}"
NO_ACCESS = "Du har ikke adgang til dashboardet. Din bruger er ikke tildelt en rolle (region, kommune eller fond)."
NO_ACCESS_CONTACT = "Kontakt {contact} for at få adgang."
LOGIN_NOT_CONFIGURED = """\
Dashboardet er sat til rigtige data, men login er ikke sat op, så det viser ingenting.

Sæt login op (se README, afsnittet "Login"): kopiér `.streamlit/secrets.example.toml` til
`.streamlit/secrets.toml` og udfyld `[auth]` med jeres OpenID Connect-udbyder (fx Microsoft Entra ID),
og kopiér `roles.example.toml` til `roles.toml` (eller sæt `IPS_ROLES_FILE`) med hvem der ser hvad.

Uden login vises kun demodata. Vil I bevidst køre uden login, så sæt `IPS_ALLOW_ANONYMOUS=1`;
så siger hver side det.
"""
LOGIN_SETUP_REFUSED = (
    "Login er sat op med en hemmelighed, som ikke er hemmelig, så dashboardet starter ikke: med den kan enhver "
    "skrive sin egen login-cookie og se alle kommuners tal."
)
LOGIN_SETUP_FIX = (
    "Ret `.streamlit/secrets.toml` (se README, afsnittet \"Login\"): lav en ny `cookie_secret` med `{how}`, "
    "og sæt `client_secret` til værdien fra jeres login-udbyder. Genstart derefter dashboardet."
)
ANONYMOUS_NOTICE = (
    "Kører uden login (IPS_ALLOW_ANONYMOUS=1): alle, der kan nå adressen, ser alle kommuner og bevillinger. "
    "Sæt login op, før dashboardet bruges med rigtige data."
)
