"""Exports: safe tables (CSV, Excel), and the slide deck and PDF report.

Whatever leaves the analyst's screen goes through :mod:`regie_analytics.privacy`: counts of 1 to
4 read "<5", cells that would reveal them through a total are hidden too (secondary
suppression), rates on suppressed numerators or small populations are hidden, and text cells
that start like a spreadsheet formula are made inert.
"""

from __future__ import annotations

import io

import pandas as pd

from regie_analytics import privacy
from regie_analytics.formatting import fmt_num

AREA_COLUMNS_NL = {
    "area_code": "Gebiedscode",
    "name": "Gebied",
    "population": "Inwoners",
    "fysiek": "Fysiek",
    "sociaal": "Sociaal",
    "overig": "Overig",
    "totaal": "Totaal",
    "per_1000": "Per 1.000 inwoners",
    "per_km2": "Per km²",
    "share_social": "Aandeel sociaal (%)",
    "lq": "Locatiequotiënt",
}


def area_table_view(table: pd.DataFrame, *, measure: str | None = None) -> pd.DataFrame:
    """The area table as shown on screen (exact numbers), sorted by ``measure``."""
    columns = [c for c in AREA_COLUMNS_NL if c in table.columns or c == "area_code"]
    frame = table.reset_index()[columns]
    if measure is not None and measure in frame.columns:
        frame = frame.sort_values(measure, ascending=False, na_position="last")
    elif measure == "count":
        frame = frame.sort_values("totaal", ascending=False)
    for column in ("per_1000", "per_km2", "share_social", "lq"):
        if column in frame.columns:
            frame[column] = frame[column].round(2)
    return frame.rename(columns=AREA_COLUMNS_NL)


def safe_area_table(
    table: pd.DataFrame,
    *,
    threshold: int = privacy.DEFAULT_THRESHOLD,
    min_population: int = privacy.DEFAULT_MIN_POPULATION,
) -> pd.DataFrame:
    """The area table for export: counts per domain protected (with totals), rates hidden
    where their numerator is suppressed or the area has fewer than ``min_population``
    inhabitants, text cells inert."""
    counts = table[["fysiek", "sociaal", "overig"]].astype("int64")
    protected = privacy.protect_table(counts, threshold=threshold, add_totals=True)
    body = protected.drop(index=privacy.TOTAL_LABEL)
    out = pd.DataFrame(index=table.index)
    out["Gebied"] = table["name"]
    out["Inwoners"] = table["population"].round(0).astype("Int64").astype("object")
    for column in ("fysiek", "sociaal", "overig"):
        out[AREA_COLUMNS_NL[column]] = body[column]
    out["Totaal"] = body[privacy.TOTAL_LABEL]
    if table["population"].notna().any():
        rates = privacy.suppress_rates(
            table["per_1000"],
            numerators=table["totaal"],
            population=table["population"],
            threshold=threshold,
            min_population=min_population,
        )
        # a total that was hidden to protect a cell must not be recoverable from its rate
        hidden_total = body[privacy.TOTAL_LABEL].map(lambda v: isinstance(v, str))
        rates = rates.where(~hidden_total)
        out["Per 1.000 inwoners"] = [fmt_num(v, 1, missing="") for v in rates]
    total_row = {"Gebied": "Totaal gemeente", "Inwoners": table["population"].sum(min_count=1)}
    for column in ("fysiek", "sociaal", "overig"):
        total_row[AREA_COLUMNS_NL[column]] = protected.loc[privacy.TOTAL_LABEL, column]
    total_row["Totaal"] = protected.loc[privacy.TOTAL_LABEL, privacy.TOTAL_LABEL]
    out = pd.concat([out, pd.DataFrame([total_row], index=[""])])
    out.index.name = "Gebiedscode"
    return privacy.neutralise_formulas(out.reset_index())


def to_csv_bytes(frame: pd.DataFrame) -> bytes:
    """CSV for Dutch spreadsheets: ``;``-separated, UTF-8 with BOM, formulas made inert."""
    safe = privacy.neutralise_formulas(frame)
    return safe.to_csv(index=False, sep=";").encode("utf-8-sig")


def to_excel_bytes(frame: pd.DataFrame, *, sheet: str = "Regie Analytics") -> bytes:
    """An ``.xlsx`` workbook with one sheet; formulas made inert (written as text)."""
    safe = privacy.neutralise_formulas(frame)
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        safe.to_excel(writer, index=False, sheet_name=sheet[:31])
        sheet_obj = writer.sheets[sheet[:31]]
        for row in sheet_obj.iter_rows():
            for cell in row:
                if isinstance(cell.value, str):
                    cell.data_type = "s"
    return buffer.getvalue()
