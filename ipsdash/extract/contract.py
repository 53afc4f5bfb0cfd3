"""The extract contract (../shared/data-contract.md, version 1) as data.

One place names the tables, their columns, types, nullability and allowed values.
The view layer (`ipsdash.extract.data`) uses it to cast columns and to make empty views for
optional tables that were not delivered; the delivery checks (`ipsdash.delivery.check`) use it
to test an extract column by column.
"""

from __future__ import annotations

from dataclasses import dataclass, field

CONTRACT_VERSION = 1

# Logical kinds of column, each with the DuckDB type a view casts it to.
SQL_TYPE = {
    "int": "INTEGER",
    "text": "VARCHAR",
    "date": "DATE",
    "money": "DOUBLE",  # DECIMAL(14,2) or DOUBLE in the file; DOUBLE in the views
    "double": "DOUBLE",
}


@dataclass(frozen=True)
class Column:
    name: str
    kind: str  # a key of SQL_TYPE
    nullable: bool = False
    allowed: tuple[str, ...] = ()


@dataclass(frozen=True)
class Table:
    name: str
    required: bool
    columns: tuple[Column, ...]
    key: tuple[str, ...] = ()  # columns that are unique together
    id_column: str | None = None  # names a row in messages beside its row number
    person_level: bool = False  # health data: only the id may be quoted
    columns_by_name: dict[str, Column] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "columns_by_name", {c.name: c for c in self.columns})


TARGET_GROUPS = ("psykiatri", "misbrug")
VARIANTS = ("IPS", "IPS+")
EXIT_REASONS = ("afsluttet", "frafald", "flyttet", "andet")
AGE_BANDS = ("18-29", "30-39", "40-49", "50+")
SEXES = ("K", "M")
PLACEMENT_KINDS = ("job", "uddannelse")
EXPENDITURE_CATEGORIES = ("løn", "uddannelse", "supervision", "administration", "andet")

TABLES: dict[str, Table] = {
    t.name: t
    for t in (
        Table(
            "municipalities",
            required=True,
            columns=(
                Column("municipality_code", "int"),
                Column("name", "text"),
                Column("region", "text"),
                Column("ips_start", "date", nullable=True),
            ),
            key=("municipality_code",),
            id_column="municipality_code",
        ),
        Table(
            "grants",
            required=True,
            columns=(
                Column("grant_id", "text"),
                Column("funder", "text"),
                Column("title", "text"),
                Column("amount_dkk", "money"),
                Column("start_date", "date"),
                Column("end_date", "date"),
            ),
            key=("grant_id",),
            id_column="grant_id",
        ),
        Table(
            "grant_budgets",
            required=True,
            columns=(
                Column("grant_id", "text"),
                Column("municipality_code", "int"),
                Column("budget_dkk", "money"),
            ),
            key=("grant_id", "municipality_code"),
            id_column="grant_id",
        ),
        Table(
            "participants",
            required=True,
            columns=(
                Column("participant_id", "text"),
                Column("municipality_code", "int"),
                Column("grant_id", "text", nullable=True),
                Column("target_group", "text", allowed=TARGET_GROUPS),
                Column("variant", "text", allowed=VARIANTS),
                Column("referral_date", "date"),
                Column("enrollment_date", "date", nullable=True),
                Column("exit_date", "date", nullable=True),
                Column("exit_reason", "text", nullable=True, allowed=EXIT_REASONS),
                Column("age_band", "text", nullable=True, allowed=AGE_BANDS),
                Column("sex", "text", nullable=True, allowed=SEXES),
            ),
            key=("participant_id",),
            id_column="participant_id",
            person_level=True,
        ),
        Table(
            "placements",
            required=True,
            columns=(
                Column("participant_id", "text"),
                Column("kind", "text", allowed=PLACEMENT_KINDS),
                Column("start_date", "date"),
                Column("end_date", "date", nullable=True),
                Column("hours_per_week", "double", nullable=True),
            ),
            id_column="participant_id",
            person_level=True,
        ),
        Table(
            "expenditures",
            required=True,
            columns=(
                Column("grant_id", "text"),
                Column("municipality_code", "int", nullable=True),
                Column("posting_date", "date"),
                Column("category", "text", allowed=EXPENDITURE_CATEGORIES),
                Column("amount_dkk", "money"),
            ),
            id_column="grant_id",
        ),
        Table(
            "staffing",
            required=False,
            columns=(
                Column("municipality_code", "int"),
                Column("month", "date"),
                Column("consultants_fte", "double"),
                Column("consultants_trained", "int"),
                Column("consultants_in_training", "int"),
            ),
            key=("municipality_code", "month"),
            id_column="municipality_code",
        ),
        Table(
            "fidelity_reviews",
            required=False,
            columns=(
                Column("municipality_code", "int"),
                Column("review_date", "date"),
                Column("total_score", "int"),
            ),
            id_column="municipality_code",
        ),
        Table(
            "events",
            required=False,
            columns=(
                Column("event_date", "date"),
                Column("municipality_code", "int", nullable=True),  # null: the whole region
                Column("grant_id", "text", nullable=True),  # null: not tied to a grant
                Column("text", "text"),
            ),
        ),
    )
}

# An event's text is at most this long: a mark's hover and one line of a list under a chart.
EVENT_TEXT_MAX = 200

# Fidelity levels of an IPS-25 total score: (lowest score, label), best first.
FIDELITY_LEVELS = ((115, "eksemplarisk"), (100, "god"), (74, "rimelig"), (25, "ikke IPS"))

# IPS fidelity asks for at most this many active courses per consultant FTE.
CASELOAD_LIMIT = 20
