"""Cached page computations: each takes the store version and the (hashable) filters, so a
rerun with the same selection is served from the cache and a filter change computes once.

With "Kleine aantallen verbergen" on (``Filters.private``, the default) every computation is
done on perturbed counts (the cell-key method, :data:`privacy.PTABLE`): counts, rates, shares,
location quotients, statistics and the figures built from them, so the browser never receives
an exact count; small published counts read "<5". Off, the analyst sees exact counts."""

from __future__ import annotations

import hashlib
from dataclasses import replace
from typing import Any

import pandas as pd
import streamlit as st

from regie_analytics import aggregate, geo, incidents, insights, privacy, stats
from regie_analytics.cellkey import PTable
from regie_analytics.formatting import fmt_level, fmt_month
from regie_analytics.schema import (
    AREA_CODE,
    CELL_KEY,
    COUNT,
    DOMAIN,
    MONTH,
    SENTINEL_AREAS,
    THEME,
    InputError,
)
from regie_analytics.ui import access
from regie_analytics.ui.data import StoreData, load_signals, loaded
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


def ptable(sel: Filters) -> PTable | None:
    """The p-table of the selection's computations: protected unless the analyst chose exact
    counts."""
    return privacy.PTABLE if sel.private else None


def _data(version: str) -> StoreData:
    """The run's loaded store data behind a cache key's ``version``."""
    return loaded(version)


@st.cache_resource(show_spinner=False, max_entries=24)
def _filtered(
    version: str,
    start: str | None,
    end: str | None,
    domains: tuple[str, ...],
    themes: tuple[str, ...],
    channels: tuple[str, ...],
) -> pd.DataFrame:
    data = _data(version)
    return aggregate.filter_cube(
        data.cube,
        start=start,
        end=end,
        domains=domains,
        themes=themes or None,
        channels=channels or None,
    )


def cube(data: StoreData, sel: Filters, *, period: bool = True) -> pd.DataFrame:
    """The cube cut to the filters (and with ``period`` to its months), cut once per
    selection and shared by every computation of it: do not change it."""
    return _filtered(
        data.version,
        sel.start if period else None,
        sel.end if period else None,
        sel.domains,
        sel.themes,
        sel.channels,
    )


def _cube(version: str, sel: Filters, *, period: bool = True) -> pd.DataFrame:
    return cube(_data(version), sel, period=period)


@st.cache_data(show_spinner=False, max_entries=64)
def _overview(version: str, sel: Filters) -> insights.Overview | None:
    data = _data(version)
    cube = _cube(version, sel, period=False)
    pressure = _pressure(version, sel)  # shared with the Samenhang page
    if int(pressure["totaal"].sum()) == 0:
        return None
    return insights.overview(
        cube,
        data.areas,
        start=sel.start,
        end=sel.end,
        level=sel.level,
        w=data.weights(sel.level),
        pressure=pressure,
        selected=sel.domains,
        available=tuple(data.domains),
        ptable=ptable(sel),
    )


def overview(data: StoreData, sel: Filters) -> insights.Overview | None:
    """The Overzicht figures for the selection (None when there are no signals in areas)."""
    return _overview(data.version, sel.computed)


@st.cache_data(show_spinner=False, max_entries=64)
def _signals_in_areas(version: str, sel: Filters) -> int:
    cut = _cube(version, sel)
    return int(cut.loc[~cut[AREA_CODE].isin(SENTINEL_AREAS), COUNT].sum())


def signals_in_areas(data: StoreData, sel: Filters) -> int:
    """How many signals of the selection lie in an area (0: see :func:`empty_reason`)."""
    return _signals_in_areas(data.version, sel.computed)


def empty_reason(data: StoreData, sel: Filters) -> tuple[str, str]:
    """Why the selection has no signals in areas, and what to do (see
    :func:`insights.empty_reason`)."""
    return insights.empty_reason(
        data.cube,
        start=sel.start,
        end=sel.end,
        domains=sel.domains,
        boundaries=str(data.manifest.get("boundaries", {}).get("file", "")),
    )


def area_name(data: StoreData, level: str, code: str) -> str:
    """The name of an area as every page shows it (the code when it has none)."""
    name = data.level_areas(level)["name"].get(code)
    return str(name) if isinstance(name, str) and name else code


def shown_counts(counts: pd.Series, sel: Filters) -> pd.Series:
    """Counts as shown on screen: exact, or (protected, already perturbed) with small ones as
    "<5"."""
    if not sel.private:
        return counts
    return privacy.suppress_counts(counts, threshold=privacy.label_threshold())


def small_below(sel: Filters) -> int:
    """Protected counts below this read "<5" on screen (0: exact, nothing labelled)."""
    return privacy.label_threshold() if sel.private else 0


def small_mask(counts: pd.Series, sel: Filters) -> pd.Series | None:
    """The areas whose protected count reads "<5" (grey on a map), or None in the exact view."""
    return privacy.small_cell_mask(counts, threshold=small_below(sel)) if sel.private else None


def protection_note() -> str:
    """The Dutch footnote of every protected output (how counts are protected, "<5")."""
    return privacy.perturbation_note(threshold=privacy.label_threshold())


def count_text(value: float, sel: Filters) -> str:
    """One count as text: Dutch thousands, or "<5" for a small protected count."""
    from regie_analytics.formatting import fmt_int

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


JUMP_MONTHS = 13
"""Months of data before jumps can be tested: a year of history and the month itself."""


def jumps_gap(data: StoreData) -> str | None:
    """Why no month can be tested for a jump (too few months), in Dutch; None otherwise."""
    if len(data.months) >= JUMP_MONTHS:
        return None
    return (
        f"Sprongen zoeken vraagt minstens {JUMP_MONTHS} maanden gegevens (een jaar om het "
        f"seizoenspatroon te kennen); deze gegevens hebben er {len(data.months)}."
    )


@st.cache_data(show_spinner=False, max_entries=8)
def _jumps_all(version: str, level: str, private: bool) -> pd.DataFrame:
    """Anomalies per area, theme and month over all channels (once per store, level and
    protection: with it, of the perturbed counts)."""
    data = _data(version)
    cube = data.cube.loc[
        ~data.cube[AREA_CODE].isin(SENTINEL_AREAS),
        [AREA_CODE, MONTH, DOMAIN, THEME, COUNT, CELL_KEY],
    ]
    codes = cube[AREA_CODE]
    if level != data.levels[0]:
        codes = aggregate.codes_at_level(codes, geo.parent_code_map(data.areas, level))
    keys = [codes.rename(AREA_CODE), cube[MONTH], cube[DOMAIN], cube[THEME]]
    long = cube[[COUNT, CELL_KEY]].groupby(keys, observed=True).sum().reset_index()
    for column in (AREA_CODE, MONTH, DOMAIN, THEME):
        long[column] = long[column].astype("str")
    long = aggregate.published(long, privacy.PTABLE if private else None)
    if long.empty or long[MONTH].nunique() < JUMP_MONTHS:
        return pd.DataFrame()
    domains = long.drop_duplicates(THEME).set_index(THEME)[DOMAIN]
    found = stats.anomalies(long.drop(columns=DOMAIN), alpha=0.001)
    found = found.loc[found["afwijking"] == stats.ANOMALY_HIGH]
    return found.assign(**{DOMAIN: found[THEME].map(domains).to_numpy()})


@st.cache_resource(show_spinner=False, max_entries=4)
def _warm(version: str) -> bool:
    data = _data(version)
    for private in (True, False):  # protected first: every new session starts protected
        for level in data.levels:
            _jumps_all(version, level, private)
    return True


def warm_up(data: StoreData) -> None:
    """Compute once per store version what each area level needs beyond its geometry and
    weights (loaded with the store): the jumps per area, theme and month. ``app.py`` calls
    this after the page has been drawn, so the first visitor does not wait for it."""
    _warm(data.version)


def jumps(data: StoreData, sel: Filters) -> pd.DataFrame:
    """Months in the period where an area's theme count jumped far above its seasonal
    baseline (a count-data test, see :func:`stats.anomalies`), largest first."""
    found = _jumps_all(data.version, sel.level, sel.private)
    if found.empty:
        return found
    mask = (found[MONTH] >= sel.start) & (found[MONTH] <= sel.end)
    mask &= found[DOMAIN].isin(sel.domains)
    if sel.themes:
        mask &= found[THEME].isin(sel.themes)
    found = found.loc[mask]
    if found.empty:
        return pd.DataFrame()
    found = found.assign(ratio=found[COUNT] / found["expected"].clip(lower=0.5))
    found = found.sort_values(["p", "ratio"], ascending=[True, False]).head(8)
    return pd.DataFrame(
        {
            "Gebied": [area_name(data, sel.level, code) for code in found[AREA_CODE]],
            "Thema": found[THEME].to_numpy(),
            "Maand": [fmt_month(m) for m in found[MONTH]],
            "Aantal": shown_counts(found[COUNT], sel).to_numpy(),
            "Verwacht": found["expected"].round(1).to_numpy(),
        }
    )


@st.cache_data(show_spinner=False, max_entries=64)
def _area_measures(version: str, sel: Filters) -> pd.DataFrame:
    data = _data(version)
    cube = _cube(version, sel)
    whole = aggregate.filter_cube(data.cube, start=sel.start, end=sel.end)
    return aggregate.area_table(cube, data.areas, level=sel.level, whole=whole, ptable=ptable(sel))


def area_measures(data: StoreData, sel: Filters) -> pd.DataFrame:
    """Counts and every map measure per area for the selection."""
    return _area_measures(data.version, sel.computed)


@st.cache_data(show_spinner=False, max_entries=64)
def _area_download(version: str, sel: Filters) -> pd.DataFrame:
    from regie_analytics import report

    data = _data(version)
    return report.area_download(
        _cube(version, sel), data.areas, level=sel.level, table=_area_measures(version, sel)
    )


def area_download(data: StoreData, sel: Filters) -> pd.DataFrame:
    """The protected area table of the selection: the Kaart page's download (always
    protected, whatever is shown) and, with small counts hidden, its table on screen."""
    return _area_download(data.version, replace(sel.computed, private=True))


@st.cache_data(show_spinner=False, max_entries=64)
def _hotspots(version: str, sel: Filters, measure: str) -> pd.DataFrame:
    data = _data(version)
    column = "per_1000_eb" if measure == "per_1000" else measure
    table = _area_measures(version, sel)
    return stats.hotspots(table[column], data.weights(sel.level), seed=0, counts=table["count"])


def hotspots(data: StoreData, sel: Filters, measure: str) -> pd.DataFrame:
    """Getis-Ord Gi* hot and cold spots of a measure (seeded, FDR-corrected; an area with
    fewer than :data:`stats.MIN_REPORTED_COUNT` signals is never a hotspot)."""
    return _hotspots(data.version, sel.computed, measure)


def map_explanations(layer: str, measure: str) -> list[str]:
    """Which explanations (:data:`stats.EXPLANATIONS`) describe what the Kaart draws: raw
    rates on the value map, the corrected rates the hotspots of a rate are tested on."""
    if layer == "hotspots":
        return ["hotspots", "eb_rate"] if measure == "per_1000" else ["hotspots"]
    return {"per_1000": ["rate"], "lq": ["lq"]}.get(measure, [])


def measure_options(data: StoreData) -> list[str]:
    """Map measures available for this store (rates need population)."""
    keys = list(aggregate.MEASURES)
    return keys if data.has_population else [k for k in keys if k != "per_1000"]


@st.cache_data(show_spinner=False, max_entries=64)
def _pressure(version: str, sel: Filters) -> pd.DataFrame:
    data = _data(version)
    table = insights.pressure_table(
        _cube(version, sel),
        data.areas,
        level=sel.level,
        w=data.weights(sel.level),
        ptable=ptable(sel),
    )
    if sel.private:  # the compared rates reach the browser (scatter): as precise as shown
        table[["rate_sociaal", "rate_fysiek"]] = table[["rate_sociaal", "rate_fysiek"]].round(1)
    return table


def pressure(data: StoreData, sel: Filters) -> pd.DataFrame:
    """Per area: measures and the social x physical samenhang statistics."""
    return _pressure(data.version, sel.computed)


@st.cache_data(show_spinner=False, max_entries=64)
def _correlations(version: str, sel: Filters) -> tuple[pd.DataFrame, pd.DataFrame]:
    data = _data(version)
    matrix = insights.theme_matrix(
        _cube(version, sel), data.areas, level=sel.level, ptable=ptable(sel)
    )
    return stats.theme_correlations(matrix)


def correlations(data: StoreData, sel: Filters) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Spearman correlations of theme rates across areas, with p-values."""
    return _correlations(data.version, sel.computed)


@st.cache_data(show_spinner=False, max_entries=64)
def _regie(version: str, sel: Filters) -> pd.DataFrame:
    data = _data(version)
    return insights.regie(
        _cube(version, sel),
        data.areas,
        level=sel.level,
        pressure=_pressure(version, sel),
        ptable=ptable(sel),
    )


def regie(data: StoreData, sel: Filters) -> pd.DataFrame:
    """The regie-opgave per area (departments, spread, score)."""
    return _regie(data.version, sel.computed)


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


@st.cache_data(show_spinner=False, max_entries=64)
def _emerging(version: str, sel: Filters) -> tuple[pd.DataFrame, str | None]:
    data = _data(version)
    try:
        spots = insights.emerging(
            _cube(version, sel, period=False),
            data.areas,
            level=sel.level,
            w=data.weights(sel.level),
            end=sel.end,
            ptable=ptable(sel),
        )
    except InputError as exc:  # too few months: no trend analysis possible
        text = str(exc)
        return pd.DataFrame({"klasse": pd.Series(dtype="str")}), text[:1].upper() + text[1:]
    return spots, None


def emerging(data: StoreData, sel: Filters) -> tuple[pd.DataFrame, str | None]:
    """Emerging hot spot classes per area (new, intensifying, persistent, ...), or an empty
    frame and the Dutch reason why there are none (too few months).

    They use every month up to the period's end, so the cache ignores the period's start:
    switching between "laatste 12 maanden" and "laatste 3 maanden" computes nothing new.
    """
    return _emerging(data.version, replace(sel.computed, start=""))


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


def lead_time_view(table: pd.DataFrame) -> pd.DataFrame:
    """Lead times as shown with :data:`LEADTIME_COLUMNS`: the share within the norm as a
    whole percentage (87%, not 87,42%)."""
    if "binnen_norm" not in table.columns:
        return table
    return table.assign(binnen_norm=(100 * table["binnen_norm"]).round(0))


@st.cache_data(show_spinner=False, max_entries=8)
def _all_area_names(version: str) -> dict[str, str]:
    data = _data(version)
    names: dict[str, str] = {}
    for level in data.levels:
        for code, name in data.level_areas(level)["name"].items():
            names[str(code)] = f"{name} ({fmt_level(level)}, {code})"
    return names


def all_area_names(data: StoreData) -> dict[str, str]:
    """Every area code at every level with a searchable label."""
    return _all_area_names(data.version)


def search_placeholder(data: StoreData) -> str:
    """``'Zoek een buurt, wijk of stadsdeel…'``: the levels an area can be chosen at."""
    words = [fmt_level(level) for level in data.levels if level != "gemeente"]
    listed = " of ".join([", ".join(words[:-1]), words[-1]] if len(words) > 1 else words)
    return f"Zoek een {listed}…"


def level_of(data: StoreData, code: str) -> str:
    """The level an area code belongs to in this store."""
    for level in data.levels:
        if code in data.level_areas(level).index:
            return level
    return data.levels[0]


def area_context(data: StoreData, code: str, level: str) -> str:
    """'Buurt, in wijk X, stadsdeel Y · 1.234 inwoners · 0,5 km²' for the profile header
    ("inwonertal onbekend" when there is none)."""
    from regie_analytics.formatting import fmt_int, fmt_num

    area = data.level_areas(level).loc[code]
    parts = [fmt_level(level).capitalize()]
    if level == data.levels[0]:
        row = data.areas.loc[code]
        if level != "wijk" and isinstance(row.get("wijk_code"), str) and "wijk" in data.levels:
            parts.append(f"in wijk {area_name(data, 'wijk', row['wijk_code'])}")
        if isinstance(row.get("stadsdeel_name"), str):
            parts.append(f"stadsdeel {row['stadsdeel_name']}")
    text = ", ".join(parts)
    inhabitants = fmt_int(area["population"], missing="inwonertal onbekend")
    if not pd.isna(area["population"]):
        inhabitants += " inwoners"
    return f"{text} · {inhabitants} · {fmt_num(area['area_km2'], 2)} km²"


def _signal_mask(signals: pd.DataFrame, sel: Filters) -> pd.Series:
    """The signals received in the period that pass the filters."""
    mask = (signals[MONTH] >= sel.start) & (signals[MONTH] <= sel.end)
    mask &= signals[DOMAIN].isin(sel.domains)
    if sel.themes:
        mask &= signals[THEME].isin(sel.themes)
    if sel.channels:
        mask &= signals["channel"].isin(sel.channels)
    return mask


def _signal_codes(data: StoreData, signals: pd.DataFrame, level: str) -> pd.Series:
    """Each signal's area code at ``level`` (mapped per category, not per row)."""
    codes = signals[AREA_CODE]
    if level == data.levels[0]:
        return codes.astype("str")
    return aggregate.codes_at_level(codes, geo.parent_code_map(data.areas, level)).astype("object")


@st.cache_data(show_spinner=False, max_entries=64)
def _lead_times(
    version: str, sel: Filters, code: str | None, level: str, norm_days: float, by: str | None
) -> pd.DataFrame:
    data = _data(version)
    signals = load_signals(version, data)
    if signals.empty:
        return pd.DataFrame()
    mask = _signal_mask(signals, sel)
    if code is not None:
        mask &= signals[AREA_CODE].isin(aggregate.member_codes(data.areas, level, code))
    return aggregate.lead_times(
        signals.loc[mask],
        by=by,
        start=sel.start,
        end=sel.end,
        norm_days=norm_days,
        ptable=ptable(sel),
    )


def lead_times(
    data: StoreData, sel: Filters, *, code: str | None = None, level: str = "buurt"
) -> pd.DataFrame:
    """Lead times per theme for the selection (optionally one area)."""
    return _lead_times(data.version, sel.computed, code, level, 10.0, THEME)


def lead_time_summary(
    data: StoreData, sel: Filters, *, norm_days: float, by: str | None
) -> pd.DataFrame:
    """Lead times for the whole selection, per ``by`` group (or overall)."""
    return _lead_times(data.version, sel.computed, None, sel.level, norm_days, by)


@st.cache_data(show_spinner=False, max_entries=64)
def _lead_time_by_area(version: str, sel: Filters, norm_days: float) -> pd.DataFrame:
    data = _data(version)
    signals = load_signals(version, data)
    mask = _signal_mask(signals, sel) & ~signals[AREA_CODE].isin(SENTINEL_AREAS)
    frame = signals.loc[mask]
    frame = frame.assign(gebied=_signal_codes(data, frame, sel.level).to_numpy())
    table = aggregate.lead_times(
        frame,
        by="gebied",
        start=sel.start,
        end=sel.end,
        norm_days=norm_days,
        ptable=ptable(sel),
    )
    table = table.loc[table["afgesloten"] >= 20].sort_values("mediaan_dagen", ascending=False)
    names = data.level_areas(sel.level)["name"]
    table.insert(0, "Gebied", table.index.map(names))
    return table.reset_index(drop=True)


def lead_time_by_area(data: StoreData, sel: Filters, *, norm_days: float) -> pd.DataFrame:
    """Lead times per area at the selected level, slowest first."""
    return _lead_time_by_area(data.version, sel.computed, norm_days)


@st.cache_data(show_spinner=False, max_entries=64)
def _profile_comparison(version: str, sel: Filters, code: str, level: str) -> pd.DataFrame:
    data = _data(version)
    return insights.theme_comparison(
        _cube(version, sel), data.areas, level=level, code=code, ptable=ptable(sel)
    )


def profile_comparison(data: StoreData, sel: Filters, *, code: str, level: str) -> pd.DataFrame:
    """Per domain and theme: the area against its parent and the municipality (protected:
    small counts as "<5", without the area's rate and index)."""
    table = _profile_comparison(data.version, sel.computed, code, level)
    if not sel.private:
        return table
    shown = shown_counts(table["aantal"], sel)
    small = shown.map(lambda v: isinstance(v, str))
    return table.assign(
        aantal=shown,
        gebied=table["gebied"].where(~small),
        index=table["index"].where(~small),
    )


def profile_rates(row: pd.Series, sel: Filters) -> pd.Series:
    """An area's rate per 1,000 and social share as shown: protected, none next to a "<5"."""
    rates = row[["per_1000", "share_social"]].astype("float64")
    if sel.private and 0 < row["totaal"] < privacy.label_threshold():
        return pd.Series(float("nan"), index=rates.index)
    return rates


@st.cache_data(show_spinner=False, max_entries=64)
def _profile_series(
    version: str, sel: Filters, code: str, level: str
) -> tuple[pd.DataFrame, pd.Series | None]:
    data = _data(version)
    return insights.area_series(
        _cube(version, sel, period=False),
        data.areas,
        level=level,
        code=code,
        start=data.months[0],
        end=sel.end,
        ptable=ptable(sel),
    )


def profile_series(
    data: StoreData, sel: Filters, *, code: str, level: str
) -> tuple[pd.DataFrame, pd.Series | None]:
    """The area's monthly counts per domain from the first month to the period's end, and
    the municipality's average scaled to the area. The period's start does not matter, so
    the cache ignores it."""
    return _profile_series(data.version, replace(sel.computed, start=""), code, level)


@st.cache_data(show_spinner=False, max_entries=64)
def _domain_trend(version: str, sel: Filters) -> pd.DataFrame:
    data = _data(version)
    return insights.domain_monthly(
        _cube(version, sel, period=False),
        start=data.months[0],
        end=sel.end,
        ptable=ptable(sel),
    )


def domain_trend(data: StoreData, sel: Filters) -> pd.DataFrame:
    """Signals per month and domain from the first month to the period's end (the cache
    ignores the period's start and the area level)."""
    return _domain_trend(data.version, replace(sel.computed, start="", level=""))


@st.cache_data(show_spinner=False, max_entries=64)
def _trend_series(
    version: str, sel: Filters, code: str | None, by: str | None
) -> tuple[pd.DataFrame, pd.Series | None]:
    data = _data(version)
    return insights.area_series(
        _cube(version, sel, period=False),
        data.areas,
        level=sel.level,
        code=code,
        start=data.months[0],
        end=sel.end,
        by=by,
        ptable=ptable(sel),
    )


def trend_series(
    data: StoreData, sel: Filters, *, code: str | None, by: str
) -> tuple[pd.DataFrame, pd.Series | None]:
    """Monthly counts per ``by`` group for the municipality or an area at the selected level,
    from the first month to the period's end, with the municipality's scaled average."""
    return _trend_series(data.version, replace(sel.computed, start=""), code, by)


def month_totals(data: StoreData, sel: Filters, *, code: str | None) -> pd.DataFrame:
    """Signals per month in all of the selection (``month``, ``count``) for the municipality
    or an area, from the first month to the period's end: each month a cell of its own (so,
    protected, not the sum of the protected groups of :func:`trend_series`)."""
    series, _ = _trend_series(data.version, replace(sel.computed, start=""), code, None)
    return series


def neighbour_table(data: StoreData, sel: Filters, *, code: str, level: str) -> pd.DataFrame:
    """The area's neighbours (queen contiguity) with their signals and rate."""
    w = data.weights(level)
    codes = stats.neighbours(geo.areas_at_level(data.areas, level), code, w=w)
    table = area_measures(data, replace(sel, level=level)).reindex(codes)
    rates = table["per_1000"]
    if sel.private:  # no rate next to a "<5"
        rates = privacy.suppress_rates(
            rates,
            numerators=table["totaal"],
            population=table["population"],
            threshold=privacy.label_threshold(),
        )
    return pd.DataFrame(
        {
            "Code": codes,
            "Gebied": table["name"].to_numpy(),
            "Signalen": shown_counts(table["totaal"], sel).to_numpy(),
            "Per 1.000": rates.round(1).to_numpy(),
        }
    )


@st.cache_resource(show_spinner="Presentatie voorbereiden…", max_entries=16)
def _content(version: str, sel: Filters, area: str | None) -> Any:
    from regie_analytics import report

    data = _data(version)
    level = sel.level if sel.level != "gemeente" else data.levels[0]
    shared = area is None and level == sel.level and bool(sel.domains)
    return report.collect(
        data,
        start=sel.start,
        end=sel.end,
        area=area,
        level=level,
        domains=sel.domains or ("fysiek", "sociaal"),
        themes=sel.themes or None,
        channels=sel.channels or None,
        # the Overzicht's cached overview and samenhang table (the same protected figures)
        overview=_overview(version, sel) if shared else None,
    )


def report_content(data: StoreData, sel: Filters, *, area: str | None = None) -> Any:
    """The council content for the selection (every count protected), computed once."""
    return _content(data.version, replace(sel.computed, private=True), area)


def _built(build: Any) -> bytes:
    """A download built on click, outside the page run: an unexpected error is logged with
    a reference and only the Dutch message with that reference reaches the browser."""
    try:
        return bytes(build())
    except InputError:
        raise
    except Exception as exc:
        raise RuntimeError(incidents.message(incidents.record(exc, where="export"))) from None


@st.cache_resource(show_spinner=False, max_entries=8)
def _deck(
    version: str, sel: Filters, area: str | None, digest: str, _template: bytes | None
) -> bytes:
    from regie_analytics import report

    return report.build_pptx(_content(version, sel, area), template=_template)


def export_buttons(data: StoreData, sel: Filters, *, area: str | None = None) -> None:
    """Download buttons for the slide deck and the PDF of the current view (built on click,
    each recorded in the audit log), and an optional PowerPoint template for the deck: its
    master, logo and colours. A deck is built once per filter and template."""
    from regie_analytics import deck as decks
    from regie_analytics import report

    name = f"regie-analytics-{area or 'gemeente'}-{sel.start}-{sel.end}"
    left, right = st.columns(2)
    upload = left.file_uploader(
        "Huisstijl voor de dia's (pptx-sjabloon, optioneel)",
        type=["pptx"],
        key=f"deck_template_{area or 'gemeente'}",
        help="De dia's krijgen de indelingen, het logo en de kleuren van dit sjabloon.",
    )
    template = upload.getvalue() if upload is not None else None
    if upload is not None and template is not None:
        try:
            decks.check_template(template, name=upload.name)
        except InputError as exc:
            left.warning(str(exc), icon=":material/warning:")
            template = None
    digest = hashlib.sha256(template).hexdigest() if template else ""
    computed = sel.computed

    def deck() -> bytes:
        return _built(lambda: _deck(data.version, computed, area, digest, template))

    def pdf() -> bytes:
        return _built(lambda: report.build_pdf(report_content(data, sel, area=area)))

    left.download_button(
        "Download presentatie (pptx)",
        access.logged(deck, fmt="pptx", name=f"{name}.pptx", sel=sel, area=area, rows=None),
        f"{name}.pptx",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        icon=":material/slideshow:",
        on_click="ignore",
    )
    right.download_button(
        "Download rapport (pdf)",
        access.logged(pdf, fmt="pdf", name=f"{name}.pdf", sel=sel, area=area, rows=None),
        f"{name}.pdf",
        "application/pdf",
        icon=":material/picture_as_pdf:",
        on_click="ignore",
    )


@st.cache_resource(show_spinner=False, max_entries=256)
def _figure(version: str, key: tuple[Any, ...], _build: Any) -> Any:
    return _build()


def figure(data: StoreData, key: tuple[Any, ...], build: Any) -> Any:
    """A plotly figure built once per store version and ``key`` (a name, the filters and the
    page's options), then shared: a rerun with the same selection rebuilds nothing."""
    return _figure(data.version, key, build)
