"""Danish words of the dashboard, in one place: names and definitions of every figure.

Definitions restate data-contract.md in plain Danish; a test checks that every figure a page,
export or report shows has one here.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Term:
    label: str  # short name on a card, axis or column
    definition: str  # one or two plain sentences


TERMS: dict[str, Term] = {
    "referrals": Term(
        "Henvisninger",
        "Forløb med henvisningsdato i perioden. En henvist person kommer på ventelisten.",
    ),
    "enrollments": Term(
        "Opstartede forløb",
        "Forløb, hvor borgeren er visiteret og startet hos en IPS-konsulent i perioden.",
    ),
    "exits": Term(
        "Afsluttede forløb",
        "Forløb med afslutningsdato i perioden, både fra ventelisten og efter opstart.",
    ),
    "waiting": Term(
        "Venteliste",
        "Forløb, der er henvist, men hverken startet eller afsluttet ved periodens sidste dag.",
    ),
    "active": Term(
        "Aktive forløb",
        "Forløb, der er startet og ikke afsluttet ved periodens sidste dag.",
    ),
    "active_in_period": Term(
        "Aktive i perioden",
        "Forløb, der var startet og ikke afsluttet på mindst én dag i perioden. Nævneren i andelen i job eller uddannelse.",
    ),
    "placed": Term(
        "I job eller uddannelse",
        "Aktive forløb i perioden med et ordinært job eller en ordinær uddannelse, der tæller og ligger i perioden. "
        "Et job eller en uddannelse tæller, når det begynder mellem forløbets opstart og afslutning; "
        "job før opstart eller efter afslutning er ikke programmets resultat.",
    ),
    "placement_rate": Term(
        "Andel i job eller uddannelse",
        "Andelen af de aktive forløb i perioden, som har været i ordinært job eller uddannelse i perioden. "
        "Et forløb med både job og uddannelse tælles én gang. Vist med 95 %-konfidensinterval (Wilson). "
        "Over hele programmets levetid er det den kumulerede andel, kommunerne offentliggør.",
    ),
    "placement_rate_low": Term("Nedre grænse (95 %)", "Nedre grænse af andelens 95 %-konfidensinterval (Wilson)."),
    "placement_rate_high": Term("Øvre grænse (95 %)", "Øvre grænse af andelens 95 %-konfidensinterval (Wilson)."),
    "placed_job": Term("I job", "Aktive forløb i perioden med et ordinært job, der tæller og ligger i perioden."),
    "placed_education": Term(
        "I uddannelse", "Aktive forløb i perioden med en ordinær uddannelse, der tæller og ligger i perioden."
    ),
    "job_rate": Term("Andel i job", "Som andelen i job eller uddannelse, men kun ordinære job."),
    "education_rate": Term("Andel i uddannelse", "Som andelen i job eller uddannelse, men kun ordinær uddannelse."),
    "job_starts": Term(
        "Første job- eller uddannelsesstarter",
        "Forløb, hvis første job eller uddannelse, der tæller, begynder i perioden.",
    ),
    "waiting_days_median": Term(
        "Ventetid, median (dage)",
        "Dage fra henvisning til opstart for forløb opstartet i perioden; medianen.",
    ),
    "waiting_days_p90": Term(
        "Ventetid, 90 %-fraktil (dage)",
        "Dage fra henvisning til opstart for forløb opstartet i perioden; 9 ud af 10 ventede højst så længe.",
    ),
    "days_to_first_placement_median": Term(
        "Dage til første job, median",
        "Dage fra opstart til første job eller uddannelse, der tæller, for periodens første starter; medianen.",
    ),
    "budget_dkk": Term(
        "Budget (kr.)",
        "En kommunes del af bevillingen; for hele bevillingen dens beløb. Den centrale del er beløbet minus kommunernes budgetter.",
    ),
    "spent_dkk": Term("Forbrugt (kr.)", "Summen af posteringer til og med dagen. Negative posteringer er rettelser."),
    "use": Term("Forbrugsgrad", "Forbrugt til og med dagen divideret med budgettet."),
    "monthly_burn_dkk": Term("Månedligt forbrug (kr.)", "Forbruget i de seneste 90 dage divideret med 3."),
    "projected_depletion": Term(
        "Forventet opbrugt",
        "Dagen hvor budgettet er brugt, hvis forbruget fortsætter som i de seneste 90 dage. "
        "Tom, når der intet er brugt i de 90 dage, eller intet er tilbage.",
    ),
    "courses": Term("Finansierede forløb", "Forløb finansieret af bevillingen og opstartet senest på dagen."),
    "cost_per_course_dkk": Term("Pris pr. forløb (kr.)", "Forbrugt divideret med finansierede forløb."),
    "cost_per_placement_dkk": Term(
        "Pris pr. job/uddannelse (kr.)",
        "Forbrugt divideret med de finansierede forløb, der har haft job eller uddannelse, som tæller, senest på dagen.",
    ),
    "caseload": Term(
        "Forløb pr. konsulent",
        "Aktive forløb ved månedens sidste dag divideret med månedens IPS-konsulenter i årsværk. IPS-modellen siger højst 20.",
    ),
    "fidelity": Term(
        "Fidelitetsscore",
        "Samlet score på IPS-25-skalaen (25–125): 115–125 eksemplarisk, 100–114 god, 74–99 rimelig, 25–73 ikke IPS.",
    ),
}

SMALL_NUMBERS = (
    "Tal for personer fra 1 til {t_minus} vises som <{t}, og en andel skjules, når dens tæller, nævner eller "
    "forskellen mellem dem er fra 1 til {t_minus}; det beskytter borgerne, fordi tallene er helbredsoplysninger."
)

DEMO_NOTICE = "Demodata: tallene er syntetiske og viser ikke virkelige borgere eller kommuners resultater."

TARGET_GROUPS = {"psykiatri": "Psykisk lidelse", "misbrug": "Misbrug"}
VARIANTS = {"IPS": "IPS", "IPS+": "IPS+ (med kognitiv og social træning)"}
EXIT_REASONS = {"afsluttet": "Afsluttet som planlagt", "frafald": "Frafald", "flyttet": "Flyttet", "andet": "Andet"}
SEXES = {"K": "Kvinder", "M": "Mænd"}


def label(key: str) -> str:
    return TERMS[key].label


def definition(key: str) -> str:
    return TERMS[key].definition
