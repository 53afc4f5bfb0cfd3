"""Tiny extracts written by code for tests: hand-made rows, typed as the contract says.

`base_tables()` is a valid extract with one municipality, one grant and no courses;
tests add the rows that matter to them and write with `write_extract`.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from ipsdash.extract.contract import TABLES

ARROW_TYPE = {
    "int": pa.int32(),
    "text": pa.string(),
    "date": pa.date32(),
    "money": pa.float64(),
    "double": pa.float64(),
}


def d(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def base_tables() -> dict[str, list[dict]]:
    return {
        "municipalities": [
            {"municipality_code": 630, "name": "Vejle", "region": "Syddanmark", "ips_start": d("2019-01-01")},
        ],
        "grants": [
            {
                "grant_id": "G1",
                "funder": "Fonden",
                "title": "Bevilling 1",
                "amount_dkk": 1_000_000.0,
                "start_date": d("2020-01-01"),
                "end_date": d("2025-12-31"),
            },
        ],
        "grant_budgets": [{"grant_id": "G1", "municipality_code": 630, "budget_dkk": 800_000.0}],
        "participants": [],
        "placements": [],
        "expenditures": [],
    }


def course(pid: str, referral: str, enrollment: str | None = None, exit: str | None = None, **extra) -> dict:
    """One participants row with sensible defaults; dates as ISO text."""
    row = {
        "participant_id": pid,
        "municipality_code": 630,
        "grant_id": "G1",
        "target_group": "psykiatri",
        "variant": "IPS",
        "referral_date": d(referral),
        "enrollment_date": d(enrollment) if enrollment else None,
        "exit_date": d(exit) if exit else None,
        "exit_reason": "afsluttet" if exit else None,
        "age_band": "30-39",
        "sex": "K",
    }
    row.update(extra)
    return row


def placement(pid: str, start: str, end: str | None = None, kind: str = "job", hours: float | None = 20.0) -> dict:
    return {
        "participant_id": pid,
        "kind": kind,
        "start_date": d(start),
        "end_date": d(end) if end else None,
        "hours_per_week": hours if kind == "job" else None,
    }


def table_arrow(table: str, rows: list[dict]) -> pa.Table:
    spec = TABLES[table]
    schema = pa.schema([(c.name, ARROW_TYPE[c.kind]) for c in spec.columns])
    return pa.Table.from_pylist(rows, schema=schema)


def write_extract(path: Path, tables: dict[str, list[dict]]) -> Path:
    """Write each table as TABLE.parquet under `path`; returns `path`."""
    path.mkdir(parents=True, exist_ok=True)
    for name, rows in tables.items():
        pq.write_table(table_arrow(name, rows), path / f"{name}.parquet")
    return path
