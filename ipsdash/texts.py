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
    # The funder's report (ipsdash/report.py).
    "spent_in_period_dkk": Term(
        "Forbrugt i perioden (kr.)",
        "Summen af bevillingens posteringer i perioden, begge dage medregnet. Negative posteringer er rettelser.",
    ),
    "spent_in_month_dkk": Term(
        "Forbrugt i måneden (kr.)",
        "Summen af bevillingens posteringer i kalendermåneden, til og med periodens sidste dag.",
    ),
    "spending_share": Term(
        "Andel af forbruget",
        "En kategoris forbrug til og med periodens sidste dag divideret med bevillingens samlede forbrug til samme dag.",
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
# Expenditure categories of the contract, in its order (report and funding tables).
SPENDING_CATEGORIES = {
    "løn": "Løn til IPS-konsulenter",
    "uddannelse": "Uddannelse af konsulenter",
    "supervision": "Supervision",
    "administration": "Administration",
    "andet": "Andet",
}


def label(key: str) -> str:
    return TERMS[key].label


def definition(key: str) -> str:
    return TERMS[key].definition


# --- Indskrivning og venteliste; Kvalitet (figures of ipsdash/intake.py) ---------------------------
TERMS.update(
    {
        "exits_by_reason": Term(
            "Afslutninger efter årsag",
            "Forløb afsluttet i perioden, fordelt på den årsag, kommunen har registreret: afsluttet som planlagt, "
            "frafald, flyttet eller andet. Både afslutninger fra ventelisten og efter opstart tæller.",
        ),
        "exits_afsluttet": Term("Afsluttet som planlagt", "Forløb afsluttet i perioden, fordi støtten sluttede som planlagt."),
        "exits_frafald": Term("Frafald", "Forløb afsluttet i perioden, fordi borgeren faldt fra."),
        "exits_flyttet": Term("Flyttet", "Forløb afsluttet i perioden, fordi borgeren flyttede fra kommunen."),
        "exits_andet": Term("Andet", "Forløb afsluttet i perioden af en anden årsag."),
        "consultants_fte": Term(
            "IPS-konsulenter (årsværk)",
            "Kommunens IPS-konsulenter i måneden, opgjort i årsværk (fuldtidsstillinger). For flere kommuner summen.",
        ),
        "consultants_trained": Term(
            "Uddannede konsulenter",
            "IPS-konsulenter, der har gennemført IPS-uddannelsen, i måneden (antal personer). For flere kommuner summen.",
        ),
        "consultants_in_training": Term(
            "Konsulenter under uddannelse",
            "IPS-konsulenter, der er i gang med IPS-uddannelsen, i måneden (antal personer). For flere kommuner summen.",
        ),
        "municipalities_without_staffing": Term(
            "Kommuner uden bemandingstal",
            "Kommuner med aktive forløb, som ikke har indberettet bemanding for måneden. "
            "Deres forløb og konsulenter indgår ikke i forløb pr. konsulent.",
        ),
        "fidelity_level": Term(
            "Fidelitetsniveau",
            "Niveauet for den samlede fidelitetsscore: 115–125 eksemplarisk, 100–114 god, 74–99 rimelig, 25–73 ikke IPS.",
        ),
        "review_date": Term("Måling", "Dagen for fidelitetsmålingen."),
        "previous_review_date": Term("Forrige måling", "Dagen for kommunens fidelitetsmåling før den seneste."),
        "previous_fidelity": Term("Forrige score", "Den samlede fidelitetsscore ved målingen før den seneste."),
        "fidelity_change": Term("Ændring (point)", "Seneste fidelitetsscore minus den forrige."),
        "period_end": Term("Periode (slut)", "Periodens sidste dag; en måned skåret til den valgte periode."),
        "breakdown": Term("Opdeling", "Hvad forløbene er delt efter."),
        "group": Term("Gruppe", "Gruppen af forløb i opdelingen."),
    }
)

NOT_STATED = "Ikke oplyst"
BREAKDOWNS = {"target_group": "Målgruppe", "variant": "Variant", "age_band": "Alder", "sex": "Køn"}
WITHOUT_STAFFING = (
    "{n} kommune(r) med aktive forløb har ikke indberettet bemanding for seneste måned; "
    "deres forløb indgår ikke i forløb pr. konsulent."
)


# --- Job og uddannelse; Kommuner (figures of ipsdash/outcomes.py) ----------------------------------
TERMS.update(
    {
        "job_hours": Term(
            "Timer pr. uge i job",
            "Forløb i ordinært job i perioden (tælleren i andelen i job), fordelt på ugentlige timer i det job, "
            "der tæller og startede senest. 10–19 betyder mindst 10 og under 20 timer; 30–37 er til og med 37 "
            "timer (fuld tid); ikke oplyst er job uden registrerede timer. Hver søjle er et antal personer.",
        ),
        "quarterly_placement_rate": Term(
            "Andel i job eller uddannelse pr. kvartal",
            "Andelen i job eller uddannelse med kvartalet som periode: af de aktive forløb i kvartalet, andelen "
            "der havde ordinært job eller uddannelse i kvartalet. Det er IPS-netværkenes kvartalsvise mål.",
        ),
        "funnel_limits": Term(
            "Kontrolgrænser (tragtdiagram)",
            "Hvor langt fra regionens andel en kommune med så mange aktive forløb kan ligge alene ved tilfældighed: "
            "95 % af kommunerne ligger inden for de stiplede grænser og 99,8 % inden for de prikkede, hvis de alle "
            "i virkeligheden havde regionens andel. Grænserne er bredere for små kommuner, fordi få forløb svinger mere.",
        ),
        "status": Term("IPS-start", "Dagen kommunen startede IPS; planlagt betyder, at kommunen endnu ikke er startet."),
        "placement_rate_before": Term("Andel, forrige periode", "Andel i job eller uddannelse i forrige periode."),
        "placement_rate_change": Term(
            "Ændring i andel",
            "Andelen i perioden minus andelen i forrige periode, i procentpoint. Vises kun, når begge andele vises.",
        ),
        "waiting_before": Term("Venteliste, forrige periode", "Ventelisten ved forrige periodes sidste dag."),
        "waiting_change": Term(
            "Ændring i venteliste",
            "Ventelisten ved periodens sidste dag minus ventelisten ved forrige periodes sidste dag. "
            "Vises kun, når begge tal vises.",
        ),
    }
)

QUARTER_VS_TRIAL = (
    "Kvartalsandelen og forsøgets tal er ikke det samme mål. Kvartalsandelen tæller, hvor mange af de aktive "
    "forløb der var i job eller uddannelse **i løbet af ét kvartal**. Det danske forsøg talte, hvor mange der "
    "var i job eller uddannelse **på et tidspunkt i løbet af 18 måneder** – et længere vindue giver en højere "
    "andel. Det amerikanske IPS-netværk måler som vi pr. kvartal, men kun job. Befolkningstallene er et "
    "øjebliksbillede af alle voksne, ikke resultatet af en indsats."
)

FUNNEL_NOTE = (
    "Hver prik er en kommune: dens andel i job eller uddannelse mod antallet af aktive forløb i perioden. "
    "Den grå linje er regionens andel; tragten viser, hvor meget en kommune af den størrelse kan afvige "
    "alene ved tilfældighed. Kun en kommune uden for tragten afviger mere, end tilfældet kan forklare – "
    "inden for tragten skal kommunerne ikke rangordnes."
)
