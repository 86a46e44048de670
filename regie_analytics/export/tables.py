"""Safe tables: the area table as shown on screen and as published (protected with the
cell-key method), and the CSV and Excel bytes every table download is written as.

Whatever leaves the analyst's screen is protected with the cell-key method (see
:mod:`regie_analytics.cellkey`): every count is published perturbed by a small amount fixed by
the records in it, totals are cells of their own, perturbed counts below 5 read "<5" (see
:func:`privacy.label_threshold`), rates are computed from the perturbed counts and hidden for
areas under 100 inhabitants, and text cells that start like a spreadsheet formula are made
inert. Every protected table says so in a footnote (:func:`privacy.perturbation_note`).
Column headers are Dutch, as the user sees them (:data:`AREA_COLUMNS_NL`).
"""

from __future__ import annotations

import io

import geopandas as gpd
import pandas as pd

from regie_analytics import aggregate, privacy
from regie_analytics.formatting import fmt_num
from regie_analytics.schema import AREA_CODE, DOMAINS, OTHER, PHYSICAL, SENTINEL_AREAS, SOCIAL

AREA_COLUMNS_NL = {
    AREA_CODE: "Gebiedscode",
    "name": "Gebied",
    "population": "Inwoners",
    PHYSICAL: "Fysiek",
    SOCIAL: "Sociaal",
    OTHER: "Overig",
    "totaal": "Totaal",
    "per_1000": "Per 1.000 inwoners",
    "per_km2": "Per km²",
    "share_social": "Aandeel sociaal (%)",
    "lq": "Locatiequotiënt",
}
"""The Dutch header of each column of the area table, on screen and in every download."""


def area_table_view(table: pd.DataFrame, *, measure: str | None = None) -> pd.DataFrame:
    """The area table as shown on screen (exact numbers), sorted by ``measure``."""
    columns = [c for c in AREA_COLUMNS_NL if c in table.columns or c == AREA_CODE]
    if not table["population"].notna().any():  # no inhabitants: no empty columns about them
        columns = [c for c in columns if c not in ("population", "per_1000")]
    frame = table.reset_index()[columns]
    if measure is not None and measure in frame.columns:
        frame = frame.sort_values(measure, ascending=False, na_position="last")
    elif measure == "count":
        frame = frame.sort_values("totaal", ascending=False)
    # as many decimals as the measure needs, the same for every row (1.234,5 per 1.000)
    for column, decimals in (("per_1000", 1), ("per_km2", 0), ("share_social", 1), ("lq", 2)):
        if column in frame.columns:
            frame[column] = frame[column].round(decimals)
    return frame.rename(columns=AREA_COLUMNS_NL)


def safe_area_table(
    table: pd.DataFrame,
    totals: pd.Series,
    *,
    threshold: int | None = None,
    min_population: int = privacy.DEFAULT_MIN_POPULATION,
) -> pd.DataFrame:
    """The area table as published: the protected counts per domain and in all, rates only
    where their count is not small and the area has ``min_population`` inhabitants, the
    municipality's totals, the footnote, text cells inert.

    Parameters
    ----------
    table
        :func:`aggregate.area_table` computed with the p-table (perturbed counts, rates from
        them).
    totals
        The municipality's perturbed totals per domain and in all (``fysiek``, ``sociaal``,
        ``overig``, ``totaal``: :func:`aggregate.domain_totals` of the areas' signals), each a
        cell of its own.
    threshold
        Perturbed counts from 1 to ``threshold - 1`` read ``"<5"`` (default:
        :func:`privacy.label_threshold`).
    """
    threshold = privacy.label_threshold() if threshold is None else threshold
    out = pd.DataFrame(index=table.index)
    out["name"] = table["name"]
    out["population"] = table["population"].round(0).astype("Int64").astype("object")
    for column in (*DOMAINS, "totaal"):
        out[column] = privacy.suppress_counts(table[column], threshold=threshold)
    if table["population"].notna().any():
        rates = privacy.suppress_rates(
            table["per_1000"],
            numerators=table["totaal"],
            population=table["population"],
            threshold=threshold,
            min_population=min_population,
        )
        out["per_1000"] = [fmt_num(v, 1, missing="") for v in rates]
    people = table["population"].sum(min_count=1)
    total_row: dict[str, object] = {
        "name": "Totaal gemeente",
        "population": round(float(people)) if pd.notna(people) else pd.NA,
    }
    shown_totals = privacy.suppress_counts(totals.astype("int64"), threshold=threshold)
    for column in (*DOMAINS, "totaal"):
        total_row[column] = shown_totals[column]
    # the footnote as the last row; its other cells empty text, so counts stay whole numbers
    note = dict.fromkeys(out.columns, "") | {"name": privacy.perturbation_note(threshold=threshold)}
    out = pd.concat([out, pd.DataFrame([total_row, note], index=["", ""], dtype=object)])
    out.index.name = AREA_CODE
    # the headers as on screen (area_table_view): one mapping for both
    out = out.reset_index().rename(columns=AREA_COLUMNS_NL)
    return privacy.neutralise_formulas(out)


def area_download(
    cube: pd.DataFrame,
    areas: gpd.GeoDataFrame,
    *,
    level: str,
    table: pd.DataFrame | None = None,
    threshold: int | None = None,
) -> pd.DataFrame:
    """The Kaart page's table download for a filtered cube (the same as ``export``): counts
    per area protected with the cell-key method; see :func:`safe_area_table`. ``table`` is
    the protected :func:`aggregate.area_table` of ``cube`` when the caller has it already."""
    if table is None:
        table = aggregate.area_table(cube, areas, level=level, ptable=privacy.PTABLE)
    inside = cube.loc[~cube[AREA_CODE].isin(SENTINEL_AREAS)]
    totals = aggregate.domain_totals(inside, ptable=privacy.PTABLE)
    return safe_area_table(table, totals, threshold=threshold)


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
