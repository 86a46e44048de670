"""How the pages show figures: counts as text (protected ones "<5"), the tables with their
Dutch columns, area names and headers, and the short texts that go with them."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from regie_analytics import aggregate, privacy
from regie_analytics.formatting import fmt_int, fmt_level, fmt_num
from regie_analytics.insights.level_jumps import JUMP_MONTHS
from regie_analytics.snapshot import Snapshot
from regie_analytics.ui.filters import Filters

TOP_COLUMNS: dict[str, Any] = {
    "Gebied": st.column_config.TextColumn("Gebied"),
    "Samenhangsindex": st.column_config.ProgressColumn(
        "Samenhangsindex", min_value=0, max_value=100, format="%.0f"
    ),
    "Sociaal": st.column_config.NumberColumn("Sociaal"),
    "Fysiek": st.column_config.NumberColumn("Fysiek"),
    "Status": st.column_config.TextColumn("Status"),
    "Waarom": st.column_config.TextColumn("Waarom", width="large"),
}

REGIE_COLUMNS: dict[str, Any] = {
    "Nr": st.column_config.NumberColumn("Nr", width="small"),
    "Samenhangsindex": st.column_config.ProgressColumn(
        "Samenhangsindex", min_value=0, max_value=100, format="%.0f"
    ),
    "Regiescore": st.column_config.ProgressColumn(
        "Regiescore", min_value=0, max_value=100, format="%.0f"
    ),
    "Waarom": st.column_config.TextColumn("Waarom", width="large"),
}

COMPARISON_COLUMNS: dict[str, Any] = {
    "domain": st.column_config.TextColumn("Domein"),
    "theme": st.column_config.TextColumn("Thema"),
    "aantal": st.column_config.NumberColumn("Aantal"),
    "gebied": st.column_config.NumberColumn("Dit gebied"),
    "wijk": st.column_config.NumberColumn("Wijk"),
    "stadsdeel": st.column_config.NumberColumn("Stadsdeel"),
    "gemeente": st.column_config.NumberColumn("Gemeente"),
    "index": st.column_config.NumberColumn("Index", format="%.0f"),
}

LEADTIME_COLUMNS: dict[str, Any] = {
    "_index": st.column_config.TextColumn("Thema"),
    "ontvangen": st.column_config.NumberColumn("Ontvangen"),
    "afgesloten": st.column_config.NumberColumn("Afgesloten"),
    "mediaan_dagen": st.column_config.NumberColumn("Mediaan (dagen)"),
    "p90_dagen": st.column_config.NumberColumn("90% binnen (dagen)"),
    "binnen_norm": st.column_config.ProgressColumn(
        "Binnen norm", min_value=0, max_value=100, format="%.0f%%"
    ),
    "open": st.column_config.NumberColumn("Open"),
}


# --- counts as shown ---------------------------------------------------------------------------


def shown_counts(counts: pd.Series, sel: Filters) -> pd.Series:
    """Counts as shown on screen: exact, or (protected, already perturbed) with small ones as
    "<5"."""
    if not sel.private:
        return counts
    return privacy.suppress_counts(counts, threshold=privacy.label_threshold())


EXPECTED_BELOW = "<0,1"
"""An expected count that rounds to 0,0 (a theme an area hardly ever has): not "0" beside the
count that jumped, as if nothing at all were expected."""


def expected_counts(expected: pd.Series) -> pd.Series:
    """Expected counts as a table shows them: to one decimal, those that round to 0,0 as
    :data:`EXPECTED_BELOW` (sorted below every number, ``formatting.dutch_numbers``)."""
    rounded = expected.round(1)
    shown = rounded.astype(object)
    shown[(rounded < 0.1).to_numpy()] = EXPECTED_BELOW
    return shown


def small_below(sel: Filters) -> int:
    """Protected counts below this read "<5" on screen (0: exact, nothing labelled)."""
    return privacy.label_threshold() if sel.private else 0


def small_mask(counts: pd.Series, sel: Filters) -> pd.Series | None:
    """The areas whose protected count reads "<5" (grey on a map), or None in the exact view."""
    return privacy.small_cell_mask(counts, threshold=small_below(sel)) if sel.private else None


SHARE_MEASURES = ("share_social", "lq")
"""Measures that follow from the social and physical counts apart (the share social, the
location quotient): with the area's total they would give a "<5" domain count away."""


def measure_mask(table: pd.DataFrame, measure: str, sel: Filters) -> pd.Series | None:
    """The areas whose value of ``measure`` a protected map does not show (grey): its count
    reads "<5", and for :data:`SHARE_MEASURES` also where the social or the physical count
    does (a 14,3% share of 28 signals is 4 social ones). None in the exact view."""
    mask = small_mask(table["count"], sel)
    if mask is None or measure not in SHARE_MEASURES:
        return mask
    for column in ("sociaal", "fysiek"):
        mask = mask | privacy.small_cell_mask(table[column], threshold=small_below(sel))
    return mask


def protection_note() -> str:
    """The Dutch footnote of every protected output (how counts are protected, "<5")."""
    return privacy.perturbation_note(threshold=privacy.label_threshold())


def count_text(value: float, sel: Filters) -> str:
    """One count as text: Dutch thousands, or "<5" for a small protected count."""
    threshold = privacy.label_threshold()
    if sel.private and 0 < value < threshold:
        return privacy.suppressed_label(threshold)
    return fmt_int(value)


def total_help(sel: Filters) -> str:
    """What the Overzicht's "Totaal" is: the selected domains' signals (protected: a cell of
    its own, so it need not be the sum of the protected domains)."""
    if not sel.private:
        return "De som van de gekozen domeinen."
    return (
        "Alle signalen van de gekozen domeinen, apart beschermd: het kan enkele signalen "
        "afwijken van de som van de beschermde aantallen per domein."
    )


def profile_rates(row: pd.Series, sel: Filters) -> pd.Series:
    """An area's rate per 1,000 and social share as shown: protected, none next to a "<5" (no
    share where the social or physical count reads "<5")."""
    rates = row[["per_1000", "share_social"]].astype("float64")
    if not sel.private:
        return rates
    threshold = privacy.label_threshold()
    if 0 < row["totaal"] < threshold:
        return pd.Series(float("nan"), index=rates.index)
    if any(0 < row[domain] < threshold for domain in ("sociaal", "fysiek")):
        rates["share_social"] = float("nan")  # with the total it would give that count away
    return rates


# --- tables as shown ---------------------------------------------------------------------------


def top_table(top: pd.DataFrame, sel: Filters) -> pd.DataFrame:
    """The top list as shown: name, index, both domains, status and why (see
    :func:`insights.regie_areas`: only areas where both domains are high)."""
    return pd.DataFrame(
        {
            "Gebied": top["name"].to_numpy(),
            "Samenhangsindex": top["samenhangsindex"].round(0).to_numpy(),
            "Sociaal": shown_counts(top["sociaal"], sel).to_numpy(),
            "Fysiek": shown_counts(top["fysiek"], sel).to_numpy(),
            "Status": top["status"].to_numpy(),
            "Waarom": top["waarom"].to_numpy(),
        }
    )


def circled_caption(listed: int) -> str:
    """The quadrant chart's caption: which numbered areas of the list above are circled (the
    first five at most; "Omcirkeld 1" alone when the list has one)."""
    circled = min(5, listed)
    which = (
        "Omcirkeld 1: het eerste gebied"
        if circled == 1
        else f"Omcirkeld 1–{circled}: de eerste {circled}"
    )
    return (
        f"{which} van de lijst hierboven (Nr). Stippellijnen: de medianen. Klik op een punt "
        "voor het profiel."
    )


def regie_list(both: pd.DataFrame, regie: pd.DataFrame) -> pd.DataFrame:
    """The areas where both domains are high (:func:`insights.regie_areas`) as shown: index,
    cluster, departments, score and why (no empty cells: a missing figure reads "–")."""
    joined = both.join(regie.drop(columns=["name"]), how="left")
    return pd.DataFrame(
        {
            "Nr": range(1, len(joined) + 1),  # the numbers in the quadrant chart
            "Gebied": joined["name"].to_numpy(),
            "Samenhangsindex": joined["samenhangsindex"].round(0).to_numpy(),
            "Cluster": joined["cluster_sociaal_fysiek"].fillna("–").to_numpy(),
            "Afdelingen": joined["n_afdelingen"].astype("Int64").to_numpy(),
            "Regiescore": joined["regie_score"].round(0).to_numpy(),
            "Waarom": (joined["waarom"] + ". " + joined["toelichting"].fillna("")).to_numpy(),
        }
    )


def lead_time_view(table: pd.DataFrame, sel: Filters) -> pd.DataFrame:
    """Lead times as shown with :data:`LEADTIME_COLUMNS`: the share within the norm as a
    whole percentage (87%, not 87,42%); protected, the counts as every other table shows
    them (small ones "<5", :func:`shown_counts`) and no share next to a "<5" received (its
    median and percentile are already left out below 5 closed)."""
    if "binnen_norm" not in table.columns:
        return table
    out = table.assign(binnen_norm=(100 * table["binnen_norm"]).round(0))
    if not sel.private:
        return out
    received = pd.to_numeric(out["ontvangen"])
    out.loc[(received > 0) & (received < small_below(sel)), "binnen_norm"] = float("nan")
    for column in ("ontvangen", "afgesloten", "open"):
        if column in out.columns:
            out[column] = shown_counts(out[column], sel)
    return out


# --- areas -------------------------------------------------------------------------------------


def area_name(snap: Snapshot, level: str, code: str) -> str:
    """The name of an area as every page shows it (the code when it has none)."""
    name = snap.areas_at(level)["name"].get(code)
    return str(name) if isinstance(name, str) and name else code


def search_placeholder(snap: Snapshot) -> str:
    """``'Zoek een buurt, wijk of stadsdeel…'``: the levels an area can be chosen at."""
    words = [fmt_level(level) for level in snap.levels if level != "gemeente"]
    listed = " of ".join([", ".join(words[:-1]), words[-1]] if len(words) > 1 else words)
    return f"Zoek een {listed}…"


def area_context(snap: Snapshot, code: str, level: str) -> str:
    """'Buurt, in wijk X, stadsdeel Y · 1.234 inwoners · 0,5 km²' for the profile header
    ("inwonertal onbekend" when there is none)."""
    area = snap.areas_at(level).loc[code]
    parts = [fmt_level(level).capitalize()]
    if level == snap.levels[0]:
        row = snap.areas.loc[code]
        if level != "wijk" and isinstance(row.get("wijk_code"), str) and "wijk" in snap.levels:
            parts.append(f"in wijk {area_name(snap, 'wijk', row['wijk_code'])}")
        if isinstance(row.get("stadsdeel_name"), str):
            parts.append(f"stadsdeel {row['stadsdeel_name']}")
    text = ", ".join(parts)
    inhabitants = fmt_int(area["population"], missing="inwonertal onbekend")
    if not pd.isna(area["population"]):
        inhabitants += " inwoners"
    return f"{text} · {inhabitants} · {fmt_num(area['area_km2'], 2)} km²"


# --- what a page offers and says -----------------------------------------------------------------


def measure_options(snap: Snapshot) -> list[str]:
    """Map measures available for this store (rates need population)."""
    keys = list(aggregate.MEASURES)
    return keys if snap.has_population else [k for k in keys if k != "per_1000"]


def map_explanations(layer: str, measure: str) -> list[str]:
    """Which explanations (:data:`stats.EXPLANATIONS`) describe what the Kaart draws: raw
    rates on the value map, the corrected rates the hotspots of a rate are tested on."""
    if layer == "hotspots":
        return ["hotspots", "eb_rate"] if measure == "per_1000" else ["hotspots"]
    return {"per_1000": ["rate"], "lq": ["lq"]}.get(measure, [])


def jumps_gap(snap: Snapshot) -> str | None:
    """Why no month can be tested for a jump (too few months), in Dutch; None otherwise."""
    if len(snap.months) >= JUMP_MONTHS:
        return None
    return (
        f"Sprongen zoeken vraagt minstens {JUMP_MONTHS} maanden gegevens (een jaar om het "
        f"seizoenspatroon te kennen); deze gegevens hebben er {len(snap.months)}."
    )
