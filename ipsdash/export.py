"""Tables as files a person opens: CSV as Danish Excel reads it, and Excel workbooks.

Only figures that have passed the small-number rule come here; hidden counts stay as the
text "<5", hidden rates as empty cells. Column names become the Danish labels.
"""

from __future__ import annotations

import io

import pandas as pd

from ipsdash import texts

KEY_LABELS = {
    "municipality_code": "Kommunekode",
    "municipality": "Kommune",
    "grant_id": "Bevilling",
    "target_group": "Målgruppe",
    "variant": "Variant",
    "period_start": "Periode (start)",
}


def labelled(df: pd.DataFrame) -> pd.DataFrame:
    """Columns renamed to their Danish labels; datetimes to dates."""
    out = df.copy()
    for col in out.columns:
        if pd.api.types.is_datetime64_any_dtype(out[col]):
            out[col] = out[col].dt.date
    names = {c: KEY_LABELS.get(c) or (texts.label(c) if c in texts.TERMS else c) for c in out.columns}
    return out.rename(columns=names)


# A spreadsheet reads a cell beginning with one of these as a formula (OWASP, "CSV injection"): a
# municipality name `=HYPERLINK(...)` would become a live link. Such a text cell gets a leading `'`.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def inert(value):
    """A text a spreadsheet shows as text: `'` before one that begins as a formula would; others as they are."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def csv(df: pd.DataFrame) -> bytes:
    """Semicolon-separated with decimal comma and a BOM, so Danish Excel opens it right; no cell a formula."""
    out = labelled(df)
    for col in out.columns:
        if pd.api.types.is_object_dtype(out[col]) or pd.api.types.is_string_dtype(out[col]):
            out[col] = out[col].map(inert)
    out.columns = [inert(c) for c in out.columns]
    return out.to_csv(index=False, sep=";", decimal=",").encode("utf-8-sig")


def excel(tables: dict[str, pd.DataFrame]) -> bytes:
    """One sheet per table, numbers stored as numbers, shown with Danish formats; text always as text.

    xlsxwriter's `write` makes a text beginning with "=" a formula and one like a web address a
    link; with these options every text cell goes through `write_string` and stays text.
    """
    buffer = io.BytesIO()
    # pandas gives each date cell its own format (ISO by default), which wins over the column's.
    with pd.ExcelWriter(
        buffer,
        engine="xlsxwriter",
        date_format="dd-mm-yyyy",
        datetime_format="dd-mm-yyyy",
        engine_kwargs={"options": {"strings_to_formulas": False, "strings_to_urls": False}},
    ) as writer:
        book = writer.book
        formats = {
            "share": book.add_format({"num_format": "0%"}),
            "dkk": book.add_format({"num_format": "#,##0.00"}),
            "number": book.add_format({"num_format": "#,##0"}),
            "decimal": book.add_format({"num_format": "#,##0.0"}),
            "date": book.add_format({"num_format": "dd-mm-yyyy"}),
        }
        for i, (title, df) in enumerate(tables.items()):
            sheet = _sheet_name(title, i)
            out = labelled(df)
            out.to_excel(writer, sheet_name=sheet, index=False)
            ws = writer.sheets[sheet]
            for j, (key, col) in enumerate(zip(df.columns, out.columns)):
                width = max(10, min(45, len(str(col)) + 2))
                ws.set_column(j, j, width, formats.get(_kind(key, df[key])))
            ws.freeze_panes(1, 0)
    return buffer.getvalue()


# How a column's kind (texts.kind) is shown in Excel; other columns: dates as dates, integers whole.
EXCEL_KINDS = {
    texts.RATE: "share",
    texts.MONEY: "dkk",
    texts.DATE: "date",
    texts.DECIMAL: "decimal",
    texts.COUNT: "number",
    texts.DAYS: "number",
    texts.SCORE: "number",
    texts.NUMBER: "number",
    texts.TEXT: "number",
}


def _kind(key: str, values: pd.Series) -> str | None:
    kind = EXCEL_KINDS.get(texts.kind(key))
    if kind is not None and kind != "number":
        return kind
    if pd.api.types.is_datetime64_any_dtype(values) or key == "period_start":
        return "date"
    if kind or pd.api.types.is_integer_dtype(values):
        return "number"
    return None


def _sheet_name(title: str, i: int) -> str:
    bad = set("[]:*?/\\")
    name = "".join("_" if c in bad else c for c in title)[:31]
    return name or f"Tabel {i + 1}"
