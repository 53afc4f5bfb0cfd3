"""What the Leverancer page shows: who is late, the delivery log, and whether the data in use holds.

A data coordinator's questions (which municipality has not delivered, what came in when and from
whom, does the extract in use hold the contract) are answered from the extract and the delivery
log here, as tables and sentences the page only lays out, so that the page stays thin and the
small-number rule is applied to the log's row counts in one place.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from pathlib import Path

import pandas as pd

from ipsdash import fmt, texts
from ipsdash.delivery import check
from ipsdash.delivery.read import DANISH_TIME
from ipsdash.delivery.versions import State, log_entries
from ipsdash.extract import contract, data, prepared
from ipsdash.extract.contract import TABLES
from ipsdash.figures import catalog, privacy

# A municipality whose IPS has started is late when none of its course dates or postings is
# newer than this many days before the extract's date (catalog.span).
LATE_AFTER_DAYS = 45


HISTORY_COLUMNS = [
    "delivery_time", "delivery_action", "delivery_file", "delivery_table", "delivery_rows", "delivery_check",
    "delivery_user", "delivery_version", "delivery_sha256",
]  # fmt: skip


def history(data_dir: str | os.PathLike | None = None, *, min_count: int) -> pd.DataFrame:
    """The delivery log as a table: one row per delivered file (and per rollback), newest first.

    Rows of a person-level table (participants, placements) are person counts. They get the
    primary rule only (`privacy.hide_small`): the log has no record keys to give them a cell key,
    and the page (Leverancer) is for the regional data coordinators, who delivered the files and
    know their rows; they are no figure for a steering group, and no figure elsewhere counts the
    rows of one file, so no answer less another lands on them. The log holds no other person data.
    """
    rows = []
    for entry in log_entries(data_dir):
        try:
            when = pd.Timestamp(entry.get("time"))
        except (TypeError, ValueError):
            when = pd.NaT
        base = {
            "delivery_time": when,
            "delivery_action": "Tilbagerulning" if entry.get("action") == "rollback" else "Leverance",
            "delivery_check": "Bestået" if (entry.get("check") or {}).get("passed") else "Afvist",
            "delivery_user": str(entry.get("user", "")),
            "delivery_version": str(entry.get("version", "")),
        }
        for f in entry.get("files") or [{}]:
            rows.append({
                **base,
                "delivery_file": str(f.get("file", "")),
                "delivery_table": str(f.get("table", "")),
                "delivery_rows": f.get("rows"),
                "delivery_sha256": str(f.get("sha256", "")),
            })  # fmt: skip
    df = pd.DataFrame(rows, columns=HISTORY_COLUMNS)
    people = df["delivery_table"].map(lambda t: t in TABLES and TABLES[t].person_level).astype(bool)
    df["delivery_rows"] = df["delivery_rows"].astype(object)
    if people.any():
        df.loc[people, "delivery_rows"] = privacy.hide_small(df.loc[people, "delivery_rows"], min_count)
    return df


def history_view(log: pd.DataFrame) -> pd.DataFrame:
    """The delivery log as the page shows it: Danish dates and numbers under Danish headers."""
    out = pd.DataFrame(
        {
            "Tidspunkt": [_when(t) for t in log["delivery_time"]],
            "Handling": log["delivery_action"],
            "Fil": log["delivery_file"],
            "Tabel": log["delivery_table"],
            "Rækker": [fmt.number(v) if v is not None and v != "" else "" for v in log["delivery_rows"]],
            "Kontrol": log["delivery_check"],
            "Leveret af": log["delivery_user"],
            "Version": log["delivery_version"],
        }
    )
    return out.reset_index(drop=True)


def _local(stamp) -> pd.Timestamp:
    stamp = pd.Timestamp(stamp)
    return stamp.tz_convert(DANISH_TIME) if stamp.tzinfo is not None else stamp


def _when(stamp) -> str:
    if stamp is None or pd.isna(stamp):
        return fmt.MISSING
    stamp = _local(stamp)
    return f"{fmt.date_short(stamp.date())} kl. {stamp:%H.%M}"


def freshness(extract: data.Extract, municipalities: tuple[int, ...] = (), *, min_count: int):
    """Each municipality's newest data and whether it is late, against the extract's date.

    One row per municipality (those in `municipalities`, or all): its newest course date and
    posting, the newer of the two (`newest_data`), the days from that to the extract's date
    (`days_behind`), its IPS start, its courses (small-number rule), and `delivery_status`:
    "Ikke startet" (no IPS start, or one after the extract's date), "Forsinket" (IPS started on
    or before the cut-off, `LATE_AFTER_DAYS` days before the extract's date, and no course date
    or posting on or after the cut-off) or "Aktuel". Late ones first, then by name.
    """
    dates = catalog.extract_dates(extract, min_count=min_count)
    _, as_of = catalog.span(extract)
    day = pd.Timestamp(as_of)
    cutoff = day - pd.Timedelta(days=LATE_AFTER_DAYS)
    out = dates.copy()
    if municipalities:
        out = out[out["municipality_code"].isin(municipalities)]
    for col in ("ips_start", "newest_course_date", "newest_posting"):
        out[col] = pd.to_datetime(out[col])
    out["newest_data"] = out[["newest_course_date", "newest_posting"]].max(axis=1)
    started = out["ips_start"].notna() & (out["ips_start"] <= day)
    late = started & (out["ips_start"] <= cutoff) & (out["newest_data"].isna() | (out["newest_data"] < cutoff))
    out["delivery_status"] = "Aktuel"
    out.loc[late, "delivery_status"] = "Forsinket"
    out.loc[~started, "delivery_status"] = "Ikke startet"
    out["days_behind"] = (day - out["newest_data"]).dt.days.astype("Int64")
    out["courses_in_extract"] = out["courses"]
    order = out["delivery_status"].map({"Forsinket": 0, "Aktuel": 1, "Ikke startet": 2})
    out = out.assign(_order=order).sort_values(["_order", "municipality"]).drop(columns="_order")
    columns = ["municipality_code", "municipality", "delivery_status", "newest_data", "days_behind",
               "newest_course_date", "newest_posting", "ips_start", "courses_in_extract"]  # fmt: skip
    return out[columns].reset_index(drop=True)


def freshness_view(fresh: pd.DataFrame) -> pd.DataFrame:
    """`freshness` as the page shows it: Danish dates and numbers under Danish headers."""

    def dates(col: str) -> list[str]:
        return [fmt.MISSING if pd.isna(v) else fmt.date_short(pd.Timestamp(v).date()) for v in fresh[col]]

    return pd.DataFrame(
        {
            "Kommune": fresh["municipality"],
            texts.label("delivery_status"): fresh["delivery_status"],
            texts.label("newest_data"): dates("newest_data"),
            texts.label("days_behind"): [fmt.MISSING if pd.isna(v) else fmt.number(v) for v in fresh["days_behind"]],
            texts.label("newest_course_date"): dates("newest_course_date"),
            texts.label("newest_posting"): dates("newest_posting"),
            texts.label("ips_start"): dates("ips_start"),
            texts.label("courses_in_extract"): [fmt.number(v) for v in fresh["courses_in_extract"]],
        }
    ).reset_index(drop=True)


def late_municipalities(fresh: pd.DataFrame) -> list[str]:
    return list(fresh.loc[fresh["delivery_status"] == "Forsinket", "municipality"])


def late_notice(fresh: pd.DataFrame, as_of: dt.date) -> str | None:
    """The late municipalities in one sentence, or None when none is late."""
    late = late_municipalities(fresh)
    if not late:
        return None
    cutoff = as_of - dt.timedelta(days=LATE_AFTER_DAYS)
    return texts.LATE_NOTICE.format(names=", ".join(late), cutoff=fmt.date_long(cutoff))


def last_delivery_day(log: pd.DataFrame) -> str:
    """The day of the newest delivery or rollback, as a card shows it; "Ingen" without a log."""
    if log.empty or pd.isna(log["delivery_time"].iloc[0]):
        return "Ingen"
    return fmt.date_short(_local(log["delivery_time"].iloc[0]).date())


def status_line(where: State, log: pd.DataFrame, as_of: dt.date) -> str:
    """One line under the cards: the extract's date, the version in use, and who delivered last."""
    parts = [f"{texts.label('extract_date')}: {fmt.date_long(as_of)}"]
    if where.current:
        parts.append(f"version i brug: {where.current}")
        parts.append("den forrige er gemt og kan rulles tilbage" if where.previous else "ingen forrige version")
    if not log.empty:
        first = log.iloc[0]
        parts.append(f"seneste {first['delivery_action'].lower()} {_when(first['delivery_time'])} "
                     f"af {first['delivery_user']}")  # fmt: skip
    return " · ".join(parts)


def check_text(problems: pd.DataFrame) -> str:
    return "Bestået" if problems.empty else f"{fmt.number(len(problems))} fejl"


def check_current(extract: data.Extract) -> pd.DataFrame:
    """The contract check of the extract in use: one row per problem (none when it holds).

    File names are shown relative to the extract, as a data coordinator knows them. A prepared
    extract keeps the result beside its prepared copies (`prepared.kept_beside`): checking a
    million courses takes a second, and the files of a version never change.
    """
    prefix = extract.location.rstrip("/") + "/"

    def run() -> list[dict]:
        return [
            {"table": p.table, "rule": p.rule, "count": p.count, "text": p.text().replace(prefix, "")}
            for p in check.check_extract(extract.location)
        ]

    # The rules are part of the name: a new version of the checks checks again.
    rules = hashlib.sha256(b"".join(Path(m.__file__).read_bytes() for m in (check, contract))).hexdigest()[:12]
    rows = prepared.kept_beside(extract.location, extract.prepared_version, f"check-{rules}", run)
    return pd.DataFrame(rows, columns=["table", "rule", "count", "text"])
