"""The command line: python -m ipsdash COMMAND ...

Output for other tools is JSON (an array of objects), CSV or a plain table; the key names are
part of the interface. Every user mistake ends in a message naming what is wrong and an exit
code (1: the data, 2: the call), never a traceback.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import sys
import time
from pathlib import Path

import duckdb
import pandas as pd

from ipsdash import fmt, texts
from ipsdash.extract import data, record_keys, source
from ipsdash.figures import catalog, funding, grants, kpis, privacy


class UserError(Exception):
    """A mistake in the call or the data, told to the user as it is; exit code 1."""


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"ugyldig dato {text!r}; skriv den som ÅÅÅÅ-MM-DD, fx 2024-03-31") from None


def _count(text: str) -> int:
    if not text.isdigit():
        raise argparse.ArgumentTypeError(f"{text!r} er ikke et helt tal ≥ 0")
    return int(text)


def _code(text: str) -> int:
    if not (text.isdigit() and len(text) == 3):
        raise argparse.ArgumentTypeError(f"{text!r} er ikke en kommunekode med 3 cifre, fx 630")
    return int(text)


def _json_value(value):
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, pd.Timestamp | dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if hasattr(value, "item"):  # numpy scalars
        return _json_value(value.item())
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value)  # codes and counts (a column with a gap arrives as floats): 410, not 410.0
    return value


def records(df: pd.DataFrame) -> list[dict]:
    """Rows as JSON-ready dicts: NaN and NA become None, dates ISO text, whole numbers whole,
    money (texts.MONEY) to the øre."""
    money = texts.of_kind(texts.MONEY, df.columns)

    def value(key, v):
        v = _json_value(v)
        return _json_value(round(v, 2)) if key in money and isinstance(v, float) else v

    return [{k: value(k, v) for k, v in row.items()} for row in df.to_dict(orient="records")]


def _readable(key: str, value) -> str:
    """A value as a person reads it in `--format table`: rates in per cent, money in kroner with
    thousands separators, codes as they are."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    kind = texts.kind(key)
    if kind == texts.RATE:
        return fmt.percent(value, 1)
    if kind == texts.MONEY:
        return fmt.dkk(value)
    if key.endswith("_code"):
        return str(value)
    return fmt.number(value, 0 if isinstance(value, int) else 1)


def emit(df: pd.DataFrame, format: str, out=None) -> None:
    out = out or sys.stdout
    rows = records(df)
    if format == "json":
        json.dump(rows, out, ensure_ascii=False, indent=2)
        out.write("\n")
    elif format == "csv":
        pd.DataFrame(rows, columns=df.columns, dtype=object).to_csv(out, index=False, lineterminator="\n")
    else:
        table = pd.DataFrame([{k: _readable(k, v) for k, v in row.items()} for row in rows], columns=df.columns)
        out.write(table.to_string(index=False) + "\n")


def _open(data_dir: str | None) -> data.Extract:
    try:
        return data.open_extract(data_dir)
    except data.MissingFolderError as exc:
        raise UserError(str(exc)) from None
    except data.MissingTableError as exc:
        raise UserError(f"{exc}. Kør `python -m ipsdash check --data-dir {exc.location}` for detaljer.") from None
    except record_keys.MissingSecretError as exc:
        raise UserError(str(exc)) from None
    except duckdb.Error:
        location = source.data_dir(data_dir)
        raise UserError(
            f"Udtrækket i {location} kan ikke læses. Kør `python -m ipsdash check --data-dir {location}` for detaljer."
        ) from None


def _known(extract: data.Extract, municipalities, grants) -> None:
    cur = extract.cursor()
    codes = {r[0] for r in cur.execute("select municipality_code from municipalities").fetchall()}
    ids = {r[0] for r in cur.execute("select grant_id from grants").fetchall()}
    unknown = [str(m) for m in municipalities if m not in codes]
    if unknown:
        raise UserError(f"ukendt kommunekode: {', '.join(unknown)} (udtrækket kender {', '.join(map(str, sorted(codes)))})")
    unknown = [g for g in grants if g not in ids]
    if unknown:
        raise UserError(f"ukendt bevilling: {', '.join(unknown)} (udtrækket kender {', '.join(sorted(ids))})")


def _within_data(extract: data.Extract, first: dt.date, what: str = "perioden begynder") -> None:
    """Refuse a question that begins after the extract's data, as `report` does: its answer would
    show the last known stock as if it held then."""
    as_of = catalog.span(extract)[1]
    if first > as_of:
        raise UserError(f"{what} efter udtrækkets data, som går til og med {fmt.date_long(as_of)}")


def cmd_demo(args) -> int:
    from ipsdash import demo

    counts = demo.write_demo(args.out, seed=args.seed, courses=args.courses, as_of=args.as_of)
    for table, n in counts.items():
        print(f"{table}: {n} rækker")
    print(f"Demo-udtræk skrevet til {args.out}")
    return 0


def cmd_check(args) -> int:
    from ipsdash.delivery import check

    location = source.data_dir(args.data_dir)
    try:
        data.require_folder(location)
    except data.MissingFolderError as exc:
        raise UserError(str(exc)) from None
    problems = check.check_extract(location)
    if not problems:
        print(f"Udtrækket i {location} overholder kontrakten.")
        return 0
    for problem in problems:
        print(problem.text(), file=sys.stderr)
    print(f"\n{len(problems)} brud på kontrakten i {location}; udtrækket afvises.", file=sys.stderr)
    return 1


def cmd_kpis(args) -> int:
    if args.to < args.from_:
        raise UserError(f"perioden slutter ({args.to}) før den begynder ({args.from_})")
    extract = _open(args.data_dir)
    _known(extract, args.municipality, args.grant)
    _within_data(extract, args.from_)
    filters = kpis.Filters(
        municipalities=tuple(args.municipality),
        grants=tuple(args.grant),
        target_group=args.target_group,
        variant=args.variant,
    )
    table = kpis.kpi_table(extract, args.from_, args.to, by=args.by, filters=filters, min_count=args.min_count)
    emit(table[list(kpis.GROUP_KEYS[args.by]) + list(kpis.FIGURES)], args.format)
    return 0


def _within(text: str) -> tuple[int, ...]:
    from ipsdash.figures import cohorts

    try:
        return cohorts.parse_within(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def cmd_cohorts(args) -> int:
    from ipsdash.figures import cohorts

    if args.to < args.from_:
        raise UserError(f"perioden slutter ({args.to}) før den begynder ({args.from_})")
    extract = _open(args.data_dir)
    _known(extract, args.municipality, args.grant)
    filters = kpis.Filters(
        municipalities=tuple(args.municipality),
        grants=tuple(args.grant),
        target_group=args.target_group,
        variant=args.variant,
    )
    table = cohorts.cohort_table(
        extract, args.from_, args.to, args.grain, args.within, args.by, filters, min_count=args.min_count
    )
    emit(table[["cohort_start", *kpis.GROUP_KEYS[args.by], *cohorts.columns(args.within)]], args.format)
    return 0


def cmd_funding(args) -> int:
    extract = _open(args.data_dir)
    _known(extract, [], args.grant)
    _within_data(extract, args.on, f"dagen ({args.on}) er")
    table = funding.funding_table(extract, args.on, by=args.by, grants=tuple(args.grant), min_count=args.min_count)
    if args.by == "municipality":  # named, like kpis --by municipality; the row without a code is central spending
        names = catalog.municipality_names(extract)
        table.insert(2, "municipality", [grants.CENTRAL if pd.isna(c) else names.get(int(c), str(c))
                                         for c in table["municipality_code"]])
    emit(table, args.format)
    return 0


def cmd_deliver(args) -> int:
    from ipsdash.delivery import deliver, versions

    root = source.data_root(args.data_dir)
    try:
        outcome = deliver.deliver(args.files, args.data_dir, dry_run=args.dry_run)
    except deliver.DeliveryError as exc:
        raise UserError(str(exc)) from None
    lines = outcome.lines()
    told = len(lines) - len(outcome.problems)  # the problems come last, and go to stderr
    for line in lines[:told]:
        print(line)
    for line in lines[told:]:
        print(line, file=sys.stderr)
    if not outcome.accepted:
        print(f"\nLeverancen er afvist ({len(outcome.problems)} fejl); data i {root} er uændrede.", file=sys.stderr)
        return 1
    if not outcome.applied:
        print(f"\nPrøvekørsel: leverancen overholder kontrakten, men er ikke lagt ind i {root}.")
        return 0
    print(f"\nLeverancen er lagt ind i {root} som version {outcome.version}.")
    if outcome.previous:
        print(f"Den forrige version ({outcome.previous}) er gemt; `python -m ipsdash rollback` går tilbage til den.")
    _prepare(root)
    stray = versions.stray_tables(root)
    if stray:
        print(f"Bemærk: {', '.join(stray)} ligger direkte i {root} og bruges ikke; data i brug skifter kun med deliver.")
    return 0


def cmd_rollback(args) -> int:
    from ipsdash.delivery import deliver

    root = source.data_root(args.data_dir)
    try:
        outcome = deliver.rollback(args.data_dir)
    except deliver.DeliveryError as exc:
        raise UserError(str(exc)) from None
    if not outcome.accepted:
        for problem in outcome.problems:
            print(problem.text(), file=sys.stderr)
        print(f"\nDen forrige version overholder ikke kontrakten; data i {root} er uændrede.", file=sys.stderr)
        return 1
    print(f"Version {outcome.version} er igen i brug i {root} (i stedet for {outcome.previous}, som er gemt).")
    _prepare(root)
    return 0


def _prepare(root: str) -> None:
    """Write the prepared copies of the version now in use (ipsdash/extract/prepared.py) for the dashboard,
    so that its first page after a delivery does not wait for them (minutes at 20M courses)."""
    started = time.perf_counter()
    try:
        extract = data.open_extract(root)
    except Exception as exc:  # noqa: BLE001 - the delivery stands; the dashboard prepares on first open
        print(f"Udtrækket kunne ikke forberedes til dashboardet ({type(exc).__name__}); det sker ved første visning.")
        return
    if extract.prepared:
        print(f"Udtrækket er forberedt til dashboardet ({time.perf_counter() - started:.0f} s).")


REPORT_SUFFIXES = (".pdf", ".xlsx")


def _report_path(text: str) -> Path:
    path = Path(text)
    if path.suffix.lower() not in REPORT_SUFFIXES:
        raise argparse.ArgumentTypeError(f"{text!r}: rapporten skrives som .pdf eller .xlsx, fx rapport.pdf")
    return path


def cmd_report(args) -> int:
    from ipsdash.report import ReportError, gather, layout, workbook

    if args.to < args.from_:
        raise UserError(f"perioden slutter ({args.to}) før den begynder ({args.from_})")
    out: Path = args.out
    folder = out.parent if str(out.parent) else Path(".")
    if not folder.is_dir():
        raise UserError(f"mappen {folder} findes ikke; rapporten kan ikke skrives til {out}")
    if not os.access(folder, os.W_OK) or (out.exists() and not os.access(out, os.W_OK)):
        raise UserError(f"der er ikke skriveadgang til {out}")
    extract = _open(args.data_dir)
    _known(extract, [], [args.grant])
    try:
        figures = gather.build(extract, args.grant, args.from_, args.to, min_count=args.min_count)
        content = layout.to_pdf(figures) if out.suffix.lower() == ".pdf" else workbook.to_xlsx(figures)
    except ReportError as exc:
        raise UserError(str(exc)) from None
    # Written beside the target and moved into place, so a failed run never leaves half a file.
    partial = out.with_name(f".{out.name}.part")
    try:
        partial.write_bytes(content)
        os.replace(partial, out)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise UserError(f"rapporten kan ikke skrives til {out}: {exc.strerror or exc}") from None
    print(f"Rapporten for {args.grant}, {args.from_} til {args.to}, er skrevet til {out}")
    return 0


def _pdf_path(text: str) -> Path:
    path = Path(text)
    if path.suffix.lower() != ".pdf":
        raise argparse.ArgumentTypeError(f"{text!r}: slides skrives som .pdf, fx møde.pdf")
    return path


def _write(out: Path, content: bytes, what: str) -> None:
    """Written beside the target and moved into place, so a failed run never leaves half a file."""
    partial = out.with_name(f".{out.name}.part")
    try:
        partial.write_bytes(content)
        os.replace(partial, out)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise UserError(f"{what} kan ikke skrives til {out}: {exc.strerror or exc}") from None


def cmd_slides(args) -> int:
    from ipsdash.report import ReportError, slides

    if args.to < args.from_:
        raise UserError(f"perioden slutter ({args.to}) før den begynder ({args.from_})")
    out: Path = args.out
    folder = out.parent if str(out.parent) else Path(".")
    if not folder.is_dir():
        raise UserError(f"mappen {folder} findes ikke; slides kan ikke skrives til {out}")
    extract = _open(args.data_dir)
    _known(extract, args.municipality, args.grant)
    chosen = kpis.Filters(municipalities=tuple(sorted(set(args.municipality))), grants=tuple(args.grant),
                          target_group=args.target_group, variant=args.variant)
    try:
        content = slides.pdf(extract, args.from_, args.to, chosen, min_count=args.min_count)
    except ReportError as exc:
        raise UserError(str(exc)) from None
    _write(out, content, "slides")
    print(f"Slides for {args.from_} til {args.to} er skrevet til {out}")
    return 0


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m ipsdash", description="IPS-styringsdashboard: data og nøgletal.")
    sub = p.add_subparsers(dest="command", required=True, metavar="KOMMANDO")

    def data_dir(sp):
        sp.add_argument("--data-dir", help="mappen med udtrækket (standard: IPS_DATA_DIR eller data/)")

    def output(sp):
        sp.add_argument("--min-count", type=_count, default=None, help="grænsen for små tal (standard 5; 0 viser alt)")
        sp.add_argument("--format", choices=("json", "csv", "table"), default="json")

    sp = sub.add_parser("demo", help="skriv et syntetisk demo-udtræk")
    sp.add_argument("--out", required=True, type=Path, help="mappen der skrives til")
    sp.add_argument("--seed", type=int, default=42)
    sp.add_argument("--courses", type=_count, default=4000, help="antal forløb (standard 4000)")
    sp.add_argument("--as-of", type=_date, default=None, help="udtrækkets dato (standard: demoens faste dato)")
    sp.set_defaults(func=cmd_demo)

    sp = sub.add_parser("check", help="kontrollér et udtræk mod datakontrakten")
    data_dir(sp)
    sp.set_defaults(func=cmd_check)

    sp = sub.add_parser("kpis", help="nøgletal for en periode")
    sp.add_argument("--from", dest="from_", required=True, type=_date, metavar="DATO")
    sp.add_argument("--to", required=True, type=_date, metavar="DATO")
    data_dir(sp)
    sp.add_argument("--by", choices=kpis.BY, default="none")
    sp.add_argument("--municipality", type=_code, action="append", default=[], metavar="KODE")
    sp.add_argument("--grant", action="append", default=[], metavar="ID")
    sp.add_argument("--target-group", choices=("psykiatri", "misbrug"))
    sp.add_argument("--variant", choices=("IPS", "IPS+"))
    output(sp)
    sp.set_defaults(func=cmd_kpis)

    sp = sub.add_parser("cohorts", help="forløb efter startkvartal: andel i job eller uddannelse inden for N måneder")
    sp.add_argument("--from", dest="from_", required=True, type=_date, metavar="DATO")
    sp.add_argument("--to", required=True, type=_date, metavar="DATO")
    sp.add_argument("--grain", choices=("quarter", "year"), default="quarter")
    sp.add_argument("--within", type=_within, default=(6, 12, 18), metavar="MÅNEDER",
                    help="måneder efter start, adskilt af komma (standard 6,12,18)")
    data_dir(sp)
    sp.add_argument("--by", choices=("none", "municipality", "grant", "target_group", "variant"), default="none")
    sp.add_argument("--municipality", type=_code, action="append", default=[], metavar="KODE")
    sp.add_argument("--grant", action="append", default=[], metavar="ID")
    sp.add_argument("--target-group", choices=("psykiatri", "misbrug"))
    sp.add_argument("--variant", choices=("IPS", "IPS+"))
    output(sp)
    sp.set_defaults(func=cmd_cohorts)

    sp = sub.add_parser("funding", help="bevillingernes forbrug på en dag")
    sp.add_argument("--on", required=True, type=_date, metavar="DATO")
    data_dir(sp)
    sp.add_argument("--by", choices=funding.BY, default="municipality")
    sp.add_argument("--grant", action="append", default=[], metavar="ID")
    output(sp)
    sp.set_defaults(func=cmd_funding)
    sp = sub.add_parser("deliver", help="tag en leverance ind: kontrollér hele udtrækket og skift det ud på én gang")
    sp.add_argument("files", nargs="+", metavar="FIL",
                    help="tabelfiler: TABEL.csv/.xlsx/.parquet (hele tabellen) eller TABEL__DEL.csv osv. (en del)")
    data_dir(sp)
    sp.add_argument("--dry-run", action="store_true", help="kontrollér kun; læg intet ind")
    sp.set_defaults(func=cmd_deliver)

    sp = sub.add_parser("rollback", help="gå tilbage til versionen før den seneste leverance")
    data_dir(sp)
    sp.set_defaults(func=cmd_rollback)

    sp = sub.add_parser("report", help="rapport til en bevillingsgiver som PDF eller Excel")
    sp.add_argument("--grant", required=True, metavar="ID", help="bevillingen, fx APMF-2021")
    sp.add_argument("--from", dest="from_", required=True, type=_date, metavar="DATO")
    sp.add_argument("--to", required=True, type=_date, metavar="DATO")
    sp.add_argument("--out", required=True, type=_report_path, metavar="FIL", help="FIL.pdf eller FIL.xlsx")
    data_dir(sp)
    sp.add_argument("--min-count", type=_count, default=None, help="grænsen for små tal (standard 5; 0 viser alt)")
    sp.set_defaults(func=cmd_report)

    sp = sub.add_parser("slides", help="slides til styregruppens møde (16:9 PDF)")
    sp.add_argument("--from", dest="from_", required=True, type=_date, metavar="DATO")
    sp.add_argument("--to", required=True, type=_date, metavar="DATO")
    sp.add_argument("--municipality", type=_code, action="append", default=[], metavar="KODE")
    sp.add_argument("--grant", action="append", default=[], metavar="ID")
    sp.add_argument("--target-group", choices=("psykiatri", "misbrug"))
    sp.add_argument("--variant", choices=("IPS", "IPS+"))
    sp.add_argument("--out", required=True, type=_pdf_path, metavar="FIL", help="FIL.pdf")
    data_dir(sp)
    sp.add_argument("--min-count", type=_count, default=None, help="grænsen for små tal (standard 5; 0 viser alt)")
    sp.set_defaults(func=cmd_slides)
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if getattr(args, "as_of", None) is None and args.command == "demo":
        from ipsdash import demo

        args.as_of = demo.DEMO_AS_OF
    # The small-number threshold, decided here once for every figure of the command.
    if getattr(args, "min_count", 0) is None:
        args.min_count = privacy.default_threshold()
    try:
        return args.func(args)
    except UserError as exc:
        print(f"fejl: {exc}", file=sys.stderr)
        return 1
    except BrokenPipeError:
        return 0
